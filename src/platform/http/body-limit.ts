import { isUtf8 } from 'node:buffer';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit as streamingBodyLimit } from 'hono/body-limit';
import { AtriumError } from '../errors.ts';

/**
 * The gate every request body passes before a route reads it: a 413 problem, with `hint`
 * saying what to send instead, for bodies over `maxSize`, and a 400 for a body that is not
 * UTF-8. A declared Content-Length is checked at once (Node's parser never delivers more
 * than it declares), and only a chunked body is counted as it streams: Hono's bodyLimit
 * always wraps the body in a web stream, which cost a single-event write a third of its
 * time. Decoding a body replaces invalid bytes with U+FFFD, which would then be stored as
 * if sent: JSON is UTF-8 (RFC 8259), so such a body is refused instead. The bytes read
 * here are Hono's cached body, which the route's validator or handler reads again.
 */
export function bodyLimit(maxSize: number, hint: string): MiddlewareHandler {
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
    if (declared === undefined)
      return streaming(c, async () => {
        await requireUtf8(c);
        await next();
      });
    if (!/^\d{1,15}$/.test(declared) || Number(declared) > maxSize) throw tooLarge();
    await requireUtf8(c);
    await next();
  };
}

async function requireUtf8(c: Context): Promise<void> {
  if (isUtf8(await c.req.arrayBuffer())) return;
  throw new AtriumError({
    category: 'user-fixable',
    code: 'body-not-utf8',
    message: 'The body is not UTF-8: it has bytes that are not UTF-8 text',
    hint: 'Send JSON encoded as UTF-8 (RFC 8259).',
  });
}
