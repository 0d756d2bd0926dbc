import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setImmediate as nextTurn, setTimeout as delay } from 'node:timers/promises';
import { TokenService } from '../src/auth/service.ts';
import { TokenStore } from '../src/auth/store.ts';
import type { NewChangeEvent } from '../src/changes/model.ts';
import { ChangeStore } from '../src/changes/store.ts';
import SQLite from 'better-sqlite3';
import { openDatabase } from '../src/platform/db/connect.ts';
import type { LockWait } from '../src/platform/db/sqlite-lock.ts';
import { silentLogger } from '../src/platform/log.ts';
import { loadAssets } from '../src/portal/assets.ts';
import { createServer } from '../src/server.ts';
import { component, location, tempCatalog } from './support/catalog.ts';
import { createTestDatabase } from './support/databases.ts';

const repo = join(import.meta.dirname, '..');

/**
 * Another process holding the SQLite file's write lock (a `sync` run, a backup, sqlite3 in a
 * shell): it takes the lock with BEGIN IMMEDIATE, says `locked`, and keeps it until told
 * on stdin, so what the server does meanwhile is ordered against the release, not timed.
 */
async function holdWriteLock(t: TestContext, file: string): Promise<{ release(): Promise<void>; held(): boolean }> {
  const script = `
    const SQLite = require('better-sqlite3');
    const db = new SQLite(process.argv[1]);
    db.exec('begin immediate');
    process.stdout.write('locked\\n');
    process.stdin.once('data', () => { db.exec('commit'); db.close(); process.stdout.write('released\\n'); process.exit(0); });
  `;
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['-e', script, file], { cwd: repo });
  let held = false;
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const [first] = (await once(child.stdout, 'data')) as [Buffer];
  assert.equal(first.toString().trim(), 'locked');
  held = true;
  return {
    held: () => held,
    async release() {
      const exited = once(child, 'exit');
      child.stdin.write('go\n');
      await exited;
      held = false;
    },
  };
}

/** A server on a SQLite file of its own, whose connections wait for locks as `lockWait` says; and a write token. */
async function serverOnSqlite(t: TestContext, lockWait: Partial<LockWait>) {
  const testDb = await createTestDatabase('sqlite');
  const catalog = tempCatalog({ 'catalog-info.yaml': location(['./svc.yaml']), 'svc.yaml': component('checkout') });
  const database = await openDatabase(testDb.target, { lockWait });
  t.after(async () => {
    await database.close();
    await testDb.drop();
    catalog.cleanup();
  });
  const server = createServer({
    defaultMetrics: false,
    catalog: catalog.dir,
    database,
    logger: silentLogger(),
    assets: await loadAssets(),
  });
  await server.syncCatalog();
  const { token } = await new TokenService(new TokenStore(database)).create('ci', ['deployments:write'], null);
  const deploy = async (version: string, key: string) =>
    server.app.request('/api/v1/deployments', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({
        service: 'checkout',
        environment: 'production',
        version,
        status: 'succeeded',
        startedAt: '2026-01-15T10:00:00Z',
        finishedAt: '2026-01-15T10:05:00Z',
      }),
    });
  const versions = async () => {
    const res = await server.app.request('/api/v1/changes?entity=checkout');
    assert.equal(res.status, 200);
    return ((await res.json()) as { items: { version: string }[] }).items.map((item) => item.version);
  };
  return { server, target: testDb.target, deploy, versions };
}

