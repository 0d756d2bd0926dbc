import { setImmediate } from 'node:timers/promises';
import { EventEmitter, once } from 'node:events';
import type { Transaction } from 'kysely';
import { Admission } from '../platform/admission.ts';
import type { Schema } from '../platform/db/schema.ts';
import type { Logger } from '../platform/log.ts';
import type {
  FinishedRun,
  LeasedRun,
  RunState,
  WorkOrder,
  WorkOutcome,
  WorkOutcomeHandler,
  WorkQueue,
} from './model.ts';
import type { RenewAnswer, ReportAnswer, RunnerIntroduction, RunnerView, RunReport } from './protocol.ts';
import type { Claimed, RunCounts, RunnerStore } from './store.ts';

export interface RunnerServiceOptions {
  /** The server's clock (epoch ms): due times, leases and deadlines are read against it. Injected in tests. */
  now?: () => number;
  /** How long a lease or a renewal holds (default 30 s): a killed runner's work is retried about this long after. */
  leaseMs?: number;
  /** How long a lease request waits for work before answering none (default 25 s, under common proxies' 30 s idle limit). */
  longPollMs?: number;
  /** While a lease request waits, how often it looks again (work queued by another replica, or coming due). */
  pollEveryMs?: number;
  /**
   * A lease request waiting for work queued ahead wakes this long after its due time (default
   * 0), so it takes the runs falling due meanwhile too: one claim and one answer for several
   * runs when many are spread over an interval (ten thousand checks a minute), at the cost
   * of starting each up to this much later.
   */
  gatherMs?: number;
  /**
   * A runner not seen (asking for work, renewing a lease) for this long is gone (default a
   * day): off the Runners page, the API, the metrics and `all` locations, and forgotten.
   */
  goneAfterMs?: number;
  /** The server's secrets (atrium.yaml's `secrets`): a lease hands a run the ones its order names, no others. */
  secrets?: Readonly<Record<string, string>>;
  logger?: Logger;
}

export const DEFAULT_LEASE_MS = 30_000;
export const DEFAULT_LONG_POLL_MS = 25_000;
export const DEFAULT_GONE_AFTER_MS = 24 * 3_600_000;
/**
 * Runners' calls (lease, renew, report, release) on the database at once; the others wait
 * their turn here. A runner with 64 slots reports up to 64 runs together, each a
 * transaction with its capability's records: unbounded, they held all ten of PostgreSQL's
 * pooled connections on a busy machine, and the server's own work (ordering check rounds,
 * the expiry task, claiming job ticks) waited more than the pool's 5 s for one and failed
 * ("timeout exceeded when trying to connect", the checks benchmark's "ordering a round
 * failed 14 times"). Well under the pool's size, so the server's own work finds a connection.
 */
export const RUNNER_CALLS_AT_ONCE = 4;
/** Runner calls waiting for a turn before more are refused (429, retried by the runner): every slot of many runners. */
const RUNNER_CALLS_QUEUED = 100_000;

/** Gone runners are forgotten at most this often (the expiry task runs each second; the table is small, the write is not free). */
const FORGET_EVERY_MS = 60_000;

/** Ended runs are kept this long after they were due (see RunnerStore.pruneEnded): ten thousand one-minute checks end 14 million a day. */
export const ENDED_KEPT_MS = 24 * 3_600_000;
/** Ended runs deleted per transaction; the retention task yields between them. */
const PRUNE_BATCH = 1000;
/** Transactions per retention pass at most: 50,000 runs a minute, far past what runs end. */
const PRUNE_BATCHES = 50;

/** A snapshot of the queue for /metrics, refreshed by the expiry task (a scrape never waits on the database). */
export interface RunnerGauges {
  runs: RunCounts;
  runnersByLocation: Record<string, number>;
}

/** A runner counts on the metrics' "runners by location" while seen within this many leases. */
const SEEN_WITHIN_LEASES = 3;

/**
 * The server's side of runner agents: the queue the capabilities order work on (WorkQueue),
 * the lease, renew and report calls runners make (over HTTP, or in-process for the embedded
 * runner), and the handlers that hear of each run's end, by kind, in the transaction that
 * records it, so an outcome is never lost nor counted twice.
 */
export class RunnerService implements WorkQueue<Transaction<Schema>> {
  private readonly handlers = new Map<string, WorkOutcomeHandler<Transaction<Schema>>>();
  private readonly queued = new EventEmitter();
  private readonly now: () => number;
  readonly leaseMs: number;
  private readonly longPollMs: number;
  private readonly pollEveryMs: number;
  private readonly gatherMs: number;
  private readonly secrets: Readonly<Record<string, string>>;
  private readonly goneAfterMs: number;
  private forgotAt = Number.NEGATIVE_INFINITY;
  private expiries = 0;
  private snapshot: RunnerGauges = { runs: { queued: 0, leased: 0 }, runnersByLocation: {} };
  private readonly warnedKinds = new Set<string>();
  /** Aborted by close(): the server is stopping, and lease requests answer none at once. */
  private readonly closing = new AbortController();
  /** Runners' calls on the database, RUNNER_CALLS_AT_ONCE at a time. */
  private readonly calls = new Admission({ active: RUNNER_CALLS_AT_ONCE, queued: RUNNER_CALLS_QUEUED });

