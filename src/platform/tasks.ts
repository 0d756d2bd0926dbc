import { toAtriumError } from './errors.ts';
import { briefError, type Logger } from './log.ts';

/**
 * Where a task must run when several replicas share one database.
 *
 * `once-across-replicas` marks work whose effect is shared (writing release-plan
 * milestones down, for example): one replica doing it is enough. For now every replica
 * still runs it, as before this registry existed; a database lease that lets one replica
 * hold such tasks comes in a later issue, and this is where the runner will ask for it.
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
  run(signal: AbortSignal): Promise<void>;
}

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

  constructor(
    private readonly logger: Logger,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  add(...tasks: BackgroundTask[]): void {
    this.tasks.push(...tasks);
  }

  /** Starts the tasks of `stage`; nothing once stopped. */
  start(stage: TaskStage): void {
    if (this.abort.signal.aborted) return;
    for (const task of this.tasks) {
      if ((task.startAt ?? 'ready') !== stage) continue;
      if (task.intervalMs === undefined) {
        this.runOnce(task);
        continue;
      }
      const timer = setInterval(() => this.runOnce(task), task.intervalMs);
      // The server's socket keeps the process alive, not its background work.
      timer.unref();
      this.timers.add(timer);
    }
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.clear();
    this.abort.abort();
    await Promise.all(this.running.values());
  }

  private runOnce(task: BackgroundTask): void {
    if (this.running.has(task) || this.abort.signal.aborted) return;
    // Run from a microtask, so `running` holds the run before any of it happens.
    const run = Promise.resolve()
      .then(() => task.run(this.abort.signal))
      .then(
        () => this.succeeded(task),
        (err: unknown) => this.failed(task, err),
      )
      .finally(() => this.running.delete(task));
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
