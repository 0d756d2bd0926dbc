import type { Context } from 'hono';
import type { AtriumError } from '../errors.ts';

/** An RFC 9457 problem document, with Atrium's taxonomy fields alongside the standard ones. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  category: AtriumError['category'];
  code: string;
  hint: string;
  requestId: string;
  errors?: unknown;
}

/** The media type of every error the API answers (RFC 9457). */
export const PROBLEM_JSON = 'application/problem+json';

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problemDocument(err: AtriumError, instance: string, requestId: string): ProblemDocument {
  return {
    type: `urn:atrium:problem:${err.code}`,
    title: titles[err.status] ?? 'Error',
    status: err.status,
    detail: err.message,
    instance,
    category: err.category,
    code: err.code,
    hint: err.hint,
    requestId,
    ...(err.details ? { errors: err.details.errors ?? err.details } : {}),
  };
}

export function problemResponse(c: Context, err: AtriumError, requestId: string): Response {
  const headers: Record<string, string> = { 'content-type': PROBLEM_JSON };
  if (err.retryAfter !== undefined) headers['retry-after'] = String(err.retryAfter);
  // RFC 9110: a 401 names the scheme that would work.
  if (err.status === 401) headers['www-authenticate'] = `Bearer realm="atrium", error="invalid_token"`;
  // RFC 9110: a 408 closes the connection, whose unread rest of a body would otherwise be read as the next request.
  if (err.status === 408) headers.connection = 'close';
  return new Response(JSON.stringify(problemDocument(err, c.req.path, requestId)), { status: err.status, headers });
}
