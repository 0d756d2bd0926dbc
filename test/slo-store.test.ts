import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Database } from '../src/platform/db/connect.ts';
import { HOUR_MS, MINUTE_MS, SloStore } from '../src/slo/store.ts';
import { createTestDatabase, describeEachDatabase } from './support/databases.ts';

/** The SLO store on both databases: bucket sums, compaction, retention, cycle claims, atomic evaluations. */

const NOW = Date.parse('2025-03-15T12:00:00Z');
const KEY = 'slo:default/a';
const respond = () => ({ status: 202, body: '{"accepted":1}' });

async function open(t: { after(fn: () => Promise<void>): void }, dialect: 'sqlite' | 'postgres'): Promise<Database> {
  const testDb = await createTestDatabase(dialect);
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
    // A late push into the compacted hour adds to it at the next compaction.
    await store.addEvents(KEY, [{ atMs: old + 59 * MINUTE_MS, good: 0, total: 5 }], respond, undefined, new Date(NOW));
    assert.equal(await store.compact(NOW), 1);
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

  test('an evaluation and what goes alongside commit together or not at all', async (t) => {
    const store = new SloStore(await open(t, dialect));
    const alert = { severity: 'page', state: 'firing', since: 'x', long: '1h', short: '5m', factor: '14.4' } as const;
    const write = {
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
