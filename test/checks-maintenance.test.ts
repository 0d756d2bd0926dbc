import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FinishedRun, WorkOutcome } from '../src/runners/model.ts';
import { component, tempCatalog } from './support/catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { json, loopbackServer } from './support/loopback.ts';
import { useTestServer } from './support/test-server.ts';

/**
 * Maintenance windows through the API, on both databases: added, listed beside the
 * catalog's and removed with a `checks:write` token and an Idempotency-Key; a window holds
 * the alert of a check failing in it but keeps its runs, exactly as a catalog window does,
 * and the alert goes out at the first failing run after it; hostile input is refused with
 * nothing written.
 */

const START = Date.parse('2026-03-10T12:00:00.000Z');
let nowMs = START;
const pd = await loopbackServer(json(202, { status: 'success', message: 'Event processed' }));
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
    '---',
    'apiVersion: atrium.dev/v1',
    'kind: Check',
    'metadata: { name: login-page }',
    'spec:',
    '  service: shipment-service',
    '  type: http',
    '  interval: 1m',
    '  http: { url: "https://shop.example/login" }',
    '  maintenance: [{ start: "2026-03-11T00:00:00Z", end: "2026-03-11T01:00:00Z", reason: catalog window }]',
    '',
  ].join('\n'),
});
after(async () => {
  await pd.close();
  catalog.cleanup();
});

const LOGIN = 'check:default/login-page';
const PATH = '/api/v1/checks/default/login-page/maintenance';
const failure: WorkOutcome = { status: 'failure', summary: 'status == 200 failed: saw 503', detail: null };
const iso = (ms: number) => new Date(ms).toISOString();

interface Window {
  id: string | null;
  source: string;
  start: string;
  end: string;
  reason: string | null;
  createdBy: string | null;
  open: boolean;
}

