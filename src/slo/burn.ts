import { div, type Exact, exact, exactOf, mul } from './exact.ts';
import type { AlertWindowPair, BurnWindow, EventCounts } from './model.ts';
import { BURN_WINDOW_MINUTES } from './slo-definition.ts';
import { errorRatio } from './budget.ts';
import { toNumber } from './exact.ts';

/**
 * Burn rates: how fast a window spends the error budget (1 spends exactly the budget over
 * the SLO window), and the factor each alert pair fires above, scaled to the SLO window's
 * length exactly (SRE workbook, table 5-8). Pure.
 *
 * @example
 * burnRate({ good: 990, total: 1000 }, errorBudget('99.9')); // 10
 * alertFactor({ budgetConsumed: '0.02', long: '1h', ... }, 720); // 14.4 exactly; 672 hours (28d): 13.44
 */

/** A burn window's length in milliseconds. */
export function burnWindowMs(window: BurnWindow): number {
  return BURN_WINDOW_MINUTES[window] * 60_000;
}

/** Error ratio ÷ budget; null without events in the window. */
export function burnRate(counts: EventCounts | undefined, budget: Exact): number | null {
  const ratio = counts && errorRatio(counts);
  return ratio === undefined ? null : ratio / toNumber(budget);
}

/**
 * The burn rate a pair fires above: budgetConsumed × windowHours ÷ longHours, exactly.
 * A 30-day window (720 h) gives 14.4, 6, 3 and 1 for the default pairs; 28 days 13.44,
 * 5.6, 2.8 and 0.9333….
 */
export function alertFactor(pair: AlertWindowPair, windowHours: number): Exact {
  const longHours = div(exactOf(BURN_WINDOW_MINUTES[pair.long]), exactOf(60));
  return div(mul(exactOf(pair.budgetConsumed), exactOf(windowHours)), longHours);
}

/**
 * Whether a window's burn rate is above `factor`: errors ÷ total > factor × budget, compared
 * exactly (counts are read through their decimal text), so a burn exactly at the factor
 * does not fire. False without events.
 */
export function burnsAbove(counts: EventCounts | undefined, factor: Exact, budget: Exact): boolean {
  if (!counts || counts.total <= 0) return false;
  const errors = exact(counts.total - counts.good);
  const total = exact(counts.total);
  if (!errors || !total) return false;
  // errors ÷ total > threshold, cross-multiplied (denominators and total are positive): no fraction to reduce.
  const threshold = mul(factor, budget);
  return errors.num * total.den * threshold.den > threshold.num * errors.den * total.num;
}
