/**
 * The skewed distributions only the benchmarks need (catalog sizes, hot keys, weighted
 * picks), drawn from the seeded generator in src/platform/prng.ts.
 */
import type { Rng } from '../src/platform/prng.ts';

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
    sum += 1 / (k + 1) ** s;
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