  constructor(
    private readonly store: RunnerStore,
    private readonly options: RunnerServiceOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.longPollMs = options.longPollMs ?? DEFAULT_LONG_POLL_MS;
    this.pollEveryMs = options.pollEveryMs ?? 1000;
    this.gatherMs = options.gatherMs ?? 0;
    this.secrets = options.secrets ?? {};
    this.goneAfterMs = options.goneAfterMs ?? DEFAULT_GONE_AFTER_MS;
    // Every waiting lease request listens; there are as many as runners' free slots ask.
    this.queued.setMaxListeners(0);
  }

  /** Registers the capability that hears of the runs of `handler.kind` (one per kind). */
  handle(handler: WorkOutcomeHandler<Transaction<Schema>>): void {
    if (this.handlers.has(handler.kind))
      throw new Error(`a work outcome handler for ${handler.kind} is registered already`);
    this.handlers.set(handler.kind, handler);
  }

  async enqueue(orders: readonly WorkOrder[], trx?: Transaction<Schema>): Promise<number> {
    const added = await this.store.enqueue(orders, this.now(), trx);
    if (added > 0) this.queued.emit('queued');
    return added;
  }

  cancel(subject: string, reason: string, trx?: Transaction<Schema>): Promise<number> {
    return this.store.cancel(subject, reason, this.now(), this.recorded, trx);
  }

  unfinished(subject: string): Promise<readonly { runId: string; dedupKey: string; state: 'queued' | 'leased' }[]> {
    return this.store.unfinished(subject);
  }

  busy(subjects: readonly string[]): Promise<ReadonlySet<string>> {
    return this.store.busy(subjects);
  }

  /**
   * Leases work to a runner: at once when some is due, else as soon as some is queued here,
   * falls due or is found within the long poll, else none when it ends. Nothing is leased once `signal`
   * aborts (the runner went away), so no lease is handed to no one.
   */
  async lease(runner: RunnerIntroduction, signal?: AbortSignal): Promise<LeasedRun[]> {
    const until = performance.now() + this.longPollMs;
    const ended = signal ? AbortSignal.any([signal, this.closing.signal]) : this.closing.signal;
    for (;;) {
      if (ended.aborted) return [];
      let claimed: Claimed;
      try {
        claimed = await this.calls.run(() => this.store.lease(runner, this.leaseMs, this.now()), ended);
      } catch (err) {
        // Ended while waiting for a turn: nothing was leased.
        if (ended.aborted) return [];
        throw err;
      }
      this.expiries += claimed.lapsed;
      const remaining = until - performance.now();
      if (claimed.runs.length > 0 || remaining <= 0) {
        return claimed.runs.map(({ secretNames, ...run }) => ({
          ...run,
          leaseMs: this.leaseMs,
          secrets: this.secretsOf(secretNames),
        }));
      }
      // Work queued ahead of its due time wakes the wait then: a check's round starts on time.
      const due = await this.store.nextDue(this.now());
      await this.waitForWork(
        Math.min(remaining, this.pollEveryMs, due === undefined ? Infinity : due - this.now() + this.gatherMs),
        ended,
      );
    }
  }

  private async waitForWork(ms: number, signal: AbortSignal): Promise<void> {
    // One controller per wait, ended by its timer or by `signal` (one listener, removed after):
    // a lease waits many times while work falls due, and signals combined per wait pile listeners up.
    const wait = new AbortController();
    const stop = () => wait.abort();
    signal.addEventListener('abort', stop, { once: true });
    const timer = setTimeout(stop, Math.max(1, Math.ceil(ms)));
    try {
      if (!signal.aborted) await once(this.queued, 'queued', { signal: wait.signal });
    } catch (err) {
      // The wait ended by its timer, the caller or close(): either way, look again (or give up) above.
      if ((err as Error).name !== 'AbortError') throw err;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
    }
  }

  /**
   * The server is stopping: waiting lease requests answer none now, and new ones at once, so
   * a runner's long poll does not hold the server's shutdown (the runner asks another replica,
   * or this one once it is back).
   */
  close(): void {
    this.closing.abort();
  }

