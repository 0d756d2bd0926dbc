import { createHash } from 'node:crypto';
import type { CheckDefinition, CheckStatus, LocationState, MaintenanceWindow, RunStatus } from './model.ts';

/**
 * The status rules of synthetic checks, as pure functions of runs:
 *
 * - a run is failing when its executor says so (or it could not run, or was missed), or
 *   slower than maxResponseTime; degraded when slower than degradedResponseTime; else passing;
 * - a location turns failing after `thresholds.failure` failing runs in a row, and back after
 *   `thresholds.success` good (passing or degraded) runs in a row; below the threshold it
 *   keeps its status (a location without data stays pending);
 * - the check is failing when at least `failingLocations` of its locations are (k of n),
 *   degraded when some location is failing or degraded short of that, passing when every
 *   location with data passes, pending while none has data;
 * - a maintenance window holds alerts back but not data: runs are recorded and statuses move;
 *   an alert opens when the check is failing outside a window, and resolves when it is not
 *   failing (in a window or not).
 */

/** What a run's outcome says, in the executor's or the server's words. */
export interface RunFacts {
  outcome: 'success' | 'failure' | 'error' | 'missed' | 'cancelled';
  /** The run's response time, when the executor measured one. */
  responseTimeMs?: number;
}

/** A run's verdict at its location. */
export function runStatus(run: RunFacts, check: Pick<CheckDefinition, 'degradedMs' | 'maxMs'>): RunStatus {
  if (run.outcome !== 'success') return 'failing';
  const time = run.responseTimeMs;
  if (time === undefined) return 'passing';
  if (check.maxMs !== undefined && time > check.maxMs) return 'failing';
  if (check.degradedMs !== undefined && time > check.degradedMs) return 'degraded';
  return 'passing';
}

/** A location no run has reached yet. */
export function pendingLocation(location: string): LocationState {
  return { location, status: 'pending', consecutiveFailures: 0, consecutiveSuccesses: 0 };
}

/**
 * A location's state after one more run (`at` ISO 8601; `reason` why it failed). A run older
 * than the location's last one is history, not news: the state does not move.
 */
export function nextLocationState(
  previous: LocationState,
  run: { status: RunStatus; at: string; reason?: string },
  thresholds: CheckDefinition['thresholds'],
): LocationState {
  if (previous.lastRunAt !== undefined && run.at < previous.lastRunAt) return previous;
  const failed = run.status === 'failing';
  const consecutiveFailures = failed ? previous.consecutiveFailures + 1 : 0;
  const consecutiveSuccesses = failed ? 0 : previous.consecutiveSuccesses + 1;
  let status: CheckStatus;
  if (failed) status = consecutiveFailures >= thresholds.failure ? 'failing' : previous.status;
  else if (previous.status === 'failing') status = consecutiveSuccesses >= thresholds.success ? run.status : 'failing';
  else status = run.status;
  return {
    location: previous.location,
    status,
    consecutiveFailures,
    consecutiveSuccesses,
    lastRunAt: run.at,
    lastRunStatus: run.status,
    ...(failed
      ? { lastFailureAt: run.at, lastFailureReason: run.reason ?? 'failed' }
      : previous.lastFailureAt !== undefined
        ? { lastFailureAt: previous.lastFailureAt, lastFailureReason: previous.lastFailureReason ?? 'failed' }
        : {}),
  };
}

/** The check's status over its locations' (k of n: `failingLocations`, at most the number of locations). */
export function overallStatus(
  locations: readonly Pick<LocationState, 'status'>[],
  failingLocations: number,
): CheckStatus {
  const known = locations.filter((l) => l.status !== 'pending');
  if (known.length === 0) return 'pending';
  const failing = known.filter((l) => l.status === 'failing').length;
  const k = Math.max(1, Math.min(failingLocations, locations.length));
  if (failing >= k) return 'failing';
  if (failing > 0 || known.some((l) => l.status === 'degraded')) return 'degraded';
  return 'passing';
}

/** The maintenance window open at `at` (epoch ms), if any. */
export function maintenanceAt(windows: readonly MaintenanceWindow[], at: number): MaintenanceWindow | undefined {
  return windows.find((w) => w.start <= at && at < w.end);
}

/** What to tell the owner's receivers after a status change: open the alert, resolve it, or nothing. */
export function alertAction(
  status: CheckStatus,
  alertOpen: boolean,
  inMaintenance: boolean,
): 'trigger' | 'resolve' | undefined {
  if (status === 'failing') return alertOpen || inMaintenance ? undefined : 'trigger';
  return alertOpen ? 'resolve' : undefined;
}

/** The start of the round `at` falls in (epoch ms): rounds are aligned to the interval, so every replica agrees. */
export function roundStart(at: number, intervalMs: number): number {
  return at - (at % intervalMs);
}

/**
 * A check's fixed offset within its interval (ms, in [0, interval)): a hash of its key
 * modulo the interval, so checks spread across their interval instead of all running at
 * its start (as Checkly and Gatus do), and every replica and restart agrees on it.
 */
export function checkOffset(checkKey: string, intervalMs: number): number {
  return createHash('sha256').update(checkKey).digest().readUIntBE(0, 6) % intervalMs;
}

/**
 * The check's round last due at `at`: `roundMs`, the interval boundary it belongs to (the
 * round in its key and its results, as every replica computes it), and `dueMs`, that plus
 * the check's offset (when it runs).
 */
export function dueRound(at: number, intervalMs: number, offsetMs: number): { roundMs: number; dueMs: number } {
  const roundMs = roundStart(at - offsetMs, intervalMs);
  return { roundMs, dueMs: roundMs + offsetMs };
}

/** The round's work key at a location: one order per check, location and round, however many replicas ask. */
export function roundKey(checkKey: string, location: string, roundMs: number): string {
  return `${checkKey}@${location}@${roundMs}`;
}

/** The key of the n-th retry (1-based) of a round's run at another location: the run it retries, with `#retry<n>`. */
export function retryKey(roundKeyText: string, n: number): string {
  return `${roundKeyText}#retry${n}`;
}

/** Reads a round key back (the location and round, and which retry: 0 for the round's own run), or undefined for anything else. */
export function parseRoundKey(
  key: string,
): { check: string; location: string; roundMs: number; retry: number } | undefined {
  const match = /^(check:[^@]+)@([^@]+)@(\d{1,15})(?:#retry(\d{1,2}))?$/.exec(key);
  return match
    ? {
        check: match[1] as string,
        location: match[2] as string,
        roundMs: Number(match[3]),
        retry: Number(match[4] ?? 0),
      }
    : undefined;
}

/** Where the n-th retry (1-based) of a run failing at `location` goes: the next other location, in turn; undefined with none. */
export function retryLocation(locations: readonly string[], location: string, n: number): string | undefined {
  const others = locations.filter((l) => l !== location);
  return others.length === 0 ? undefined : others[(n - 1) % others.length];
}

/** Wait before retry `n` (1-based): the delay each time (fixed), or n times it (linear). */
export function retryDelayMs(policy: CheckDefinition['retries'], n: number): number {
  return policy.strategy === 'linear' ? policy.delayMs * n : policy.delayMs;
}
