import { briefError, type Logger } from '../platform/log.ts';

/** The render queue's load as the warmer reads it (Admission.load). */
export interface QueueLoad {
  running: number;
  waiting: number;
  sharing: number;
}

export interface PageWarmerOptions {
  /** The pages to warm, most wanted first (site-relative paths, as Portal.page takes them). */
  targets(): Promise<string[]>;
  /** Renders one page through the portal's own path, so it is cached like a request's. */
  render(path: string): Promise<unknown>;
  /** The render queue now: warming waits while live requests render, wait or share a render. */
  queue(): QueueLoad;
  /**
   * Milliseconds since the last live request arrived, of any kind (a cached page, an API
   * read): warming waits until requests have paused for `quietMs`. Requests answered within
   * one turn never show in the queue, yet a warm render between them (a hub's page reads
   * thousands of relations) delays every one that arrives meanwhile.
   */
  sinceLastRequest?(): number;
  /** How long requests must have paused before a page is warmed (default 250 ms). */
  quietMs?: number;
  /** The page cache's bytes now, and its budget: warming stops at `share` of it. */
  cache: { usedBytes(): number; maxBytes: number };
  /**
   * How much of the page cache warming may fill: the rest is for the pages live requests
   * bring in, which would otherwise evict the warmed ones at once (least recently used).
   */
  share?: number;
  /** Waits before looking at a busy queue again (a timer; injected in tests). */
  pause?(): Promise<void>;
  /** Lets pending I/O go first between two warm renders, so a request that just arrived is not behind one. */
  yieldTurn?(): Promise<void>;
  logger: Logger;
}

/** Why a warming run ended. */
export type WarmEnd = 'done' | 'budget' | 'superseded' | 'stopped';

export interface WarmReport {
  pages: number;
  end: WarmEnd;
}

const BUSY_PAUSE_MS = 50;
const DEFAULT_SHARE = 0.75;
const DEFAULT_QUIET_MS = 250;

/**
 * Warms the portal's most-linked pages after a sync (a restart, or a change that dropped
 * the page cache) so that the first visitors find them rendered — in the background, at
 * the lowest priority: one page at a time, only while no live request renders, waits in
 * the render queue or shares a render, and requests have paused for `quietMs` (a live
 * request is never behind more than the one warm render in progress, and under steady
 * traffic nothing is warmed: pages render on demand), and only into `share` of the page
 * cache's budget. A newer sync supersedes a run; pages are requested through the normal
 * render path, so what is warmed is exactly what a request would have cached.
 *
 * @example
 * const warmer = new PageWarmer({ targets, render: (p) => portal.page(p, ''), queue: () => renders.load, cache, logger });
 * catalog.onInvalidate(() => void warmer.warm());
 */
export class PageWarmer {
  private runs = 0;
  private stopped = false;
  private current: Promise<unknown> = Promise.resolve();
  /** Pages warmed since start (a metric). */
  warmed = 0;

  constructor(private readonly options: PageWarmerOptions) {}

  /** Starts a run that supersedes any run in progress (it ends before its next page); resolves when it ends. */
  async warm(): Promise<WarmReport> {
    const run = ++this.runs;
    const started = performance.now();
    const running = this.warmRun(run);
    this.current = running;
    const report = await running;
    if (report.end !== 'superseded' && report.end !== 'stopped')
      this.options.logger.info(
        { component: 'portal', durationMs: Math.round(performance.now() - started) },
        `warmed ${report.pages} pages after the sync (${report.end === 'budget' ? 'page cache budget reached' : 'all targets'})`,
      );
    return report;
  }

  /** Ends warming for good (the server is stopping: nothing renders after its database closes); resolves when the last run has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.current;
  }

  private async warmRun(run: number): Promise<WarmReport> {
    const { cache } = this.options;
    const limit = cache.maxBytes * (this.options.share ?? DEFAULT_SHARE);
    const pause = this.options.pause ?? (() => new Promise<void>((resolve) => setTimeout(resolve, BUSY_PAUSE_MS)));
    const yieldTurn = this.options.yieldTurn ?? (() => new Promise<void>((resolve) => setImmediate(resolve)));
    const quietMs = this.options.quietMs ?? DEFAULT_QUIET_MS;
    let pages = 0;
    const ended = (): WarmEnd | undefined => (this.stopped ? 'stopped' : run !== this.runs ? 'superseded' : undefined);
    let targets: string[];
    try {
      targets = await this.options.targets();
    } catch (err) {
      this.options.logger.warn(
        { component: 'portal', err: briefError(err) },
        'no pages warmed: their list could not be read',
      );
      return { pages, end: 'done' };
    }
    for (const path of targets) {
      for (;;) {
        const end = ended();
        if (end) return { pages, end };
        if (!busy(this.options.queue()) && (this.options.sinceLastRequest?.() ?? Infinity) >= quietMs) break;
        await pause();
      }
      if (cache.usedBytes() >= limit) return { pages, end: 'budget' };
      // A page that fails to render here fails for its visitor too, and is logged there.
      const warmed = await this.options.render(path).then(
        () => true,
        () => false,
      );
      if (warmed) {
        pages++;
        this.warmed++;
      }
      await yieldTurn();
    }
    return { pages, end: ended() ?? 'done' };
  }
}

/** Live requests are rendering, waiting or sharing a render: warming would take CPU from them. */
function busy(load: QueueLoad): boolean {
  return load.running > 0 || load.waiting > 0 || load.sharing > 0;
}
