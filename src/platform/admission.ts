import type { MiddlewareHandler } from 'hono';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { AtriumError } from './errors.ts';

/**
 * Bounded admission for work that contends for one resource (writes to the database): up
 * to `active` run at once, up to `queued` wait their turn, and anything past that is
 * refused at once with a 429 and Retry-After. So is anything arriving while the longest
 * waiter has waited more than `maxWaitMs`: a count alone cannot tell cheap requests from
 * expensive ones, the wait can. And so is anything arriving while the event loop runs late
 * by more than `maxLoopDelayMs`: when the process itself is saturated, requests queue in
 * socket buffers where no count can see them, and only the loop's delay says so. A
 * refusal costs a fraction of a write, so shedding drains that backlog. A server past
 * capacity then answers fast instead of queueing without bound, and a client that
 * retries as told loses nothing.
 *
 * @example
 * const writes = new Admission({ active: 4, queued: 256 });
 * await writes.run(() => store.write(events));
 */
export class Admission {
  private running = 0;
  private readonly waiting: { resume: () => void; since: number }[] = [];
  /** Refusals since start (a metric). */
  refused = 0;

  constructor(
    private readonly limits: {
      active: number;
      queued: number;
      maxWaitMs?: number;
      maxLoopDelayMs?: number;
      retryAfterSeconds?: number;
    },
    private readonly clock: () => number = () => performance.now(),
    private readonly loopDelay: () => number = limits.maxLoopDelayMs === undefined ? () => 0 : recentLoopDelay(),
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.limits.maxLoopDelayMs !== undefined && this.loopDelay() > this.limits.maxLoopDelayMs)
      throw this.refuse('the server is saturated');
    if (this.running >= this.limits.active) {
      const head = this.waiting[0];
      const behind =
        head !== undefined && this.limits.maxWaitMs !== undefined && this.clock() - head.since > this.limits.maxWaitMs;
      if (this.waiting.length >= this.limits.queued || behind)
        throw this.refuse(`${this.running} writes running, ${this.waiting.length} waiting`);
      // The finishing run hands its slot over directly, so `running` stays counted.
      await new Promise<void>((resolve) => this.waiting.push({ resume: resolve, since: this.clock() }));
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next.resume();
      else this.running--;
    }
  }

  private refuse(why: string): AtriumError {
    this.refused++;
    return new AtriumError({
      category: 'retryable',
      code: 'overloaded',
      status: 429,
      retryAfter: this.limits.retryAfterSeconds ?? 1,
      message: `The server is at capacity (${why})`,
      hint: 'Retry after the Retry-After seconds with the same Idempotency-Key: nothing was written, and a retry cannot duplicate.',
    });
  }

  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
}

/** How often the loop-delay window starts afresh: long enough to see a stall, short enough to forget it soon. */
const DELAY_WINDOW_MS = 250;

/**
 * The worst event-loop delay of the last quarter second or so, in ms, from Node's own
 * histogram (a libuv timer: no JavaScript runs to measure it). Created on first use.
 */
function recentLoopDelay(): () => number {
  let histogram: IntervalHistogram | undefined;
  let windowStart = 0;
  let previousMax = 0;
  return () => {
    if (!histogram) {
      histogram = monitorEventLoopDelay({ resolution: 10 });
      histogram.enable();
      windowStart = performance.now();
    }
    const now = performance.now();
    if (now - windowStart >= DELAY_WINDOW_MS) {
      previousMax = histogram.max / 1e6;
      histogram.reset();
      windowStart = now;
    }
    return Math.max(previousMax, histogram.max / 1e6);
  };
}

/**
 * A route middleware that admits the rest of the request (validation, the write) through
 * `admission`. It goes after authentication and the body limit: a slot is held only by a
 * request that has proved its sender and arrived whole, so a slow or unauthenticated
 * sender cannot keep the slots from the writes that need them.
 */
export function admit(admission: Admission): MiddlewareHandler {
  return async function admitMiddleware(_c, next) {
    await admission.run(next);
  };
}
