/**
 * The runner protocol's messages beside the contract in model.ts: what a runner says when
 * it asks for work, and what the server answers to a renewal and a report. Shared by the
 * server (RunnerService, routes) and the agent (its transports). Pure.
 */
import type { WorkOutcome } from './model.ts';

/** A runner introducing itself on each lease request; the Runners page shows the last one. */
export interface RunnerIntroduction {
  /** Unique per runner process or host (`eu-west-1-a`); a restarted runner may reuse its name. */
  name: string;
  location: string;
  tags: readonly string[];
  /** The runner's Atrium version. */
  version: string;
  /** How many runs it takes in this request (its free slots). */
  capacity: number;
}

/**
 * The answer to a renewal: the lease holds until `leaseExpiresAt`, or the runner stops:
 * `cancelled` (someone cancelled the run), `timed-out` (past its timeout: report an error),
 * `lost` (the lease lapsed and went to another runner, or the run ended without this one).
 */
export type RenewAnswer =
  | { state: 'leased'; leaseExpiresAt: number }
  | { state: 'cancelled' }
  | { state: 'timed-out' }
  | { state: 'lost' };

/**
 * The answer to a report: `recorded` (this report is the run's outcome), `already-recorded`
 * (the run had ended: another lease's report, a cancel, a missed deadline; nothing changes),
 * `refused` (no lease of this run ever had the token, or no such run): stop retrying.
 */
export type ReportAnswer = { state: 'recorded' } | { state: 'already-recorded' } | { state: 'refused' };

/** Reports in one batch at most (POST /api/v1/runners/results): one request's body and one transaction's length stay bounded. */
export const MAX_REPORTS_PER_BATCH = 100;

/** One outcome in a batch of reports (POST /api/v1/runners/results), by the lease that ran it. */
export interface RunReport {
  runId: string;
  leaseToken: string;
  outcome: WorkOutcome;
}

/** A runner as the Runners page and `GET /api/v1/runners` show it. */
export interface RunnerView {
  name: string;
  location: string;
  tags: readonly string[];
  version: string;
  capacity: number;
  lastSeenAt: number;
  /** Runs leased to it whose lease has not lapsed. */
  running: number;
}

/** Names of runners, locations and tags: what a runner may call itself (no spaces, no markup). */
export const RUNNER_WORD = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,62}$/;
export const RUNNER_WORD_RULE = '1–63 letters, digits, `.`, `_`, `:` or `-`, starting with a letter or digit';
