import { z } from '@hono/zod-openapi';
import { IMPACT_MAX, MAX_WINDOW_HOURS, MILESTONES, NOTE_MAX, PERSON_MAX, SERVICES_MAX, TITLE_MAX } from './model.ts';

/** The API's request and answer bodies (zod; the OpenAPI document). Limits are model.ts's. */

const ref = z.string().min(1).max(255);
const time = z.string().min(1).max(64).openapi({ example: '2026-12-07T09:12:00Z' });
const person = z.string().min(1).max(PERSON_MAX);
const milestoneTimes = z
  .object(
    Object.fromEntries(MILESTONES.map((m) => [m, time.optional()])) as Record<
      (typeof MILESTONES)[number],
      z.ZodOptional<typeof time>
    >,
  )
  .strict()
  .openapi('IncidentMilestones');

export const DeclareInputSchema = z
  .object({
    service: ref.openapi({ example: 'component:default/checkout' }),
    severity: z.string().min(1).max(32).openapi({ example: 'SEV2' }),
    title: z.string().min(1).max(TITLE_MAX).openapi({ example: 'Checkout fails for card payments' }),
    startedAt: time.optional().openapi({ description: 'When it started (default: now).' }),
    customerImpact: z.string().max(IMPACT_MAX).optional(),
    lead: person.optional(),
    communications: person.optional(),
    services: z.array(ref).max(SERVICES_MAX).optional().openapi({ description: 'More affected services.' }),
    windowHours: z.number().int().min(1).max(MAX_WINDOW_HOURS).optional(),
  })
  .strict()
  .openapi('IncidentDeclaration');

export const PatchSchema = z
  .object({
    title: z.string().min(1).max(TITLE_MAX).optional(),
    severity: z.string().min(1).max(32).optional(),
    status: z.enum(MILESTONES).optional(),
    milestones: milestoneTimes.optional(),
    roles: z
      .object({ lead: person.nullable().optional(), communications: person.nullable().optional() })
      .strict()
      .optional(),
    customerImpact: z.string().max(IMPACT_MAX).optional(),
    services: z.array(ref).min(1).max(SERVICES_MAX).optional(),
    linkedDeployment: z.number().int().positive().nullable().optional(),
    windowHours: z.number().int().min(1).max(MAX_WINDOW_HOURS).optional(),
  })
  .strict()
  .openapi('IncidentPatch');

export const NoteInputSchema = z
  .object({
    body: z.string().min(1).max(NOTE_MAX).openapi({ description: 'Markdown; shown escaped.' }),
    by: person.optional().openapi({ description: "Who wrote it; the token's name when left out." }),
  })
  .strict()
  .openapi('IncidentNoteInput');

export const ResolveInputSchema = z
  .object({ at: time.optional().openapi({ description: 'When it was resolved (default: now).' }) })
  .strict()
  .openapi('IncidentResolve');

const LinkedDeploymentSchema = z
  .object({ id: z.number().int(), service: z.string(), at: z.string() })
  .openapi('LinkedDeployment');

export const IncidentSchema = z
  .object({
    id: z.number().int(),
    title: z.string(),
    severity: z.string(),
    status: z.enum(MILESTONES),
    open: z.boolean(),
    services: z.array(z.string()),
    milestones: z.record(z.string(), z.string()),
    roles: z.record(z.string(), z.string()),
    customerImpact: z.string(),
    linkedDeployment: LinkedDeploymentSchema.nullable(),
    windowHours: z.number().int(),
    source: z.string(),
    externalId: z.string().nullable(),
    declaredBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Incident');

export const TimelineEntrySchema = z
  .object({
    type: z.string().openapi({
      description:
        '`deployment`, `traffic-switch`, a change kind (`feature-flag`, `alert`, `config`, `migration`, …), `note`, `milestone` or `incident` (an edit of the incident).',
    }),
    at: z.string(),
    summary: z.string(),
    service: z.string().optional(),
    origin: z
      .object({
        relation: z.string(),
        ref: z.string(),
        depth: z.number().int(),
        through: z.string().optional(),
        throughRelation: z.string().optional(),
      })
      .optional(),
    id: z.number().int().optional(),
    environment: z.string().optional(),
    version: z.string().optional(),
    status: z.string().optional(),
    slot: z.string().optional(),
    url: z.string().optional(),
    by: z.string().optional(),
    body: z.string().optional(),
  })
  .openapi('IncidentTimelineEntry');

export const SuspectSchema = z
  .object({
    changeId: z.number().int(),
    type: z.string(),
    at: z.string(),
    summary: z.string(),
    service: z.string(),
    score: z.number(),
    reasons: z.array(z.string()),
    link: z.object({ kind: z.enum(['flag-switch', 'deployment', 'timeline']), href: z.string(), label: z.string() }),
  })
  .openapi('SuspectedChange');

export const IncidentDetailSchema = IncidentSchema.extend({
  timeline: z.array(TimelineEntrySchema),
  timelineTotal: z.number().int().openapi({ description: 'How many entries the whole timeline has.' }),
  timelineOlder: z.number().int().nullable().openapi({
    description:
      'With `timelineLimit`: the `timelineBefore` of the page of older entries; null when `timeline` reaches the oldest.',
  }),
  suspectedChanges: z.array(SuspectSchema),
  window: z.object({ from: z.string(), to: z.string() }),
  mttaSeconds: z.number().nullable(),
  mttrSeconds: z.number().nullable(),
  suggestedDeployment: LinkedDeploymentSchema.nullable(),
  history: z.array(
    z.object({
      id: z.number().int(),
      at: z.string(),
      by: z.string(),
      field: z.string(),
      before: z.string().nullable(),
      after: z.string().nullable(),
    }),
  ),
  notes: z.array(z.object({ id: z.number().int(), at: z.string(), by: z.string(), body: z.string() })),
}).openapi('IncidentDetail');

export const NoteSchema = z
  .object({ id: z.number().int(), incidentId: z.number().int(), at: z.string(), by: z.string(), body: z.string() })
  .openapi('IncidentNote');

export const IncidentListSchema = z.object({ items: z.array(IncidentSchema) }).openapi('IncidentList');

export const DetailQuerySchema = z.object({
  timelineLimit: z
    .string()
    .regex(/^\d{1,5}$/)
    .optional()
    .openapi({ description: 'Only the newest this many timeline entries (1–10,000); default: the whole timeline.' }),
  timelineBefore: z
    .string()
    .regex(/^\d{1,6}$/)
    .optional()
    .openapi({
      description:
        "Only entries before this position, counted from the oldest entry: a previous answer's `timelineOlder`. Positions stay put as the timeline grows.",
    }),
});

export const ListQuerySchema = z.object({
  team: z
    .string()
    .max(255)
    .optional()
    .openapi({ description: 'A team (group:default/checkout or checkout): incidents touching a service it owns.' }),
  service: z.string().max(255).optional(),
  severity: z.string().max(32).optional(),
  status: z.enum(MILESTONES).optional(),
  open: z.enum(['true', 'false']).optional(),
  since: z.string().max(64).optional().openapi({ description: 'Started at or after (ISO-8601).' }),
  until: z.string().max(64).optional().openapi({ description: 'Started before (ISO-8601).' }),
  limit: z
    .string()
    .regex(/^\d{1,4}$/)
    .optional(),
});
