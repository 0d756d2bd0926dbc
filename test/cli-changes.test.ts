import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, request, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { CommandIO } from '../src/cli/io.ts';
import { main } from '../src/main.ts';
import type { Database } from '../src/platform/db/connect.ts';
import { silentLogger } from '../src/platform/log.ts';
import { createServer, type AtriumServer } from '../src/server.ts';
import { loadAssets } from '../src/portal/assets.ts';
import { component, group, location, tempCatalog, type TempCatalog } from './support/catalog.ts';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from './support/databases.ts';

/** `atrium token` and `atrium deploy` end to end: the CLI against a real server over loopback HTTP. */

async function run(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  cwd = process.cwd(),
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CommandIO = { out: (t) => void (out += t), err: (t) => void (err += t), env: { ...env }, cwd };
  const code = await main(args, io);
  return { code, out, err };
}

async function listen(handler: RequestListener): Promise<{ http: Server; url: string }> {
  const http = createHttpServer(handler);
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  return { http, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

describeEachDatabase('atrium token and atrium deploy (command line)', (dialect) => {
  let testDb: TestDatabase;
  let database: Database;
  let server: AtriumServer;
  let catalog: TempCatalog;
  let atrium: { http: Server; url: string };
  let flaky: { http: Server; url: string };
  let refusals = 0;

  before(async () => {
    catalog = tempCatalog({
      'catalog-info.yaml': location(['./org.yaml', './svc.yaml']),
      'org.yaml': group('payments'),
      'svc.yaml': component('checkout', { owner: 'payments' }),
    });
    testDb = await createTestDatabase(dialect);
    database = await testDb.open();
    // The CLI runs in this process and calls git synchronously: the event loop's delay is the CLI's, not the server's load.
    server = createServer({
      database,
      logger: silentLogger(),
      catalog: catalog.dir,
      defaultMetrics: false,
      assets: await loadAssets(),
      writesMaxLoopDelayMs: false,
    });
    await server.syncCatalog();
    atrium = await listen(server.listener);
    // In front of the real server: the first two requests are refused as a server past capacity would refuse them.
    flaky = await listen((req, res) => {
      if (refusals < 2) {
        refusals++;
        req.resume();
        res
          .writeHead(429, { 'retry-after': '0', 'content-type': 'application/problem+json' })
          .end(JSON.stringify({ code: 'overloaded', detail: 'busy', hint: 'retry' }));
        return;
      }
      const upstream = request(`${atrium.url}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      req.pipe(upstream);
    });
  });
  after(async () => {
    atrium.http.close();
    flaky.http.close();
    await database.close();
    await testDb.drop();
    catalog.cleanup();
  });

  test('token create prints the token once; list never shows it; revoke refuses it from then on', async () => {
    const created = await run([
      'token',
      'create',
      '--name',
      'ci-cli',
      '--scopes',
      'deployments:write',
      '--expires-in',
      '30d',
      '--database',
      testDb.target,
    ]);
    assert.equal(created.code, 0, created.err);
    const token = created.out.trim();
    assert.match(token, /^atrium_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    assert.match(created.err, /shown only this once/);
    const listed = await run(['token', 'list', '--format', 'json', '--database', testDb.target]);
    assert.ok(!listed.out.includes(token.slice(20)));
    assert.deepEqual(
      (JSON.parse(listed.out) as { name: string; scopes: string[] }[]).map((t) => [t.name, t.scopes]),
      [['ci-cli', ['deployments:write']]],
    );
    const env = { ATRIUM_URL: atrium.url, ATRIUM_TOKEN: token };
    const recorded = await run(
      [
        'deploy',
        'record',
        '--service',
        'checkout',
        '--environment',
        'production',
        '--version',
        '1.2.3',
        '--status',
        'succeeded',
        '--finished-at',
        '2026-01-02T03:04:05Z',
        '--commit',
        'abcdef1@2026-01-01T00:00:00Z',
      ],
      env,
    );
    assert.equal(recorded.code, 0, recorded.err);
    assert.match(recorded.out, /Recorded #\d+ for component:default\/checkout: Deployed 1.2.3 to production/);
    assert.equal((await run(['token', 'revoke', 'ci-cli', '--database', testDb.target])).code, 0);
    const refused = await run(
      [
        'deploy',
        'record',
        '--service',
        'checkout',
        '--environment',
        'production',
        '--version',
        '1.2.4',
        '--status',
        'succeeded',
      ],
      env,
    );
    assert.equal(refused.code, 65);
    assert.match(refused.err, /revoked/);
  });

  test('deploy record reads commits from git, retries 429s with one idempotency key, and records once', async () => {
    const { token } = await server.tokens.create('ci-git', ['deployments:write'], null);
    const repo = mkdtempSync(join(tmpdir(), 'atrium-git-'));
    try {
      const git = (...args: string[]) =>
        execFileSync('git', args, {
          cwd: repo,
          env: { ...process.env, GIT_AUTHOR_DATE: '2026-01-01T10:00:00Z', GIT_COMMITTER_DATE: '2026-01-01T10:00:00Z' },
        });
      git('init', '-q');
      git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'one');
      git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'two');
      const before = await server.changes.store.count();
      const result = await run(
        [
          'deploy',
          'record',
          '--service',
          'checkout',
          '--environment',
          'staging',
          '--version',
          '2.0.0',
          '--status',
          'failed',
          '--finished-at',
          '2026-01-02T00:00:00Z',
          '--commits-from-git',
          'HEAD~1..HEAD',
          '--format',
          'json',
        ],
        { ATRIUM_URL: flaky.url, ATRIUM_TOKEN: token },
        repo,
      );
      assert.equal(result.code, 0, result.err);
      assert.equal((result.err.match(/retrying/g) ?? []).length, 2, result.err);
      const saved = JSON.parse(result.out) as { commits: { sha: string; committedAt: string }[]; status: string };
      assert.equal(saved.status, 'failed');
      assert.equal(saved.commits.length, 1);
      assert.equal(saved.commits[0]?.committedAt, '2026-01-01T10:00:00.000Z');
      assert.equal(await server.changes.store.count(), before + 1);
      const badRange = await run(
        [
          'deploy',
          'record',
          '--service',
          'checkout',
          '--environment',
          'staging',
          '--version',
          '2',
          '--status',
          'failed',
          '--commits-from-git',
          '--output=/tmp/x',
        ],
        { ATRIUM_URL: atrium.url, ATRIUM_TOKEN: token },
        repo,
      );
      assert.equal(badRange.code, 64);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  test('deploy switch records a traffic switch; refusals name the field; usage errors exit 64', async () => {
    const { token } = await server.tokens.create('ci-bg', ['deployments:write'], null);
    const env = { ATRIUM_URL: atrium.url, ATRIUM_TOKEN: token };
    const deploy = await run(
      [
        'deploy',
        'record',
        '--service',
        'checkout',
        '--environment',
        'production',
        '--version',
        '3.0',
        '--status',
        'succeeded',
        '--strategy',
        'blue-green',
        '--slot',
        'green',
        '--finished-at',
        '2026-01-03T00:00:00Z',
      ],
      env,
    );
    assert.equal(deploy.code, 0, deploy.err);
    const sw = await run(
      [
        'deploy',
        'switch',
        '--service',
        'checkout',
        '--environment',
        'production',
        '--slot',
        'green',
        '--at',
        '2026-01-03T00:10:00Z',
        '--reason',
        'go',
      ],
      env,
    );
    assert.equal(sw.code, 0, sw.err);
    assert.match(sw.out, /Switched production traffic to green \(3.0\): go/);
    const unknown = await run(
      [
        'deploy',
        'record',
        '--service',
        'ghost',
        '--environment',
        'production',
        '--version',
        '1',
        '--status',
        'succeeded',
      ],
      env,
    );
    assert.equal(unknown.code, 65);
    assert.match(unknown.err, /service: no entity component:default\/ghost/);
    for (const args of [
      ['deploy'],
      ['deploy', 'record'],
      ['deploy', 'frob'],
      [
        'deploy',
        'record',
        '--service',
        'x',
        '--environment',
        'p',
        '--version',
        '1',
        '--status',
        'succeeded',
        '--commit',
        'nosha',
      ],
    ]) {
      assert.equal((await run(args, env)).code, 64, args.join(' '));
    }
    assert.equal(
      (
        await run(
          ['deploy', 'record', '--service', 'x', '--environment', 'p', '--version', '1', '--status', 'succeeded'],
          { ATRIUM_URL: atrium.url },
        )
      ).code,
      64,
    );
    assert.equal(
      (
        await run(
          ['deploy', 'record', '--service', 'x', '--environment', 'p', '--version', '1', '--status', 'succeeded'],
          { ATRIUM_URL: 'ftp://x', ATRIUM_TOKEN: token },
        )
      ).code,
      64,
    );
    const unreachable = await run(
      ['deploy', 'record', '--service', 'x', '--environment', 'p', '--version', '1', '--status', 'succeeded'],
      { ATRIUM_URL: 'http://127.0.0.1:9', ATRIUM_TOKEN: token },
    );
    assert.equal(unreachable.code, 75);
  });

  test('token usage errors: unknown scope, bad lifetime, bad name, missing name', async () => {
    for (const args of [
      ['token', 'create', '--name', 'x', '--scopes', 'root'],
      ['token', 'create', '--name', 'x', '--scopes', 'deployments:write', '--expires-in', '10y'],
      ['token', 'create', '--scopes', 'deployments:write'],
      ['token', 'frob'],
      ['token', 'revoke'],
      ['token', 'create', '--name', 'x', '--scopes', 'deployments:write', '--environment', 'staging'],
      ['token', 'create', '--name', 'x', '--scopes', 'flags:read', '--environment', '../prod'],
    ]) {
      assert.equal((await run([...args, '--database', testDb.target])).code, 64, args.join(' '));
    }
    const sdk = await run([
      'token',
      'create',
      '--name',
      'sdk-staging',
      '--scopes',
      'flags:read',
      '--environment',
      'staging',
      '--database',
      testDb.target,
    ]);
    assert.equal(sdk.code, 0, sdk.err);
    assert.match(sdk.err, /environment staging/);
    assert.match(
      (await run(['token', 'list', '--database', testDb.target])).out,
      /sdk-staging {2}flags:read \(staging\)/,
    );
    const badName = await run([
      'token',
      'create',
      '--name',
      '<script>',
      '--scopes',
      'deployments:write',
      '--database',
      testDb.target,
    ]);
    assert.equal(badName.code, 65);
    assert.equal((await run(['token', 'revoke', 'nobody', '--database', testDb.target])).code, 65);
  });
});
