import { errorBudget } from './budget.ts';
import { alertFactor } from './burn.ts';
import { div, type Exact, exactOf, formatExact, mul } from './exact.ts';
import { type AlertSeverity, BURN_WINDOWS, type BurnWindow, type SloDefinition, type SloWindow } from './model.ts';
import { indicatorQueries, substituteWindow } from './prometheus-query.ts';
import { BURN_WINDOW_MINUTES } from './slo-definition.ts';

/**
 * Prometheus recording and alerting rules for SLOs measured with PromQL, named as Sloth
 * names them (`slo:sli_error:ratio_rate5m`, `slo:error_budget:ratio`, …, labels
 * `sloth_id`, `sloth_service`, `sloth_slo`, `sloth_window`) so dashboards built for
 * Sloth's rules read them. Alerts also need `minEvents` events in each window
 * (`slo:sli_total:rate<window>` × the window's seconds), as Atrium's evaluation does. Every constant is exact decimal text: objectives, budgets and
 * burn thresholds are computed as fractions, so an alert says `> 0.0144`, never
 * `> (14.4 * 0.0009999999999999432)`. Pure.
 */

export interface RecordingRule {
  record: string;
  expr: string;
  labels: Record<string, string>;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  rules: (RecordingRule | AlertingRule)[];
}

/** The alert every SLO's rules raise, one per severity (told apart by `sloth_severity`). */
export const ALERT_NAME = 'SloErrorBudgetBurn';

/**
 * Hours in an SLO window as a rules file counts them: a rule cannot know which month it is
 * evaluated in, so a calendar month counts as 30 days, as the SRE workbook's table does
 * (the evaluation in Atrium uses the month's real length).
 */
export function ruleWindowHours(window: SloWindow): number {
  return (window.kind === 'rolling' ? window.days : 30) * 24;
}

/** Decimal text for rules: exact when it terminates, else 15 places (a 28-day ticket's thirds). */
const decimal = (value: Exact) => formatExact(value, 15);

/** Sloth's identity labels: the SLO id is `<service>-<slo>`, as Sloth forms it. */
export function slothLabels(slo: SloDefinition): { sloth_id: string; sloth_service: string; sloth_slo: string } {
  const service = slo.service.slice(slo.service.lastIndexOf('/') + 1);
  const name = slo.name.startsWith(`${service}-`) ? slo.name.slice(service.length + 1) : slo.name;
  const prefix = slo.namespace === 'default' ? '' : `${slo.namespace}-`;
  return { sloth_id: `${prefix}${service}-${name}`, sloth_service: service, sloth_slo: name };
}

function selector(labels: Record<string, string>): string {
  return `{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')}}`;
}

/** The error ratio over `range` from the indicator's queries. */
function errorRatio(slo: SloDefinition, range: string): string {
  const queries = indicatorQueries(slo.indicator);
  const total = substituteWindow(queries.total, range);
  if (queries.errors !== undefined) return `(${substituteWindow(queries.errors, range)})\n/\n(${total})`;
  return `1 - (\n  (${substituteWindow(queries.good ?? '', range)})\n  /\n  (${total})\n)`;
}

function periodRange(window: SloWindow): string {
  return `${window.kind === 'rolling' ? window.days : 30}d`;
}

