import { z } from 'zod';
import type { KindDefinition } from '../catalog/kinds.ts';
import { OWNER_REFERENCE } from '../catalog/relations.ts';
import { MAX_CATCH_UP } from './catch-up.ts';
import { HTTP_METHODS, type JobSpec, jobSpecIssues, MAX_RETRIES } from './job-definition.ts';
import { CONCURRENCY_POLICIES, JOB_API_VERSION } from './model.ts';
import { MAX_SCHEDULE_LENGTH } from './schedule.ts';

/**
 * The catalog's `Job` kind (`apiVersion: atrium.dev/v1`): a scheduled job of one service,
 * declared beside it, replacing a crontab line. Its shape is checked here (every length
 * bounded, so a hostile file costs little); the schedule, zone, durations, the one action
 * and its URLs and names by jobSpecIssues. The service is a reference: a missing one is a
 * dangling reference at its line. Pure.
 */

const text = z.string().min(1).max(200);
const duration = z.string().min(1).max(20);
const methods = [...HTTP_METHODS, ...HTTP_METHODS.map((m) => m.toLowerCase())] as [string, ...string[]];

const jobSpec = z.looseObject({
  service: text,
  owner: text.optional(),
  description: z.string().max(2000).optional(),
  schedule: z
    .string()
    .min(1)
    .max(MAX_SCHEDULE_LENGTH * 2),
  timeZone: z.string().min(1).max(64).optional(),
  concurrencyPolicy: z.enum(CONCURRENCY_POLICIES).optional(),
  startingDeadline: duration.optional(),
  timeout: duration.optional(),
  retries: z.strictObject({ count: z.number().int().min(0).max(MAX_RETRIES), backoff: duration.optional() }).optional(),
  suspend: z.boolean().optional(),
  tags: z.array(z.string().min(1).max(64)).max(20).optional(),
  location: z.string().min(1).max(64).optional(),
  catchUp: z.union([z.enum(['none', 'last']), z.number().int().min(1).max(MAX_CATCH_UP)]).optional(),
  action: z.strictObject({
    http: z
      .strictObject({
        method: z.enum(methods),
        url: z.string().min(1).max(2048),
        headers: z.record(z.string().max(200), z.string().max(4096)).optional(),
        body: z
          .string()
          .max(64 * 1024)
          .optional(),
      })
      .optional(),
    command: z
      .strictObject({
        args: z.array(z.string().max(4096)).min(1).max(100),
        workingDirectory: z.string().min(1).max(1024).optional(),
        environment: z.record(z.string().max(200), z.string().max(4096)).optional(),
        shell: z.boolean().optional(),
      })
      .optional(),
    heartbeat: z.strictObject({ grace: duration }).optional(),
  }),
});

export const jobKind: KindDefinition = {
  kind: 'Job',
  apiVersions: [JOB_API_VERSION],
  spec: jobSpec,
  // Called only with a spec the schema above accepted, so it has a JobSpec's shape.
  issues: (_name, spec) => jobSpecIssues(spec as JobSpec),
  references: [OWNER_REFERENCE, { field: 'service', relation: 'jobOf', defaultKind: 'Component' }],
  // A job and the service it does work for (the service's page shows its Jobs card, jobs/sections.ts).
  relationPairs: [['jobOf', 'hasJob']],
  cards: [
    {
      page: 'Job',
      id: 'job-of',
      title: 'Runs for',
      groups: [
        ['Service', 'jobOf'],
        ['Owner', 'ownedBy'],
      ],
    },
  ],
};
