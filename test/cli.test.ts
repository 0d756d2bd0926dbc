import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, describe, test, type TestContext } from 'node:test';
import { main } from '../src/main.ts';
import type { CommandIO } from '../src/cli/io.ts';
import { component, group, location, tempCatalog } from './support/catalog.ts';
import { createTestDatabase, describeEachDatabase } from './support/databases.ts';

const repo = join(import.meta.dirname, '..');

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CommandIO = { out: (t) => void (out += t), err: (t) => void (err += t), env: { ...env }, cwd: repo };
  const code = await main(args, io);
  return { code, out, err };
}

describe('atrium (command line)', () => {
  const good = tempCatalog({
    'catalog-info.yaml': location(['./team.yaml', './svc.yaml']),
    'team.yaml': group('team-a'),
    'svc.yaml': component('checkout', { owner: 'team-missing' }),
  });
  const bad = tempCatalog({
    'catalog-info.yaml': `${component('Not Valid!')}---\napiVersion: backstage.io/v1alpha1\nkind: Widget\nmetadata:\n  name: w\n`,
  });
  after(() => {
    good.cleanup();
    bad.cleanup();
  });

  test('without a command it prints usage and exits 64; --help exits 0', async () => {
    const none = await run([]);
    assert.equal(none.code, 64);
    assert.match(none.out, /Usage: atrium <command>/);
    assert.equal((await run(['--help'])).code, 0);
  });

  test('an unknown command or option is a usage error (64) that points at --help', async () => {
    const unknown = await run(['frobnicate']);
    assert.equal(unknown.code, 64);
    assert.match(unknown.err, /unknown command "frobnicate"/);
    const option = await run(['validate', '--nope']);
    assert.equal(option.code, 64);
    assert.match(option.err, /atrium validate --help/);
    assert.equal((await run(['validate', '--format', 'xml', good.dir])).code, 64);
    assert.equal((await run(['validate', good.dir, good.dir])).code, 64);
    assert.equal((await run(['serve', '--port', '99999'])).code, 64);
    assert.equal((await run(['serve', '--port', '12ab'])).code, 64);
    const renders = await run(['serve', '--render-concurrency', '0']);
    assert.equal(renders.code, 64);
    assert.match(renders.err, /--render-concurrency must be a whole number from 1/);
    assert.equal((await run(['serve', '--render-max-wait', '1s'])).code, 64);
    assert.equal((await run(['sync', 'stray-argument'])).code, 64);
  });

  test('every command has --help', async () => {
    for (const command of ['validate', 'sync', 'serve', 'build', 'token', 'deploy', 'flags']) {
      const help = await run([command, '--help']);
      assert.equal(help.code, 0, command);
      assert.match(help.out, new RegExp(`Usage: atrium ${command}`));
      assert.match(help.out, /Exit status|Endpoints/);
    }
  });

  test('validate exits 0 with warnings only, and prints file:line:column with a hint', async () => {
    const result = await run(['validate', good.dir]);
    assert.equal(result.code, 0);
    assert.match(result.out, /^svc\.yaml:8:10: warning dangling-reference: /m);
    assert.match(result.out, /hint: /);
    assert.match(result.out, /3 entities in 3 files: 0 errors, 1 warnings/);
  });

  test('validate --format json prints one object with relative files, positions, codes and hints', async () => {
    const result = await run(['validate', bad.dir, '--format', 'json']);
    assert.equal(result.code, 65);
    const report = JSON.parse(result.out);
    assert.equal(report.entities, 0);
    const located = (problems: { file: string; line: number; column: number; code: string }[]) =>
      problems.map((e) => `${e.file}:${e.line}:${e.column} ${e.code}`);
    assert.deepEqual(located(report.errors), ['catalog-info.yaml:4:9 invalid-name']);
    // A kind Atrium does not read is skipped with a warning, as a Backstage catalog whose rules do not allow it.
    assert.deepEqual(located(report.warnings), ['catalog-info.yaml:11:7 unknown-kind']);
    for (const error of [...report.errors, ...report.warnings]) {
      assert.deepEqual(Object.keys(error).slice(0, 6), ['file', 'line', 'column', 'code', 'message', 'hint']);
      assert.ok(error.hint.length > 10);
    }
  });

  test('validate of a missing directory is a user error (65) with a hint', async () => {
    const result = await run(['validate', join(good.dir, 'nope')]);
    assert.equal(result.code, 65);
    assert.match(result.err, /cannot be read/);
    assert.match(result.err, /hint:/);
  });

  test('the bundled demo organisation validates with only its deliberate warnings', async () => {
    const result = await run(['validate', 'examples/acme', '--format', 'json']);
    assert.equal(result.code, 0);
    const report = JSON.parse(result.out);
    assert.ok(report.entities >= 100);
    assert.deepEqual(report.errors, []);
    assert.deepEqual(
      report.warnings.map((w: { code: string }) => w.code),
      ['dangling-reference', 'dangling-reference'],
    );
  });

  test('validate --max-file-size lowers (or raises) the file-size limit; a bad size is a usage error', async () => {
    const big = tempCatalog({ 'catalog-info.yaml': `${component('big')}# ${'x'.repeat(2000)}\n` });
    try {
      const small = await run(['validate', big.dir, '--max-file-size', '1KiB', '--format', 'json']);
      assert.equal(small.code, 65);
      const report = JSON.parse(small.out);
      assert.deepEqual(
        report.errors.map((e: { code: string; hint: string }) => [e.code, /--max-file-size 4KiB/.test(e.hint)]),
        [['file-too-large', true]],
      );
      assert.equal((await run(['validate', big.dir, '--max-file-size', '4KiB'])).code, 0);
    } finally {
      big.cleanup();
    }
    const bad = await run(['validate', good.dir, '--max-file-size', 'lots']);
    assert.equal(bad.code, 64);
    assert.match(bad.err, /--max-file-size/);
  });

  describe('grouped dangling references, externalRefs and --max-warnings', () => {
    const directory = tempCatalog({
      'a.yaml': component('a', { owner: 'platform-team' }),
      'b.yaml': component('b', { owner: 'platform-team', dependsOn: ['component:tax-engine'] }),
      'c.yaml': component('c', { owner: 'platform-team' }),
    });
    after(() => directory.cleanup());

    test('one warning per missing target, with the entities that refer to it', async () => {
      const result = await run(['validate', directory.dir]);
      assert.equal(result.code, 0);
      assert.match(
        result.out,
        /^a\.yaml:8:10: warning dangling-reference: group:default\/platform-team is not in the catalog; 3 entities refer to it$/m,
      );
      assert.match(
        result.out,
        /referred to by: component:default\/a \(spec\.owner, a\.yaml:8:10\), component:default\/b \(spec\.owner, b\.yaml:8:10\), component:default\/c \(spec\.owner, c\.yaml:8:10\)/,
      );
      assert.match(result.out, /3 entities in 3 files: 0 errors, 2 warnings\n$/);
    });

    test('--format json keeps every field and adds target, referrers and count', async () => {
      const report = JSON.parse((await run(['validate', directory.dir, '--format', 'json'])).out);
      const group = report.warnings[0];
      assert.deepEqual(Object.keys(group), [
        'file',
        'line',
        'column',
        'code',
        'message',
        'hint',
        'entityRef',
        'target',
        'referrers',
        'count',
      ]);
      assert.equal(group.count, 3);
      assert.deepEqual(group.referrers[1], {
        entityRef: 'component:default/b',
        field: 'spec.owner',
        file: 'b.yaml',
        line: 8,
        column: 10,
      });
      assert.deepEqual(report.external, []);
    });

    test('catalog.externalRefs turns known-external targets into a summary line, not warnings', async () => {
      const env = { ATRIUM_CATALOG_EXTERNAL_REFS: 'group:*' };
      const text = await run(['validate', directory.dir], env);
      assert.doesNotMatch(text.out, /platform-team is not in the catalog/);
      assert.match(
        text.out,
        /^external: group:default\/platform-team \(3 entities refer to it; catalog\.externalRefs\)$/m,
      );
      assert.match(text.out, /0 errors, 1 warnings/);
      const json = JSON.parse((await run(['validate', directory.dir, '--format', 'json'], env)).out);
      assert.deepEqual(
        json.external.map((e: { target: string; count: number }) => `${e.target} ${e.count}`),
        ['group:default/platform-team 3'],
      );
    });

    test('--max-warnings N exits 65 (problems found) when there are more than N warnings, and says so', async () => {
      const over = await run(['validate', directory.dir, '--max-warnings', '1']);
      assert.equal(over.code, 65);
      assert.match(over.out, /2 warnings, more than --max-warnings 1/);
      assert.equal((await run(['validate', directory.dir, '--max-warnings', '2'])).code, 0);
      const json = await run(['validate', directory.dir, '--max-warnings', '0', '--format', 'json']);
      assert.equal(json.code, 65);
      for (const bad of ['-1', 'x', '1.5', '']) {
        const result = await run(['validate', directory.dir, '--max-warnings', bad]);
        assert.equal(result.code, 64, bad);
        assert.match(result.err, /--max-warnings/);
      }
    });
  });

  test('a configuration error exits 78', async () => {
    const result = await run(['validate', good.dir], { ATRIUM_CATALOG_MAX_FILE_BYTES: 'lots' });
    assert.equal(result.code, 78);
  });
});

