import { DAY, instantOf, localOf } from '../oncall/wall-clock.ts';
import { div, type Exact, exactOf, sub, toNumber } from './exact.ts';
import type { EventCounts, SloWindow } from './model.ts';

/**
 * Error budgets: how much of an SLO's window may fail, how much of that is left, the
 * window itself (rolling days, or the calendar month in a time zone) and when the budget
 * runs out at the current burn. Pure.
 *
 * @example
 * errorBudget('99.9'); // 1/1000 exactly
 * budgetRemaining({ good: 9_995, total: 10_000 }, errorBudget('99.9')); // 0.5: half of it spent
 */

const HUNDRED = exactOf(100);
const ONE = exactOf(1);

/** 1 − objective/100, exactly: 99.9 gives 0.001. */
export function errorBudget(objective: string): Exact {
  return sub(ONE, div(exactOf(objective), HUNDRED));
}

/** Errors ÷ total, or undefined without events. */
export function errorRatio(counts: EventCounts): number | undefined {
  return counts.total > 0 ? (counts.total - counts.good) / counts.total : undefined;
}

/**
 * The share of the window's budget left: 1 untouched, 0 spent, negative overspent
 * (1 − error ratio ÷ budget); undefined without events.
 */
export function budgetRemaining(counts: EventCounts, budget: Exact): number | undefined {
  const ratio = errorRatio(counts);
  return ratio === undefined ? undefined : 1 - ratio / toNumber(budget);
}

/** Where an SLO window lies at an instant, as epoch milliseconds: [start, end). */
export interface WindowRange {
  start: number;
  end: number;
}

/**
 * The SLO window `at` falls in: the `days` before it for a rolling window; for a calendar
 * month, the month `at` falls in, from local midnight of its first day to that of the
 * next, in the window's time zone (so a Berlin month starts at 22:00 or 23:00 UTC).
 */
export function windowRange(window: SloWindow, at: number): WindowRange {
  if (window.kind === 'rolling') return { start: at - window.days * DAY, end: at };
  const local = new Date(localOf(at, window.timeZone));
  const year = local.getUTCFullYear();
  const month = local.getUTCMonth();
  return {
    start: instantOf(Date.UTC(year, month, 1), window.timeZone),
    end: instantOf(Date.UTC(year, month + 1, 1), window.timeZone),
  };
}

/** How long the window is in whole hours at `at` (a calendar month: 672 to 744, ±1 across a clock change). */
export function windowHours(window: SloWindow, at: number): number {
  const { start, end } = windowRange(window, at);
  return window.kind === 'rolling' ? window.days * 24 : Math.round((end - start) / 3_600_000);
}

/**
 * When the budget left runs out if errors go on at `burnRate` (the budget of a whole window
 * is spent in one window's length at burn rate 1): `at` when none is left, undefined when
 * it lasts past the window's horizon (a rolling window's length from now, a calendar
 * month's end) or nothing burns.
 */
export function exhaustionAt(
  remaining: number | undefined,
  burnRate: number | null | undefined,
  window: SloWindow,
  at: number,
): number | undefined {
  if (remaining === undefined) return undefined;
  if (remaining <= 0) return at;
  if (!burnRate || burnRate <= 0) return undefined;
  const range = windowRange(window, at);
  const length = window.kind === 'rolling' ? range.end - range.start : windowHours(window, at) * 3_600_000;
  const when = at + (remaining * length) / burnRate;
  const horizon = window.kind === 'rolling' ? at + length : range.end;
  return when <= horizon ? Math.round(when) : undefined;
}
