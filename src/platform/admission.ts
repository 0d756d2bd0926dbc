import type { MiddlewareHandler } from 'hono';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { AtriumError } from './errors.ts';

/** What a refusal says: its status, what the slots are for, and what a client should do. */
export interface Refusal {
  /** 429 (the default: a write's client is asked to slow down) or 503 (the server is busy: a load balancer may try another replica). */
  status: 429 | 503;
  /** What a slot is for, in messages: `write` (the default), `render`. */
  work: string;
  /** A refusal's hint. */
  hint: string;
  /** The hint when a waiting request's client went away. */
  clientGoneHint: string;
}

const WRITE_REFUSAL: Refusal = {
  status: 429,
  work: 'write',
  hint: 'Retry after the Retry-After seconds with the same Idempotency-Key: nothing was written, and a retry cannot duplicate.',
  clientGoneHint: 'Nothing was written; retry with the same Idempotency-Key.',
};

/**
 * Bounded admission for work that contends for one resource (writes to the database,
 * rendering pages and API answers): up to `active` run at once, up to `queued` wait their
 * turn, and anything past that is refused at once with a 429 (or the `refusal`'s status)
 * and Retry-After. So is anything arriving while the longest
 * waiter has waited more than `maxWaitMs`: a count alone cannot tell cheap requests from
 * expensive ones, the wait can. And so is anything arriving while the event loop runs late
 * by more than `maxLoopDelayMs`: when the process itself is saturated, requests queue in
 * socket buffers where no count can see them, and only the loop's delay says so. A
 * refusal costs a fraction of a write, so shedding drains that backlog. A server past
 * capacity then answers fast instead of queueing without bound, and a client that
 * retries as told loses nothing.
 *
 * Work that waits has a deadline, `maxQueuedMs`: past it the work is refused (429) and
 * never runs, whether a slot frees or not, so a write does not commit after its client
 * stopped waiting for the answer. Work whose `signal` aborts while it waits (its client
 * went away) leaves the queue and never runs either.
 *
 * @example
 * const writes = new Admission({ active: 4, queued: 256, maxQueuedMs: 5000 });
 * await writes.run(() => store.write(events), request.signal);
 */
export class Admission {
  private running = 0;
  private readonly waiting: Waiter[] = [];
  /** Requests waiting on work already running for the same answer (see `share`). */
  private sharing = 0;
  /** Refusals since start (a metric). */
  refused = 0;

  constructor(
    private readonly limits: {
      active: number;
      queued: number;
      maxWaitMs?: number;
      maxQueuedMs?: number;
      maxLoopDelayMs?: number;
      retryAfterSeconds?: number;
      refusal?: Refusal;
    },
    private readonly clock: () => number = () => performance.now(),
    private readonly loopDelay: () => number = limits.maxLoopDelayMs === undefined ? () => 0 : recentLoopDelay(),
  ) {}