/** A promise and its resolve, to learn that something happened. */
function signal(): { promise: Promise<void>; resolve(): void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** What settles first: the write, or its first wait for the lock. */
async function firstOf(waiting: Promise<void>, write: Promise<Response>): Promise<string> {
  return Promise.race([waiting.then(() => 'waiting for the lock'), write.then((res) => `answered ${res.status}`)]);
}

test('a write meeting another process’s SQLite write lock waits off the event loop: /healthz, pages and reads answer while the lock is held, and the write is stored once it is released', async (t) => {
  const waiting = signal();
  // A deadline longer than any test: this write must outlast the lock, whatever the machine's speed.
  const { server, target, deploy, versions } = await serverOnSqlite(t, {
    policy: { firstMs: 2, maxMs: 20, deadlineMs: 600_000 },
    sleep: (ms) => {
      waiting.resolve();
      return delay(ms);
    },
  });
  const lock = await holdWriteLock(t, target);

  const write = deploy('1.0.0', 'lock-wait-1');
  // Before: the write waited inside SQLite on the event loop for the 5 s busy timeout and answered 503 first.
  assert.equal(await firstOf(waiting.promise, write), 'waiting for the lock');
  let settled = false;
  void write.then(() => void (settled = true));

  for (const path of ['/healthz', '/', '/catalog/default/component/checkout/', '/api/v1/entities']) {
    const res = await server.app.request(path);
    await res.body?.cancel();
    assert.equal(res.status, 200, path);
  }
  assert.equal(await versions().then((v) => v.length), 0, 'reads see the last committed state meanwhile');
  assert.ok(lock.held(), 'all answered while the other process held the lock');
  assert.equal(settled, false, 'the write waits for the lock');

  await lock.release();
  const res = await write;
  assert.equal(res.status, 201, await res.text());
  assert.deepEqual(await versions(), ['1.0.0']);
});

test('a write whose lock outlasts the deadline answers 503 with Retry-After, meanwhile nothing stalls, and its retry is stored once', async (t) => {
  const waiting = signal();
  const gate = signal();
  let now = 0;
  // A clock of its own: time passes only when a wait sleeps, and the first wait holds until the test has checked the server answers.
  const { server, target, deploy, versions } = await serverOnSqlite(t, {
    now: () => now,
    sleep: async (ms) => {
      waiting.resolve();
      await gate.promise;
      now += ms;
      await nextTurn();
    },
  });
  const lock = await holdWriteLock(t, target);

  const write = deploy('2.0.0', 'lock-deadline-1');
  assert.equal(await firstOf(waiting.promise, write), 'waiting for the lock');
  assert.equal((await server.app.request('/healthz')).status, 200);
  gate.resolve();

  const refused = await write;
  const body = await refused.text();
  assert.equal(refused.status, 503, body);
  assert.equal(refused.headers.get('retry-after'), '1');
  assert.equal((JSON.parse(body) as { code: string }).code, 'dependency-unavailable');
  assert.doesNotMatch(body, /SQLITE|atrium\.db|api_tokens|change_events/);
  assert.ok(now >= 5_000, `gave up at the 5 s deadline (${now} ms)`);
  assert.ok(lock.held(), 'refused while the lock was still held');

  await lock.release();
  const retried = await deploy('2.0.0', 'lock-deadline-1');
  assert.equal(retried.status, 201, await retried.text());
  assert.deepEqual(await versions(), ['2.0.0']);
});

test('transactions take the write lock at BEGIN (IMMEDIATE), so a lock is met only where waiting is safe: before anything ran', async (t) => {
  const testDb = await createTestDatabase('sqlite');
  const database = await openDatabase(testDb.target);
  t.after(async () => {
    await database.close();
    await testDb.drop();
  });
  const other = new SQLite(testDb.target, { timeout: 0 });
  t.after(() => other.close());
  const inside = signal();
  const done = signal();
  const transaction = database.db.transaction().execute(async () => {
    inside.resolve();
    await done.promise;
  });
  await inside.promise;
  // Before: Kysely's deferred BEGIN took no lock until the first write, where SQLite forbids retrying the statement.
  assert.throws(() => other.exec('begin immediate'), { code: 'SQLITE_BUSY' });
  done.resolve();
  await transaction;
  other.exec('begin immediate');
  other.exec('rollback');
});

test('start-up (migrations) while another process holds the lock waits off the event loop, and opens once it is released', async (t) => {
  const testDb = await createTestDatabase('sqlite');
  t.after(() => testDb.drop());
  await (await openDatabase(testDb.target)).close();
  const lock = await holdWriteLock(t, testDb.target);
  const waiting = signal();
  const opening = openDatabase(testDb.target, {
    lockWait: {
      policy: { firstMs: 2, maxMs: 20, deadlineMs: 600_000 },
      sleep: (ms) => {
        waiting.resolve();
        return delay(ms);
      },
    },
  });
  // Before: BEGIN IMMEDIATE waited inside SQLite for 5 s, then the open failed.
  const first = await Promise.race([
    waiting.promise.then(() => 'waiting for the lock'),
    opening.then(
      () => 'opened',
      (err: Error) => `failed: ${err.message}`,
    ),
  ]);
  assert.equal(first, 'waiting for the lock');
  assert.ok(lock.held());
  await lock.release();
  const database = await opening;
  await database.close();
});

test('writes sharing a group commit that meets the lock past the deadline are all refused at once, not each run alone to wait again', async (t) => {
  const testDb = await createTestDatabase('sqlite');
  let now = 0;
  const database = await openDatabase(testDb.target, {
    lockWait: {
      now: () => now,
      sleep: async (ms) => {
        now += ms;
        await nextTurn();
      },
    },
  });
  t.after(async () => {
    await database.close();
    await testDb.drop();
  });
  const store = new ChangeStore(database);
  const event = (version: string): NewChangeEvent => ({
    type: 'deployment',
    service: 'component:default/checkout',
    serviceKey: 'component:default/checkout',
    at: '2026-01-15T10:05:00.000Z',
    summary: `Deployed ${version} to production`,
    environment: 'production',
    version,
    status: 'succeeded',
    strategy: null,
    slot: null,
    kind: null,
    startedAt: '2026-01-15T10:00:00.000Z',
    url: null,
    actor: null,
    commits: [],
    recordedBy: 'ci',
    recordedAt: '2026-01-15T10:05:01.000Z',
  });
  const respond = () => ({ status: 201, body: '{}' });
  const lock = await holdWriteLock(t, testDb.target);
  // Written in one turn of the event loop: one group, one transaction.
  const writes = ['1.0.0', '1.0.1', '1.0.2'].map((version) =>
    store.write([event(version)], respond).then(
      () => 'stored',
      (err: { code?: string }) => err.code,
    ),
  );
  assert.deepEqual(await Promise.all(writes), ['SQLITE_BUSY', 'SQLITE_BUSY', 'SQLITE_BUSY']);
  // Before: the group waited 5 s, then each write alone waited 5 s more (20 s for three).
  assert.ok(now <= 5_000, `refused after ${now} ms of waiting`);
  assert.ok(lock.held());
  await lock.release();
});
