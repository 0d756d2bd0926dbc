import { AtriumError } from '../platform/errors.ts';
import type { LeasedRun, WorkOutcome } from './model.ts';
import type { RenewAnswer, ReportAnswer, RunnerIntroduction, RunReport } from './protocol.ts';
import type { RunnerService } from './service.ts';

/**
 * How a runner agent talks to its server: over HTTP for `atrium runner`, or by calling the
 * RunnerService directly for the runner `serve` embeds. A server that cannot be reached
 * now throws a `retryable` AtriumError (the agent waits and tries again); anything else it
 * throws ends the agent (a token without the scope, say).
 */
export interface RunnerTransport {
  lease(runner: RunnerIntroduction, signal: AbortSignal): Promise<LeasedRun[]>;
  renew(runId: string, leaseToken: string, runnerName: string): Promise<RenewAnswer>;
  report(runId: string, leaseToken: string, outcome: WorkOutcome): Promise<ReportAnswer>;
  /**
   * Reports many outcomes at once, answering each in order (a transport without it reports
   * one at a time). Throws as report() does, for all of them: the agent then reports each alone.
   */
  reportMany?(reports: readonly RunReport[]): Promise<ReportAnswer[]>;
  release(runId: string, leaseToken: string): Promise<boolean>;
}

/** The embedded runner's transport: the server's own RunnerService, no network between. */
export function inProcessTransport(runners: RunnerService): RunnerTransport {
  return {
    lease: (runner, signal) => runners.lease(runner, signal),
    renew: (runId, token, name) => runners.renew(runId, token, name),
    report: (runId, token, outcome) => runners.report(runId, token, outcome),
    reportMany: (reports) => runners.reportMany(reports),
    release: (runId, token) => runners.release(runId, token),
  };
}

/** The server did not answer usefully now (down, overloaded, a proxy's error page): try again later. */
export function serverUnavailable(message: string, cause?: unknown): AtriumError {
  return new AtriumError({
    category: 'retryable',
    code: 'runner-server-unavailable',
    message,
    hint: 'The runner retries by itself; check that --server is reachable from here.',
    cause,
  });
}
