import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterAttempt, boundedSummary, DEFAULT_RETRY, outcomeOfStatus, plainAnswer } from './model.ts';

const NOW = new Date('2026-12-07T02:14:00.000Z');

test('a 2xx is sent, with the answer kept; 408, 429 and 5xx are retried; other statuses rejected', () => {
  assert.deepEqual(outcomeOfStatus(200, 'ok'), { kind: 'sent', answer: 'HTTP 200: ok' });
  assert.deepEqual(outcomeOfStatus(202, ''), { kind: 'sent', answer: 'HTTP 202' });
  assert.deepEqual(outcomeOfStatus(429, '', 30_000), { kind: 'retry', error: 'HTTP 429', retryAfterMs: 30_000 });
  assert.equal(outcomeOfStatus(503, 'down').kind, 'retry');
  assert.equal(outcomeOfStatus(408, '').kind, 'retry');
  for (const status of [400, 403, 404, 410]) assert.equal(outcomeOfStatus(status, 'no_service').kind, 'rejected');
});

test('a sent attempt stores the bounded answer and no error; a failed one the error and no answer', () => {
  const sent = afterAttempt(0, { kind: 'sent', answer: `HTTP 200: ${'a'.repeat(900)}` }, NOW, DEFAULT_RETRY);
  assert.equal(sent.status, 'sent');
  assert.equal(sent.answer?.length, 500);
  assert.equal(sent.lastError, null);
  const failed = afterAttempt(0, { kind: 'rejected', error: 'HTTP 404: no_service' }, NOW, DEFAULT_RETRY);
  assert.deepEqual([failed.status, failed.answer, failed.lastError], ['failed', null, 'HTTP 404: no_service']);
});

test('a plain-text answer is one line of at most 200 characters; a summary at most 1,024', () => {
  assert.equal(plainAnswer('  invalid_payload\n\u0007more '), 'invalid_payload more');
  assert.equal(plainAnswer('x'.repeat(1000)).length, 200);
  assert.equal(boundedSummary('s'.repeat(1024)), 's'.repeat(1024));
  assert.equal(boundedSummary('s'.repeat(1025)), `${'s'.repeat(1023)}…`);
});
