/**
 * Order statistics of an ascending list. The median averages the two middle values of an
 * even count (the usual definition, and what a reader checking by hand expects); other
 * percentiles use the nearest rank, so a p90 is always a duration that really happened.
 */

/** The median of ascending values, or null when there are none. */
export function median(sorted: ArrayLike<number>): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const mid = n >> 1;
  return n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * The nearest-rank percentile (p in (0, 1]) of ascending values: the smallest value with at
 * least p of the values at or below it. Null when there are none.
 *
 * @example
 * percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9); // 9
 */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  // 0.07 * 100 is 7.000000000000001 in floating point: without the nudge the p7 of 100 values would be the 8th.
  const rank = Math.min(n, Math.max(1, Math.ceil(p * n - 1e-9)));
  return sorted[rank - 1] as number;
}
