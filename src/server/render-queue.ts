import type { MiddlewareHandler } from 'hono';
import { Admission } from '../platform/admission.ts';
import { AtriumError } from '../platform/errors.ts';
import type { AppEnv } from '../platform/http/app.ts';
import { briefError, type Logger } from '../platform/log.ts';
import { ThrottledLog } from '../platform/throttled-log.ts';
import { PAGE_CSP } from '../web/csp.ts';

/** The render queue's limits (atrium.yaml's renderConcurrency, renderQueue, renderMaxWaitMs). */
export interface RenderLimits {
  /** Requests rendered at once. */
  active: number;
  /** Requests waiting for a slot at most; the next is refused. */
  queued: number;
  /** The longest a request waits for a slot: past it, it is refused, and so is every new one while the queue's head has waited that long. */
  maxWaitMs: number;
}

/**
 * The admission of reads that reach the app (pages and API answers not served from a
 * cache): a request that would wait longer than `maxWaitMs`, or find the queue full, is
 * answered 503 + Retry-After at once. A 503, not the writes' 429: the replica is busy,
 * not the client too fast, and a load balancer may send the retry to another replica.
 */
export function renderAdmission(limits: RenderLimits): Admission {
  return new Admission({
    active: limits.active,
    queued: limits.queued,
    maxWaitMs: limits.maxWaitMs,
    maxQueuedMs: limits.maxWaitMs,
    retryAfterSeconds: 1,
    refusal: {
      status: 503,
      work: 'render',
      hint: 'Retry after the Retry-After seconds: the server sheds load instead of making every request wait.',
      clientGoneHint: 'Nothing was rendered for a client that left.',
    },
  });
}

export interface RenderQueueOptions {
  /** Paths never queued (health, readiness, metrics, the portal's static files: the busy page needs its CSS and script). */
  unqueued: ReadonlySet<string>;
  /** The busy page a browser gets, from the refusal and the request id. */
  busyPage(error: AtriumError, requestId: string): string;
  logger: Logger;
}

/**
 * The render queue as the app's middleware, in front of every GET and HEAD (writes have
 * their own admission). An API client gets the refusal as a problem document; a page gets
 * a short busy page that retries by itself after Retry-After. Either way the status is 503
 * with Retry-After and nothing was done: shedding never answers another 5xx.
 */
export function renderQueue(admission: Admission, options: RenderQueueOptions): MiddlewareHandler<AppEnv> {
  const refusals = new ThrottledLog(options.logger);
  return async function renderQueueMiddleware(c, next) {
    if ((c.req.method !== 'GET' && c.req.method !== 'HEAD') || options.unqueued.has(c.req.path)) return next();
    try {
      await admission.run(next, c.req.raw.signal);
    } catch (err) {
      if (!(err instanceof AtriumError) || err.code !== 'overloaded') throw err;
      c.set('refused', true);
      if (!wantsPage(c.req.path)) throw err;
      const requestId = c.get('requestId');
      refusals.warn(
        err.code,
        {
          component: 'http',
          requestId,
          method: c.req.method,
          path: c.req.path,
          status: err.status,
          err: briefError(err),
        },
        `request failed: ${err.code}`,
      );
      return c.body(options.busyPage(err, requestId), 503, {
        'content-type': 'text/html; charset=utf-8',
        'retry-after': String(err.retryAfter ?? 1),
        'cache-control': 'no-store',
        'content-security-policy': PAGE_CSP,
      });
    }
  };
}

/** A browser's page, not the API or a JSON file the portal's script fetches. */
function wantsPage(path: string): boolean {
  return !path.startsWith('/api/') && !path.endsWith('.json');
}
