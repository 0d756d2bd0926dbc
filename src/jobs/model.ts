/**
 * Scheduled jobs: cron schedules owned in the catalog (`kind: Job`), each tick claimed once
 * across replicas and run on a runner (http, command) or watched for its pings (heartbeat).
 * The types every part of the capability shares. Pure.
 */

export const JOB_API_VERSION = 'atrium.dev/v1';

/** The work-order kind of a job's run: the executor and outcome handler registered under it. */
export const JOB_WORK_KIND = 'job';

export const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'] as const;
export type ConcurrencyPolicy = (typeof CONCURRENCY_POLICIES)[number];

export const RUN_STATUSES = ['queued', 'running', 'success', 'failed', 'missed', 'skipped', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** A run that has ended: no ping or outcome changes it any more. */
export const FINAL_STATUSES: readonly RunStatus[] = ['success', 'failed', 'missed', 'skipped', 'cancelled'];

/** Which ticks run after downtime: none of the late ones, the last, or the last N (the rest are recorded missed). */
export type CatchUp = { kind: 'none' } | { kind: 'last' } | { kind: 'count'; count: number };

export interface HttpAction {
  type: 'http';
  method: string;
  url: string;
  headers: Readonly<Record<string, string>>;
  body?: string;
}

export interface CommandAction {
  type: 'command';
  args: readonly string[];
  workingDirectory?: string;
  environment: Readonly<Record<string, string>>;
  /** Run args[0] through `/bin/sh -c` (the rest as its positional parameters): only where the runner allows a shell. */
  shell: boolean;
}

export interface HeartbeatAction {
  type: 'heartbeat';
  /** How long after a tick its ping may come before the run is missed. */
  graceMs: number;
}

export type JobAction = HttpAction | CommandAction | HeartbeatAction;

/** A stored Job entity as the capability uses it. */
export interface JobDefinition {
  /** `job:<namespace>/<name>`. */
  key: string;
  namespace: string;
  name: string;
  title?: string;
  description?: string;
  /** The service's entity key (`component:default/x`): its timeline and page. */
  service: string;
  /** The owning team's key, the job's or else its service's (empty when neither is known). */
  owner: string;
  schedule: string;
  timeZone: string;
  concurrencyPolicy: ConcurrencyPolicy;
  /** A tick not started this long after it is due is missed (undefined: no deadline). */
  startingDeadlineMs?: number;
  timeoutMs: number;
  retries: { count: number; backoffMs: number };
  suspend: boolean;
  tags: readonly string[];
  location?: string;
  catchUp: CatchUp;
  action: JobAction;
}

/** One run of a job: a tick (or a run-now), its attempts, and how it ended. */
export interface JobRun {
  jobKey: string;
  /** The tick it belongs to (ms since the epoch); a run-now's tick is the moment it was asked for. */
  tick: number;
  status: RunStatus;
  /** Why it ran: its schedule, a catch-up after downtime, a person (run now), or a retry. */
  trigger: 'schedule' | 'catch-up' | 'manual';
  startedAt?: number;
  finishedAt?: number;
  runner?: string;
  attempt: number;
  /** One line a person reads ("exit code 2", "status 503"), secrets never in it. */
  summary?: string;
  /** The end of the output (stdout, stderr, a ping's log), bounded. */
  output?: string;
}

/** What the JobRun list answers per item in the API: the fixed names, times as ISO 8601. */
export interface JobRunItem {
  tick: string;
  status: RunStatus;
  startedAt: string | null;
  finishedAt: string | null;
  runner: string | null;
  attempt: number;
  trigger: JobRun['trigger'];
  summary: string | null;
  output: string | null;
}

/** The longest output excerpt a run keeps (its tail): enough to read why it failed. */
export const MAX_RUN_OUTPUT = 8 * 1024;

/** A tick's work-order dedup key: one order per tick, ever; a retry adds `#retry<n>`. */
export function tickDedupKey(jobKey: string, tick: number, retry = 0): string {
  const ref = jobKey.slice('job:'.length);
  return retry === 0 ? `job:${ref}@${tick}` : `job:${ref}@${tick}#retry${retry}`;
}

/** The tick and retry a job order's dedup key names, or undefined when it is not one. */
export function parseTickDedupKey(dedupKey: string): { jobKey: string; tick: number; retry: number } | undefined {
  const match = /^job:([^@\s]+)@(\d{1,16})(?:#retry(\d{1,3}))?$/.exec(dedupKey);
  if (!match) return undefined;
  return { jobKey: `job:${match[1]}`, tick: Number(match[2]), retry: Number(match[3] ?? 0) };
}

/** The tail of `text`, at most `max` characters, marked when cut. */
export function tailOf(text: string, max = MAX_RUN_OUTPUT): string {
  return text.length <= max ? text : `…${text.slice(text.length - max + 1)}`;
}
