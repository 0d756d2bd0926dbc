import { instantOf, localOf } from '../oncall/wall-clock.ts';
import { exact, formatExact } from './exact.ts';
import type { EventCounts, MeasureWindow, SloIndicator, SloWindow } from './model.ts';
import { LABEL_NAME, MAX_QUERY, METRIC_NAME, SELECTOR } from './slo-definition.ts';

/**
 * The PromQL an SLO's indicator is measured with, and the counts read back from the
 * answers: queries keep Sloth's `{{window}}` placeholder, which is replaced by a range
 * Atrium generates (`5m`, `30d`) and by nothing else, so no text from outside the SLO's
 * own file ever enters a query. Prometheus answers rates (per second); a count over a
 * window is the rate times the window's seconds. Pure.
 */

export const WINDOW_PLACEHOLDER = '{{window}}';

/** The labels the combined query marks each sub-answer with (see combinedQuery). */
export const WINDOW_LABEL = 'atrium_window';
export const PART_LABEL = 'atrium_part';

const BURN_SECONDS: Record<Exclude<MeasureWindow, 'slo'>, number> = {
  '5m': 300,
  '30m': 1800,
  '1h': 3600,
  '2h': 7200,
  '6h': 21600,
  '1d': 86400,
  '3d': 259200,
};

/** A window as a PromQL range and its length in seconds. */
export interface PromRange {
  window: MeasureWindow;
  range: string;
  seconds: number;
}

/**
 * The PromQL range of a window at `at`: the burn windows as written, a rolling SLO window
 * in days, a calendar month from its first midnight in the SLO's time zone up to `at`.
 */
export function promRange(window: MeasureWindow, sloWindow: SloWindow, at: Date): PromRange {
  if (window !== 'slo') return { window, range: window, seconds: BURN_SECONDS[window] };
  if (sloWindow.kind === 'rolling') return { window, range: `${sloWindow.days}d`, seconds: sloWindow.days * 86400 };
  const local = localOf(at.getTime(), sloWindow.timeZone);
  const day = new Date(local);
  const monthStart = instantOf(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), 1), sloWindow.timeZone);
  // The first second of a month still measures one second (a zero range is not PromQL).
  const seconds = Math.max(1, Math.floor((at.getTime() - monthStart) / 1000));
  return { window, range: `${seconds}s`, seconds };
}

/** Why a query template cannot be used, in words; undefined when it can. */
export function queryTemplateProblem(query: string): string | undefined {
  if (query.length > MAX_QUERY) return `the query is ${query.length} characters long; at most ${MAX_QUERY} are allowed`;
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(query)) return 'the query contains control characters';
  for (const match of query.matchAll(/\{\{(.*?)\}\}/g)) {
    if (match[0] !== WINDOW_PLACEHOLDER)
      return `${match[0]} is not a placeholder Atrium replaces; only ${WINDOW_PLACEHOLDER} is (Sloth's {{.window}} is read as it)`;
    const before = query.slice(0, match.index).trimEnd();
    const after = query.slice(match.index + match[0].length).trimStart();
    if (!before.endsWith('[') || !(after.startsWith(']') || after.startsWith(':')))
      return `${WINDOW_PLACEHOLDER} must stand alone inside a range selector's brackets, as in rate(x[${WINDOW_PLACEHOLDER}])`;
  }
  if (!query.includes(WINDOW_PLACEHOLDER))
    return `the query has no ${WINDOW_PLACEHOLDER} placeholder for the range (e.g. rate(x[${WINDOW_PLACEHOLDER}]))`;
  if (/\{\{|\}\}/.test(query.replaceAll(WINDOW_PLACEHOLDER, ''))) return 'the query has an unclosed {{ or a stray }}';
  return undefined;
}

/** The query with every `{{window}}` replaced by `range` (the only replacement made). */
export function substituteWindow(query: string, range: string): string {
  return query.split(WINDOW_PLACEHOLDER).join(range);
}

/** Why a latency indicator cannot be turned into queries; undefined when it can. */
export function latencyProblem(indicator: {
  metric: string;
  thresholdSeconds: string;
  selector?: string;
}): string | undefined {
  if (!METRIC_NAME.test(indicator.metric))
    return `"${indicator.metric.slice(0, 80)}" is not a Prometheus metric name (the histogram's name without _bucket)`;
  const threshold = exact(indicator.thresholdSeconds);
  if (!threshold || threshold.num <= 0n)
    return `the threshold "${indicator.thresholdSeconds}" is not a positive number of seconds`;
  const selector = indicator.selector;
  if (selector !== undefined && selector.trim() !== '') {
    if (selector.length > 512) return 'the selector is longer than 512 characters';
    if (!SELECTOR.test(selector.replace(/^\s*\{/, '').replace(/\}\s*$/, '')))
      return `the selector ${JSON.stringify(selector.slice(0, 80))} is not a list of label matchers such as job="api", code!~"5.."`;
  }
  return undefined;
}

