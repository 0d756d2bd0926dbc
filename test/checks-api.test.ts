import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FinishedRun, WorkOutcome } from '../src/runners/model.ts';
import type { SloDefinition } from '../src/slo/model.ts';
import { component, tempCatalog } from './support/catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { json, loopbackServer } from './support/loopback.ts';
import { useTestServer } from './support/test-server.ts';

/**
 * Checks end to end on both databases: run outcomes (as the runners hand them over, inside
 * their transaction) move locations and the check through pending, degraded (fewer than k
 * of n failing), failing (k of n) and back; the owner's receivers get one trigger and one
 * resolve; a maintenance window holds the alert but keeps the data; status changes reach
 * the service timeline once; the API answers status, locations and paged results; SLOs of
 * type `checks` read the runs; the service page shows the checks.
 */

const START = Date.parse('2026-03-10T12:00:00.000Z');
let nowMs = START;
const pd = await loopbackServer(json(202, { status: 'success', message: 'Event processed' }));
const check = (name: string, lines: string[]) =>
  ['---', 'apiVersion: atrium.dev/v1', 'kind: Check', `metadata: { name: ${name} }`, 'spec:', ...lines].join('\n');
const catalog = tempCatalog({
  'catalog-info.yaml': [
    component('shipment-service', { owner: 'logistics' }),
    '---',
    'apiVersion: backstage.io/v1alpha1',
    'kind: Group',
    'metadata:',
    '  name: logistics',
    '  annotations: { atrium.dev/notification-receivers: pagerduty }',
    'spec: { type: team, children: [] }',
    check('shipments-health', [
      '  service: component:shipment-service',
      '  type: http',
      '  interval: 30s',
      '  locations: [a, b, c, d, e]',
      '  failingLocations: 3',
      '  http: { url: "https://shipments.internal/healthz", assertions: ["status == 200"] }',
      '  degradedResponseTime: 300ms',
      '  maxResponseTime: 2s',
    ]),
    check('login-page', [
      '  service: shipment-service',
      '  type: http',
      '  interval: 1m',
      '  http: { url: "https://shop.example/login" }',
      '  maintenance: [{ start: "2026-03-10T11:00:00Z", end: "2026-03-10T13:00:00Z", reason: database upgrade }]',
    ]),
    check('retry-elsewhere', [
      '  service: shipment-service',
      '  type: http',
      '  interval: 1m',
      '  locations: [a, b]',
      '  retries: { count: 1, sameLocation: false, delay: 1s }',
      '  http: { url: "https://shop.example/" }',
    ]),
    '',
  ].join('\n'),
});
after(async () => {
  await pd.close();
  catalog.cleanup();
});

const HEALTH = 'check:default/shipments-health';
const LOGIN = 'check:default/login-page';
const success = (responseTimeMs: number): WorkOutcome => ({
  status: 'success',
  summary: `status 200 in ${responseTimeMs} ms`,
  detail: { responseTimeMs, timings: { total: responseTimeMs }, assertions: [], attempts: 1 },
});
const failure: WorkOutcome = {
  status: 'failure',
  summary: 'status == 200 failed: saw 503',
  detail: {
    responseTimeMs: 40,
    timings: { total: 40 },
    assertions: [{ assertion: 'status == 200', passed: false, actual: '503' }],
    excerpt: 'upstream down',
    attempts: 1,
  },
};

