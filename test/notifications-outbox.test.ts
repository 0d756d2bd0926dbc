import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import type { Database } from '../src/platform/db/connect.ts';
import { idempotencyOf } from '../src/platform/db/idempotency.ts';
import type { RetryPolicy } from '../src/notifications/model.ts';
import { Outbox } from '../src/notifications/outbox.ts';
import { pagerDutyEventsReceiver } from '../src/notifications/receivers/pagerduty-events.ts';
import { NotificationStore, type NewNotification } from '../src/notifications/store.ts';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from './support/databases.ts';
import { json, loopbackServer, silence } from './support/loopback.ts';

const ACCEPTED = json(202, { status: 'success', message: 'Event processed', dedup_key: 'x' });
const RETRY: RetryPolicy = { baseMs: 10_000, capMs: 60_000, maxAttempts: 3 };

const message = (over: Partial<NewNotification> = {}): NewNotification => ({
  receiver: 'pagerduty',
  subjectKey: 'component:default/shipment-service',
  message: {
    action: 'trigger',
    summary: 'Page from ada: checkout is down',
    severity: 'critical',
    source: 'component:default/shipment-service',
    component: 'shipment-service',
    details: { by: 'ada', message: 'checkout is down' },
    links: [{ href: 'http://atrium.test/catalog/default/component/shipment-service/', text: 'Atrium' }],
  },
  dedupKey: 'atrium-page-1',
  createdBy: 'ada',
  ...over,
});

