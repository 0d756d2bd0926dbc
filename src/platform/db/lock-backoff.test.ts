import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LOCK_BACKOFF, type LockBackoffPolicy, lockBackoff } from './lock-backoff.ts';

const policy: LockBackoffPolicy = { firstMs: 4, maxMs: 100, deadlineMs: 1_000 };

describe('lockBackoff', () => {
  test('the longest wait doubles from firstMs up to maxMs', () => {
    const longest = [1, 2, 3, 4, 5, 6, 7, 8, 40].map((failures) => lockBackoff(policy, failures, 0, 0.999_999));
    assert.deepEqual(longest, [4, 8, 16, 32, 64, 100, 100, 100, 100]);
  });

  test('equal jitter: every wait is between half the ceiling and the ceiling, by `random`', () => {
    assert.equal(lockBackoff(policy, 3, 0, 0), 8);
    assert.equal(lockBackoff(policy, 3, 0, 0.5), 12);
    assert.equal(lockBackoff(policy, 6, 0, 0), 50);
    assert.equal(lockBackoff(policy, 6, 0, 0.5), 75);
    for (let failures = 1; failures <= 20; failures++) {
      for (const random of [0, 0.1, 0.37, 0.5, 0.9, 0.999]) {
        const ceiling = Math.min(policy.maxMs, policy.firstMs * 2 ** (failures - 1));
        const wait = lockBackoff(policy, failures, 0, random) ?? Number.NaN;
        assert.ok(wait >= ceiling / 2 && wait <= ceiling, `${failures} failures, random ${random}: ${wait}`);
      }
    }
  });

  test('a wait is at least 1 ms, so a lock is never polled in a hot loop', () => {
    assert.equal(lockBackoff({ firstMs: 0, maxMs: 0, deadlineMs: 100 }, 1, 0, 0), 1);
    assert.equal(lockBackoff({ firstMs: 1, maxMs: 100, deadlineMs: 100 }, 1, 0, 0), 1);
  });

  test('no wait ends after the deadline; at or past it the answer is to give up', () => {
    assert.equal(lockBackoff(policy, 10, 990, 0.9), 10);
    assert.equal(lockBackoff(policy, 10, 999.5, 0.9), 1);
    assert.equal(lockBackoff(policy, 1, 1_000, 0), undefined);
    assert.equal(lockBackoff(policy, 1, 5_000, 0), undefined);
    assert.equal(lockBackoff({ ...policy, deadlineMs: 0 }, 1, 0, 0), undefined, 'a zero deadline never waits');
  });

  test('a whole wait, simulated: the last try is made at the deadline, and the number of tries is bounded', () => {
    for (const random of [0, 0.5, 0.999]) {
      let waited = 0;
      let tries = 1;
      for (let wait = lockBackoff(LOCK_BACKOFF, tries, waited, random); wait !== undefined; ) {
        waited += wait;
        tries++;
        wait = lockBackoff(LOCK_BACKOFF, tries, waited, random);
      }
      assert.equal(waited, LOCK_BACKOFF.deadlineMs, `random ${random}`);
      // 5 s at waits of 50–100 ms once grown: about 50–100 tries, never thousands.
      assert.ok(tries > 40 && tries < 120, `random ${random}: ${tries} tries`);
    }
  });

  test('odd inputs are held to the rules: failures below 1 or fractional, random outside [0, 1), a clock gone wrong', () => {
    assert.equal(lockBackoff(policy, 0, 0, 0.999_999), 4);
    assert.equal(lockBackoff(policy, -3, 0, 0.999_999), 4);
    assert.equal(lockBackoff(policy, 2.7, 0, 0.999_999), 8);
    assert.equal(lockBackoff(policy, Number.POSITIVE_INFINITY, 0, 0.999_999), 100);
    assert.equal(lockBackoff(policy, Number.NaN, 0, 0.999_999), 4);
    assert.equal(lockBackoff(policy, 1, 0, -5), 2);
    assert.equal(lockBackoff(policy, 1, 0, 7), 4);
    assert.equal(lockBackoff(policy, 1, 0, Number.NaN), 4, 'NaN jitter is taken as the longest wait, never NaN ms');
    assert.equal(lockBackoff(policy, 1, Number.NaN, 0), undefined, 'an elapsed time that is not a number gives up');
    assert.equal(lockBackoff(policy, 1, -50, 0), 2, 'a clock that ran backwards does not lengthen a wait');
  });
});
