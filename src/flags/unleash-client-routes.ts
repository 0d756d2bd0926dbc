import { createRoute, z } from '@hono/zod-openapi';
import { requireScope } from '../auth/middleware.ts';
import type { TokenService } from '../auth/service.ts';
import { Timestamp } from '../changes/schema.ts';
import { AtriumError } from '../platform/errors.ts';
import type { App } from '../platform/http/app.ts';
import { bodyLimit } from '../platform/http/body-limit.ts';
import { bytesBody } from '../platform/http/bytes-body.ts';
import type { FastPath } from '../platform/http/listener.ts';
import { problemResponses } from '../platform/http/problem-responses.ts';
import { parseFeaturesQuery } from './features-query.ts';
import { environmentOf, SDK_SECURITY, sdkProblems } from './sdk-access.ts';
import type { FlagService } from './service.ts';

const FEATURES_PATH = '/api/client/features';
/** SDKs revalidate the features document with its ETag on every poll. */
const FEATURES_CACHE_CONTROL = 'no-cache';
/** Metrics buckets list every flag an app evaluated: generous, but bounded. */
const MAX_METRICS_BYTES = 1024 * 1024;
const MAX_REGISTER_BYTES = 64 * 1024;

const clientProblems = { ...problemResponses(400), ...sdkProblems };
const Accepted = z.object({ accepted: z.literal(true) });

/**
 * `GET /api/client/features` answered in the listener (platform/http/listener.ts) when the
 * token was verified within the last second and the environment's document is cached:
 * what every SDK polls, served at close to a bare server's cost. Anything else (a first
 * poll, an unknown or refused token, a document to build) goes through the route below.
 */
export function clientFeaturesFastPath(flags: FlagService, tokens: TokenService): FastPath {
  return (path, search, headers) => {
    // A raw "#" would be a fragment to the route (which parses the URL) but a value here.
    if (path !== FEATURES_PATH || search.includes('#')) return undefined;
    const query = parseFeaturesQuery(search);
    if ('error' in query) return undefined;
    const principal = tokens.trustedReader(headers.authorization);
    const features = principal && flags.peekClientFeatures(environmentOf(principal), query);
    if (!features) return undefined;
    const notModified = headers['if-none-match'] === features.etag;
    return {
      status: notModified ? 304 : 200,
      body: features.body,
      contentType: 'application/json',
      route: FEATURES_PATH,
      headers: { 'cache-control': FEATURES_CACHE_CONTROL, etag: features.etag },
      quiet: true,
    };
  };
}

const FeaturesRoute = createRoute({
  method: 'get',
  path: FEATURES_PATH,
  tags: ['Feature flags'],
  summary: 'Unleash client features',
  description:
    "Every Flag entity of the catalog as Unleash's client-features document (version 2) for the token's environment: on or off as the flag declares there, with its strategies, variants and dependencies. Unleash's filters narrow it, as SDKs configured with them send them: `namePrefix`, `project` (every Atrium flag is in project `default`) and `tag` (`simple:<catalog tag>`); `project` and `tag` may repeat and keep a flag matching any. Other parameters are ignored. An `ETag` is sent; `If-None-Match` with it answers 304 while nothing changed.",
  security: SDK_SECURITY,
  request: {
    headers: z.object({ 'if-none-match': z.string().optional() }),
    query: z.object({
      // Given twice, it is refused by parseFeaturesQuery with its own message: the schema only documents.
      namePrefix: z
        .union([z.string(), z.array(z.string())])
        .optional()
        .openapi({ description: 'Only flags whose name starts with this (once).', example: 'checkout.' }),
      project: z
        .union([z.string(), z.array(z.string())])
        .optional()
        .openapi({
          description: 'Only flags of these Unleash projects (Atrium has one: default).',
          example: 'default',
        }),
      tag: z
        .union([z.string(), z.array(z.string())])
        .optional()
        .openapi({
          description: 'Only flags with any of these tags, as type:value; catalog tags are of type simple.',
          example: 'simple:payments',
        }),
    }),
  },
  responses: {
    200: {
      description: 'The flags',
      content: {
        'application/json': {
          schema: z
            .object({
              version: z.number().int(),
              features: z.array(z.record(z.string(), z.unknown())),
              query: z.object({
                environment: z.string(),
                namePrefix: z.string().optional(),
                project: z.array(z.string()).optional(),
                tag: z.array(z.array(z.string())).optional(),
              }),
            })
            .openapi('ClientFeatures'),
        },
      },
    },
    304: { description: 'Not modified since the ETag sent' },
    ...clientProblems,
  },
});