/** `le` as histograms write it: Go clients write 1 as "1", others as "1.0"; both match. */
function leMatcher(thresholdSeconds: string): string {
  const text = formatExact(exact(thresholdSeconds) ?? { num: 0n, den: 1n });
  return text.includes('.') ? `le="${text}"` : `le=~"${text}|${text}\\\\.0"`;
}

/** The query templates of one indicator: a ratio's as written, a latency's built from the histogram. */
export function indicatorQueries(indicator: SloIndicator): { good?: string; errors?: string; total: string } {
  if (indicator.type === 'ratio') {
    const { good, errors, total } = indicator;
    return { ...(good === undefined ? {} : { good }), ...(errors === undefined ? {} : { errors }), total };
  }
  if (indicator.type === 'latency') {
    const selector = (indicator.selector ?? '').trim().replace(/^\{/, '').replace(/\}$/, '').trim().replace(/,$/, '');
    const labels = selector === '' ? '' : `${selector},`;
    return {
      good: `sum(rate(${indicator.metric}_bucket{${labels}${leMatcher(indicator.thresholdSeconds)}}[${WINDOW_PLACEHOLDER}]))`,
      total: `sum(rate(${indicator.metric}_count${selector === '' ? '' : `{${selector}}`}[${WINDOW_PLACEHOLDER}]))`,
    };
  }
  throw new Error(`A ${indicator.type} indicator is not measured with PromQL`);
}

/** Why an indicator cannot be measured with PromQL; undefined when it can. */
export function indicatorProblem(indicator: SloIndicator): string | undefined {
  if (indicator.type === 'latency') return latencyProblem(indicator);
  if (indicator.type !== 'ratio') return `a ${indicator.type} indicator is not measured with PromQL`;
  if (indicator.good === undefined && indicator.errors === undefined)
    return 'a ratio needs good or errors besides total';
  for (const label of indicator.grouping ?? [])
    if (!LABEL_NAME.test(label)) return `"${label.slice(0, 80)}" is not a Prometheus label name`;
  for (const query of [indicator.good, indicator.errors, indicator.total]) {
    const problem = query === undefined ? undefined : queryTemplateProblem(query);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * One query answering every part (good or errors, total) over every window at once: each
 * sub-answer is marked with its window and part by label_replace and joined with `or`,
 * so one request replaces sixteen.
 */
export function combinedQuery(indicator: SloIndicator, ranges: readonly PromRange[]): string {
  const parts = indicatorQueries(indicator);
  const pieces: string[] = [];
  for (const [part, template] of Object.entries(parts)) {
    for (const { window, range } of ranges) {
      const marked = `label_replace((${substituteWindow(template, range)}), "${WINDOW_LABEL}", "${window}", "", "")`;
      pieces.push(`label_replace(${marked}, "${PART_LABEL}", "${part}", "", "")`);
    }
  }
  return pieces.join(' or ');
}

/** A sample of an instant vector, as Prometheus' API answers it. */
export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** The sub-answers a group's SLO reads: those whose labels carry the group's values. */
function inGroup(metric: Record<string, string>, group: Readonly<Record<string, string>> | undefined): boolean {
  if (!group) return true;
  return Object.entries(group).every(([label, value]) => metric[label] === value);
}

/**
 * Counts per window from the combined query's samples (several series of one part are
 * added up). A window without a total is left out (nothing was recorded); a missing
 * `counted` part with a total present means none of those events happened (the series do
 * not exist yet: no 5xx so far); `missingGood` tells the caller a good part was missing,
 * which for a latency histogram means the threshold is no bucket boundary, not that
 * every request was slow.
 */
export function countsFromSamples(
  samples: readonly VectorSample[],
  ranges: readonly PromRange[],
  counted: 'good' | 'errors',
  group?: Readonly<Record<string, string>>,
): { windows: Partial<Record<MeasureWindow, EventCounts>>; missingGood: boolean } {
  const sums = new Map<string, number>();
  for (const sample of samples) {
    if (!inGroup(sample.metric, group)) continue;
    const value = Number(sample.value[1]);
    if (!Number.isFinite(value)) continue;
    const key = `${sample.metric[WINDOW_LABEL]}|${sample.metric[PART_LABEL]}`;
    sums.set(key, (sums.get(key) ?? 0) + value);
  }
  const windows: Partial<Record<MeasureWindow, EventCounts>> = {};
  let missingGood = false;
  for (const { window, seconds } of ranges) {
    const totalRate = sums.get(`${window}|total`);
    if (totalRate === undefined) continue;
    const total = Math.max(0, totalRate * seconds);
    const rate = sums.get(`${window}|${counted}`);
    if (rate === undefined) missingGood ||= counted === 'good';
    // Rates are extrapolated per series: a part may come out a hair above total; a ratio stays within [0, 1].
    const part = Math.min(total, Math.max(0, (rate ?? 0) * seconds));
    windows[window] = { good: counted === 'good' ? part : total - part, total };
  }
  return { windows, missingGood };
}
