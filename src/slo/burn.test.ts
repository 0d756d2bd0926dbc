import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorBudget } from './budget.ts';
import { alertFactor, burnRate, burnsAbove, burnWindowMs } from './burn.ts';
import { exactOf, formatExact } from './exact.ts';
import { DEFAULT_ALERT_PAIRS } from './model.ts';

const budget = errorBudget('99.9');

describe('burnRate', () => {
  it('is the error ratio over the budget; null without events', () => {
    assert.ok(Math.abs((burnRate({ good: 990, total: 1000 }, budget) ?? 0) - 10) < 1e-9);
    assert.ok(Math.abs((burnRate({ good: 9999, total: 10_000 }, budget) ?? 0) - 0.1) < 1e-9);
    assert.equal(burnRate({ good: 5, total: 5 }, budget), 0);
    assert.equal(burnRate({ good: 0, total: 0 }, budget), null);
    assert.equal(burnRate(undefined, budget), null);
  });
});

describe('alertFactor', () => {
  const factors = (hours: number) => DEFAULT_ALERT_PAIRS.map((p) => formatExact(alertFactor(p, hours)));
  it('gives the workbook factors for 30 days exactly', () => {
    assert.deepEqual(factors(720), ['14.4', '6', '3', '1']);
  });
  it('scales them to 28 days exactly (thirds shown to 12 places)', () => {
    assert.deepEqual(factors(672), ['13.44', '5.6', '2.8', '0.933333333333']);
    const third = alertFactor(DEFAULT_ALERT_PAIRS[3] as (typeof DEFAULT_ALERT_PAIRS)[number], 672);
    assert.deepEqual([third.num, third.den], [14n, 15n]);
  });
  it('times the budget without float noise: 14.4 × 0.001 is 0.0144', () => {
    const pair = DEFAULT_ALERT_PAIRS[0] as (typeof DEFAULT_ALERT_PAIRS)[number];
    const threshold = exactOf(formatExact(alertFactor(pair, 720)));
    assert.equal(formatExact({ num: threshold.num * budget.num, den: threshold.den * budget.den }), '0.0144');
  });
});

describe('burnsAbove', () => {
  const factor = exactOf('14.4');
  it('fires strictly above the factor, compared exactly', () => {
    // 14.4 × 0.001 = 0.0144: 144 errors in 10,000 is exactly at the factor, 145 above it.
    assert.equal(burnsAbove({ good: 10_000 - 144, total: 10_000 }, factor, budget), false);
    assert.equal(burnsAbove({ good: 10_000 - 145, total: 10_000 }, factor, budget), true);
  });
  it('does not fire without events', () => {
    assert.equal(burnsAbove({ good: 0, total: 0 }, factor, budget), false);
    assert.equal(burnsAbove(undefined, factor, budget), false);
  });
  it('reads rates from Prometheus (fractions of events) through their decimal text', () => {
    assert.equal(burnsAbove({ good: 0.9855, total: 1 }, factor, budget), true);
    assert.equal(burnsAbove({ good: 0.9856, total: 1 }, factor, budget), false);
  });
});

describe('burnWindowMs', () => {
  it('knows each window', () => {
    assert.equal(burnWindowMs('5m'), 300_000);
    assert.equal(burnWindowMs('3d'), 3 * 86_400_000);
  });
});
