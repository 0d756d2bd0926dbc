import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { catchUpPlan, MAX_CATCH_UP } from './catch-up.ts';

const MIN = 60_000;
const now = 100 * MIN;
/** Ticks every minute from 90 to 100 minutes: 10 late ones (older than a minute) and two on time. */
const ticks = Array.from({ length: 11 }, (_, i) => (90 + i) * MIN);

describe('catchUpPlan', () => {
  it('runs ticks on time whatever the policy', () => {
    const plan = catchUpPlan([now - 30_000, now], { kind: 'none' }, now, MIN);
    assert.deepEqual(plan, { onTime: [now - 30_000, now], caughtUp: [], missed: [] });
  });

  it('none: every late tick is missed', () => {
    const plan = catchUpPlan(ticks, { kind: 'none' }, now, MIN);
    assert.deepEqual(plan.onTime, [99 * MIN, 100 * MIN]);
    assert.deepEqual(plan.caughtUp, []);
    assert.deepEqual(plan.missed, ticks.slice(0, 9));
  });

  it('last: the latest late tick runs, the others are missed', () => {
    const plan = catchUpPlan(ticks, { kind: 'last' }, now, MIN);
    assert.deepEqual(plan.caughtUp, [98 * MIN]);
    assert.deepEqual(plan.missed, ticks.slice(0, 8));
  });

  it('N: the latest N late ticks run; N beyond the backlog runs it all', () => {
    assert.deepEqual(
      catchUpPlan(ticks, { kind: 'count', count: 3 }, now, MIN).caughtUp,
      [96, 97, 98].map((m) => m * MIN),
    );
    const all = catchUpPlan(ticks, { kind: 'count', count: 50 }, now, MIN);
    assert.deepEqual(all.caughtUp, ticks.slice(0, 9));
    assert.deepEqual(all.missed, []);
  });

  it('N is bounded by MAX_CATCH_UP', () => {
    const many = Array.from({ length: 300 }, (_, i) => i * MIN);
    const plan = catchUpPlan(many, { kind: 'count', count: 10_000 }, 10_000 * MIN, MIN);
    assert.equal(plan.caughtUp.length, MAX_CATCH_UP);
    assert.equal(plan.missed.length, 300 - MAX_CATCH_UP);
  });

  it('every tick lands in exactly one list', () => {
    for (const catchUp of [{ kind: 'none' }, { kind: 'last' }, { kind: 'count', count: 4 }] as const) {
      const p = catchUpPlan(ticks, catchUp, now, MIN);
      assert.deepEqual(
        [...p.missed, ...p.caughtUp, ...p.onTime].sort((a, b) => a - b),
        ticks,
      );
    }
  });

  it('of more missed ticks than maxListed, the newest are listed and the older ones are one span', () => {
    const plan = catchUpPlan(ticks, { kind: 'last' }, now, MIN, 3);
    assert.deepEqual(
      plan.missed,
      [95, 96, 97].map((m) => m * MIN),
    );
    assert.deepEqual(plan.unlisted, { first: 90 * MIN, count: 5 });
    assert.deepEqual(plan.caughtUp, [98 * MIN]);
    assert.equal(catchUpPlan(ticks, { kind: 'last' }, now, MIN, 8).unlisted, undefined, 'eight missed, eight listed');
  });

  it('nothing due, nothing planned', () => {
    assert.deepEqual(catchUpPlan([], { kind: 'last' }, now, MIN), { onTime: [], caughtUp: [], missed: [] });
  });
});
