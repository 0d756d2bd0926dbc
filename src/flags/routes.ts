import { createRoute, z } from '@hono/zod-openapi';
import { requireScope } from '../auth/middleware.ts';
import type { TokenService } from '../auth/service.ts';
import { limit } from '../changes/routes.ts';
import { Timestamp } from '../changes/schema.ts';
import type { App } from '../platform/http/app.ts';
import { ProblemDocumentSchema } from '../platform/http/problem-schema.ts';
import type { FlagService } from './service.ts';

const PROBLEM = { 'application/problem+json': { schema: ProblemDocumentSchema } };
const SDK_SECURITY = [{ sdkToken: [] }];
/** Metrics buckets list every flag an app evaluated: generous, but bounded. */
const MAX_METRICS_BYTES = 1024 * 1024;
const MAX_REGISTER_BYTES = 64 * 1024;

const errors = {
  400: { description: 'Malformed body', content: PROBLEM },
  401: { description: 'No token, or one that is unknown, expired or revoked', content: PROBLEM },
  403: { description: 'The token lacks flags:read', content: PROBLEM },
  413: { description: 'Body too large', content: PROBLEM },
};

const Accepted = z.object({ accepted: z.literal(true) });

const environmentOf = (c: { get(key: 'principal'): { environment?: string } | undefined }): string => c.get('principal')?.environment ?? 'production';

/**
 * The Unleash client API, so Unleash SDKs work against Atrium unchanged: point their `url`
 * at `<atrium>/api/` and send an Atrium token with `flags:read` as `Authorization` (the
 * token's environment decides which environment's flags they get).
 */
export function registerFlagRoutes(app: App, flags: FlagService, tokens: TokenService): void {
  const sdk = requireScope(tokens, 'flags:read');

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/client/features',
      tags: ['Feature flags'],
      summary: 'Unleash client features',
      description:
        "Every Flag entity of the catalog as Unleash's client-features document (version 2) for the token's environment: on or off as the flag declares there, with its strategies, variants and dependencies. An `ETag` is sent; `If-None-Match` with it answers 304 while nothing changed.",
      security: SDK_SECURITY,
      middleware: [sdk] as const,
      request: { headers: z.object({ 'if-none-match': z.string().optional() }) },
      responses: {
        200: { description: 'The flags', content: { 'application/json': { schema: z.object({ version: z.number().int(), features: z.array(z.record(z.string(), z.unknown())), query: z.object({ environment: z.string() }) }).openapi('ClientFeatures') } } },
        304: { description: 'Not modified since the ETag sent' },
        ...errors,
      },
    }),
    async (c) => {
      const { body, etag } = await flags.clientFeatures(environmentOf(c));
      const headers = { etag, 'cache-control': 'no-cache' };
      // Plain responses: the body is already serialised (cached with the catalog's responses).
      if (c.req.header('if-none-match') === etag) return new Response(null, { status: 304, headers });
      return new Response(body.toString(), { status: 200, headers: { ...headers, 'content-type': 'application/json' } });
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/client/register',
      tags: ['Feature flags'],
      summary: 'Unleash SDK registration',
      description: 'Accepted and acknowledged (Unleash SDKs register when they start).',
      security: SDK_SECURITY,
      middleware: [sdk, limit(MAX_REGISTER_BYTES, 'An SDK registration is a few hundred bytes.')] as const,
      request: { body: { required: true, content: { 'application/json': { schema: z.looseObject({ appName: z.string().min(1).max(255), instanceId: z.string().max(255).optional() }) } } } },
      responses: { 202: { description: 'Registered', content: { 'application/json': { schema: Accepted } } }, ...errors },
    }),
    async (c) => c.json({ accepted: true as const }, 202),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/client/metrics',
      tags: ['Feature flags'],
      summary: 'Unleash SDK metrics',
      description: "Yes/no evaluation counts per flag from an SDK, stored per flag, the token's environment, the app and the hour the bucket started in.",
      security: SDK_SECURITY,
      middleware: [sdk, limit(MAX_METRICS_BYTES, 'Send metrics more often, so each bucket is smaller.')] as const,
      request: {
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z.looseObject({
                appName: z.string().min(1).max(255),
                instanceId: z.string().max(255).optional(),
                bucket: z.looseObject({
                  start: Timestamp,
                  stop: Timestamp,
                  toggles: z
                    .record(z.string().min(1).max(255), z.looseObject({ yes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), no: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }))
                    .refine((t) => Object.keys(t).length <= 10_000, 'at most 10,000 flags in one bucket'),
                }),
              }),
            },
          },
        },
      },
      responses: { 202: { description: 'Stored', content: { 'application/json': { schema: Accepted } } }, ...errors },
    }),
    async (c) => {
      await flags.recordMetrics(environmentOf(c), c.req.valid('json'));
      return c.json({ accepted: true as const }, 202);
    },
  );
}
