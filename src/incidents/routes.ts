import { createRoute, z } from '@hono/zod-openapi';
import { BEARER_SECURITY, principalOf, requireScope } from '../auth/middleware.ts';
import type { TokenService } from '../auth/service.ts';
import { idempotencyKeyOf } from '../changes/service.ts';
import { type Admission, admit, shed } from '../platform/admission.ts';
import { keyOfRef, keyOfTeam } from '../platform/entity-ref.ts';
import { AtriumError } from '../platform/errors.ts';
import type { App } from '../platform/http/app.ts';
import { bodyLimit } from '../platform/http/body-limit.ts';
import { describedProblem, problemResponses } from '../platform/http/problem-responses.ts';
import { type Incident, isOpen } from './model.ts';
import {
  DeclareInputSchema,
  DetailQuerySchema,
  IncidentDetailSchema,
  IncidentListSchema,
  IncidentSchema,
  ListQuerySchema,
  NoteInputSchema,
  NoteSchema,
  PatchSchema,
  ResolveInputSchema,
} from './schema.ts';
import { type IncidentService, type IncidentView, incidentNotFound, TIMELINE_LIMIT } from './service.ts';
import type { IncidentFilter } from './store.ts';

const JSON_TYPE = 'application/json';
/** A declaration or an edit is a few fields; a note up to 20,000 characters, escaped. */
const WRITE_BODY_BYTES = 128 * 1024;
const IdParams = z.object({
  id: z
    .string()
    .regex(/^\d{1,15}$/)
    .openapi({ example: '12' }),
});

/** An incident as the API answers it. */
export function incidentJson(incident: Incident) {
  return { ...incident, open: isOpen(incident.status) };
}

/** `GET /api/v1/incidents/{id}`'s answer. */
export function incidentDetailJson(view: IncidentView) {
  return {
    ...incidentJson(view.incident),
    timeline: view.timeline,
    timelineTotal: view.timelineTotal,
    timelineOlder: view.timelineOlder,
    suspectedChanges: view.suspects,
    window: view.window,
    mttaSeconds: view.mttaSeconds,
    mttrSeconds: view.mttrSeconds,
    suggestedDeployment: view.suggestedDeployment,
    history: view.history.map(({ incidentId: _id, ...edit }) => edit),
    notes: view.notes.map(({ incidentId: _id, ...note }) => note),
  };
}

