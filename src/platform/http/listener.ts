import type { IncomingHttpHeaders, IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { DEFAULT_CSP, hostDuplicated, SECURITY_HEADERS, recordRequest, requestIdFrom, type App } from './app.ts';

/** SECURITY_HEADERS as writeHead's flat list of names and values. */
const SECURITY_HEADER_LIST: readonly string[] = Object.entries(SECURITY_HEADERS).flat();

/** A response that is already computed, served without entering the framework. */
export interface FastResponse {
  /** 200 unless said (304 answers a matching If-None-Match, with no body). */
  status?: 200 | 304;
  body: Buffer;
  contentType: string;
  /** More headers, e.g. `etag`. */
  headers?: Readonly<Record<string, string>>;
  /** The route pattern, for metrics. */
  route: string;
  /** The response's Content-Security-Policy, when not the API's default. */
  csp?: string;
  /** Log it at debug (see RequestRecord.quiet): an SDK's poll or evaluation that succeeded. */
  quiet?: boolean;
}

/** Looks a GET up in caches; undefined sends the request through the app as usual. */
export type FastPath = (path: string, search: string, headers: IncomingHttpHeaders) => FastResponse | undefined;

/** A POST the listener may answer from its body, once read. */
export interface FastPost {
  /** The largest body read here; a larger one, or one without Content-Length, goes to the app. */
  maxBytes: number;
  /** The answer, or undefined to let the app answer (errors are always the app's). */
  answer(body: Buffer): FastResponse | undefined;
}

/** Picks a POST's FastPost from its path and headers; undefined sends it through the app. */
export type FastPostPath = (path: string, headers: IncomingHttpHeaders) => FastPost | undefined;

/** What @hono/node-server reads instead of the stream when a request's body was read already. */
interface ReadRequest extends IncomingMessage {
  rawBody?: Buffer;
}

/**
 * The Node request listener: cached GET responses, and POSTs a FastPost can answer from
 * memory (an SDK's flag evaluation), are written straight to the socket with the same
 * headers, log line and metrics the app would produce; everything else (misses, writes,
 * errors, validation) goes through the Hono app. During an incident most requests are the
 * same few pages, and SDKs ask the same few questions thousands of times a second, so
 * this keeps the server close to a bare `node:http`.
 */
export function createListener(
  app: App,
  options: { logger: Logger; metrics: Metrics; fastPath?: FastPath; fastPost?: FastPostPath },
): RequestListener {
  const slow = getRequestListener(app.fetch);
  const { logger, metrics, fastPath, fastPost } = options;

  const send = (req: IncomingMessage, res: ServerResponse, path: string, hit: FastResponse, started: number) => {
    const requestId = requestIdFrom(req.headers['x-request-id']);
    const status = hit.status ?? 200;
    // A flat list, not an object spread together: V8 gave every spread object its own
    // hidden class, which old ones kept alive through young-generation collections (about
    // 700 bytes a request, and 5-7 ms pauses instead of 1 ms under SDK load).
    const head = [...SECURITY_HEADER_LIST];
    if (hit.headers) for (const name in hit.headers) head.push(name, hit.headers[name] as string);
    head.push('content-security-policy', hit.csp ?? DEFAULT_CSP);
    if (status !== 304) head.push('content-type', hit.contentType, 'content-length', String(hit.body.length));
    head.push('x-request-id', requestId);
    res.writeHead(status, head);
    res.end(status === 304 ? undefined : hit.body);
    recordRequest(logger, metrics, {
      requestId,
      method: req.method ?? 'GET',
      path,
      route: hit.route,
      status,
      quiet: hit.quiet,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    });
  };

  const post = (
    req: ReadRequest,
    res: ServerResponse,
    path: string,
    handler: FastPost,
    declared: number,
    started: number,
  ) => {
    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      chunks.push(chunk);
    });
    req.once('end', () => {
      // Node's parser stops at Content-Length, so the body is exactly what was declared.
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length);
      const hit = length === declared ? handler.answer(body) : undefined;
      if (hit) return send(req, res, path, hit, started);
      req.rawBody = body;
      void slow(req, res);
    });
    // A client that goes away mid-body has nobody to answer.
    req.once('error', () => res.destroy());
  };

  return (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url;
    // Two Host headers are the app's to refuse, never a cached answer's.
    if (url && (req.method === 'GET' || req.method === 'POST') && !hostDuplicated(req.rawHeaders)) {
      const started = performance.now();
      const q = url.indexOf('?');
      const path = q === -1 ? url : url.slice(0, q);
      if (req.method === 'GET' && fastPath) {
        const hit = fastPath(path, q === -1 ? '' : url.slice(q), req.headers);
        if (hit) return send(req, res, path, hit, started);
      } else if (req.method === 'POST' && fastPost) {
        const handler = fastPost(path, req.headers);
        const declared =
          handler && /^\d{1,9}$/.test(req.headers['content-length'] ?? '')
            ? Number(req.headers['content-length'])
            : undefined;
        if (handler && declared !== undefined && declared <= handler.maxBytes)
          return post(req, res, path, handler, declared, started);
      }
    }
    void slow(req, res);
  };
}
