import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { NotificationMessage } from '../src/notifications/model.ts';
import { describeEachDatabase } from './support/databases.ts';
import { json, loopbackServer } from './support/loopback.ts';
import { expectSafePage } from './support/safe-page.ts';
import { useTestServer } from './support/test-server.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/notifications/', import.meta.url));
const NOW = new Date('2026-12-07T02:14:00.000Z');
const slack = await loopbackServer((_req, res) => res.end('ok'));
const hook = await loopbackServer((_req, res) => res.end('ok'));
const pd = await loopbackServer(json(202, { status: 'success', message: 'Event processed' }));
after(() => Promise.all([slack.close(), hook.close(), pd.close()]));
const SLACK_PATH = '/services/T0SEKRET/B0SEKRET/SLACKSEKRET';

const alert = (over: Partial<NotificationMessage> = {}): NotificationMessage => ({
  action: 'trigger',
  summary: 'Shipment service burns its error budget 14.4x <script>window.__xss=1</script>',
  severity: 'critical',
  source: 'slo:default/shipments-availability',
  details: { burn1h: '14.4' },
  links: [],
  routingKey: 'R0UTESEKRET',
  ...over,
});

describeEachDatabase('notifications for teams, the API and the page', (dialect) => {
  const fixture = useTestServer(dialect, {
    catalog: FIXTURE,
    now: () => NOW,
    receivers: [
      { name: 'checkout-slack', type: 'slack', url: `${slack.url}${SLACK_PATH}` },
      { name: 'hooks', type: 'webhook', url: `${hook.url}/hook`, secret: 'whsec_HOOKSEKRET' },
      { name: 'pagerduty', type: 'pagerduty', url: `${pd.url}/v2/enqueue`, secret: 'R0UTE-DEFAULT-SEKRET' },
    ],
    teamReceivers: { 'group:default/checkout': ['pagerduty'], 'group:default/unlisted': ['hooks'] },
  });
  let reader = '';
  let pager = '';
  before(async () => {
    reader = (await fixture.server.tokens.create('auditor', ['notifications:read'], null)).token;
    pager = (await fixture.server.tokens.create('ada', ['pages:write'], null)).token;
  });
  beforeEach(() => {
    for (const s of [slack, hook, pd]) s.received.length = 0;
  });
  const get = (path: string, token = reader) =>
    fixture.server.app.request(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const postTest = (body: unknown, headers: Record<string, string> = {}, token = pager) =>
    fixture.server.app.request('/api/v1/notifications/test', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  test("notify() reaches a service's owning team: its configured receivers and those its Group names, one message each", async () => {
    const notified = await fixture.server.notifications.notify({
      to: 'component:default/shipment-service',
      message: alert(),
      dedupKey: 'slo:default/shipments-availability:page',
      createdBy: 'slo-alerting',
    });
    assert.equal(notified.team, 'group:default/checkout');
    assert.deepEqual(notified.receivers, ['pagerduty', 'checkout-slack', 'hooks']);
    assert.deepEqual(
      notified.entries.map((e) => [e.receiver, e.subjectKey, e.status]),
      notified.receivers.map((r) => [r, 'component:default/shipment-service', 'queued']),
    );
    await fixture.server.outbox.deliverDue();
    assert.deepEqual([pd.received.length, slack.received.length, hook.received.length], [1, 1, 1]);
    assert.equal(JSON.parse(pd.received[0]?.body ?? '{}').routing_key, 'R0UTESEKRET');
  });

  test("notify() in the caller's transaction is undone with it", async () => {
    const before = (await fixture.server.notifications.list({}, 500)).length;
    await assert.rejects(
      fixture.database.db.transaction().execute(async (trx) => {
        const notified = await fixture.server.notifications.notify(
          { to: 'checkout', message: alert(), dedupKey: 'rolled-back', createdBy: 'slo-alerting' },
          trx,
        );
        assert.equal(notified.entries.length, 3);
        throw new Error('the alert row failed');
      }),
      /alert row failed/,
    );
    assert.equal((await fixture.server.notifications.list({}, 500)).length, before);
  });

  test('a team only atrium.yaml names still has receivers; an unknown entity, an ownerless one and a URL in an annotation are said plainly', async () => {
    assert.deepEqual((await fixture.server.notifications.receiversOf('unlisted')).receivers, ['hooks']);
    await assert.rejects(fixture.server.notifications.receiversOf('component:default/nope'), /No entity/);
    await assert.rejects(fixture.server.notifications.receiversOf('component:default/orphan'), /no owning team/);
    const careless = await fixture.server.notifications.receiversOf('group:default/careless');
    assert.deepEqual(careless.receivers, []);
    assert.match(careless.problems.join(), /not a receiver name/);
    assert.doesNotMatch(careless.problems.join(), /SEKRET|hooks\.slack/);
  });

  test('GET /api/v1/notifications needs notifications:read, filters, pages, and shows names, never URLs or routing keys', async () => {
    assert.equal((await get('/api/v1/notifications', '')).status, 401);
    assert.equal((await get('/api/v1/notifications', pager)).status, 403);
    const all = await get('/api/v1/notifications?limit=2');
    assert.equal(all.status, 200);
    const first = await all.json();
    assert.equal(first.items.length, 2);
    assert.ok(first.nextCursor);
    assert.ok(first.items[0].id > first.items[1].id, 'newest first');
    const next = await (await get(`/api/v1/notifications?limit=2&cursor=${first.nextCursor}`)).json();
    assert.ok(next.items[0].id < first.items[1].id);
    const slackOnly = await (await get('/api/v1/notifications?receiver=checkout-slack&status=sent')).json();
    assert.ok(slackOnly.items.length >= 1);
    for (const item of slackOnly.items) assert.deepEqual([item.receiver, item.status], ['checkout-slack', 'sent']);
    assert.equal(slackOnly.items[0].answer, 'HTTP 200: ok');
    assert.equal(slackOnly.items[0].action, 'trigger');
    const text = JSON.stringify([first, next, slackOnly]);
    assert.doesNotMatch(text, /SEKRET|127\.0\.0\.1/);
    assert.equal((await get('/api/v1/notifications?status=lost')).status, 400);
    assert.equal((await get('/api/v1/notifications?receiver=https://x')).status, 400);
    const forged = await get('/api/v1/notifications?cursor=bjA');
    assert.equal(forged.status, 400);
    assert.equal((await forged.json()).code, 'invalid-cursor');
  });

  test('POST /api/v1/notifications/test queues a trigger and its resolve per receiver; a retry with its key replays', async () => {
    const res = await postTest({ team: 'checkout' }, { 'idempotency-key': 'test-1' });
    assert.equal(res.status, 202);
    const body = await res.json();
    assert.deepEqual(
      body.items.map((i: { receiver: string; action: string }) => `${i.receiver} ${i.action}`),
      [
        'pagerduty trigger',
        'pagerduty resolve',
        'checkout-slack trigger',
        'checkout-slack resolve',
        'hooks trigger',
        'hooks resolve',
      ],
    );
    assert.equal(body.items[0].message.severity, 'info');
    const again = await postTest({ team: 'group:default/checkout' }, { 'idempotency-key': 'test-1' });
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(
      (await again.json()).items.map((i: { id: number }) => i.id),
      body.items.map((i: { id: number }) => i.id),
    );
    for (let run = 0; run < 2; run++) await fixture.server.outbox.deliverDue();
    const events = pd.received.map((r) => JSON.parse(r.body));
    assert.deepEqual(
      events.map((e) => [e.event_action, e.routing_key]),
      [
        ['trigger', 'R0UTE-DEFAULT-SEKRET'],
        ['resolve', 'R0UTE-DEFAULT-SEKRET'],
      ],
    );
    assert.equal(events[0].dedup_key, events[1].dedup_key);
    assert.equal(slack.received.length, 2);
  });

  test('a test for a team without receivers is a 409 that says why; not a team is a 422; pages:write is needed', async () => {
    const none = await postTest({ team: 'careless' });
    assert.equal(none.status, 409);
    const problem = await none.json();
    assert.equal(problem.code, 'no-receivers');
    assert.doesNotMatch(JSON.stringify(problem), /SEKRET/);
    assert.equal((await postTest({ team: 'component:default/shipment-service' })).status, 422);
    assert.equal((await postTest({ team: 'checkout' }, {}, reader)).status, 403);
    assert.equal((await postTest({ team: 'checkout', extra: 1 })).status, 400);
  });

  test('the Notifications page lists what was sent, to which receiver by name, escaped, with a caption and filters', async () => {
    const res = await fixture.server.app.request('/notifications/');
    const html = await expectSafePage(res, '/notifications/');
    assert.equal(res.status, 200);
    assert.match(html, /<caption>Notifications, newest first<\/caption>/);
    assert.match(html, /<td data-label="Receiver">checkout-slack<\/td>/);
    assert.match(html, /HTTP 200: ok/);
    assert.match(html, /&lt;script&gt;window.__xss=1&lt;\/script&gt;/);
    assert.doesNotMatch(html, /SEKRET|127\.0\.0\.1:\d+\/|R0UTE/);
    const filtered = await (await fixture.server.app.request('/notifications/?receiver=hooks&status=sent')).text();
    assert.doesNotMatch(filtered, /<td data-label="Receiver">checkout-slack<\/td>/);
    assert.match(filtered, /<option value="hooks" selected>/);
    const junk = await fixture.server.app.request('/notifications/?status=<b>bold</b>&cursor=%00&receiver=../x');
    assert.equal(junk.status, 200, 'what the page does not offer is ignored');
    await expectSafePage(junk, 'junk filters');
  });
});
