import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { component, tempCatalog } from './support/catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { json, loopbackServer } from './support/loopback.ts';
import { useTestServer } from './support/test-server.ts';

/**
 * The SLO API end to end: pushed events (refusals, idempotency), evaluation with an injected
 * clock firing then resolving a page alert with exactly one notification each, one cycle per
 * replica set, and the outbox row written with the alert's change. Alert transitions go on
 * the service's timeline in the evaluation's transaction (both or neither, once), and other
 * replicas learn of each evaluated cycle.
 */

const START = Date.parse('2026-03-10T12:00:00.000Z');
let nowMs = START;
const pd = await loopbackServer(json(202, { status: 'success', message: 'Event processed' }));
const catalog = tempCatalog({
  'catalog-info.yaml': [
    // A runbook kept as a file of the catalog: linked through the portal's public URL.
    component('shipment-service', { owner: 'logistics' }).replace(
      'metadata:\n',
      'metadata:\n  annotations: { atrium.dev/runbook: docs/runbook.md }\n',
    ),
    '---',
    'apiVersion: backstage.io/v1alpha1',
    'kind: Group',
    'metadata:',
    '  name: logistics',
    '  annotations: { atrium.dev/page-receiver: pagerduty }',
    'spec: { type: team, children: [] }',
    '---',
    'apiVersion: atrium.dev/v1',
    'kind: SLO',
    'metadata: { name: shipments-availability }',
    'spec:',
    '  service: component:shipment-service',
    '  objective: 99.9',
    '  window: 30d',
    '  indicator: { events: {} }',
    '---',
    'apiVersion: atrium.dev/v1',
    'kind: SLO',
    'metadata: { name: shipments-latency }',
    'spec:',
    '  service: shipment-service',
    '  objective: "99"',
    '  window: 28d',
    '  indicator: { latency: { metric: http_request_duration_seconds, threshold: 300ms } }',
    '',
  ].join('\n'),
});
after(async () => {
  await pd.close();
  catalog.cleanup();
});

const PATH = '/api/v1/slos/default/shipments-availability/events';