  private secretsOf(names: readonly string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of names) {
      const value = this.secrets[name];
      if (value !== undefined) out[name] = value;
    }
    return out;
  }

  renew(runId: string, leaseToken: string, runnerName: string): Promise<RenewAnswer> {
    return this.calls.run(() => this.store.renew(runId, leaseToken, this.leaseMs, this.now(), runnerName));
  }

  /** Records the outcome a lease reports (see RunnerStore.report: the first report of a run counts, once). */
  report(runId: string, leaseToken: string, outcome: WorkOutcome): Promise<ReportAnswer> {
    return this.calls.run(() => this.store.report(runId, leaseToken, outcome, this.now(), this.recorded));
  }

  /**
   * Records many reports as report() does each, in one transaction; answers in order. When
   * that fails (one outcome its capability cannot record), each is recorded on its own and
   * the first failure is thrown: the others are recorded, and a runner reporting them all
   * again hears `already-recorded` for those.
   */
  async reportMany(reports: readonly RunReport[]): Promise<ReportAnswer[]> {
    const now = this.now();
    try {
      return await this.calls.run(() =>
        this.store.reportMany(
          reports.map((r) => ({ runId: r.runId, token: r.leaseToken, outcome: r.outcome })),
          now,
          this.recorded,
        ),
      );
    } catch (err) {
      this.options.logger?.warn(
        { component: 'runners', err },
        `recording ${reports.length} reports together failed; recording each on its own`,
      );
      // Every report that can be recorded is; the first failure is thrown after (the runner reports those again).
      const answers: ReportAnswer[] = [];
      let failure: unknown;
      for (const r of reports)
        try {
          answers.push(await this.report(r.runId, r.leaseToken, r.outcome));
        } catch (each) {
          failure ??= each;
        }
      if (failure !== undefined) throw failure;
      return answers;
    }
  }

  /** Hands a leased run back to the queue (its runner is stopping). Answers whether the lease was still its. */
  release(runId: string, leaseToken: string): Promise<boolean> {
    return this.calls.run(() => this.store.release(runId, leaseToken, this.now()));
  }

  /**
   * The expiry task's work: lapsed leases back to the queue (or, at their run's limit of
   * lapses, recorded as errors), runs past their deadline recorded as missed, and the
   * metrics' snapshot refreshed.
   */
  async expire(): Promise<{ lapsed: number; missed: number; exhausted: number }> {
    const now = this.now();
    const { requeued, exhausted } = await this.store.requeueLapsed(now, this.recorded);
    const lapsed = requeued + exhausted;
    const missed = await this.store.expireDeadlines(now, this.recorded);
    this.expiries += lapsed;
    if (requeued > 0) this.queued.emit('queued');
    if (now - this.forgotAt >= FORGET_EVERY_MS) {
      await this.store.forgetRunners(now - this.goneAfterMs);
      this.forgotAt = now;
    }
    const [runs, runners] = await Promise.all([
      this.store.counts(now),
      this.store.runners(now, now - this.goneAfterMs),
    ]);
    const runnersByLocation: Record<string, number> = {};
    for (const runner of runners)
      if (now - runner.lastSeenAt <= SEEN_WITHIN_LEASES * this.leaseMs)
        runnersByLocation[runner.location] = (runnersByLocation[runner.location] ?? 0) + 1;
    this.snapshot = { runs, runnersByLocation };
    return { lapsed, missed, exhausted };
  }

  /**
   * The retention task's work: ended runs due more than ENDED_KEPT_MS ago deleted, a batch
   * per transaction with a turn of the event loop between (so serving and leasing go on),
   * until none are left or PRUNE_BATCHES were. Answers how many.
   */
  async pruneEnded(signal?: AbortSignal): Promise<number> {
    const before = this.now() - ENDED_KEPT_MS;
    let pruned = 0;
    for (let batch = 0; batch < PRUNE_BATCHES && !signal?.aborted; batch++) {
      const deleted = await this.store.pruneEnded(before, PRUNE_BATCH);
      pruned += deleted;
      if (deleted < PRUNE_BATCH) break;
      await setImmediate();
    }
    return pruned;
  }

  /** Leases that lapsed, seen by this replica since it started (the metrics' counter). */
  get leaseExpiries(): number {
    return this.expiries;
  }

  get gauges(): RunnerGauges {
    return this.snapshot;
  }

  /** The runners seen within `goneAfterMs`: a gone one is not listed even before the expiry task forgets it. */
  runners(): Promise<RunnerView[]> {
    const now = this.now();
    return this.store.runners(now, now - this.goneAfterMs);
  }

  /** A run's state, attempt and recorded outcome. */
  run(
    runId: string,
  ): Promise<{ state: RunState; attempt: number; outcome: FinishedRun['outcome'] | undefined } | undefined> {
    return this.store.run(runId);
  }

  private readonly recorded = async (run: FinishedRun, trx: Transaction<Schema>): Promise<void> => {
    const handler = this.handlers.get(run.kind);
    if (handler) return handler.recorded(run, trx);
    // The outcome stays in work_runs either way; a capability missing here is a deployment mistake worth one line.
    if (this.warnedKinds.has(run.kind)) return;
    this.warnedKinds.add(run.kind);
    this.options.logger?.warn(
      { component: 'runners' },
      `no work outcome handler for kind ${run.kind}: its outcomes are recorded but no capability hears of them`,
    );
  };
}
