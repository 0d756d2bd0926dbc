import { createRoute, z } from '@hono/zod-openapi';
import { BEARER_SECURITY, principalOf, requireScope } from '../auth/middleware.ts';
import type { TokenService } from '../auth/service.ts';
import { entityKeyOf } from '../catalog/entity-key.ts';
import { idempotencyKeyOf } from '../changes/service.ts';
import { type Admission, admit, shed } from '../platform/admission.ts';
import { AtriumError } from '../platform/errors.ts';
import type { App } from '../platform/http/app.ts';
import { bodyLimit } from '../platform/http/body-limit.ts';
import { describedProblem, problemResponses } from '../platform/http/problem-responses.ts';
import { BY_MAX, MESSAGE_MAX } from './model.ts';
import type { PageStatus, PagingService } from './service.ts';

const JSON_TYPE = 'application/json';
/** A page is a message of 1,000 characters and a name: 16 KiB is plenty, with escapes. */
export const PAGE_BODY_BYTES = 16 * 1024;

const PageInputSchema = z
  .object({
    service: z.string().min(1).max(255).openapi({ example: 'component:default/shipment-service' }),
    message: z.string().min(1).max(MESSAGE_MAX).openapi({ example: 'Checkout fails for every order since 02:10' }),
    by: z.string().max(BY_MAX).optional().openapi({ description: "Who is paging; the token's name when left out." }),
  })
  .strict()
  .openapi('PageInput');

const PageStatusSchema = z
  .object({
    id: z.number().int(),
    service: z.string(),
    receiver: z.string(),
    dedupKey: z.string().openapi({ description: "PagerDuty's dedup_key: repeats collapse into one alert." }),
    status: z.enum(['queued', 'sent', 'failed']),
    attempts: z.number().int(),
    by: z.string(),
    message: z.string(),
    queuedAt: z.string(),
    sentAt: z.string().optional(),
    lastError: z.string().optional(),
  })
  .openapi('Page');

const statusJson = (page: PageStatus, status: 200 | 202, replayed = false) =>
  new Response(JSON.stringify(page), {
    status,
    headers: { 'content-type': JSON_TYPE, ...(replayed ? { 'idempotent-replayed': 'true' } : {}) },
  });

/**
 * POST /api/v1/pages (queue a page) and GET /api/v1/pages/{id} (how it went). A page is a
 * database write: it goes through the server's write admission (`writes`) like every other,
 * refused first (before its token and body) while writes are at capacity.
 */
export function registerPagingRoutes(app: App, paging: PagingService, tokens: TokenService, writes: Admission): void {
  const pagesWrite = requireScope(tokens, 'pages:write');
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/pages',
      tags: ['Paging'],
      summary: "Page a service's on-call",
      description:
        "Queues a PagerDuty Events v2 trigger (or the service's configured receiver's message) in the notification outbox and answers 202 at once; the outbox delivers it in the background, retrying with backoff, at least once (the dedup key collapses repeats). Needs a token with `pages:write`. With an `Idempotency-Key`, a retry by the same token with the same body answers the first page (`Idempotent-Replayed: true`) and pages no one again; the same key with another body is a 422. At capacity it is refused with 429 and Retry-After (nothing queued).",
      security: BEARER_SECURITY,
      middleware: [
        shed(writes),
        pagesWrite,
        bodyLimit(PAGE_BODY_BYTES, 'A page is a message of at most 1,000 characters.'),
        admit(writes),
      ] as const,
      request: {
        headers: z.object({
          'idempotency-key': z.string().optional().openapi({ description: '1–255 printable ASCII, per token.' }),
        }),
        body: { required: true, content: { [JSON_TYPE]: { schema: PageInputSchema } } },
      },
      responses: {
        202: { description: 'Queued (or replayed)', content: { [JSON_TYPE]: { schema: PageStatusSchema } } },
        ...problemResponses(400, 401, 403, 404, 413, 500),
        429: describedProblem(
          'At capacity (refused before the token is checked): nothing queued; retry after Retry-After seconds with the same Idempotency-Key',
        ),
        409: describedProblem('No receiver is configured for this service'),
        422: describedProblem(
          'The message is empty, too long or holds control characters, or the Idempotency-Key came with another request; nothing queued',
        ),
      },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const { page, replayed } = await paging.page(
        entityKeyOf(input.service, 'service'),
        { message: input.message, by: input.by },
        principalOf(c).name,
        idempotencyKeyOf(c.req.header('idempotency-key')),
      );
      return statusJson(page, 202, replayed) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/pages/{id}',
      tags: ['Paging'],
      summary: 'How a page went',
      description: 'Queued, sent (with when) or failed (with the last error). Needs a token with `pages:write`.',
      security: BEARER_SECURITY,
      middleware: [pagesWrite] as const,
      request: { params: z.object({ id: z.string().regex(/^\d{1,15}$/) }) },
      responses: {
        200: { description: 'The page', content: { [JSON_TYPE]: { schema: PageStatusSchema } } },
        ...problemResponses(400, 401, 403, 404, 500),
      },
    }),
    async (c) => {
      const page = await paging.status(Number(c.req.valid('param').id));
      if (!page)
        throw new AtriumError({
          category: 'user-fixable',
          code: 'not-found',
          status: 404,
          message: 'No such page',
          hint: 'Use the id POST /api/v1/pages answered.',
        });
      return statusJson(page, 200) as never;
    },
  );
}
