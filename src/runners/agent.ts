import { setTimeout as sleep } from 'node:timers/promises';
import { toAtriumError } from '../platform/errors.ts';
import type { Logger } from '../platform/log.ts';
import type { LeasedRun, RunnerSettings, WorkExecutor, WorkOutcome } from './model.ts';
import { MAX_REPORTS_PER_BATCH, type ReportAnswer, type RunReport } from './protocol.ts';
import type { RunnerTransport } from './transport.ts';

export interface RunnerAgentOptions {
  /** This runner's name on the Runners page (unique per runner). */
  name: string;
  /** The Atrium version it runs. */
  version: string;
  /** Its location, tags and allow-lists. */
  settings: RunnerSettings;
  /** Runs at once (at least 1). */
  concurrency: number;
  transport: RunnerTransport;
  /** The executor of each kind it runs; a run of another kind is reported as an error. */
  executors: readonly WorkExecutor[];
  /** The runner's clock (epoch ms) executors read; injected in tests. */
  now?: () => number;
  logger: Logger;
  /** Waits between retries of an unreachable server: doubling from `firstMs` up to `maxMs`. */
  retry?: { firstMs: number; maxMs: number };
  /**
   * With a transport that reports many at once: how long the first report of a batch waits
   * for others before the batch goes (default 0: at once, batching only what finishes while
   * one is in flight). Recording outcomes in fewer transactions when runs finish a few ms
   * apart (an in-process transport answers too fast for any to meet one in flight).
   */
  reportBatchWaitMs?: number;
}

/** Why a run's work was stopped before it ended by itself. */
type Interruption = 'cancelled' | 'timed-out' | 'lost' | 'stopping';

const DEFAULT_RETRY = { firstMs: 500, maxMs: 30_000 };

/**
 * A runner agent: leases work (a long poll) while it has free slots, runs each run through
 * the executor of its kind, renews the lease every third of its length while it runs,
 * aborts on cancel, timeout or a lost lease, and reports the outcome, retrying with backoff
 * while the server is unreachable until an answer comes (a report survives a brief outage:
 * the token of a lapsed lease still counts if no other report came first).
 *
 * @example
 * const agent = new RunnerAgent({ name, version, settings, concurrency: 4, transport, executors, logger });
 * const done = agent.run();
 * process.on('SIGTERM', () => agent.stop(30_000));
 * await done;
 */
export class RunnerAgent {
  private readonly executors: ReadonlyMap<string, WorkExecutor>;
  private readonly active = new Map<string, { promise: Promise<void>; interrupt(why: Interruption): void }>();
  /** Aborted by stop(): no more leases, the long poll in flight ends. */
  private readonly stopping = new AbortController();
  private whenStopped?: Promise<void>;
  /** Aborted when stop()'s grace ends: reports stop retrying. */
  private readonly halted = new AbortController();
  private readonly retry: { firstMs: number; maxMs: number };
  private readonly now: () => number;
  /** Reports waiting for the next batch (transports with reportMany), and whether one is being sent. */
  private readonly batch: { report: RunReport; done: (answer: ReportAnswer | undefined) => void }[] = [];
  private flushing = false;

  constructor(private readonly options: RunnerAgentOptions) {
    this.executors = new Map(options.executors.map((e) => [e.kind, e]));
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.now = options.now ?? Date.now;
  }

  /** Runs until stop() (resolves once every run is reported or released); rejects when the server refuses the runner. */
  async run(): Promise<void> {
    const { transport, settings, concurrency } = this.options;
    let wait = this.retry.firstMs;
    while (!this.stopping.signal.aborted) {
      const free = concurrency - this.active.size;
      if (free <= 0) {
        await Promise.race([...[...this.active.values()].map((a) => a.promise), this.stopped()]);
        continue;
      }
      let runs: LeasedRun[];
      try {
        runs = await transport.lease(
          {
            name: this.options.name,
            location: settings.location,
            tags: settings.tags,
            version: this.options.version,
            capacity: free,
          },
          this.stopping.signal,
        );
        wait = this.retry.firstMs;
      } catch (err) {
        if (this.stopping.signal.aborted) break;
        const error = toAtriumError(err);
        if (error.category !== 'retryable') {
          await this.stop(0);
          await this.closeExecutors();
          throw error;
        }
        this.options.logger.warn(
          { component: 'runner', err: error },
          `leasing work failed, retrying in ${wait} ms: ${error.message}`,
        );
        await sleep(wait, undefined, { signal: this.stopping.signal }).catch(() => undefined);
        wait = Math.min(wait * 2, this.retry.maxMs);
        continue;
      }
      for (const run of runs) this.start(run);
    }
    await Promise.all([...this.active.values()].map((a) => a.promise));
    await this.closeExecutors();
  }

