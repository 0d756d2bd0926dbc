import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { CommandIO } from '../src/cli/io.ts';
import { main } from '../src/main.ts';
import type { OnCallAnswer } from '../src/oncall/model.ts';
import { OnCallReaders, type OnCallReadersOptions } from '../src/oncall/readers.ts';
import { createLogger } from '../src/platform/log.ts';
import { group, location, tempCatalog, type TempCatalog } from './support/catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { json, loopbackServer, type Received, type Reply, silence } from './support/loopback.ts';
import { useTestServer } from './support/test-server.ts';

/**
 * Who is on call read from PagerDuty (REST API v2, GET /oncalls) and Opsgenie (GET
 * /v2/schedules/{id}/on-calls), each stood in for by a loopback server speaking the
 * documented shapes: answers, pages, levels, and every way a read fails. The clock is the
 * test's: freshness and holds move only when a test moves it.
 */

const KEY = 'pd-secret-key-0123456789';
const GENIE = 'og-secret-key-9876543210';

function pdOnCall(level: number, user: { id: string; name: string; email: string }, schedule = 'Checkout primary') {
  return {
    escalation_policy: { id: 'PE1', type: 'escalation_policy_reference', summary: 'Checkout' },
    escalation_level: level,
    schedule: {
      id: `PS${level}`,
      type: 'schedule_reference',
      summary: schedule,
      html_url: `https://acme.pagerduty.com/schedules/PS${level}`,
    },
    user: { id: user.id, type: 'user', summary: user.name, name: user.name, email: user.email },
    start: '2026-06-01T09:00:00Z',
    end: '2026-06-08T09:00:00Z',
  };
}

const ANA = { id: 'PU1', name: 'Ana Lima', email: 'ana@example.com' };
const BEN = { id: 'PU2', name: 'Ben Okoro', email: 'ben@example.com' };
const ZOE = { id: 'PU3', name: 'Zoe Outside', email: 'zoe@contractor.test' };

/** /oncalls in pages of `pages`, by the request's offset (PagerDuty's classic pagination). */
function pagerDuty(pages: unknown[][]): Reply {
  return (req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname.startsWith('/services/')) {
      json(200, { service: { id: 'PSV1', escalation_policy: { id: 'PE1', type: 'escalation_policy_reference' } } })(
        req,
        res,
      );
      return;
    }
    const offset = Number(url.searchParams.get('offset'));
    const index = offset / 100;
    json(200, { oncalls: pages[index] ?? [], limit: 100, offset, more: index < pages.length - 1, total: null })(
      req,
      res,
    );
  };
}

const opsgenie = (participants: unknown[]): Reply =>
  json(200, {
    data: { _parent: { id: 'd875', name: 'checkout_schedule', enabled: true }, onCallParticipants: participants },
    took: 0.1,
    requestId: 'r-1',
  });

