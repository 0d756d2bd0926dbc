import { createRoute, z } from '@hono/zod-openapi';
import type { TypedResponse } from 'hono';
import type { JSONParsed } from 'hono/utils/types';
import { BEARER_SECURITY, principalOf, requireScope } from '../auth/middleware.ts';
import type { TokenService } from '../auth/service.ts';
import { TOKEN_NAME_SCOPES } from '../auth/token.ts';
import { knownEntityKeyOf } from '../catalog/entity-key.ts';
import { admit, shed } from '../platform/admission.ts';
import { AtriumError } from '../platform/errors.ts';
import type { App } from '../platform/http/app.ts';
import { bodyLimit } from '../platform/http/body-limit.ts';
import { describedProblem, problemResponses } from '../platform/http/problem-responses.ts';
import { CHANGE_KINDS, EVENT_TYPES, type ChangeKind, type EventType, withoutTokenName } from './model.ts';
import {
  ChangeEventSchema,
  TimelineEventSchema,
  ChangeInputSchema,
  DeploymentBatchSchema,
  DeploymentInputSchema,
  LiveEnvironmentSchema,
  SwitchInputSchema,
  Timestamp,
} from './schema.ts';
import { idempotencyKeyOf, type ChangeService, type WriteResult } from './service.ts';
import type { TimelineCursor } from './store.ts';

const JSON_TYPE = 'application/json';
/** One event is a few KiB at most; a batch of 1,000 with commits fits in 4 MiB. */
const MAX_EVENT_BYTES = 64 * 1024;
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
const eventLimit = bodyLimit(MAX_EVENT_BYTES, 'Send one event per request, or many through the batch endpoint.');
const batchLimit = bodyLimit(MAX_BATCH_BYTES, 'Split the batch (up to 1,000 deployments and 4 MiB a request).');

const writeResponses = {
  ...problemResponses(400, 401, 403, 413, 500),
  422: describedProblem(
    'Unknown service, bad times, or an Idempotency-Key reused for another request; field-level `errors`; nothing written',
  ),
  429: describedProblem(
    'At capacity (refused before the token is checked), or no write slot within 5 s: nothing written; retry after Retry-After seconds with the same Idempotency-Key',
  ),
};

const IdempotencyHeaders = z.object({
  'idempotency-key': z.string().optional().openapi({
    description:
      "A unique key per logical write (e.g. a UUID), 1–255 printable ASCII, kept 7 days. Keys are the token's own: a retry by the same token with the same key and body returns the first response and writes nothing (the same key with another body is a 422); another token's same key is that token's own write, never a replay of this one.",
  }),
});

/** A write route's request: an optional Idempotency-Key and a JSON body of `schema`. */
const writeRequest = <S extends z.ZodType>(schema: S) => ({
  headers: IdempotencyHeaders,
  body: { required: true, content: { [JSON_TYPE]: { schema } } },
});

/** A write route's responses: 201 with what was recorded, and every way a write is refused. */
const writeResponsesOf = <S extends z.ZodType>(description: string, schema: S) => ({
  201: { description, content: { [JSON_TYPE]: { schema } } },
  ...writeResponses,
});

function written<T>(result: WriteResult) {
  const headers: Record<string, string> = { 'content-type': JSON_TYPE };
  if (result.replayed) headers['idempotent-replayed'] = 'true';
  // Hono's TypedResponse is a type-level brand over Response: the cast restates the route's schema.
  return new Response(result.body, { status: result.status, headers }) as unknown as TypedResponse<
    JSONParsed<T>,
    201,
    'json'
  >;
}

function encodeCursor(c: TimelineCursor): string {
  return Buffer.from(JSON.stringify([c.at, c.id])).toString('base64url');
}

/**
 * A cursor as `encodeCursor` wrote it, or the documented 400: the time an event's (UTC ISO,
 * as stored), the id positive, and nothing more. A forged pair that merely parses would
 * otherwise page from an arbitrary place and answer 200.
 */
function decodeCursor(text: string | undefined): TimelineCursor | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && Number.isSafeInteger(value[1])) {
      const cursor = { at: value[0], id: value[1] as number };
      const ms = Date.parse(cursor.at);
      if (cursor.id > 0 && !Number.isNaN(ms) && new Date(ms).toISOString() === cursor.at) return cursor;
    }
  } catch {
    // fall through to the error
  }
  throw new AtriumError({
    category: 'user-fixable',
    code: 'invalid-cursor',
    message: 'The cursor is not one this API issued',
    hint: 'Pass the nextCursor value of the previous page unchanged, or omit cursor to start again.',
  });
}