describeEachDatabase('notification outbox', (dialect) => {
  let testDb: TestDatabase;
  let database: Database;
  let pd: Awaited<ReturnType<typeof loopbackServer>>;
  let clock: Date;
  const now = () => clock;
  const outboxOn = (db: Database) =>
    new Outbox(
      new NotificationStore(db),
      new Map([
        [
          'pagerduty',
          pagerDutyEventsReceiver({
            name: 'pagerduty',
            url: `${pd.url}/v2/enqueue`,
            routingKey: 'R0UTING',
            timeoutMs: 1000,
            now,
          }),
        ],
      ]),
      { now, retry: RETRY },
    );

  before(async () => {
    pd = await loopbackServer(ACCEPTED);
  });
  after(() => pd.close());
  beforeEach(async () => {
    clock = new Date('2026-12-07T02:14:00.000Z');
    pd.received.length = 0;
    pd.answer(ACCEPTED);
    testDb = await createTestDatabase(dialect, { migrated: true });
    database = await testDb.open();
  });
  afterEach(async () => {
    await database.close();
    await testDb.drop();
  });

  test('a queued message is delivered as a PagerDuty Events v2 trigger and marked sent', async () => {
    const outbox = outboxOn(database);
    const { entry } = await outbox.enqueue(message());
    assert.equal(entry.status, 'queued');
    assert.equal(pd.received.length, 0, 'queueing sends nothing');
    assert.equal(await outbox.deliverDue(), 1);
    const [req] = pd.received;
    assert.equal(req?.method, 'POST');
    assert.equal(req?.url, '/v2/enqueue');
    assert.equal(req?.headers['content-type'], 'application/json');
    const body = JSON.parse(req?.body ?? '');
    assert.equal(body.routing_key, 'R0UTING');
    assert.equal(body.event_action, 'trigger');
    assert.equal(body.dedup_key, 'atrium-page-1');
    assert.deepEqual(
      { summary: body.payload.summary, source: body.payload.source, severity: body.payload.severity },
      {
        summary: 'Page from ada: checkout is down',
        source: 'component:default/shipment-service',
        severity: 'critical',
      },
    );
    assert.deepEqual(body.payload.custom_details, { by: 'ada', message: 'checkout is down' });
    const sent = await outbox.entry(entry.id);
    assert.equal(sent?.status, 'sent');
    assert.equal(sent?.sentAt, clock.toISOString());
    assert.equal(await outbox.deliverDue(), 0, 'a sent message is not sent again');
  });

  test('a message queued before a restart is delivered by the next process', async () => {
    await outboxOn(database).enqueue(message());
    await database.close();
    database = await testDb.open();
    assert.equal(await outboxOn(database).deliverDue(), 1);
    assert.equal(pd.received.length, 1);
  });

  test('the same idempotency twice queues one message; the same key with another request is refused', async () => {
    const outbox = outboxOn(database);
    const key = (principal: string, request = 'page 1') => idempotencyOf(principal, 'pages', 'k1', request);
    const first = await outbox.enqueue(message({ idempotency: key('ada') }));
    const second = await outbox.enqueue(message({ idempotency: key('ada'), dedupKey: 'other' }));
    assert.equal(second.replayed, true);
    assert.equal(second.entry.id, first.entry.id);
    const other = await outbox.enqueue(message({ idempotency: key('bob') }));
    assert.notEqual(other.entry.id, first.entry.id, "another principal's key is its own");
    await assert.rejects(outbox.enqueue(message({ idempotency: key('ada', 'page 2') })), {
      code: 'idempotency-key-reused',
      status: 422,
    });
  });

  test('5xx and timeouts back off exponentially by the injected clock, then the message fails after the last attempt', async () => {
    const outbox = outboxOn(database);
    const { entry } = await outbox.enqueue(message());
    pd.answer(json(500, { status: 'error', message: 'oops' }));
    await outbox.deliverDue();
    let stored = await outbox.entry(entry.id);
    assert.equal(stored?.status, 'queued');
    assert.equal(stored?.lastError, 'HTTP 500: oops');
    assert.equal(stored?.nextAttemptAt, '2026-12-07T02:14:10.000Z');
    clock = new Date('2026-12-07T02:14:09.999Z');
    assert.equal(await outbox.deliverDue(), 0, 'not due before its backoff ends');
    clock = new Date('2026-12-07T02:14:10.000Z');
    pd.answer(silence);
    await outbox.deliverDue();
    stored = await outbox.entry(entry.id);
    assert.match(stored?.lastError ?? '', /no answer within/);
    assert.equal(stored?.nextAttemptAt, '2026-12-07T02:14:30.000Z', 'the second wait doubles');
    clock = new Date('2026-12-07T02:14:30.000Z');
    pd.answer(json(502, {}));
    await outbox.deliverDue();
    stored = await outbox.entry(entry.id);
    assert.equal(stored?.status, 'failed');
    assert.equal(stored?.attempts, 3);
  });

  test('429 waits for Retry-After; 400 fails at once; the routing key never reaches the error', async () => {
    const outbox = outboxOn(database);
    const { entry } = await outbox.enqueue(message());
    pd.answer(
      json(
        429,
        { status: 'throttle event', message: 'Requests for this service are arriving too quickly.' },
        { 'retry-after': '45' },
      ),
    );
    await outbox.deliverDue();
    assert.equal((await outbox.entry(entry.id))?.nextAttemptAt, '2026-12-07T02:14:45.000Z');
    clock = new Date('2026-12-07T02:14:45.000Z');
    pd.answer(
      json(400, {
        status: 'invalid event',
        message: 'Event object is invalid',
        errors: ['Length of summary is too long'],
      }),
    );
    await outbox.deliverDue();
    const stored = await outbox.entry(entry.id);
    assert.equal(stored?.status, 'failed');
    assert.equal(stored?.lastError, 'HTTP 400: Event object is invalid: Length of summary is too long');
    assert.doesNotMatch(JSON.stringify(stored), /R0UTING/);
  });

  test('malformed and oversized answers are not trusted beyond their status', async () => {
    const outbox = outboxOn(database);
    const { entry } = await outbox.enqueue(message());
    pd.answer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(`{"message": "${'x'.repeat(100_000)}`);
    });
    await outbox.deliverDue();
    assert.equal((await outbox.entry(entry.id))?.lastError, 'HTTP 503: (answer cut at 16384 bytes)');
  });

  test('two delivery runs at once (two replicas) send a message once', async () => {
    const outbox = outboxOn(database);
    const replica = outboxOn(database);
    await outbox.enqueue(message());
    const attempts = await Promise.all([outbox.deliverDue(), replica.deliverDue()]);
    assert.equal(attempts[0] + attempts[1], 1);
    assert.equal(pd.received.length, 1);
  });

  test('a message for a receiver no longer configured waits, and is not lost', async () => {
    const outbox = outboxOn(database);
    const { entry } = await outbox.enqueue(message({ receiver: 'gone' }));
    await outbox.deliverDue();
    const stored = await outbox.entry(entry.id);
    assert.equal(stored?.status, 'queued');
    assert.equal(stored?.lastError, 'receiver "gone" is not configured');
  });
});
