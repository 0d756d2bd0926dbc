import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Transaction } from 'kysely';
import type { Database } from '../src/platform/db/connect.ts';
import type { Schema } from '../src/platform/db/schema.ts';
import type { FinishedRun, LeasedRun, WorkOrder } from '../src/runners/model.ts';
import type { RunnerIntroduction } from '../src/runners/protocol.ts';
import { ENDED_KEPT_MS, RUNNER_CALLS_AT_ONCE, RunnerService } from '../src/runners/service.ts';
import { RunnerStore } from '../src/runners/store.ts';
import { createTestDatabase, describeEachDatabase } from './support/databases.ts';

/** The work queue on both databases: dedup, matching, leases that lapse, outcomes recorded once, cancel, deadlines, races. */

const T0 = Date.parse('2026-12-07T12:00:00Z');
const LEASE_MS = 10_000;

function order(dedupKey: string, extra: Partial<WorkOrder> = {}): WorkOrder {
  return {
    kind: 'test',
    subject: 'check:default/a',
    dedupKey,
    tags: [],
    dueAt: T0,
    timeoutMs: 60_000,
    secrets: [],
    payload: { n: dedupKey },
    ...extra,
  };
}

function runner(name: string, extra: Partial<RunnerIntroduction> = {}): RunnerIntroduction {
  return { name, location: 'eu', tags: [], version: '0.1.0', capacity: 10, ...extra };
}

interface Fixture {
  database: Database;
  service: RunnerService;
  clock: { now: number };
  heard: FinishedRun[];
}

async function open(
  t: { after(fn: () => Promise<void>): void },
  dialect: 'sqlite' | 'postgres',
  options: { secrets?: Record<string, string>; goneAfterMs?: number } = {},
): Promise<Fixture> {
  const testDb = await createTestDatabase(dialect, { migrated: true });
  const database = await testDb.open();
  t.after(async () => {
    await database.close();
    await testDb.drop();
  });
  const clock = { now: T0 };
  const service = new RunnerService(new RunnerStore(database), {
    now: () => clock.now,
    leaseMs: LEASE_MS,
    longPollMs: 0,
    secrets: options.secrets,
    goneAfterMs: options.goneAfterMs,
  });
  const heard: FinishedRun[] = [];
  service.handle({
    kind: 'test',
    async recorded(run, trx: Transaction<Schema>) {
      // In the recording transaction: a row of the caller's own commits with it (read back below).
      await trx
        .insertInto('idempotency_keys')
        .values({
          principal: 'runs',
          route: run.outcome.status,
          key: run.runId,
          fingerprint: '',
          status: 0,
          response: '',
          created_at: '',
        })
        .execute();
      heard.push(run);
    },
  });
  return { database, service, clock, heard };
}

const success = { status: 'success' as const, summary: 'ok', detail: { ms: 12 } };

/** Leased runs by the order names in their payloads (runs due at once are leased in run id order). */
function byName(runs: readonly LeasedRun[], names: readonly string[]): LeasedRun[] {
  return names.map((name) => {
    const run = runs.find((r) => (r.payload as { n: string }).n === name);
    assert.ok(run, `${name} leased`);
    return run;
  });
}

