import { z } from '@hono/zod-openapi';
import { Timestamp } from '../changes/schema.ts';

/** The on-call API's bodies and answers (zod; the OpenAPI document). */

const line = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'must be one line of printable text');

export const OverrideInputSchema = z
  .object({
    user: line(255).openapi({
      description: 'The catalog User to put on call; a bare name means a User.',
      example: 'user:default/ana',
    }),
    from: Timestamp.openapi({ description: 'Start (ISO-8601 with an offset).' }),
    until: Timestamp.openapi({ description: 'End, after `from` and at most 90 days later.' }),
    reason: line(500).openapi({ description: 'Why (kept in the record).', example: 'Swap: Ben is at a conference' }),
  })
  .strict()
  .openapi('OverrideInput');

export const OverrideRemovalSchema = z
  .object({ reason: line(500).openapi({ description: 'Why it is removed (kept in the record).' }) })
  .strict()
  .openapi('OverrideRemoval');

export const OverrideSchema = z
  .object({
    id: z.number().int(),
    rotation: z.string(),
    user: z.string(),
    from: z.string(),
    until: z.string(),
    reason: z.string(),
    createdBy: z.string().openapi({ description: 'The name of the token that set it.' }),
    createdAt: z.string(),
    removedBy: z.string().optional(),
    removedAt: z.string().optional(),
    removedReason: z.string().optional(),
  })
  .openapi('Override');

const PersonSchema = z.object({
  ref: z
    .string()
    .optional()
    .openapi({ description: 'The catalog User; absent for someone only PagerDuty or Opsgenie knows.' }),
  name: z.string(),
  email: z.string().optional(),
  chat: z.object({ title: z.string(), url: z.string() }).optional(),
});

export const OnCallAnswerSchema = z
  .object({
    source: z.enum(['atrium', 'pagerduty', 'opsgenie']).openapi({ description: 'Who computed the answer.' }),
    subject: z.string(),
    team: z
      .string()
      .openapi({ description: "The team whose rotations answer (the owner's, else its system's owner's)." }),
    computedAt: z.string(),
    levels: z.array(
      z.object({
        level: z.number().int(),
        rotation: z.object({
          ref: z
            .string()
            .optional()
            .openapi({ description: 'The Rotation; absent for a PagerDuty or Opsgenie schedule.' }),
          title: z.string(),
          url: z.string().optional().openapi({ description: "The schedule's page in PagerDuty." }),
        }),
        person: PersonSchema.nullable(),
        until: z.string().optional(),
        override: z.boolean().optional(),
        next: z.object({ person: PersonSchema, from: z.string() }).optional(),
      }),
    ),
    read: z
      .object({
        fetchedAt: z.string().optional().openapi({ description: 'When the API gave this answer (absent: never).' }),
        failure: z
          .object({
            class: z.enum([
              'timeout',
              'unreachable',
              'rate-limited',
              'unauthorized',
              'not-found',
              'server-error',
              'http-error',
              'malformed',
              'too-large',
              'not-configured',
            ]),
            at: z.string(),
            message: z.string(),
          })
          .optional()
          .openapi({ description: 'The latest read failed: the levels are the last known answer (of `fetchedAt`).' }),
      })
      .optional()
      .openapi({ description: 'For answers read from PagerDuty or Opsgenie (cached a minute).' }),
  })
  .openapi('OnCallAnswer');
