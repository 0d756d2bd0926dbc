import { createRoute, z } from '@hono/zod-openapi';
import { BEARER_SECURITY, principalOf, requireScope } from '../auth/middleware.ts';
import { refKey } from '../catalog/model.ts';
import type { TokenService } from '../auth/service.ts';
import { entityKeyOf, limit } from '../changes/routes.ts';
import { Timestamp } from '../changes/schema.ts';
import type { App } from '../platform/http/app.ts';
import { bytesBody } from '../platform/http/bytes-body.ts';
import type { FastPath, FastPostPath } from '../platform/http/listener.ts';
import { ProblemDocumentSchema } from '../platform/http/problem-schema.ts';
import { parseFeaturesQuery } from './features-query.ts';
import { evaluateOfrep, flagContextOf } from './ofrep.ts';
import { PLAN_ACTIONS, type PlanAction } from './release-plan.ts';
import { switchRefusedView } from './pages/switch-page.ts';
import { AtriumError } from '../platform/errors.ts';
import { PAGE_CSP } from '../web/csp.ts';
import type { Site } from '../web/site.ts';
import type { CompiledFlags, FlagService } from './service.ts';
import type { FlagContext } from './model.ts';

const PROBLEM = { 'application/problem+json': { schema: ProblemDocumentSchema } };
const SDK_SECURITY = [{ sdkToken: [] }];
/** Metrics buckets list every flag an app evaluated: generous, but bounded. */
const MAX_METRICS_BYTES = 1024 * 1024;
const MAX_REGISTER_BYTES = 64 * 1024;

const errors = {
  400: { description: 'Malformed body', content: PROBLEM },
  401: { description: 'No token, or one that is unknown, expired or revoked', content: PROBLEM },
  403: { description: 'The token lacks the scope (flags:read, or flags:write for switches)', content: PROBLEM },
  413: { description: 'Body too large', content: PROBLEM },
};

const Accepted = z.object({ accepted: z.literal(true) });

/** The environment an SDK token reads (production unless it names one). */
const environmentOf = (principal: { environment?: string } | undefined): string =>
  principal?.environment ?? 'production';

const FEATURES_PATH = '/api/client/features';
/** SDKs revalidate the features document with its ETag on every poll. */
const FEATURES_CACHE_CONTROL = 'no-cache';

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

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

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

/**
 * The Unleash client API, so Unleash SDKs work against Atrium unchanged: point their `url`
 * at `<atrium>/api/` and send an Atrium token with `flags:read` as `Authorization` (the
 * token's environment decides which environment's flags they get).
 */
const FlagParams = z.object({
  namespace: z.string().min(1).max(63).openapi({ example: 'default' }),
  name: z.string().min(1).max(63).openapi({ example: 'one-page-checkout' }),
});
const Reason = z
  .string()
  .min(1)
  .max(500)
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'must be one line of printable text');
const EnvironmentStateSchema = z
  .object({
    environment: z.string(),
    declared: z.boolean(),
    enabled: z.boolean(),
    setAt: z.string().optional(),
    setBy: z.string().optional(),
    plan: z
      .object({
        milestone: z.number().int(),
        name: z.string(),
        of: z.number().int(),
        since: z.string(),
        paused: z.boolean(),
      })
      .optional(),
    rollout: z.number().int().optional(),
    evaluations: z
      .object({ yes: z.number().int(), no: z.number().int() })
      .optional()
      .openapi({ description: 'What SDKs reported evaluating over the last 7 days.' }),
  })
  .openapi('FlagEnvironmentState');
const SwitchResultSchema = z
  .object({
    flag: z.string(),
    environment: z.string(),
    enabled: z.boolean(),
    previous: z.boolean(),
    changed: z.boolean(),
  })
  .openapi('FlagSwitch');
const flagKey = (p: { namespace: string; name: string }) =>
  refKey({ kind: 'Flag', namespace: p.namespace, name: p.name });

