import { createRoute, z } from '@hono/zod-openapi';
import { knownEntityKeyOf } from '../catalog/entity-key.ts';
import { Timestamp } from '../changes/schema.ts';
import { AtriumError } from '../platform/errors.ts';
import type { App } from '../platform/http/app.ts';
import { problemResponses } from '../platform/http/problem-responses.ts';
import type { DoraReport, DoraWindow } from './model.ts';
import type { DoraService } from './service.ts';

const DAY_MS = 86_400_000;
export const DEFAULT_WINDOW_DAYS = 30;
const MAX_WINDOW_DAYS = 366;

const Tier = z.enum(['elite', 'high', 'medium', 'low']).nullable();
const ReportSchema = z
  .object({
    window: z.object({ from: z.string(), to: z.string() }),
    tierYear: z.number().int(),
    deploymentFrequency: z.object({
      deployments: z.number().int(),
      perWeek: z.number(),
      deployDays: z.number().int(),
      deployDaysPerWeek: z.number(),
      tier: Tier,
    }),
    leadTime: z.object({
      commits: z.number().int(),
      medianSeconds: z.number().nullable(),
      p90Seconds: z.number().nullable(),
      tier: Tier,
    }),
    changeFailureRate: z.object({
      deployments: z.number().int(),
      failed: z.number().int(),
      fromIncidents: z
        .number()
        .int()
        .openapi({ description: 'Of `failed`, successful deployments counted because an incident is linked to them.' }),
      rate: z.number().nullable(),
      tier: Tier,
    }),
    recoveryTime: z.object({
      recovered: z.number().int(),
      unrecovered: z.number().int(),
      fromIncidents: z.number().int().openapi({
        description:
          "Episodes of deployments an incident is linked to: from the deployment's finish to the incident's resolution.",
      }),
      medianSeconds: z.number().nullable(),
      tier: Tier,
    }),
    warnings: z.array(
      z.object({ code: z.string(), message: z.string(), count: z.number().int(), examples: z.array(z.string()) }),
    ),
  })
  .openapi('DoraReport');
const Trend = z.object({ direction: z.enum(['better', 'worse', 'same', 'unknown']), delta: z.number().nullable() });
const AnswerSchema = z
  .object({
    entity: z.string(),
    services: z.number().int().openapi({
      description: 'Entities whose deployments count: the entity itself and, for a team, system or domain, its scope.',
    }),
    productionEnvironments: z.array(z.string()),
    current: ReportSchema,
    previous: ReportSchema.openapi({ description: 'The window of the same length just before.' }),
    trend: z.object({ deploymentFrequency: Trend, leadTime: Trend, changeFailureRate: Trend, recoveryTime: Trend }),
  })
  .openapi('DoraMetrics');

/** The window of `from`/`to` (default: the 30 days up to now), or a 400 that says what is wrong. */
export function doraWindow(from: string | undefined, to: string | undefined, now: Date): DoraWindow {
  const end = to ? Date.parse(to) : now.getTime();
  const start = from ? Date.parse(from) : end - DEFAULT_WINDOW_DAYS * DAY_MS;
  const problem =
    start >= end
      ? '`from` must be before `to`'
      : end - start > MAX_WINDOW_DAYS * DAY_MS
        ? `the window is longer than ${MAX_WINDOW_DAYS} days`
        : undefined;
  if (problem)
    throw new AtriumError({
      category: 'user-fixable',
      code: 'invalid-request',
      message: `Invalid request: ${problem}`,
      hint: `Give from and to as ISO-8601 times up to ${MAX_WINDOW_DAYS} days apart; without them the window is the last ${DEFAULT_WINDOW_DAYS} days.`,
    });
  return { from: start, to: end };
}

const isoWindow = (r: DoraReport) => ({
  ...r,
  window: { from: new Date(r.window.from).toISOString(), to: new Date(r.window.to).toISOString() },
});

export function registerDoraRoutes(
  app: App,
  dora: DoraService,
  catalogHas: (key: string) => Promise<boolean>,
  now: () => Date,
): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/metrics/dora',
      tags: ['Changes'],
      summary: 'DORA metrics',
      description:
        "Deployment frequency, lead time for changes, change failure rate and failed-deployment recovery time of an entity's scope (a service; a team with its child teams; a system or domain with its parts), over a window of production deployments, with 2023 DORA performance tiers, the trend against the previous window, and data-quality warnings.",
      request: {
        query: z.object({
          entity: z.string().min(1).max(255).openapi({ example: 'group:default/payments' }),
          from: Timestamp.optional().openapi({
            description: `Start (inclusive); default: ${DEFAULT_WINDOW_DAYS} days before to.`,
          }),
          to: Timestamp.optional().openapi({ description: 'End (exclusive); default: now.' }),
        }),
      },
      responses: {
        200: { description: 'The metrics', content: { 'application/json': { schema: AnswerSchema } } },
        ...problemResponses(400, 404, 500),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const key = await knownEntityKeyOf(q.entity, 'entity', catalogHas);
      const answer = await dora.metrics(key, doraWindow(q.from, q.to, now()));
      return c.json(
        {
          ...answer,
          productionEnvironments: [...answer.productionEnvironments],
          current: isoWindow(answer.current),
          previous: isoWindow(answer.previous),
        },
        200,
      );
    },
  );
}