const RegisterRoute = createRoute({
  method: 'post',
  path: '/api/client/register',
  tags: ['Feature flags'],
  summary: 'Unleash SDK registration',
  description: 'Accepted and acknowledged (Unleash SDKs register when they start).',
  security: SDK_SECURITY,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.looseObject({
            appName: z.string().min(1).max(255),
            instanceId: z.string().max(255).optional(),
          }),
        },
      },
    },
  },
  responses: {
    202: { description: 'Registered', content: { 'application/json': { schema: Accepted } } },
    ...clientProblems,
  },
});

const MetricsRoute = createRoute({
  method: 'post',
  path: '/api/client/metrics',
  tags: ['Feature flags'],
  summary: 'Unleash SDK metrics',
  description:
    "Yes/no evaluation counts per flag from an SDK, stored per flag, the token's environment, the app and the hour the bucket started in.",
  security: SDK_SECURITY,
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
                .record(
                  z.string().min(1).max(255),
                  z.looseObject({
                    yes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
                    no: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
                  }),
                )
                .refine((t) => Object.keys(t).length <= 10_000, 'at most 10,000 flags in one bucket'),
            }),
          }),
        },
      },
    },
  },
  responses: {
    202: { description: 'Stored', content: { 'application/json': { schema: Accepted } } },
    ...clientProblems,
  },
});

/**
 * The Unleash client API, so Unleash SDKs work against Atrium unchanged: point their `url`
 * at `<atrium>/api/` and send an Atrium token with `flags:read` as `Authorization` (the
 * token's environment decides which environment's flags they get).
 */
export function registerUnleashClientRoutes(app: App, flags: FlagService, tokens: TokenService): void {
  const sdk = requireScope(tokens, 'flags:read');

  app.openapi({ ...FeaturesRoute, middleware: [sdk] }, async (c) => {
    const query = parseFeaturesQuery(new URL(c.req.url).search);
    if ('error' in query)
      throw new AtriumError({
        category: 'user-fixable',
        code: 'invalid-request',
        message: `Invalid request: ${query.error}`,
        hint: query.hint,
      });
    const { body, etag } = await flags.clientFeatures(environmentOf(c.get('principal')), query);
    const headers = { 'cache-control': FEATURES_CACHE_CONTROL, etag };
    // Plain responses: the body is already serialised (cached with the catalog's responses).
    if (c.req.header('if-none-match') === etag) return new Response(null, { status: 304, headers });
    return new Response(bytesBody(body), {
      status: 200,
      headers: { ...headers, 'content-type': 'application/json' },
    });
  });

  app.openapi(
    {
      ...RegisterRoute,
      middleware: [sdk, bodyLimit(MAX_REGISTER_BYTES, 'An SDK registration is a few hundred bytes.')],
    },
    async (c) => c.json({ accepted: true as const }, 202),
  );

  app.openapi(
    {
      ...MetricsRoute,
      middleware: [sdk, bodyLimit(MAX_METRICS_BYTES, 'Send metrics more often, so each bucket is smaller.')],
    },
    async (c) => {
      await flags.recordMetrics(environmentOf(c.get('principal')), c.req.valid('json'));
      return c.json({ accepted: true as const }, 202);
    },
  );
}