export function registerFlagRoutes(app: App, flags: FlagService, tokens: TokenService, site: Site): void {
  const sdk = requireScope(tokens, 'flags:read');
  const writer = requireScope(tokens, 'flags:write');
  const notFound = { 404: { description: 'No such flag', content: PROBLEM } };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/flags',
      tags: ['Feature flags'],
      summary: 'Flags of a team or service',
      description:
        "The flags in an entity's scope (a team with its child teams, a service, a user), stale ones first: each with its type, the switch in force per environment, and whether it has been fully on or off for longer than its type's expected lifetime (release and experiment 40 days, operational 7; kill switches and permissions never go stale).",
      request: {
        query: z.object({ entity: z.string().min(1).max(255).openapi({ example: 'group:default/checkout' }) }),
      },
      responses: {
        200: {
          description: 'The flags',
          content: {
            'application/json': {
              schema: z
                .object({
                  items: z.array(
                    z.object({
                      ref: z.string(),
                      title: z.string(),
                      type: z.string(),
                      service: z.string(),
                      environments: z.array(z.object({ environment: z.string(), enabled: z.boolean() })),
                      staleness: z.object({
                        settled: z.enum(['on', 'off', 'mixed']),
                        ageDays: z.number().int(),
                        stale: z.boolean(),
                      }),
                    }),
                  ),
                })
                .openapi('FlagList'),
            },
          },
        },
        400: errors[400],
      },
    }),
    async (c) => c.json({ items: await flags.flagsOf(entityKeyOf(c.req.valid('query').entity, 'entity')) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/flags/{namespace}/{name}',
      tags: ['Feature flags'],
      summary: "A flag's switches",
      description:
        'Per environment the flag declares or has been switched in: what its file declares, what is in force, and who set it when.',
      request: { params: FlagParams },
      responses: {
        200: {
          description: 'The switches',
          content: {
            'application/json': {
              schema: z.object({ flag: z.string(), environments: z.array(EnvironmentStateSchema) }),
            },
          },
        },
        ...notFound,
        400: errors[400],
      },
    }),
    async (c) => {
      const key = flagKey(c.req.valid('param'));
      return c.json({ flag: key, environments: await flags.environments(key) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/flags/{namespace}/{name}/environments/{environment}',
      tags: ['Feature flags'],
      summary: 'Turn a flag on or off',
      description:
        "Sets the flag's switch in one environment over what its file declares; SDKs get it on their next poll. Recorded on the flag's timeline (and so its service's and team's) with who, from what and to what. Needs `flags:write`.",
      security: BEARER_SECURITY,
      middleware: [writer, limit(4096, 'A switch is {"enabled": true|false, "reason": "..."}.')] as const,
      request: {
        params: FlagParams.extend({ environment: z.string().min(1).max(63).openapi({ example: 'production' }) }),
        body: {
          required: true,
          content: {
            'application/json': { schema: z.object({ enabled: z.boolean(), reason: Reason.optional() }).strict() },
          },
        },
      },
      responses: {
        200: {
          description: 'Switched (or already so: `changed` false)',
          content: { 'application/json': { schema: SwitchResultSchema } },
        },
        ...notFound,
        ...errors,
      },
    }),
    async (c) => {
      const params = c.req.valid('param');
      const body = c.req.valid('json');
      const principal = principalOf(c);
      return c.json(
        await flags.setEnabled(flagKey(params), params.environment, body.enabled, principal, body.reason),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/flags/{namespace}/{name}/environments/{environment}/rollout',
      tags: ['Feature flags'],
      summary: 'Set the rollout percentage',
      description:
        "Sets the percentage of every gradual rollout of the flag in one environment (`null`: back to the strategies' own), at once for the SDKs' next poll; recorded on the flag's timeline. Needs `flags:write`.",
      security: BEARER_SECURITY,
      middleware: [writer, limit(4096, 'A rollout is {"percent": 25, "reason": "..."}.')] as const,
      request: {
        params: FlagParams.extend({ environment: z.string().min(1).max(63) }),
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z
                .object({ percent: z.number().int().min(0).max(100).nullable(), reason: Reason.optional() })
                .strict(),
            },
          },
        },
      },
      responses: {
        200: {
          description: 'Set (or already so: `changed` false)',
          content: {
            'application/json': {
              schema: z
                .object({
                  flag: z.string(),
                  environment: z.string(),
                  rollout: z.number().int().nullable(),
                  previous: z.number().int().nullable(),
                  changed: z.boolean(),
                })
                .openapi('FlagRollout'),
            },
          },
        },
        ...notFound,
        ...errors,
      },
    }),
    async (c) => {
      const params = c.req.valid('param');
      const body = c.req.valid('json');
      const principal = principalOf(c);
      return c.json(
        await flags.setRollout(flagKey(params), params.environment, body.percent, principal, body.reason),
        200,
      );
    },
  );

  const PlanPositionSchema = z
    .object({
      milestone: z.number().int(),
      name: z.string(),
      of: z.number().int(),
      since: z.string(),
      paused: z.boolean(),
    })
    .openapi('ReleasePlanPosition');
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/flags/{namespace}/{name}/environments/{environment}/release-plan',
      tags: ['Feature flags'],
      summary: 'Move a release plan',
      description:
        "`start` (at the first milestone, and the flag on), `advance`, `rollback`, `pause` or `resume` the flag's release plan in one environment; recorded on the flag's timeline. A milestone with a set time (`after`) also moves on by itself. Needs `flags:write`.",
      security: BEARER_SECURITY,
      middleware: [writer, limit(4096, 'A plan action is {"action": "advance", "reason": "..."}.')] as const,
      request: {
        params: FlagParams.extend({ environment: z.string().min(1).max(63) }),
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z
                .object({ action: z.enum(PLAN_ACTIONS as [PlanAction, ...PlanAction[]]), reason: Reason.optional() })
                .strict(),
            },
          },
        },
      },
      responses: {
        200: {
          description: 'Where the plan stands now',
          content: { 'application/json': { schema: PlanPositionSchema } },
        },
        409: {
          description: 'The flag has no release plan, or the action cannot be done from where the plan stands',
          content: PROBLEM,
        },
        ...notFound,
        ...errors,
      },
    }),
    async (c) => {
      const params = c.req.valid('param');
      const body = c.req.valid('json');
      const principal = principalOf(c);
      return c.json(
        await flags.planAction(flagKey(params), params.environment, body.action, principal, body.reason),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/flags/{namespace}/{name}/kill',
      tags: ['Feature flags'],
      summary: 'Kill switch',
      description:
        'Turns the flag off in every environment where it is on, in one call; each switch is recorded. Needs `flags:write`.',
      security: BEARER_SECURITY,
      middleware: [writer, limit(4096, 'A kill is {"reason": "..."} or an empty object.')] as const,
      request: {
        params: FlagParams,
        body: {
          required: true,
          content: { 'application/json': { schema: z.object({ reason: Reason.optional() }).strict() } },
        },
      },
      responses: {
        200: {
          description: 'The switches made (none when it was off everywhere)',
          content: { 'application/json': { schema: z.object({ items: z.array(SwitchResultSchema) }) } },
        },
        ...notFound,
        ...errors,
      },
    }),
    async (c) => {
      const principal = principalOf(c);
      return c.json(
        { items: await flags.kill(flagKey(c.req.valid('param')), principal, c.req.valid('json').reason) },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: FEATURES_PATH,
      tags: ['Feature flags'],
      summary: 'Unleash client features',
      description:
        "Every Flag entity of the catalog as Unleash's client-features document (version 2) for the token's environment: on or off as the flag declares there, with its strategies, variants and dependencies. Unleash's filters narrow it, as SDKs configured with them send them: `namePrefix`, `project` (every Atrium flag is in project `default`) and `tag` (`simple:<catalog tag>`); `project` and `tag` may repeat and keep a flag matching any. Other parameters are ignored. An `ETag` is sent; `If-None-Match` with it answers 304 while nothing changed.",
      security: SDK_SECURITY,
      middleware: [sdk] as const,
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
        ...errors,
      },
    }),
    async (c) => {
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
        ...errors,
      },
    }),
    async (c) => c.json({ accepted: true as const }, 202),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/client/metrics',
      tags: ['Feature flags'],
      summary: 'Unleash SDK metrics',
      description:
        "Yes/no evaluation counts per flag from an SDK, stored per flag, the token's environment, the app and the hour the bucket started in.",
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
      responses: { 202: { description: 'Stored', content: { 'application/json': { schema: Accepted } } }, ...errors },
    }),
    async (c) => {
      await flags.recordMetrics(environmentOf(c.get('principal')), c.req.valid('json'));
      return c.json({ accepted: true as const }, 202);
    },
  );

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
  const ofrepLimit = limit(OFREP_MAX_BYTES, 'An evaluation context is a few fields, not megabytes.');

  app.openapi(
    createRoute({
      method: 'post',
      path: `${OFREP_FLAG_PATH}{key}`,
      tags: ['Feature flags'],
      summary: 'OFREP: evaluate one flag',
      description:
        "OpenFeature Remote Evaluation Protocol: evaluates the flag in the token's environment against the context (`targetingKey` is the user id; other attributes are Unleash context fields or properties). `value` is whether it is on; `variant` its variant, with the payload in `metadata`.",
      security: SDK_SECURITY,
      middleware: [sdk, ofrepLimit] as const,
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
        401: errors[401],
        403: errors[403],
        413: errors[413],
      },
    }),
    async (c) => {
      const { key } = c.req.valid('param');
      const environment = environmentOf(c.get('principal'));
      const mapped = flagContextOf(c.req.valid('json').context, environment);
      if ('error' in mapped) return c.json({ key, errorCode: 'INVALID_CONTEXT', errorDetails: mapped.error }, 400);
      const result = ofrepOf(await flags.engineFor(environment), key, mapped.context);
      return 'errorCode' in result ? c.json(result, 404) : c.json(result, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/ofrep/v1/evaluate/flags',
      tags: ['Feature flags'],
      summary: 'OFREP: evaluate every flag',
      description:
        "Every flag of the token's environment evaluated against the context, with an `ETag` of the flag definitions: `If-None-Match` answers 304 while they are unchanged (the context is the caller's to compare).",
      security: SDK_SECURITY,
      middleware: [sdk, ofrepLimit] as const,
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
        401: errors[401],
        403: errors[403],
        413: errors[413],
      },
    }),
    async (c) => {
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
    },
  );

  // The switch form of a flag's page (not part of the API): the token comes in the form,
  // so there is no session to forge; a refusal is an HTML page that says why.
  app.post(
    '/catalog/:namespace/flag/:name/switch/',
    limit(16 * 1024, 'The switch form is a few fields.'),
    async (c) => {
      const { namespace, name } = c.req.param();
      const ref = `flag:${namespace}/${name}`.toLowerCase();
      const refuse = (status: 400 | 401 | 403 | 404 | 409, message: string, hint: string) =>
        c.html(switchRefusedView(site, ref, message, hint).value, status, { 'content-security-policy': PAGE_CSP });
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const field = (n: string) => (typeof form[n] === 'string' ? (form[n] as string) : undefined);
      if (field('confirm') !== 'yes')
        return refuse(
          400,
          'The change was not confirmed.',
          'Tick the box that says you know this changes what users get, then submit again.',
        );
      const action = field('action') ?? '';
      const environment = field('environment') ?? '';
      const known = ['on', 'off', 'rollout', 'rollout-default', ...PLAN_ACTIONS];
      if (!known.includes(action)) return refuse(400, 'Choose what to change.', 'Pick a change in the form.');
      if (environment === '*' && action !== 'off')
        return refuse(
          400,
          'Every environment is only for turning a flag off (the kill switch).',
          'Choose one environment for any other change.',
        );
      const percentText = field('percent') ?? '';
      const percent = /^\d{1,3}$/.test(percentText) && Number(percentText) <= 100 ? Number(percentText) : undefined;
      if (action === 'rollout' && percent === undefined)
        return refuse(
          400,
          'The rollout percentage must be a whole number from 0 to 100.',
          "Fill in the percentage, or choose to go back to the strategies' own.",
        );
      try {
        const principal = await tokens.authenticate(`Bearer ${field('token') ?? ''}`, 'flags:write');
        const key = refKey({ kind: 'Flag', namespace, name });
        const why = 'changed on the flag page';
        if (environment === '*') await flags.kill(key, principal, 'kill switch on the flag page');
        else if (action === 'on' || action === 'off')
          await flags.setEnabled(key, environment, action === 'on', principal, why);
        else if (action === 'rollout' || action === 'rollout-default')
          await flags.setRollout(key, environment, action === 'rollout' ? (percent as number) : null, principal, why);
        else await flags.planAction(key, environment, action as PlanAction, principal, why);
      } catch (err) {
        if (err instanceof AtriumError && err.category === 'user-fixable')
          return refuse(err.status as 400 | 401 | 403 | 404 | 409, err.message, err.hint);
        throw err;
      }
      return c.redirect(
        `${site.basePath}catalog/${encodeURIComponent(namespace.toLowerCase())}/flag/${encodeURIComponent(name.toLowerCase())}/`,
        303,
      );
    },
  );
}
