import { z } from '@hono/zod-openapi';
import { ACTION_STATUSES, ACTION_TYPES } from './model.ts';

/**
 * The post-mortem API's bodies (zod; the OpenAPI document). Item fields are loose strings
 * here on purpose: the rules (owner in the catalog, deadline within the horizon, three at
 * most) are action-items.ts's, which say why a value is refused; zod only keeps the shape.
 */

const text = (max: number) => z.string().max(max);

export const ActionInputSchema = z
  .object({
    title: text(1000).optional().openapi({ example: 'Alert on payment queue depth' }),
    owner: text(255)
      .optional()
      .openapi({ example: 'group:default/checkout', description: 'A User or Group of the catalog.' }),
    deadline: text(32).optional().openapi({
      example: '2026-12-21',
      description: 'YYYY-MM-DD, from today to the configured horizon (default 90 days).',
    }),
    type: text(32)
      .optional()
      .openapi({ example: 'prevent', description: ACTION_TYPES.join(', ') }),
    ticket: text(4000)
      .optional()
      .openapi({ example: 'https://tickets.example/OPS-7', description: 'An http(s) link.' }),
  })
  .strict()
  .openapi('ActionItemInput');

export const ActionPatchSchema = z
  .object({
    status: z.enum(['done', 'deprioritised']),
    reason: text(2000)
      .optional()
      .openapi({ description: 'Why it is deprioritised (required then): recorded and shown.' }),
  })
  .strict()
  .openapi('ActionItemPatch');

export const ActionItemSchema = z
  .object({
    id: z.number().int(),
    incidentId: z.string(),
    title: z.string(),
    owner: z.string(),
    deadline: z.string(),
    type: z.enum(ACTION_TYPES as [string, ...string[]]),
    ticket: z.string().optional(),
    status: z.enum(ACTION_STATUSES as [string, ...string[]]),
    createdAt: z.string(),
    createdBy: z.string(),
    doneAt: z.string().optional(),
    doneBy: z.string().optional(),
    deprioritisedReason: z.string().optional(),
    deprioritisedBy: z.string().optional(),
    deprioritisedAt: z.string().optional(),
    escalatedAt: z.string().optional(),
    escalatedSprints: z.array(z.number().int()),
    overdue: z.boolean().openapi({ description: 'Still open two sprints after the post-mortem was published.' }),
    overdueFrom: z.string().optional(),
  })
  .openapi('ActionItem');

export const PostmortemSchema = z
  .object({
    incidentId: z.string(),
    markdown: z.string(),
    author: z.string(),
    publishedAt: z.string(),
    updatedAt: z.string(),
    reviewedBy: z.string().optional(),
    reviewedAt: z.string().optional(),
  })
  .openapi('Postmortem');

export const PostmortemViewSchema = z
  .object({
    incidentId: z.string(),
    postmortem: PostmortemSchema.optional(),
    template: z
      .string()
      .optional()
      .openapi({ description: 'The blameless template, its timeline from the incident (before publication).' }),
    items: z.array(ActionItemSchema),
  })
  .openapi('PostmortemView');

export const PublishSchema = z
  .object({
    markdown: z.string().min(1).openapi({ description: 'The whole post-mortem, Markdown (at most 256 KiB).' }),
  })
  .strict()
  .openapi('PostmortemPublish');