describeEachDatabase('checks maintenance API', (dialect) => {
  const fixture = useTestServer(dialect, {
    catalog: catalog.dir,
    now: () => new Date(nowMs),
    receivers: [{ name: 'pagerduty', type: 'pagerduty', url: `${pd.url}/v2/enqueue`, secret: 'r'.repeat(32) }],
  });
  let token = '';
  let other = '';
  before(async () => {
    nowMs = START;
    token = (await fixture.server.tokens.create('ops', ['checks:write'], null)).token;
    other = (await fixture.server.tokens.create('cron', ['jobs:write'], null)).token;
  });
  const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}, bearer = token) =>
    fixture.server.app.request(path, {
      method,
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const list = async () => {
    const res = await fixture.server.app.request(PATH);
    assert.equal(res.status, 200);
    return ((await res.json()) as { items: Window[] }).items;
  };
  let runs = 0;
  const fail = async (atMs: number) => {
    const run: FinishedRun = {
      runId: `run-${++runs}`,
      kind: 'check',
      subject: LOGIN,
      dedupKey: `${LOGIN}@local@${atMs - (atMs % 60_000)}`,
      location: 'local',
      runner: 'runner-local',
      runnerLocation: 'local',
      attempt: 1,
      startedAt: atMs - 100,
      finishedAt: atMs,
      outcome: failure,
    };
    await fixture.database.db.transaction().execute((trx) => fixture.server.checks.recordOutcome(run, trx));
  };
  const outbox = async () =>
    (await fixture.server.outbox.recentFor(LOGIN, 10)).map((e) => `${e.message.action} ${e.dedupKey}`);

  test('the catalog window is listed, without an id', async () => {
    assert.deepEqual(await list(), [
      {
        id: null,
        source: 'catalog',
        start: '2026-03-11T00:00:00.000Z',
        end: '2026-03-11T01:00:00.000Z',
        reason: 'catalog window',
        createdBy: null,
        open: false,
      },
    ]);
  });

  test('adding needs a checks:write token; a retry with the same key adds nothing', async () => {
    const body = { start: iso(START), end: iso(START + 3_600_000), reason: 'database upgrade' };
    assert.equal((await fixture.server.app.request(PATH, { method: 'POST', body: JSON.stringify(body) })).status, 401);
    assert.equal((await send('POST', PATH, body, {}, other)).status, 403);
    const first = await send('POST', PATH, body, { 'idempotency-key': 'w-1' });
    assert.equal(first.status, 201);
    const added = (await first.json()) as Window;
    assert.equal(added.source, 'api');
    assert.equal(added.createdBy, 'ops');
    assert.equal(added.open, true);
    assert.match(added.id ?? '', /^\d+$/);
    const again = await send('POST', PATH, body, { 'idempotency-key': 'w-1' });
    assert.equal(again.status, 201);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(await again.json(), added);
    assert.equal((await send('POST', PATH, { ...body, reason: 'other' }, { 'idempotency-key': 'w-1' })).status, 422);
    const items = await list();
    assert.deepEqual(
      items.map((w) => `${w.source} ${w.reason} ${w.open}`),
      ['api database upgrade true', 'catalog catalog window false'],
    );
    const status = (await (await fixture.server.app.request('/api/v1/checks/default/login-page')).json()) as {
      inMaintenance: boolean;
    };
    assert.equal(status.inMaintenance, true);
  });

  test('a window holds the alert but keeps the runs; after it, the next failing run alerts', async () => {
    await fail(START + 60_000);
    const status = (await (await fixture.server.app.request('/api/v1/checks/default/login-page')).json()) as {
      status: string;
    };
    assert.equal(status.status, 'failing');
    const results = (await (await fixture.server.app.request(`/api/v1/checks/default/login-page/results`)).json()) as {
      items: unknown[];
    };
    assert.equal(results.items.length, 1, 'the run is recorded');
    assert.deepEqual(await outbox(), [], 'no alert in the window');
    nowMs = START + 3_600_000 + 60_000;
    await fail(nowMs);
    assert.deepEqual(await outbox(), [`trigger ${LOGIN}:failing`]);
  });

  test('removing: by id, with a key; unknown ids, catalog windows and other checks answer 404', async () => {
    nowMs = START;
    const added = (await (
      await send('POST', PATH, { start: iso(START + 7_200_000), end: iso(START + 10_800_000) })
    ).json()) as Window;
    assert.equal(added.reason, null);
    assert.equal((await send('DELETE', `${PATH}/${added.id}`, undefined, {}, other)).status, 403);
    const removed = await send('DELETE', `${PATH}/${added.id}`, undefined, { 'idempotency-key': 'd-1' });
    assert.equal(removed.status, 204);
    const replayed = await send('DELETE', `${PATH}/${added.id}`, undefined, { 'idempotency-key': 'd-1' });
    assert.equal(replayed.status, 204);
    assert.equal(replayed.headers.get('idempotent-replayed'), 'true');
    assert.equal((await send('DELETE', `${PATH}/${added.id}`)).status, 404, 'gone');
    for (const id of ['0', '-1', 'abc', '1e3', '99999999', `${'9'.repeat(20)}`, '%00'])
      assert.equal((await send('DELETE', `${PATH}/${id}`)).status, 404, id);
    assert.equal((await send('DELETE', `${PATH}/${'9'.repeat(21)}`)).status, 400);
    assert.equal(
      (
        await send('POST', '/api/v1/checks/default/no-such-check/maintenance', {
          start: iso(START),
          end: iso(START + 1),
        })
      ).status,
      404,
    );
    assert.equal((await fixture.server.app.request('/api/v1/checks/default/no-such-check/maintenance')).status, 404);
    assert.ok((await list()).every((w) => w.id !== added.id));
  });

  test('hostile input is refused and writes nothing', async () => {
    const before = (await list()).length;
    const day = 86_400_000;
    const cases: [unknown, number, string?][] = [
      [{ start: iso(START + 2 * day), end: iso(START + day) }, 422, 'end-not-after-start'],
      [{ start: iso(START + day), end: iso(START + day) }, 422, 'end-not-after-start'],
      [{ start: iso(START - 2 * day), end: iso(START - day) }, 422, 'window-in-the-past'],
      [{ start: iso(START), end: iso(START + 32 * day) }, 422, 'window-too-long'],
      [{ start: '0001-01-01T00:00:00Z', end: '9999-12-31T23:59:59Z' }, 422, 'window-too-long'],
      [{ start: iso(START + 400 * day), end: iso(START + 401 * day) }, 422, 'window-too-far-ahead'],
      [{ start: '2026-03-10T12:00:00', end: iso(START + day) }, 422, 'invalid-time'],
      [{ start: 'tomorrow', end: iso(START + day) }, 422, 'invalid-time'],
      [{ start: '2026-02-30T12:00:00Z', end: iso(START + day) }, 422, 'invalid-time'],
      [{ start: '2026-13-10T12:00:00Z', end: iso(START + day) }, 422, 'invalid-time'],
      [{ start: iso(START), end: '1773144000000' }, 422, 'invalid-time'],
      [{ start: iso(START), end: iso(START + day), reason: 'x'.repeat(201) }, 400],
      [{ start: iso(START), end: iso(START + day), reason: 'a\u0000b' }, 400],
      [{ start: iso(START), end: iso(START + day), extra: 1 }, 400],
      [{ start: iso(START) }, 400],
      [{ start: 1, end: 2 }, 400],
      [{ start: 'x'.repeat(65), end: iso(START + day) }, 400],
      ['{"start":', 400],
      [[], 400],
      [null, 400],
    ];
    for (const [body, expected, code] of cases) {
      const res = await send('POST', PATH, body);
      assert.equal(res.status, expected, JSON.stringify(body).slice(0, 80));
      if (code) assert.equal(((await res.json()) as { code: string }).code, code);
    }
    const huge = await send('POST', PATH, { start: iso(START), end: iso(START + day), reason: 'x'.repeat(100_000) });
    assert.equal(huge.status, 413);
    assert.equal((await list()).length, before, 'nothing added');
  });

  test('at most 50 windows not yet ended per check', async () => {
    const open = (await list()).filter((w) => w.source === 'api').length;
    for (let i = open; i < 50; i++) {
      const res = await send('POST', PATH, { start: iso(START + i * 60_000), end: iso(START + (i + 1) * 60_000) });
      assert.equal(res.status, 201);
    }
    const res = await send('POST', PATH, { start: iso(START), end: iso(START + 60_000) });
    assert.equal(res.status, 409);
    assert.equal(((await res.json()) as { code: string }).code, 'too-many-maintenance-windows');
  });
});
