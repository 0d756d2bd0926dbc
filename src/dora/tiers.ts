import { AtriumError } from '../platform/errors.ts';

/**
 * DORA performance tiers as data, one set of boundaries per report year: the survey's
 * clusters move from year to year, so a page can say which year's clusters it used and a
 * new report is a new entry here, not a code change.
 */

export type DoraTier = 'elite' | 'high' | 'medium' | 'low';

/**
 * The four key metrics, each in the unit of the report: deployments per week, seconds,
 * a 0..1 fraction, seconds.
 */
export type DoraMetric = 'deploymentFrequency' | 'leadTime' | 'changeFailureRate' | 'recoveryTime';

/** The boundary of each tier above low; a value that reaches none of them is low. */
export interface TierBoundaries {
  elite: number;
  high: number;
  medium: number;
}

export type DoraThresholds = Record<DoraMetric, TierBoundaries>;

/**
 * How a value is compared with a boundary. Frequency: more is better, the boundary is
 * reached at equality. Change failure rate: the report gives one typical rate per
 * cluster, read as a ceiling that is reached at equality (5% is still elite). Lead time
 * and recovery: the report says "less than one day", so equality falls to the next tier.
 */
const BOUNDARY: Record<DoraMetric, 'atLeast' | 'atMost' | 'below'> = {
  deploymentFrequency: 'atLeast',
  changeFailureRate: 'atMost',
  leadTime: 'below',
  recoveryTime: 'below',
};

const HOUR = 3600;
const DAY = 24 * HOUR;

export const DORA_TIERS: Readonly<Record<number, DoraThresholds>> = {
  /**
   * The 2023 Accelerate State of DevOps report. Its clusters are ranges and typical
   * values; these are the numeric boundaries Atrium reads them as.
   */
  2023: {
    // Tiered on deployments per week, not deploy-days: the survey asks how often a team
    // deploys, and deploy-days cap at 7, which would make "multiple per day" unreachable.
    // Elite "on demand (multiple per day)" has no rate of its own, so its floor is daily on
    // average (7 a week); high "between once per day and once per week" starts at 1 a week;
    // medium "between once per week and once per month" starts at 12 a year (12/52 a week).
    // 2023 gives low the same range as medium, so low is what falls below monthly, as the
    // earlier reports' "fewer than once per month" had it.
    deploymentFrequency: { elite: 7, high: 1, medium: 12 / 52 },
    // Elite "less than one day", high "between one day and one week", medium and low
    // "between one week and one month" (2023 does not split them): below a month is medium.
    leadTime: { elite: DAY, high: 7 * DAY, medium: 30 * DAY },
    // Typical rates 5%, 10%, 15%, 64%: anything above medium's 15% is low.
    changeFailureRate: { elite: 0.05, high: 0.1, medium: 0.15 },
    // Elite "less than one hour", high "less than one day", medium "between one day and one
    // week", low "between one month and six months": the gap between a week and a month is
    // read as low, the nearer cluster by the report's own ordering.
    recoveryTime: { elite: HOUR, high: DAY, medium: 7 * DAY },
  },
};

export const DEFAULT_TIER_YEAR = 2023;

/** The boundaries of a report year; an unknown year is an error rather than a silent fallback, so a typo in configuration is seen. */
export function thresholdsFor(year: number = DEFAULT_TIER_YEAR): DoraThresholds {
  const thresholds = DORA_TIERS[year];
  if (!thresholds) {
    throw new AtriumError({
      category: 'user-fixable',
      code: 'unknown-dora-tier-year',
      message: `There are no DORA tier thresholds for the year ${year}`,
      hint: `Use one of the report years Atrium knows: ${Object.keys(DORA_TIERS).join(', ')}.`,
      details: { year },
    });
  }
  return thresholds;
}

function reaches(metric: DoraMetric, value: number, boundary: number): boolean {
  switch (BOUNDARY[metric]) {
    case 'atLeast':
      return value >= boundary;
    case 'atMost':
      return value <= boundary;
    case 'below':
      return value < boundary;
  }
}

/**
 * The tier of one metric's value, or null when there is no value (no deployments to rate,
 * no commits to time).
 *
 * @example
 * tierOf('changeFailureRate', 0.05); // 'elite'
 * tierOf('leadTime', 86_400);        // 'high' (not less than one day)
 * tierOf('leadTime', null);          // null
 */
export function tierOf(
  metric: DoraMetric,
  value: number | null | undefined,
  year: number = DEFAULT_TIER_YEAR,
): DoraTier | null {
  const boundaries = thresholdsFor(year)[metric];
  if (value === null || value === undefined || Number.isNaN(value)) return null;
  if (reaches(metric, value, boundaries.elite)) return 'elite';
  if (reaches(metric, value, boundaries.high)) return 'high';
  if (reaches(metric, value, boundaries.medium)) return 'medium';
  return 'low';
}
