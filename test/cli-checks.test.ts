import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CommandIO } from '../src/cli/io.ts';
import { main } from '../src/main.ts';
import { component, tempCatalog } from './support/catalog.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

/** `atrium checks status` against a real server: the list, one check, bad names and unknown checks. */

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
});
