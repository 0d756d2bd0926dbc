import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../src/platform/log.ts';
import { type HeldLease, LeaseStore } from '../src/platform/db/leases.ts';
import { type BackgroundTask, BackgroundTasks, LEASE_TTL_MS, type TaskLeases } from '../src/platform/tasks.ts';
import { createTestDatabase, describeEachDatabase } from './support/databases.ts';

/**
 * Work that runs once across replicas: the lease store (one holder, expiry on one clock,
 * a generation that moves on takeover, fenced writes), and BackgroundTasks running a
 * `once-across-replicas` task only on the replica holding its lease, handing it over on a
 * clean stop at once and after a holder went silent once its lease expired. Timers are
 * the test's; waits are for database answers only, bounded by a count.
 */

const quiet = createLogger({ level: 'silent' });

/** Waits for `condition` across database round trips (at most 2,000 turns). */
async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.fail(`never happened: ${what}`);
}

describeEachDatabase('leases', (dialect) => {
  test('one holder at a time; renewal keeps the generation, a takeover after expiry moves it on', async (t) => {
    const database = await createTestDatabase(dialect, { migrated: true });
    t.after(() => database.drop());
    const db = await database.open();
    t.after(() => db.close());
    let now = 1_000_000;
    const leases = new LeaseStore(db, () => now);

    const a = await leases.hold('syncer', 'a', 9000);
    assert.deepEqual(a, { name: 'syncer', generation: 1, expiresAt: 1_009_000 });
    assert.equal(await leases.hold('syncer', 'b', 9000), undefined, 'b waits while a holds it');
    now += 8999;
    assert.equal((await leases.hold('syncer', 'a', 9000))?.generation, 1, 'renewed, same generation');
    now += 8999;
    assert.equal(await leases.hold('syncer', 'b', 9000), undefined, 'the renewal moved the expiry');
    now += 1;
    const b = await leases.hold('syncer', 'b', 9000);
    assert.equal(b?.generation, 2, 'taken over after expiry');
    assert.equal(await leases.hold('syncer', 'a', 9000), undefined, 'the old holder cannot renew');
    assert.deepEqual(await leases.holderOf('syncer'), { holder: 'b', generation: 2 });

    // The old holder's write, made as if it had slept through the takeover, is refused in its transaction.
    await assert.rejects(
      db.db.transaction().execute((trx) => leases.fence(trx, 'a', a as HeldLease)),
      (err: Error & { code?: string }) => err.code === 'lease-lost',
    );
    await db.db.transaction().execute((trx) => leases.fence(trx, 'b', b as HeldLease));

    await leases.release('syncer', 'a', 1); // not a's any more: nothing happens
    assert.equal((await leases.holderOf('syncer'))?.holder, 'b');
    await leases.release('syncer', 'b', 2);
    assert.equal(await leases.holderOf('syncer'), undefined);
    assert.equal((await leases.hold('syncer', 'c', 9000))?.generation, 3, 'free at once after a release');
  });

  test('replicas racing for a free lease: exactly one wins', async (t) => {
    const database = await createTestDatabase(dialect, { migrated: true });
    t.after(() => database.drop());
    const connections = await Promise.all(
      Array.from({ length: dialect === 'postgres' ? 6 : 2 }, () => database.open()),
    );
    t.after(() => Promise.all(connections.map((c) => c.close())));
    for (let round = 0; round < 10; round++) {
      const results = await Promise.all(
        connections.map((c, i) => new LeaseStore(c).hold(`race-${round}`, `replica-${i}`, 9000)),
      );
      assert.equal(results.filter((r) => r !== undefined).length, 1, `round ${round}: ${JSON.stringify(results)}`);
    }
  });

  test('a once-across-replicas task runs on the lease holder only, and moves when it stops or goes silent', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const database = await createTestDatabase(dialect, { migrated: true });
    t.after(() => database.drop());
    const db = await database.open();
    t.after(() => db.close());
    let now = 5_000_000;
    const store = new LeaseStore(db, () => now);

    /** A replica: its tasks, their runs, and a switch that makes its lease renewals hang (a paused process). */
    const replica = (name: string) => {
      const runs: number[] = [];
      const workers: { generation: number; aborted: boolean }[] = [];
      let pause: Promise<void> | undefined;
      const leases: TaskLeases = {
        hold: async (lease, ttl) => {
          await pause;
          return store.hold(lease, name, ttl);
        },
        release: (lease) => store.release(lease.name, name, lease.generation),
      };
      const tasks = new BackgroundTasks(quiet, () => now, leases);
      const periodic: BackgroundTask = {
        name: 'periodic',
        scope: 'once-across-replicas',
        intervalMs: 1000,
        component: 'test',
        failure: 'failed',
        run: async (_signal, lease) => void runs.push(lease?.generation ?? -1),
      };
      const worker: BackgroundTask = {
        name: 'worker',
        scope: 'once-across-replicas',
        component: 'test',
        failure: 'failed',
        run: async (signal, lease) => {
          const entry = { generation: lease?.generation ?? -1, aborted: false };
          workers.push(entry);
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
          entry.aborted = true;
        },
      };
      tasks.add(periodic, worker);
      let resume: () => void = () => undefined;
      return {
        name,
        tasks,
        runs,
        workers,
        pauseLeases: () => {
          pause = new Promise<void>((resolve) => (resume = resolve));
        },
        resumeLeases: () => {
          pause = undefined;
          resume();
        },
      };
    };
    const a = replica('a');
    const b = replica('b');
    t.after(() => Promise.all([a.tasks.stop(), b.tasks.stop()]));
    a.tasks.start('ready');
    await a.tasks.renewLeases();
    b.tasks.start('ready');
    await b.tasks.renewLeases();
    assert.equal((await store.holderOf('task:worker'))?.holder, 'a');
    await until(() => a.workers.length === 1, 'a runs the worker');
    t.mock.timers.tick(1000);
    await until(() => a.runs.length >= 1, 'a runs the periodic task');
    assert.deepEqual(a.runs, [1]);
    assert.deepEqual(b.runs, [], 'b never runs it while a holds the lease');
    assert.equal(b.workers.length, 0);

    // a goes silent (paused): once its leases expire, b takes both over; a's worker is aborted when it wakes.
    a.pauseLeases();
    const aRenewal = a.tasks.renewLeases();
    now += LEASE_TTL_MS - 1;
    await b.tasks.renewLeases();
    assert.equal(b.workers.length, 0, 'not before the lease expires');
    now += 2;
    await b.tasks.renewLeases();
    await until(() => b.workers.length === 1, 'b took the worker over');
    assert.equal(b.workers[0]?.generation, 2);
    t.mock.timers.tick(1000);
    await until(() => b.runs.length >= 1, 'b runs the periodic task');
    assert.deepEqual(b.runs, [2]);
    a.resumeLeases();
    await aRenewal;
    await until(() => a.workers[0]?.aborted === true, "a's worker aborted once a learnt of the takeover");
    t.mock.timers.tick(1000);
    await until(() => b.runs.length >= 2, 'b runs it again');
    assert.deepEqual(a.runs, [1], 'a no longer runs it');

    // b stops cleanly: its leases are released, and a takes over at its next round, without waiting for expiry.
    await b.tasks.stop();
    assert.equal(b.workers[0]?.aborted, true);
    await a.tasks.renewLeases();
    await until(() => a.workers.length === 2, 'a runs the worker again');
    assert.equal(a.workers[1]?.generation, 3);
  });
});

