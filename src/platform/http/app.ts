import { randomUUID } from 'node:crypto';
import type { HttpBindings } from '@hono/node-server';
import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { AtriumError, toAtriumError } from '../errors.ts';
import { briefError, type Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { ThrottledLog } from '../throttled-log.ts';
import { problemResponse } from './problem.ts';

/** Who made a request, once authentication (src/auth) has established it: what writes record as their author. */
export interface Principal {
  /** The token's name, e.g. `ci-payments`. */
  name: string;
  scopes: readonly string[];
  /** The environment an SDK token reads flags of. */
  environment?: string;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    principal?: Principal;
    /** Refused at capacity (load shed): logged as the 429s are, counted rather than a line each. */
    refused?: boolean;
  };
}

export type App = OpenAPIHono<AppEnv>;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Headers every response carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};
export const DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'";

/** The caller's request id when it is sane, a fresh one otherwise. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const incoming = Array.isArray(header) ? header[0] : header;
  return incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * Whether a request names its Host more than once (Node keeps the first and drops the
 * rest): RFC 9112 has a server answer 400, since a proxy in front may have routed or
 * checked the request by the other one.
 */
export function hostDuplicated(rawHeaders: readonly string[]): boolean {
  let seen = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.length !== 4 || name.toLowerCase() !== 'host') continue;
    if (seen) return true;
    seen = true;
  }
  return false;
}

export interface RequestRecord {
  requestId: string;
  method: string;
  path: string;
  /** The route pattern, not the path: it keeps metric labels bounded. */
  route: string;
  status: number;
  durationMs: number;
  /** Log the line at debug, not info: for answers SDKs ask for thousands of times a second (metrics count them all the same). */
  quiet?: boolean;
}

/** The access log line and the request metrics, with the fixed field names. */
export function recordRequest(logger: Logger, metrics: Metrics, r: RequestRecord): void {
  metrics.httpRequests.inc({ method: r.method, route: r.route, status: String(r.status) });
  metrics.httpDuration.observe({ method: r.method, route: r.route }, r.durationMs / 1000);
  if (r.quiet && !logger.isLevelEnabled('debug')) return;
  logger[r.quiet ? 'debug' : 'info'](
    {
      component: 'http',
      requestId: r.requestId,
      method: r.method,
      path: r.path,
      status: r.status,
      durationMs: r.durationMs,
    },
    'request',
  );
}

export interface AppOptions {
  logger: Logger;
  metrics: Metrics;
}

/**
 * The HTTP shell every capability mounts its routes on: request ids, access logs and
 * metrics with the fixed field names, security headers, and problem+json for every error
 * (including request validation, unknown routes and bugs).
 */
export function createApp({ logger, metrics }: AppOptions): App {
  const retryable = new ThrottledLog(logger);
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (result.success) return;
      const errors = result.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message }));
      const first = errors[0];
      throw new AtriumError({
        category: 'user-fixable',
        code: 'invalid-request',
        message: `Invalid request: ${first ? `${first.field}: ${first.message}` : 'the input does not match the API'}`,
        hint: `See ${c.req.method} ${c.req.routePath} in /api/openapi.json for the accepted input.`,
        details: { errors },
      });
    },
  });

  app.use(async (c, next) => {
    const requestId = requestIdFrom(c.req.header('x-request-id'));
    c.set('requestId', requestId);
    const started = performance.now();
    await next();
    c.header('x-request-id', requestId);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
    if (!c.res.headers.has('content-security-policy')) c.header('content-security-policy', DEFAULT_CSP);
    recordRequest(logger, metrics, {
      requestId,
      method: c.req.method,
      path: c.req.path,
      route: c.req.routePath || 'unmatched',
      status: c.res.status,
      // A refusal at capacity comes as fast as a client that ignores Retry-After sends it: counted in the warning below, not a line each.
      quiet: c.res.status === 429 || c.get('refused') === true,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    });
  });

  app.use(async (c, next) => {
    // @hono/node-server's bindings: absent when the app is called without a socket (tests).
    const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
    if (incoming && hostDuplicated(incoming.rawHeaders)) {
      throw new AtriumError({
        category: 'user-fixable',
        code: 'host-duplicated',
        message: 'The request has more than one Host header',
        hint: 'Send exactly one Host header (RFC 9112).',
      });
    }
    await next();
  });

  app.onError((err, c) => {
    const requestId = c.get('requestId') ?? randomUUID();
    let error: AtriumError;
    if (err instanceof HTTPException) {
      error = new AtriumError({
        category: err.status >= 500 ? 'fatal' : 'user-fixable',
        code: err.status === 413 ? 'body-too-large' : 'http-error',
        message: err.message || `HTTP ${err.status}`,
        hint: err.status === 413 ? 'Send a smaller body.' : 'Check the request against /api/openapi.json.',
        status: err.status,
      });
    } else {
      error = toAtriumError(err);
    }
    // A user's mistake is answered, not logged; anything an operator must see is. A
    // retryable failure (a refusal at capacity, the database down) comes by the thousand and
    // its stack is the same every time: counted lines without stacks. A bug's is logged whole.
    const line = { component: 'http', requestId, method: c.req.method, path: c.req.path, status: error.status };
    if (error.category === 'retryable')
      retryable.warn(error.code, { ...line, err: briefError(err) }, `request failed: ${error.code}`);
    else if (error.category !== 'user-fixable') logger.error({ ...line, err }, `request failed: ${error.code}`);
    return problemResponse(c, error, requestId);
  });

  app.notFound((c) =>
    problemResponse(
      c,
      new AtriumError({
        category: 'user-fixable',
        code: 'route-not-found',
        message: `No route ${c.req.method} ${c.req.path}`,
        hint: 'The API is described at /api/openapi.json.',
        status: 404,
      }),
      c.get('requestId') ?? randomUUID(),
    ),
  );
  return app;
}