  /** Ends what executors keep between runs (a browser); a failure to do so is logged, not thrown. */
  private async closeExecutors(): Promise<void> {
    for (const executor of this.options.executors)
      await executor
        .close?.()
        .catch((err: unknown) =>
          this.options.logger.warn(
            { component: 'runner', err: toAtriumError(err) },
            `closing the ${executor.kind} executor failed`,
          ),
        );
  }

  /** How many runs it is working on. */
  get running(): number {
    return this.active.size;
  }

  /**
   * Stops leasing, lets the runs in hand finish within `graceMs`, then aborts the rest and
   * hands them back to the queue (released, so another runner takes them at once).
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping.abort();
    const all = Promise.all([...this.active.values()].map((a) => a.promise));
    const timer = setTimeout(() => {
      for (const run of this.active.values()) run.interrupt('stopping');
    }, graceMs);
    try {
      await all;
    } finally {
      clearTimeout(timer);
      this.halted.abort();
    }
  }

  /**
   * Resolves when stop() is called. One promise for the agent's life: a listener added per
   * wait (every time all slots are busy) would pile up on the signal, never removed.
   */
  private stopped(): Promise<void> {
    this.whenStopped ??= new Promise((resolve) => {
      if (this.stopping.signal.aborted) resolve();
      else this.stopping.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    return this.whenStopped;
  }

  private start(run: LeasedRun): void {
    const controller = new AbortController();
    let interruption: Interruption | undefined;
    const interrupt = (why: Interruption) => {
      if (interruption) return;
      interruption = why;
      controller.abort(new Error(`run ${why}`));
    };
    const promise = this.execute(run, controller.signal, interrupt, () => interruption).finally(() =>
      this.active.delete(run.runId),
    );
    this.active.set(run.runId, { promise, interrupt });
  }

  private async execute(
    run: LeasedRun,
    signal: AbortSignal,
    interrupt: (why: Interruption) => void,
    interruption: () => Interruption | undefined,
  ): Promise<void> {
    const { logger, transport } = this.options;
    const timeout = setTimeout(() => interrupt('timed-out'), run.timeoutMs);
    const renewals = setInterval(() => void this.renew(run, interrupt), Math.max(1, Math.floor(run.leaseMs / 3)));
    let outcome: WorkOutcome;
    try {
      outcome = await this.outcomeOf(run, signal);
    } finally {
      clearTimeout(timeout);
      clearInterval(renewals);
    }
    const why = interruption();
    if (why === 'cancelled' || why === 'lost') {
      logger.info({ component: 'runner' }, `run ${run.runId} (${run.kind}) stopped: ${why}`);
      return;
    }
    if (why === 'stopping') {
      await transport.release(run.runId, run.leaseToken).catch(() => false);
      logger.info({ component: 'runner' }, `run ${run.runId} (${run.kind}) handed back: the runner is stopping`);
      return;
    }
    if (why === 'timed-out')
      outcome = { status: 'error', summary: `timed out after ${run.timeoutMs / 1000} s`, detail: null };
    await this.report(run, outcome);
  }

  /** The executor's outcome; its failure to run at all is an `error` outcome; an abort ends the wait at once. */
  private async outcomeOf(run: LeasedRun, signal: AbortSignal): Promise<WorkOutcome> {
    const executor = this.executors.get(run.kind);
    if (!executor)
      return { status: 'error', summary: `this runner has no executor for work of kind ${run.kind}`, detail: null };
    const aborted = new Promise<WorkOutcome>((resolve) =>
      signal.addEventListener('abort', () => resolve({ status: 'error', summary: 'aborted', detail: null }), {
        once: true,
      }),
    );
    const work = executor
      .run(run.payload, { signal, secrets: run.secrets, settings: this.options.settings, now: this.now })
      .catch(
        (err: unknown): WorkOutcome => ({
          status: 'error',
          // An executor's own message: it names what failed, and executors keep secrets out of it.
          summary: `the executor failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 1000),
          detail: null,
        }),
      );
    return Promise.race([work, aborted]);
  }

  /**
   * Adds a report to the next batch and answers the server's answer to it, or undefined when
   * the batch failed. A batch goes as soon as none is in flight: an idle runner's report
   * goes at once, and those finishing while one is sent go together next (one request and
   * one transaction for them all), so batching adds no wait of its own.
   */
  private inBatch(report: RunReport): Promise<ReportAnswer | undefined> {
    return new Promise((done) => {
      this.batch.push({ report, done });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const { transport, reportBatchWaitMs = 0 } = this.options;
    if (!transport.reportMany) return;
    this.flushing = true;
    try {
      if (reportBatchWaitMs > 0) await sleep(reportBatchWaitMs);
      while (this.batch.length > 0) {
        const taken = this.batch.splice(0, MAX_REPORTS_PER_BATCH);
        let answers: ReportAnswer[] | undefined;
        try {
          answers = await transport.reportMany(taken.map((t) => t.report));
        } catch (err) {
          this.options.logger.warn(
            { component: 'runner', err: toAtriumError(err) },
            `reporting ${taken.length} runs together failed; reporting each alone`,
          );
        }
        const answered = answers?.length === taken.length ? answers : undefined;
        taken.forEach((t, i) => t.done(answered?.[i]));
      }
    } finally {
      this.flushing = false;
    }
  }

  private async renew(run: LeasedRun, interrupt: (why: Interruption) => void): Promise<void> {
    try {
      const answer = await this.options.transport.renew(run.runId, run.leaseToken, this.options.name);
      if (answer.state !== 'leased') interrupt(answer.state);
    } catch (err) {
      // The next renewal tries again; a lease that lapses meanwhile may still be taken back.
      this.options.logger.warn({ component: 'runner', err: toAtriumError(err) }, `renewing run ${run.runId} failed`);
    }
  }

  /**
   * Reports until the server answers (recorded, recorded before, or refused), or the agent is
   * halted. With a transport that reports many at once, an outcome joins the next batch
   * first; one the batch did not get an answer for is reported alone, as before.
   */
  private async report(run: LeasedRun, outcome: WorkOutcome): Promise<void> {
    const { logger, transport } = this.options;
    const batched =
      transport.reportMany && (await this.inBatch({ runId: run.runId, leaseToken: run.leaseToken, outcome }));
    if (batched) {
      logger.info(
        { component: 'runner' },
        `run ${run.runId} (${run.kind}, attempt ${run.attempt}): ${outcome.status}, ${batched.state}`,
      );
      return;
    }
    let wait = this.retry.firstMs;
    let sent = outcome;
    while (!this.halted.signal.aborted) {
      try {
        const answer = await transport.report(run.runId, run.leaseToken, sent);
        logger.info(
          { component: 'runner' },
          `run ${run.runId} (${run.kind}, attempt ${run.attempt}): ${sent.status}, ${answer.state}`,
        );
        return;
      } catch (err) {
        const error = toAtriumError(err);
        if (error.category !== 'retryable') {
          if (sent !== outcome) {
            // Not even that: the lease lapses and another runner runs it again.
            logger.error({ component: 'runner', err: error }, `run ${run.runId}: the server refuses its report`);
            return;
          }
          // The server refuses this outcome itself (too large, say): what it can record is that.
          sent = {
            status: 'error',
            summary: `the outcome could not be reported: ${error.message}`.slice(0, 1000),
            detail: null,
          };
          continue;
        }
        logger.warn({ component: 'runner', err: error }, `reporting run ${run.runId} failed, retrying in ${wait} ms`);
        await sleep(wait, undefined, { signal: this.halted.signal }).catch(() => undefined);
        wait = Math.min(wait * 2, this.retry.maxMs);
      }
    }
  }
}
