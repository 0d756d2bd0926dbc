import type { Entity } from '../catalog/model.ts';
import { parseEntityRef, refKey } from '../platform/entity-ref.ts';
import { isTimeZone } from '../oncall/wall-clock.ts';
import { compare, exact, exactOf, formatExact } from './exact.ts';
import { queryTemplateProblem, WINDOW_PLACEHOLDER } from './prometheus-query.ts';
import {
  type AlertWindowPair,
  type BurnWindow,
  DEFAULT_ALERT_PAIRS,
  DEFAULT_MIN_EVENTS,
  type SloDefinition,
  type SloIndicator,
  type SloWindow,
} from './model.ts';

/**
 * Atrium's `kind: SLO` as written, what its checks beyond the schema say, and how a stored
 * one becomes the capability's SloDefinition. Pure.
 *
 * @example
 * // spec: { service: component:shipment-service, objective: 99.9, window: 30d, indicator: { events: {} } }
 * sloDefinition(entity, 'group:default/logistics');
 * // { key: 'slo:default/shipments-availability', objective: '99.9', window: { kind: 'rolling', days: 30 }, ... }
 */

/** The longest query Atrium keeps: PromQL for one SLI is a few hundred characters; megabytes are an attack or a mistake. */
export const MAX_QUERY = 4096;
export const MAX_GROUPING = 10;
export const MAX_CHECKS = 50;
export const MAX_ALERT_PAIRS = 8;
/** Rolling windows run from 1 to 90 days (Prometheus keeps weeks, not years). */
export const MAX_WINDOW_DAYS = 90;
export const MAX_MIN_EVENTS = 1_000_000_000;
/** `28d`, `30d`: whole days. */
export const ROLLING_WINDOW = /^([1-9]\d?)d$/;
/** A Prometheus metric name (also the histogram's, without `_bucket`). */
export const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]{0,199}$/;
/** A Prometheus label name. */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]{0,99}$/;
/**
 * Label matchers inside a selector's braces: `job="api",code!~"5.."`. Values are double-quoted
 * strings without a bare quote or brace, so a selector cannot close the braces and smuggle
 * PromQL into the query it is written into.
 */
