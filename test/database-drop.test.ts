import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { TokenService } from '../src/auth/service.ts';
import { TokenStore } from '../src/auth/store.ts';
import { component, location, tempCatalog } from './support/catalog.ts';
import { createTestDatabase } from './support/databases.ts';
import { startTcpProxy } from './support/tcp-proxy.ts';

const repo = join(import.meta.dirname, '..');

interface Attempt {
  version: string;
  status: number | 'hang' | 'refused';
  retryAfter: string | null;
  /** The problem document of a refused write. */
  problem?: string;
}

/** Why the PostgreSQL tests are skipped, if they are. */
const NO_POSTGRES = process.env.ATRIUM_TEST_POSTGRES_URL ? false : 'PostgreSQL unavailable (ATRIUM_TEST_POSTGRES_URL)';

/** A fresh PostgreSQL database, and its URL through a loopback proxy the test can cut. */
async function proxiedDatabase() {
  const db = await createTestDatabase('postgres');
  const direct = new URL(db.target);
  const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const proxied = new URL(db.target);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  return { db, proxy, proxied };
}

/** `atrium serve` on the catalog and database given, in a child process, and ways to watch it. */
function startServe(catalogDir: string, database: string) {
  const child = spawn(
    process.execPath,
    ['bin/atrium.js', 'serve', '--catalog', catalogDir, '--database', database, '--no-watch', '--port', '0'],
    { cwd: repo, env: { ...process.env, ATRIUM_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  let exited: string | undefined;
  child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  child.on('exit', (code, signal) => void (exited = `exit ${code ?? signal}`));
  // The address is logged when it listens, before the first sync ends.
  const base = new Promise<string>((resolve, reject) => {
    const look = () => {
      const match = /on (http:\/\/127\.0\.0\.1:\d+) \(database|at (http:\/\/127\.0\.0\.1:\d+)\//.exec(stderr);
      const url = match?.[1] ?? match?.[2];
      if (url) resolve(url);
    };
    child.stderr.on('data', look);
    child.once('exit', (code) => reject(new Error(`serve exited early (${code}): ${stderr}`)));
  });
  const alive = (when: string) => assert.equal(exited, undefined, `serve ended ${when}: ${exited}\n${stderr}`);
  const status = async (path: string) => {
    const res = await fetch(`${await base}${path}`, { signal: AbortSignal.timeout(10_000) });
    await res.body?.cancel();
    return res.status;
  };
  const waitFor = async (path: string, want: number, what: string) => {
    // The bound only keeps a broken server from hanging the suite.
    for (let i = 0; i < 600; i++) {
      if ((await status(path).catch(() => 0)) === want) return;
      alive(what);
      await sleep(50);
    }
    assert.fail(`${path} never answered ${want} ${what}\n${stderr}`);
  };
  return { child, base, alive, status, waitFor, stderr: () => stderr };
}

/**
 * The database going away (failover, pg_terminate_backend, a PgBouncer restart) must never
 * end the process: a real `atrium serve` on PostgreSQL through a proxy the test cuts, under
 * write traffic and while it polls for other replicas' writes.
 */
test('serve on PostgreSQL survives its connections being cut: stays up, readiness follows the database, no acknowledged write lost or doubled', {
  skip: NO_POSTGRES,
}, async (t) => {
  const { db, proxy, proxied } = await proxiedDatabase();
  const catalog = tempCatalog({ 'catalog-info.yaml': location(['./svc.yaml']), 'svc.yaml': component('checkout') });

  // The schema and a token, straight to PostgreSQL.
  const setup = await db.open();
  const { token } = await new TokenService(new TokenStore(setup)).create('ci-drop', ['deployments:write'], null);

  const served = startServe(catalog.dir, proxied.toString());
  const { child, alive, status, waitFor } = served;
  t.after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await setup.close();
    await proxy.close();
    await db.drop();
    catalog.cleanup();
  });
  const base = await served.base;
  await waitFor('/readyz', 200, 'at start');

  const attempts: Attempt[] = [];
  const write = async (version: string): Promise<Attempt> => {
    try {
      const res = await fetch(`${base}/api/v1/deployments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': version },
        body: JSON.stringify({
          service: 'checkout',
          environment: 'production',
          version,
          status: 'succeeded',
          startedAt: '2026-05-30T10:00:00Z',
          finishedAt: '2026-05-30T10:05:00Z',
        }),
        // Far above any legitimate wait (the pool gives up acquiring after 5 s): longer is a hang.
        signal: AbortSignal.timeout(20_000),
      });
      await res.body?.cancel();
      return { version, status: res.status, retryAfter: res.headers.get('retry-after') };
    } catch (err) {
      return { version, status: (err as Error).name === 'TimeoutError' ? 'hang' : 'refused', retryAfter: null };
    }
  };

  // Write traffic from four clients while the proxy cuts every connection, six times.
  let writing = true;
  const writers = Array.from({ length: 4 }, async (_, w) => {
    for (let i = 0; writing; i++) attempts.push(await write(`w${w}-${i}`));
  });
  let cuts = 0;
  for (let i = 0; i < 6; i++) {
    await sleep(250);
    cuts += proxy.cut();
    alive(`after cut ${i + 1} during writes`);
  }
  await sleep(500);
  writing = false;
  await Promise.all(writers);
  alive('after the writes');
  assert.ok(cuts >= 6, `the cuts met live connections (${cuts})`);
  assert.equal(await status('/healthz'), 200);

  // Replica polling (every second) with no requests: cut what it holds, twice.
  for (let i = 0; i < 2; i++) {
    await sleep(1100);
    proxy.cut();
  }
  await sleep(1100);
  alive('after cuts during polling');

  // The database unreachable for a while: not ready, still alive, writes refused with Retry-After.
  proxy.refuse(true);
  proxy.cut();
  await waitFor('/readyz', 503, 'while the database is unreachable');
  assert.equal(await status('/healthz'), 200);
  const during = await write('during-outage');
  attempts.push(during);
  await sleep(1500);
  alive('during the outage');
  proxy.refuse(false);
  await waitFor('/readyz', 200, 'once the database is back');
  assert.equal(await status('/healthz'), 200);

  const acknowledged = attempts.filter((a) => a.status === 201).map((a) => a.version);
  const failed = attempts.filter((a) => a.status !== 201);
  assert.ok(
    acknowledged.length > 0,
    `writes went through between the cuts (${acknowledged.length}): ${attempts.map((a) => a.status).join(' ')}\n${served.stderr()}`,
  );
  assert.ok(failed.length > 0, 'some writes met a cut connection (else the test tests nothing)');
  for (const a of failed) {
    // 503 for a lost connection; 429 for a write that waited past its deadline behind them.
    assert.ok(
      a.status === 503 || a.status === 429,
      `a write that failed was answered 503 or 429, not ${a.status} (${a.version})`,
    );
    assert.ok(a.retryAfter !== null && Number(a.retryAfter) > 0, `with Retry-After (${a.version})`);
  }
  // The client's retry with its Idempotency-Key makes every refused write whole, once.
  for (const a of failed) assert.equal((await write(a.version)).status, 201, a.version);

  const rows = await sql<{ version: string; n: number }>`
      select version, count(*) as n from change_events group by version`.execute(setup.db);
  const stored = new Map(rows.rows.map((r) => [r.version, Number(r.n)]));
  for (const a of attempts) assert.equal(stored.get(a.version), 1, `${a.version} (first ${a.status}) stored once`);
  assert.equal(stored.size, attempts.length, 'nothing stored that was not asked for');

  assert.doesNotMatch(served.stderr(), /Unhandled 'error' event|uncaught/i);
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, served.stderr());
});

test('a cut in the middle of the first sync: serve stays up, syncs again once the database answers, and becomes ready', {
  skip: NO_POSTGRES,
}, async (t) => {
  const { db, proxy, proxied } = await proxiedDatabase();
  const files: Record<string, string> = { 'catalog-info.yaml': location(['./services/*.yaml']) };
  for (let i = 0; i < 300; i++)
    files[`services/svc-${i}.yaml`] = component(`svc-${i}`, { title: `Service ${i} ${'x'.repeat(200)}` });
  const catalog = tempCatalog(files);
  // The schema first, straight to PostgreSQL: what crosses the proxy next is the sync's work.
  const setup = await db.open();
  // 300 entities are far more than 40 KB of writes: the cut lands inside the first sync.
  const cut = proxy.cutAfterBytes(40_000);
  const served = startServe(catalog.dir, proxied.toString());
  t.after(async () => {
    if (served.child.exitCode === null) served.child.kill('SIGKILL');
    await setup.close();
    await proxy.close();
    await db.drop();
    catalog.cleanup();
  });
  assert.ok((await cut) > 0, "the cut met the sync's connections");
  served.alive('after the cut');
  await served.waitFor('/readyz', 200, 'after syncing again');
  assert.equal(await served.status('/healthz'), 200);
  const stored = await sql<{ n: number }>`select count(*) as n from entities where kind = 'component'`.execute(
    setup.db,
  );
  assert.equal(Number(stored.rows[0]?.n), 300, 'the whole catalog, once');
  assert.match(served.stderr(), /start-up could not finish .*trying again/);
  assert.doesNotMatch(served.stderr(), /Unhandled 'error' event|uncaught/i);
  served.child.kill('SIGTERM');
  const [code] = await once(served.child, 'exit');
  assert.equal(code, 0, served.stderr());
});