describe('on-call readers against loopback APIs', () => {
  let pd: Awaited<ReturnType<typeof loopbackServer>>;
  let og: Awaited<ReturnType<typeof loopbackServer>>;
  let clock = Date.parse('2026-06-01T12:00:00Z');
  const lines: string[] = [];
  before(async () => {
    pd = await loopbackServer(pagerDuty([[pdOnCall(1, ANA)]]));
    og = await loopbackServer(opsgenie([]));
  });
  after(async () => {
    await pd.close();
    await og.close();
  });

  const readers = (over: Partial<OnCallReadersOptions> = {}) =>
    new OnCallReaders({
      pagerduty: { url: pd.url, apiKey: KEY },
      opsgenie: { url: og.url, apiKey: GENIE },
      // Nobody known: how people are matched to the catalog is the server tests' part (below).
      people: async () => new Map(),
      now: () => new Date(clock),
      logger: createLogger({
        destination: new Writable({
          write(chunk, _enc, done) {
            lines.push(String(chunk));
            done();
          },
        }),
      }),
      ...over,
    });
  const schedule = (id: string) => ({ source: 'pagerduty', by: 'schedule', id }) as const;
  const since = (n: number) => pd.received.slice(n);

  test('reads every page of /oncalls with the documented headers and query, into levels in order', async () => {
    const first = pd.received.length;
    pd.answer(pagerDuty([[pdOnCall(2, BEN, 'Checkout secondary'), pdOnCall(1, ANA)], [pdOnCall(3, ZOE, 'Managers')]]));
    const read = await readers().read(schedule('PS1'));
    const requests = since(first);
    assert.equal(requests.length, 2, 'two pages');
    for (const r of requests) {
      assert.equal(r.method, 'GET');
      assert.equal(r.headers.authorization, `Token token=${KEY}`);
      assert.equal(r.headers.accept, 'application/vnd.pagerduty+json;version=2');
      const q = new URL(r.url, 'http://x').searchParams;
      assert.equal(new URL(r.url, 'http://x').pathname, '/oncalls');
      assert.deepEqual(q.getAll('schedule_ids[]'), ['PS1']);
      assert.deepEqual(q.getAll('include[]'), ['users']);
      assert.equal(q.get('earliest'), 'true');
    }
    assert.deepEqual(
      requests.map((r) => new URL(r.url, 'http://x').searchParams.get('offset')),
      ['0', '100'],
    );
    assert.deepEqual(
      read.levels.map((l) => [l.level, l.rotation.title, l.person?.name]),
      [
        [1, 'Checkout primary', 'Ana Lima'],
        [2, 'Checkout secondary', 'Ben Okoro'],
        [3, 'Managers', 'Zoe Outside'],
      ],
    );
    assert.deepEqual(read.read, { fetchedAt: new Date(clock).toISOString() });
  });

  test('pages are bounded: a server that always says `more` is read maxPages times', async () => {
    pd.answer((req, res) => json(200, { oncalls: [pdOnCall(1, ANA)], limit: 100, offset: 0, more: true })(req, res));
    const first = pd.received.length;
    const read = await readers({ maxPages: 3 }).read(schedule('PSMORE'));
    assert.equal(since(first).length, 3);
    assert.equal(read.levels.length, 1, 'the repeats are one line');
  });

  test("a service's on-call is its escalation policy's", async () => {
    pd.answer(pagerDuty([[pdOnCall(1, ANA)]]));
    const first = pd.received.length;
    const read = await readers().read({ source: 'pagerduty', by: 'service', id: 'PSV1' });
    const [service, oncalls] = since(first);
    assert.equal(service?.url, '/services/PSV1');
    assert.deepEqual(new URL(oncalls?.url ?? '', 'http://x').searchParams.getAll('escalation_policy_ids[]'), ['PE1']);
    assert.equal(read.levels[0]?.person?.name, 'Ana Lima');
  });

  test('cached a minute, single-flight: 20 readers at once cost one request; the minute over, one more', async () => {
    pd.answer(pagerDuty([[pdOnCall(1, ANA)]]));
    const r = readers();
    const first = pd.received.length;
    const all = await Promise.all(Array.from({ length: 20 }, () => r.read(schedule('PSC'))));
    assert.equal(since(first).length, 1);
    assert.ok(all.every((a) => a.levels[0]?.person?.name === 'Ana Lima'));
    clock += 59_000;
    await r.read(schedule('PSC'));
    assert.equal(since(first).length, 1, 'still fresh');
    clock += 1_000;
    await Promise.all([r.read(schedule('PSC')), r.read(schedule('PSC'))]);
    assert.equal(since(first).length, 2, 'read again once');
  });

  test('a 500 keeps the last known answer, marked as such with its age and the error class; retried after 15 s, not before', async () => {
    pd.answer(pagerDuty([[pdOnCall(1, ANA)]]));
    const r = readers();
    const good = await r.read(schedule('PS5'));
    const fetchedAt = good.read.fetchedAt;
    clock += 60_000;
    pd.answer(json(500, { error: { message: 'Internal Server Error' } }));
    const first = pd.received.length;
    const stale = await r.read(schedule('PS5'));
    assert.equal(stale.levels[0]?.person?.name, 'Ana Lima');
    assert.equal(stale.read.fetchedAt, fetchedAt, 'the age is the old answer’s');
    assert.equal(stale.read.failure?.class, 'server-error');
    assert.equal(stale.read.failure?.at, new Date(clock).toISOString());
    clock += 14_000;
    await r.read(schedule('PS5'));
    assert.equal(since(first).length, 1, 'no request before the retry interval');
    clock += 1_000;
    pd.answer(pagerDuty([[pdOnCall(1, BEN)]]));
    const back = await r.read(schedule('PS5'));
    assert.equal(back.levels[0]?.person?.name, 'Ben Okoro');
    assert.equal(back.read.failure, undefined);
    assert.equal(back.read.fetchedAt, new Date(clock).toISOString());
  });

  test('429 with Retry-After: no request to PagerDuty at all (any schedule) until then', async () => {
    const r = readers();
    pd.answer(json(429, { error: { message: 'Rate Limit Exceeded', code: 2020 } }, { 'retry-after': '120' }));
    const first = pd.received.length;
    const limited = await r.read(schedule('PSR1'));
    assert.equal(limited.read.failure?.class, 'rate-limited');
    assert.equal(limited.read.fetchedAt, undefined, 'never read: nothing to fall back to');
    pd.answer(pagerDuty([[pdOnCall(1, ANA)]]));
    clock += 60_000;
    const held = await Promise.all([r.read(schedule('PSR1')), r.read(schedule('PSR2'))]);
    assert.equal(since(first).length, 1, 'held: the other schedule shares the key, and waits too');
    assert.ok(held.every((h) => h.read.failure?.class === 'rate-limited'));
    clock += 60_000;
    const after = await r.read(schedule('PSR2'));
    assert.equal(since(first).length, 2);
    assert.equal(after.levels[0]?.person?.name, 'Ana Lima');
  });

  test('401: a configuration error, logged once (never the key), and not asked again per request', async () => {
    const r = readers();
    pd.answer(json(401, { error: { message: 'Unauthorized', code: 2006 } }));
    const first = pd.received.length;
    const logged = lines.length;
    for (const id of ['PSA', 'PSB', 'PSC2']) {
      const refused = await r.read(schedule(id));
      assert.equal(refused.read.failure?.class, 'unauthorized');
      assert.match(refused.read.failure?.message ?? '', /paging\.pagerduty\.apiKeyEnv/);
    }
    assert.equal(since(first).length, 1, 'one request: the key is refused for every schedule');
    clock += 5 * 60_000;
    await r.read(schedule('PSA'));
    assert.equal(since(first).length, 2, 'asked again after the hold');
    const mine = lines.slice(logged).filter((l) => l.includes('refused the API key'));
    assert.equal(mine.length, 1, 'logged once while it lasts');
    assert.ok(!lines.join('').includes(KEY), 'the key is in no log line');
  });

  test('a hang ends at the timeout; a malformed, an oversized and a cut answer are failures of their own', async () => {
    // The hang's bound is short (it is waited for in full); the rest answer at once.
    const r = readers({ maxBytes: 4096, timeoutMs: 500 });
    const cases: [Reply, string][] = [
      [silence, 'timeout'],
      [(_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"oncalls": [ {'), 'malformed'],
      [json(200, { unexpected: true }), 'malformed'],
      [json(200, { oncalls: Array.from({ length: 100 }, () => pdOnCall(1, ANA)), more: false }), 'too-large'],
      [
        (_req, res) => {
          // Headers and half a body, then the server dies.
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '5000' });
          res.write('{"oncalls": [');
          setImmediate(() => res.socket?.destroy());
        },
        'unreachable',
      ],
      [json(404, { error: { message: 'Not Found', code: 2100 } }), 'not-found'],
    ];
    for (const [reply, expected] of cases) {
      pd.answer(reply);
      const read = await r.read(schedule(`PSF-${expected}`));
      assert.equal(read.read.failure?.class, expected, expected);
      assert.deepEqual(read.levels, []);
    }
  });

  test('Opsgenie: the documented path, GenieKey, levels; an EU base URL is only configuration', async () => {
    og.answer(
      opsgenie([
        { id: 'u1', name: 'ana@example.com', type: 'user' },
        {
          id: 'e1',
          name: 'checkout_escalation',
          type: 'escalation',
          onCallParticipants: [{ id: 'u2', name: 'ben@example.com', type: 'user' }],
        },
      ]),
    );
    const first = og.received.length;
    const read = await readers().read({ source: 'opsgenie', by: 'name', id: 'checkout schedule' });
    const [request] = og.received.slice(first) as [Received];
    assert.equal(request.url, '/v2/schedules/checkout%20schedule/on-calls?scheduleIdentifierType=name&flat=false');
    assert.equal(request.headers.authorization, `GenieKey ${GENIE}`);
    assert.deepEqual(
      read.levels.map((l) => [l.rotation.title, l.person?.name]),
      [
        ['checkout_schedule', 'ana@example.com'],
        ['checkout_schedule · escalation checkout_escalation', 'ben@example.com'],
      ],
    );
    og.answer(json(403, { message: 'Key is not authorized', took: 0.0, requestId: 'r-2' }));
    clock += 60_000;
    const refused = await readers().read({ source: 'opsgenie', by: 'id', id: 'd875' });
    assert.equal(refused.read.failure?.class, 'unauthorized');
  });
});

const user = (name: string, displayName: string) =>
  [
    'apiVersion: backstage.io/v1alpha1',
    'kind: User',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  profile:',
    `    displayName: ${displayName}`,
    `    email: ${name}@example.com`,
    '  memberOf: [checkout]',
    '',
  ].join('\n');

const annotated = (kind: string, name: string, annotations: Record<string, string>, spec: string[]) =>
  [
    'apiVersion: backstage.io/v1alpha1',
    `kind: ${kind}`,
    'metadata:',
    `  name: ${name}`,
    ...(Object.keys(annotations).length > 0 ? ['  annotations:'] : []),
    ...Object.entries(annotations).map(([k, v]) => `    ${k}: ${v}`),
    'spec:',
    ...spec,
    '',
  ].join('\n');

const ROTATION = [
  'apiVersion: atrium.dev/v1',
  'kind: Rotation',
  'metadata:',
  '  name: primary',
  'spec:',
  '  owner: group:checkout',
  '  level: 1',
  '  timeZone: UTC',
  '  layers:',
  '    - name: daily',
  '      start: "2026-06-01T09:00"',
  '      turn: daily',
  '      participants: [ben]',
  '',
].join('\n');

const SERVICE_SPEC = ['  type: service', '  lifecycle: production', '  owner: checkout'];

describeEachDatabase('on call read from PagerDuty: API and card', (dialect) => {
  let catalog: TempCatalog;
  let pd: Awaited<ReturnType<typeof loopbackServer>>;
  let clock = Date.parse('2026-06-01T12:00:00Z');
  before(async () => {
    pd = await loopbackServer(pagerDuty([[pdOnCall(1, ANA), pdOnCall(2, ZOE, 'Managers')]]));
    catalog = tempCatalog({
      'catalog-info.yaml': location(['./org.yaml', './services.yaml']),
      'org.yaml': [
        annotated('Group', 'checkout', { 'pagerduty.com/schedule-id': 'PSTEAM' }, ['  type: team', '  children: []']),
        group('ops'),
        user('ana', 'Ana Lima'),
        user('ben', 'Ben Okoro'),
        ROTATION,
      ].join('---\n'),
      'services.yaml': [
        annotated('Component', 'shipment', { 'pagerduty.com/service-id': 'PSV1' }, SERVICE_SPEC),
        annotated('Component', 'billing', {}, SERVICE_SPEC),
        annotated('Component', 'labels', { 'opsgenie.com/schedule-id': 'd875' }, [
          '  type: service',
          '  lifecycle: production',
          '  owner: ops',
        ]),
      ].join('---\n'),
    });
  });
  after(async () => {
    catalog.cleanup();
    await pd.close();
  });
  const fixture = useTestServer(dialect, () => ({
    catalog: catalog.dir,
    now: () => new Date(clock),
    paging: { pagerduty: { url: pd.url, apiKey: KEY } },
    listen: true,
  }));
  before(() => assert.equal(fixture.synced?.errors, 0));

  const answer = async (name: string) => {
    const res = await fixture.server.app.request(`/api/v1/entities/component/default/${name}/oncall`);
    assert.equal(res.status, 200);
    return (await res.json()) as OnCallAnswer & { plan?: unknown };
  };
  const card = async (name: string) => {
    const res = await fixture.server.app.request(`/catalog/default/component/${name}/`);
    assert.equal(res.status, 200);
    const page = await res.text();
    return page.slice(
      page.indexOf('<section class="card oncall"'),
      page.indexOf('</section>', page.indexOf('id="oncall"')),
    );
  };

  test("the service's own PagerDuty service answers: people matched to catalog Users by email, others by name", async () => {
    const got = await answer('shipment');
    assert.equal(got.source, 'pagerduty');
    assert.equal(got.team, 'component:default/shipment');
    assert.equal(got.plan, undefined);
    assert.deepEqual(
      got.levels.map((l) => [l.level, l.person?.ref, l.person?.name]),
      [
        [1, 'user:default/ana', 'Ana Lima'],
        [2, undefined, 'Zoe Outside'],
      ],
    );
    const html = await card('shipment');
    assert.match(html, /data-oncall-source="pagerduty"/);
    assert.match(html, /From PagerDuty/);
    assert.match(html, /href="\/catalog\/default\/user\/ana\/"/);
    assert.match(html, /Zoe Outside/);
    assert.match(html, /data-oncall-read="fresh"/);
    assert.match(html, /Atrium rotations of <a[^>]*>checkout<\/a> are set aside/);
    assert.ok(!html.includes(KEY));
  });

  test("documented precedence: the team's PagerDuty schedule answers over its Atrium rotation", async () => {
    const first = pd.received.length;
    const got = await answer('billing');
    assert.equal(got.source, 'pagerduty');
    assert.equal(got.team, 'group:default/checkout');
    assert.deepEqual(new URL(pd.received[first]?.url ?? '', 'http://x').searchParams.getAll('schedule_ids[]'), [
      'PSTEAM',
    ]);
  });

  test('an Opsgenie schedule when Opsgenie is not configured: said so, and no answer pretends otherwise', async () => {
    const res = await fixture.server.app.request('/api/v1/entities/component/default/labels/oncall');
    assert.equal(res.status, 404);
    assert.match(((await res.json()) as { hint: string }).hint, /paging\.opsgenie/);
    assert.match(
      await card('labels'),
      /keeps its schedule in Opsgenie \(id d875\), which this copy of Atrium does not read/,
    );
  });

  test('the card after a failed read: the last known answer, its age and the error class, never as fresh', async () => {
    await answer('shipment');
    clock += 60_000;
    pd.answer(json(503, { error: { message: 'Service Unavailable' } }));
    const got = await answer('shipment');
    assert.equal(got.read?.failure?.class, 'server-error');
    assert.equal(got.levels[0]?.person?.name, 'Ana Lima');
    const html = await card('shipment');
    assert.match(html, /data-oncall-read="fallback"/);
    assert.match(html, /Last known answer from PagerDuty, read <time datetime="2026-06-01T12:0\d:00.000Z"/);
    assert.match(html, /server-error/);
    assert.doesNotMatch(html, /data-oncall-read="fresh"/);
    let out = '';
    const io: CommandIO = {
      out: (t) => void (out += t),
      err: () => undefined,
      env: { ATRIUM_URL: fixture.url },
      cwd: process.cwd(),
    };
    assert.equal(await main(['oncall', 'now', '--service', 'shipment'], io), 0);
    assert.match(
      out,
      /^On call for component:default\/shipment from pagerduty \(schedule named by component:default\/shipment\), read at 2026-06-01T12:0\d:00.000Z:\n/,
    );
    assert.match(out, /the latest read failed at .* \(server-error\): .*; this is the last known answer\n/);
    assert.match(out, /level 1 Checkout primary: Ana Lima <ana@example.com>/);
    pd.answer(pagerDuty([[pdOnCall(1, ANA)]]));
  });
});