describeEachDatabase('SLO API', (dialect) => {
  const fixture = useTestServer(dialect, {
    catalog: catalog.dir,
    now: () => new Date(nowMs),
    receivers: [{ name: 'pagerduty', type: 'pagerduty', url: `${pd.url}/v2/enqueue`, secret: 'r'.repeat(32) }],
    replica: 'replica-a',
    publicUrl: 'https://atrium.example.com/portal',
  });
  let token = '';
  let wrongScope = '';
  before(async () => {
    nowMs = START;
    token = (await fixture.server.tokens.create('shipments-ci', ['slis:write'], null)).token;
    wrongScope = (await fixture.server.tokens.create('deployer', ['deployments:write'], null)).token;
  });
  const post = (body: unknown, headers: Record<string, string> = {}, bearer = token, path = PATH) =>
    fixture.server.app.request(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const at = (minutesAgo: number) => new Date(nowMs - minutesAgo * 60_000).toISOString();
  /** `per` events a minute over the last `minutes`, `errors` of them failing. */
  const minutes = (n: number, per: number, errors: number) =>
    Array.from({ length: n }, (_, i) => ({ at: at(i), good: per - errors, total: per }));
  /** The alert changes on the shipment service's timeline, newest first. */
  const alertChanges = async () =>
    (await fixture.server.changes.timeline('component:default/shipment-service', { kinds: ['alert'] }, 100)).map(
      (e) => `${e.at} ${e.summary}`,
    );
  const errorsOf = async (res: Response) => ((await res.json()) as { errors?: { field: string }[] }).errors ?? [];

  test('refuses bad pushes with clear errors and writes nothing', async () => {
    assert.equal((await post({ events: minutes(1, 10, 0) }, {}, 'atrium_nope')).status, 401);
    assert.equal((await post({ events: minutes(1, 10, 0) }, {}, wrongScope)).status, 403);
    assert.equal((await post('{"events": [')).status, 400);
    const over = await post({ events: [{ at: at(0), good: 11, total: 10 }] });
    assert.equal(over.status, 400);
    assert.deepEqual(
      (await errorsOf(over)).map((e) => e.field),
      ['events.0.good'],
    );
    for (const bad of [
      { events: [{ at: at(0), good: -1, total: 10 }] },
      { events: [{ at: at(0), good: 1.5, total: 10 }] },
      { events: [{ at: 'yesterday', good: 1, total: 10 }] },
      { events: [] },
      { events: Array.from({ length: 10_001 }, () => ({ at: at(0), good: 1, total: 1 })) },
    ])
      assert.equal((await post(bad)).status, 400, JSON.stringify(bad).slice(0, 80));
    assert.equal((await post(`{"events":[${'{"at":"x","good":1,"total":1},'.repeat(80_000)}]}`)).status, 413);
    const future = await post({ events: [{ at: new Date(nowMs + 10 * 60_000).toISOString(), good: 1, total: 1 }] });
    assert.equal(future.status, 422);
    assert.deepEqual(
      (await errorsOf(future)).map((e) => e.field),
      ['events.0.at'],
    );
    assert.equal((await post({ events: [{ at: at(61 * 24 * 60), good: 1, total: 1 }] })).status, 422, 'past retention');
    assert.equal(
      (await post({ events: minutes(1, 1, 0) }, {}, token, '/api/v1/slos/default/nowhere/events')).status,
      404,
    );
    assert.equal(
      (await post({ events: minutes(1, 1, 0) }, {}, token, '/api/v1/slos/default/shipments-latency/events')).status,
      409,
    );
    const status = await fixture.server.slos.store.windowSums([{ id: 'all', start: 0 }], nowMs + 60_000);
    assert.equal(status.size, 0, 'nothing was written');
  });

  test('NUL bytes and control characters in paths, queries, bodies and headers are a 400, never a 500', async () => {
    const get = (path: string) => fixture.server.app.request(path);
    const probes: [string, Response | Promise<Response>][] = [];
    for (const bad of ['%00', 'a%00b', '%01', '%1F', '%7F', 'a%0Ab', '%C2%85'])
      probes.push(
        [`GET /slos?service=${bad}`, get(`/api/v1/slos?service=${bad}`)],
        [`GET /slos?service=component:default/${bad}`, get(`/api/v1/slos?service=component:default/${bad}`)],
        [`GET /slos?owner=group:${bad}/x`, get(`/api/v1/slos?owner=group:${bad}/x`)],
        [`GET /slos/default/${bad}`, get(`/api/v1/slos/default/${bad}`)],
        [`GET /slos/${bad}/shipments-availability`, get(`/api/v1/slos/${bad}/shipments-availability`)],
        [
          `POST /slos/default/${bad}/events`,
          post({ events: minutes(1, 1, 0) }, {}, token, `/api/v1/slos/default/${bad}/events`),
        ],
        [`GET /alerts?state=${bad}`, get(`/api/v1/alerts?state=${bad}`)],
      );
    probes.push(
      // JSON.stringify writes the NUL as \u0000: it parses, and the time is refused.
      ['POST an escaped NUL in at', post({ events: [{ at: `${at(0)}\u0000`, good: 1, total: 1 }] })],
      ['POST an escaped NUL in the field name', post(JSON.stringify({ 'ev\u0000ents': minutes(1, 1, 0) }))],
      ['POST a raw NUL byte', post(`{"events":[{"at":"${at(0)}","good":1,"total":1}]}\u0000`)],
      ['POST a raw NUL byte in a string', post(`{"events":[{"at":"${at(0)}\u0000","good":1,"total":1}]}`)],
      [
        'POST a control character in the Idempotency-Key',
        post({ events: minutes(1, 1, 0) }, { 'idempotency-key': 'a\u0001b' }),
      ],
    );
    for (const [what, response] of probes) {
      const res = await response;
      assert.equal(res.status, 400, `${what}: ${res.status} ${await res.text()}`);
      assert.equal(res.headers.get('content-type'), 'application/problem+json', what);
    }
    const status = await fixture.server.slos.store.windowSums([{ id: 'all', start: 0 }], nowMs + 60_000);
    assert.equal(status.size, 0, 'nothing was written');
  });

  test('an Idempotency-Key replays and adds nothing twice', async () => {
    const body = { events: [{ at: at(100), good: 7, total: 7 }] };
    const first = await post(body, { 'idempotency-key': 'push-1' });
    assert.equal(first.status, 202);
    assert.deepEqual(await first.json(), { slo: 'slo:default/shipments-availability', accepted: 1 });
    const again = await post(body, { 'idempotency-key': 'push-1' });
    assert.equal(again.status, 202);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(
      (await post({ events: [{ at: at(100), good: 6, total: 7 }] }, { 'idempotency-key': 'push-1' })).status,
      422,
    );
    const sums = await fixture.server.slos.store.windowSums([{ id: 'all', start: 0 }], nowMs + 60_000);
    assert.deepEqual(sums.get('slo:default/shipments-availability')?.get('all'), { good: 7, total: 7 });
  });

  test('a burn fires one page with one notification; recovery resolves it with one more', async () => {
    const slos = fixture.server.slos;
    // An hour at 2 % errors: burn 20 over 1h and 5m (above the page's 14.4), and over 1d
    // and 2h too (above the ticket's 3): the page and the ticket both fire.
    assert.equal((await post({ events: minutes(60, 1000, 20) })).status, 202);
    const fired = await slos.evaluate();
    assert.deepEqual(fired, { claimed: true, evaluated: 2, fired: 2, resolved: 0 });
    const status = (await (await fixture.server.app.request('/api/v1/slos/default/shipments-availability')).json()) as {
      objective: string;
      budgetRemaining: number;
      burnRates: Record<string, number | null>;
      alerts: { severity: string; state: string; since: string }[];
    };
    assert.deepEqual(
      (await alertChanges()).sort(),
      [
        `${new Date(nowMs).toISOString()} Ticket alert firing: shipments-availability burns its error budget above 3× over 1d and 2h`,
        `${new Date(nowMs).toISOString()} Page alert firing: shipments-availability burns its error budget above 14.4× over 1h and 5m`,
      ].sort(),
      'both transitions on the service timeline, with the evaluation',
    );
    assert.equal(status.objective, '99.9');
    assert.ok(Math.abs((status.burnRates['1h'] ?? 0) - 20) < 1e-9, `1h burn ${status.burnRates['1h']}`);
    assert.ok(Math.abs((status.burnRates['5m'] ?? 0) - 20) < 1e-9);
    // 1,200 errors in 60,007 events: 1 − (1200/60007)/0.001 ≈ −18.997
    assert.ok(Math.abs(status.budgetRemaining - (1 - 1200 / 60_007 / 0.001)) < 1e-9);
    assert.deepEqual(
      status.alerts.map((a) => [a.severity, a.state, a.since]),
      [
        ['page', 'firing', new Date(nowMs).toISOString()],
        ['ticket', 'firing', new Date(nowMs).toISOString()],
      ],
    );
    let queued = await fixture.server.outbox.recentFor('slo:default/shipments-availability', 10);
    assert.deepEqual(
      queued.map((n) => [n.dedupKey, n.message.severity, n.status]).sort(),
      [
        ['atrium-slo/slo:default/shipments-availability/page', 'critical', 'queued'],
        ['atrium-slo/slo:default/shipments-availability/ticket', 'warning', 'queued'],
      ],
      'one notification per alert, queued with the change (nothing sent yet)',
    );

    nowMs += 30_000;
    assert.equal((await slos.evaluate()).fired, 0, 'still firing: no second page');
    const unchanged = (await (await fixture.server.app.request('/api/v1/slos/default/shipments-latency')).json()) as {
      dataState: string;
      evaluatedAt: string;
    };
    assert.deepEqual(
      [unchanged.dataState, unchanged.evaluatedAt],
      ['source-down', new Date(nowMs).toISOString()],
      'a status the cycle did not change (nor write) reads as of that cycle',
    );
    assert.equal((await fixture.server.outbox.recentFor('slo:default/shipments-availability', 10)).length, 2);
    const firing = (await (await fixture.server.app.request('/api/v1/alerts?state=firing')).json()) as {
      items: { slo: string; severity: string }[];
    };
    assert.deepEqual(
      firing.items.map((a) => [a.slo, a.severity]),
      [
        ['slo:default/shipments-availability', 'page'],
        ['slo:default/shipments-availability', 'ticket'],
      ],
    );

    // Delivered once to the loopback PagerDuty; a second delivery run sends nothing more.
    const before = pd.received.length;
    assert.equal(await fixture.server.outbox.deliverDue(), 2);
    assert.equal(await fixture.server.outbox.deliverDue(), 0);
    assert.equal(pd.received.length, before + 2);
    // Links under the public URL: the SLO's page, and the service's runbook page for a runbook file.
    const { links } = JSON.parse(pd.received.at(-1)?.body ?? '{}') as { links?: { href: string; text: string }[] };
    assert.deepEqual(
      links?.map((l) => l.href),
      [
        'https://atrium.example.com/portal/catalog/default/slo/shipments-availability/',
        'https://atrium.example.com/portal/catalog/default/component/shipment-service/runbook/',
      ],
    );

    // Forty clean minutes: the 5m and 30m windows recover, so both page pairs stop and the page
    // resolves; the ticket's 2h window (1,200 errors in 100,007 events: burn 12) still burns.
    nowMs += 40 * 60_000;
    assert.equal((await post({ events: minutes(40, 1000, 0) })).status, 202);
    assert.deepEqual(await slos.evaluate(), { claimed: true, evaluated: 2, fired: 0, resolved: 1 });
    queued = await fixture.server.outbox.recentFor('slo:default/shipments-availability', 10);
    assert.equal(queued.length, 3);
    assert.equal(queued[0]?.message.details.state, 'resolved');
    assert.equal(queued[0]?.dedupKey, 'atrium-slo/slo:default/shipments-availability/page', 'the page’s own key');
    const history = await slos.alertHistory('slo:default/shipments-availability', 10);
    assert.deepEqual(
      history.map((h) => `${h.severity} ${h.state}`),
      ['page resolved', 'ticket firing', 'page firing'],
    );
    const latency = await slos.status('slo:default/shipments-latency');
    assert.equal(latency?.dataState, 'source-down');
    assert.match(latency?.detail ?? '', /No Prometheus/);
  });

  test('two replicas on one database run each cycle once', async () => {
    const other = await fixture.replica();
    nowMs += 60_000;
    const results = await Promise.all([fixture.server.slos.evaluate(), other.slos.evaluate()]);
    assert.equal(results.filter((r) => r.claimed).length, 1);
    nowMs += 60_000;
    const next = await Promise.all([fixture.server.slos.evaluate(), other.slos.evaluate()]);
    assert.equal(next.filter((r) => r.claimed).length, 1, 'the next cycle runs once too');
  });

  test('lists SLOs by service and owner, worst budget first', async () => {
    const res = await fixture.server.app.request('/api/v1/slos?owner=group:logistics&limit=1');
    assert.equal(res.status, 200);
    const page = (await res.json()) as { items: { key: string }[]; total: number };
    assert.equal(page.total, 2);
    assert.deepEqual(
      page.items.map((s) => s.key),
      ['slo:default/shipments-availability'],
    );
    assert.equal((await fixture.server.app.request('/api/v1/slos?service=component:nowhere')).status, 404);
    assert.equal((await fixture.server.app.request('/api/v1/slos/default/nowhere')).status, 404);
  });

  test('an evaluation whose transaction fails leaves no alert and no change; the next cycle records each once', async () => {
    const slos = fixture.server.slos;
    const db = fixture.database.db;
    const pages = async () => (await alertChanges()).filter((c) => c.includes('Page alert firing'));
    const before = (await pages()).length;
    const queued = (await fixture.server.outbox.recentFor('slo:default/shipments-availability', 100)).length;
    // A new burn: an hour at 2 % errors, so the page (resolved above) fires again.
    nowMs += 3 * 60 * 60_000;
    assert.equal((await post({ events: minutes(60, 1000, 20) })).status, 202);
    // The timeline's table goes away mid-cycle: the change cannot be written, so nothing of the cycle is.
    await sql`ALTER TABLE change_events RENAME TO change_events_away`.execute(db);
    try {
      await assert.rejects(slos.evaluate());
    } finally {
      await sql`ALTER TABLE change_events_away RENAME TO change_events`.execute(db);
    }
    assert.equal(
      (await slos.status('slo:default/shipments-availability'))?.alerts.find((a) => a.severity === 'page')?.state,
      'resolved',
    );
    assert.equal((await fixture.server.outbox.recentFor('slo:default/shipments-availability', 100)).length, queued);
    assert.equal((await pages()).length, before);

    nowMs += 30_000;
    assert.equal((await slos.evaluate()).fired, 1, 'the retried cycle fires the page');
    assert.equal((await pages()).length, before + 1);
    assert.equal((await slos.evaluate()).claimed, false, 'the same cycle again is not run');
    nowMs += 30_000;
    assert.equal((await slos.evaluate()).fired, 0, 'still firing');
    const after = await pages();
    assert.equal(after.length, before + 1, 'the page is on the timeline exactly once');
    assert.equal(after[0]?.startsWith(new Date(nowMs - 30_000).toISOString()), true);
    assert.equal((await fixture.server.outbox.recentFor('slo:default/shipments-availability', 100)).length, queued + 1);
  });

  test('another replica learns each evaluated cycle from the database, once', async () => {
    const other = await fixture.replica();
    const seen: number[] = [];
    other.slos.onEvaluated((cycle) => seen.push(cycle));
    await other.slos.pollEvaluated();
    const start = seen.length;
    nowMs += 60_000;
    assert.equal((await fixture.server.slos.evaluate()).claimed, true);
    await other.slos.pollEvaluated();
    await other.slos.pollEvaluated();
    assert.deepEqual(seen.slice(start), [Math.floor(nowMs / 30_000)]);
  });
});
