/**
 * How a replica notices other replicas' change events without missing one that commits
 * late. On PostgreSQL, event ids come from a sequence when a transaction inserts, not when
 * it commits: a write that took id 100 can commit after one that took 101. Polling the
 * newest id would then see 101 and never notice 100, and a flag switched in that write
 * would stay stale on this replica. So the poll counts ids instead: every id at or below
 * `floor` is settled; above it, the poll reads the highest id and how many ids there are.
 * Any commit above the floor changes one of the two, however late it comes.
 *
 * Ids missing above the floor (a write still in flight, or one rolled back: a retried
 * idempotency key rolls back after taking its ids) keep the floor down until `settleMs`
 * after a poll first saw ids beyond them; then they are given up. Writes made here are
 * counted in as they finish (`countLocal`), so the next poll does not take them for another
 * replica's.
 */

/**
 * How long ids missing above the floor are waited for. A change write's transaction lasts
 * milliseconds; one still open after half a minute is far outside anything Atrium does,
 * and meanwhile every poll counts the ids above the floor, so the wait is kept short.
 */
export const COMMIT_SETTLE_MS = 30_000;

export interface CommitWatch {
  /** Every id at or below this is committed, or never will be. */
  floor: number;
  /** The highest id known above the floor (the floor when none). */
  top: number;
  /** How many ids are known above the floor. */
  count: number;
  /** While ids are missing above the floor: the highest id each poll saw, oldest first. */
  samples: readonly { atMs: number; top: number }[];
}

/** What a poll reads above the floor: the highest id (the floor when none), how many ids, and how many of them are at or below the settle point. */
export interface IdsAbove {
  top: number;
  count: number;
  settled: number;
}

/** A watch starting at the newest id: what is already there was read at start-up. */
export function startWatch(latest: number): CommitWatch {
  return { floor: latest, top: latest, count: 0, samples: [] };
}

/**
 * The id up to which missing ids are given up at `nowMs`: the highest id a poll saw at least
 * `settleMs` ago, while ids were missing (the floor when there is none yet).
 */
export function settlePoint(watch: CommitWatch, nowMs: number, settleMs: number): number {
  let point = watch.floor;
  for (const sample of watch.samples) {
    if (sample.atMs > nowMs - settleMs) break;
    point = Math.max(point, sample.top);
  }
  return point;
}

/**
 * The watch after a poll read `seen` above `watch.floor` (with `seen.settled` counted up to
 * `settleTo`, from settlePoint). `raced` are the ids of writes made here that finished
 * while the poll was in flight: the poll may or may not have seen them. `moved` says that
 * something committed since the last poll that was not written here.
 */
export function advance(watch: CommitWatch, seen: IdsAbove, settleTo: number, nowMs: number, raced: readonly number[] = []): { moved: boolean; watch: CommitWatch } {
  const withRaced = countLocal(watch, raced);
  const sawRaced = raced.length > 0 && sameAs(withRaced, seen);
  const base = sawRaced ? withRaced : watch;
  const moved = !sameAs(base, seen);
  const top = Math.max(seen.top, base.floor);
  const floor = Math.min(Math.max(base.floor, settleTo), top);
  const count = seen.count - (floor > base.floor ? seen.settled : 0);
  // Every id between the floor and the top is there: all of them settle.
  const next = count >= top - floor ? startWatch(top) : { floor, top, count, samples: [...base.samples.filter((s) => s.top > floor), { atMs: nowMs, top }] };
  // Writes the poll did not see come in the next one: counted now, they are not news then.
  // (When something else moved too, it is unknown which were seen; at worst the next poll moves once more.)
  return { moved, watch: sawRaced || moved ? next : countLocal(next, raced) };
}

function sameAs(watch: CommitWatch, seen: IdsAbove): boolean {
  return watch.top === Math.max(seen.top, watch.floor) && watch.count === seen.count;
}

/** The watch after writes made here committed these ids: the next poll will find them, and they are not news. */
export function countLocal(watch: CommitWatch, ids: readonly number[]): CommitWatch {
  let top = watch.top;
  let count = watch.count;
  for (const id of ids) {
    if (id <= watch.floor) continue;
    top = Math.max(top, id);
    count++;
  }
  return count === watch.count ? watch : { ...watch, top, count };
}
