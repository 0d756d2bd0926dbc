import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OutboxEntry } from '../model.ts';
import { webhookPayload, webhookSignature } from './webhook-payload.ts';

const entry: OutboxEntry = {
  id: 7,
  receiver: 'hooks',
  subjectKey: 'component:default/shipment-service',
  message: {
    action: 'resolve',
    summary: 'x'.repeat(2000),
    severity: 'warning',
    source: 'slo:default/shipments-availability',
    component: 'shipment-service',
    owner: 'group:default/checkout',
    details: { burn: '14.4' },
    links: [{ href: 'https://atrium.example/slo', text: 'SLO' }],
    routingKey: 'R0UTING',
  },
  dedupKey: 'slo:default/shipments-availability:page',
  status: 'queued',
  attempts: 0,
  nextAttemptAt: '2026-12-07T04:14:00.000Z',
  createdBy: 'slo-alerting',
  createdAt: '2026-12-07T04:14:00.000Z',
};

test('the signature is t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">, as computed by openssl', () => {
  // printf '1796616840.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
  assert.equal(
    webhookSignature('whsec_test', '{"a":1}', new Date('2026-12-07T04:14:00.999Z')),
    't=1796616840,v1=77406b0923fc422af848e644a02780e11e8d3c18fdc4f3bcf53b8297d48a8ee8',
  );
});

test('another secret, body or second signs differently', () => {
  const at = new Date('2026-12-07T04:14:00Z');
  const base = webhookSignature('whsec_test', '{"a":1}', at);
  assert.notEqual(webhookSignature('whsec_other', '{"a":1}', at), base);
  assert.notEqual(webhookSignature('whsec_test', '{"a":2}', at), base);
  assert.notEqual(webhookSignature('whsec_test', '{"a":1}', new Date('2026-12-07T04:14:01Z')), base);
});

test('the payload carries the action, dedup key and message, a bounded summary, and never the routing key', () => {
  const payload = webhookPayload(entry);
  assert.equal(payload.action, 'resolve');
  assert.equal(payload.dedupKey, 'slo:default/shipments-availability:page');
  assert.equal(payload.id, 7);
  assert.equal(payload.owner, 'group:default/checkout');
  assert.equal((payload.summary as string).length, 1024);
  assert.doesNotMatch(JSON.stringify(payload), /R0UTING/);
});
