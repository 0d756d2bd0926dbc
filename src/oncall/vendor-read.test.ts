import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_READ_POLICY, failureMessage, failureOfStatus, holdAfter } from './vendor-read.ts';

describe('failureOfStatus', () => {
  test('every status class', () => {
    assert.equal(failureOfStatus(200), undefined);
    assert.equal(failureOfStatus(204), undefined);
    assert.equal(failureOfStatus(401), 'unauthorized');
    assert.equal(failureOfStatus(403), 'unauthorized');
    assert.equal(failureOfStatus(404), 'not-found');
    assert.equal(failureOfStatus(429), 'rate-limited');
    assert.equal(failureOfStatus(500), 'server-error');
    assert.equal(failureOfStatus(503), 'server-error');
    assert.equal(failureOfStatus(400), 'http-error');
    assert.equal(failureOfStatus(302), 'http-error');
  });
});

describe('holdAfter', () => {
  const policy = DEFAULT_READ_POLICY;
  test('a rate limit holds the whole API for Retry-After, or the default, never beyond the cap', () => {
    assert.deepEqual(holdAfter('rate-limited', 30_000, policy), { ms: 30_000, wholeApi: true });
    assert.deepEqual(holdAfter('rate-limited', undefined, policy), { ms: policy.rateLimitMs, wholeApi: true });
    assert.deepEqual(holdAfter('rate-limited', 0, policy), { ms: 0, wholeApi: true });
    assert.deepEqual(holdAfter('rate-limited', 86_400_000, policy), { ms: policy.maxHoldMs, wholeApi: true });
  });

  test('a refused key holds the whole API; anything else only the schedule, for the retry interval', () => {
    assert.deepEqual(holdAfter('unauthorized', 5_000, policy), { ms: policy.unauthorizedMs, wholeApi: true });
    for (const failure of ['timeout', 'unreachable', 'server-error', 'malformed', 'too-large', 'not-found'] as const)
      assert.deepEqual(holdAfter(failure, 5_000, policy), { ms: policy.failureRetryMs, wholeApi: false });
  });
});

describe('failureMessage', () => {
  test('names the API and what to do, never more than the status', () => {
    assert.equal(
      failureMessage('unauthorized', 'PagerDuty'),
      'PagerDuty refused the API key: check paging.pagerduty.apiKeyEnv',
    );
    assert.equal(failureMessage('server-error', 'Opsgenie', 'HTTP 502'), 'Opsgenie failed (HTTP 502)');
    assert.equal(failureMessage('timeout', 'Opsgenie'), 'Opsgenie did not answer in time');
  });
});
