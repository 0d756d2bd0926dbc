import { randomUUID } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { AtriumError, toAtriumError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { problemResponse } from './problem.ts';

export interface AppEnv {
  Variables: { requestId: string };
}

export type App = OpenAPIHono<AppEnv>;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

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
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    c.set('requestId', requestId);
    const started = performance.now();
    await next();
    c.header('x-request-id', requestId);
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'no-referrer');
    if (!c.res.headers.has('content-security-policy')) c.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    const durationMs = Math.round((performance.now() - started) * 100) / 100;
    // The route pattern, not the path, keeps metric labels bounded.
    const route = c.req.routePath || 'unmatched';
    metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
    metrics.httpDuration.observe({ method: c.req.method, route }, durationMs / 1000);
    logger.info({ component: 'http', requestId, method: c.req.method, path: c.req.path, status: c.res.status, durationMs }, 'request');
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
    if (error.category === 'fatal') {
      logger.error({ component: 'http', requestId, method: c.req.method, path: c.req.path, status: error.status, err }, 'request failed');
    }
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