export const SELECTOR =
  /^\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"(?:[^"\\{}]|\\.)*"(\s*,\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"(?:[^"\\{}]|\\.)*")*\s*,?\s*$/;
/** A latency threshold: seconds as a decimal (`0.3`), or with a unit (`300ms`, `2s`). */
const THRESHOLD = /^(\d{1,9}(?:\.\d{1,9})?)(ms|s)?$/;

/** How long each burn window is, in hours, as exact integers over 60 (5m = 5/60 h). */
export const BURN_WINDOW_MINUTES: Record<BurnWindow, number> = {
  '5m': 5,
  '30m': 30,
  '1h': 60,
  '2h': 120,
  '6h': 360,
  '1d': 1440,
  '3d': 4320,
};

/** A calendar window as written: `window: { calendar: month, timeZone: Europe/Berlin }`. */
export interface CalendarWindowSpec {
  calendar: 'month';
  timeZone: string;
}

/** An SLO's spec as written (after the catalog's schema checked its shape). */
export interface SloSpec {
  service: string;
  owner?: string;
  description?: string;
  objective: string | number;
  window: string | CalendarWindowSpec;
  indicator: {
    ratio?: { good?: string; errors?: string; total: string; grouping?: string[] };
    latency?: { metric: string; threshold: string | number; selector?: string };
    events?: Record<string, unknown>;
    checks?: { names: string[] };
  };
  /** The Prometheus source (atrium.yaml's prometheus.<name>) a ratio or latency indicator is read from. */
  source?: string;
  alerting?: {
    /** `false` turns the page (or ticket) alerts off: Sloth's `alerting.page_alert.disable`. */
    page?: boolean;
    ticket?: boolean;
    minEvents?: number;
    pairs?: { severity: 'page' | 'ticket'; long: string; short: string; budgetConsumed: string | number }[];
  };
}

export interface SloSpecIssue {
  path: (string | number)[];
  code: string;
  message: string;
  hint: string;
}

const ZERO = exactOf(0);
const HUNDRED = exactOf(100);
const INDICATOR_TYPES = ['ratio', 'latency', 'events', 'checks'] as const;

/** The objective as exact decimal text in (0, 100), or undefined. */
export function objectiveOf(value: string | number): string | undefined {
  const parsed = exact(value);
  if (!parsed || compare(parsed, ZERO) <= 0 || compare(parsed, HUNDRED) >= 0) return undefined;
  return formatExact(parsed, 30);
}

/** A window as written, or undefined when it is neither `<days>d` (1–90) nor a calendar month in a known zone. */
export function windowOf(value: SloSpec['window']): SloWindow | undefined {
  if (typeof value === 'string') {
    const days = Number(ROLLING_WINDOW.exec(value)?.[1]);
    return days >= 1 && days <= MAX_WINDOW_DAYS ? { kind: 'rolling', days } : undefined;
  }
  return value.calendar === 'month' && isTimeZone(value.timeZone)
    ? { kind: 'calendar', unit: 'month', timeZone: value.timeZone }
    : undefined;
}

/** A latency threshold in seconds as exact decimal text (`300ms` → `0.3`), or undefined. */
export function thresholdSecondsOf(value: string | number): string | undefined {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value.trim();
  const match = THRESHOLD.exec(text);
  const amount = match && exact(match[1] as string);
  if (!amount || amount.num === 0n) return undefined;
  return formatExact(match[2] === 'ms' ? { num: amount.num, den: amount.den * 1000n } : amount, 12);
}

/** The longest window an SLO's window holds, in minutes (a calendar month: its shortest, 28 days). */
function windowMinutes(window: SloWindow): number {
  return (window.kind === 'rolling' ? window.days : 28) * 1440;
}

function issue(path: (string | number)[], code: string, message: string, hint: string): SloSpecIssue {
  return { path, code, message, hint };
}

function queryIssues(path: (string | number)[], query: string | undefined, issues: SloSpecIssue[]): void {
  if (query === undefined) return;
  if (query.length > MAX_QUERY)
    issues.push(
      issue(
        path,
        'query-too-long',
        `The query is ${query.length} characters long; at most ${MAX_QUERY} are kept`,
        'Move the logic into a Prometheus recording rule and query its result.',
      ),
    );
  else if (!query.includes(WINDOW_PLACEHOLDER))
    issues.push(
      issue(
        path,
        'query-without-window',
        'The query has no {{window}} placeholder',
        'Write the range as {{window}}, e.g. sum(rate(http_requests_total{code=~"5.."}[{{window}}])): Atrium replaces it with 5m, 1h, … for each burn window.',
      ),
    );
  else {
    // Where {{window}} may stand and what else may look like a placeholder: the rules the Prometheus source substitutes by.
    const problem = queryTemplateProblem(query);
    if (problem)
      issues.push(
        issue(
          path,
          'invalid-query',
          `The query is not a template Atrium can fill: ${problem}`,
          'Write {{window}} only as a range, as in rate(x[{{window}}]), and no other {{…}}.',
        ),
      );
  }
}

/** What the schema cannot say: a real objective, window and zone, one indicator, safe queries, sensible alert windows. */
export function sloSpecIssues(spec: SloSpec): SloSpecIssue[] {
  const issues: SloSpecIssue[] = [];
  if (objectiveOf(spec.objective) === undefined)
    issues.push(
      issue(
        ['objective'],
        'invalid-objective',
        `The objective ${JSON.stringify(spec.objective)} is not a percentage above 0 and below 100`,
        'Write the target percentage of good events as a decimal, e.g. 99.9 or "99.95" (no exponent, not 100).',
      ),
    );
  const window = windowOf(spec.window);
  if (!window)
    issues.push(
      typeof spec.window === 'string'
        ? issue(
            ['window'],
            'invalid-window',
            `The window "${spec.window}" is not a number of days from 1d to ${MAX_WINDOW_DAYS}d`,
            'Write a rolling window such as 28d or 30d, or { calendar: month, timeZone: Europe/Berlin }.',
          )
        : issue(
            ['window', 'timeZone'],
            'unknown-time-zone',
            `"${spec.window.timeZone}" is not an IANA time zone`,
            'Write the zone the month is counted in, e.g. Europe/Berlin, America/New_York or UTC.',
          ),
    );
  const present = INDICATOR_TYPES.filter((type) => spec.indicator[type] !== undefined);
  if (present.length !== 1)
    issues.push(
      issue(
        ['indicator'],
        'one-indicator',
        present.length === 0
          ? 'The indicator names no source of events'
          : `The indicator names ${present.join(' and ')}; an SLO has exactly one`,
        'Write exactly one of ratio: {good, total}, latency: {metric, threshold}, events: {} or checks: {names: [...]}.',
      ),
    );
  const { ratio, latency, checks } = spec.indicator;
  if (ratio) {
    if ((ratio.good === undefined) === (ratio.errors === undefined))
      issues.push(
        issue(
          ['indicator', 'ratio'],
          'good-or-errors',
          'A ratio indicator has a good query or an errors query, and not both',
          'Write good (events that met the objective) or errors (events that did not), with total.',
        ),
      );
    queryIssues(['indicator', 'ratio', 'good'], ratio.good, issues);
    queryIssues(['indicator', 'ratio', 'errors'], ratio.errors, issues);
    queryIssues(['indicator', 'ratio', 'total'], ratio.total, issues);
    (ratio.grouping ?? []).forEach((label, i) => {
      if (!LABEL_NAME.test(label))
        issues.push(
          issue(
            ['indicator', 'ratio', 'grouping', i],
            'invalid-label',
            `"${label.slice(0, 100)}" is not a Prometheus label name`,
            'Write label names of letters, digits and _, e.g. route or method.',
          ),
        );
    });
  }
  if (latency) {
    if (!METRIC_NAME.test(latency.metric))
      issues.push(
        issue(
          ['indicator', 'latency', 'metric'],
          'invalid-metric',
          `"${latency.metric.slice(0, 100)}" is not a Prometheus metric name`,
          'Name the histogram, e.g. http_request_duration_seconds (Atrium reads its _bucket and _count series).',
        ),
      );
    if (thresholdSecondsOf(latency.threshold) === undefined)
      issues.push(
        issue(
          ['indicator', 'latency', 'threshold'],
          'invalid-threshold',
          `The threshold ${JSON.stringify(latency.threshold)} is not a positive duration`,
          'Write seconds (0.3) or a duration in ms or s (300ms); it must be one of the histogram’s bucket bounds (le).',
        ),
      );
    if (latency.selector !== undefined && (latency.selector.length > MAX_QUERY || !SELECTOR.test(latency.selector)))
      issues.push(
        issue(
          ['indicator', 'latency', 'selector'],
          'invalid-selector',
          'The selector is not a list of label matchers',
          'Write matchers as in PromQL braces, without the braces: job="api", route!~"/health.*".',
        ),
      );
  }
  if (checks && checks.names.length === 0)
    issues.push(
      issue(
        ['indicator', 'checks', 'names'],
        'no-checks',
        'A checks indicator names no checks',
        'List the synthetic checks whose success ratio is the SLI.',
      ),
    );
  (spec.alerting?.pairs ?? []).forEach((pair, i) => {
    const path = ['alerting', 'pairs', i];
    const long = BURN_WINDOW_MINUTES[pair.long as BurnWindow];
    const short = BURN_WINDOW_MINUTES[pair.short as BurnWindow];
    if (short >= long)
      issues.push(
        issue(
          [...path, 'short'],
          'short-not-shorter',
          `The short window ${pair.short} is not shorter than the long window ${pair.long}`,
          'The short window confirms the burn is still going on: use about a twelfth of the long one (1h with 5m, 6h with 30m).',
        ),
      );
    else if (window && long > windowMinutes(window))
      issues.push(
        issue(
          [...path, 'long'],
          'long-beyond-window',
          `The long window ${pair.long} is longer than the SLO's window`,
          'Use a long window within the SLO window.',
        ),
      );
    const consumed = exact(pair.budgetConsumed);
    if (!consumed || consumed.num <= 0n || consumed.num > consumed.den)
      issues.push(
        issue(
          [...path, 'budgetConsumed'],
          'invalid-budget-consumed',
          `budgetConsumed ${JSON.stringify(pair.budgetConsumed)} is not a fraction above 0 and at most 1`,
          'Write the share of the window’s budget the long window may spend before it alerts, e.g. 0.02 (2 %).',
        ),
      );
  });
  return issues;
}

function indicatorOf(indicator: SloSpec['indicator']): SloIndicator {
  const { ratio, latency, checks } = indicator;
  if (ratio)
    return {
      type: 'ratio',
      ...(ratio.good === undefined ? {} : { good: ratio.good }),
      ...(ratio.errors === undefined ? {} : { errors: ratio.errors }),
      total: ratio.total,
      ...(ratio.grouping?.length ? { grouping: ratio.grouping } : {}),
    };
  if (latency)
    return {
      type: 'latency',
      metric: latency.metric,
      thresholdSeconds: thresholdSecondsOf(latency.threshold) ?? '0',
      ...(latency.selector === undefined ? {} : { selector: latency.selector.trim() }),
    };
  if (checks) return { type: 'checks', checks: checks.names };
  return { type: 'events' };
}

/** The alert pairs written (the workbook's by default), without a severity the spec turned off. */
function pairsOf(alerting: SloSpec['alerting']): readonly AlertWindowPair[] {
  const pairs = alerting?.pairs;
  const on = (p: { severity: 'page' | 'ticket' }) => alerting?.[p.severity] !== false;
  if (!pairs) return DEFAULT_ALERT_PAIRS.filter(on);
  return pairs.filter(on).map((p) => ({
    severity: p.severity,
    long: p.long as BurnWindow,
    short: p.short as BurnWindow,
    budgetConsumed: formatExact(exact(p.budgetConsumed) ?? { num: 0n, den: 1n }, 30),
  }));
}

/**
 * A stored SLO entity (its spec passed the schema and sloSpecIssues) as the capability's
 * definition. `serviceOwner` is the service's owner key, the SLO's owner when it names none
 * (empty when neither is known).
 */
export function sloDefinition(entity: Entity, serviceOwner?: string): SloDefinition {
  const spec = entity.spec as unknown as SloSpec;
  const namespace = entity.metadata.namespace ?? 'default';
  const name = entity.metadata.name;
  const owner =
    spec.owner === undefined
      ? (serviceOwner ?? '')
      : refKey(parseEntityRef(spec.owner, { defaultKind: 'Group', defaultNamespace: namespace }));
  return {
    key: refKey({ kind: 'slo', namespace, name }),
    namespace: namespace.toLowerCase(),
    name,
    ...(entity.metadata.title ? { title: entity.metadata.title } : {}),
    ...(spec.description ? { description: spec.description } : {}),
    service: refKey(parseEntityRef(spec.service, { defaultKind: 'Component', defaultNamespace: namespace })),
    owner,
    objective: objectiveOf(spec.objective) ?? '0',
    window: windowOf(spec.window) ?? { kind: 'rolling', days: 30 },
    indicator: indicatorOf(spec.indicator),
    alerting: {
      pairs: pairsOf(spec.alerting),
      minEvents: spec.alerting?.minEvents ?? DEFAULT_MIN_EVENTS,
    },
    ...(spec.source ? { source: spec.source } : {}),
  };
}
