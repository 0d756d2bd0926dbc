import type { Logger } from './log.ts';

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
  /** A failed run is logged at warn under `component` with `failure` as the message. */
  component: string;
  failure: string;
  run(signal: AbortSignal): Promise<void>;
}

/**
 * The background tasks of one server: started by stage, never two runs of one task at
 * once (a tick that finds the last run still going is skipped, so a slow database does
 * not pile runs up), failures logged and never thrown. `stop()` ends every timer, aborts
 * the signal and waits for the runs in flight.
 */
export class BackgroundTasks {
  private readonly tasks: BackgroundTask[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Map<BackgroundTask, Promise<void>>();
  private readonly abort = new AbortController();

  constructor(private readonly logger: Logger) {}

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
      .catch((err: unknown) => this.logger.warn({ component: task.component, err }, task.failure))
      .finally(() => this.running.delete(task));
    this.running.set(task, run);
  }
}
