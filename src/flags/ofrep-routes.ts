import { isUtf8 } from 'node:buffer';
import { createRoute, z } from '@hono/zod-openapi';
import { requireScope } from '../auth/middleware.ts';
import type { TokenService } from '../auth/service.ts';
import type { App } from '../platform/http/app.ts';
import { bodyLimit } from '../platform/http/body-limit.ts';
import type { FastPostPath } from '../platform/http/listener.ts';
import type { FlagContext } from './model.ts';
import { evaluateOfrep, flagContextOf } from './ofrep.ts';
import { environmentOf, SDK_SECURITY, sdkProblems } from './sdk-access.ts';
import type { CompiledFlags, FlagService } from './service.ts';

// OFREP: OpenFeature's remote evaluation protocol. Its errors are its own JSON shape, not problem+json.
const OFREP_FLAG_PATH = '/ofrep/v1/evaluate/flags/';
const OFREP_MAX_BYTES = 256 * 1024;
const OfrepContext = z.object({ context: z.record(z.string(), z.unknown()).default({}) }).openapi('OfrepRequest');
const JSON_BODY = /^application\/json\s*(;|$)/i;

/** One flag of an environment's compiled flags, as OFREP answers it. */
function ofrepOf(compiled: CompiledFlags, key: string, context: FlagContext) {
  return evaluateOfrep(compiled.engine, (name) => compiled.enabled.has(name), key, context);
}

/**
 * `POST /ofrep/v1/evaluate/flags/{key}` answered in the listener when the token was
 * verified within the last second and the flags are compiled: one evaluation a request
 * is what remote SDKs do all day. Only a flag that evaluates is answered here; a malformed
 * body, an unusable context or an unknown flag goes to the route below, which says why.
 */
export function ofrepFastPath(flags: FlagService, tokens: TokenService): FastPostPath {
  return (path, headers) => {
    if (!path.startsWith(OFREP_FLAG_PATH) || !JSON_BODY.test(headers['content-type'] ?? '')) return undefined;
    const principal = tokens.trustedReader(headers.authorization);
    const environment = environmentOf(principal);
    const compiled = principal && flags.peekEngine(environment);
    const key = compiled && decodedKey(path.slice(OFREP_FLAG_PATH.length));
    if (!key || !compiled?.engine.has(key)) return undefined;
    return {
      maxBytes: OFREP_MAX_BYTES,
      answer(body) {
        const parsed = OfrepContext.safeParse(parseJson(body));
        const mapped = parsed.success ? flagContextOf(parsed.data.context, environment) : undefined;
        if (!mapped || 'error' in mapped) return undefined;
        return {
          body: Buffer.from(JSON.stringify(ofrepOf(compiled, key, mapped.context))),
          contentType: 'application/json',
          route: '/ofrep/v1/evaluate/flags/:key',
          quiet: true,
        };
      },
    };
  };
}

/** A path segment as the route would see it, or undefined where the route would refuse it. */
function decodedKey(segment: string): string | undefined {
  if (segment === '' || segment.includes('/') || segment.length > 3 * 255) return undefined;
  try {
    const key = decodeURIComponent(segment);
    return key.length <= 255 ? key : undefined;
  } catch {
    return undefined;
  }
}

/** The body as JSON, or undefined (the route then answers: malformed or not UTF-8, it refuses it as a problem). */
function parseJson(body: Buffer): unknown {
  if (!isUtf8(body)) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

const OfrepResult = z
  .object({
    key: z.string(),
    value: z.boolean().optional(),
    reason: z.string().optional(),
    variant: z.string().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    errorCode: z.string().optional(),
    errorDetails: z.string().optional(),
  })
  .openapi('OfrepEvaluation');

const EvaluateFlagRoute = createRoute({
  method: 'post',
  path: `${OFREP_FLAG_PATH}{key}`,
  tags: ['Feature flags'],
  summary: 'OFREP: evaluate one flag',
  description:
    "OpenFeature Remote Evaluation Protocol: evaluates the flag in the token's environment against the context (`targetingKey` is the user id; other attributes are Unleash context fields or properties). `value` is whether it is on; `variant` its variant, with the payload in `metadata`.",
  security: SDK_SECURITY,
  request: {
    params: z.object({ key: z.string().min(1).max(255) }),
    body: { required: true, content: { 'application/json': { schema: OfrepContext } } },
  },
  responses: {
    200: { description: 'Evaluated', content: { 'application/json': { schema: OfrepResult } } },
    400: {
      description: 'INVALID_CONTEXT (or a malformed body: problem+json)',
      content: { 'application/json': { schema: OfrepResult } },
    },
    404: { description: 'FLAG_NOT_FOUND', content: { 'application/json': { schema: OfrepResult } } },
    ...sdkProblems,
  },
});

const EvaluateFlagsRoute = createRoute({
  method: 'post',
  path: '/ofrep/v1/evaluate/flags',
  tags: ['Feature flags'],
  summary: 'OFREP: evaluate every flag',
  description:
    "Every flag of the token's environment evaluated against the context, with an `ETag` of the flag definitions: `If-None-Match` answers 304 while they are unchanged (the context is the caller's to compare).",
  security: SDK_SECURITY,
  request: {
    headers: z.object({ 'if-none-match': z.string().optional() }),
    body: { required: true, content: { 'application/json': { schema: OfrepContext } } },
  },
  responses: {
    200: {
      description: 'Evaluated',
      content: { 'application/json': { schema: z.object({ flags: z.array(OfrepResult) }).openapi('OfrepBulk') } },
    },
    304: { description: 'The flag definitions are unchanged' },
    400: {
      description: 'INVALID_CONTEXT',
      content: { 'application/json': { schema: z.object({ errorCode: z.string(), errorDetails: z.string() }) } },
    },
    ...sdkProblems,
  },
});

/** OFREP for OpenFeature SDKs: one flag or every flag of the token's environment, evaluated against a context. */
export function registerOfrepRoutes(app: App, flags: FlagService, tokens: TokenService): void {
  const middleware = [
    requireScope(tokens, 'flags:read'),
    bodyLimit(OFREP_MAX_BYTES, 'An evaluation context is a few fields, not megabytes.'),
  ];

  app.openapi({ ...EvaluateFlagRoute, middleware }, async (c) => {
    const { key } = c.req.valid('param');
    const environment = environmentOf(c.get('principal'));
    const mapped = flagContextOf(c.req.valid('json').context, environment);
    if ('error' in mapped) return c.json({ key, errorCode: 'INVALID_CONTEXT', errorDetails: mapped.error }, 400);
    const result = ofrepOf(await flags.engineFor(environment), key, mapped.context);
    return 'errorCode' in result ? c.json(result, 404) : c.json(result, 200);
  });

  app.openapi({ ...EvaluateFlagsRoute, middleware }, async (c) => {
    const environment = environmentOf(c.get('principal'));
    const mapped = flagContextOf(c.req.valid('json').context, environment);
    if ('error' in mapped) return c.json({ errorCode: 'INVALID_CONTEXT', errorDetails: mapped.error }, 400);
    const compiled = await flags.engineFor(environment);
    if (c.req.header('if-none-match') === compiled.etag) return c.body(null, 304, { etag: compiled.etag });
    c.header('etag', compiled.etag);
    return c.json(
      {
        flags: compiled.engine
          .names()
          .sort()
          .map((k) => ofrepOf(compiled, k, mapped.context)),
      },
      200,
    );
  });
}
