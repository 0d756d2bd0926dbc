import { z } from '@hono/zod-openapi';
import { CHECK_STATUSES, CHECK_TYPES } from './model.ts';
import { MAX_REASON } from './maintenance-window.ts';

/** The checks API's response shapes (OpenAPI through the route kit). */

const Status = z.enum(CHECK_STATUSES);

export const CheckLocationSchema = z
  .object({
    location: z.string().openapi({ example: 'eu-west-1' }),
    status: Status,
    lastRunAt: z.string().nullable().openapi({ description: 'When its last run ended (ISO 8601); null before one.' }),
    lastFailureAt: z.string().nullable(),
    lastFailureReason: z.string().nullable().openapi({ example: 'status == 200 failed: saw 503' }),
  })
  .openapi('CheckLocation');

export const CheckStatusSchema = z
  .object({
    key: z.string().openapi({ example: 'check:default/shipments-health' }),
    namespace: z.string(),
    name: z.string(),
    title: z.string().optional(),
    service: z.string().openapi({ example: 'component:default/shipment-service' }),
    owner: z.string(),
    type: z.enum(CHECK_TYPES),
    interval: z.string().openapi({ example: '30s' }),
    status: Status.openapi({
      description:
        '`pending` before any run; `failing` when at least `failingLocations` locations fail; `degraded` when fewer fail or one is slower than degradedResponseTime.',
    }),
    inMaintenance: z
      .boolean()
      .openapi({ description: 'A maintenance window is open: runs are recorded, alerts held.' }),
    locations: z.array(CheckLocationSchema),
  })
  .openapi('CheckStatus');

const Timings = z
  .object({
    dns: z.number().optional(),
    connect: z.number().optional(),
    tls: z.number().optional(),
    firstByte: z.number().optional(),
    total: z.number(),
  })
  .openapi('CheckTimings', { description: 'Milliseconds spent in each phase.' });

const vital = (description: string) => z.number().optional().openapi({ description });

const BrowserRunSchema = z
  .object({
    url: z.string().optional().openapi({ description: 'The page the vitals were measured on.' }),
    vitals: z
      .object({
        lcp: vital('Largest contentful paint, ms from navigation start.'),
        cls: vital('Cumulative layout shift (largest session window).'),
        inp: vital('Interaction to next paint, ms (the longest interaction); only when the script interacted.'),
        ttfb: vital('Time to first byte, ms.'),
        ttfmi: vital(
          "Time to first meaningful interaction, ms from navigation start: the later of the page's performance.mark('ttfmi') and the processing end of the script's first interaction on it.",
        ),
      })
      .openapi('CheckWebVitals'),
    steps: z.array(z.object({ name: z.string(), passed: z.boolean(), ms: z.number(), error: z.string().optional() })),
    refusals: z
      .array(z.string())
      .openapi({ description: 'Requests the runner refused (private or metadata addresses), each reason once.' }),
    log: z.string().optional().openapi({ description: 'What the script wrote with console.*, bounded (2 KiB).' }),
  })
  .openapi('CheckBrowserRun', { description: "A browser check's steps, web vitals and refusals." });

export const CheckResultSchema = z
  .object({
    runId: z.string(),
    check: z.string(),
    location: z.string(),
    round: z
      .string()
      .openapi({ description: "The round's start (ISO 8601): runs of one round at every location share it." }),
    at: z.string(),
    status: z.enum(['passing', 'degraded', 'failing']),
    responseTimeMs: z.number().optional(),
    timings: Timings.optional(),
    assertions: z.array(z.object({ assertion: z.string(), passed: z.boolean(), actual: z.string() })),
    excerpt: z
      .string()
      .optional()
      .openapi({ description: 'The start of the body of a failing HTTP run (secrets blanked).' }),
    error: z.string().optional(),
    runner: z.string().optional(),
    browser: BrowserRunSchema.optional(),
    screenshot: z
      .boolean()
      .optional()
      .openapi({ description: 'A failing browser run whose screenshot is kept: `…/results/{runId}/screenshot`.' }),
  })
  .openapi('CheckResult');

export const CheckResultPageSchema = z
  .object({
    items: z.array(CheckResultSchema),
    next: z
      .string()
      .optional()
      .openapi({ description: 'Pass as `before` for the next (older) page; absent on the last.' }),
  })
  .openapi('CheckResultPage');

/** Text a person wrote: printable only (a NUL byte is refused before any database sees it). */
const printable = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'control characters are not allowed');

export const MaintenanceInputSchema = z
  .strictObject({
    start: printable(64).openapi({ example: '2026-12-24T22:00:00Z', description: 'ISO 8601 with a zone.' }),
    end: printable(64).openapi({
      example: '2026-12-25T02:00:00Z',
      description: 'After the start and after now; at most 31 days after the start.',
    }),
    reason: printable(MAX_REASON).optional().openapi({ example: 'database upgrade' }),
  })
  .openapi('MaintenanceWindowInput');

export const MaintenanceWindowSchema = z
  .object({
    id: z
      .string()
      .nullable()
      .openapi({ description: 'The id to remove it by; null for a window written in the catalog (remove it there).' }),
    source: z.enum(['catalog', 'api']),
    start: z.string().openapi({ example: '2026-12-24T22:00:00.000Z' }),
    end: z.string().openapi({ example: '2026-12-25T02:00:00.000Z' }),
    reason: z.string().nullable(),
    createdBy: z.string().nullable().openapi({ description: 'The token that added it (API windows).' }),
    open: z.boolean().openapi({ description: 'Open now: alerts held.' }),
  })
  .openapi('MaintenanceWindow');

export const MaintenanceListSchema = z
  .object({ items: z.array(MaintenanceWindowSchema) })
  .openapi('MaintenanceWindowList');
