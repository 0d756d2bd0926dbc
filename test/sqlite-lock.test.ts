import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setImmediate as nextTurn, setTimeout as delay } from 'node:timers/promises';
import { TokenService } from '../src/auth/service.ts';
import { TokenStore } from '../src/auth/store.ts';
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
  const deploy = (version: string, key: string) =>
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
