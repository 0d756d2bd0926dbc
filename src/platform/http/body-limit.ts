import { isUtf8 } from 'node:buffer';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit as streamingBodyLimit } from 'hono/body-limit';
import { AtriumError } from '../errors.ts';

/**
 * How long a body may take to arrive in full once its headers have. A sender that trickles
 * bytes holds a socket and a buffer for as long as it is let, and a route that must see the
 * whole body before it takes a scarce resource (a write slot) needs that wait bounded in
 * seconds: 4 MiB, the largest body any route takes, arrives in a fraction of that on any
 * link a deployment pipeline uses.
 */
export const BODY_DEADLINE_MS = 10_000;

/**
 * The gate every request body passes before a route reads it: a 413 problem, with `hint`
 * saying what to send instead, for bodies over `maxSize`, a 408 for a body that has not
 * arrived in full within `deadlineMs` (the connection is closed after it, since the rest of
 * the body would otherwise be read as the next request), and a 400 for a body that is not
 * UTF-8. A declared Content-Length is checked at once (Node's parser never delivers more
 * than it declares), and only a chunked body is counted as it streams: Hono's bodyLimit
 * always wraps the body in a web stream, which cost a single-event write a third of its
 * time. Decoding a body replaces invalid bytes with U+FFFD, which would then be stored as
 * if sent: JSON is UTF-8 (RFC 8259), so such a body is refused instead. The bytes read
 * here are Hono's cached body, which the route's validator or handler reads again.
 */
export function bodyLimit(maxSize: number, hint: string, deadlineMs = BODY_DEADLINE_MS): MiddlewareHandler {
  const tooLarge = () =>
    new AtriumError({
      category: 'user-fixable',
      code: 'body-too-large',
      status: 413,
      message: `The body is larger than ${maxSize / 1024} KiB`,
      hint,
    });
  const streaming = streamingBodyLimit({
    maxSize,
    onError: () => {
      throw tooLarge();
    },
  });
  return async function limitMiddleware(c, next) {
    const declared = c.req.header('content-length');
    if (declared !== undefined && (!/^\d{1,15}$/.test(declared) || Number(declared) > maxSize)) throw tooLarge();
    // Hono's bodyLimit reads a streamed body in full before it calls on, so the deadline covers it too.
    const read =
      declared === undefined ? streaming(c, async () => {}).then(() => c.req.arrayBuffer()) : c.req.arrayBuffer();
    requireUtf8(await within(read, deadlineMs));
    await next();
  };
}

function requireUtf8(body: ArrayBuffer): void {
  if (isUtf8(body)) return;
  throw new AtriumError({
    category: 'user-fixable',
    code: 'body-not-utf8',
    message: 'The body is not UTF-8: it has bytes that are not UTF-8 text',
    hint: 'Send JSON encoded as UTF-8 (RFC 8259).',
  });
}

/** The body `read` reads, or a 408 once `deadlineMs` has passed without it. */
async function within(read: Promise<ArrayBuffer>, deadlineMs: number): Promise<ArrayBuffer> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new AtriumError({
          category: 'user-fixable',
          code: 'body-timeout',
          status: 408,
          message: `The body did not arrive within ${deadlineMs / 1000} s`,
          hint: 'Send the whole body at once, right after the headers.',
        }),
      );
    }, deadlineMs);
  });
  try {
    return await Promise.race([read, late]);
  } finally {
    clearTimeout(timer);
  }
}
