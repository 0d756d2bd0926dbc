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

/**
 * A production incident linked to a deployment (incidents suggest the last successful
 * production deployment of an affected service before the start, as DevLake does): the
 * deployment counts as a change failure, and its recovery time runs from its finish to the
 * incident's resolution. Given by whatever records incidents (see DoraServiceOptions).
 */
export interface DoraIncident {
  /** The linked deployment's service key and finish (epoch ms): which deployment it is. */
  service: string;
  deployedAt: number;
  /** The incident's resolution (epoch ms), null while open. */
  resolvedAt: number | null;
}

/** Epoch milliseconds, [from, to). */
export interface DoraWindow {
  from: number;
  to: number;
}

export interface DoraOptions {
  productionEnvironments: readonly string[];
  tierYear?: number;
  /** Incidents linked to deployments: they count in change failure rate and recovery time. */
  incidents?: readonly DoraIncident[];
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
    /** Of those, the failed and rolled back ones, and the successful ones an incident is linked to. */
    failed: number;
    /** Of `failed`, the successful deployments counted because an incident is linked to them. */
    fromIncidents: number;
    rate: number | null;
    tier: DoraTier | null;
  };
  recoveryTime: {
    /** Failure episodes starting in the window and recovered before its end. */
    recovered: number;
    /** Failure episodes starting in the window and not recovered before its end. */
    unrecovered: number;
    /** Of the episodes, those of deployments an incident is linked to (finish to the incident's resolution). */
    fromIncidents: number;
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
