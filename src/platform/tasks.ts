import type { HeldLease } from './db/leases.ts';
import { toAtriumError } from './errors.ts';
import { briefError, type Logger } from './log.ts';

/**
 * Where a task must run when several replicas share one database.
 *
 * `once-across-replicas` marks work whose effect is shared (writing release-plan
 * milestones down, evaluating SLOs): one replica doing it is enough, and two doing it
 * at once may be wrong. Such a task runs only on the replica holding its lease (see
 * `TaskLeases`); when that replica stops renewing it (stopped, killed, cut off), another
 * takes the task over once the lease expires, within LEASE_TTL_MS.
 */
export type TaskScope = 'each-replica' | 'once-across-replicas';

/**
 * When a task starts: `listening`, as soon as the server accepts connections (work that
 * start-up itself relies on); `ready`, once start-up work such as the first catalog sync is
 * done (the default).
 */
export type TaskStage = 'listening' | 'ready';

/** Work a capability runs in the background of a server, declared in the capability's `tasks.ts`. */
export interface BackgroundTask {
  name: string;
  scope: TaskScope;
  startAt?: TaskStage;
  /**
   * Runs every `intervalMs`, the first time one interval after it starts. Without it the
   * task runs once when it starts: a worker that lives until `signal` aborts (a file
   * watcher), or one piece of warm-up work.
   */
  intervalMs?: number;
  /** A run's failure is logged at warn under `component` with `failure` as the message (see BackgroundTasks). */
  component: string;
  failure: string;
  /**
   * `signal` aborts when the server stops, and for a `once-across-replicas` task also when
   * this replica loses the task's lease; `lease` is the lease it runs under (its
   * generation fences writes that must not happen after a takeover: LeaseStore.fence).
   */
  run(signal: AbortSignal, lease?: HeldLease): Promise<void>;
  /**
   * A `once-across-replicas` task: called after each round of the lease keeper that left
   * this replica without the task's lease (lost, lapsed, or never won), so state set up
   * for the lease outside a run (the first catalog sync's syncer role) is dropped with it.
   */
  notHeld?(): void;
}

/**
 * The leases of `once-across-replicas` tasks, held for this replica (LeaseStore bound to
 * the replica's name). Without them every replica runs every task, as a lone process may.
 */
export interface TaskLeases {
  /** Takes or renews `name` for this replica; undefined while another replica holds it. */
  hold(name: string, ttlMs: number): Promise<HeldLease | undefined>;
  /** Gives a held lease up at once (a clean stop), so another replica need not wait for it to expire. */
  release(lease: HeldLease): Promise<void>;
}

/** The lease a `once-across-replicas` task runs under: one per task name. */
export function taskLeaseName(task: string): string {
  return `task:${task}`;
}

/** How long a task's lease lasts unrenewed: how long a killed holder's tasks wait for another replica. */
export const LEASE_TTL_MS = 6_000;
/** How often the leases are renewed (and free ones tried): three chances before one expires. */
export const LEASE_RENEW_MS = 2_000;

/** How often a task that keeps failing says so, with how many failures it has had since. */
const FAILING_SUMMARY_MS = 60_000;

/** A task whose runs fail: how often since it started failing, how many of those no line has counted yet, and when it last logged. */
interface Failing {
  failures: number;
  uncounted: number;
  loggedAt: number;
}

/**
 * The background tasks of one server: started by stage, never two runs of one task at
 * once (a tick that finds the last run still going is skipped, so a slow database does
 * not pile runs up), failures logged and never thrown. `stop()` ends every timer, aborts
 * the signal and waits for the runs in flight.
 *
 * A task that keeps failing (every second, while the database is down) is logged when it
 * starts failing, then once per FAILING_SUMMARY_MS with the failures since, and once when
 * a run succeeds again ("recovered after N failures"). An expected failure (a dependency
 * down, the database not as configured) is logged without its stack, which says nothing;
 * anything else is a bug and is logged whole. `clock` (monotonic ms) is injectable for tests.
 */
