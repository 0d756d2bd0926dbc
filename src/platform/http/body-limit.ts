import type { MiddlewareHandler } from 'hono';
import { bodyLimit as streamingBodyLimit } from 'hono/body-limit';
import { AtriumError } from '../errors.ts';

/**
 * A 413 problem, with `hint` saying what to send instead, for bodies over `maxSize`. A
 * declared Content-Length is checked at once (Node's parser never delivers more than it
 * declares), and only a chunked body is counted as it streams: Hono's bodyLimit always
 * wraps the body in a web stream, which cost a single-event write a third of its time.
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
    if (declared === undefined) return streaming(c, next);
    if (!/^\d{1,15}$/.test(declared) || Number(declared) > maxSize) throw tooLarge();
    await next();
  };
}
