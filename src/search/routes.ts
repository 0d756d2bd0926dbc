import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../platform/http/app.ts';
import { problemResponses } from '../platform/http/problem-responses.ts';
import { rankEntries, type PreparedIndex } from './rank.ts';

const SearchResultSchema = z
  .object({
    type: z.enum(['entity', 'docs', 'runbook']),
    title: z.string(),
    name: z.string(),
    kind: z.string().openapi({ description: 'Entity kind (lowercase), or `docs` / `runbook`.' }),
    path: z
      .string()
      .openapi({ description: 'Site-relative path of the page, e.g. `catalog/default/component/checkout/`.' }),
    tags: z.array(z.string()),
    text: z.string().openapi({ description: 'Description, or a document’s headings.' }),
    context: z.string().openapi({ description: 'The owner of an entity, or the entity a document belongs to.' }),
    section: z
      .object({
        anchor: z.string().openapi({ description: 'The heading’s id on the page: link to `path#anchor`.' }),
        heading: z.string(),
      })
      .optional()
      .openapi({ description: 'For a document: the section that matched best (one result per document).' }),
  })
  .openapi('SearchResult');

/** The search behind the command palette: entities, docs pages and runbooks, ranked. */
export function registerSearchRoutes(app: App, index: () => Promise<PreparedIndex>): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/search',
      tags: ['Search'],
      summary: 'Search entities, docs and runbooks',
      description:
        'Full text over entities, docs and runbooks (headings, paragraphs, code). Identifiers are split into words (`ShipmentCreateErrorRateHigh` is shipment create error rate high). Every word must match a word of the result whole, as its beginning, or with a typo (1 edit for words of 4–7 letters, 2 from 8); exact beats prefix beats typo, and matches in the name rank first, then the title, tags, and the rest. A document is one result, linked to its best section.',
      request: {
        query: z.object({
          q: z.string().max(200).openapi({ description: 'What to search for.', example: 'checkout' }),
          limit: z.coerce
            .number()
            .int()
            .min(1)
            .max(50)
            .default(10)
            .openapi({ description: 'How many results (1-50).' }),
        }),
      },
      responses: {
        200: {
          description: 'Results, best first',
          content: {
            'application/json': { schema: z.object({ items: z.array(SearchResultSchema) }).openapi('SearchResults') },
          },
        },
        ...problemResponses(400, 500),
      },
    }),
    async (c) => {
      const { q, limit } = c.req.valid('query');
      return c.json({ items: rankEntries(await index(), q, limit) }, 200);
    },
  );
}
