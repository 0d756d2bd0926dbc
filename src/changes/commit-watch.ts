/**
 * How a replica notices other replicas' change events without missing one that commits
 * late. On PostgreSQL, event ids come from a sequence when a transaction inserts, not when
 * it commits: a write that took id 100 can commit after one that took 101. Polling the
 * newest id would then see 101 and never notice 100, and a flag switched in that write
 * would stay stale on this replica. So the watch remembers which ids below the highest one
 * seen are still missing, and each poll asks for the ids above that highest one and for
 * the missing ones: a commit among them is news, however late it comes.
 *
 * A missing id (a write in flight, or one rolled back: a retried idempotency key rolls
 * back after taking its ids) is asked for until `settleMs` after it was first missed, then
 * given up. Writes made here are noted as they finish (`noteLocal`), so a poll does not
 * take them for another replica's; noting is by id, so noting one a poll already saw
 * changes nothing.
 */

/**
 * How long a missing id is asked for. A change write's transaction lasts milliseconds; one
 * still open after half a minute is far outside anything Atrium does.
 */
export const COMMIT_SETTLE_MS = 30_000;
/**
 * At most this many missing ids are asked for (the oldest are given up first): a rolled
 * back group commit leaves as many as it took, and each one is in every poll's query.
 */
export const MAX_MISSING = 2_000;
/** At start, ids this far below the newest that are not there are taken as in flight. */
export const START_WINDOW = 1_000;
/**
 * At most this many writes made here wait for a poll to see them (the oldest are dropped:
 * then a poll takes one for another replica's, which costs one needless notice).
 */
export const MAX_LOCAL_AHEAD = 10_000;

export interface CommitWatch {
  /** The highest id seen. */
  top: number;
  /** Ids below `top` not seen yet, with when each was first missed (ms, monotonic). */
  missing: ReadonlyMap<number, number>;
  /** Ids written here above `top`: when a poll sees them, they are not news. */
  localAhead: ReadonlySet<number>;
}

/**
 * The watch at start: `latest` is the newest id, `present` the ids found in the
 * START_WINDOW below it; the others there are taken as in flight from `nowMs`.
 */
export function startWatch(latest: number, present: readonly number[], nowMs: number): CommitWatch {
  const found = new Set(present);
  const missing = new Map<number, number>();
  for (let id = Math.max(1, latest - START_WINDOW + 1); id < latest; id++) if (!found.has(id)) missing.set(id, nowMs);
  return { top: latest, missing, localAhead: new Set() };
}

/** What the next poll asks for: ids above `above`, and the missing ones. */
export function idsToAsk(watch: CommitWatch): { above: number; missing: number[] } {
  return { above: watch.top, missing: [...watch.missing.keys()] };
}

/** The watch after writes made here committed these ids. Idempotent: an id seen already is left as it is. */
export function noteLocal(watch: CommitWatch, ids: readonly number[]): CommitWatch {
  let missing: Map<number, number> | undefined;
  let localAhead: Set<number> | undefined;
  for (const id of ids) {
    if (watch.missing.has(id)) (missing ??= new Map(watch.missing)).delete(id);
    else if (id > watch.top && !watch.localAhead.has(id)) (localAhead ??= new Set(watch.localAhead)).add(id);
  }
  // Sets iterate in insertion order: the first are the oldest.
  if (localAhead) for (const id of localAhead) if (localAhead.size > MAX_LOCAL_AHEAD) localAhead.delete(id);
  return missing || localAhead
    ? { top: watch.top, missing: missing ?? watch.missing, localAhead: localAhead ?? watch.localAhead }
    : watch;
}

/**
 * The watch after a poll found `seen` (ids asked for by idsToAsk, in any order) at `nowMs`:
 * `moved` says that one of them was not written here. Ids between the old and the new top
 * that the poll did not find become missing, unless written here.
 */
export function advance(
  watch: CommitWatch,
  seen: readonly number[],
  nowMs: number,
  settleMs = COMMIT_SETTLE_MS,
): { moved: boolean; watch: CommitWatch } {
  let moved = false;
  const missing = new Map(watch.missing);
  const localAhead = new Set(watch.localAhead);
  const above: number[] = [];
  for (const id of seen) {
    if (missing.delete(id)) moved = true;
    else if (id > watch.top) {
      above.push(id);
      if (!localAhead.has(id)) moved = true;
    }
  }
  above.sort((a, b) => a - b);
  const top = above.length > 0 ? (above[above.length - 1] as number) : watch.top;
  // The gaps between the ids found above the old top, newest first, at most MAX_MISSING of
  // them (older ones would be given up at once below); work in the gaps, not the distance.
  const gaps: number[] = [];
  for (let i = above.length - 1; i >= 0 && gaps.length < MAX_MISSING; i--) {
    const below = i > 0 ? (above[i - 1] as number) : watch.top;
    for (let id = (above[i] as number) - 1; id > below && gaps.length < MAX_MISSING; id--)
      if (!localAhead.has(id)) gaps.push(id);
  }
  for (let i = gaps.length - 1; i >= 0; i--) missing.set(gaps[i] as number, nowMs);
  // Written here and now at or below the top: seen or not, they are known.
  for (const id of localAhead) if (id <= top) localAhead.delete(id);
  for (const [id, since] of missing) if (nowMs - since >= settleMs) missing.delete(id);
  // Oldest ids first (a Map keeps insertion order, and ids are missed in ascending order).
  for (const id of missing.keys()) {
    if (missing.size <= MAX_MISSING) break;
    missing.delete(id);
  }
  return { moved, watch: { top, missing, localAhead } };
}