describeEachDatabase('atrium sync (command line)', (dialect) => {
  test('sync loads a catalog, reports JSON, and skips unchanged files the second time', async (t) => {
    const db = await createTestDatabase(dialect);
    const catalog = tempCatalog({ 'catalog-info.yaml': location(['./team.yaml']), 'team.yaml': group('team-a') });
    t.after(async () => {
      await db.drop();
      catalog.cleanup();
    });
    const first = await run(['sync', '--catalog', catalog.dir, '--database', db.target, '--format', 'json']);
    assert.equal(first.code, 0, first.err);
    assert.deepEqual(
      { ...JSON.parse(first.out), durationMs: 0 },
      {
        files: 2,
        parsedFiles: 2,
        entities: 2,
        upserted: 2,
        deleted: 0,
        errors: 0,
        warnings: 0,
        durationMs: 0,
        changed: true,
      },
    );
    const second = await run(['sync', '--catalog', catalog.dir, '--format', 'json'], { DATABASE_URL: db.target });
    assert.equal(JSON.parse(second.out).parsedFiles, 0);
    catalog.write('team.yaml', group('Bad Name!'));
    assert.equal((await run(['sync', '--catalog', catalog.dir, '--database', db.target])).code, 65);
  });
});

test('serve on a port that is taken is an operator problem (78) that says so', async (t) => {
  const { createServer } = await import('node:net');
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const db = await createTestDatabase('sqlite');
  t.after(async () => {
    blocker.close();
    await db.drop();
  });
  const address = blocker.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const result = await run(['serve', '--catalog', 'examples/acme', '--database', db.target, '--port', String(port)], {
    ATRIUM_LOG_LEVEL: 'silent',
  });
  assert.equal(result.code, 78);
  assert.match(result.err, /EADDRINUSE/);
  assert.match(result.err, /pass --port with a free one/);
});

