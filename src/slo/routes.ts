import { createRoute, z } from '@hono/zod-openapi';
import type { TypedResponse } from 'hono';
import type { JSONParsed } from 'hono/utils/types';
import { BEARER_SECURITY, principalOf, requireScope } from '../auth/middleware.ts';
import type { TokenService } from '../auth/service.ts';
import { CONTROL_CHARACTER, knownEntityKeyOf } from '../catalog/entity-key.ts';
import { idempotencyKeyOf } from '../changes/service.ts';
import { admit, shed } from '../platform/admission.ts';
import { refKey } from '../platform/entity-ref.ts';
import { AtriumError } from '../platform/errors.ts';
import type { App } from '../platform/http/app.ts';
import { bodyLimit } from '../platform/http/body-limit.ts';
import { describedProblem, problemResponses } from '../platform/http/problem-responses.ts';
import { AlertListItemSchema, EventBatchSchema, EventsAcceptedSchema, MAX_EVENTS, SloStatusSchema } from './schema.ts';
import type { SloService } from './service.ts';

const JSON_TYPE = 'application/json';
/** 10,000 events of about 70 bytes each, with room for whitespace. */
const MAX_EVENTS_BYTES = 2 * 1024 * 1024;
const eventsLimit = bodyLimit(
  MAX_EVENTS_BYTES,
  `Split the events (up to ${MAX_EVENTS.toLocaleString('en')} and 2 MiB a request).`,
);

/** A namespace or name from the path: refused (400) with a control character, which no entity's holds. */
const pathWord = z
  .string()
  .min(1)
  .max(63)
  .refine((s) => !CONTROL_CHARACTER.test(s), 'control characters are not allowed');
const SloParams = z.object({
  namespace: pathWord.openapi({ example: 'default' }),
  name: pathWord.openapi({ example: 'shipments-availability' }),
});

const sloKeyOf = (p: { namespace: string; name: string }) =>
  refKey({ kind: 'slo', namespace: p.namespace, name: p.name });

export function registerSloRoutes(
  app: App,
  slos: SloService,
  tokens: TokenService,
  catalogHas: (key: string) => Promise<boolean>,
): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/slos/{namespace}/{name}/events',
      tags: ['SLOs'],
      summary: 'Push good and total events of an SLO',
      description:
        'Adds counts to an SLO declared with `indicator: { events: {} }`, summed per minute. Needs a token with `slis:write`. Times may run at most 5 minutes ahead of the server and no further back than the SLO keeps events (two windows). With an `Idempotency-Key`, a retry by the same token returns the first response (header `Idempotent-Replayed: true`) and adds nothing. A batch is written whole or not at all.',
      security: BEARER_SECURITY,
      middleware: [shed(slos.writes), requireScope(tokens, 'slis:write'), eventsLimit, admit(slos.writes)] as const,
      request: {
        params: SloParams,
        headers: z.object({
          'idempotency-key': z.string().optional().openapi({
            description: 'A unique key per logical write (1–255 printable ASCII), as for deployments.',
          }),
        }),
        body: { required: true, content: { [JSON_TYPE]: { schema: EventBatchSchema } } },
      },
      responses: {
        202: { description: 'Added (or replayed)', content: { [JSON_TYPE]: { schema: EventsAcceptedSchema } } },
        ...problemResponses(400, 401, 403, 404, 413, 500),
        409: describedProblem('The SLO does not read pushed events'),
        422: describedProblem('Times out of range, or an Idempotency-Key reused for another request; nothing written'),
        429: describedProblem('At capacity: nothing written; retry after Retry-After seconds with the same key'),
      },
    }),
    async (c) => {
      const result = await slos.recordEvents(
        sloKeyOf(c.req.valid('param')),
        c.req.routePath,
        c.req.valid('json').events,
        principalOf(c),
        idempotencyKeyOf(c.req.header('idempotency-key')),
      );
      const headers: Record<string, string> = { 'content-type': JSON_TYPE };
      if (result.replayed) headers['idempotent-replayed'] = 'true';
      // Hono's TypedResponse is a type-level brand over Response: the cast restates the route's schema.
      return new Response(result.body, { status: result.status, headers }) as unknown as TypedResponse<
        JSONParsed<z.infer<typeof EventsAcceptedSchema>>,
        202,
        'json'
      >;
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/slos',
      tags: ['SLOs'],
      summary: 'SLOs with their status',
      description: 'Every SLO (filtered by service or owner), worst budget first, one page at a time.',
      request: {
        query: z.object({
          service: z.string().min(1).max(255).optional().openapi({ example: 'component:default/shipment-service' }),
          owner: z.string().min(1).max(255).optional().openapi({ example: 'group:default/logistics' }),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
        }),
      },
      responses: {
        200: {
          description: 'A page of SLOs',
          content: {
            [JSON_TYPE]: {
              schema: z.object({ items: z.array(SloStatusSchema), total: z.number().int() }).openapi('SloPage'),
            },
          },
        },
        ...problemResponses(400, 404, 500),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const filter = {
        ...(q.service ? { service: await knownEntityKeyOf(q.service, 'service', catalogHas) } : {}),
        ...(q.owner ? { owner: await knownEntityKeyOf(q.owner, 'owner', catalogHas) } : {}),
      };
      return c.json(await slos.list(filter, q.limit, q.offset), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/slos/{namespace}/{name}',
      tags: ['SLOs'],
      summary: "An SLO's status",
      description:
        'Objective, SLI, `budgetRemaining` (1 untouched, negative overspent), `burnRates` per window (5m … 3d) and `alerts` (severity page or ticket, state firing or resolved, since), as of the last evaluation.',
      request: { params: SloParams },
      responses: {
        200: { description: 'The status', content: { [JSON_TYPE]: { schema: SloStatusSchema } } },
        ...problemResponses(404, 500),
      },
    }),
    async (c) => {
      const key = sloKeyOf(c.req.valid('param'));
      const status = await slos.status(key);
      if (!status)
        throw new AtriumError({
          category: 'user-fixable',
          code: 'slo-not-found',
          status: 404,
          message: `No SLO ${key} in the catalog`,
          hint: 'SLOs are catalog entities of kind SLO (apiVersion atrium.dev/v1); list them with GET /api/v1/slos.',
        });
      return c.json(status, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/alerts',
      tags: ['SLOs'],
      summary: 'SLO alerts',
      description: 'Alerts of every SLO in one state (firing by default), newest first.',
      request: { query: z.object({ state: z.enum(['firing', 'resolved']).default('firing') }) },
      responses: {
        200: {
          description: 'The alerts',
          content: {
            [JSON_TYPE]: { schema: z.object({ items: z.array(AlertListItemSchema) }).openapi('SloAlertList') },
          },
        },
        ...problemResponses(400, 500),
      },
    }),
    async (c) => c.json({ items: await slos.alerts(c.req.valid('query').state) }, 200),
  );
}
