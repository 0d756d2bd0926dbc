import { createRoute, z } from '@hono/zod-openapi';
import type { TypedResponse } from 'hono';
import type { JSONParsed } from 'hono/utils/types';
import { BEARER_SECURITY, principalOf, requireScope } from '../auth/middleware.ts';
import type { TokenService } from '../auth/service.ts';
import { idempotencyKeyOf } from '../changes/service.ts';
import type { App } from '../platform/http/app.ts';
import { bodyLimit } from '../platform/http/body-limit.ts';
import { describedProblem, problemResponses } from '../platform/http/problem-responses.ts';
import { refKey } from '../platform/entity-ref.ts';
import { OnCallAnswerSchema, OverrideInputSchema, OverrideSchema } from './schema.ts';
import type { OnCallService } from './service.ts';

const JSON_TYPE = 'application/json';
/** An override is a few hundred bytes. */
const overrideLimit = bodyLimit(16 * 1024, 'An override is a user, two times and a reason.');

const name = z.string().min(1).max(63);
const RotationParams = z.object({
  namespace: name.openapi({ example: 'default' }),
  name: name.openapi({ example: 'checkout-primary' }),
});
const rotationKeyOf = (p: { namespace: string; name: string }) => refKey({ kind: 'rotation', ...p });

export function registerOnCallRoutes(app: App, oncall: OnCallService, tokens: TokenService): void {
  const write = requireScope(tokens, 'oncall:write');

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/entities/{kind}/{namespace}/{name}/oncall',
      tags: ['On call'],
      summary: 'Who is on call for an entity now',
      description:
        "Computed by Atrium from the catalog's rotations and the overrides set: for a service (or API, resource, system) its owner's rotations, else its system's owner's; for a team its own; for a rotation itself. Each escalation level's person, until when, and who is next. `plan` is what the answer was computed from (the portal's script computes from it). When the entity or its owner names a PagerDuty or Opsgenie schedule (`pagerduty.com/schedule-id`, `pagerduty.com/service-id`, `opsgenie.com/schedule-id`, `opsgenie.com/schedule-name`) and atrium.yaml configures that API, the answer is read from it (`source`, no `plan`), at most a minute old; `read` says when, and whether the latest read failed (the last known answer is then given).",
      request: {
        params: RotationParams.extend({ kind: name.openapi({ example: 'component' }) }),
      },
      responses: {
        200: {
          description: 'The answer',
          content: {
            [JSON_TYPE]: {
              schema: OnCallAnswerSchema.extend({
                plan: z.unknown().optional().openapi({
                  description: "The rotations and overrides the answer was computed from (Atrium's answers).",
                }),
              }),
            },
          },
        },
        ...problemResponses(400, 404, 500),
      },
    }),
    async (c) => {
      const { answer, plan } = await oncall.answer(refKey(c.req.valid('param')));
      return c.json({ ...answer, plan }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/rotations/{namespace}/{name}/overrides',
      tags: ['On call'],
      summary: "A rotation's overrides",
      description:
        'The overrides still to end, oldest first; with `removed=true` the removed ones too (with who removed them and why).',
      request: {
        params: RotationParams,
        query: z.object({ removed: z.enum(['true', 'false']).optional() }),
      },
      responses: {
        200: {
          description: 'The overrides',
          content: { [JSON_TYPE]: { schema: z.object({ items: z.array(OverrideSchema) }) } },
        },
        ...problemResponses(400, 404, 500),
      },
    }),
    async (c) => {
      const items = await oncall.overrides(
        rotationKeyOf(c.req.valid('param')),
        c.req.valid('query').removed === 'true',
      );
      return c.json({ items }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/rotations/{namespace}/{name}/overrides',
      tags: ['On call'],
      summary: 'Put someone on call for a time',
      description:
        'Needs a token with `oncall:write` (its name is recorded as `createdBy`). The user must be a catalog User; `until` after `from`, at most 90 days later and in the future. Of overlapping overrides the newest wins. With an `Idempotency-Key`, a retry returns the first response (header `Idempotent-Replayed: true`) and writes nothing.',
      security: BEARER_SECURITY,
      middleware: [write, overrideLimit] as const,
      request: {
        params: RotationParams,
        headers: z.object({
          'idempotency-key': z.string().optional().openapi({ description: 'A unique key per logical write.' }),
        }),
        body: { required: true, content: { [JSON_TYPE]: { schema: OverrideInputSchema } } },
      },
      responses: {
        201: { description: 'Set (or replayed)', content: { [JSON_TYPE]: { schema: OverrideSchema } } },
        ...problemResponses(400, 401, 403, 404, 413, 500),
        422: describedProblem('Unknown user, a bad time range, or an Idempotency-Key reused; field-level `errors`'),
      },
    }),
    async (c) => {
      const result = await oncall.addOverride(
        c.req.routePath,
        rotationKeyOf(c.req.valid('param')),
        c.req.valid('json'),
        principalOf(c),
        idempotencyKeyOf(c.req.header('idempotency-key')),
      );
      const headers: Record<string, string> = { 'content-type': JSON_TYPE };
      if (result.replayed) headers['idempotent-replayed'] = 'true';
      // Hono's TypedResponse is a type-level brand over Response: the cast restates the route's schema.
      return new Response(result.body, { status: 201, headers }) as unknown as TypedResponse<
        JSONParsed<z.infer<typeof OverrideSchema>>,
        201,
        'json'
      >;
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/rotations/{namespace}/{name}/overrides/{id}',
      tags: ['On call'],
      summary: 'Remove an override',
      description:
        'Needs `oncall:write`. The override stays in the record with who removed it, when and why; removing it again answers the same record.',
      security: BEARER_SECURITY,
      middleware: [write] as const,
      request: {
        params: RotationParams.extend({ id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }),
        query: z.object({
          reason: z
            .string()
            .min(1)
            .max(500)
            .regex(/^[^\u0000-\u001f\u007f]*$/, 'must be one line of printable text')
            .openapi({ description: 'Why (kept in the record).' }),
        }),
      },
      responses: {
        200: { description: 'Removed', content: { [JSON_TYPE]: { schema: OverrideSchema } } },
        ...problemResponses(400, 401, 403, 404, 500),
      },
    }),
    async (c) => {
      const { id, ...rotation } = c.req.valid('param');
      const removed = await oncall.removeOverride(
        rotationKeyOf(rotation),
        id,
        principalOf(c),
        c.req.valid('query').reason,
      );
      return c.json(removed, 200);
    },
  );
}