test('without leases every replica runs every task, as a lone process does', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const runs: string[] = [];
  const tasks = new BackgroundTasks(quiet);
  tasks.add({
    name: 'shared',
    scope: 'once-across-replicas',
    intervalMs: 1000,
    component: 'test',
    failure: 'failed',
    run: async (_signal, lease) => void runs.push(lease === undefined ? 'no lease' : 'lease'),
  });
  t.after(() => tasks.stop());
  tasks.start('ready');
  t.mock.timers.tick(1000);
  await until(() => runs.length === 1, 'it ran');
  assert.deepEqual(runs, ['no lease']);
});

test('when the database stops answering the lease keeper, the work stops, is said once, and resumes when it is back', async (t) => {
  const lines: { level: number; msg: string }[] = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  });
  let down = false;
  let generation = 1;
  const leases: TaskLeases = {
    hold: async (name) => {
      if (down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      return { name, generation, expiresAt: Number.MAX_SAFE_INTEGER };
    },
    release: async () => {},
  };
  const workers: { aborted: boolean }[] = [];
  const tasks = new BackgroundTasks(logger, () => 0, leases);
  let notHeld = 0;
  tasks.add({
    name: 'worker',
    scope: 'once-across-replicas',
    component: 'test',
    failure: 'failed',
    notHeld: () => void notHeld++,
    run: async (signal) => {
      const entry = { aborted: false };
      workers.push(entry);
      if (!signal.aborted)
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      entry.aborted = true;
    },
  });
  t.after(() => tasks.stop());
  tasks.start('ready');
  await tasks.renewLeases();
  await until(() => workers.length === 1, 'the worker runs under its lease');
  assert.equal(notHeld, 0);

  down = true;
  await tasks.renewLeases();
  await tasks.renewLeases();
  await until(() => workers[0]?.aborted === true, 'the worker stopped: this replica may no longer hold the lease');
  assert.ok(notHeld >= 1, 'told it is not held: state kept for the lease outside a run is dropped');
  assert.equal(lines.filter((l) => /cannot renew the leases/.test(l.msg)).length, 1, 'said once, not per round');

  down = false;
  generation = 2; // another replica held it meanwhile
  await tasks.renewLeases();
  await until(() => workers.length === 2, 'the worker runs again once the lease is held again');
  assert.equal(lines.filter((l) => /can be renewed again/.test(l.msg)).length, 1);
});
