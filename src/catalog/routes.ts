import { createRoute, z } from '@hono/zod-openapi';
import type { TypedResponse } from 'hono';
import type { JSONParsed } from 'hono/utils/types';
import { AtriumError } from '../platform/errors.ts';
import { bytesBody } from '../platform/http/bytes-body.ts';
import { describedProblem, problemResponses } from '../platform/http/problem-responses.ts';
import type { App } from '../platform/http/app.ts';
import { kindDefinition, publicEntity } from './kinds.ts';
import { refKey } from './model.ts';
import { operationalLinksOf } from './operational-links.ts';
import { entityCacheKey, queryCacheKey, type CachedCatalog } from './cached-catalog.ts';
import type { EntityFilters } from './reader.ts';

/** The catalog's read API: thin handlers over CachedCatalog, described in OpenAPI. */

const JSON_TYPE = 'application/json';
const short = (description: string) => z.string().min(1).max(256).optional().openapi({ description });

const FilterQuery = z.object({
  kind: short('Entity kind, e.g. Component (case-insensitive).'),
  namespace: short('Namespace, e.g. default.'),
  owner: short('Owner reference; a bare name means a Group, e.g. `payments` or `user:jane`.'),
  lifecycle: short('spec.lifecycle, e.g. production.'),
  type: short('spec.type, e.g. service.'),
  system: short('System reference; a bare name means a System.'),
  tag: short('A tag the entity carries.'),
  q: z.string().max(200).optional().openapi({
    description:
      'Free text: every word must match the start of a word in the name, title, description, tags, type, owner or system.',
  }),
});

const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50).openapi({ description: 'Page size (1-500).' }),
  cursor: z.string().max(512).optional().openapi({ description: 'The `nextCursor` of the previous page.' }),
});

const ProblemSchema = z
  .object({
    severity: z.enum(['error', 'warning']),
    code: z.string(),
    message: z.string(),
    hint: z.string(),
    file: z.string(),
    line: z.number().int(),
    column: z.number().int(),
    entityRef: z.string().optional(),
    target: z
      .string()
      .optional()
      .openapi({ description: 'dangling-reference: the missing entity (one problem per missing entity).' }),
    referrers: z
      .array(
        z.object({
          entityRef: z.string(),
          field: z.string().openapi({ example: 'spec.owner' }),
          file: z.string(),
          line: z.number().int(),
          column: z.number().int(),
        }),
      )
      .optional()
      .openapi({ description: 'dangling-reference: every entity that refers to the target, in file order.' }),
    count: z.number().int().optional().openapi({ description: 'dangling-reference: how many entities refer to it.' }),
  })
  .openapi('CatalogProblem');

const EntitySummarySchema = z
  .object({
    ref: z.string().openapi({ example: 'component:default/shipment-service' }),
    kind: z.string(),
    namespace: z.string(),
    name: z.string(),
    title: z.string().nullable(),
    description: z.string().nullable(),
    type: z.string().nullable(),
    lifecycle: z.string().nullable(),
    owner: z.string().nullable(),
    system: z.string().nullable(),
    tags: z.array(z.string()),
    stale: z
      .boolean()
      .openapi({ description: 'True when the descriptor is currently invalid and this is its last good version.' }),
  })
  .openapi('EntitySummary');

const EntityListSchema = z
  .object({ items: z.array(EntitySummarySchema), totalItems: z.number().int(), nextCursor: z.string().optional() })
  .openapi('EntityList');

const RelationSchema = z.object({ source: z.string(), type: z.string(), target: z.string() }).openapi('Relation');

const OperationalLinkSchema = z
  .object({
    title: z.string(),
    url: z.string().optional().openapi({ description: 'An absolute URL.' }),
    path: z.string().optional().openapi({ description: 'A file in the catalog root (relative to the root).' }),
    source: z.string().openapi({ description: 'Where it came from: `link:<type>` or an annotation key.' }),
  })
  .openapi('OperationalLink');

const OperationsSchema = z
  .object({
    runbooks: z.array(OperationalLinkSchema),
    oncall: z.array(OperationalLinkSchema),
    dashboards: z.array(OperationalLinkSchema),
    chat: z.array(OperationalLinkSchema),
    docs: z.array(OperationalLinkSchema),
  })
  .openapi('Operations', {
    description: 'Runbooks, on-call, dashboards, chat and docs, from metadata.links by type and from annotations.',
  });

