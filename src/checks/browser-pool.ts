import type { Worker } from 'node:worker_threads';
import type { BrowserServer } from 'playwright-core';
import { startTsWorker } from '../platform/ts-worker.ts';
import type { DocumentSnapshot } from './browser-script.ts';
import type { BrowserStep } from './model.ts';

/**
 * A runner's one browser and the worker threads that drive it. The browser (Debian's
 * chromium through playwright-core) is started on the first browser check and kept until
 * close(); each run gets a fresh browser context inside it. Scripts run in worker threads
 * so that one that never yields cannot stall the runner: at its deadline (or on cancel)
 * the thread is terminated, its connection to the browser ends and the browser closes that
 * connection's context with its pages. A thread that finished its run is kept for the next
 * one (loading playwright-core in a thread costs a second or two); how many run at once
 * is bounded by the runner's slots, since each slot runs one check at a time.
 */

/** One run as the worker receives it. */
export interface BrowserJob {
  id: number;
  /** The script with its secrets filled in. */
  script: string;
  timeoutMs: number;
  allowedPrivateTargets: readonly string[];
  /** Secret values to blank from the page before a screenshot. */
  redact: readonly string[];
}

/** What a worker answers (strings not yet redacted: the probe blanks secrets from them). */
export interface BrowserJobResult {
  ok: boolean;
  summary: string;
  totalMs: number;
  steps: BrowserStep[];
  /** The document whose numbers are reported (browser-script.ts measuredDocument). */
  document?: DocumentSnapshot;
  /** Why requests were refused (the SSRF guard), each reason once. */
  refusals: string[];
  /** What the script wrote with console.*, bounded. */
  log?: string;
  /** The start of the page's text on failure. */
  excerpt?: string;
  /** A JPEG of the page on failure, base64, bounded. */
  screenshot?: string;
  /** The browser could not run the script at all (not the script's failure). */
  error?: boolean;
}

export interface BrowserPoolOptions {
  /** The chromium to run (Debian's by default; never a downloaded one). */
  executablePath?: string;
}

const WORKER = new URL('./browser-worker.ts', import.meta.url);

export class BrowserPool {
  private server?: Promise<BrowserServer>;
  private readonly idle: Worker[] = [];
  private readonly working = new Set<Worker>();
  private nextId = 1;

  constructor(private readonly options: BrowserPoolOptions = {}) {}

  /** The browser's endpoint, started on first use (and again after it died or close()). */
  private endpoint(): Promise<string> {
    this.server ??= import('playwright-core').then(async ({ chromium }) => {
      const server = await chromium.launchServer({
        executablePath: this.options.executablePath ?? '/usr/bin/chromium',
        // Chromium refuses its sandbox to root; as any other user it keeps it.
        args: ['--disable-gpu', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
      });
      // The first run's thread starts loading at once.
      this.idle.push(this.startWorker(server.wsEndpoint()));
      server.process().once('exit', () => {
        if (this.server === launched) this.server = undefined;
        for (const worker of this.idle.splice(0)) void worker.terminate();
      });
      return server;
    });
    const launched = this.server;
    launched.catch(() => {
      if (this.server === launched) this.server = undefined;
    });
    return launched.then((s) => s.wsEndpoint());
  }

  /**
   * Runs a script; answers its result, or `aborted` when `signal` fired first (the timeout,
   * a cancel): the thread running it is terminated, taking its browser context with it.
   */
  async run(job: Omit<BrowserJob, 'id'>, signal: AbortSignal): Promise<BrowserJobResult | 'aborted'> {
    if (signal.aborted) return 'aborted';
    const wsEndpoint = await this.endpoint();
    const worker = this.idle.pop() ?? this.startWorker(wsEndpoint);
    worker.ref();
    this.working.add(worker);
    const id = this.nextId++;
    let settle: (answer: BrowserJobResult | 'aborted') => void = () => undefined;
    const answered = new Promise<BrowserJobResult | 'aborted'>((resolve) => {
      settle = resolve;
    });
    const onMessage = (message: { id: number; result: BrowserJobResult }) => {
      if (message.id === id) settle(message.result);
    };
    const onExit = () =>
      settle({
        ok: false,
        summary: 'the browser went away during the run',
        totalMs: 0,
        steps: [],
        refusals: [],
        error: true,
      });
    const onAbort = () => settle('aborted');
    worker.on('message', onMessage);
    worker.on('exit', onExit);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      worker.postMessage({ ...job, id } satisfies BrowserJob);
      const answer = await answered;
      if (answer !== 'aborted' && !answer.error && this.server) {
        worker.unref();
        this.idle.push(worker);
      } else {
        void worker.terminate();
        // A spare in its place, so the next run does not wait for a thread to load.
        if (this.server && this.idle.length === 0) this.idle.push(this.startWorker(wsEndpoint));
      }
      return answer;
    } finally {
      signal.removeEventListener('abort', onAbort);
      worker.off('message', onMessage).off('exit', onExit);
      this.working.delete(worker);
    }
  }

  private startWorker(wsEndpoint: string): Worker {
    const worker = startTsWorker(WORKER, { wsEndpoint });
    // Idle threads do not keep the process alive; a run refs its thread while it works.
    worker.unref();
    const drop = () => {
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
    };
    // A thread that failed (its error ends it) or ended is never handed a run again.
    worker.on('error', drop).on('exit', drop);
    return worker;
  }

  /** Ends every thread and the browser (a later run starts them again). */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await Promise.all([...this.idle.splice(0), ...this.working].map((w) => w.terminate()));
    if (server) await (await server.catch(() => undefined))?.close();
  }
}
