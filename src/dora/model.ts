import type { DoraMetric, DoraTier } from './tiers.ts';

/**
 * The data of the DORA metrics: deployments as the store gives them, and the report the
 * rules make of them. Everything here is plain JSON-able data; times in are epoch
 * milliseconds, durations out are seconds, rates are 0..1 fractions, and a metric that
 * cannot be computed is null rather than zero.
 */

export type DeploymentStatus = 'succeeded' | 'failed' | 'rolled_back';

export interface DoraDeployment {
  /** The service's entity key, e.g. component:default/checkout. */
  service: string;
  environment: string;
  status: DeploymentStatus;
  /** Epoch milliseconds. */
  startedAt: number;
  finishedAt: number;
  commits: readonly { sha: string; committedAt: number }[];
}

/** Epoch milliseconds, [from, to). */
export interface DoraWindow {
  from: number;
  to: number;
}

export interface DoraOptions {
  productionEnvironments: readonly string[];
  tierYear?: number;
}

export type DoraWarningCode =
  | 'deploys-without-commits'
  | 'finished-before-started'
  | 'commit-after-deploy'
  | 'no-production-deployments'
  | 'non-production-only';

export interface DoraWarning {
  code: DoraWarningCode;
  message: string;
  /** How many deployments (or commits, for commit-after-deploy) the warning is about. */
  count: number;
  /** At most five short strings naming some of them, in time order. */
  examples: string[];
}

export interface DoraReport {
  window: DoraWindow;
  tierYear: number;
  deploymentFrequency: {
    /** Successful production deployments in the window. */
    deployments: number;
    perWeek: number;
    /** Distinct UTC calendar days with at least one successful production deployment. */
    deployDays: number;
    deployDaysPerWeek: number;
    tier: DoraTier | null;
  };
  leadTime: {
    /** Commits first deployed to production in the window (less those with a later commit time than their deployment). */
    commits: number;
    medianSeconds: number | null;
    p90Seconds: number | null;
    tier: DoraTier | null;
  };
  changeFailureRate: {
    /** Production deployments in the window, whatever their status. */
    deployments: number;
    /** Of those, the failed and rolled back ones. */
    failed: number;
    rate: number | null;
    tier: DoraTier | null;
  };
  recoveryTime: {
    /** Failure episodes starting in the window and recovered before its end. */
    recovered: number;
    /** Failure episodes starting in the window and not recovered before its end. */
    unrecovered: number;
    medianSeconds: number | null;
    tier: DoraTier | null;
  };
  warnings: DoraWarning[];
}

export type TrendDirection = 'better' | 'worse' | 'same' | 'unknown';

export interface DoraTrend {
  direction: TrendDirection;
  /** current − previous, in the metric's unit; null when either is unknown. */
  delta: number | null;
}

export type DoraComparison = Record<DoraMetric, DoraTrend>;