test('sync reports an unreachable database as retryable (75)', async () => {
  const result = await run([
    'sync',
    '--catalog',
    'examples/acme',
    '--database',
    'postgres://postgres@127.0.0.1:1/none',
  ]);
  assert.equal(result.code, 75);
  assert.match(result.err, /hint: Check that PostgreSQL is running/);
});

/**
 * Starts `atrium serve ARGS --port 0` as a real process, killed (then `cleanup`) after the
 * test; resolves with the base URL once `url` (its first group) shows up on stderr.
 */
async function spawnServe(t: TestContext, args: string[], logLevel: string, url: RegExp, cleanup: () => Promise<void>) {
  const child = spawn(process.execPath, ['bin/atrium.js', 'serve', ...args, '--port', '0'], {
    cwd: repo,
    env: { ...process.env, ATRIUM_LOG_LEVEL: logLevel },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await cleanup();
  });
  let stderr = '';
  const base = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = url.exec(stderr);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited early (${code}): ${stderr}`)));
  });
  return { child, base, stderr: () => stderr };
}

test('serve (a real process on loopback) answers, watches the catalog and stops cleanly', async (t) => {
  const db = await createTestDatabase('sqlite');
  const catalog = tempCatalog({
    'catalog-info.yaml': location(['./svc.yaml']),
    'svc.yaml': component('checkout', { title: 'Before' }),
  });
  const { child, base } = await spawnServe(
    t,
    ['--catalog', catalog.dir, '--database', db.target],
    'warn',
    /at (http:\/\/127\.0\.0\.1:\d+)\//,
    async () => {
      await db.drop();
      catalog.cleanup();
    },
  );
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
  const title = async () =>
    (
      (await (await fetch(`${base}/api/v1/entities/component/default/checkout`)).json()) as {
        entity: { metadata: { title: string } };
      }
    ).entity.metadata.title;
  assert.equal(await title(), 'Before');

  catalog.write('svc.yaml', component('checkout', { title: 'After' }));
  // Poll until the watcher has synced; the bound only keeps a broken watcher from hanging the suite.
  let seen = await title();
  for (let i = 0; i < 200 && seen !== 'After'; i++) {
    await new Promise((r) => setTimeout(r, 50));
    seen = await title();
  }
  assert.equal(seen, 'After');

  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
});

test('serve --demo-history is ready only once the demo history is recorded', async (t) => {
  const db = await createTestDatabase('sqlite');
  // The JSON log names the port as soon as serve listens, before the first sync.
  const { child, base, stderr } = await spawnServe(
    t,
    ['--catalog', join(repo, 'examples', 'acme'), '--database', db.target, '--no-watch', '--demo-history'],
    'info',
    /on (http:\/\/127\.0\.0\.1:\d+) \(database/,
    () => db.drop(),
  );
  const seen = new Set<string>();
  let ready = false;
  // The bound only keeps a broken serve from hanging the suite.
  for (let i = 0; i < 3000 && !ready; i++) {
    const res = await fetch(`${base}/readyz`);
    ready = res.status === 200;
    if (!ready) seen.add(((await res.json()) as { detail?: string; title?: string; message?: string }).detail ?? '');
    else await res.body?.cancel();
    if (!ready) await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(ready, `never ready: ${[...seen].join('; ')}\n${stderr()}`);
  const dora = (await (await fetch(`${base}/api/v1/metrics/dora?entity=group:default/checkout`)).json()) as {
    current: { deploymentFrequency: { deployments: number } };
  };
  assert.ok(
    dora.current.deploymentFrequency.deployments > 0,
    `the history is there when readiness says so: ${JSON.stringify(dora).slice(0, 300)} after ${[...seen].join('; ')}`,
  );
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
});
