import { createRoute, z } from '@hono/zod-openapi';
import type { TypedResponse } from 'hono';
import type { JSONParsed } from 'hono/utils/types';
import { BEARER_SECURITY, principalOf, requireScope } from '../auth/middleware.ts';
import type { TokenService } from '../auth/service.ts';
import { knownEntityKeyOf } from '../catalog/entity-key.ts';
import { idempotencyKeyOf } from '../changes/service.ts';
import { admit, shed } from '../platform/admission.ts';
import { refKey } from '../platform/entity-ref.ts';
import type { App } from '../platform/http/app.ts';
import { bodyLimit } from '../platform/http/body-limit.ts';
import { describedProblem, problemResponses } from '../platform/http/problem-responses.ts';
import { scheduleInWords } from './schedule.ts';
import {
  JobActionResultSchema,
  JobListSchema,
  JobParamsSchema,
  JobRunListSchema,
  MAX_PING_LOG,
  PingAcceptedSchema,
  PingSchema,
} from './schema.ts';
import { type JobAction, type JobService, runItemOf } from './service.ts';

const JSON_TYPE = 'application/json';
const pingLimit = bodyLimit(MAX_PING_LOG * 2, `Send at most ${MAX_PING_LOG / 1024} KiB of log with a ping (its tail).`);
const actionLimit = bodyLimit(1024, 'Actions take no body.');
const ACTIONS: readonly { action: JobAction; summary: string; description: string }[] = [
  {
    action: 'run-now',
    summary: 'Run a job now',
    description:
      'Orders a run now, beside its schedule (its concurrency policy applies: Replace cancels unfinished runs first). Not for heartbeat jobs (409).',
  },
  {
    action: 'suspend',
    summary: 'Suspend a job',
    description:
      'No tick is ordered until it is resumed; its ticks meanwhile pass unrecorded (no catch-up flood on resume). Overrides the catalog’s `suspend`.',
  },
  {
    action: 'resume',
    summary: 'Resume a job',
    description: 'Ticks are ordered again from the next one. Overrides the catalog’s `suspend`.',
  },
  {
    action: 'cancel',
    summary: 'Cancel a job’s unfinished runs',
    description: 'Queued runs are cancelled; a running one’s runner learns it at its next lease renewal and stops it.',
  },
];

/** An entity reference in a query; one with a control character is a 400 from entityKeyOf, before any lookup. */
const entityRefParam = z.string().min(1).max(255);
const jobKeyOf = (p: { namespace: string; name: string }) =>
  refKey({ kind: 'job', namespace: p.namespace, name: p.name });
const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
const idempotencyHeader = z.object({
  'idempotency-key': z.string().optional().openapi({
    description:
      'A unique key per logical write (1–255 printable ASCII), as for deployments: a retry answers the first response.',
  }),
});

