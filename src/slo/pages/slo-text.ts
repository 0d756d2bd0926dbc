import type { SloStatus, SloWindow } from '../model.ts';

/**
 * How the SLO pages write their numbers, the same way on every card: percentages with
 * the digits an objective needs (99.95 % is not 100 %), burn rates as multiples, windows
 * in words. Pure.
 */

/** A ratio (0.9995) as a percentage with up to `decimals` places, trailing zeros dropped: "99.95%". */
export function percentText(ratio: number, decimals = 3): string {
  const fixed = (ratio * 100).toFixed(decimals);
  const text = fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
  return `${text === '-0' ? '0' : text}%`;
}

/** A burn rate: "14.4×", "0.52×"; "no events" where the window had none; "—" where it was not measured. */
export function burnText(rate: number | null | undefined): string {
  if (rate === undefined || !Number.isFinite(rate ?? Number.NaN)) return rate === null ? 'no events' : '—';
  const value = rate as number;
  const rounded = value >= 10 ? value.toFixed(1) : value.toFixed(2);
  return `${rounded.replace(/\.?0+$/, '')}×`;
}

/** "30 days", or "calendar month (Europe/Berlin)". */
export function windowText(window: SloWindow): string {
  return window.kind === 'rolling'
    ? `${window.days} day${window.days === 1 ? '' : 's'}`
    : `calendar month (${window.timeZone})`;
}

/** The budget left in words: "42% left", "spent", "overspent by 35%"; undefined without a value. */
export function budgetText(remaining: number | undefined): string | undefined {
  if (remaining === undefined || !Number.isFinite(remaining)) return undefined;
  if (remaining < 0) return `overspent by ${percentText(-remaining, 1)}`;
  if (remaining === 0) return 'spent';
  return `${percentText(remaining, 1)} left`;
}

/**
 * How healthy an SLO is, as a word the badge carries (never colour alone): `firing` with
 * a page alert, `burning` with a ticket alert or the budget overspent, `ok` otherwise;
 * `no-data` and `source-down` whatever the last numbers said.
 */
export type HealthWord = 'firing' | 'burning' | 'ok' | 'no-data' | 'source-down' | 'stale';

/** A status older than this is not shown as current: the evaluation stopped, and its last green is stale. */
export const STALE_AFTER_MS = 5 * 60_000;

export function healthOf(status: SloStatus, now: number | undefined): HealthWord {
  if (status.dataState === 'source-down') return 'source-down';
  if (status.dataState === 'no-data') return 'no-data';
  const evaluated = status.evaluatedAt === undefined ? Number.NaN : Date.parse(status.evaluatedAt);
  if (now !== undefined && !(now - evaluated <= STALE_AFTER_MS)) return 'stale';
  const firing = status.alerts.filter((a) => a.state === 'firing');
  if (firing.some((a) => a.severity === 'page')) return 'firing';
  if (firing.length > 0 || (status.budgetRemaining ?? 1) < 0) return 'burning';
  return 'ok';
}

/** Worst first: firing, then the least budget left, then by name (so the order is stable). */
export function worstFirst(a: SloStatus, b: SloStatus): number {
  const rank = (s: SloStatus) => {
    const firing = s.alerts.filter((x) => x.state === 'firing');
    return firing.some((x) => x.severity === 'page') ? 0 : firing.length > 0 ? 1 : 2;
  };
  const budget = (s: SloStatus) => s.budgetRemaining ?? Number.POSITIVE_INFINITY;
  return rank(a) - rank(b) || budget(a) - budget(b) || a.key.localeCompare(b.key);
}
