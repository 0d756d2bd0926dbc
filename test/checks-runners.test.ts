import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { checkExecutor } from '../src/checks/check-executor.ts';
import { silentLogger } from '../src/platform/log.ts';
import { RunnerAgent } from '../src/runners/agent.ts';
import { inProcessTransport } from '../src/runners/transport.ts';
import { component, tempCatalog } from './support/catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { json, loopbackServer } from './support/loopback.ts';
import { useTestServer } from './support/test-server.ts';

/**
 * Checks through the runners, end to end: the server orders a round per location (a second
 * replica ordering the same round adds nothing), a real `atrium runner` process at `eu` and
 * two embedded runners at `us` and `ap` lease the orders and run them against a loopback
 * target, and the outcomes move the check: 2 of 3 locations failing with k = 2 is failing
 * (one alert), all passing the next round resolves it. A check aimed at the metadata address
 * is refused by every runner although loopback is allowed.
 */

const ENTRY = fileURLToPath(new URL('./support/runner-main.ts', import.meta.url));
const REPO = fileURLToPath(new URL('..', import.meta.url));
const T0 = Date.parse('2026-12-07T12:00:00Z');

async function until<T>(what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** A target whose first `failures` requests of a round answer 503, the rest 200. */
let failures = 0;
const target = http.createServer((_req, res) => {
  if (failures > 0) {
    failures--;
    res.statusCode = 503;
    res.end('overloaded');
  } else res.end('{"status":"up"}');
});
await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
const targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/healthz`;
const pd = await loopbackServer(json(202, { status: 'success', message: 'Event processed' }));
const check = (name: string, lines: string[]) =>
  ['---', 'apiVersion: atrium.dev/v1', 'kind: Check', `metadata: { name: ${name} }`, 'spec:', ...lines].join('\n');
const catalog = tempCatalog({
  'catalog-info.yaml': [
    component('api', { owner: 'platform' }),
    '---',
    'apiVersion: backstage.io/v1alpha1',
    'kind: Group',
    'metadata: { name: platform, annotations: { atrium.dev/notification-receivers: pagerduty } }',
    'spec: { type: team, children: [] }',
    check('api-health', [
      '  service: api',
      '  type: http',
      '  interval: 30s',
      '  timeout: 5s',
      '  locations: [eu, us, ap]',
      '  failingLocations: 2',
      `  http: { url: "${targetUrl}", assertions: ["status == 200", "json.status == up"] }`,
    ]),
    check('metadata', [
      '  service: api',
      '  type: http',
      '  interval: 30s',
      '  locations: [us]',
      '  http: { url: "http://169.254.169.254/latest/meta-data/" }',
    ]),
    '',
  ].join('\n'),
});
after(async () => {
  target.close();
  await pd.close();
  catalog.cleanup();
});

describeEachDatabase('checks on runners', (dialect) => {
  const clock = { now: T0 };
  const fixture = useTestServer(dialect, {
    catalog: catalog.dir,
    listen: true,
    now: () => new Date(clock.now),
    receivers: [{ name: 'pagerduty', type: 'pagerduty', url: `${pd.url}/v2/enqueue`, secret: 'r'.repeat(32) }],
    runnerLongPollMs: 200,
  });
  const agents: RunnerAgent[] = [];
  let child: ChildProcessWithoutNullStreams | undefined;
  before(async () => {
    clock.now = T0;
    const token = (await fixture.server.tokens.create('runners', ['runner'], null)).token;
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        ENTRY,
        '--server',
        fixture.url,
        '--location',
        'eu',
        '--name',
        'eu-1',
        '--allow-private-target',
        '127.0.0.1',
      ],
      { cwd: REPO, env: { ...process.env, ATRIUM_TOKEN: token, ATRIUM_LOG_LEVEL: 'warn' }, stdio: 'pipe' },
    );
    for (const location of ['us', 'ap']) {
      const agent = new RunnerAgent({
        name: `${location}-1`,
        version: 'test',
        settings: {
          location,
          tags: [],
          allowedPrivateTargets: ['127.0.0.1'],
          allowedCommands: [],
          allowedWorkingDirectories: [],
          allowedEnvironment: [],
        },
        concurrency: 2,
        transport: inProcessTransport(fixture.server.runners),
        executors: [checkExecutor()],
        logger: silentLogger(),
      });
      agents.push(agent);
      void agent.run();
    }
  });

  const status = async (name: string) =>
    (await (await fixture.server.app.request(`/api/v1/checks/default/${name}`)).json()) as {
      status: string;
      locations: { location: string; status: string; lastRunAt: string | null; lastFailureReason: string | null }[];
    };
  /** Waits until every location of `name` has run at `round` (its lastRunAt inside the round). */
  const roundDone = (name: string, roundMs: number) =>
    until(`${name}'s round`, 30_000, async () => {
      const s = await status(name);
      return s.locations.every((l) => l.lastRunAt !== null && Date.parse(l.lastRunAt) >= roundMs) ? s : undefined;
    });

  test('a round per location, run by three runners: 2 of 3 failing is failing, then all pass', async (t) => {
    // Before the server closes: the runners stop first.
    t.after(async () => {
      await Promise.all(agents.map((a) => a.stop(2000)));
      agents.length = 0;
      child?.kill('SIGKILL');
    });
    failures = 2;
    assert.equal(await fixture.server.checks.schedule(), 4, 'three locations of api-health, one of metadata');
    const replica = await fixture.replica();
    assert.equal(await replica.checks.schedule(), 0, 'another replica ordering the same round adds nothing');
    const first = await roundDone('api-health', T0);
    assert.equal(first.status, 'failing');
    assert.equal(first.locations.filter((l) => l.status === 'failing').length, 2);
    assert.match(
      first.locations.find((l) => l.status === 'failing')?.lastFailureReason ?? '',
      /status == 200 failed: saw 503/,
    );
    const refused = await roundDone('metadata', T0);
    assert.equal(refused.status, 'failing');
    assert.match(
      refused.locations[0]?.lastFailureReason ?? '',
      /^refused: 169\.254\.169\.254 resolves to 169\.254\.169\.254/,
    );
    const outbox = async () =>
      (await fixture.server.outbox.recentFor('check:default/api-health', 10)).map((e) => e.message.action).reverse();
    assert.deepEqual(await outbox(), ['trigger']);
    const runners = (await fixture.server.runners.runners()).map((r) => `${r.name}@${r.location}`).sort();
    assert.deepEqual(runners, ['ap-1@ap', 'eu-1@eu', 'us-1@us']);

    clock.now = T0 + 30_000;
    failures = 0;
    assert.equal(await fixture.server.checks.schedule(), 4);
    const second = await roundDone('api-health', T0 + 30_000);
    assert.equal(second.status, 'passing');
    assert.deepEqual(await outbox(), ['trigger', 'resolve']);
    const results = (await (
      await fixture.server.app.request('/api/v1/checks/default/api-health/results?limit=10')
    ).json()) as {
      items: { runner?: string; timings?: { connect?: number; total: number } }[];
    };
    assert.equal(results.items.length, 6);
    assert.ok(results.items.every((r) => r.timings && r.timings.total > 0));
    assert.deepEqual([...new Set(results.items.map((r) => r.runner))].sort(), ['ap-1', 'eu-1', 'us-1']);
  });
});