/** A comma-separated list of allowed values, or a 400 naming the bad one. */
function listOf<T extends string>(text: string | undefined, allowed: readonly T[], field: string): T[] | undefined {
  if (text === undefined || text === '') return undefined;
  const values = text.split(',');
  const bad = values.find((v) => !(allowed as readonly string[]).includes(v));
  if (bad !== undefined)
    throw new AtriumError({
      category: 'user-fixable',
      code: 'invalid-request',
      message: `Invalid request: ${field}: "${bad}" is not one of ${allowed.join(', ')}`,
      hint: `Pass ${field} as a comma-separated list of ${allowed.join(', ')}.`,
    });
  return values as T[];
}

const TimelineQuery = z.object({
  entity: z.string().min(1).max(255).openapi({
    description:
      'Any entity: a Component, or a System (its parts), a Group (what it and its child teams own), a Domain or a User.',
    example: 'group:default/payments',
  }),
  type: z
    .string()
    .max(100)
    .optional()
    .openapi({ description: `Comma-separated: ${EVENT_TYPES.join(', ')}.` }),
  kind: z
    .string()
    .max(300)
    .optional()
    .openapi({ description: `Comma-separated change kinds: ${CHANGE_KINDS.join(', ')}.` }),
  environment: z.string().max(300).optional().openapi({ description: 'Comma-separated environment names.' }),
  since: Timestamp.optional().openapi({ description: 'Only events at or after this time.' }),
  until: Timestamp.optional().openapi({ description: 'Only events before this time.' }),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional().openapi({ description: 'The `nextCursor` of the previous page.' }),
  hops: z.coerce.number().int().min(0).max(2).default(0).openapi({
    description:
      "How far a Component's or Resource's timeline reaches into what it depends on: 0 (itself and its flags, the default, as before), 1 (also its dependencies, the providers of the APIs it consumes, and their flags) or 2 (their dependencies and providers too). Each item's `origin` says whose change it is.",
  }),
});

