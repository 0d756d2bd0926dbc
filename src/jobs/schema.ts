import { z } from '@hono/zod-openapi';
import { CONCURRENCY_POLICIES, MAX_RUN_OUTPUT, RUN_STATUSES } from './model.ts';

/** The jobs API's request and response shapes (OpenAPI through the route kit). */

/** The longest log a ping carries: its tail is what a page shows. */
export const MAX_PING_LOG = 64 * 1024;

/** A namespace or name as the catalog spells them (letters, digits, `-`, `_`, `.`): anything else is a 400 before a lookup. */
const ENTITY_WORD = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export const JobParamsSchema = z.object({
  namespace: z.string().regex(ENTITY_WORD).openapi({ example: 'default' }),
  name: z.string().regex(ENTITY_WORD).openapi({ example: 'nightly-rate-import' }),
});

export const JobRunSchema = z
  .object({
    tick: z
      .string()
      .openapi({ description: 'The tick the run belongs to (ISO 8601); a run now’s is when it was asked for.' }),
    status: z.enum(RUN_STATUSES),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    runner: z
      .string()
      .nullable()
      .openapi({ description: 'The runner that ran it; null for heartbeat, missed and skipped runs.' }),
    attempt: z.number().int(),
    trigger: z.enum(['schedule', 'catch-up', 'manual']),
    summary: z.string().nullable(),
    output: z
      .string()
      .nullable()
      .openapi({ description: `The end of the output, at most ${MAX_RUN_OUTPUT} characters.` }),
  })
  .openapi('JobRun');

export const JobRunListSchema = z.object({ items: z.array(JobRunSchema) }).openapi('JobRunList');

export const JobSchema = z
  .object({
    key: z.string(),
    namespace: z.string(),
    name: z.string(),
    title: z.string().optional(),
    service: z.string(),
    owner: z.string(),
    schedule: z.string(),
    scheduleInWords: z.string().optional(),
    timeZone: z.string(),
    action: z.enum(['http', 'command', 'heartbeat']),
    concurrencyPolicy: z.enum(CONCURRENCY_POLICIES),
    suspended: z.boolean(),
    nextRunAt: z.string().nullable(),
    lastRun: JobRunSchema.nullable(),
  })
  .openapi('Job');

export const JobListSchema = z.object({ items: z.array(JobSchema) }).openapi('JobList');

export const PingSchema = z
  .object({
    event: z.enum(['start', 'success', 'fail']),
    log: z
      .string()
      .max(MAX_PING_LOG)
      .optional()
      .openapi({ description: 'An excerpt of the job’s output; its tail is kept.' }),
  })
  .openapi('JobPing', { description: 'A heartbeat ping from a job that runs elsewhere (its crontab).' });

export const PingAcceptedSchema = z
  .object({ job: z.string(), event: z.enum(['start', 'success', 'fail']), run: JobRunSchema.nullable() })
  .openapi('JobPingAccepted');

export const JobActionResultSchema = z
  .object({
    job: z.string(),
    action: z.enum(['run-now', 'suspend', 'resume', 'cancel']),
    tick: z.number().int().optional().openapi({ description: 'A run now’s tick (ms since the epoch).' }),
    cancelled: z.number().int().optional().openapi({ description: 'How many unfinished runs a cancel ended.' }),
    replayed: z.boolean(),
  })
  .openapi('JobActionResult');
