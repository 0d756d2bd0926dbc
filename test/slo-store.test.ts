import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import type { Database } from '../src/platform/db/connect.ts';
import type { SloStatus } from '../src/slo/model.ts';
import { HOUR_MS, MINUTE_MS, SloStore } from '../src/slo/store.ts';
import { createTestDatabase, describeEachDatabase } from './support/databases.ts';

/** The SLO store on both databases: bucket sums, compaction, retention, cycle claims, atomic evaluations. */

const NOW = Date.parse('2025-03-15T12:00:00Z');
const KEY = 'slo:default/a';
const respond = () => ({ status: 202, body: '{"accepted":1}' });

async function open(t: { after(fn: () => Promise<void>): void }, dialect: 'sqlite' | 'postgres'): Promise<Database> {
  const testDb = await createTestDatabase(dialect, { migrated: true });
  const database = await testDb.open();
  t.after(async () => {
    await database.close();
    await testDb.drop();
  });
  return database;
}

describeEachDatabase('SLO store', (dialect) => {
  test('sums pushed events per minute and over windows, in SQL', async (t) => {
    const store = new SloStore(await open(t, dialect));
    await store.addEvents(
      KEY,
      [
        { atMs: NOW - 30_000, good: 90, total: 100 },
        { atMs: NOW - 10_000, good: 5, total: 10 }, // the same minute: summed
        { atMs: NOW - 10 * MINUTE_MS, good: 100, total: 100 },
      ],
      respond,
      undefined,
      new Date(NOW),
    );
    await store.addEvents(
      'slo:default/b',
      [{ atMs: NOW - 2 * HOUR_MS, good: 1, total: 2 }],
      respond,
      undefined,
      new Date(NOW),
    );
    const sums = await store.windowSums(
      [
        { id: '5m', start: NOW - 5 * MINUTE_MS },
        { id: '1h', start: NOW - HOUR_MS },
        { id: '3h', start: NOW - 3 * HOUR_MS },
      ],
      NOW + MINUTE_MS,
    );
    assert.deepEqual(Object.fromEntries(sums.get(KEY) ?? []), {
      '5m': { good: 95, total: 110 },
      '1h': { good: 195, total: 210 },
      '3h': { good: 195, total: 210 },
    });
    assert.deepEqual(Object.fromEntries(sums.get('slo:default/b') ?? []), { '3h': { good: 1, total: 2 } });
    const one = await store.windowSums([{ id: '1h', start: NOW - HOUR_MS }], NOW + MINUTE_MS, [KEY]);
    assert.deepEqual([...one.keys()], [KEY], 'only the keys asked for');
  });

  test('an idempotency key replays, conflicts on another body, and adds nothing twice', async (t) => {
    const store = new SloStore(await open(t, dialect));
    const idem = { principal: 'ci', route: '/api/v1/slos/:namespace/:name/events', key: 'k1', fingerprint: 'f1' };
    const events = [{ atMs: NOW, good: 9, total: 10 }];
    assert.equal((await store.addEvents(KEY, events, respond, idem, new Date(NOW))).kind, 'written');
    assert.deepEqual(await store.addEvents(KEY, events, respond, idem, new Date(NOW)), {
      kind: 'replayed',
      answer: respond(),
    });
    assert.deepEqual(await store.addEvents(KEY, events, respond, { ...idem, fingerprint: 'f2' }, new Date(NOW)), {
      kind: 'conflict',
    });
    const sums = await store.windowSums([{ id: 'all', start: 0 }], NOW + MINUTE_MS);
    assert.deepEqual(sums.get(KEY)?.get('all'), { good: 9, total: 10 });
  });

  test('compacts minutes older than 48 hours into hours, and prunes past retention', async (t) => {
    const store = new SloStore(await open(t, dialect));
    const old = NOW - 50 * HOUR_MS; // 10:00 two days and two hours ago
    await store.addEvents(
      KEY,
      [
        { atMs: old + MINUTE_MS, good: 10, total: 10 },
        { atMs: old + 30 * MINUTE_MS, good: 5, total: 10 },
        { atMs: NOW - MINUTE_MS, good: 1, total: 1 },
      ],
      respond,
      undefined,
      new Date(NOW),
    );
    const before = await store.windowSums([{ id: '3d', start: NOW - 72 * HOUR_MS }], NOW);
    assert.equal(await store.compact(NOW), 2);
    assert.equal(await store.compact(NOW), 0, 'nothing twice');
    // A late push into the compacted hour goes straight into its hour bucket: nothing left to fold.
    await store.addEvents(KEY, [{ atMs: old + 59 * MINUTE_MS, good: 0, total: 5 }], respond, undefined, new Date(NOW));
    assert.equal(await store.compact(NOW), 0);
    const after = await store.windowSums([{ id: '3d', start: NOW - 72 * HOUR_MS }], NOW);
    assert.deepEqual(before.get(KEY)?.get('3d'), { good: 16, total: 21 });
    assert.deepEqual(after.get(KEY)?.get('3d'), { good: 16, total: 26 });
    assert.deepEqual(await store.hourly(KEY, NOW - 72 * HOUR_MS, NOW), [
      { hour: old, good: 15, total: 25 },
      { hour: NOW - HOUR_MS, good: 1, total: 1 },
    ]);
    assert.equal(await store.prune([KEY], NOW - 49 * HOUR_MS), 1);
    assert.deepEqual((await store.windowSums([{ id: 'all', start: 0 }], NOW)).get(KEY)?.get('all'), {
      good: 1,
      total: 1,
    });
  });

  test('window sums from running totals equal bucket-by-bucket sums through a random history of pushes, compactions and prunes', async (t) => {
    const database = await open(t, dialect);
    const store = new SloStore(database);
    const random = seeded(dialect === 'sqlite' ? 17 : 71);
    const int = (n: number) => Math.floor(random() * n);
    const keys = ['slo:default/r0', 'slo:default/r1', 'slo:default/r2'];
    /** Every pushed event, and whether a prune has deleted its bucket: the truth for hour-aligned windows. */
    const pushed: { key: string; minute: number; good: number; total: number; alive: boolean }[] = [];
    const push = (key: string, now: number) => {
      const events = Array.from({ length: 1 + int(6) }, () => {
        // Mostly recent, some days old (into compacted hours), a few minutes ahead (clients' clocks).
        const atMs =
          int(4) === 0 ? now - int(10 * 24 * 60) * MINUTE_MS : now - int(180) * MINUTE_MS + int(4) * MINUTE_MS;
        const total = int(50);
        return { atMs, good: total - int(Math.min(total, 5) + 1), total };
      });
      for (const e of events)
        pushed.push({ key, minute: e.atMs - (e.atMs % MINUTE_MS), good: e.good, total: e.total, alive: true });
      return store.addEvents(key, events, respond, undefined, new Date(now));
    };
    /** The reference: every stored bucket read back and summed in JavaScript. */
    const bucketSums = async (start: number, end: number) => {
      const out = new Map<string, { good: number; total: number }>();
      for (const table of ['slo_minutes', 'slo_hours'] as const)
        for (const row of await database.db
          .selectFrom(table)
          .select(['slo_key', 'bucket_ms', 'good', 'total'])
          .execute())
          if (Number(row.bucket_ms) >= start && Number(row.bucket_ms) < end) {
            const sum = out.get(row.slo_key) ?? { good: 0, total: 0 };
            sum.good += Number(row.good);
            sum.total += Number(row.total);
            out.set(row.slo_key, sum);
          }
      return out;
    };
    let now = NOW;
    for (let step = 0; step < 40; step++) {
      now += int(5 * 60) * MINUTE_MS + int(60_000);
      // Pushes and a compaction at once: on PostgreSQL they interleave on separate connections.
      await Promise.all([
        ...keys.filter(() => int(3) > 0).map((key) => push(key, now)),
        ...(int(3) === 0 ? [store.compact(now)] : []),
      ]);
      if (int(8) === 0) {
        const before = Math.floor((now - 8 * 24 * HOUR_MS) / HOUR_MS) * HOUR_MS;
        await store.prune(keys, before);
        for (const e of pushed) if (e.minute < before && e.minute - (e.minute % HOUR_MS) < before) e.alive = false;
      }
      const end = now + int(6) * MINUTE_MS;
      const starts = [
        now - 5 * MINUTE_MS,
        now - HOUR_MS,
        now - 3 * 24 * HOUR_MS,
        now - 30 * 24 * HOUR_MS,
        now - int(10 * 24 * 60) * MINUTE_MS,
        Math.floor((now - int(240) * HOUR_MS) / HOUR_MS) * HOUR_MS,
      ];
      const sums = await store.windowSums(
        starts.map((start, i) => ({ id: String(i), start })),
        end,
      );
      for (const [i, start] of starts.entries()) {
        const expected = await bucketSums(start, end);
        for (const key of keys) {
          const want = expected.get(key);
          assert.deepEqual(
            sums.get(key)?.get(String(i)),
            want && want.total > 0 ? want : undefined,
            `step ${step}, ${key}, window ${i}`,
          );
        }
      }
      // An hour-aligned window holds exactly the events pushed into it that no prune deleted.
      const hourStart = starts[5] as number;
      const hourEnd = Math.floor(now / HOUR_MS) * HOUR_MS;
      const aligned = await store.windowSums([{ id: 'h', start: hourStart }], hourEnd);
      for (const key of keys) {
        const want = { good: 0, total: 0 };
        for (const e of pushed)
          if (e.key === key && e.alive && e.minute >= hourStart && e.minute < hourEnd) {
            want.good += e.good;
            want.total += e.total;
          }
        assert.deepEqual(
          aligned.get(key)?.get('h'),
          want.total > 0 ? want : undefined,
          `step ${step}, ${key}, aligned`,
        );
      }
    }
  });

  test('buckets stored before running totals get them when 0014_slo_running_totals runs', async (t) => {
    const testDb = await createTestDatabase(dialect, { migrated: true });
    t.after(() => testDb.drop());
    const first = await testDb.open();
    // Back to the tables as 0008 made them, holding buckets that a late push left below a compacted hour.
    await sql`delete from atrium_migrations where name = '0014_slo_running_totals'`.execute(first.db);
    await sql`drop table slo_event_totals`.execute(first.db);
    for (const table of ['slo_minutes', 'slo_hours'])
      for (const column of ['cum_good', 'cum_total'])
        await sql`alter table ${sql.table(table)} drop column ${sql.ref(column)}`.execute(first.db);
    const old = NOW - 50 * HOUR_MS;
    const rows = {
      slo_hours: [
        [KEY, old, 15, 20],
        [KEY, old + HOUR_MS, 7, 9],
      ],
      slo_minutes: [
        [KEY, old + 5 * MINUTE_MS, 1, 4], // late, inside a compacted hour
        [KEY, NOW - 10 * MINUTE_MS, 90, 100],
        [KEY, NOW - MINUTE_MS, 9, 10],
        ['slo:default/b', NOW - MINUTE_MS, 3, 3],
      ],
    };
    for (const [table, values] of Object.entries(rows))
      for (const [key, bucket, good, total] of values)
        await sql`insert into ${sql.table(table)} (slo_key, bucket_ms, good, total) values (${key}, ${bucket}, ${good}, ${total})`.execute(
          first.db,
        );
    await first.close();
    const database = await testDb.open();
    t.after(() => database.close());
    const store = new SloStore(database);
    const sums = await store.windowSums(
      [
        { id: 'all', start: 0 },
        { id: 'hour+', start: old + HOUR_MS },
        { id: '1h', start: NOW - HOUR_MS },
      ],
      NOW + MINUTE_MS,
    );
    assert.deepEqual(Object.fromEntries(sums.get(KEY) ?? []), {
      all: { good: 122, total: 143 },
      'hour+': { good: 106, total: 119 },
      '1h': { good: 99, total: 110 },
    });
    assert.deepEqual(Object.fromEntries(sums.get('slo:default/b') ?? []), {
      all: { good: 3, total: 3 },
      'hour+': { good: 3, total: 3 },
      '1h': { good: 3, total: 3 },
    });
    assert.deepEqual(await store.hourly(KEY, old, old + 2 * HOUR_MS), [
      { hour: old, good: 16, total: 24 },
      { hour: old + HOUR_MS, good: 7, total: 9 },
    ]);
    // Pushes go on from there: one below the hours joins its hour, one now is a minute.
    await store.addEvents(
      KEY,
      [
        { atMs: old + 20 * MINUTE_MS, good: 0, total: 1 },
        { atMs: NOW, good: 1, total: 1 },
      ],
      respond,
      undefined,
      new Date(NOW),
    );
    const after = await store.windowSums([{ id: 'all', start: 0 }], NOW + MINUTE_MS);
    assert.deepEqual(after.get(KEY)?.get('all'), { good: 123, total: 145 });
  });

  test('two evaluators claim a cycle once; a lease ends the holder’s hold', async (t) => {
    const database = await open(t, dialect);
    const a = new SloStore(database);
    const b = new SloStore(database);
    const claims = await Promise.all([
      a.claimCycle('slo-evaluation', 7, 'replica-a', NOW, NOW + 60_000),
      b.claimCycle('slo-evaluation', 7, 'replica-b', NOW, NOW + 60_000),
    ]);
    assert.deepEqual(claims.filter(Boolean).length, 1, 'exactly one replica runs cycle 7');
    const [winner, loser] = claims[0] ? ['replica-a', 'replica-b'] : ['replica-b', 'replica-a'];
    assert.equal(await b.claimCycle('slo-evaluation', 8, loser, NOW + 1000, NOW + 61_000), false, 'leased');
    assert.equal(await a.claimCycle('slo-evaluation', 8, winner, NOW + 1000, NOW + 61_000), true, 'the holder goes on');
    await a.releaseCycle('slo-evaluation', winner, NOW + 2000);
    assert.equal(await b.claimCycle('slo-evaluation', 8, loser, NOW + 3000, NOW + 63_000), false, 'cycle 8 ran');
    assert.equal(await b.claimCycle('slo-evaluation', 9, loser, NOW + 3000, NOW + 63_000), true);
  });

  test('a cycle writes only the statuses that changed; each status reads as of the last cycle', async (t) => {
    const database = await open(t, dialect);
    const store = new SloStore(database);
    const status = (key: string, budgetRemaining: number): SloStatus => ({
      key,
      namespace: 'default',
      name: key.slice('slo:default/'.length),
      service: 'component:default/s',
      owner: 'group:default/t',
      objective: '99.9',
      window: { kind: 'rolling', days: 30 },
      indicator: 'events',
      dataState: 'ok',
      budgetRemaining,
      burnRates: { '1h': 0.5 },
      alerts: [],
    });
    const [first, second, third] = ['2025-03-15T12:00:10.000Z', '2025-03-15T12:00:40.000Z', '2025-03-15T12:01:10.000Z'];
    const b = 'slo:default/b';
    const cycle = (at: string, number: number, statuses: SloStatus[]) =>
      store.saveEvaluation({ at, cycle: number, statuses, alerts: [], history: [] });
    assert.equal(await cycle(first, 1, [status(KEY, 0.5), status(b, 0.9)]), 2, 'new statuses are written');
    assert.equal(await cycle(second, 2, [status(KEY, 0.5), status(b, 0.8)]), 1, 'only the changed one');
    assert.equal(await cycle(third, 3, [status(KEY, 0.5), status(b, 0.8)]), 0, 'none changed: nothing written');
    const rows = await database.db
      .selectFrom('slo_status')
      .select(['slo_key', 'changed_at'])
      .orderBy('slo_key')
      .execute();
    assert.deepEqual(rows, [
      { slo_key: KEY, changed_at: first },
      { slo_key: b, changed_at: second },
    ]);
    const read = await store.statuses([KEY, b, 'slo:default/never']);
    assert.deepEqual(read.get(KEY), { ...status(KEY, 0.5), evaluatedAt: third }, "the last cycle's time");
    assert.deepEqual(read.get(b), { ...status(b, 0.8), evaluatedAt: third });
    assert.equal(read.size, 2);
    assert.equal(await store.evaluatedCycle(), 3);
    assert.deepEqual(await store.lastEvaluation(), { cycle: 3, at: third });
    // What changed after a cycle's time, by key from one on, a page at a time: what another replica's pages follow.
    const keysOf = (list: SloStatus[]) => list.map((x) => x.key);
    assert.deepEqual(keysOf(await store.statusesChangedAfter(undefined, '', 10)), [KEY, b], 'every one');
    assert.deepEqual(keysOf(await store.statusesChangedAfter(first, '', 10)), [b], 'those changed after the first');
    assert.deepEqual(keysOf(await store.statusesChangedAfter(second, '', 10)), [], 'none after the second');
    assert.deepEqual(keysOf(await store.statusesChangedAfter(undefined, '', 1)), [KEY], 'at most the limit');
    assert.deepEqual(keysOf(await store.statusesChangedAfter(undefined, KEY, 1)), [b], 'from after a key');
    assert.deepEqual((await store.statusesChangedAfter(first, '', 10))[0], status(b, 0.8), 'the stored body');

    // Another replica's cycle in between: what this store wrote last is no longer what is stored.
    const other = new SloStore(database);
    assert.equal(
      await other.saveEvaluation({ at: third, cycle: 4, statuses: [status(KEY, 0.4)], alerts: [], history: [] }),
      1,
    );
    assert.equal(await cycle(third, 5, [status(KEY, 0.5), status(b, 0.8)]), 1, 'the status the other replica changed');
    assert.equal((await store.statuses([KEY])).get(KEY)?.budgetRemaining, 0.5);
    // A cycle whose transaction fails writes nothing, and the next compares with what is stored.
    await assert.rejects(
      store.saveEvaluation({ at: third, cycle: 6, statuses: [status(KEY, 0.3)], alerts: [], history: [] }, async () => {
        throw new Error('the outbox failed');
      }),
    );
    assert.equal(await cycle(third, 7, [status(KEY, 0.3), status(b, 0.8)]), 1, 'the rolled-back change, written now');
    assert.equal((await store.statuses([KEY])).get(KEY)?.budgetRemaining, 0.3);
  });

  test('an evaluation and what goes alongside commit together or not at all', async (t) => {
    const store = new SloStore(await open(t, dialect));
    const alert = { severity: 'page', state: 'firing', since: 'x', long: '1h', short: '5m', factor: '14.4' } as const;
    const write = {
      at: 'x',
      statuses: [],
      alerts: [{ sloKey: KEY, alert }],
      history: [
        {
          slo: KEY,
          service: 'component:default/s',
          severity: 'page',
          state: 'firing',
          at: 'x',
          factor: '14.4',
          long: '1h',
          short: '5m',
        },
      ] as const,
    };
    await assert.rejects(
      store.saveEvaluation(write, async () => {
        throw new Error('the outbox failed');
      }),
    );
    assert.equal((await store.alerts()).size, 0);
    assert.deepEqual(await store.alertHistory(KEY, 10), []);
    await store.saveEvaluation(write);
    assert.deepEqual(await store.alerts(), new Map([[KEY, [alert]]]));
    assert.equal((await store.alertHistory(KEY, 10)).length, 1);
  });
});

/** A small deterministic generator (mulberry32): the same history on every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