export function registerChangeRoutes(
  app: App,
  changes: ChangeService,
  tokens: TokenService,
  catalogHas: (key: string) => Promise<boolean>,
): void {
  const deployments = requireScope(tokens, 'deployments:write');
  // Admission last: a request takes a write slot only once its token is checked and its
  // whole body read (within the body deadline), so a sender that trickles a body or has
  // no token cannot hold the capacity that authenticated writes need. The token comes
  // first, so an unauthenticated sender cannot make the server buffer a body either.
  const admitted = admit(changes.writes);
  // And a refusal first: while writes are at capacity, a request is refused before its token
  // is looked up or its body read, so a client that ignores Retry-After costs little.
  const shedding = shed(changes.writes);

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/deployments',
      tags: ['Changes'],
      summary: 'Record a deployment',
      description:
        'Records one deployment of a catalog service. Needs a token with `deployments:write`; the token name is recorded as `recordedBy`. With an `Idempotency-Key`, a retry by the same token returns the first response (header `Idempotent-Replayed: true`) and writes nothing.',
      security: BEARER_SECURITY,
      middleware: [shedding, deployments, eventLimit, admitted] as const,
      request: writeRequest(DeploymentInputSchema),
      responses: writeResponsesOf('Recorded (or replayed)', ChangeEventSchema),
    }),
    async (c) =>
      written<z.infer<typeof ChangeEventSchema>>(
        await changes.recordDeployments(
          c.req.routePath,
          [c.req.valid('json')],
          principalOf(c),
          idempotencyKeyOf(c.req.header('idempotency-key')),
          false,
        ),
      ),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/deployments/batch',
      tags: ['Changes'],
      summary: 'Record many deployments at once',
      description:
        'Up to 1,000 deployments, atomically: if any is invalid (field errors name it by index, e.g. `deployments.3.service`), none is written. Same token scope and idempotency as a single deployment.',
      security: BEARER_SECURITY,
      middleware: [shedding, deployments, batchLimit, admitted] as const,
      request: writeRequest(DeploymentBatchSchema),
      responses: writeResponsesOf('All recorded (or replayed)', z.object({ items: z.array(ChangeEventSchema) })),
    }),
    async (c) =>
      written<{ items: z.infer<typeof ChangeEventSchema>[] }>(
        await changes.recordDeployments(
          c.req.routePath,
          c.req.valid('json').deployments,
          principalOf(c),
          idempotencyKeyOf(c.req.header('idempotency-key')),
          true,
        ),
      ),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/traffic-switches',
      tags: ['Changes'],
      summary: 'Record a blue/green traffic switch',
      description:
        'Records that traffic of an environment moved to the blue or green slot. The slot must hold a successful blue/green deployment recorded before the switch; the switched-to version is recorded with it. Needs `deployments:write`.',
      security: BEARER_SECURITY,
      middleware: [shedding, deployments, eventLimit, admitted] as const,
      request: writeRequest(SwitchInputSchema),
      responses: writeResponsesOf('Recorded (or replayed)', ChangeEventSchema),
    }),
    async (c) =>
      written<z.infer<typeof ChangeEventSchema>>(
        await changes.recordSwitch(
          c.req.routePath,
          c.req.valid('json'),
          principalOf(c),
          idempotencyKeyOf(c.req.header('idempotency-key')),
        ),
      ),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/changes',
      tags: ['Changes'],
      summary: 'Record a change',
      description:
        "Records any change other than a deployment (config, infrastructure, migration, feature flag, …) on a service's timeline. Needs `changes:write`.",
      security: BEARER_SECURITY,
      middleware: [shedding, requireScope(tokens, 'changes:write'), eventLimit, admitted] as const,
      request: writeRequest(ChangeInputSchema),
      responses: writeResponsesOf('Recorded (or replayed)', ChangeEventSchema),
    }),
    async (c) =>
      written<z.infer<typeof ChangeEventSchema>>(
        await changes.recordChange(
          c.req.routePath,
          c.req.valid('json'),
          principalOf(c),
          idempotencyKeyOf(c.req.header('idempotency-key')),
        ),
      ),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/changes',
      tags: ['Changes'],
      summary: 'Timeline',
      description:
        "Deployments, traffic switches and other changes of an entity's scope, newest first, filtered, one page at a time. A System includes its parts and their flags; a Group what it and its child teams own; a Component its flags and, with `hops`, its dependencies. Without a token, `recordedBy` (and an `actor` that defaulted to it) reads `a token`; with a token with deployments:write, changes:write or flags:write, the token's name.",
      request: { query: TimelineQuery },
      responses: {
        200: {
          description: 'A page of events',
          content: {
            [JSON_TYPE]: {
              schema: z
                .object({ items: z.array(TimelineEventSchema), nextCursor: z.string().optional() })
                .openapi('Timeline'),
            },
          },
        },
        ...problemResponses(400, 401, 403, 404, 500),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const key = await knownEntityKeyOf(q.entity, 'entity', catalogHas);
      const filter = {
        types: listOf<EventType>(q.type, EVENT_TYPES, 'type'),
        kinds: listOf<ChangeKind>(q.kind, CHANGE_KINDS, 'kind'),
        environments: q.environment ? q.environment.split(',') : undefined,
        since: q.since ? new Date(q.since).toISOString() : undefined,
        until: q.until ? new Date(q.until).toISOString() : undefined,
      };
      const named = (await tokens.reader(c.req.header('authorization'), TOKEN_NAME_SCOPES)) !== undefined;
      const items = await changes.timeline(key, filter, q.limit + 1, decodeCursor(q.cursor), q.hops);
      const page = items.slice(0, q.limit).map((e) => (named ? e : withoutTokenName(e)));
      const last = page.at(-1);
      return c.json(
        {
          items: page,
          ...(items.length > q.limit && last ? { nextCursor: encodeCursor({ at: last.at, id: last.id }) } : {}),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/live',
      tags: ['Changes'],
      summary: 'What is live',
      description:
        "Per environment of a service: the live version and since when; with blue/green, the live slot and the idle slot's version; and the latest attempt if it failed.",
      request: {
        query: z.object({ service: z.string().min(1).max(255).openapi({ example: 'component:default/checkout' }) }),
      },
      responses: {
        200: {
          description: 'Environments, production first',
          content: {
            [JSON_TYPE]: {
              schema: z
                .object({ service: z.string(), environments: z.array(LiveEnvironmentSchema) })
                .openapi('LiveState'),
            },
          },
        },
        ...problemResponses(400, 404, 500),
      },
    }),
    async (c) => {
      const key = await knownEntityKeyOf(c.req.valid('query').service, 'service', catalogHas);
      return c.json({ service: key, environments: await changes.live(key) }, 200);
    },
  );
}
