import type { MiddlewareHandler } from 'hono';
import { AtriumError } from './errors.ts';

/**
 * Bounded admission for work that contends for one resource (writes to the database): up
 * to `active` run at once, up to `queued` wait their turn, and anything past that is
 * refused at once with a 429 and Retry-After. A server past capacity then answers fast
 * instead of queueing without bound, and a client that retries as told loses nothing.
 *
 * @example
 * const writes = new Admission({ active: 4, queued: 256 });
 * await writes.run(() => store.write(events));
 */
export class Admission {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /** Refusals since start (a metric). */
  refused = 0;

  constructor(private readonly limits: { active: number; queued: number; retryAfterSeconds?: number }) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.limits.active) {
      if (this.waiting.length >= this.limits.queued) {
        this.refused++;
        throw new AtriumError({
          category: 'retryable',
          code: 'overloaded',
          status: 429,
          retryAfter: this.limits.retryAfterSeconds ?? 1,
          message: `The server is at capacity (${this.limits.active} writes running, ${this.limits.queued} waiting)`,
          hint: 'Retry after the Retry-After seconds with the same Idempotency-Key: nothing was written, and a retry cannot duplicate.',
        });
      }
      // The finishing run hands its slot over directly, so `running` stays counted.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
}

/**
 * A route middleware that admits the rest of the request (body, validation, the write)
 * through `admission`, so overload is refused before any work is done on it.
 */
export function admit(admission: Admission): MiddlewareHandler {
  return async function admitMiddleware(_c, next) {
    await admission.run(next);
  };
}
