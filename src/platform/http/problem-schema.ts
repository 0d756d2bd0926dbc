import { z } from '@hono/zod-openapi';

/** The problem+json document (RFC 9457) every error of the API is, as OpenAPI describes it. */
export const ProblemDocumentSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    category: z.enum(['user-fixable', 'retryable', 'operator-fixable', 'fatal']),
    code: z.string(),
    hint: z.string(),
    requestId: z.string(),
    errors: z.unknown().optional(),
  })
  .openapi('Problem');
