import { z } from '@hono/zod-openapi';
import { BURN_WINDOWS } from './model.ts';

/** The SLO API's request and response shapes (OpenAPI through the route kit). */

/** Events one request may carry: a day of minutes for a few SLOs' worth of senders. */
export const MAX_EVENTS = 10_000;

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const EventInputSchema = z
  .object({
    at: z.iso.datetime({ offset: true }).openapi({ example: '2025-03-15T12:00:00Z' }),
    good: count.openapi({ example: 995 }),
    total: count.openapi({ example: 1000 }),
  })
  .refine((e) => e.good <= e.total, { message: 'good must not exceed total', path: ['good'] });

export const EventBatchSchema = z
  .object({ events: z.array(EventInputSchema).min(1).max(MAX_EVENTS) })
  .openapi('SloEvents', { description: `Good and total counts at instants, up to ${MAX_EVENTS} a request.` });

export const EventsAcceptedSchema = z
  .object({ slo: z.string(), accepted: z.number().int() })
  .openapi('SloEventsAccepted');

const WindowSchema = z.union([
  z.object({ kind: z.literal('rolling'), days: z.number().int() }),
  z.object({ kind: z.literal('calendar'), unit: z.literal('month'), timeZone: z.string() }),
]);

export const SloAlertSchema = z
  .object({
    severity: z.enum(['page', 'ticket']),
    state: z.enum(['firing', 'resolved']),
    since: z.string().openapi({ description: 'When it started firing, or resolved (ISO 8601).' }),
    long: z.enum(BURN_WINDOWS),
    short: z.enum(BURN_WINDOWS),
    factor: z.string().openapi({ description: 'The burn-rate factor both windows exceeded, exact decimal text.' }),
    dedupKey: z.string(),
  })
  .openapi('SloAlert');

export const SloStatusSchema = z
  .object({
    key: z.string(),
    namespace: z.string(),
    name: z.string(),
    service: z.string(),
    owner: z.string(),
    objective: z.string().openapi({ description: 'Percent as exact decimal text, e.g. "99.9".' }),
    window: WindowSchema,
    indicator: z.enum(['ratio', 'latency', 'events', 'checks']),
    dataState: z.enum(['ok', 'no-data', 'source-down']),
    sli: z.number().optional(),
    budgetRemaining: z.number().optional().openapi({
      description: "Fraction of the window's error budget left: 1 untouched, 0 spent, negative when overspent.",
    }),
    burnRates: z
      .object(Object.fromEntries(BURN_WINDOWS.map((w) => [w, z.number().nullable().optional()])))
      .openapi({ description: 'Error ratio ÷ (1 − objective) per window; null where the window had no events.' }),
    exhaustsAt: z.string().optional(),
    alerts: z.array(SloAlertSchema),
    evaluatedAt: z.string().optional(),
    detail: z.string().optional(),
  })
  .openapi('SloStatus');

export const AlertListItemSchema = SloAlertSchema.extend({
  slo: z.string(),
  service: z.string(),
  owner: z.string(),
}).openapi('SloAlertListItem');