/** The three rule groups of one SLO (SLI recordings, metadata recordings, alerts). */
export function sloRuleGroups(slo: SloDefinition): RuleGroup[] {
  const identity = slothLabels(slo);
  const sel = selector(identity);
  const period = periodRange(slo.window);
  const budget = errorBudget(slo.objective);
  const on = 'on(sloth_id, sloth_slo, sloth_service) group_left';
  const sli: RecordingRule[] = BURN_WINDOWS.map((window) => ({
    record: `slo:sli_error:ratio_rate${window}`,
    expr: errorRatio(slo, window),
    labels: { ...identity, sloth_window: window },
  }));
  // Requests per second per burn window: the alerts' minimum-event guard reads them (not a Sloth name; Sloth has no guard).
  for (const window of BURN_WINDOWS)
    sli.push({
      record: `slo:sli_total:rate${window}`,
      expr: substituteWindow(indicatorQueries(slo.indicator).total, window),
      labels: { ...identity, sloth_window: window },
    });
  sli.push({
    record: `slo:sli_error:ratio_rate${period}`,
    expr: `sum_over_time(slo:sli_error:ratio_rate5m${sel}[${period}])\n/ ignoring (sloth_window)\ncount_over_time(slo:sli_error:ratio_rate5m${sel}[${period}])`,
    labels: { ...identity, sloth_window: period },
  });
  const meta: RecordingRule[] = [
    {
      record: 'slo:objective:ratio',
      expr: `vector(${decimal(div(exactOf(slo.objective), exactOf(100)))})`,
      labels: identity,
    },
    { record: 'slo:error_budget:ratio', expr: `vector(${decimal(budget)})`, labels: identity },
    { record: 'slo:time_period:days', expr: `vector(${period.slice(0, -1)})`, labels: identity },
    {
      record: 'slo:current_burn_rate:ratio',
      expr: `slo:sli_error:ratio_rate5m${sel}\n/ ${on}\nslo:error_budget:ratio${sel}`,
      labels: identity,
    },
    {
      record: 'slo:period_burn_rate:ratio',
      expr: `slo:sli_error:ratio_rate${period}${sel}\n/ ${on}\nslo:error_budget:ratio${sel}`,
      labels: identity,
    },
    {
      record: 'slo:period_error_budget_remaining:ratio',
      expr: `1 - slo:period_burn_rate:ratio${sel}`,
      labels: identity,
    },
  ];
  const alerts: AlertingRule[] = [];
  for (const severity of ['page', 'ticket'] as const satisfies readonly AlertSeverity[]) {
    const pairs = slo.alerting.pairs.filter((p) => p.severity === severity);
    if (pairs.length === 0) continue;
    const conditions = pairs.map((pair) => {
      const threshold = decimal(mul(alertFactor(pair, ruleWindowHours(slo.window)), budget));
      // A window burns when its error ratio is over the threshold and it saw at least minEvents events (rate × seconds),
      // so a quiet service's 1 error in 3 requests does not page, as Atrium's own evaluation decides.
      const over = (window: BurnWindow) => {
        const burning = `max(slo:sli_error:ratio_rate${window}${sel} > ${threshold}) without (sloth_window)`;
        if (slo.alerting.minEvents <= 0) return burning;
        const seconds = BURN_WINDOW_MINUTES[window] * 60;
        return `(${burning}
    and on(sloth_id, sloth_slo, sloth_service)
    (slo:sli_total:rate${window}${sel} * ${seconds} >= ${slo.alerting.minEvents}))`;
      };
      return `(\n  ${over(pair.short)}\n  and\n  ${over(pair.long)}\n)`;
    });
    alerts.push({
      alert: ALERT_NAME,
      expr: conditions.join('\nor\n'),
      labels: { sloth_severity: severity, severity, atrium_slo: slo.key },
      annotations: {
        title: `(${severity}) {{$labels.sloth_service}} {{$labels.sloth_slo}} SLO error budget burn rate is too fast.`,
        summary: `{{$labels.sloth_service}} {{$labels.sloth_slo}} is burning its ${slo.objective}% objective's error budget too fast.`,
      },
    });
  }
  return [
    { name: `sloth-slo-sli-recordings-${identity.sloth_id}`, rules: sli },
    { name: `sloth-slo-meta-recordings-${identity.sloth_id}`, rules: meta },
    ...(alerts.length > 0 ? [{ name: `sloth-slo-alerts-${identity.sloth_id}`, rules: alerts }] : []),
  ];
}

/** The rules file of several SLOs (those measured with PromQL), as `promtool check rules` reads it. */
export function rulesDocument(slos: readonly SloDefinition[]): { groups: RuleGroup[] } {
  return {
    groups: slos
      .filter((slo) => slo.indicator.type === 'ratio' || slo.indicator.type === 'latency')
      .flatMap(sloRuleGroups),
  };
}
