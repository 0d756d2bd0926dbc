import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatExact } from './exact.ts';
import { budgetRemaining, errorBudget, errorRatio, exhaustionAt, windowHours, windowRange } from './budget.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const rolling30 = { kind: 'rolling', days: 30 } as const;
const berlin = { kind: 'calendar', unit: 'month', timeZone: 'Europe/Berlin' } as const;

describe('errorBudget', () => {
  it('is 1 − objective/100 exactly', () => {
    assert.equal(formatExact(errorBudget('99.9')), '0.001');
    assert.equal(formatExact(errorBudget('99.95')), '0.0005');
    assert.equal(formatExact(errorBudget('99')), '0.01');
    assert.equal(formatExact(errorBudget('0.001'), 30), '0.99999');
  });
});

describe('errorRatio and budgetRemaining', () => {
  it('are undefined without events', () => {
    assert.equal(errorRatio({ good: 0, total: 0 }), undefined);
    assert.equal(budgetRemaining({ good: 0, total: 0 }, errorBudget('99.9')), undefined);
  });
  it('count the budget left: untouched, half, spent, overspent', () => {
    const budget = errorBudget('99.9');
    assert.equal(budgetRemaining({ good: 1000, total: 1000 }, budget), 1);
    assert.ok(Math.abs((budgetRemaining({ good: 9995, total: 10_000 }, budget) ?? 0) - 0.5) < 1e-12);
    assert.ok(Math.abs(budgetRemaining({ good: 999, total: 1000 }, budget) ?? 1) < 1e-12);
    assert.ok(Math.abs((budgetRemaining({ good: 997, total: 1000 }, budget) ?? 0) + 2) < 1e-12, '3× the budget: −2');
  });
});

describe('windowRange', () => {
  it('is the days before the instant for a rolling window', () => {
    const at = Date.parse('2025-03-15T12:00:00Z');
    assert.deepEqual(windowRange(rolling30, at), { start: at - 30 * DAY, end: at });
    assert.equal(windowHours(rolling30, at), 720);
    assert.equal(windowHours({ kind: 'rolling', days: 28 }, at), 672);
  });

  it('is the month in the zone, from local midnight to local midnight', () => {
    // 15 March 2025 in Berlin: March runs from 1 March 00:00 CET (23:00 UTC on 28 Feb) to
    // 1 April 00:00 CEST (22:00 UTC on 31 March); the clocks went forward on 30 March.
    const range = windowRange(berlin, Date.parse('2025-03-15T12:00:00Z'));
    assert.equal(new Date(range.start).toISOString(), '2025-02-28T23:00:00.000Z');
    assert.equal(new Date(range.end).toISOString(), '2025-03-31T22:00:00.000Z');
    assert.equal(windowHours(berlin, Date.parse('2025-03-15T12:00:00Z')), 743);
    assert.equal(windowHours(berlin, Date.parse('2025-10-15T12:00:00Z')), 745, 'October has the hour back');
    assert.equal(windowHours(berlin, Date.parse('2025-02-15T12:00:00Z')), 672);
  });

  it('puts an instant by its local date: 23:30 UTC on 31 January is February in Berlin', () => {
    const range = windowRange(berlin, Date.parse('2025-01-31T23:30:00Z'));
    assert.equal(new Date(range.start).toISOString(), '2025-01-31T23:00:00.000Z');
    assert.equal(new Date(range.end).toISOString(), '2025-02-28T23:00:00.000Z');
  });
});

describe('exhaustionAt', () => {
  const at = Date.parse('2025-03-15T12:00:00Z');
  it('is now when the budget is spent, and never without a burn or data', () => {
    assert.equal(exhaustionAt(0, 2, rolling30, at), at);
    assert.equal(exhaustionAt(-1, 0, rolling30, at), at);
    assert.equal(exhaustionAt(0.5, 0, rolling30, at), undefined);
    assert.equal(exhaustionAt(0.5, null, rolling30, at), undefined);
    assert.equal(exhaustionAt(undefined, 3, rolling30, at), undefined);
  });
  it('spends the rest at the burn rate: half a 30-day budget at 10× lasts 36 hours', () => {
    assert.equal(exhaustionAt(0.5, 10, rolling30, at), at + 36 * HOUR);
    assert.equal(exhaustionAt(1, 1, rolling30, at), at + 30 * DAY, 'exactly at the horizon');
    assert.equal(exhaustionAt(0.5, 0.4, rolling30, at), undefined, 'past a window from now');
  });
  it('stops at the end of a calendar month', () => {
    // 743 h in March 2025 (Berlin), 394 h of it left after 15 March 12:00 UTC: 10 % left at 1×
    // lasts 74.3 h, 50 % 371.5 h (both within the month), 60 % 445.8 h (past its end).
    assert.equal(exhaustionAt(0.1, 1, berlin, at), at + 74.3 * HOUR);
    assert.equal(exhaustionAt(0.5, 1, berlin, at), at + 371.5 * HOUR);
    assert.equal(exhaustionAt(0.6, 1, berlin, at), undefined);
  });
});
