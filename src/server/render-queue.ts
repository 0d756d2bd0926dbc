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

/**
 * Where a request finds the answer another request is already rendering (the portal's
 * single-flight page cache): by the request's path (with the base path) and query string.
 */
export interface SharedRenders {
  /** The render in flight that this request's answer would come from, if any. */
  inFlight(path: string, search: string): Promise<unknown> | undefined;
  /** Whether the answer is kept now: serving it renders nothing. */
  cached(path: string, search: string): boolean;
}

export interface RenderQueueOptions {
  /** Paths never queued (health, readiness, metrics, the portal's static files: the busy page needs its CSS and script). */
  unqueued: ReadonlySet<string>;
  /** The busy page a browser gets, from the refusal and the request id. */
  busyPage(error: AtriumError, requestId: string): string;
  logger: Logger;
  /** Renders a request may share instead of queueing for a slot of its own. */
  shared?: SharedRenders;
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
      await admit(admission, c.req.path, searchOf(c.req.url), next, c.req.raw.signal, options.shared);
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

/**
 * Runs `next` under a render slot, unless the request can share a render already in
 * flight: then it waits for that one without a slot or a queue place (bounded like the
 * queue's wait), and is answered from the cache it filled without a slot either. Only an
 * answer that was not kept (a 404, a failed render) sends it to the queue after all.
 */
async function admit(
  admission: Admission,
  path: string,
  search: string,
  next: () => Promise<void>,
  signal: AbortSignal,
  shared: SharedRenders | undefined,
): Promise<void> {
  const flight = shared?.inFlight(path, search);
  if (flight && shared) {
    await admission.share(flight, signal);
    if (shared.cached(path, search)) return next();
  }
  await admission.run(next, signal);
}

/** The query string of `url` with its `?`, or ''. */
function searchOf(url: string): string {
  const at = url.indexOf('?');
  return at < 0 ? '' : url.slice(at);
}

/** A browser's page, not the API or a JSON file the portal's script fetches. */
function wantsPage(path: string): boolean {
  return !path.startsWith('/api/') && !path.endsWith('.json');
}