export class BackgroundTasks {
  private readonly tasks: BackgroundTask[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Map<BackgroundTask, Promise<void>>();
  private readonly failing = new Map<BackgroundTask, Failing>();
  private readonly abort = new AbortController();
  /**
   * The `once-across-replicas` tasks started here, with the lease each holds now if any:
   * the lease, the abort of the work done under it, and when it lapses on this process's
   * clock (measured from before the request that took it, so never later than the
   * database's expiry however slow the answer).
   */
  private readonly leased = new Map<
    BackgroundTask,
    { lease: HeldLease; abort: AbortController; lapsesAt: number } | undefined
  >();
  private contending: Promise<void> | undefined;
  private keeping = false;
  private leaseTrouble = false;

  constructor(
    private readonly logger: Logger,
    private readonly clock: () => number = () => performance.now(),
    private readonly leases?: TaskLeases,
  ) {}

  add(...tasks: BackgroundTask[]): void {
    this.tasks.push(...tasks);
  }

  /** Starts the tasks of `stage`; nothing once stopped. */
  start(stage: TaskStage): void {
    if (this.abort.signal.aborted) return;
    let contended = false;
    for (const task of this.tasks) {
      if ((task.startAt ?? 'ready') !== stage) continue;
      if (this.leases && task.scope === 'once-across-replicas') {
        // Run by the lease keeper once this replica holds the task's lease.
        this.leased.set(task, undefined);
        contended = true;
        if (task.intervalMs === undefined) continue;
      } else if (task.intervalMs === undefined) {
        this.runOnce(task);
        continue;
      }
      this.every(task.intervalMs, () => this.runOnce(task));
    }
    if (!contended) return;
    if (!this.keeping) this.every(LEASE_RENEW_MS, () => this.contend());
    this.keeping = true;
    this.contend();
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.clear();
    this.abort.abort();
    await this.contending;
    await Promise.all(this.running.values());
    const held = [...this.leased.values()].filter((h) => h !== undefined);
    this.leased.clear();
    // Handed over at once, not after LEASE_TTL_MS: a rolling restart moves the work without a gap.
    await Promise.all(held.map(({ lease }) => this.leases?.release(lease).catch(() => undefined)));
  }

  private every(ms: number, work: () => void): void {
    const timer = setInterval(work, ms);
    // The server's socket keeps the process alive, not its background work.
    timer.unref();
    this.timers.add(timer);
  }

  /**
   * One round of the lease keeper: each lease-scoped task's lease is renewed or tried. A
   * task whose lease was lost is aborted; a worker task (no interval) whose lease was won
   * is started. Rounds never overlap: a timer finding one in flight skips.
   */
  private contend(): void {
    // Before anything else: a round may hang (a paused process, a database that stopped
    // answering), and work must not outlive its lease while it does.
    this.dropLapsed();
    if (this.contending || this.abort.signal.aborted) return;
    this.contending = this.contendRound().finally(() => (this.contending = undefined));
  }

  /**
   * A round of the lease keeper now, after the one in flight if any; resolves when it is
   * done. The keeper runs one every LEASE_RENEW_MS by itself; tests call this to know
   * where the leases stand.
   */
  async renewLeases(): Promise<void> {
    await this.contending;
    this.contend();
    await this.contending;
  }

  private async contendRound(): Promise<void> {
    const leases = this.leases;
    if (!leases) return;
    for (const task of this.leased.keys()) {
      if (this.abort.signal.aborted) return;
      let lease: HeldLease | undefined;
      const asked = this.clock();
      try {
        lease = await leases.hold(taskLeaseName(task.name), LEASE_TTL_MS);
        this.leaseTroubleOver();
      } catch (err) {
        // Unsure whether this replica still holds it: stop the work rather than risk two running it.
        this.leaseTroubleStarted(err);
        lease = undefined;
      }
      if (this.abort.signal.aborted || !this.leased.has(task)) return;
      const current = this.leased.get(task);
      const lapsesAt = asked + LEASE_TTL_MS;
      if (lease && current && lease.generation === current.lease.generation) {
        current.lease = lease;
        current.lapsesAt = lapsesAt;
        continue;
      }
      current?.abort.abort();
      if (!lease) {
        this.leased.set(task, undefined);
        task.notHeld?.();
        continue;
      }
      this.leased.set(task, { lease, abort: new AbortController(), lapsesAt });
      if (task.intervalMs === undefined) this.runOnce(task);
    }
  }

  /** Work under a lease this process could not renew in time stops, and is not started again until renewed. */
  private dropLapsed(): void {
    const now = this.clock();
    for (const [task, held] of this.leased) {
      if (!held || now < held.lapsesAt) continue;
      held.abort.abort();
      this.leased.set(task, undefined);
      task.notHeld?.();
    }
  }

  private leaseTroubleStarted(err: unknown): void {
    if (this.leaseTrouble) return;
    this.leaseTrouble = true;
    this.logger.warn(
      { component: 'tasks', err: briefError(err) },
      'cannot renew the leases of tasks that run once across replicas: they pause here until the database answers',
    );
  }

  private leaseTroubleOver(): void {
    if (!this.leaseTrouble) return;
    this.leaseTrouble = false;
    this.logger.info({ component: 'tasks' }, 'the leases of tasks that run once across replicas can be renewed again');
  }

  private runOnce(task: BackgroundTask): void {
    if (this.running.has(task) || this.abort.signal.aborted) return;
    let signal = this.abort.signal;
    let lease: HeldLease | undefined;
    let unlink = () => {};
    if (this.leased.has(task)) {
      this.dropLapsed();
      const held = this.leased.get(task);
      if (!held) return; // another replica holds it
      // Linked by hand, not with AbortSignal.any: Node 20 may collect such a signal while
      // only its listeners refer to it, and a run waiting on it would then never end.
      const both = new AbortController();
      const abort = () => both.abort();
      this.abort.signal.addEventListener('abort', abort, { once: true });
      held.abort.signal.addEventListener('abort', abort, { once: true });
      unlink = () => {
        this.abort.signal.removeEventListener('abort', abort);
        held.abort.signal.removeEventListener('abort', abort);
      };
      signal = both.signal;
      lease = held.lease;
    }
    // Run from a microtask, so `running` holds the run before any of it happens.
    const run = Promise.resolve()
      .then(() => task.run(signal, lease))
      .then(
        () => this.succeeded(task),
        (err: unknown) => this.failed(task, err),
      )
      .finally(() => {
        unlink();
        this.running.delete(task);
      });
    this.running.set(task, run);
  }

  private failed(task: BackgroundTask, err: unknown): void {
    const now = this.clock();
    const brief = toAtriumError(err).category === 'fatal' ? err : briefError(err);
    const state = this.failing.get(task);
    if (!state) {
      this.failing.set(task, { failures: 1, uncounted: 0, loggedAt: now });
      this.logger.warn({ component: task.component, err: brief }, task.failure);
      return;
    }
    state.failures++;
    state.uncounted++;
    if (now - state.loggedAt < FAILING_SUMMARY_MS) return;
    this.logger.warn(
      { component: task.component, count: state.uncounted, err: brief },
      `${task.failure} (still failing: ${state.uncounted} more failures, ${state.failures} since it started)`,
    );
    state.uncounted = 0;
    state.loggedAt = now;
  }

  private succeeded(task: BackgroundTask): void {
    const state = this.failing.get(task);
    if (!state) return;
    this.failing.delete(task);
    this.logger.info(
      { component: task.component, count: state.failures },
      `${task.name} recovered after ${state.failures} ${state.failures === 1 ? 'failure' : 'failures'}`,
    );
  }
}
