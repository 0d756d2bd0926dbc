import { summariseDora } from './report.ts';
import { collectDoraFacts, DAY_MS, sliceFacts, WEEK_MS } from './facts.ts';
import type { DoraDeployment, DoraOptions, DoraWindow } from './model.ts';
import { DEFAULT_TIER_YEAR } from './tiers.ts';

/** One week of a window's DORA numbers, as charts draw them. */
export interface WeeklyBucket {
  /** Epoch milliseconds, [from, to). */
  from: number;
  to: number;
  /** 7, except for a last bucket cut short by the window's end. */
  days: number;
  /** True for that shorter last bucket: its counts cover fewer days than the others'. */
  partial: boolean;
  successfulDeployments: number;
  /** Failed and rolled back production deployments. */
  failedDeployments: number;
  changeFailureRate: number | null;
  /** Median lead time of the commits first shipped to production in this bucket. */
  leadTimeMedianSeconds: number | null;
  leadTimeCommits: number;
}

/**
 * The window in buckets of seven days from `from`, each with the numbers computeDora gives
 * for that bucket alone (one pass over history for all of them, then a summary per slice).
 * Takes the same arguments as computeDora.
 */
export function weeklySeries(
  deployments: readonly DoraDeployment[],
  window: DoraWindow,
  options: DoraOptions,
): WeeklyBucket[] {
  const tierYear = options.tierYear ?? DEFAULT_TIER_YEAR;
  const facts = collectDoraFacts(deployments, window, options.productionEnvironments, options.incidents);
  const buckets: WeeklyBucket[] = [];
  for (let from = window.from; from < window.to; from += WEEK_MS) {
    const to = Math.min(from + WEEK_MS, window.to);
    const report = summariseDora(sliceFacts(facts, { from, to }), tierYear);
    buckets.push({
      from,
      to,
      days: (to - from) / DAY_MS,
      partial: to - from < WEEK_MS,
      successfulDeployments: report.deploymentFrequency.deployments,
      failedDeployments: report.changeFailureRate.failed,
      changeFailureRate: report.changeFailureRate.rate,
      leadTimeMedianSeconds: report.leadTime.medianSeconds,
      leadTimeCommits: report.leadTime.commits,
    });
  }
  return buckets;
}
