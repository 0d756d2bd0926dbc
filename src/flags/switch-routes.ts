import { createRoute, z } from '@hono/zod-openapi';
import { BEARER_SECURITY, principalOf, requireScope } from '../auth/middleware.ts';
import type { TokenService } from '../auth/service.ts';
import { TOKEN_NAME_SCOPES } from '../auth/token.ts';
import { A_TOKEN } from '../changes/model.ts';
import { entityKeyOf } from '../catalog/entity-key.ts';
import { refKey } from '../catalog/model.ts';
import type { App } from '../platform/http/app.ts';
import { bodyLimit } from '../platform/http/body-limit.ts';
import { describedProblem, type ProblemResponse, problemResponses } from '../platform/http/problem-responses.ts';
import { PLAN_ACTIONS, type PlanAction } from './release-plan.ts';
import type { FlagService } from './service.ts';

/** A switch is a flag, an environment and a reason: a few hundred bytes. */
const SWITCH_MAX_BYTES = 4096;

const FlagParams = z.object({
  namespace: z.string().min(1).max(63).openapi({ example: 'default' }),
  name: z.string().min(1).max(63).openapi({ example: 'one-page-checkout' }),
});
/** Why a switch was made: one line, stored with it (the API, the CLI's --reason and the flag page's form). */
export const SwitchReason = z
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
    setBy: z.string().optional().openapi({
      description:
        'The token that set the switch: its name with a token with deployments:write, changes:write or flags:write, otherwise `a token`.',
    }),
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
const PlanPositionSchema = z
  .object({
    milestone: z.number().int(),
    name: z.string(),
    of: z.number().int(),
    since: z.string(),
    paused: z.boolean(),
  })
  .openapi('ReleasePlanPosition');

const noSuchFlag = { 404: describedProblem('No such flag') };
const switchProblems = {
  ...problemResponses(400, 401, 413),
  403: describedProblem('The token lacks the scope (flags:write)'),
  ...noSuchFlag,
};

const flagKey = (p: { namespace: string; name: string }) =>
  refKey({ kind: 'Flag', namespace: p.namespace, name: p.name });

const FlagsOfRoute = createRoute({
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
    ...problemResponses(400),
  },
});

const FlagSwitchesRoute = createRoute({
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
    ...problemResponses(400, 401, 403),
    ...noSuchFlag,
  },
});

interface SwitchRouteSpec<P extends z.ZodObject, B extends z.ZodRawShape, R extends z.ZodType> {
  method: 'put' | 'post';
  path: string;
  summary: string;
  description: string;
  params: P;
  /** The body's fields besides the optional `reason` every switch takes. */
  body: B;
  /** What a body should look like: the hint of the 413 for one too large. */
  bodyHint: string;
  result: { description: string; schema: R };
  /** For a route that can refuse a change the flag's state does not allow: what its 409 means. */
  conflict?: ProblemResponse;
}

/**
 * A route that changes a flag's switches: a flag (and environment) in the path, a strict
 * JSON body with an optional reason, a `flags:write` token, and the result on a 200.
 */
function switchRoute<P extends z.ZodObject, B extends z.ZodRawShape, R extends z.ZodType>(
  spec: SwitchRouteSpec<P, B, R>,
) {
  const route = createRoute({
    method: spec.method,
    path: spec.path,
    tags: ['Feature flags'],
    summary: spec.summary,
    description: spec.description,
    security: BEARER_SECURITY,
    request: {
      params: spec.params,
      body: {
        required: true,
        content: {
          'application/json': { schema: z.object({ ...spec.body, reason: SwitchReason.optional() }).strict() },
        },
      },
    },
    responses: {
      200: { description: spec.result.description, content: { 'application/json': { schema: spec.result.schema } } },
      ...(spec.conflict ? { 409: spec.conflict } : {}),
      ...switchProblems,
    },
  });
  return { route, bodyHint: spec.bodyHint };
}

const EnvironmentParams = FlagParams.extend({ environment: z.string().min(1).max(63) });

const SetEnabledRoute = switchRoute({
  method: 'put',
  path: '/api/v1/flags/{namespace}/{name}/environments/{environment}',
  summary: 'Turn a flag on or off',
  description:
    "Sets the flag's switch in one environment over what its file declares; SDKs get it on their next poll. Recorded on the flag's timeline (and so its service's and team's) with who, from what and to what. Needs `flags:write`.",
  params: FlagParams.extend({ environment: z.string().min(1).max(63).openapi({ example: 'production' }) }),
  body: { enabled: z.boolean() },
  bodyHint: 'A switch is {"enabled": true|false, "reason": "..."}.',
  result: { description: 'Switched (or already so: `changed` false)', schema: SwitchResultSchema },
});

