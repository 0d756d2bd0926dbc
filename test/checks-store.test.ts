import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CheckStore, HOUR_MS, type RunRow, RESULTS_KEPT_MS, SCREENSHOTS_KEPT } from '../src/checks/store.ts';
import { describeEachDatabase, openTestDatabase } from './support/databases.ts';

/** The checks store on both databases: runs recorded once with their hourly sums, states, transitions, paging, counts, retention. */

const NOW = Date.parse('2026-03-15T12:00:00Z');
const KEY = 'check:default/a';

const run = (id: string, atMs: number, over: Partial<RunRow> = {}): RunRow => ({
  runId: id,
  check: KEY,
  location: 'local',
  roundMs: atMs - (atMs % 30_000),
  atMs,
  status: 'passing',
  responseTimeMs: 100,
  timings: { connect: 1, firstByte: 50, total: 100 },
  assertions: [{ assertion: 'status == 200', passed: true, actual: '200' }],
  ...over,
});

describeEachDatabase('checks store', (dialect) => {
  test('records a run once, with its hour summed', async (t) => {
    const database = await openTestDatabase(t, dialect, { migrated: true });
    const store = new CheckStore(database);
    assert.equal(await store.recordRun(database.db, run('r1', NOW - 1000)), true);
    assert.equal(await store.recordRun(database.db, run('r1', NOW - 1000)), false, 'the same run id twice');
    await store.recordRun(database.db, run('r2', NOW - 2000, { status: 'degraded', responseTimeMs: 400 }));
    await store.recordRun(
      database.db,
      run('r3', NOW - 3000, {
        status: 'failing',
        responseTimeMs: undefined,
        error: 'status == 200 failed: saw 503',
        excerpt: 'down',
      }),
    );
    await store.recordRun(database.db, run('r4', NOW - 1000, { location: 'eu-west-1', responseTimeMs: 250.5 }));
    const hours = await store.hours(KEY, NOW - HOUR_MS, NOW + 1);
    assert.deepEqual(hours, [
      {
        location: 'eu-west-1',
        hourMs: NOW - HOUR_MS,
        runs: 1,
        passing: 1,
        degraded: 0,
        failing: 0,
        responseSum: 250.5,
        responseMax: 250.5,
      },
      {
        location: 'local',
        hourMs: NOW - HOUR_MS,
        runs: 3,
        passing: 1,
        degraded: 1,
        failing: 1,
        responseSum: 500,
        responseMax: 400,
      },
    ]);
    const results = await store.results(KEY, 10);
    assert.deepEqual(
      results.map((r) => r.runId),
      ['r4', 'r1', 'r2', 'r3'],
    );
    const failing = results.find((r) => r.runId === 'r3');
    assert.equal(failing?.error, 'status == 200 failed: saw 503');
    assert.equal(failing?.excerpt, 'down');
    assert.equal(failing?.responseTimeMs, undefined);
    assert.deepEqual(results[1]?.timings, { connect: 1, firstByte: 50, total: 100 });
    const page2 = await store.results(KEY, 2, { atMs: NOW - 1000, runId: 'r1' });
    assert.deepEqual(
      page2.map((r) => r.runId),
      ['r2', 'r3'],
    );
  });

  test('counts good (passing + degraded) and total runs from runs, or hours beyond their retention', async (t) => {
    const database = await openTestDatabase(t, dialect, { migrated: true });
    const store = new CheckStore(database);
    await store.recordRun(database.db, run('a', NOW - 60_000));
    await store.recordRun(database.db, run('b', NOW - 120_000, { status: 'degraded' }));
    await store.recordRun(database.db, run('c', NOW - 10 * 60_000, { status: 'failing' }));
    await store.recordRun(database.db, run('d', NOW - 60_000, { check: 'check:default/other', status: 'failing' }));
    assert.deepEqual(await store.counts([KEY], NOW - 5 * 60_000, NOW + 1, NOW), { good: 2, total: 2 });
    assert.deepEqual(await store.counts([KEY], NOW - 30 * 60_000, NOW + 1, NOW), { good: 2, total: 3 });
    assert.deepEqual(await store.counts([KEY, 'check:default/other'], NOW - 30 * 60_000, NOW + 1, NOW), {
      good: 2,
      total: 4,
    });
    assert.deepEqual(
      await store.counts([KEY], NOW - 30 * 24 * HOUR_MS, NOW + 1, NOW),
      { good: 2, total: 3 },
      'from hours',
    );
    assert.deepEqual(await store.counts([], NOW - HOUR_MS, NOW, NOW), { good: 0, total: 0 });
  });

  test('keeps location states, the check state and transitions; marks them recorded in a transaction', async (t) => {
    const database = await openTestDatabase(t, dialect, { migrated: true });
    const store = new CheckStore(database);
    const state = {
      location: 'eu',
      status: 'failing' as const,
      consecutiveFailures: 2,
      consecutiveSuccesses: 0,
      lastRunAt: 'x',
    };
    await store.saveLocation(database.db, KEY, state);
    await store.saveLocation(database.db, KEY, { ...state, consecutiveFailures: 3 });
    assert.deepEqual(await store.locations(database.db, KEY), [{ ...state, consecutiveFailures: 3 }]);
    await store.saveState(database.db, KEY, { status: 'failing', alertOpen: true, changedAt: 't1' });
    assert.deepEqual(await store.state(database.db, KEY), { status: 'failing', alertOpen: true, changedAt: 't1' });
    await store.addTransition(database.db, {
      check: KEY,
      service: 'component:default/s',
      from: 'passing',
      to: 'failing',
      at: 't1',
      reason: 'r',
    });
    await store.addTransition(database.db, {
      check: KEY,
      service: 'component:default/s',
      from: 'failing',
      to: 'passing',
      at: 't2',
      reason: 'ok',
    });
    const pending = await store.unrecordedTransitions(10);
    assert.deepEqual(
      pending.map((p) => `${p.from}>${p.to}`),
      ['passing>failing', 'failing>passing'],
    );
    await assert.rejects(
      database.db.transaction().execute(async (trx) => {
        await store.markRecorded(trx, [pending[0]?.id as number], 'now');
        throw new Error('the timeline write failed');
      }),
    );
    assert.equal((await store.unrecordedTransitions(10)).length, 2, 'a rolled-back mark marks nothing');
    await database.db.transaction().execute((trx) => store.markRecorded(trx, [pending[0]?.id as number], 'now'));
    assert.deepEqual(
      (await store.unrecordedTransitions(10)).map((p) => p.to),
      ['passing'],
    );
    const states = await store.states([KEY, 'check:default/none']);
    assert.equal(states.get(KEY)?.state?.status, 'failing');
    assert.equal(states.get(KEY)?.locations.length, 1);
    assert.deepEqual(states.get('check:default/none'), { locations: [] });
    assert.deepEqual(
      (await store.transitions(KEY, 1)).map((p) => p.to),
      ['passing'],
    );
  });

  test("keeps a failing browser run's vitals and screenshot apart, the newest per check, within retention", async (t) => {
    const database = await openTestDatabase(t, dialect, { migrated: true });
    const store = new CheckStore(database);
    const browser = {
      url: 'https://shop.example/',
      vitals: { lcp: 812.5, cls: 0, ttfb: 40, ttfmi: 650 },
      steps: [{ name: 'pay', passed: false, ms: 12, error: 'no button' }],
      refusals: [],
    };
    const image = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    for (let i = 0; i < SCREENSHOTS_KEPT + 2; i++)
      await store.recordRun(
        database.db,
        run(`s${String(i).padStart(2, '0')}`, NOW - 100_000 + i * 1000, {
          status: 'failing',
          browser,
          screenshot: image.toString('base64'),
        }),
      );
    await store.recordRun(database.db, run('passing', NOW, { browser }));
    const results = await store.results(KEY, 50);
    assert.deepEqual(results[0]?.browser, browser, 'vitals and steps come back');
    assert.equal(results[0]?.screenshot, undefined, 'a passing run has none');
    assert.equal(results.filter((r) => r.screenshot).length, SCREENSHOTS_KEPT, 'the oldest two were let go');
    assert.deepEqual(await store.screenshot(KEY, 's21'), { mediaType: 'image/jpeg', data: image });
    assert.equal(await store.screenshot(KEY, 's00'), undefined);
    assert.equal(await store.screenshot('check:default/other', 's21'), undefined, 'only under its own check');
    await store.prune(NOW + RESULTS_KEPT_MS);
    assert.equal(await store.screenshot(KEY, 's21'), undefined, 'gone with its run');
  });

  test('prunes runs past retention, keeping hours', async (t) => {
    const database = await openTestDatabase(t, dialect, { migrated: true });
    const store = new CheckStore(database);
    await store.recordRun(database.db, run('old', NOW - RESULTS_KEPT_MS - HOUR_MS));
    await store.recordRun(database.db, run('new', NOW - 1000));
    assert.equal(await store.prune(NOW), 1);
    assert.deepEqual(
      (await store.results(KEY, 10)).map((r) => r.runId),
      ['new'],
    );
    assert.equal((await store.hours(KEY, NOW - RESULTS_KEPT_MS - 2 * HOUR_MS, NOW + 1)).length, 2);
    const rounds = await store.rounds(KEY, NOW - HOUR_MS);
    assert.deepEqual(rounds, [{ location: 'local', roundMs: NOW - 30_000, status: 'passing', responseTimeMs: 100 }]);
  });
});
