import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CommandIO } from '../src/cli/io.ts';
import { main } from '../src/main.ts';
import { component, tempCatalog } from './support/catalog.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

/**
 * `atrium checks status` and `atrium checks maintenance` against a real server: the list,
 * one check, windows added, listed and removed, bad names, bad windows and unknown checks.
 */

const catalog = tempCatalog({
  'catalog-info.yaml': [
    component('api', { owner: 'platform' }),
    '---',
    'apiVersion: atrium.dev/v1',
    'kind: Check',
    'metadata: { name: api-health }',
    'spec: { service: api, type: tcp, interval: 30s, locations: [eu, us], tcp: { host: api.internal, port: 443 } }',
    '',
  ].join('\n'),
});

async function run(args: string[], env: Record<string, string>) {
  let out = '';
  let err = '';
  const io: CommandIO = { out: (t) => void (out += t), err: (t) => void (err += t), env, cwd: catalog.dir };
  const code = await main(['checks', ...args], io);
  return { code, out, err };
}

describe('atrium checks status', () => {
  let live: TestServer;
  before(async () => {
    live = await startTestServer('sqlite', { catalog: catalog.dir, listen: true });
    await live.server.checks.recordAlone({
      runId: 'r1',
      kind: 'check',
      subject: 'check:default/api-health',
      dedupKey: `check:default/api-health@eu@${Date.UTC(2026, 0, 1)}`,
      location: 'eu',
      runner: 'eu-1',
      runnerLocation: 'eu',
      attempt: 1,
      startedAt: Date.UTC(2026, 0, 1),
      finishedAt: Date.UTC(2026, 0, 1, 0, 0, 1),
      outcome: { status: 'failure', summary: 'could not connect to port 443: connect ECONNREFUSED', detail: null },
    });
  });
  after(async () => {
    await live?.close();
    catalog.cleanup();
  });

  test('lists checks and shows one, as text and JSON', async () => {
    const env = { ATRIUM_URL: live.url };
    const list = await run(['status'], env);
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, /^check:default\/api-health {2}failing {3}1\/2 locations failing\n$/);
    const one = await run(['status', 'default/api-health'], env);
    assert.match(one.out, /eu: failing, last run 2026-01-01T00:00:01.000Z, last failure .*ECONNREFUSED/);
    assert.match(one.out, /us: pending/);
    const json = JSON.parse((await run(['status', 'default/api-health', '--format', 'json'], env)).out);
    assert.equal(json.status, 'failing');
    assert.equal((await run(['status', '--status', 'passing'], env)).out, 'No checks.\n');
  });

  test('refuses bad usage and says when a check is unknown', async () => {
    const env = { ATRIUM_URL: live.url };
    assert.equal((await run([], env)).code, 64);
    assert.equal((await run(['status', 'no-slash'], env)).code, 64);
    assert.equal((await run(['status', '--status', 'broken'], env)).code, 64);
    assert.equal((await run(['status'], {})).code, 64, 'no server');
    const unknown = await run(['status', 'default/nope'], env);
    assert.equal(unknown.code, 65);
    assert.match(unknown.err, /No check check:default\/nope/);
  });

  test('maintenance: add with --for, list, remove; refusals exit 64 or 65', async () => {
    const token = (await live.server.tokens.create('ops', ['checks:write'], null)).token;
    const env = { ATRIUM_URL: live.url, ATRIUM_TOKEN: token };
    const start = new Date(Date.now() + 3_600_000).toISOString();
    const added = await run(
      [
        'maintenance',
        'add',
        'default/api-health',
        '--start',
        start,
        '--for',
        '2h',
        '--reason',
        'upgrade',
        '--format',
        'json',
      ],
      env,
    );
    assert.equal(added.code, 0, added.err);
    const window = JSON.parse(added.out) as { id: string; end: string; reason: string };
    assert.equal(Date.parse(window.end) - Date.parse(start), 7_200_000);
    const list = await run(['maintenance', 'list', 'default/api-health'], { ATRIUM_URL: live.url });
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, new RegExp(`^${window.id} +${start} → .*upgrade {2}by ops\n$`));
    assert.equal(
      (await run(['maintenance', 'remove', 'default/api-health', window.id], env)).out,
      `Removed maintenance window ${window.id}\n`,
    );
    assert.equal((await run(['maintenance', 'list', 'default/api-health'], env)).out, 'No maintenance windows.\n');
    const gone = await run(['maintenance', 'remove', 'default/api-health', window.id], env);
    assert.equal(gone.code, 65);
    assert.match(gone.err, /no maintenance window/);
    const backwards = await run(
      ['maintenance', 'add', 'default/api-health', '--start', start, '--end', '2020-01-01T00:00:00Z'],
      env,
    );
    assert.equal(backwards.code, 65);
    assert.match(backwards.err, /ends before it starts/);
    for (const args of [
      ['maintenance'],
      ['maintenance', 'pause', 'default/api-health'],
      ['maintenance', 'add', 'default/api-health'],
      ['maintenance', 'add', 'default/api-health', '--for', '2h', '--end', start],
      ['maintenance', 'add', 'default/api-health', '--for', 'forever'],
      ['maintenance', 'add', 'no-slash', '--for', '2h'],
      ['maintenance', 'remove', 'default/api-health'],
      ['maintenance', 'remove', 'default/api-health', '1;2'],
      ['maintenance', 'list', 'default/api-health', 'extra'],
    ])
      assert.equal((await run(args, env)).code, 64, args.join(' '));
    assert.equal(
      (await run(['maintenance', 'add', 'default/api-health', '--for', '2h'], { ATRIUM_URL: live.url })).code,
      64,
      'no token',
    );
  });
});
