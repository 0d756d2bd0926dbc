/**
 * Deterministic randomness for the benchmarks and the demo data: a seeded PRNG (sfc32, seeded through
 * splitmix32) and the distributions the generator and the load generator need. Nothing
 * here reads Math.random or the clock, so the same seed always gives the same catalog and
 * the same request sequence.
 */

export type Rng = () => number;

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A uniform [0, 1) generator from a 32-bit seed (sfc32). */
export function createRng(seed: number): Rng {
  const init = splitmix32(seed);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 16; i++) next();
  return next;
}

/** An integer in [min, max], both inclusive. */
export function intBetween(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  if (items.length === 0) throw new Error('pick from an empty list');
  return items[Math.floor(rng() * items.length)] as T;
}

export function chance(rng: Rng, p: number): boolean {
  return rng() < p;
}

/** Fisher-Yates, in place. */
export function shuffle<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = items[i] as T;
    items[i] = items[j] as T;
    items[j] = tmp;
  }
  return items;
}

/** A standard normal variate (Box-Muller). */
export function normal(rng: Rng): number {
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Log-normal with median 1: exp(sigma * N(0,1)). Skewed sizes (team sizes, file counts). */
export function logNormal(rng: Rng, sigma: number): number {
  return Math.exp(sigma * normal(rng));
}

/** Exponential with the given rate (mean 1 / rate). */
export function exponential(rng: Rng, rate: number): number {
  return -Math.log(1 - rng()) / rate;
}

/** Draws an index in [0, cdf.length) from a cumulative distribution (last value 1). */
function fromCdf(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cdf[mid] as number) < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Zipf over ranks 0..n-1: P(rank k) proportional to 1 / (k + 1)^s. Rank 0 is the hottest.
 * Returns a sampler that draws a rank with the given generator.
 */
export function zipf(n: number, s: number): (rng: Rng) => number {
  if (n <= 0) throw new Error('zipf over an empty range');
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) {
    sum += 1 / Math.pow(k + 1, s);
    cdf[k] = sum;
  }
  for (let k = 0; k < n; k++) cdf[k] = (cdf[k] as number) / sum;
  cdf[n - 1] = 1;
  return (rng) => fromCdf(cdf, rng());
}

/** A sampler over indices with the given non-negative weights. */
export function weighted(weights: readonly number[]): (rng: Rng) => number {
  if (weights.length === 0) throw new Error('weighted over an empty list');
  const cdf = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => {
    sum += Math.max(0, w);
    cdf[i] = sum;
  });
  if (sum <= 0) throw new Error('weighted: all weights are zero');
  for (let i = 0; i < cdf.length; i++) cdf[i] = (cdf[i] as number) / sum;
  cdf[cdf.length - 1] = 1;
  return (rng) => fromCdf(cdf, rng());
}
