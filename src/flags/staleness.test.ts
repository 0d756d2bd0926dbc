import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stalenessOf } from './staleness.ts';

const now = new Date('2026-06-01T00:00:00Z');

describe('stalenessOf', () => {
  it('a release flag fully on for more than 40 days is stale; on the 40th day it is not yet', () => {
    assert.deepEqual(stalenessOf('release', [true, true], '2026-04-21T23:00:00Z', now), {
      settled: 'on',
      ageDays: 40,
      stale: false,
    });
    assert.deepEqual(stalenessOf('release', [true, true], '2026-04-20T00:00:00Z', now), {
      settled: 'on',
      ageDays: 42,
      stale: true,
    });
  });

  it('fully off counts too, and off everywhere includes no environment at all', () => {
    assert.equal(stalenessOf('experiment', [false, false], '2026-01-01T00:00:00Z', now).stale, true);
    assert.deepEqual(stalenessOf('experiment', [], '2026-01-01T00:00:00Z', now).settled, 'off');
  });

  it('a flag on in some environments and off in others is still rolling out, however old', () => {
    assert.deepEqual(stalenessOf('release', [true, false], '2020-01-01T00:00:00Z', now).stale, false);
  });

  it('operational flags go stale after a week; kill switches and permissions never', () => {
    assert.equal(stalenessOf('operational', [true], '2026-05-24T00:00:00Z', now).stale, true);
    assert.equal(stalenessOf('kill-switch', [false], '2020-01-01T00:00:00Z', now).stale, false);
    assert.equal(stalenessOf('permission', [true], '2020-01-01T00:00:00Z', now).stale, false);
  });

  it('a change in the future (clock skew) is age 0', () => {
    assert.equal(stalenessOf('release', [true], '2026-07-01T00:00:00Z', now).ageDays, 0);
  });
});
