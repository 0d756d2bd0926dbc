import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { advance, countLocal, settlePoint, startWatch, type CommitWatch, type IdsAbove } from './commit-watch.ts';

/**
 * The rules of commit-watch.ts against a model database: a set of committed ids. `poll`
 * reads it as the store's idsAbove does, so each test states only which ids commit when.
 */

const SETTLE = 30_000;

function idsAbove(committed: ReadonlySet<number>, floor: number, settleTo: number): IdsAbove {
  const above = [...committed].filter((id) => id > floor);
  return { top: above.length ? Math.max(...above) : floor, count: above.length, settled: above.filter((id) => id <= settleTo).length };
}

function poll(watch: CommitWatch, committed: ReadonlySet<number>, nowMs: number, raced: readonly number[] = [], seenBy: ReadonlySet<number> = committed) {
  const settleTo = settlePoint(watch, nowMs, SETTLE);
  return advance(watch, idsAbove(seenBy, watch.floor, settleTo), settleTo, nowMs, raced);
}

describe('commit watch', () => {
  test('starts at the newest id; nothing new is no news, however often it is asked', () => {
    const committed = new Set([1, 2, 3]);
    let watch = startWatch(3);
    for (let t = 0; t < 5; t++) {
      const next = poll(watch, committed, t * 1000);
      assert.equal(next.moved, false);
      watch = next.watch;
    }
    assert.deepEqual(watch, { floor: 3, top: 3, count: 0, samples: [] });
    // An empty table starts at 0.
    assert.deepEqual(poll(startWatch(0), new Set(), 0), { moved: false, watch: startWatch(0) });
  });

  test('new ids in order move it, and the floor follows them', () => {
    const committed = new Set([1, 2, 3]);
    const watch = startWatch(3);
    committed.add(4).add(5);
    const next = poll(watch, committed, 1000);
    assert.equal(next.moved, true);
    assert.deepEqual(next.watch, startWatch(5));
  });

  test('an id that commits after a higher one is still seen: the floor waits below it', () => {
    const committed = new Set([1, 2, 3]);
    let watch = startWatch(3);
    // Two writes took 4 and 5; 5 commits first.
    committed.add(5);
    let next = poll(watch, committed, 1000);
    assert.equal(next.moved, true);
    assert.deepEqual(next.watch, { floor: 3, top: 5, count: 1, samples: [{ atMs: 1000, top: 5 }] });
    watch = next.watch;
    // Polled again before 4 commits: nothing new.
    next = poll(watch, committed, 2000);
    assert.equal(next.moved, false);
    watch = next.watch;
    // 4 commits late, lower than the newest id: the count moves, and so does the watch.
    committed.add(4);
    next = poll(watch, committed, 3000);
    assert.equal(next.moved, true);
    assert.deepEqual(next.watch, startWatch(5));
  });

  test('missing ids are given up settleMs after a poll first saw ids beyond them, and what comes later is still seen', () => {
    const committed = new Set([1, 2, 3]);
    let watch = startWatch(3);
    // 4 is rolled back (a retried idempotency key): it never commits.
    committed.add(5);
    watch = poll(watch, committed, 0).watch;
    committed.add(6);
    const sixSeen = poll(watch, committed, 10_000);
    assert.equal(sixSeen.moved, true);
    watch = sixSeen.watch;
    assert.equal(watch.floor, 3);
    assert.deepEqual(watch.samples, [{ atMs: 0, top: 5 }, { atMs: 10_000, top: 6 }]);
    // Just before the wait ends, the floor still waits for 4.
    watch = poll(watch, committed, SETTLE - 1).watch;
    assert.equal(watch.floor, 3);
    // Then ids up to 5 (the newest at the first poll that missed 4) settle; 6 was seen already.
    const settled = poll(watch, committed, SETTLE);
    assert.equal(settled.moved, false);
    assert.deepEqual(settled.watch, startWatch(6));
    // And new writes move it as before.
    committed.add(7);
    assert.equal(poll(settled.watch, committed, SETTLE + 1000).moved, true);
  });

  test('settling with ids still missing above the settle point keeps counting from there', () => {
    const committed = new Set([1, 2, 3]);
    let watch = startWatch(3);
    committed.add(5); // 4 never commits
    watch = poll(watch, committed, 0).watch;
    committed.add(7); // 6 is in flight for a long time
    watch = poll(watch, committed, 10_000).watch;
    const settled = poll(watch, committed, SETTLE);
    assert.equal(settled.moved, false);
    assert.deepEqual(settled.watch, { floor: 5, top: 7, count: 1, samples: [{ atMs: 10_000, top: 7 }, { atMs: SETTLE, top: 7 }] });
    // 6 commits (late, but within its own wait): seen.
    committed.add(6);
    const late = poll(settled.watch, committed, SETTLE + 1000);
    assert.equal(late.moved, true);
    assert.deepEqual(late.watch, startWatch(7));
  });

  test('settlePoint is the newest sample at least settleMs old, never below the floor', () => {
    const watch: CommitWatch = { floor: 10, top: 20, count: 3, samples: [{ atMs: 0, top: 12 }, { atMs: 5000, top: 15 }, { atMs: 40_000, top: 20 }] };
    assert.equal(settlePoint(watch, SETTLE - 1, SETTLE), 10);
    assert.equal(settlePoint(watch, SETTLE, SETTLE), 12);
    assert.equal(settlePoint(watch, SETTLE + 5000, SETTLE), 15);
    assert.equal(settlePoint(watch, 70_000, SETTLE), 20);
    assert.equal(settlePoint(startWatch(4), 1e9, SETTLE), 4);
  });

  test('writes made here are counted in as they finish, and are no news to the next poll', () => {
    const committed = new Set([1, 2, 3]);
    let watch = startWatch(3);
    committed.add(4).add(5);
    watch = countLocal(watch, [4, 5]);
    let next = poll(watch, committed, 1000);
    assert.equal(next.moved, false);
    assert.deepEqual(next.watch, startWatch(5));
    // A local write and another replica's in one interval: that one is news.
    committed.add(6).add(7);
    watch = countLocal(next.watch, [6]);
    next = poll(watch, committed, 2000);
    assert.equal(next.moved, true);
    assert.deepEqual(next.watch, startWatch(7));
    // Ids at or below the floor are not counted (already settled).
    const nine = startWatch(9);
    assert.equal(countLocal(nine, [8, 9]), nine);
    assert.deepEqual(countLocal(startWatch(9), [8, 11, 10]), { floor: 9, top: 11, count: 2, samples: [] });
  });

  test('a local write that finished while the poll was in flight is no news, whether the poll saw it or not', () => {
    const committed = new Set([1, 2, 3]);
    const watch = startWatch(3);
    committed.add(4);
    // The poll saw it.
    const saw = poll(watch, committed, 1000, [4]);
    assert.equal(saw.moved, false);
    assert.deepEqual(saw.watch, startWatch(4));
    // The poll read before it committed: counted now, so the next poll, which sees it, finds nothing new.
    const missed = poll(watch, committed, 1000, [4], new Set([1, 2, 3]));
    assert.equal(missed.moved, false);
    assert.deepEqual(missed.watch, { floor: 3, top: 4, count: 1, samples: [] });
    const after = poll(missed.watch, committed, 2000);
    assert.equal(after.moved, false);
    assert.deepEqual(after.watch, startWatch(4));
  });

  test('another replica\'s write alongside a raced local one is news', () => {
    const committed = new Set([1, 2, 3, 4, 5]);
    const next = poll(startWatch(3), committed, 1000, [4]);
    assert.equal(next.moved, true);
    assert.deepEqual(next.watch, startWatch(5));
  });

  test('a random interleaving of commits, late commits, rollbacks and local writes: every other replica\'s commit is told within two polls', () => {
    // Model: ids are taken in order; each write commits after a random delay (or rolls back),
    // and is local or another replica's. A local write may finish during a poll, which then
    // may or may not see it. Deterministic: a fixed linear congruential sequence.
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let deferred = 0;
    for (let run = 0; run < 300; run++) {
      const committed = new Set<number>();
      let watch = startWatch(0);
      let nextId = 1;
      const inFlight: { id: number; commitAt: number; local: boolean; rollback: boolean }[] = [];
      let untold: { id: number; since: number }[] = [];
      for (let t = 0; t < 120_000; t += 1000) {
        for (let n = Math.floor(random() * 3); n > 0; n--) inFlight.push({ id: nextId++, commitAt: t + Math.floor(random() * 4000), local: random() < 0.5, rollback: random() < 0.1 });
        const raced: number[] = [];
        for (const w of inFlight.filter((w) => w.commitAt <= t)) {
          inFlight.splice(inFlight.indexOf(w), 1);
          if (w.rollback) continue;
          committed.add(w.id);
          if (!w.local) untold.push({ id: w.id, since: t });
          else if (random() < 0.5) raced.push(w.id);
          else watch = countLocal(watch, [w.id]);
        }
        const seenBy = new Set([...committed].filter((id) => !raced.includes(id) || random() < 0.5));
        const next = poll(watch, committed, t, raced, seenBy);
        if (next.moved) untold = untold.filter((w) => !seenBy.has(w.id));
        if (untold.some((w) => w.since < t)) deferred++;
        assert.ok(untold.every((w) => w.since >= t - 1000), `run ${run}, t ${t}: ${JSON.stringify(untold)} not told`);
        watch = next.watch;
      }
    }
    // The deferral (a raced local write hiding one of equal count and top) is rare.
    assert.ok(deferred < 50, `${deferred} deferrals`);
  });
});
