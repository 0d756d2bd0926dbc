/**
 * Runner agents: the contract between the capabilities that hand work out (checks, jobs)
 * and the runners that do it. The server queues work orders; a runner leases them over
 * HTTP (or in-process, for the embedded runner of `serve`), runs each through the
 * executor registered for its kind, renews the lease while it works and reports an
 * outcome. A lease that lapses puts the run back in the queue under the same run id, so
 * an outcome is recorded once even when two runners report it. Pure.
 */

/** The JSON a work order carries to its executor and an outcome carries back. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** Where a runner runs when `serve` runs it in-process. */
export const LOCAL_LOCATION = 'local';

/** Work the server wants done once, somewhere that matches. */
export interface WorkOrder {
  /** Which executor runs it, and which capability hears of the outcome: `check`, `job`. */
  kind: string;
  /** The entity the work is for (`check:default/shipments-health`), for pages and cancelling. */
  subject: string;
  /**
   * At most one run per key, ever: a second order with the same key is ignored. A check's
   * round at a location (`check:default/x@eu-west-1@<round start ms>`), a job's tick.
   */
  dedupKey: string;
  /** The runner location that must run it; undefined: any runner. */
  location?: string;
  /** Tags a runner must all have to take it (a command job's `tags`). */
  tags: readonly string[];
  /** Not leased before this (ms since the epoch, the server's clock). */
  dueAt: number;
  /** Not started after this: the run is recorded as `missed` instead (a job's startingDeadline). */
  deadlineAt?: number;
  /** How long a run may take once started; the lease is renewed within it, never past it. */
  timeoutMs: number;
  /** Names of the server's secrets the executor may read (`${secret:NAME}` in the payload). */
  secrets: readonly string[];
  payload: Json;
  /**
   * After this many lapsed leases (each runner that took it crashed or was cut off) the run
   * is recorded as an error instead of leased again; undefined: the server's setting (3 by default).
   */
  maxLeaseLapses?: number;
}

/** Where a run is: queued (never leased, or its lease lapsed), leased to a runner, or finished. */
export type RunState = 'queued' | 'leased' | 'finished' | 'cancelled' | 'missed';

/** A leased run as the runner receives it: the order, the run id, this lease and the secrets it names. */
export interface LeasedRun {
  runId: string;
  /** 1 for the first lease; a lapsed lease's run comes back with the next number. */
  attempt: number;
  /** Proves this lease on renew and report; a lapsed lease's token is refused. */
  leaseToken: string;
  leaseExpiresAt: number;
  /** How long one lease or renewal holds (ms): the runner renews well within it (a third). */
  leaseMs: number;
  kind: string;
  subject: string;
  timeoutMs: number;
  payload: Json;
  /** The secrets the order names, resolved from the server's configuration; never logged, never stored with results. */
  secrets: Readonly<Record<string, string>>;
}

/** What an executor answers: its verdict and what it learnt (timings, assertions, an excerpt). */
export interface WorkOutcome {
  /** `success` and `failure` are the executor's verdict; `error` means it could not run at all. */
  status: 'success' | 'failure' | 'error';
  /** One line a person reads on a page ("status 503 ≠ 200", "exit code 2"); secrets never in it. */
  summary: string;
  detail: Json;
}

/** A run's recorded end, as the capability that ordered it hears of it, once. */
export interface FinishedRun {
  runId: string;
  kind: string;
  subject: string;
  dedupKey: string;
  location: string | undefined;
  /** The runner that reported it (its name) and where it runs; undefined for a missed or cancelled run. */
  runner: string | undefined;
  runnerLocation: string | undefined;
  attempt: number;
  startedAt: number;
  finishedAt: number;
  /**
   * The executor's outcome, or the server's: `missed` (not started before its deadline),
   * `cancelled` (cancelled while queued or leased). A missed or cancelled run has no runner.
   */
  outcome: WorkOutcome | { status: 'missed' | 'cancelled'; summary: string; detail: Json };
}

/** The server's queue, as the capabilities that order work use it. */
export interface WorkQueue<Transaction = unknown> {
  /** Queues orders (in the caller's transaction when given); an order whose dedupKey exists is skipped. Answers how many were new. */
  enqueue(orders: readonly WorkOrder[], trx?: Transaction): Promise<number>;
  /** Cancels a subject's queued and leased runs; a leased run's runner learns it on its next renewal and aborts. Answers how many. */
  cancel(subject: string, reason: string, trx?: Transaction): Promise<number>;
  /** The subject's runs not yet finished (queued or leased), oldest first: what `Forbid` and `Replace` ask. */
  unfinished(subject: string): Promise<readonly { runId: string; dedupKey: string; state: 'queued' | 'leased' }[]>;
  /** Which of `subjects` have runs not yet finished: what `Forbid` asks of every job due in a pass, in one query. */
  busy(subjects: readonly string[]): Promise<ReadonlySet<string>>;
}

/** What an executor may use besides its order: cancellation, the secrets, the runner's own settings. */
export interface ExecutionContext {
  signal: AbortSignal;
  secrets: Readonly<Record<string, string>>;
  /** The runner's allow-lists and limits (SSRF exceptions, command allow-list, environment). */
  settings: RunnerSettings;
  /** The runner's clock (ms since the epoch); injected in tests. */
  now(): number;
}

/** A runner's own policy, from its command line and configuration, never from the server. */
export interface RunnerSettings {
  location: string;
  tags: readonly string[];
  /** Hosts or CIDRs a check may reach although they are private or link-local (the metadata address is refused otherwise). */
  allowedPrivateTargets: readonly string[];
  /** Executables a command job may run (absolute paths or names on PATH); empty: none. */
  allowedCommands: readonly string[];
  /** Working directories a command job may use. */
  allowedWorkingDirectories: readonly string[];
  /** Environment variable names passed through to a command job. */
  allowedEnvironment: readonly string[];
  /**
   * Certificate authorities (PEM) trusted beside the system's for https checks, tls checks
   * and job http actions (`--ca-file`): an internal CA, without trusting it process-wide.
   */
  caCertificates?: readonly string[];
}

/** Runs the work of one kind on a runner. Registered by the capability that orders it. */
export interface WorkExecutor {
  kind: string;
  run(payload: Json, context: ExecutionContext): Promise<WorkOutcome>;
  /** Ends what the executor keeps between runs (the browser of browser checks); called when its runner stops. */
  close?(): Promise<void>;
}

/** Hears of a run's end on the server, once per run id, in the transaction that records it. */
export interface WorkOutcomeHandler<Transaction = unknown> {
  kind: string;
  recorded(run: FinishedRun, trx: Transaction): Promise<void>;
}