const EntityDetailSchema = z
  .object({
    ref: z.string(),
    entity: z.record(z.string(), z.unknown()).openapi({
      description:
        'The descriptor as written, after $text/$json/$yaml substitution; for a Flag without a token with flags:read or flags:write, its spec without targeting (constraints keep their field and operator, not their values; no user ids, IPs, host names, variant payloads or overrides).',
    }),
    redacted: z.boolean().optional().openapi({
      description:
        "True when parts of the descriptor are left out for a reader without a token (a Flag's targeting); send `Authorization: Bearer <token>` with flags:read or flags:write to see them.",
    }),
    relations: z.array(RelationSchema),
    source: z.object({ file: z.string(), line: z.number().int(), column: z.number().int() }),
    stale: z.boolean(),
    problems: z.array(ProblemSchema),
    operations: OperationsSchema,
    updatedAt: z.string(),
  })
  .openapi('EntityDetail');

const ProblemListSchema = z
  .object({
    items: z.array(ProblemSchema),
    errors: z.number().int(),
    warnings: z.number().int(),
    nextCursor: z.string().optional(),
  })
  .openapi('ProblemList');

const FacetSchema = z.array(z.object({ value: z.string(), count: z.number().int() }));
const FacetsSchema = z
  .object({
    kind: FacetSchema,
    namespace: FacetSchema,
    type: FacetSchema,
    lifecycle: FacetSchema,
    owner: FacetSchema,
    system: FacetSchema,
    tag: FacetSchema,
  })
  .openapi('Facets');

