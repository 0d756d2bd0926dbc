import { createRoute, z } from '@hono/zod-openapi';
import { BEARER_SECURITY, principalOf, requireScope } from '../auth/middleware.ts';
import type { TokenService } from '../auth/service.ts';
import { knownEntityKeyOf } from '../catalog/entity-key.ts';
import { refKey } from '../platform/entity-ref.ts';
import { AtriumError } from '../platform/errors.ts';
import type { App } from '../platform/http/app.ts';
import { bodyLimit } from '../platform/http/body-limit.ts';
import { describedProblem, problemResponses } from '../platform/http/problem-responses.ts';
import { idempotencyKeyOf } from '../changes/service.ts';
import { CHECK_STATUSES } from './model.ts';
import {
  CheckResultPageSchema,
  CheckStatusSchema,
  MaintenanceInputSchema,
  MaintenanceListSchema,
  MaintenanceWindowSchema,
} from './schema.ts';
import type { CheckService } from './service.ts';

const JSON_TYPE = 'application/json';

const CheckParams = z.object({
  namespace: z.string().min(1).max(63).openapi({ example: 'default' }),
  name: z.string().min(1).max(63).openapi({ example: 'shipments-health' }),
});

const maintenanceLimit = bodyLimit(
  1024,
  'A maintenance window is a start, an end and a reason of at most 200 characters.',
);
const idempotencyHeader = z.object({
  'idempotency-key': z.string().optional().openapi({
    description:
      'A unique key per logical write (1–255 printable ASCII), as for deployments: a retry answers the first response.',
  }),
});

const checkKeyOf = (p: { namespace: string; name: string }) =>
  refKey({ kind: 'check', namespace: p.namespace, name: p.name });

/** A results cursor: the last run's time (ms) and id, as `<ms>.<run id>`. */
const CURSOR = /^(\d{1,15})\.([A-Za-z0-9:_-]{1,100})$/;

function cursorOf(text: string | undefined): { atMs: number; runId: string } | undefined {
  if (text === undefined) return undefined;
  const match = CURSOR.exec(text);
  if (!match)
    throw new AtriumError({
      category: 'user-fixable',
      code: 'invalid-request',
      status: 400,
      message: 'Invalid request: before: not a cursor this API handed out',
      hint: 'Pass the `next` of the previous page as it was, or leave before out for the newest runs.',
    });
  return { atMs: Number(match[1]), runId: match[2] as string };
}

