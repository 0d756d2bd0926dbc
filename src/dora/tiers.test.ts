import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AtriumError } from '../platform/errors.ts';
import { DEFAULT_TIER_YEAR, DORA_TIERS, tierOf, type DoraMetric, type DoraTier } from './tiers.ts';

const HOUR = 3600;
const DAY = 24 * HOUR;

describe('tierOf with the 2023 thresholds', () => {
  // [value, expected tier]: each boundary exactly, and just either side of it.
  const cases: Record<DoraMetric, [number, DoraTier][]> = {
    // Deployments per week: elite at 7 (daily), high at 1, medium at 12 a year (12/52 ≈ 0.2308).
    deploymentFrequency: [
      [30, 'elite'],
      [7, 'elite'],
      [6.99, 'high'],
      [1, 'high'],
      [0.99, 'medium'],
      [12 / 52, 'medium'],
      [0.23, 'low'],
      [0, 'low'],
    ],
    // Seconds; "less than" a day, a week, a month (30 days): equality falls to the next tier.
    leadTime: [
      [0, 'elite'],
      [DAY - 1, 'elite'],
      [DAY, 'high'],
      [7 * DAY - 1, 'high'],
      [7 * DAY, 'medium'],
      [30 * DAY - 1, 'medium'],
      [30 * DAY, 'low'],
    ],
    // Fractions; the cluster's rate itself is still in the cluster.
    changeFailureRate: [
      [0, 'elite'],
      [0.05, 'elite'],
      [0.0501, 'high'],
      [0.1, 'high'],
      [0.1001, 'medium'],
      [0.15, 'medium'],
      [0.1501, 'low'],
      [1, 'low'],
    ],
    // Seconds; less than an hour, a day, a week.
    recoveryTime: [
      [HOUR - 1, 'elite'],
      [HOUR, 'high'],
      [DAY - 1, 'high'],
      [DAY, 'medium'],
      [7 * DAY - 1, 'medium'],
      [7 * DAY, 'low'],
    ],
  };
  for (const [metric, rows] of Object.entries(cases) as [DoraMetric, [number, DoraTier][]][]) {
    for (const [value, tier] of rows) {
      test(`${metric} ${value} is ${tier}`, () => {
        assert.equal(tierOf(metric, value), tier);
        assert.equal(tierOf(metric, value, 2023), tier);
      });
    }
  }

  test('a rate computed by division lands on the boundary it equals (1 of 20 is elite, 3 of 20 medium)', () => {
    assert.equal(tierOf('changeFailureRate', 1 / 20), 'elite');
    assert.equal(tierOf('changeFailureRate', 2 / 20), 'high');
    assert.equal(tierOf('changeFailureRate', 3 / 20), 'medium');
  });

  test('no value has no tier', () => {
    for (const metric of ['deploymentFrequency', 'leadTime', 'changeFailureRate', 'recoveryTime'] as const) {
      assert.equal(tierOf(metric, null), null);
      assert.equal(tierOf(metric, undefined), null);
      assert.equal(tierOf(metric, Number.NaN), null);
    }
  });
});

describe('tier years', () => {
  test('the default year is 2023 and has thresholds', () => {
    assert.equal(DEFAULT_TIER_YEAR, 2023);
    assert.ok(DORA_TIERS[DEFAULT_TIER_YEAR]);
  });

  test('an unknown year is an error naming the known ones, even without a value', () => {
    for (const value of [1, null]) {
      assert.throws(
        () => tierOf('leadTime', value, 1999),
        (err: unknown) =>
          err instanceof AtriumError &&
          err.code === 'unknown-dora-tier-year' &&
          err.category === 'user-fixable' &&
          err.hint.includes('2023'),
      );
    }
  });
});