  /**
   * Runs `work` when a slot is free, or throws: a 429 when it is refused (at once, or when
   * it has waited `maxQueuedMs`), `client-gone` when `signal` aborts before it runs.
   */
  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw this.clientGone();
    this.check();
    if (this.running >= this.limits.active) {
      // The finishing run hands its slot over directly, so `running` stays counted.
      await this.wait(signal);
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  /**
   * Throws the 429 that `run` would throw at once now, without taking anything: a route
   * asks before it authenticates and reads the body, so a client that ignores Retry-After
   * is refused for the price of parsing its headers.
   */
  check(): void {
    if (this.limits.maxLoopDelayMs !== undefined && this.loopDelay() > this.limits.maxLoopDelayMs)
      throw this.refuse('the server is saturated');
    if (this.running < this.limits.active) return;
    const head = this.waiting[0];
    const behind =
      head !== undefined && this.limits.maxWaitMs !== undefined && this.clock() - head.since > this.limits.maxWaitMs;
    if (this.waiting.length >= this.limits.queued || behind)
      throw this.refuse(`${this.running} ${this.refusal.work}s running, ${this.waiting.length} waiting`);
  }

  /**
   * Waits for `flight`, work already running (under a slot of its own) whose result this
   * caller shares, holding no slot and no queue place: a thousand identical requests for
   * one page cost one render and one slot, and they do not fill the queue that distinct
   * work needs. The wait has the same bound as the queue's, `maxQueuedMs`: past it the
   * caller is refused (a 429, or the `refusal`'s status) as a queued one would be. A
   * failed flight is not this caller's failure: it resolves all the same, and the caller
   * decides what to do next (e.g. `run` the work itself). Throws `client-gone` when
   * `signal` aborts first.
   */
  async share(flight: Promise<unknown>, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw this.clientGone();
    const deadline = this.limits.maxQueuedMs;
    this.sharing++;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        flight.then(
          () => resolve(),
          () => resolve(),
        );
        if (deadline !== undefined) timer = setTimeout(() => reject(this.late(deadline)), deadline);
        onAbort = () => reject(this.clientGone());
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    } finally {
      this.sharing--;
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  private wait(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const deadline = this.limits.maxQueuedMs;
      const leave = (err: AtriumError) => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
        waiter.settle(err);
      };
      const onAbort = () => leave(this.clientGone());
      // Answers at the deadline even when no slot frees (a write in flight hangs on the database).
      const timer = deadline === undefined ? undefined : setTimeout(() => leave(this.late(deadline)), deadline);
      const waiter: Waiter = {
        since: this.clock(),
        settle: (err) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          if (err) reject(err);
          else resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /**
   * Hands the slot to the next waiter in time, or frees it. The clock is asked too, not only
   * the waiter's timer: on a late event loop (overload) the timer fires after the slot frees.
   */
  private release(): void {
    const deadline = this.limits.maxQueuedMs;
    for (let next = this.waiting.shift(); next; next = this.waiting.shift()) {
      if (deadline !== undefined && this.clock() - next.since > deadline) {
        next.settle(this.late(deadline));
        continue;
      }
      next.settle();
      return;
    }
    this.running--;
  }

  private late(deadlineMs: number): AtriumError {
    return this.refuse(`waited ${deadlineMs / 1000} s for a ${this.refusal.work} slot`);
  }

  private get refusal(): Refusal {
    return this.limits.refusal ?? WRITE_REFUSAL;
  }

  private refuse(why: string): AtriumError {
    this.refused++;
    return new AtriumError({
      category: 'retryable',
      code: 'overloaded',
      status: this.refusal.status,
      retryAfter: this.limits.retryAfterSeconds ?? 1,
      message: `The server is at capacity (${why})`,
      hint: this.refusal.hint,
    });
  }

  /** The client of a waiting request went away: nobody is left to answer, and its work must not run. */
  private clientGone(): AtriumError {
    return new AtriumError({
      category: 'user-fixable',
      code: 'client-gone',
      // nginx's "client closed request": what the access log shows for it.
      status: 499,
      message: `The client closed the connection while the request waited for a ${this.refusal.work} slot`,
      hint: this.refusal.clientGoneHint,
    });
  }

  get load(): { running: number; waiting: number; sharing: number } {
    return { running: this.running, waiting: this.waiting.length, sharing: this.sharing };
  }
}

interface Waiter {
  /** When it started waiting, on the admission's clock. */
  since: number;
  /** Lets it run (no error) or refuses it; called once. */
  settle(err?: AtriumError): void;
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
 * sender cannot keep the slots from the writes that need them. A request whose client
 * disconnects while it waits leaves the queue (the request's signal aborts).
 */
export function admit(admission: Admission): MiddlewareHandler {
  return async function admitMiddleware(c, next) {
    await admission.run(next, c.req.raw.signal);
  };
}

/**
 * A route middleware that refuses a request at once when `admission` would (see
 * `Admission.check`), holding nothing. It goes first, before authentication and the body:
 * a refusal then costs no token lookup, no body read, and no stack, however fast a client
 * that ignores Retry-After repeats it.
 */
export function shed(admission: Admission): MiddlewareHandler {
  return async function shedMiddleware(_c, next) {
    admission.check();
    await next();
  };
}
