import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FinishedRun, WorkOrder } from '../src/runners/model.ts';
import { describeEachDatabase } from './support/databases.ts';
import { expectSafePage } from './support/safe-page.ts';
import { useTestServer } from './support/test-server.ts';

/** The runner protocol through a real server on loopback: scopes, hostile bodies, the long poll, the list, the page, /metrics. */

const FIXTURE = fileURLToPath(new URL('./fixtures/notifications/', import.meta.url));
const T0 = Date.parse('2026-12-07T12:00:00Z');
const LEASE_MS = 5_000;
const LONG_POLL_MS = 300;

const order = (dedupKey: string, extra: Partial<WorkOrder> = {}): WorkOrder => ({
  kind: 'api-test',
  subject: 'check:default/api',
  dedupKey,
  tags: [],
  dueAt: T0,
  timeoutMs: 60_000,
  secrets: ['API_KEY'],
  payload: { url: 'https://example.test/' },
  ...extra,
});

describeEachDatabase('runner protocol over HTTP', (dialect) => {
  const clock = { now: T0 };
  const heard: FinishedRun[] = [];
  const fixture = useTestServer(dialect, {
    catalog: FIXTURE,
    listen: true,
    runnerNow: () => clock.now,
    runnerLeaseMs: LEASE_MS,
    runnerLongPollMs: LONG_POLL_MS,
    secrets: { API_KEY: 'sekret-api-key', OTHER: 'never-handed-out' },
  });
  let token = '';
  let reader = '';
  before(async () => {
    token = (await fixture.server.tokens.create('runner-eu', ['runner'], null)).token;
    reader = (await fixture.server.tokens.create('auditor', ['notifications:read'], null)).token;
    fixture.server.runners.handle({
      kind: 'api-test',
      async recorded(run) {
        heard.push(run);
      },
    });
  });

  const post = (path: string, body: string | object, auth = token, headers = {}) =>
    fetch(`${fixture.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const intro = (name: string, capacity = 5) => ({ name, location: 'eu', tags: ['linux'], version: '0.1.0', capacity });

  test('lease, renew and report: the outcome is recorded once, with the order’s secrets only', async () => {
    await fixture.server.runners.enqueue([order('happy')]);
    const leased = await post('/api/v1/runners/lease', intro('r-happy'));
    assert.equal(leased.status, 200);
    const { items } = (await leased.json()) as {
      items: { runId: string; leaseToken: string; secrets: object; leaseMs: number }[];
    };
    assert.equal(items.length, 1);
    const [run] = items;
    assert.ok(run);
    assert.deepEqual(run.secrets, { API_KEY: 'sekret-api-key' });
    assert.equal(run.leaseMs, LEASE_MS);
    const renewed = await post(`/api/v1/runners/runs/${run.runId}/renew`, {
      runner: 'r-happy',
      leaseToken: run.leaseToken,
    });
    assert.deepEqual(await renewed.json(), { state: 'leased', leaseExpiresAt: T0 + LEASE_MS });
    const outcome = { status: 'success', summary: 'status 200', detail: { ms: 12, excerpt: null } };
    const first = await post(`/api/v1/runners/runs/${run.runId}/result`, { leaseToken: run.leaseToken, outcome });
    assert.deepEqual(await first.json(), { state: 'recorded' });
    const again = await post(`/api/v1/runners/runs/${run.runId}/result`, { leaseToken: run.leaseToken, outcome });
    assert.deepEqual(await again.json(), { state: 'already-recorded' });
    assert.deepEqual(
      heard.filter((h) => h.dedupKey === 'happy').map((h) => [h.runner, h.outcome]),
      [['r-happy', outcome]],
    );
    const refused = await post(`/api/v1/runners/runs/${run.runId}/result`, { leaseToken: 'forged', outcome });
    assert.equal(refused.status, 409);
    assert.equal(((await refused.json()) as { code: string }).code, 'lease-refused');
  });

  test('the long poll answers none when no work comes, and at once when work is queued meanwhile', async () => {
    const started = performance.now();
    const empty = await post('/api/v1/runners/lease', {
      ...intro('r-poll'),
      tags: ['nothing-wants-this'],
      location: 'nowhere',
    });
    assert.deepEqual(await empty.json(), { items: [] });
    assert.ok(performance.now() - started >= LONG_POLL_MS - 50, 'it waited for the long poll');
    const waiting = post('/api/v1/runners/lease', { ...intro('r-poll'), location: 'ap' });
    // Queued while the request waits: the lease answers with it (a bounded wait: the long poll itself).
    setTimeout(() => void fixture.server.runners.enqueue([order('late', { location: 'ap' })]), 50);
    const { items } = (await (await waiting).json()) as { items: { payload: unknown }[] };
    assert.equal(items.length, 1);
  });

  test('without a token 401, without the runner scope 403, on every runner endpoint', async () => {
    const run = '00000000-0000-4000-8000-000000000000';
    const calls: [string, object][] = [
      ['/api/v1/runners/lease', intro('x')],
      [`/api/v1/runners/runs/${run}/renew`, { runner: 'x', leaseToken: 't' }],
      [
        `/api/v1/runners/runs/${run}/result`,
        { leaseToken: 't', outcome: { status: 'success', summary: '', detail: null } },
      ],
      [`/api/v1/runners/runs/${run}/release`, { leaseToken: 't' }],
      [
        '/api/v1/runners/results',
        { reports: [{ runId: run, leaseToken: 't', outcome: { status: 'success', summary: '', detail: null } }] },
      ],
    ];
    for (const [path, body] of calls) {
      assert.equal((await post(path, body, '')).status, 401, path);
      assert.equal((await post(path, body, reader)).status, 403, path);
      assert.equal((await post(path, body, 'atrium_notatoken')).status, 401, path);
    }
  });

  test('malformed, hostile and oversized bodies are refused with a problem, and nothing is leased or recorded', async () => {
    await fixture.server.runners.enqueue([order('hostile', { location: 'hostile' })]);
    const report = {
      runId: '00000000-0000-4000-8000-000000000000',
      leaseToken: 't',
      outcome: { status: 'success', summary: '', detail: null },
    };
    const bad: [string, string | object, number][] = [
      ['/api/v1/runners/lease', '{"name": "x"', 400],
      ['/api/v1/runners/lease', { ...intro('x'), location: 'hostile', extra: 1 }, 400],
      ['/api/v1/runners/lease', { ...intro('<script>'), location: 'hostile' }, 400],
      ['/api/v1/runners/lease', { ...intro('x'), location: 'hostile', capacity: 0 }, 400],
      ['/api/v1/runners/lease', { ...intro('x'), location: 'hostile', capacity: 1e9 }, 400],
      ['/api/v1/runners/lease', { ...intro('x'), location: 'hostile', tags: 'linux' }, 400],
      ['/api/v1/runners/lease', { ...intro('x'), location: 'hostile', tags: Array(51).fill('t') }, 400],
      ['/api/v1/runners/lease', `{"name":"${'x'.repeat(5000)}"}`, 413],
      ['/api/v1/runners/runs/not-a-run/renew', { runner: 'x', leaseToken: 't' }, 400],
      ['/api/v1/runners/runs/00000000-0000-4000-8000-000000000000/renew', { runner: 'x' }, 400],
      [
        '/api/v1/runners/runs/00000000-0000-4000-8000-000000000000/result',
        { leaseToken: 't', outcome: { status: 'passed', summary: '', detail: null } },
        400,
      ],
      [
        '/api/v1/runners/runs/00000000-0000-4000-8000-000000000000/result',
        { leaseToken: 't', outcome: { status: 'success', summary: 'x'.repeat(1001), detail: null } },
        400,
      ],
      [
        '/api/v1/runners/runs/00000000-0000-4000-8000-000000000000/result',
        { leaseToken: 't', outcome: { status: 'success', summary: '', detail: 'x'.repeat(300 * 1024) } },
        413,
      ],
      [
        '/api/v1/runners/runs/00000000-0000-4000-8000-000000000000/result',
        { leaseToken: 't', outcome: { status: 'success', summary: '', detail: null } },
        409,
      ],
      ['/api/v1/runners/results', { reports: [] }, 400],
      ['/api/v1/runners/results', { reports: Array(101).fill(report) }, 400],
      ['/api/v1/runners/results', { reports: [{ ...report, runId: '../../x' }] }, 400],
      ['/api/v1/runners/results', { reports: [{ ...report, extra: 1 }] }, 400],
      ['/api/v1/runners/results', { reports: report }, 400],
      [
        '/api/v1/runners/results',
        {
          reports: Array(20).fill({
            ...report,
            outcome: { status: 'success', summary: '', detail: 'x'.repeat(250 * 1024) },
          }),
        },
        413,
      ],
    ];
    for (const [path, body, status] of bad) {
      const res = await post(path, body);
      assert.equal(res.status, status, `${path} ${JSON.stringify(body).slice(0, 80)}`);
      assert.equal(res.headers.get('content-type'), 'application/problem+json');
    }
    const notUtf8 = await fetch(`${fixture.url}/api/v1/runners/lease`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
    });
    assert.equal(notUtf8.status, 400);
    assert.equal(
      (await fixture.server.runners.unfinished('check:default/api')).find((r) => r.dedupKey === 'hostile')?.state,
      'queued',
    );
  });

  test('reports together: each answered in order as alone, recorded once, a wrong token refused without failing the rest', async () => {
    await fixture.server.runners.enqueue([order('batch-1'), order('batch-2')]);
    const leased = await post('/api/v1/runners/lease', intro('r-batch', 2));
    const { items } = (await leased.json()) as { items: { runId: string; leaseToken: string }[] };
    const [a, b] = items;
    assert.ok(a && b);
    const outcome = { status: 'failure', summary: 'status == 200 failed: saw 503', detail: { ms: 40 } };
    const reports = [
      { runId: a.runId, leaseToken: a.leaseToken, outcome },
      { runId: b.runId, leaseToken: 'not-its-token', outcome },
    ];
    const first = await post('/api/v1/runners/results', { reports });
    assert.equal(first.status, 200);
    assert.deepEqual(await first.json(), { answers: [{ state: 'recorded' }, { state: 'refused' }] });
    reports[1] = { runId: b.runId, leaseToken: b.leaseToken, outcome };
    const again = await post('/api/v1/runners/results', { reports });
    assert.deepEqual(await again.json(), { answers: [{ state: 'already-recorded' }, { state: 'recorded' }] });
    assert.deepEqual(
      heard
        .filter((r) => r.dedupKey.startsWith('batch-'))
        .map((r) => [r.dedupKey, r.outcome.status])
        .sort(),
      [
        ['batch-1', 'failure'],
        ['batch-2', 'failure'],
      ],
    );
  });

  test('GET /api/v1/runners, the Runners page and /metrics show the runners and the queue', async () => {
    await post('/api/v1/runners/lease', { ...intro('page-runner-b'), location: 'us-east' });
    const list = (await (await fetch(`${fixture.url}/api/v1/runners`)).json()) as {
      items: { name: string; location: string; lastSeenAt: string; running: number }[];
    };
    const mine = list.items.find((r) => r.name === 'page-runner-b');
    assert.deepEqual(mine && { ...mine }, {
      name: 'page-runner-b',
      location: 'us-east',
      tags: ['linux'],
      version: '0.1.0',
      capacity: 5,
      lastSeenAt: new Date(T0).toISOString(),
      running: 0,
    });
    const page = await fixture.server.app.request('/runners/');
    assert.equal(page.status, 200);
    const body = await expectSafePage(page, '/runners/');
    assert.match(body, /page-runner-b/);
    assert.match(body, /<time datetime="2026-12-07T12:00:00.000Z" data-relative>/);
    await fixture.server.runners.expire();
    const metrics = await (await fetch(`${fixture.url}/metrics`)).text();
    assert.match(metrics, /atrium_runners\{location="us-east"\} 1/);
    assert.match(metrics, /atrium_runner_runs\{state="queued"\} \d+/);
    assert.match(metrics, /atrium_runner_lease_expiries \d+/);
    const doc = (await (await fetch(`${fixture.url}/api/openapi.json`)).json()) as { paths: Record<string, unknown> };
    for (const path of [
      '/api/v1/runners/lease',
      '/api/v1/runners/runs/{runId}/renew',
      '/api/v1/runners/runs/{runId}/result',
      '/api/v1/runners/runs/{runId}/release',
      '/api/v1/runners',
    ])
      assert.ok(doc.paths[path], path);
  });
});
