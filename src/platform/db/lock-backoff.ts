/**
 * How long a SQLite statement that met another connection's lock waits before it tries
 * again. better-sqlite3 is synchronous: SQLite's own busy timeout would wait on the event
 * loop and stall every request, so Atrium's connections wait for nothing (busy_timeout 0)
 * and retry between turns of the event loop instead, with these waits.
 */
export interface LockBackoffPolicy {
  /** The longest first wait, in ms; each later one may be twice the one before. */
  firstMs: number;
  /** The longest single wait, in ms: a lock released is noticed within about this long. */
  maxMs: number;
  /** How long in all a statement waits for the lock before it fails as busy (retryable), in ms. */
  deadlineMs: number;
}

/** The waits of every SQLite connection: the 5 s deadline is what SQLite's busy timeout was. */
export const LOCK_BACKOFF: LockBackoffPolicy = { firstMs: 2, maxMs: 100, deadlineMs: 5_000 };

/**
 * The wait before the next try, after `failures` tries that met the lock (1 or more) and
 * `waitedMs` since the first began; undefined once the deadline has passed: give up.
 * Capped exponential backoff with equal jitter (`random` in [0, 1)): half of each wait
 * grows, so a long-held lock is not polled hot; half is random, so waiters that met the
 * lock together do not all try again together. No wait ends after the deadline, so the
 * last try is made at it.
 */
export function lockBackoff(
  policy: LockBackoffPolicy,
  failures: number,
  waitedMs: number,
  random: number,
): number | undefined {
  const left = policy.deadlineMs - waitedMs;
  if (!(left > 0)) return undefined;
  const exponent = failures > 1 ? Math.floor(failures) - 1 : 0;
  const ceiling = Math.min(policy.maxMs, policy.firstMs * 2 ** Math.min(exponent, 52));
  // Out of range is held to [0, 1]; NaN counts as the longest wait (never a NaN-ms timer).
  const jitter = random >= 0 ? Math.min(random, 1) : random < 0 ? 0 : 1;
  const wait = Math.max(1, Math.ceil(ceiling / 2 + (jitter * ceiling) / 2));
  return Math.min(wait, Math.ceil(left));
}
