import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { DEFAULT_CSP, SECURITY_HEADERS, recordRequest, requestIdFrom, type App } from './app.ts';

/** A response that is already computed, served without entering the framework. */
export interface FastResponse {
  body: Buffer;
  contentType: string;
  /** The route pattern, for metrics. */
  route: string;
  /** The response's Content-Security-Policy, when not the API's default. */
  csp?: string;
}

/** Looks a GET up in caches; undefined sends the request through the app as usual. */
export type FastPath = (path: string, search: string) => FastResponse | undefined;

/**
 * The Node request listener: cached GET responses are written straight to the socket
 * with the same headers, log line and metrics the app would produce; everything else
 * (misses, writes, errors, validation) goes through the Hono app. During an incident most
 * requests are the same few pages, so this keeps the server close to a bare `node:http`.
 */
export function createListener(app: App, options: { logger: Logger; metrics: Metrics; fastPath?: FastPath }): RequestListener {
  const slow = getRequestListener(app.fetch);
  const { logger, metrics, fastPath } = options;
  return (req: IncomingMessage, res: ServerResponse) => {
    if (fastPath && req.method === 'GET' && req.url) {
      const started = performance.now();
      const q = req.url.indexOf('?');
      const path = q === -1 ? req.url : req.url.slice(0, q);
      const hit = fastPath(path, q === -1 ? '' : req.url.slice(q));
      if (hit) {
        const requestId = requestIdFrom(req.headers['x-request-id']);
        res.writeHead(200, {
          ...SECURITY_HEADERS,
          'content-security-policy': hit.csp ?? DEFAULT_CSP,
          'content-type': hit.contentType,
          'content-length': hit.body.length,
          'x-request-id': requestId,
        });
        res.end(hit.body);
        recordRequest(logger, metrics, { requestId, method: 'GET', path, route: hit.route, status: 200, durationMs: Math.round((performance.now() - started) * 100) / 100 });
        return;
      }
    }
    void slow(req, res);
  };
}
