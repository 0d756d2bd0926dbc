import type { CatchUp } from './model.ts';

/**
 * Which of a job's due ticks run and which are recorded missed. A tick claimed within
 * `lateAfterMs` of its time is on time and runs; older ones are late (the servers were
 * down, or the job was suspended meanwhile): the job's `catchUp` runs none of them, the
 * last, or the last N, and the rest are missed. Of a long backlog only the newest
 * `maxListed` missed ticks are listed one by one; the older ones are one span (a
 * restart after hours down records a few rows per job, not one per tick). Pure.
 *
 * @example
 * catchUpPlan([t1, t2, t3], { kind: 'last' }, now, 60_000);
 * // { run: [t3], missed: [t1, t2] } when all three are late
 */

export interface CatchUpPlan {
  /** Ticks that run on time. */
  onTime: number[];
  /** Late ticks that run all the same (catchUp). */
  caughtUp: number[];
  /** Missed ticks recorded one by one: the newest `maxListed` of them. */
  missed: number[];
  /** The older missed ticks, recorded together as one missed run: the first of them and how many. */
  unlisted?: { first: number; count: number };
}

/** The largest `catchUp: N`: a backlog beyond it is a flood, not a catch-up. */
export const MAX_CATCH_UP = 100;

export function catchUpPlan(
  ticks: readonly number[],
  catchUp: CatchUp,
  now: number,
  lateAfterMs: number,
  maxListed = Number.POSITIVE_INFINITY,
): CatchUpPlan {
  const onTime = ticks.filter((t) => now - t <= lateAfterMs);
  const late = ticks.filter((t) => now - t > lateAfterMs);
  const keep = catchUp.kind === 'none' ? 0 : catchUp.kind === 'last' ? 1 : Math.min(catchUp.count, MAX_CATCH_UP);
  const caughtUp = keep === 0 ? [] : late.slice(-keep);
  const missed = late.slice(0, late.length - caughtUp.length);
  if (missed.length <= maxListed) return { onTime, caughtUp, missed };
  const count = missed.length - maxListed;
  return { onTime, caughtUp, missed: missed.slice(count), unlisted: { first: missed[0] as number, count } };
}
