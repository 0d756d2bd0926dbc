import { checkWindow, collectDoraFacts, DAY_MS, WEEK_MS, type DoraFacts } from './facts.ts';
import type { DoraComparison, DoraDeployment, DoraOptions, DoraReport, DoraTrend, DoraWindow } from './model.ts';
import { median, percentile } from './percentile.ts';
import { DEFAULT_TIER_YEAR, thresholdsFor, tierOf, type DoraMetric } from './tiers.ts';

/**
 * The four DORA key metrics of a scope over a window, their trend against the window
 * before, and the data-quality warnings that say when the numbers cannot be trusted.
 * The rules themselves are in facts.ts; this file turns facts into numbers.
 */

export type {
  DeploymentStatus,
  DoraComparison,
  DoraDeployment,
  DoraOptions,
  DoraReport,
  DoraTrend,
  DoraWarning,
  DoraWarningCode,
  DoraWindow,
  TrendDirection,
} from './model.ts';

const ascending = (values: number[]): Float64Array => Float64Array.from(values).sort();
const seconds = (ms: number | null): number | null => (ms === null ? null : ms / 1000);

/**
 * The report of collected facts (the facts' own window; tierYear must be a known year).
 * Exported for the weekly series, which summarises slices of one collection.
 */
export function summariseDora(facts: DoraFacts, tierYear: number): DoraReport {
  const { from, to } = facts.window;
  const weeks = (to - from) / WEEK_MS;

  let failedStatus = 0;
  let fromIncidents = 0;
  const days = new Set<number>();
  for (const d of facts.deployments) {
    if (d.failed) failedStatus++;
    // A UTC calendar day by arithmetic: no Date object per deployment. A deployment an
    // incident is linked to was still deployed: it counts for frequency and as a failure.
    else days.add(Math.floor(d.finishedAt / DAY_MS));
    if (d.incident) fromIncidents++;
  }
  const total = facts.deployments.length;
  const failed = failedStatus + fromIncidents;
  const successful = total - failedStatus;
  const perWeek = successful / weeks;

  const leadTimes = ascending(facts.leadTimes.map((l) => l.ms));
  const leadMedian = seconds(median(leadTimes));

  const recoveries: number[] = [];
  const episodesFromIncidents = facts.episodes.filter((e) => e.incident).length;
  for (const e of facts.episodes)
    if (e.recoveredAt !== null && e.recoveredAt < to) recoveries.push(e.recoveredAt - e.startedAt);
  const recoveryMedian = seconds(median(ascending(recoveries)));
  const rate = total === 0 ? null : failed / total;

  return {
    window: { from, to },
    tierYear,
    deploymentFrequency: {
      deployments: successful,
      perWeek,
      deployDays: days.size,
      deployDaysPerWeek: days.size / weeks,
      tier: tierOf('deploymentFrequency', perWeek, tierYear),
    },
    leadTime: {
      commits: leadTimes.length,
      medianSeconds: leadMedian,
      p90Seconds: seconds(percentile(leadTimes, 0.9)),
      tier: tierOf('leadTime', leadMedian, tierYear),
    },
    changeFailureRate: {
      deployments: total,
      failed,
      fromIncidents,
      rate,
      tier: tierOf('changeFailureRate', rate, tierYear),
    },
    recoveryTime: {
      recovered: recoveries.length,
      unrecovered: facts.episodes.length - recoveries.length,
      fromIncidents: episodesFromIncidents,
      medianSeconds: recoveryMedian,
      tier: tierOf('recoveryTime', recoveryMedian, tierYear),
    },
    warnings: facts.warnings,
  };
}

/**
 * The DORA report of a window. `deployments` is every deployment of the scope's services
 * that finished before `window.to`, production or not, including history before
 * `window.from` (it decides which commits were already shipped).
 *
 * - Deployment frequency: successful production deployments finishing in the window, per
 *   week, and distinct UTC days with one, per week. Tiered on deployments per week.
 * - Lead time for changes: median and p90 of finish − commit time over the commits first
 *   shipped in the window (a commit counts at the first successful production deployment
 *   of its service that contains it).
 * - Change failure rate: failed and rolled back, and successful ones an incident is
 *   linked to (`options.incidents`), over all production deployments in the window; null
 *   with none.
 * - Recovery time: per service and environment, consecutive failures are one episode,
 *   from the first failure's finish to the next success's finish; a deployment an incident
 *   is linked to is an episode from its finish to the incident's resolution; episodes
 *   starting in the window count, and those not recovered by its end are counted as
 *   unrecovered.
 *
 * @example
 * const report = computeDora(history, { from: Date.parse('2024-01-01'), to: Date.parse('2024-04-01') }, { productionEnvironments: ['production'] });
 * report.changeFailureRate.rate; // e.g. 0.08
 */
export function computeDora(
  deployments: readonly DoraDeployment[],
  window: DoraWindow,
  options: DoraOptions,
): DoraReport {
  const tierYear = options.tierYear ?? DEFAULT_TIER_YEAR;
  thresholdsFor(tierYear); // an unknown year fails before the pass over history, not after
  return summariseDora(
    collectDoraFacts(deployments, window, options.productionEnvironments, options.incidents),
    tierYear,
  );
}

/** The window of the same length that ends where this one starts. */
export function previousWindow(window: DoraWindow): DoraWindow {
  checkWindow(window);
  return { from: window.from - (window.to - window.from), to: window.from };
}

/**
 * Changes smaller than this fraction of the larger value read as "same": a few percent is
 * what a quarter's numbers move by without anyone changing how they work, and an arrow
 * for it would be noise.
 */
export const TREND_TOLERANCE = 0.05;

const HEADLINE: Record<DoraMetric, { value: (r: DoraReport) => number | null; higherIsBetter: boolean }> = {
  deploymentFrequency: { value: (r) => r.deploymentFrequency.perWeek, higherIsBetter: true },
  leadTime: { value: (r) => r.leadTime.medianSeconds, higherIsBetter: false },
  changeFailureRate: { value: (r) => r.changeFailureRate.rate, higherIsBetter: false },
  recoveryTime: { value: (r) => r.recoveryTime.medianSeconds, higherIsBetter: false },
};

function trend(current: number | null, previous: number | null, higherIsBetter: boolean): DoraTrend {
  if (current === null || previous === null) return { direction: 'unknown', delta: null };
  const delta = current - previous;
  if (Math.abs(delta) <= TREND_TOLERANCE * Math.max(Math.abs(current), Math.abs(previous)))
    return { direction: 'same', delta };
  return { direction: delta > 0 === higherIsBetter ? 'better' : 'worse', delta };
}

/**
 * Each headline metric's trend from the previous report to the current one: more
 * deployments a week is better; shorter lead time, lower failure rate and faster recovery
 * are better. Unknown when either side has no value.
 */
export function compareDora(current: DoraReport, previous: DoraReport): DoraComparison {
  const entry = (metric: DoraMetric): DoraTrend => {
    const { value, higherIsBetter } = HEADLINE[metric];
    return trend(value(current), value(previous), higherIsBetter);
  };
  return {
    deploymentFrequency: entry('deploymentFrequency'),
    leadTime: entry('leadTime'),
    changeFailureRate: entry('changeFailureRate'),
    recoveryTime: entry('recoveryTime'),
  };
}
