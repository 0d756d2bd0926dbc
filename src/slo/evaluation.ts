import { MINUTE } from '../oncall/wall-clock.ts';
import type { NotificationMessage } from '../notifications/model.ts';
import { type AlertTransition, evaluatePairs, sloAlertOf, type StoredAlert, transition } from './alerting.ts';
import { budgetRemaining, errorBudget, exhaustionAt, windowHours } from './budget.ts';
import { burnRate } from './burn.ts';
import {
  type AlertSeverity,
  BURN_WINDOWS,
  type BurnWindow,
  type Measurement,
  type MeasureWindow,
  type SloDefinition,
  type SloStatus,
} from './model.ts';

/**
 * One SLO's evaluation at an instant: its status from a measurement, and what happened to
 * its alerts; and the message an alert's change sends. Pure.
 */

/** What every evaluation measures: the burn windows and the SLO's own window. */
export const MEASURED_WINDOWS: readonly MeasureWindow[] = [...BURN_WINDOWS, 'slo'];
const SEVERITIES: readonly AlertSeverity[] = ['page', 'ticket'];

export interface Evaluation {
  status: SloStatus;
  /** Per severity that has an alert now, its state and whether it moved this time. */
  transitions: AlertTransition[];
}

export function evaluateSlo(
  slo: SloDefinition,
  measurement: Measurement,
  previous: readonly StoredAlert[],
  at: Date,
): Evaluation {
  const iso = at.toISOString();
  const budget = errorBudget(slo.objective);
  const windows = measurement.state === 'ok' ? measurement.windows : undefined;
  const verdicts =
    windows &&
    evaluatePairs(slo.alerting.pairs, windows, budget, windowHours(slo.window, at.getTime()), slo.alerting.minEvents);
  const transitions = SEVERITIES.flatMap((severity) => {
    const next = transition(
      severity,
      previous.find((a) => a.severity === severity),
      verdicts,
      iso,
    );
    return next ? [next] : [];
  });
  const burnRates: Partial<Record<BurnWindow, number | null>> = {};
  for (const w of BURN_WINDOWS) burnRates[w] = windows ? burnRate(windows[w], budget) : null;
  const whole = windows?.slo;
  const remaining = whole && budgetRemaining(whole, budget);
  const exhausts = exhaustionAt(remaining, burnRates['1h'], slo.window, at.getTime());
  const status: SloStatus = {
    key: slo.key,
    namespace: slo.namespace,
    name: slo.name,
    service: slo.service,
    owner: slo.owner,
    objective: slo.objective,
    window: slo.window,
    indicator: slo.indicator.type,
    dataState: measurement.state,
    ...(whole && whole.total > 0 ? { sli: whole.good / whole.total } : {}),
    ...(remaining === undefined ? {} : { budgetRemaining: remaining }),
    burnRates,
    // To the minute: a forecast has no finer truth, and a status that did not change is not written again.
    ...(exhausts === undefined ? {} : { exhaustsAt: new Date(exhausts - (exhausts % MINUTE)).toISOString() }),
    alerts: transitions.map((t) => sloAlertOf(slo.key, t.alert)),
    ...(measurement.state === 'ok' ? {} : measurement.detail ? { detail: measurement.detail } : {}),
  };
  return { status, transitions };
}

const percent = (value: number | undefined) => (value === undefined ? 'unknown' : `${(value * 100).toFixed(1)} %`);
const times = (value: number | null | undefined) =>
  value === null || value === undefined ? 'no data' : `${value.toFixed(1)}×`;

/** The message an alert's change sends: PagerDuty's fields, read by the other receivers as text. */
export function alertMessage(
  slo: SloDefinition,
  status: SloStatus,
  alert: StoredAlert,
  links: { sloPage?: string; runbook?: string },
): NotificationMessage {
  const name = slo.title ?? slo.name;
  const burn = status.burnRates[alert.long];
  const summary =
    alert.state === 'firing'
      ? `${name}: error budget burning at ${times(burn)} over ${alert.long} (above ${alert.factor}×), ${percent(status.budgetRemaining)} of the budget left`
      : `${name}: resolved, burn over ${alert.long} back below ${alert.factor}×`;
  return {
    // A resolved alert resolves the receiver's incident of the same dedup key (PagerDuty).
    action: alert.state === 'firing' ? 'trigger' : 'resolve',
    summary: summary.length > 1024 ? `${summary.slice(0, 1023)}…` : summary,
    severity: alert.severity === 'page' ? 'critical' : 'warning',
    source: slo.service,
    component: slo.service,
    ...(slo.owner ? { group: slo.owner } : {}),
    class: 'slo-alert',
    details: {
      slo: slo.key,
      state: alert.state,
      objective: `${slo.objective} %`,
      [`burnRate${alert.long}`]: times(burn),
      [`burnRate${alert.short}`]: times(status.burnRates[alert.short]),
      budgetRemaining: percent(status.budgetRemaining),
      owner: slo.owner,
    },
    links: [
      ...(links.sloPage ? [{ href: links.sloPage, text: `SLO ${name}` }] : []),
      ...(links.runbook ? [{ href: links.runbook, text: 'Runbook' }] : []),
    ],
  };
}