export function registerCheckRoutes(
  app: App,
  checks: CheckService,
  tokens: TokenService,
  catalogHas: (key: string) => Promise<boolean>,
): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/checks',
      tags: ['Checks'],
      summary: 'Synthetic checks with their status',
      description: 'Every check (filtered by service, owner or status), in name order, one page at a time.',
      request: {
        query: z.object({
          service: z.string().min(1).max(255).optional().openapi({ example: 'component:default/shipment-service' }),
          owner: z.string().min(1).max(255).optional().openapi({ example: 'group:default/logistics' }),
          status: z.enum(CHECK_STATUSES).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
        }),
      },
      responses: {
        200: {
          description: 'A page of checks',
          content: {
            [JSON_TYPE]: {
              schema: z.object({ items: z.array(CheckStatusSchema), total: z.number().int() }).openapi('CheckPage'),
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
        ...(q.status ? { status: q.status } : {}),
      };
      return c.json(await checks.list(filter, q.limit, q.offset), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/checks/{namespace}/{name}',
      tags: ['Checks'],
      summary: "A check's status",
      description:
        '`status` (pending, passing, degraded, failing) over its locations (k of n: `failingLocations`), and each location with its `status`, `lastRunAt` and last failure.',
      request: { params: CheckParams },
      responses: {
        200: { description: 'The status', content: { [JSON_TYPE]: { schema: CheckStatusSchema } } },
        ...problemResponses(404, 500),
      },
    }),
    async (c) => c.json(await checks.found(checkKeyOf(c.req.valid('param'))), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/checks/{namespace}/{name}/results',
      tags: ['Checks'],
      summary: "A check's runs",
      description:
        'Runs at every location, newest first: verdict, timings (DNS, connect, TLS, first byte, total), assertion outcomes, and for failing HTTP runs a bounded excerpt of the body. Runs are kept 14 days (hourly sums longer).',
      request: {
        params: CheckParams,
        query: z.object({
          limit: z.coerce.number().int().min(1).max(500).default(50),
          before: z.string().max(200).optional().openapi({ description: 'The `next` of the previous page.' }),
        }),
      },
      responses: {
        200: { description: 'A page of runs', content: { [JSON_TYPE]: { schema: CheckResultPageSchema } } },
        ...problemResponses(400, 404, 500),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const items = await checks.results(checkKeyOf(c.req.valid('param')), q.limit + 1, cursorOf(q.before));
      const page = items.slice(0, q.limit);
      const last = page.at(-1);
      return c.json(
        {
          items: page,
          ...(items.length > q.limit && last ? { next: `${Date.parse(last.at)}.${last.runId}` } : {}),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/checks/{namespace}/{name}/maintenance',
      tags: ['Checks'],
      summary: "A check's maintenance windows",
      description:
        'Windows not yet ended, the earliest first: those written in the catalog (`source: catalog`, no id) and those added through this API (`source: api`). While one is open, runs are recorded and statuses move, but no alert is sent.',
      request: { params: CheckParams },
      responses: {
        200: { description: 'The windows', content: { [JSON_TYPE]: { schema: MaintenanceListSchema } } },
        ...problemResponses(404, 500),
      },
    }),
    async (c) => c.json({ items: await checks.maintenance(checkKeyOf(c.req.valid('param'))) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/checks/{namespace}/{name}/maintenance',
      tags: ['Checks'],
      summary: 'Add a maintenance window to a check',
      description:
        '`{"start", "end", "reason"?}`, ISO 8601 with a zone: alerts are held while it is open, exactly as for a catalog window; runs are still recorded. The end must be after the start and after now, at most 31 days after the start, and the start within a year; at most 50 windows not yet ended per check. Needs a token with `checks:write`. With an `Idempotency-Key`, a retry answers the first response (header `Idempotent-Replayed: true`).',
      security: BEARER_SECURITY,
      middleware: [requireScope(tokens, 'checks:write'), maintenanceLimit] as const,
      request: {
        params: CheckParams,
        headers: idempotencyHeader,
        body: { required: true, content: { [JSON_TYPE]: { schema: MaintenanceInputSchema } } },
      },
      responses: {
        201: { description: 'Added (or replayed)', content: { [JSON_TYPE]: { schema: MaintenanceWindowSchema } } },
        ...problemResponses(400, 401, 403, 404, 413, 500),
        409: describedProblem('The check has 50 windows not yet ended'),
        422: describedProblem(
          'Not a window (bad time, end not after start or in the past, too long, too far ahead), or an Idempotency-Key reused for another request',
        ),
      },
    }),
    async (c) => {
      const result = await checks.addMaintenance(
        checkKeyOf(c.req.valid('param')),
        c.req.valid('json'),
        principalOf(c),
        idempotencyKeyOf(c.req.header('idempotency-key')),
      );
      if (result.replayed) c.header('idempotent-replayed', 'true');
      return c.json(result.window, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/checks/{namespace}/{name}/maintenance/{id}',
      tags: ['Checks'],
      summary: 'Remove a maintenance window of a check',
      description:
        'Removes a window added through the API (a catalog window is removed from the catalog). Alerts resume at the next run that finds the check failing. Needs a token with `checks:write`. With an `Idempotency-Key`, a retry answers 204 again.',
      security: BEARER_SECURITY,
      middleware: [requireScope(tokens, 'checks:write'), maintenanceLimit] as const,
      request: {
        params: CheckParams.extend({ id: z.string().min(1).max(20).openapi({ example: '12' }) }),
        headers: idempotencyHeader,
      },
      responses: {
        204: { description: 'Removed (or replayed)' },
        ...problemResponses(400, 401, 403, 404, 413, 500),
        422: describedProblem('An Idempotency-Key reused for another request'),
      },
    }),
    async (c) => {
      const { id, ...check } = c.req.valid('param');
      const result = await checks.removeMaintenance(
        checkKeyOf(check),
        id,
        principalOf(c),
        idempotencyKeyOf(c.req.header('idempotency-key')),
      );
      if (result.replayed) c.header('idempotent-replayed', 'true');
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/checks/{namespace}/{name}/results/{runId}/screenshot',
      tags: ['Checks'],
      summary: "A failing browser run's screenshot",
      description:
        'The page as a failing browser check left it (JPEG, at most 128 KiB, secrets blanked from its text and fields first). Each check keeps the screenshots of its newest 20 failing runs, for 14 days; a result with `screenshot: true` has one.',
      request: {
        params: CheckParams.extend({
          runId: z
            .string()
            .regex(/^[A-Za-z0-9:_-]{1,100}$/)
            .openapi({ example: '01JEXAMPLE' }),
        }),
      },
      responses: {
        200: {
          description: 'The screenshot',
          content: { 'image/jpeg': { schema: z.string().openapi({ format: 'binary' }) } },
        },
        ...problemResponses(400, 404, 500),
      },
    }),
    async (c) => {
      const params = c.req.valid('param');
      const shot = await checks.screenshot(checkKeyOf(params), params.runId);
      return c.body(new Uint8Array(shot.data), 200, {
        'content-type': shot.mediaType,
        'cache-control': 'private, max-age=86400, immutable',
      });
    },
  );
}