describeEachDatabase('runner work queue', (dialect) => {
  test('an order whose dedup key exists is skipped, within one call and across calls', async (t) => {
    const { service } = await open(t, dialect);
    const b = order('b', { dueAt: T0 + 1 });
    assert.equal(await service.enqueue([order('a'), b, order('a')]), 2);
    assert.equal(await service.enqueue([b, order('c', { dueAt: T0 + 2 })]), 1);
    assert.deepEqual(
      (await service.unfinished('check:default/a')).map((r) => [r.dedupKey, r.state]),
      [
        ['a', 'queued'],
        ['b', 'queued'],
        ['c', 'queued'],
      ],
    );
  });

  test("orders queued in a caller's transaction that rolls back are not queued", async (t) => {
    const { service, database } = await open(t, dialect);
    await assert.rejects(
      database.db.transaction().execute(async (trx) => {
        assert.equal(await service.enqueue([order('a', { tags: ['linux'] })], trx), 1);
        throw new Error('caller failed');
      }),
      /caller failed/,
    );
    assert.deepEqual(await service.unfinished('check:default/a'), []);
    assert.deepEqual(await database.db.selectFrom('work_run_tags').selectAll().execute(), []);
    assert.equal(await service.enqueue([order('a')]), 1, 'the key is free again');
  });

  test('a lease takes due runs of its location and tags only, the longest due first, up to its capacity', async (t) => {
    const { service, clock } = await open(t, dialect, { secrets: { API_KEY: 'k1', OTHER: 'never' } });
    await service.enqueue([
      order('later', { dueAt: T0 + 5_000 }),
      order('eu-second', { location: 'eu', dueAt: T0 - 1_000 }),
      order('eu-first', { location: 'eu', dueAt: T0 - 2_000, secrets: ['API_KEY', 'MISSING'] }),
      order('us', { location: 'us' }),
      order('tagged', { tags: ['docker', 'linux'] }),
      order('any'),
    ]);
    const first = await service.lease(runner('r1', { capacity: 2 }));
    assert.deepEqual(
      first.map((r) => r.payload),
      [{ n: 'eu-first' }, { n: 'eu-second' }],
    );
    assert.deepEqual(first[0]?.secrets, { API_KEY: 'k1' }, 'only the names the order lists, and only those configured');
    assert.equal(first[0]?.attempt, 1);
    assert.equal(first[0]?.leaseExpiresAt, T0 + LEASE_MS);
    const rest = await service.lease(runner('r2', { tags: ['linux'] }));
    assert.deepEqual(
      rest.map((r) => r.payload),
      [{ n: 'any' }],
      'not us (another location), not tagged (docker missing), not later (not due)',
    );
    const tagged = await service.lease(runner('r3', { location: 'us', tags: ['linux', 'docker', 'x'] }));
    assert.deepEqual(tagged.map((r) => (r.payload as { n: string }).n).sort(), ['tagged', 'us']);
    clock.now = T0 + 5_000;
    assert.deepEqual(
      (await service.lease(runner('r4'))).map((r) => r.payload),
      [{ n: 'later' }],
    );
  });

  test('queued runs and lapsed leases are leased together, the longest due first, past a long queue not yet due', async (t) => {
    const { service, clock } = await open(t, dialect);
    await service.enqueue([order('lapsed', { dueAt: T0 - 2_000 })]);
    assert.equal((await service.lease(runner('r1', { capacity: 1 }))).length, 1);
    clock.now = T0 + LEASE_MS;
    await service.enqueue([
      order('newest', { dueAt: T0 + LEASE_MS }),
      order('oldest', { dueAt: T0 - 3_000 }),
      order('middle', { dueAt: T0 - 1_000 }),
      ...Array.from({ length: 50 }, (_, i) => order(`ahead-${i}`, { dueAt: T0 + LEASE_MS + 1 + i })),
    ]);
    const leased = await service.lease(runner('r2', { capacity: 3 }));
    assert.deepEqual(
      leased.map((r) => [(r.payload as { n: string }).n, r.attempt]),
      [
        ['oldest', 1],
        ['lapsed', 2],
        ['middle', 1],
      ],
    );
    assert.deepEqual(
      (await service.lease(runner('r2', { capacity: 3 }))).map((r) => r.payload),
      [{ n: 'newest' }],
    );
  });

  test('a lapsed lease is leased again under the same run id with the next attempt; the old token is lost on renew', async (t) => {
    const { service, clock } = await open(t, dialect);
    await service.enqueue([order('a')]);
    const [first] = await service.lease(runner('r1'));
    assert.ok(first);
    clock.now = T0 + LEASE_MS - 1;
    assert.deepEqual(await service.lease(runner('r2')), [], 'not lapsed yet');
    clock.now = T0 + LEASE_MS;
    const [second] = await service.lease(runner('r2'));
    assert.equal(second?.runId, first.runId);
    assert.equal(second?.attempt, 2);
    assert.notEqual(second?.leaseToken, first.leaseToken);
    assert.equal(service.leaseExpiries, 1);
    assert.deepEqual(await service.renew(first.runId, first.leaseToken, 'r1'), { state: 'lost' });
    assert.deepEqual(await service.renew(first.runId, second?.leaseToken ?? '', 'r2'), {
      state: 'leased',
      leaseExpiresAt: clock.now + LEASE_MS,
    });
  });

  test('a lapsed lease no one took is taken back by its runner on renew', async (t) => {
    const { service, clock } = await open(t, dialect);
    await service.enqueue([order('a')]);
    const [run] = await service.lease(runner('r1'));
    assert.ok(run);
    clock.now = T0 + LEASE_MS + 1;
    assert.deepEqual(await service.expire(), { lapsed: 1, missed: 0, exhausted: 0 });
    assert.equal((await service.run(run.runId))?.state, 'queued');
    assert.equal((await service.renew(run.runId, run.leaseToken, 'r1')).state, 'leased');
    assert.deepEqual(await service.lease(runner('r2')), []);
  });

  test('two reports of one run (the lapsed lease and the one after it) record the outcome once', async (t) => {
    const { service, clock, heard, database } = await open(t, dialect);
    await service.enqueue([order('a')]);
    const [first] = await service.lease(runner('r1'));
    clock.now = T0 + LEASE_MS;
    const [second] = await service.lease(runner('r2', { location: 'us' }));
    assert.ok(first && second);
    clock.now = T0 + LEASE_MS + 500;
    // The first runner finished after all: its report is the outcome (the run was never recorded).
    assert.deepEqual(await service.report(first.runId, first.leaseToken, success), { state: 'recorded' });
    assert.deepEqual(
      await service.report(second.runId, second.leaseToken, { status: 'failure', summary: 'x', detail: null }),
      { state: 'already-recorded' },
    );
    assert.deepEqual(await service.report(first.runId, first.leaseToken, success), { state: 'already-recorded' });
    assert.equal(heard.length, 1);
    assert.deepEqual(
      { ...heard[0], runId: '' },
      {
        runId: '',
        kind: 'test',
        subject: 'check:default/a',
        dedupKey: 'a',
        location: undefined,
        runner: 'r1',
        runnerLocation: 'eu',
        attempt: 1,
        startedAt: T0,
        finishedAt: T0 + LEASE_MS + 500,
        outcome: success,
      },
    );
    const rows = await database.db.selectFrom('idempotency_keys').select('key').execute();
    assert.deepEqual(rows, [{ key: first.runId }], "the handler's write committed with the outcome, once");
    assert.deepEqual(await service.renew(second.runId, second.leaseToken, 'r2'), { state: 'lost' });
    assert.equal((await service.run(first.runId))?.state, 'finished');
  });

  test('reports recorded together answer each as alone would, in order, each run heard once, in one transaction', async (t) => {
    const { service, heard, database, clock } = await open(t, dialect);
    await service.enqueue([order('a'), order('b'), order('c'), order('d')]);
    const [a, b, c, d] = byName(await service.lease(runner('r1')), ['a', 'b', 'c', 'd']);
    assert.ok(a && b && c && d);
    assert.deepEqual(await service.report(d.runId, d.leaseToken, success), { state: 'recorded' });
    clock.now = T0 + 500;
    const failure = { status: 'failure' as const, summary: 'x', detail: null };
    const answers = await service.reportMany([
      { runId: a.runId, leaseToken: a.leaseToken, outcome: success },
      { runId: b.runId, leaseToken: b.leaseToken, outcome: failure },
      { runId: a.runId, leaseToken: a.leaseToken, outcome: failure },
      { runId: c.runId, leaseToken: 'forged', outcome: success },
      { runId: 'no-such-run', leaseToken: a.leaseToken, outcome: success },
      { runId: d.runId, leaseToken: d.leaseToken, outcome: success },
    ]);
    assert.deepEqual(answers, [
      { state: 'recorded' },
      { state: 'recorded' },
      { state: 'already-recorded' },
      { state: 'refused' },
      { state: 'refused' },
      { state: 'already-recorded' },
    ]);
    assert.deepEqual(
      heard.map((h) => [h.dedupKey, h.outcome.status, h.finishedAt - T0]),
      [
        ['d', 'success', 0],
        ['a', 'success', 500],
        ['b', 'failure', 500],
      ],
    );
    assert.equal((await service.run(c.runId))?.state, 'leased', 'a forged token records nothing');
    const rows = await database.db.selectFrom('idempotency_keys').select('key').orderBy('key').execute();
    assert.deepEqual(
      rows.map((r) => r.key),
      [a.runId, b.runId, d.runId].sort(),
    );
    assert.deepEqual(await service.reportMany([]), []);
  });

  test('reports together with one the handler cannot record: the others are recorded alone, the failure thrown', async (t) => {
    const { service, database } = await open(t, dialect);
    service.handle({
      kind: 'flaky',
      async recorded() {
        throw new Error('handler down');
      },
    });
    await service.enqueue([order('a'), order('b', { kind: 'flaky' }), order('c')]);
    const [a, b, c] = byName(await service.lease(runner('r1')), ['a', 'b', 'c']);
    assert.ok(a && b && c);
    const reports = [a, b, c].map((r) => ({ runId: r.runId, leaseToken: r.leaseToken, outcome: success }));
    // What the handlers wrote and committed (the test handler's row), not what they were called with: a rolled-back batch called them too.
    const committed = async () =>
      (await database.db.selectFrom('idempotency_keys').select('key').orderBy('key').execute()).map((r) => r.key);
    await assert.rejects(service.reportMany(reports), /handler down/);
    assert.deepEqual(
      await committed(),
      [a.runId, c.runId].sort(),
      'the batch rolled back, then a and c recorded alone',
    );
    assert.deepEqual(await Promise.all([a, b, c].map(async (r) => (await service.run(r.runId))?.state)), [
      'finished',
      'leased',
      'finished',
    ]);
    await assert.rejects(service.reportMany(reports), /handler down/);
    assert.deepEqual(await committed(), [a.runId, c.runId].sort(), 'reported again: a and c not recorded twice');
  });

  test('a runner asking again and again is written when what it says changes, else at most every 5 s', async (t) => {
    const { service, clock } = await open(t, dialect);
    const seen = async () => (await service.runners()).map((r) => [r.version, r.capacity, r.lastSeenAt - T0]);
    await service.lease(runner('r1', { capacity: 3 }));
    clock.now = T0 + 4_999;
    await service.lease(runner('r1', { capacity: 2 }));
    assert.deepEqual(await seen(), [['0.1.0', 3, 0]], 'the same introduction within 5 s: not written');
    await service.lease(runner('r1', { capacity: 2, version: '0.2.0' }));
    assert.deepEqual(await seen(), [['0.2.0', 2, 4_999]], 'a new version: written at once');
    clock.now = T0 + 9_999;
    await service.lease(runner('r1', { capacity: 1, version: '0.2.0' }));
    assert.deepEqual(await seen(), [['0.2.0', 1, 9_999]], '5 s later: written');
  });

  test('a report with a token no lease of the run had, or of an unknown run, is refused and records nothing', async (t) => {
    const { service, heard } = await open(t, dialect);
    await service.enqueue([order('a')]);
    const [run] = await service.lease(runner('r1'));
    assert.ok(run);
    assert.deepEqual(await service.report(run.runId, 'forged', success), { state: 'refused' });
    assert.deepEqual(await service.report('no-such-run', run.leaseToken, success), { state: 'refused' });
    assert.deepEqual(await service.renew(run.runId, 'forged', 'r1'), { state: 'lost' });
    assert.equal(heard.length, 0);
    assert.equal((await service.run(run.runId))?.state, 'leased');
  });

  test('a handler that fails rolls the outcome back: the report can be retried and is recorded then', async (t) => {
    const { service, heard } = await open(t, dialect);
    let fail = true;
    service.handle({
      kind: 'flaky',
      async recorded(run) {
        if (fail) throw new Error('handler down');
        heard.push(run);
      },
    });
    await service.enqueue([order('a', { kind: 'flaky' })]);
    const [run] = await service.lease(runner('r1'));
    assert.ok(run);
    await assert.rejects(service.report(run.runId, run.leaseToken, success), /handler down/);
    assert.equal((await service.run(run.runId))?.state, 'leased');
    fail = false;
    assert.deepEqual(await service.report(run.runId, run.leaseToken, success), { state: 'recorded' });
    assert.equal(heard.length, 1);
  });

  test('cancel ends queued and leased runs of the subject, tells the handler, and the runner learns it on renew', async (t) => {
    const { service, heard } = await open(t, dialect);
    await service.enqueue([
      order('a'),
      order('b', { dueAt: T0 + 60_000 }),
      order('c', { subject: 'job:default/other', dueAt: T0 + 1 }),
    ]);
    const [leased] = await service.lease(runner('r1', { capacity: 1 }));
    assert.ok(leased);
    assert.equal(await service.cancel('check:default/a', 'replaced by a newer run'), 2);
    assert.deepEqual(
      heard.map((r) => [r.dedupKey, r.outcome.status, r.outcome.summary, r.runner]),
      [
        ['a', 'cancelled', 'replaced by a newer run', undefined],
        ['b', 'cancelled', 'replaced by a newer run', undefined],
      ],
    );
    assert.deepEqual(await service.renew(leased.runId, leased.leaseToken, 'r1'), { state: 'cancelled' });
    assert.deepEqual(await service.report(leased.runId, leased.leaseToken, success), { state: 'already-recorded' });
    assert.equal(heard.length, 2);
    assert.deepEqual(await service.unfinished('check:default/a'), []);
    assert.equal((await service.unfinished('job:default/other')).length, 1);
  });

  test('cancel within a caller transaction that rolls back cancels nothing', async (t) => {
    const { service, database, heard } = await open(t, dialect);
    await service.enqueue([order('a')]);
    await assert.rejects(
      database.db.transaction().execute(async (trx) => {
        assert.equal(await service.cancel('check:default/a', 'x', trx), 1);
        throw new Error('caller failed');
      }),
      /caller failed/,
    );
    assert.equal((await service.unfinished('check:default/a')).length, 1);
    assert.equal(heard.length, 1, 'the handler ran in the transaction that rolled back (its writes went with it)');
    assert.deepEqual(await database.db.selectFrom('idempotency_keys').select('key').execute(), []);
  });

  test('ended runs are deleted a day after they were due, with their tags; queued, leased and recent ones stay', async (t) => {
    const { service, clock, database } = await open(t, dialect);
    await service.enqueue([
      order('finished', { tags: ['linux'], dueAt: T0 - 10 }), // the longest due: leased first
      order('missed', { deadlineAt: T0 + 1_000, location: 'eu' }),
      order('cancelled', { subject: 'check:default/gone', location: 'eu' }),
      order('queued', { dueAt: T0 + 60_000 }),
      order('leased', { location: 'us' }),
    ]);
    const [finished] = await service.lease(runner('r1', { tags: ['linux'], capacity: 1 }));
    assert.ok(finished);
    assert.deepEqual(await service.report(finished.runId, finished.leaseToken, success), { state: 'recorded' });
    await service.cancel('check:default/gone', 'its check left the catalog');
    assert.equal((await service.lease(runner('r-us', { location: 'us', capacity: 1 }))).length, 1);
    clock.now = T0 + 1_000;
    await service.expire(); // 'missed' is recorded missed
    const left = async () =>
      (await database.db.selectFrom('work_runs').select('dedup_key').orderBy('dedup_key').execute()).map(
        (r) => r.dedup_key,
      );
    clock.now = T0 - 10 + ENDED_KEPT_MS; // not yet more than a day after the first was due
    assert.equal(await service.pruneEnded(), 0);
    clock.now = T0 + ENDED_KEPT_MS + 1;
    assert.equal(await service.pruneEnded(), 3);
    assert.deepEqual(await left(), ['leased', 'queued']);
    assert.deepEqual(await database.db.selectFrom('work_run_tags').selectAll().execute(), []);
    assert.equal(await service.pruneEnded(), 0, 'nothing left to delete');
  });

  test('pruning goes a batch at a time until none are left', async (t) => {
    const { service, clock, database } = await open(t, dialect);
    await service.enqueue(Array.from({ length: 2_500 }, (_, i) => order(`old-${i}`, { deadlineAt: T0 + 1 })));
    clock.now = T0 + 1;
    while ((await service.expire()).missed > 0); // recorded missed, 500 a call
    clock.now = T0 + ENDED_KEPT_MS + 1;
    assert.equal(await service.pruneEnded(), 2_500);
    const { n } = await database.db
      .selectFrom('work_runs')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(n), 0);
  });

  test('a run not started before its deadline is missed, once, also when its lease lapsed; not leased after it', async (t) => {
    const { service, clock, heard } = await open(t, dialect);
    await service.enqueue([
      order('queued', { deadlineAt: T0 + 1_000 }),
      order('lapsing', { deadlineAt: T0 + 1_000, location: 'us', dueAt: T0 - 1 }),
      order('in-time', { deadlineAt: T0 + 60_000, dueAt: T0 + 30_000 }),
    ]);
    const [lapsing] = await service.lease(runner('r-us', { location: 'us', capacity: 1 }));
    assert.ok(lapsing);
    clock.now = T0 + 1_000;
    assert.deepEqual(await service.lease(runner('r1')), [], 'past the deadline: not leased');
    assert.deepEqual(await service.expire(), { lapsed: 0, missed: 1, exhausted: 0 });
    clock.now = T0 + LEASE_MS;
    assert.deepEqual(await service.expire(), { lapsed: 1, missed: 1, exhausted: 0 });
    assert.deepEqual(await service.expire(), { lapsed: 0, missed: 0, exhausted: 0 });
    assert.deepEqual(
      heard.map((r) => [r.dedupKey, r.outcome.status]),
      [
        ['queued', 'missed'],
        ['lapsing', 'missed'],
      ],
    );
    clock.now = T0 + 30_000;
    assert.deepEqual(
      (await service.lease(runner('r1'))).map((r) => r.payload),
      [{ n: 'in-time' }],
    );
  });

  test('a run whose lease lapses 3 times is recorded once as an error the handler hears; a release is no lapse', async (t) => {
    const { service, clock, heard } = await open(t, dialect);
    await service.enqueue([order('crashes'), order('twice', { maxLeaseLapses: 2 })]);
    const ids = async (name: string) => (await service.lease(runner(name, { capacity: 2 }))).map((r) => r.runId).sort();
    // The first leases are handed back (the runner stopping), which does not count.
    const both = await service.lease(runner('r0', { capacity: 2 }));
    assert.equal(both.length, 2);
    for (const run of both) assert.equal(await service.release(run.runId, run.leaseToken), true);
    const runIds = both.map((r) => r.runId).sort();
    // r1 takes both and crashes; r2 finds the lapse when it leases them; r2 crashes too, and the expiry task finds that.
    assert.deepEqual(await ids('r1'), runIds);
    clock.now += LEASE_MS;
    assert.deepEqual(await ids('r2'), runIds);
    clock.now += LEASE_MS;
    assert.deepEqual(await service.expire(), { lapsed: 2, missed: 0, exhausted: 1 });
    assert.deepEqual(
      heard.map((r) => [r.dedupKey, r.outcome.status, r.outcome.summary.split(':')[0], r.runner, r.attempt]),
      [['twice', 'error', 'lease lapsed 2 times', 'r2', 3]],
    );
    const [third] = await service.lease(runner('r3', { capacity: 2 }));
    assert.equal(third?.attempt, 4);
    clock.now += LEASE_MS;
    assert.deepEqual(await service.lease(runner('r4')), [], 'the third lapse is not leased again');
    assert.deepEqual(await service.expire(), { lapsed: 1, missed: 0, exhausted: 1 });
    assert.deepEqual(await service.expire(), { lapsed: 0, missed: 0, exhausted: 0 });
    assert.equal(heard.length, 2);
    const last = heard.at(-1);
    assert.equal(last?.dedupKey, 'crashes');
    assert.equal(last?.outcome.status, 'error');
    assert.match(last?.outcome.summary ?? '', /^lease lapsed 3 times/);
    assert.equal(last?.runner, 'r3');
    const stored = await service.run(third?.runId ?? '');
    assert.equal(stored?.state, 'finished');
    assert.equal(stored?.outcome?.status, 'error');
    // The crashed runner's late report changes nothing.
    assert.deepEqual(await service.report(third?.runId ?? '', third?.leaseToken ?? '', success), {
      state: 'already-recorded',
    });
    assert.equal(heard.length, 2);
  });

  test('a runner renewing its lapsed lease before the expiry task keeps it, even at the limit', async (t) => {
    const { service, clock, heard } = await open(t, dialect);
    await service.enqueue([order('slow', { maxLeaseLapses: 1 })]);
    const [run] = await service.lease(runner('r1'));
    assert.ok(run);
    clock.now += LEASE_MS;
    assert.equal((await service.renew(run.runId, run.leaseToken, 'r1')).state, 'leased');
    assert.deepEqual(await service.expire(), { lapsed: 0, missed: 0, exhausted: 0 });
    assert.deepEqual(heard, []);
  });

  test('a released run is queued at once under the same id, the next attempt', async (t) => {
    const { service } = await open(t, dialect);
    await service.enqueue([order('a')]);
    const [run] = await service.lease(runner('r1'));
    assert.ok(run);
    assert.equal(await service.release(run.runId, 'forged'), false);
    assert.equal(await service.release(run.runId, run.leaseToken), true);
    const [again] = await service.lease(runner('r2'));
    assert.equal(again?.runId, run.runId);
    assert.equal(again?.attempt, 2);
  });

  test('a renewal past the run timeout is refused as timed out', async (t) => {
    const { service, clock } = await open(t, dialect);
    await service.enqueue([order('a', { timeoutMs: 5_000 })]);
    const [run] = await service.lease(runner('r1'));
    assert.ok(run);
    clock.now = T0 + 4_999;
    assert.equal((await service.renew(run.runId, run.leaseToken, 'r1')).state, 'leased');
    clock.now = T0 + 5_000;
    assert.deepEqual(await service.renew(run.runId, run.leaseToken, 'r1'), { state: 'timed-out' });
  });

  test('runners are listed with their last introduction and live leases; gauges count queued and leased runs', async (t) => {
    const { service, clock } = await open(t, dialect);
    await service.enqueue([order('a'), order('b'), order('c', { location: 'us' })]);
    await service.lease(runner('r1', { capacity: 2 }));
    clock.now = T0 + 1_000;
    await service.lease(runner('r2', { location: 'us', capacity: 0, version: '0.2.0' }));
    assert.deepEqual(await service.runners(), [
      { name: 'r1', location: 'eu', tags: [], version: '0.1.0', capacity: 2, lastSeenAt: T0, running: 2 },
      { name: 'r2', location: 'us', tags: [], version: '0.2.0', capacity: 0, lastSeenAt: T0 + 1_000, running: 0 },
    ]);
    await service.expire();
    assert.deepEqual(service.gauges, { runs: { queued: 1, leased: 2 }, runnersByLocation: { eu: 1, us: 1 } });
    clock.now = T0 + LEASE_MS + 1;
    await service.expire();
    assert.deepEqual(service.gauges.runs, { queued: 3, leased: 0 });
  });

  test('a runner not seen for longer than goneAfter leaves the list and the gauges, and is forgotten; coming back lists it again', async (t) => {
    const HOUR = 3_600_000;
    const { service, clock, database } = await open(t, dialect, { goneAfterMs: 24 * HOUR });
    await service.lease(runner('old', { location: 'us' }));
    clock.now = T0 + 2 * HOUR;
    await service.lease(runner('live'));
    clock.now = T0 + 24 * HOUR;
    assert.deepEqual(
      (await service.runners()).map((r) => r.name),
      ['live', 'old'],
      'seen exactly 24 hours ago: still listed',
    );
    clock.now = T0 + 24 * HOUR + 1;
    assert.deepEqual(
      (await service.runners()).map((r) => r.name),
      ['live'],
      'gone before the expiry task forgets it',
    );
    await service.expire();
    assert.deepEqual(service.gauges.runnersByLocation, {}, 'neither seen within three leases');
    const rows = await database.db.selectFrom('runners').select('name').execute();
    assert.deepEqual(
      rows.map((r) => r.name),
      ['live'],
      'forgotten',
    );
    await service.lease(runner('old', { location: 'us' }));
    await service.expire();
    assert.deepEqual(
      (await service.runners()).map((r) => `${r.name} ${r.lastSeenAt - T0}`),
      [`live ${2 * HOUR}`, `old ${24 * HOUR + 1}`],
    );
  });

  test('a waiting lease request answers none as soon as the service closes, and later ones at once', async (t) => {
    const testDb = await createTestDatabase(dialect, { migrated: true });
    const database = await testDb.open();
    t.after(async () => {
      await database.close();
      await testDb.drop();
    });
    const service = new RunnerService(new RunnerStore(database), { now: () => T0, longPollMs: 60_000 });
    const waiting = service.lease(runner('r1'));
    setTimeout(() => service.close(), 20);
    const started = performance.now();
    assert.deepEqual(await waiting, []);
    assert.ok(performance.now() - started < 30_000, 'not the long poll');
    await service.enqueue([order('a')]);
    assert.deepEqual(await service.lease(runner('r1')), [], 'a closing server hands out no work');
  });

  test('two connections leasing at once never hand one run to two live leases', async (t) => {
    const testDb = await createTestDatabase(dialect, { migrated: true });
    const one = await testDb.open();
    const two = await testDb.open();
    t.after(async () => {
      await one.close();
      await two.close();
      await testDb.drop();
    });
    const options = { now: () => T0, leaseMs: LEASE_MS, longPollMs: 0 };
    const a = new RunnerService(new RunnerStore(one), options);
    const b = new RunnerService(new RunnerStore(two), options);
    await a.enqueue(Array.from({ length: 40 }, (_, i) => order(`o${i}`)));
    const leases = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).lease(runner(`r${i}`, { capacity: 5 }))),
    );
    // A lease that lost races may take fewer than it asked; what is left goes to the next one.
    const rest = await a.lease(runner('last', { capacity: 40 }));
    const ids = [...leases.flat(), ...rest].map((r) => r.runId);
    assert.equal(new Set(ids).size, ids.length, 'no run leased twice');
    assert.equal(ids.length, 40, 'and every run leased once');
  });
  if (dialect === 'postgres')
    test(`many reports at once hold at most ${RUNNER_CALLS_AT_ONCE} pooled connections: the server's own work still gets one`, async (t) => {
      // 30 reports whose capability's handler waits inside its transaction: unbounded, ten of
      // them held all of the pool's connections and an enqueue waited past the pool's 5 s
      // ("timeout exceeded when trying to connect"). Bounded, the enqueue commits meanwhile.
      const testDb = await createTestDatabase(dialect, { migrated: true });
      const database = await testDb.open();
      t.after(async () => {
        await database.close();
        await testDb.drop();
      });
      const service = new RunnerService(new RunnerStore(database), { now: () => T0, leaseMs: LEASE_MS, longPollMs: 0 });
      let open: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      let inHandler = 0;
      service.handle({
        kind: 'test',
        async recorded() {
          inHandler++;
          await gate;
        },
      });
      await service.enqueue(Array.from({ length: 30 }, (_, i) => order(`o${i}`)));
      const leased = await service.lease(runner('r', { capacity: 30 }));
      assert.equal(leased.length, 30);
      const reports = leased.map((run) => service.report(run.runId, run.leaseToken, success));
      try {
        while (inHandler < RUNNER_CALLS_AT_ONCE) await new Promise((resolve) => setImmediate(resolve));
        assert.equal(await service.enqueue([order('meanwhile')]), 1, 'ordered while the reports wait');
        assert.equal(inHandler, RUNNER_CALLS_AT_ONCE, 'the other reports wait for a turn, holding no connection');
      } finally {
        open();
      }
      assert.deepEqual(
        (await Promise.all(reports)).map((r) => r.state),
        Array(30).fill('recorded'),
      );
    });
});