const json = (body: unknown, status: number, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': JSON_TYPE, ...headers } });

function badFilter(field: string, message: string): AtriumError {
  return new AtriumError({
    category: 'user-fixable',
    code: 'invalid-request',
    status: 400,
    message: `Invalid filter: ${field}: ${message}`,
    hint: 'team and service are entity references; since and until ISO-8601 times.',
  });
}

/** The list's query as a store filter, refusing what cannot be one. */
export function filterOf(query: z.infer<typeof ListQuerySchema>): IncidentFilter {
  const filter: IncidentFilter = {};
  if (query.team !== undefined) {
    const team = keyOfTeam(query.team);
    if (!team) throw badFilter('team', 'not a Group reference');
    filter.team = team;
  }
  if (query.service !== undefined) {
    try {
      filter.service = keyOfRef(query.service.includes(':') ? query.service : `component:${query.service}`);
    } catch {
      throw badFilter('service', 'not an entity reference');
    }
  }
  for (const field of ['since', 'until'] as const) {
    const value = query[field];
    if (value === undefined) continue;
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw badFilter(field, 'not a date and time');
    filter[field] = new Date(ms).toISOString();
  }
  if (query.severity !== undefined) filter.severity = query.severity;
  if (query.status !== undefined) filter.status = query.status;
  if (query.open !== undefined) filter.open = query.open === 'true';
  return filter;
}

/**
 * The incidents API: declare (incidents:write, Idempotency-Key), list (open first), one
 * incident with its timeline and suspected changes, edits, notes and resolving. Reads are
 * open, as the portal's incident pages are; writes go through write admission.
 */
export function registerIncidentRoutes(
  app: App,
  incidents: IncidentService,
  tokens: TokenService,
  writes: Admission,
): void {
  const write = requireScope(tokens, 'incidents:write');
  const limit = bodyLimit(
    WRITE_BODY_BYTES,
    'An incident write is a few fields and a note of at most 20,000 characters.',
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/incidents',
      tags: ['Incidents'],
      summary: 'Declare an incident',
      description:
        "Declares an incident on a service of the catalog with a severity of the configured scale (default SEV1–SEV4) and answers 201 with the incident. The owning teams' receivers are notified (through the outbox, with the incident's commit), and the declaration goes on the service's timeline. The last successful production deployment of an affected service before the start is linked for DORA (editable). Needs `incidents:write`. With an `Idempotency-Key`, a retry by the same token answers the first incident (`Idempotent-Replayed: true`) and notifies no one again; the same key with another body is a 422.",
      security: BEARER_SECURITY,
      middleware: [shed(writes), write, limit, admit(writes)] as const,
      request: {
        headers: z.object({
          'idempotency-key': z.string().optional().openapi({ description: '1–255 printable ASCII, per token.' }),
        }),
        body: { required: true, content: { [JSON_TYPE]: { schema: DeclareInputSchema } } },
      },
      responses: {
        201: { description: 'Declared (or replayed)', content: { [JSON_TYPE]: { schema: IncidentSchema } } },
        ...problemResponses(400, 401, 403, 413, 500),
        422: describedProblem(
          'An unknown service or severity, a bad time, or an Idempotency-Key reused with another request; nothing declared',
        ),
        429: describedProblem(
          'At capacity: nothing declared; retry after Retry-After seconds with the same Idempotency-Key',
        ),
      },
    }),
    async (c) => {
      const { incident, replayed } = await incidents.declare(c.req.valid('json'), principalOf(c).name, {
        idempotencyKey: idempotencyKeyOf(c.req.header('idempotency-key')),
      });
      return json(incidentJson(incident), 201, replayed ? { 'idempotent-replayed': 'true' } : {}) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/incidents',
      tags: ['Incidents'],
      summary: 'List incidents, open first',
      description:
        'Open incidents first, then by start, newest first; filtered by team, service, severity, status, open and start time.',
      request: { query: ListQuerySchema },
      responses: {
        200: { description: 'Incidents', content: { [JSON_TYPE]: { schema: IncidentListSchema } } },
        ...problemResponses(400, 500),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const items = await incidents.list(filterOf(query), Math.min(1000, Number(query.limit ?? 100)));
      return json({ items: items.map(incidentJson) }, 200) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/incidents/{id}',
      tags: ['Incidents'],
      summary: 'An incident with its timeline and suspected changes',
      description:
        "The incident, its milestones, roles and history; `timeline`: the change events of the affected services and their dependencies from `windowHours` before the start, the milestones, edits and responders' notes on one axis (oldest first), all of it or, with `timelineLimit`, the newest entries (older pages by `timelineBefore`); `suspectedChanges`: the likeliest causes, ranked from the whole window, each with a link (a flag's switch page, a deployment).",
      request: { params: IdParams, query: DetailQuerySchema },
      responses: {
        200: { description: 'The incident', content: { [JSON_TYPE]: { schema: IncidentDetailSchema } } },
        ...problemResponses(400, 404, 500),
      },
    }),
    async (c) => {
      const id = Number(c.req.valid('param').id);
      const query = c.req.valid('query');
      const limit = query.timelineLimit === undefined ? undefined : Number(query.timelineLimit);
      if (limit !== undefined && (limit < 1 || limit > TIMELINE_LIMIT))
        throw new AtriumError({
          category: 'user-fixable',
          code: 'invalid-request',
          status: 400,
          message: `Invalid query: timelineLimit: from 1 to ${TIMELINE_LIMIT}`,
          hint: 'Ask for the newest entries (e.g. timelineLimit=200), then older pages with timelineBefore.',
        });
      const before = query.timelineBefore === undefined ? undefined : Number(query.timelineBefore);
      const view = await incidents.view(
        id,
        limit === undefined && before === undefined ? undefined : { limit: limit ?? TIMELINE_LIMIT, before },
      );
      if (!view) throw incidentNotFound(id);
      return json(incidentDetailJson(view), 200) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/api/v1/incidents/{id}',
      tags: ['Incidents'],
      summary: 'Edit an incident',
      description:
        "Changes the title, severity, status, milestone times (started stays the earliest), roles, customer impact, affected services, the linked deployment or the timeline window. Every changed field is recorded on the incident's history with who and when. An escalated severity and a resolution notify the owning teams. Needs `incidents:write`.",
      security: BEARER_SECURITY,
      middleware: [shed(writes), write, limit, admit(writes)] as const,
      request: { params: IdParams, body: { required: true, content: { [JSON_TYPE]: { schema: PatchSchema } } } },
      responses: {
        200: { description: 'The incident as it is now', content: { [JSON_TYPE]: { schema: IncidentSchema } } },
        ...problemResponses(400, 401, 403, 404, 413, 500),
        422: describedProblem('A field is invalid; nothing changed'),
        429: describedProblem('At capacity: nothing changed'),
      },
    }),
    async (c) => {
      const incident = await incidents.update(
        Number(c.req.valid('param').id),
        c.req.valid('json'),
        principalOf(c).name,
      );
      return json(incidentJson(incident), 200) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/incidents/{id}/notes',
      tags: ['Incidents'],
      summary: "Add a responder's note",
      description:
        "A note in Markdown (shown escaped, never as HTML) on the incident's timeline. Needs `incidents:write`.",
      security: BEARER_SECURITY,
      middleware: [shed(writes), write, limit, admit(writes)] as const,
      request: { params: IdParams, body: { required: true, content: { [JSON_TYPE]: { schema: NoteInputSchema } } } },
      responses: {
        201: { description: 'Added', content: { [JSON_TYPE]: { schema: NoteSchema } } },
        ...problemResponses(400, 401, 403, 404, 413, 500),
        422: describedProblem('An empty note or control characters; nothing added'),
        429: describedProblem('At capacity: nothing added'),
      },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const note = await incidents.addNote(
        Number(c.req.valid('param').id),
        input.body,
        input.by ?? principalOf(c).name,
      );
      return json(note, 201) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/incidents/{id}/resolve',
      tags: ['Incidents'],
      summary: 'Resolve an incident',
      description:
        "Moves it to `resolved` (now, or `at`), notifies the owning teams and records it on the service's timeline. Needs `incidents:write`.",
      security: BEARER_SECURITY,
      middleware: [shed(writes), write, limit, admit(writes)] as const,
      request: {
        params: IdParams,
        body: { required: false, content: { [JSON_TYPE]: { schema: ResolveInputSchema } } },
      },
      responses: {
        200: { description: 'Resolved', content: { [JSON_TYPE]: { schema: IncidentSchema } } },
        ...problemResponses(400, 401, 403, 404, 413, 500),
        422: describedProblem('A bad time (in the future, or before the start); nothing changed'),
        429: describedProblem('At capacity: nothing changed'),
      },
    }),
    async (c) => {
      const body: { at?: string } = c.req.header('content-type')?.includes('json') ? c.req.valid('json') : {};
      const incident = await incidents.resolve(Number(c.req.valid('param').id), principalOf(c).name, body.at);
      return json(incidentJson(incident), 200) as never;
    },
  );
}