/** The jobs API: the list, a job's runs, heartbeat pings and the actions, all in the OpenAPI document. */
export function registerJobRoutes(
  app: App,
  jobs: JobService,
  tokens: TokenService,
  catalogHas: (key: string) => Promise<boolean>,
): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/jobs',
      tags: ['Jobs'],
      summary: 'Scheduled jobs with their next and last runs',
      request: {
        query: z.object({
          service: entityRefParam.optional().openapi({ example: 'component:default/rate-card-importer' }),
          owner: entityRefParam.optional().openapi({ example: 'group:default/pricing' }),
        }),
      },
      responses: {
        200: { description: 'The jobs', content: { [JSON_TYPE]: { schema: JobListSchema } } },
        ...problemResponses(400, 404, 500),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const filter = {
        ...(q.service ? { service: await knownEntityKeyOf(q.service, 'service', catalogHas) } : {}),
        ...(q.owner ? { owner: await knownEntityKeyOf(q.owner, 'owner', catalogHas) } : {}),
      };
      const items = (await jobs.list(filter)).map((j) => {
        const words = scheduleInWords(j.schedule);
        return {
          key: j.key,
          namespace: j.namespace,
          name: j.name,
          ...(j.title ? { title: j.title } : {}),
          service: j.service,
          owner: j.owner,
          schedule: j.schedule,
          ...(words ? { scheduleInWords: words } : {}),
          timeZone: j.timeZone,
          action: j.action,
          concurrencyPolicy: j.concurrencyPolicy,
          suspended: j.suspended,
          nextRunAt: iso(j.nextRunAt),
          lastRun: j.lastRun ? runItemOf(j.lastRun) : null,
        };
      });
      return c.json({ items }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/jobs/{namespace}/{name}/runs',
      tags: ['Jobs'],
      summary: 'A job’s runs, newest first',
      description:
        'Each run: `tick`, `status` (queued, running, success, failed, missed, skipped, cancelled), `startedAt`, `finishedAt`, `runner`, and its attempt, trigger, summary and output excerpt.',
      request: {
        params: JobParamsSchema,
        query: z.object({
          limit: z.coerce.number().int().min(1).max(500).default(50),
          before: z.iso
            .datetime({ offset: true })
            .optional()
            .openapi({ description: 'Runs of ticks before this (the next page).' }),
        }),
      },
      responses: {
        200: { description: 'The runs', content: { [JSON_TYPE]: { schema: JobRunListSchema } } },
        ...problemResponses(400, 404, 500),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const runs = await jobs.runs(
        jobKeyOf(c.req.valid('param')),
        q.limit,
        q.before ? Date.parse(q.before) : undefined,
      );
      return c.json({ items: runs.map(runItemOf) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/jobs/{namespace}/{name}/runs',
      tags: ['Jobs'],
      summary: 'Heartbeat ping of a job that runs elsewhere',
      description:
        '`{"event": "start" | "success" | "fail", "log"?: "…"}` from the job itself (its crontab line, healthchecks.io-style). Needs a token with `jobs:write`. `start` begins the run of the latest tick (up to a minute early counts for the coming one); `success` and `fail` end it. No start within the job’s grace after a tick makes the run missed. With an `Idempotency-Key`, a retry answers the first response (header `Idempotent-Replayed: true`).',
      security: BEARER_SECURITY,
      middleware: [shed(jobs.writes), requireScope(tokens, 'jobs:write'), pingLimit, admit(jobs.writes)] as const,
      request: {
        params: JobParamsSchema,
        headers: idempotencyHeader,
        body: { required: true, content: { [JSON_TYPE]: { schema: PingSchema } } },
      },
      responses: {
        202: { description: 'Recorded (or replayed)', content: { [JSON_TYPE]: { schema: PingAcceptedSchema } } },
        ...problemResponses(400, 401, 403, 404, 413, 500),
        409: describedProblem('The job is not a heartbeat job'),
        422: describedProblem('An Idempotency-Key reused for another request; nothing written'),
        429: describedProblem('At capacity: nothing written; retry after Retry-After seconds with the same key'),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const result = await jobs.ping(
        jobKeyOf(c.req.valid('param')),
        body.event,
        body.log,
        principalOf(c),
        idempotencyKeyOf(c.req.header('idempotency-key')),
      );
      const headers: Record<string, string> = { 'content-type': JSON_TYPE };
      if (result.replayed) headers['idempotent-replayed'] = 'true';
      // Hono's TypedResponse is a type-level brand over Response: the cast restates the route's schema.
      return new Response(result.body, { status: result.status, headers }) as unknown as TypedResponse<
        JSONParsed<z.infer<typeof PingAcceptedSchema>>,
        202,
        'json'
      >;
    },
  );

  for (const { action, summary, description } of ACTIONS)
    app.openapi(
      createRoute({
        method: 'post',
        path: `/api/v1/jobs/{namespace}/{name}/${action}`,
        tags: ['Jobs'],
        summary,
        description: `${description} Needs a token with \`jobs:write\`; recorded on the service’s timeline. With an \`Idempotency-Key\`, a retry answers the first response and does not act again.`,
        security: BEARER_SECURITY,
        middleware: [shed(jobs.writes), requireScope(tokens, 'jobs:write'), actionLimit, admit(jobs.writes)] as const,
        request: { params: JobParamsSchema, headers: idempotencyHeader },
        responses: {
          200: { description: 'Done (or replayed)', content: { [JSON_TYPE]: { schema: JobActionResultSchema } } },
          ...problemResponses(400, 401, 403, 404, 413, 500),
          409: describedProblem('Not possible for this job (run now of a heartbeat job)'),
          422: describedProblem('An Idempotency-Key reused for another request'),
          429: describedProblem('At capacity: retry after Retry-After seconds with the same key'),
        },
      }),
      async (c) => {
        const result = await jobs.act(
          jobKeyOf(c.req.valid('param')),
          action,
          principalOf(c),
          idempotencyKeyOf(c.req.header('idempotency-key')),
        );
        if (result.replayed) c.header('idempotent-replayed', 'true');
        return c.json(result, 200);
      },
    );
}
