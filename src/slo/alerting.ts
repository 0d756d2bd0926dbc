import { formatExact, type Exact } from './exact.ts';
import { alertFactor, burnsAbove } from './burn.ts';
import type { AlertSeverity, AlertWindowPair, BurnWindow, EventCounts, SloAlert } from './model.ts';

/**
 * Multi-window, multi-burn-rate alerting (SRE workbook, "Alerting on SLOs"): a pair fires
 * when both its windows burn above its factor and each saw at least `minEvents` events; a
 * severity fires when any of its pairs does. Alert state per SLO and severity moves
 * ok → firing → resolved (→ firing again), one change per evaluation at most. Pure.
 */

/** A pair's verdict at one evaluation. */
export interface PairVerdict {
  pair: AlertWindowPair;
  factor: Exact;
  firing: boolean;
}

/** Every pair's verdict, in the order declared. */
export function evaluatePairs(
  pairs: readonly AlertWindowPair[],
  windows: Partial<Record<BurnWindow, EventCounts>>,
  budget: Exact,
  windowHours: number,
  minEvents: number,
): PairVerdict[] {
  return pairs.map((pair) => {
    const factor = alertFactor(pair, windowHours);
    const long = windows[pair.long];
    const short = windows[pair.short];
    const enough = (counts: EventCounts | undefined) => counts !== undefined && counts.total >= minEvents;
    const firing =
      enough(long) && enough(short) && burnsAbove(long, factor, budget) && burnsAbove(short, factor, budget);
    return { pair, factor, firing };
  });
}

/** The stable key receivers collapse repeats by (PagerDuty's `dedup_key`): one per SLO and severity. */
export function dedupKeyOf(sloKey: string, severity: AlertSeverity): string {
  return `atrium-slo/${sloKey}/${severity}`;
}

/** An alert as stored once it has fired (before that, an SLO's severity has no alert: it is ok). */
export interface StoredAlert {
  severity: AlertSeverity;
  state: 'firing' | 'resolved';
  since: string;
  long: BurnWindow;
  short: BurnWindow;
  factor: string;
}

/** What an evaluation did to one severity's alert: its new state, and whether it moved (and so notifies). */
export interface AlertTransition {
  alert: StoredAlert;
  changed: 'fired' | 'resolved' | undefined;
}

/**
 * The next state of a severity's alert given this evaluation's verdicts (undefined: no
 * verdict, the data missing or the source down, which keeps the state as it is: a source
 * outage neither pages nor resolves a page).
 */
export function transition(
  severity: AlertSeverity,
  previous: StoredAlert | undefined,
  verdicts: readonly PairVerdict[] | undefined,
  at: string,
): AlertTransition | undefined {
  if (!verdicts) return previous && { alert: previous, changed: undefined };
  const own = verdicts.filter((v) => v.pair.severity === severity);
  if (own.length === 0) return previous && { alert: previous, changed: undefined };
  const firing = own.find((v) => v.firing);
  if (firing) {
    if (previous?.state === 'firing') return { alert: previous, changed: undefined };
    return {
      alert: {
        severity,
        state: 'firing',
        since: at,
        long: firing.pair.long,
        short: firing.pair.short,
        factor: formatExact(firing.factor),
      },
      changed: 'fired',
    };
  }
  if (previous?.state === 'firing')
    return { alert: { ...previous, state: 'resolved', since: at }, changed: 'resolved' };
  return previous && { alert: previous, changed: undefined };
}

/** A stored alert as the API shows it. */
export function sloAlertOf(sloKey: string, alert: StoredAlert): SloAlert {
  return {
    severity: alert.severity,
    state: alert.state,
    since: alert.since,
    long: alert.long,
    short: alert.short,
    factor: alert.factor,
    dedupKey: dedupKeyOf(sloKey, alert.severity),
  };
}
