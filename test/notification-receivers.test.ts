import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import type { NotificationMessage, RetryPolicy } from '../src/notifications/model.ts';
import { Outbox } from '../src/notifications/outbox.ts';
import { receiversFrom } from '../src/notifications/receivers/receivers.ts';
import { slackWebhookReceiver } from '../src/notifications/receivers/slack-webhook.ts';
import { NotificationStore, type NewNotification } from '../src/notifications/store.ts';
import type { Database } from '../src/platform/db/connect.ts';
import { createLogger } from '../src/platform/log.ts';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from './support/databases.ts';
import { json, loopbackServer, type Reply, silence } from './support/loopback.ts';

const RETRY: RetryPolicy = { baseMs: 10_000, capMs: 60_000, maxAttempts: 3 };
/** Parts of receivers' addresses and secrets that must never reach a log line or a stored row. */
const SLACK_PATH = '/services/T0SEKRET/B0SEKRET/SLACKSEKRET';
const WEBHOOK_SECRET = 'whsec_HOOKSEKRET';
const SEKRET = /SEKRET/;

const text =
  (status: number, body: string, headers: Record<string, string> = {}): Reply =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain', ...headers });
    res.end(body);
  };

const message = (over: Partial<NotificationMessage> = {}): NotificationMessage => ({
  action: 'trigger',
  summary: 'Shipment service burns its error budget 14.4x',
  severity: 'critical',
  source: 'slo:default/shipments-availability',
  component: 'shipment-service',
  owner: 'group:default/checkout',
  details: { burn1h: '14.4' },
  links: [{ href: 'https://atrium.example/catalog/default/component/shipment-service/runbook/', text: 'Runbook' }],
  ...over,
});

const queued = (receiver: string, over: Partial<NewNotification> = {}): NewNotification => ({
  receiver,
  subjectKey: 'component:default/shipment-service',
  message: message(),
  dedupKey: 'slo:default/shipments-availability:page',
  createdBy: 'slo-alerting',
  ...over,
});

/** HMAC-SHA256 of `t.body` with the secret, compared in constant time, the way user guide §18.4 tells a receiver to. */
function verifySignature(header: string | undefined, body: string, secret: string): number {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  assert.ok(match, `a signature header of the documented form, not ${header}`);
  const expected = createHmac('sha256', secret).update(`${match[1]}.${body}`).digest();
  assert.ok(timingSafeEqual(expected, Buffer.from(match[2] as string, 'hex')), 'the signature verifies');
  return Number(match[1]);
}