function encodeCursor(value: string | number): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodeCursor<T extends 'string' | 'number'>(
  cursor: string | undefined,
  type: T,
): (T extends 'string' ? string : number) | undefined {
  if (cursor === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const valid =
    type === 'number'
      ? Number.isSafeInteger(value) && (value as number) >= 0
      : typeof value === 'string' && value.length <= 300;
  if (!valid) {
    throw new AtriumError({
      category: 'user-fixable',
      code: 'invalid-cursor',
      message: 'The cursor is not one this API issued',
      hint: 'Pass the nextCursor value of the previous page unchanged, or omit cursor to start again.',
    });
  }
  return value as T extends 'string' ? string : number;
}

/**
 * A 200 JSON response from an already-serialised body (cached bodies are kept serialised,
 * so a hit costs no JSON.stringify; the fast path in platform/http/listener.ts sends them
 * without this). Hono's TypedResponse is a type-level brand over Response, so the cast
 * only restates what the route's schema already promises.
 */
const json = <T>(body: Buffer) =>
  new Response(bytesBody(body), { status: 200, headers: { 'content-type': JSON_TYPE } }) as unknown as TypedResponse<
    JSONParsed<T>,
    200,
    'json'
  >;

function filtersOf(query: z.infer<typeof FilterQuery>): EntityFilters {
  return {
    kind: query.kind,
    namespace: query.namespace,
    owner: query.owner,
    lifecycle: query.lifecycle,
    type: query.type,
    system: query.system,
    tag: query.tag,
    q: query.q,
  };
}

/**
 * Whether a request may see a confidential kind's whole descriptor: true for a token with
 * one of `scopes`, false without a token; throws (401/403) for a token that is refused.
 */
export type RevealsDetails = (authorization: string | undefined, scopes: readonly string[]) => Promise<boolean>;

/** The catalog alone has no tokens: every reader gets the public view. */
const NO_READER_TOKENS: RevealsDetails = async () => false;

export function registerCatalogRoutes(
  app: App,
  service: CachedCatalog,
  reveals: RevealsDetails = NO_READER_TOKENS,
): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/entities',
      tags: ['Catalog'],
      summary: 'List entities',
      description: 'Entities in stable order (kind, namespace, name), filtered, one page at a time.',
      request: { query: FilterQuery.extend(PageQuery.shape) },
      responses: {
        200: {
          description: 'A page of entities',
          content: { [JSON_TYPE]: { schema: EntityListSchema } },
        },
        ...problemResponses(400, 500),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const after = decodeCursor(query.cursor, 'string');
      const body = await service.cachedJson(queryCacheKey('/api/v1/entities', new URL(c.req.url).search), async () => {
        const page = await service.store.listEntities(filtersOf(query), query.limit, after);
        return {
          items: page.items,
          totalItems: page.total,
          ...(page.nextAfter ? { nextCursor: encodeCursor(page.nextAfter) } : {}),
        };
      });
      return json<z.infer<typeof EntityListSchema>>(body);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/entities/{kind}/{namespace}/{name}',
      tags: ['Catalog'],
      summary: 'Get one entity',
      description:
        'The entity with its relations in both directions, its source file and line, and its current problems.',
      request: {
        params: z.object({
          kind: z.string().min(1).max(63).openapi({ example: 'component' }),
          namespace: z.string().min(1).max(63).openapi({ example: 'default' }),
          name: z.string().min(1).max(63).openapi({ example: 'shipment-service' }),
        }),
      },
      responses: {
        200: { description: 'The entity', content: { [JSON_TYPE]: { schema: EntityDetailSchema } } },
        ...problemResponses(400, 401, 404, 500),
        403: describedProblem("The token has neither flags:read nor flags:write (a Flag's details)"),
      },
    }),
    async (c) => {
      const { kind, namespace, name } = c.req.valid('param');
      const key = refKey({ kind, namespace, name });
      const confidential = kindDefinition(kind)?.confidential;
      // The shared cache (and the listener's fast path, which skips requests with a token) holds the public view only.
      const whole = confidential !== undefined && (await reveals(c.req.header('authorization'), confidential.scopes));
      const body = await service.cachedJson(whole ? `${entityCacheKey(key)}#whole` : entityCacheKey(key), async () => {
        const detail = await service.store.getEntity(key);
        if (!detail) return null;
        const shown = whole ? { entity: detail.entity, redacted: false } : publicEntity(detail.entity);
        return {
          ...detail,
          entity: shown.entity,
          ...(shown.redacted ? { redacted: true } : {}),
          operations: operationalLinksOf(detail.entity, detail.source.file),
        };
      });
      if (service.isNotFound(body)) {
        throw new AtriumError({
          category: 'user-fixable',
          code: 'entity-not-found',
          status: 404,
          message: `No entity ${key} in the catalog`,
          hint: 'Check the kind, namespace and name (case does not matter), or search with GET /api/v1/entities?q=...',
        });
      }
      return json<z.infer<typeof EntityDetailSchema>>(body);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/facets',
      tags: ['Catalog'],
      summary: 'Facet counts',
      description:
        'For the entities matching the filters: how many have each kind, namespace, type, lifecycle, owner, system and tag (top 100 each).',
      request: { query: FilterQuery },
      responses: {
        200: { description: 'Counts per facet value', content: { [JSON_TYPE]: { schema: FacetsSchema } } },
        ...problemResponses(400, 500),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      return json<z.infer<typeof FacetsSchema>>(
        await service.cachedJson(queryCacheKey('/api/v1/facets', new URL(c.req.url).search), () =>
          service.store.facets(filtersOf(query)),
        ),
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/problems',
      tags: ['Catalog'],
      summary: 'Catalog problems',
      description:
        'Every validation error and warning of the last sync, in file order, with file, line, column, code, message and hint. `errors` and `warnings` count the problems matching the other filters, whatever `severity` asks for.',
      request: {
        query: z
          .object({
            severity: z.enum(['error', 'warning']).optional(),
            code: short('A problem code, e.g. dangling-reference.'),
            file: short('A file path relative to the catalog root.'),
            entity: short('An entity reference, e.g. component:default/checkout.'),
          })
          .extend(PageQuery.shape),
      },
      responses: {
        200: {
          description: 'A page of problems',
          content: {
            [JSON_TYPE]: {
              schema: ProblemListSchema,
            },
          },
        },
        ...problemResponses(400, 500),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const after = decodeCursor(query.cursor, 'number');
      const body = await service.cachedJson(queryCacheKey('/api/v1/problems', new URL(c.req.url).search), async () => {
        const page = await service.store.listProblems(
          { severity: query.severity, code: query.code, file: query.file, entity: query.entity },
          query.limit,
          after,
        );
        return {
          items: page.items,
          errors: page.errors,
          warnings: page.warnings,
          ...(page.nextAfter !== undefined ? { nextCursor: encodeCursor(page.nextAfter) } : {}),
        };
      });
      return json<z.infer<typeof ProblemListSchema>>(body);
    },
  );
}
