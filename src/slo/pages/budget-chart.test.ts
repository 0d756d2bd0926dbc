import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BudgetPoint } from '../model.ts';
import { budgetChart, budgetSummary } from './budget-chart.ts';

const day = (d: number, budgetRemaining: number): BudgetPoint => ({
  at: new Date(Date.UTC(2026, 1, d)).toISOString(),
  budgetRemaining,
});
const render = (points: BudgetPoint[]) =>
  budgetChart('budget-checkout', 'Error budget left over 30 days', points).value;
/** The polyline's points as [x, y]. */
const line = (out: string): number[][] =>
  (/<polyline class="chart-line" fill="none" points="([^"]*)"/.exec(out)?.[1] ?? '')
    .split(' ')
    .filter(Boolean)
    .map((p) => p.split(',').map(Number));
const rows = (out: string) =>
  [...out.matchAll(/<tr><th scope="row"><time datetime="([^"]*)">[^<]*<\/time><\/th><td>([^<]*)<\/td><\/tr>/g)].map(
    (m) => [m[1], m[2]],
  );

describe('budgetChart', () => {
  test('an accessible picture: role img, labelled by its title and a summary of the points', () => {
    const out = render([day(1, 1), day(2, 0.8), day(3, 0.42)]);
    assert.match(
      out,
      /<svg class="chart" width="640" height="204" viewBox="0 0 640 204" role="img" aria-labelledby="budget-checkout-title budget-checkout-desc">/,
    );
    assert.match(out, /<title id="budget-checkout-title">Error budget left over 30 days<\/title>/);
    assert.match(
      out,
      /<desc id="budget-checkout-desc">3 points from 100% left at 2026-02-01 00:00 UTC to 42% left at 2026-02-03 00:00 UTC\.<\/desc>/,
    );
  });

  test('the line runs left to right in time, 100% at the top and 0% lower down', () => {
    const out = render([day(3, 0.5), day(1, 1), day(2, 0)]);
    assert.deepEqual(line(out), [
      [52, 16],
      [338, 176],
      [624, 96],
    ]);
    assert.match(out, /<line class="chart-zero" x1="52" y1="176" x2="624" y2="176"\/>/);
  });

  test('an overspent budget goes below the zero line, and the axis extends to show it', () => {
    const out = render([day(1, 1), day(2, -1)]);
    assert.deepEqual(line(out), [
      [52, 16],
      [624, 176],
    ]);
    assert.match(out, /<line class="chart-zero" x1="52" y1="96"/);
    assert.match(out, />-100%<\/text>/);
    assert.match(budgetSummary([day(1, 1), day(2, -1)]), /to overspent by 100% at 2026-02-02/);
  });

  test('the same points as a table, oldest first; unusable points are left out of both', () => {
    const out = render([day(2, 0.5), { at: 'not a time', budgetRemaining: 0.1 }, day(1, 0.9), day(3, Number.NaN)]);
    assert.deepEqual(rows(out), [
      ['2026-02-01T00:00:00.000Z', '90% left'],
      ['2026-02-02T00:00:00.000Z', '50% left'],
    ]);
    assert.equal(line(out).length, 2);
  });

  test('the lowest point is named when it is not the last', () => {
    assert.match(budgetSummary([day(1, 1), day(2, 0.2), day(3, 0.3)]), /Lowest: 20% left at 2026-02-02 00:00 UTC\./);
    assert.doesNotMatch(budgetSummary([day(1, 1), day(2, 0.2)]), /Lowest/);
  });

  test('one point is a dot; none says "No data" in the picture, the summary and the table', () => {
    const one = render([day(1, 0.7)]);
    assert.match(one, /<circle class="chart-point" cx="338" cy="64" r="3"\/>/);
    assert.match(budgetSummary([day(1, 0.7)]), /^One point: 70% left at 2026-02-01 00:00 UTC\.$/);
    const none = render([]);
    assert.match(none, />No data<\/text>/);
    assert.match(none, /<desc id="budget-checkout-desc">No data\.<\/desc>/);
    assert.match(none, /<td colspan="2">No data<\/td>/);
    assert.doesNotMatch(none, /polyline/);
  });

  test('the id is reduced to safe characters', () => {
    assert.match(budgetChart('budget-"><x', 't', []).value, /<figure class="chart-figure" id="budget-x">/);
  });
});