describeEachDatabase('notification receivers', (dialect) => {
  let testDb: TestDatabase;
  let database: Database;
  let slack: Awaited<ReturnType<typeof loopbackServer>>;
  let hook: Awaited<ReturnType<typeof loopbackServer>>;
  let pd: Awaited<ReturnType<typeof loopbackServer>>;
  let clock: Date;
  let logs: string[];
  const now = () => clock;
  let outbox: Outbox;

  before(async () => {
    slack = await loopbackServer(text(200, 'ok'));
    hook = await loopbackServer(text(204, ''));
    pd = await loopbackServer(json(202, { status: 'success', message: 'Event processed' }));
  });
  after(async () => {
    await Promise.all([slack.close(), hook.close(), pd.close()]);
  });
  beforeEach(async () => {
    clock = new Date('2026-12-07T02:14:00.000Z');
    for (const server of [slack, hook, pd]) server.received.length = 0;
    slack.answer(text(200, 'ok'));
    hook.answer(text(204, ''));
    pd.answer(json(202, { status: 'success', message: 'Event processed' }));
    testDb = await createTestDatabase(dialect, { migrated: true });
    database = await testDb.open();
    logs = [];
    const logger = createLogger({
      level: 'debug',
      destination: new Writable({
        write(chunk, _encoding, done) {
          logs.push(String(chunk));
          done();
        },
      }),
    });
    const receivers = receiversFrom(
      [
        { name: 'checkout-slack', type: 'slack', url: `${slack.url}${SLACK_PATH}` },
        { name: 'hooks', type: 'webhook', url: `${hook.url}/atrium?token=HOOKSEKRET`, secret: WEBHOOK_SECRET },
        { name: 'pagerduty', type: 'pagerduty', url: `${pd.url}/v2/enqueue`, secret: 'R0UTESEKRET' },
        // A closed port: the connection is refused.
        { name: 'gone-slack', type: 'slack', url: `http://127.0.0.1:9${SLACK_PATH}` },
      ],
      now,
    );
    outbox = new Outbox(new NotificationStore(database), receivers, { now, retry: RETRY, logger });
  });
  afterEach(async () => {
    await database.close();
    await testDb.drop();
  });

  const stored = async (id: number) => {
    const entry = await outbox.entry(id);
    assert.ok(entry);
    return entry;
  };

  test('Slack: one POST of text and blocks to the webhook URL; 200 "ok" is sent, with the answer kept', async () => {
    const { entry } = await outbox.enqueue(queued('checkout-slack'));
    assert.equal(await outbox.deliverDue(), 1);
    const [req] = slack.received;
    assert.equal(req?.method, 'POST');
    assert.equal(req?.url, SLACK_PATH);
    assert.equal(req?.headers['content-type'], 'application/json');
    const body = JSON.parse(req?.body ?? '{}');
    assert.equal(body.text, 'Firing: shipment-service: Shipment service burns its error budget 14.4x');
    assert.match(JSON.stringify(body.blocks), /\*Owner\*\\ngroup:default\/checkout/);
    assert.match(
      JSON.stringify(body.blocks),
      /<https:\/\/atrium.example\/catalog\/default\/component\/shipment-service\/runbook\/\|Runbook>/,
    );
    const sent = await stored(entry.id);
    assert.equal(sent.status, 'sent');
    assert.equal(sent.answer, 'HTTP 200: ok');
  });

  test('Slack: 400 invalid_payload, 403, 404 no_service and 410 channel_is_archived fail at once; no URL in the row or the log', async () => {
    for (const [status, reason] of [
      [400, 'invalid_payload'],
      [403, 'action_prohibited'],
      [404, 'no_service'],
      [410, 'channel_is_archived'],
    ] as const) {
      slack.answer(text(status, reason));
      const { entry } = await outbox.enqueue(queued('checkout-slack', { dedupKey: `k-${status}` }));
      await outbox.deliverDue();
      const failed = await stored(entry.id);
      assert.equal(failed.status, 'failed', `${status} is final`);
      assert.equal(failed.attempts, 1);
      assert.equal(failed.lastError, `HTTP ${status}: ${reason}`);
      assert.doesNotMatch(JSON.stringify(failed), SEKRET);
    }
    assert.equal(logs.filter((l) => /failed for good/.test(l)).length, 4);
    assert.doesNotMatch(logs.join(''), SEKRET);
  });

  test('Slack: 429 waits for its Retry-After, 500 backs off, then it is sent', async () => {
    const { entry } = await outbox.enqueue(queued('checkout-slack'));
    slack.answer(text(429, 'rate_limited', { 'retry-after': '30' }));
    await outbox.deliverDue();
    let now = await stored(entry.id);
    assert.deepEqual(
      [now.status, now.lastError, now.nextAttemptAt],
      ['queued', 'HTTP 429: rate_limited', '2026-12-07T02:14:30.000Z'],
    );
    clock = new Date('2026-12-07T02:14:30.000Z');
    slack.answer(text(500, 'internal_error'));
    await outbox.deliverDue();
    now = await stored(entry.id);
    assert.deepEqual([now.status, now.nextAttemptAt], ['queued', '2026-12-07T02:14:50.000Z']);
    clock = new Date('2026-12-07T02:14:50.000Z');
    slack.answer(text(200, 'ok'));
    await outbox.deliverDue();
    assert.equal((await stored(entry.id)).status, 'sent');
    assert.equal(slack.received.length, 3);
  });

  test('a receiver that never answers times out and is retried; a refused connection too; neither error quotes the URL', async () => {
    const quick = new Outbox(
      new NotificationStore(database),
      new Map([
        [
          'checkout-slack',
          slackWebhookReceiver({ name: 'checkout-slack', url: `${slack.url}${SLACK_PATH}`, timeoutMs: 500, now }),
        ],
      ]),
      { now, retry: RETRY },
    );
    slack.answer(silence);
    const { entry } = await quick.enqueue(queued('checkout-slack'));
    await quick.deliverDue();
    const timedOut = await stored(entry.id);
    assert.deepEqual([timedOut.status, timedOut.lastError], ['queued', 'no answer within 500 ms']);
    const refused = await outbox.enqueue(queued('gone-slack'));
    await outbox.deliverDue();
    const row = await stored(refused.entry.id);
    assert.equal(row.status, 'queued');
    assert.match(row.lastError ?? '', /^request failed/);
    assert.doesNotMatch(JSON.stringify([timedOut, row]), SEKRET);
  });

  test('an oversized or binary answer is read no further than its bound', async () => {
    slack.answer(text(200, `ok${'x'.repeat(200_000)}`));
    const { entry } = await outbox.enqueue(queued('checkout-slack'));
    await outbox.deliverDue();
    const sent = await stored(entry.id);
    assert.equal(sent.status, 'sent');
    assert.ok((sent.answer ?? '').length <= 500);
    assert.match(sent.answer ?? '', /^HTTP 200: okxxx/);
    slack.answer((_req, res) => {
      res.writeHead(502, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.from([0, 1, 2, 0xff, 0xfe, 10, 13, 0x1b]));
    });
    const binary = await outbox.enqueue(queued('checkout-slack', { dedupKey: 'other' }));
    await outbox.deliverDue();
    const row = await stored(binary.entry.id);
    assert.equal(row.status, 'queued');
    assert.doesNotMatch(row.lastError ?? '', /[\u0000-\u001f]/);
  });

  test('webhook: the JSON message with a signature the receiver verifies by the documented scheme, signed afresh on a retry', async () => {
    hook.answer(text(503, 'busy', { 'retry-after': '20' }));
    const { entry } = await outbox.enqueue(queued('hooks', { message: message({ action: 'resolve' }) }));
    await outbox.deliverDue();
    clock = new Date('2026-12-07T02:14:20.000Z');
    hook.answer(text(200, 'thanks'));
    await outbox.deliverDue();
    assert.equal(hook.received.length, 2);
    const [first, second] = hook.received;
    assert.equal(first?.url, '/atrium?token=HOOKSEKRET');
    assert.equal(
      verifySignature(first?.headers['x-atrium-signature'] as string, first?.body ?? '', WEBHOOK_SECRET),
      1796609640,
    );
    assert.equal(
      verifySignature(second?.headers['x-atrium-signature'] as string, second?.body ?? '', WEBHOOK_SECRET),
      1796609660,
    );
    assert.equal(second?.headers['x-atrium-notification'], String(entry.id));
    const body = JSON.parse(second?.body ?? '{}');
    assert.deepEqual(
      [body.id, body.action, body.dedupKey, body.severity, body.owner, body.details],
      [
        entry.id,
        'resolve',
        'slo:default/shipments-availability:page',
        'critical',
        'group:default/checkout',
        { burn1h: '14.4' },
      ],
    );
    assert.throws(
      () =>
        verifySignature(
          second?.headers['x-atrium-signature'] as string,
          second?.body.replace('resolve', 'trigger') ?? '',
          WEBHOOK_SECRET,
        ),
      /the signature verifies/,
      'a changed body does not verify',
    );
    const sent = await stored(entry.id);
    assert.deepEqual([sent.status, sent.answer], ['sent', 'HTTP 200: thanks']);
    assert.doesNotMatch(JSON.stringify(sent) + logs.join(''), SEKRET);
  });

  test('PagerDuty: acknowledge and resolve carry only routing_key, event_action and dedup_key', async () => {
    await outbox.enqueue(queued('pagerduty', { message: message({ action: 'trigger' }) }));
    await outbox.enqueue(queued('pagerduty', { message: message({ action: 'acknowledge' }) }));
    await outbox.enqueue(queued('pagerduty', { message: message({ action: 'resolve' }) }));
    for (let run = 0; run < 3; run++) await outbox.deliverDue();
    const bodies = pd.received.map((r) => JSON.parse(r.body));
    assert.deepEqual(
      bodies.map((b) => b.event_action),
      ['trigger', 'acknowledge', 'resolve'],
    );
    assert.equal(bodies[0].payload.custom_details.owner, 'group:default/checkout');
    for (const b of bodies.slice(1))
      assert.deepEqual(b, {
        routing_key: 'R0UTESEKRET',
        event_action: b.event_action,
        dedup_key: 'slo:default/shipments-availability:page',
      });
  });

  test('a resolve never overtakes its trigger: it waits while the trigger backs off, for that receiver and key only', async () => {
    pd.answer(json(500, { message: 'down' }));
    const trigger = await outbox.enqueue(queued('pagerduty'));
    await outbox.deliverDue();
    pd.answer(json(202, { message: 'Event processed' }));
    const resolve = await outbox.enqueue(queued('pagerduty', { message: message({ action: 'resolve' }) }));
    const elsewhere = await outbox.enqueue(queued('pagerduty', { dedupKey: 'another-alert' }));
    assert.equal(await outbox.deliverDue(), 1, 'only the other alert goes now');
    assert.equal((await stored(resolve.entry.id)).status, 'queued');
    assert.equal((await stored(elsewhere.entry.id)).status, 'sent');
    clock = new Date('2026-12-07T02:14:10.000Z');
    assert.equal(await outbox.deliverDue(), 1, 'the trigger first');
    assert.equal((await stored(trigger.entry.id)).status, 'sent');
    assert.equal(await outbox.deliverDue(), 1, 'then its resolve');
    assert.deepEqual(
      pd.received.map((r) => JSON.parse(r.body).event_action),
      ['trigger', 'trigger', 'trigger', 'resolve'],
    );
  });

  test('the list is newest first, filtered by status and receiver, paged by id', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await outbox.enqueue(queued(i % 2 ? 'hooks' : 'checkout-slack', { dedupKey: `k${i}` }))).entry.id);
    slack.answer(text(404, 'no_service'));
    await outbox.deliverDue();
    const store = new NotificationStore(database);
    assert.deepEqual(
      (await store.list({}, 10)).map((e) => e.id),
      [...ids].reverse(),
    );
    assert.deepEqual(
      (await store.list({ receiver: 'hooks' }, 10)).map((e) => e.id),
      [ids[3], ids[1]],
    );
    assert.deepEqual(
      (await store.list({ status: 'failed' }, 10)).map((e) => e.id),
      [ids[4], ids[2], ids[0]],
    );
    assert.deepEqual(
      (await store.list({ status: 'sent', receiver: 'hooks' }, 1)).map((e) => e.id),
      [ids[3]],
    );
    assert.deepEqual(
      (await store.list({ before: ids[2] }, 10)).map((e) => e.id),
      [ids[1], ids[0]],
    );
  });

  test('enqueueAll in a caller’s transaction commits with it or not at all', async () => {
    const store = new NotificationStore(database);
    await assert.rejects(
      database.db.transaction().execute(async (trx) => {
        await store.enqueueAll([queued('hooks'), queued('checkout-slack')], clock, trx);
        throw new Error('the caller’s own write failed');
      }),
      /own write failed/,
    );
    assert.equal((await store.list({}, 10)).length, 0, 'rolled back with the caller');
    await database.db
      .transaction()
      .execute((trx) => store.enqueueAll([queued('hooks'), queued('checkout-slack')], clock, trx));
    assert.equal((await store.list({}, 10)).length, 2);
    await assert.rejects(store.enqueueAll([queued('hooks', { unique: 'x' }), queued('hooks', { unique: 'x' })], clock));
    assert.equal((await store.list({}, 10)).length, 2, 'on its own, one fails and none is written');
  });
});