const SetRolloutRoute = switchRoute({
  method: 'put',
  path: '/api/v1/flags/{namespace}/{name}/environments/{environment}/rollout',
  summary: 'Set the rollout percentage',
  description:
    "Sets the percentage of every gradual rollout of the flag in one environment (`null`: back to the strategies' own), at once for the SDKs' next poll; recorded on the flag's timeline. Needs `flags:write`.",
  params: EnvironmentParams,
  body: { percent: z.number().int().min(0).max(100).nullable() },
  bodyHint: 'A rollout is {"percent": 25, "reason": "..."}.',
  result: {
    description: 'Set (or already so: `changed` false)',
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
});

const PlanActionRoute = switchRoute({
  method: 'post',
  path: '/api/v1/flags/{namespace}/{name}/environments/{environment}/release-plan',
  summary: 'Move a release plan',
  description:
    "`start` (at the first milestone, and the flag on), `advance`, `rollback`, `pause` or `resume` the flag's release plan in one environment; recorded on the flag's timeline. A milestone with a set time (`after`) also moves on by itself. Needs `flags:write`.",
  params: EnvironmentParams,
  body: { action: z.enum(PLAN_ACTIONS as [PlanAction, ...PlanAction[]]) },
  bodyHint: 'A plan action is {"action": "advance", "reason": "..."}.',
  result: { description: 'Where the plan stands now', schema: PlanPositionSchema },
  conflict: describedProblem('The flag has no release plan, or the action cannot be done from where the plan stands'),
});

const KillRoute = switchRoute({
  method: 'post',
  path: '/api/v1/flags/{namespace}/{name}/kill',
  summary: 'Kill switch',
  description:
    'Turns the flag off in every environment where it is on, in one call; each switch is recorded. Needs `flags:write`.',
  params: FlagParams,
  body: {},
  bodyHint: 'A kill is {"reason": "..."} or an empty object.',
  result: {
    description: 'The switches made (none when it was off everywhere)',
    schema: z.object({ items: z.array(SwitchResultSchema) }),
  },
});

/** The switch API: a flag's switches per environment, read by anyone and changed with `flags:write`. */
export function registerSwitchRoutes(app: App, flags: FlagService, tokens: TokenService): void {
  const writer = requireScope(tokens, 'flags:write');
  // The token first, as before the split: a caller without one hears 401 whatever body it sent.
  const writing = <T extends object>({ route, bodyHint }: { route: T; bodyHint: string }) => ({
    ...route,
    middleware: [writer, bodyLimit(SWITCH_MAX_BYTES, bodyHint)],
  });

  app.openapi(FlagsOfRoute, async (c) =>
    c.json({ items: await flags.flagsOf(entityKeyOf(c.req.valid('query').entity, 'entity')) }, 200),
  );

  app.openapi(FlagSwitchesRoute, async (c) => {
    const key = flagKey(c.req.valid('param'));
    const named = (await tokens.reader(c.req.header('authorization'), TOKEN_NAME_SCOPES)) !== undefined;
    const environments = await flags.environments(key);
    return c.json(
      {
        flag: key,
        environments: named ? environments : environments.map((e) => (e.setBy ? { ...e, setBy: A_TOKEN } : e)),
      },
      200,
    );
  });

  app.openapi(writing(SetEnabledRoute), async (c) => {
    const params = c.req.valid('param');
    const body = c.req.valid('json');
    return c.json(
      await flags.setEnabled(flagKey(params), params.environment, body.enabled, principalOf(c), body.reason),
      200,
    );
  });

  app.openapi(writing(SetRolloutRoute), async (c) => {
    const params = c.req.valid('param');
    const body = c.req.valid('json');
    return c.json(
      await flags.setRollout(flagKey(params), params.environment, body.percent, principalOf(c), body.reason),
      200,
    );
  });

  app.openapi(writing(PlanActionRoute), async (c) => {
    const params = c.req.valid('param');
    const body = c.req.valid('json');
    return c.json(
      await flags.planAction(flagKey(params), params.environment, body.action, principalOf(c), body.reason),
      200,
    );
  });

  app.openapi(writing(KillRoute), async (c) =>
    c.json({ items: await flags.kill(flagKey(c.req.valid('param')), principalOf(c), c.req.valid('json').reason) }, 200),
  );
}