describeEachDatabase('checks API', (dialect) => {
  const fixture = useTestServer(dialect, {
    catalog: catalog.dir,
    now: () => new Date(nowMs),
    receivers: [{ name: 'pagerduty', type: 'pagerduty', url: `${pd.url}/v2/enqueue`, secret: 'r'.repeat(32) }],
  });
  before(() => {
    nowMs = START;
  });
  let runs = 0;
  /** A finished run of `key` at `location` in the round `round` (its index), as the runners hand it over. */
  async function report(
    key: string,
    location: string,
    round: number,
    outcome: WorkOutcome,
    runId = `run-${++runs}`,
    suffix = '',
  ) {
    const interval = key === HEALTH ? 30_000 : 60_000;
    const roundMs = START + round * interval;
    const run: FinishedRun = {
      runId,
      kind: 'check',
      subject: key,
      dedupKey: `${key}@${location}@${roundMs}${suffix}`,
      location,
      runner: `runner-${location}`,
      runnerLocation: location,
      attempt: 1,
      startedAt: roundMs + 100,
      finishedAt: roundMs + 200,
      outcome,
    };
    await fixture.database.db.transaction().execute((trx) => fixture.server.checks.recordOutcome(run, trx));
  }
  const status = async (name: string) => {
    const res = await fixture.server.app.request(`/api/v1/checks/default/${name}`);
    assert.equal(res.status, 200);
    return (await res.json()) as {
      status: string;
      locations: { location: string; status: string; lastRunAt: string | null }[];
    };
  };
  const outbox = async (key: string) =>
    (await fixture.server.outbox.recentFor(key, 10)).map((e) => `${e.message.action} ${e.dedupKey}`).reverse();

  test('pending before any run, with every location named', async () => {
    const s = await status('shipments-health');
    assert.equal(s.status, 'pending');
    assert.deepEqual(
      s.locations.map((l) => `${l.location} ${l.status} ${l.lastRunAt}`),
      ['a pending null', 'b pending null', 'c pending null', 'd pending null', 'e pending null'],
    );
  });

  test('k of n: 2 of 5 failing is degraded, 3 of 5 failing, all passing again resolves', async () => {
    await report(HEALTH, 'a', 0, failure);
    await report(HEALTH, 'b', 0, failure);
    await report(HEALTH, 'c', 0, success(500));
    await report(HEALTH, 'd', 0, success(100));
    await report(HEALTH, 'e', 0, success(100));
    let s = await status('shipments-health');
    assert.equal(s.status, 'degraded');
    assert.deepEqual(
      s.locations.map((l) => l.status),
      ['failing', 'failing', 'degraded', 'passing', 'passing'],
    );
    assert.deepEqual(await outbox(HEALTH), [], 'degraded pages nobody');
    await report(HEALTH, 'c', 1, success(2500)); // slower than maxResponseTime: failing
    s = await status('shipments-health');
    assert.equal(s.status, 'failing');
    assert.deepEqual(await outbox(HEALTH), [`trigger ${HEALTH}:failing`]);
    // The same run reported again (two runners, a retried report) changes nothing.
    await report(HEALTH, 'c', 1, success(100), `run-${runs}`);
    assert.equal((await status('shipments-health')).status, 'failing');
    for (const l of ['a', 'b', 'c']) await report(HEALTH, l, 2, success(100));
    assert.equal((await status('shipments-health')).status, 'passing');
    assert.deepEqual(await outbox(HEALTH), [`trigger ${HEALTH}:failing`, `resolve ${HEALTH}:failing`]);
    const list = (await (await fixture.server.app.request('/api/v1/checks?status=passing')).json()) as {
      items: { key: string }[];
      total: number;
    };
    assert.deepEqual(
      list.items.map((i) => i.key),
      [HEALTH],
    );
  });

  test('the list a page at a time: each page is that slice of the whole list in name order, with statuses, and the total', async () => {
    type Page = { items: { key: string; status: string }[]; total: number };
    const page = async (query: string) => {
      const res = await fixture.server.app.request(`/api/v1/checks?${query}`);
      assert.equal(res.status, 200, query);
      return (await res.json()) as Page;
    };
    const whole = await page('limit=500');
    assert.ok(whole.total >= 2 && whole.items.length === whole.total, JSON.stringify(whole));
    assert.deepEqual(
      whole.items.map((i) => i.key),
      [...whole.items.map((i) => i.key)].sort(),
    );
    for (let offset = 0; offset <= whole.total; offset++) {
      const one = await page(`limit=1&offset=${offset}`);
      assert.equal(one.total, whole.total);
      assert.deepEqual(one.items, whole.items.slice(offset, offset + 1), `offset ${offset}`);
    }
    const passing = await page('status=passing&limit=1');
    assert.equal(passing.total, whole.items.filter((i) => i.status === 'passing').length);
  });

  test('a maintenance window keeps the data and holds the alert', async () => {
    nowMs = START + 5 * 60_000;
    await report(LOGIN, 'local', 0, failure);
    const s = await status('login-page');
    assert.equal(s.status, 'failing');
    assert.equal(s.locations[0]?.lastRunAt, new Date(START + 200).toISOString());
    assert.deepEqual(await outbox(LOGIN), []);
    const body = (await (await fixture.server.app.request('/api/v1/checks/default/login-page')).json()) as {
      inMaintenance: boolean;
    };
    assert.equal(body.inMaintenance, true);
  });

  test('a failing run retried at another location: the retry decides the location', async () => {
    const key = 'check:default/retry-elsewhere';
    await report(key, 'a', 0, failure);
    assert.equal((await status('retry-elsewhere')).locations[0]?.status, 'pending', 'waiting for the retry');
    const [order] = await fixture.server.runners.unfinished(key);
    assert.equal(order?.dedupKey, `${key}@a@${START}#retry1`);
    await report(key, 'a', 0, success(80), undefined, '#retry1');
    const s = await status('retry-elsewhere');
    assert.deepEqual(
      s.locations.map((l) => `${l.location} ${l.status}`),
      ['a passing', 'b pending'],
    );
    // The retry failing too, with no retries left: the location fails.
    await report(key, 'b', 1, failure);
    await report(key, 'b', 1, failure, undefined, '#retry1');
    assert.equal((await status('retry-elsewhere')).locations[1]?.status, 'failing');
  });

  test('status changes reach the service timeline once', async () => {
    assert.equal(await fixture.server.checks.publishTransitions(), 7);
    assert.equal(await fixture.server.checks.publishTransitions(), 0);
    const timeline = await fixture.server.changes.timeline(
      'component:default/shipment-service',
      { kinds: ['alert'] },
      50,
    );
    const summaries = timeline.map((e) => e.summary);
    // a and b recovered one round apart, so shipments-health went failing, degraded, passing.
    assert.deepEqual([...summaries].sort(), [
      'Check login-page failing (was pending): status == 200 failed: saw 503',
      'Check retry-elsewhere failing (was passing): status == 200 failed: saw 503',
      'Check retry-elsewhere passing (was pending)',
      'Check shipments-health degraded (was failing): status == 200 failed: saw 503',
      'Check shipments-health degraded (was pending): status == 200 failed: saw 503',
      'Check shipments-health failing (was degraded): status == 200 failed: saw 503',
      'Check shipments-health passing (was degraded)',
    ]);
  });

  test('results: newest first, paged by cursor, with failure details; bad cursors and unknown checks refused', async () => {
    const first = (await (
      await fixture.server.app.request(`/api/v1/checks/default/shipments-health/results?limit=4`)
    ).json()) as {
      items: { location: string; status: string; excerpt?: string; error?: string; runner?: string }[];
      next?: string;
    };
    assert.equal(first.items.length, 4);
    assert.ok(first.next);
    const second = (await (
      await fixture.server.app.request(`/api/v1/checks/default/shipments-health/results?limit=100&before=${first.next}`)
    ).json()) as typeof first;
    assert.equal(first.items.length + second.items.length, 9);
    assert.equal(second.next, undefined);
    const failed = [...first.items, ...second.items].filter((r) => r.status === 'failing');
    assert.equal(failed.length, 3);
    assert.ok(failed.some((f) => f.excerpt === 'upstream down' && f.error === 'status == 200 failed: saw 503'));
    assert.ok(failed.some((f) => f.error === 'response time 2500 ms above maxResponseTime 2000 ms'));
    for (const bad of ['x', '1.', '1.a b', `${'9'.repeat(16)}.x`]) {
      const res = await fixture.server.app.request(
        `/api/v1/checks/default/shipments-health/results?before=${encodeURIComponent(bad)}`,
      );
      assert.equal(res.status, 400, bad);
    }
    assert.equal((await fixture.server.app.request('/api/v1/checks/default/nope')).status, 404);
    assert.equal((await fixture.server.app.request('/api/v1/checks/default/nope/results')).status, 404);
    assert.equal((await fixture.server.app.request('/api/v1/checks?status=broken')).status, 400);
  });

  test('an SLO of type checks reads good (passing and degraded) and total runs', async () => {
    const slo: SloDefinition = {
      key: 'slo:default/shipments-checks',
      namespace: 'default',
      name: 'shipments-checks',
      service: 'component:default/shipment-service',
      owner: '',
      objective: '99',
      window: { kind: 'rolling', days: 30 },
      indicator: { type: 'checks', checks: ['shipments-health'] },
      alerting: { pairs: [], minEvents: 1 },
    };
    const m = await fixture.server.checks.sloSource().measure(slo, ['5m', 'slo'], new Date(START + 10 * 60_000));
    assert.deepEqual(m, { state: 'ok', windows: { slo: { good: 6, total: 9 } } });
    const none = await fixture.server.checks
      .sloSource()
      .measure({ ...slo, indicator: { type: 'checks', checks: ['other'] } }, ['slo'], new Date(START));
    assert.equal(none.state, 'no-data');
  });

  test('the service page lists its checks with each location and the last failure', async () => {
    const page = await (await fixture.server.app.request('/catalog/default/component/shipment-service/')).text();
    assert.match(page, /<h2 id="checks">Checks<\/h2>/);
    assert.match(page, /3 checks: 2 failing\./);
    assert.match(page, /Last failure .* at local: <span class="check-reason">status == 200 failed: saw 503<\/span>/);
    const checkPage = await (await fixture.server.app.request('/catalog/default/check/shipments-health/')).text();
    assert.match(checkPage, /Recent rounds by location/);
    assert.match(checkPage, /Mean response time per hour/);
    assert.match(checkPage, /upstream down/);
  });

  test('a page of the list answered from memory still shows a failure recorded here at once', async () => {
    type Page = { items: { key: string; locations: { location: string; lastFailureAt: string | null }[] }[] };
    const failureAt = async () => {
      const res = await fixture.server.app.request('/api/v1/checks?limit=50');
      assert.equal(res.status, 200);
      const login = ((await res.json()) as Page).items.find((i) => i.key === LOGIN);
      return login?.locations.find((l) => l.location === 'local')?.lastFailureAt;
    };
    const before = await failureAt();
    assert.equal(await failureAt(), before, 'asked again: the same answer');
    await report(LOGIN, 'local', 30, failure);
    const after = await failureAt();
    assert.notEqual(after, before);
    assert.equal(after, new Date(START + 30 * 60_000 + 200).toISOString());
  });
});
