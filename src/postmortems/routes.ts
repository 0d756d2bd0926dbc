import { createRoute, z } from '@hono/zod-openapi';
import { BEARER_SECURITY, principalOf, requireScope } from '../auth/middleware.ts';
import type { TokenService } from '../auth/service.ts';
import { idempotencyKeyOf } from '../changes/service.ts';
import { type Admission, admit, shed } from '../platform/admission.ts';
import { AtriumError } from '../platform/errors.ts';
import type { App } from '../platform/http/app.ts';
import { bodyLimit } from '../platform/http/body-limit.ts';
import { describedProblem, problemResponses } from '../platform/http/problem-responses.ts';
import {
  ActionInputSchema,
  ActionItemSchema,
  ActionPatchSchema,
  PostmortemSchema,
  PostmortemViewSchema,
  PublishSchema,
} from './schema.ts';
import { ownerKeyOf } from './action-items.ts';
import type { PostmortemService, WriteResult } from './service.ts';
import { MAX_LISTED } from './store.ts';
import { MAX_POSTMORTEM_BYTES } from './template.ts';

const JSON_TYPE = 'application/json';
const IdParams = z.object({
  id: z
    .string()
    .regex(/^\d{1,15}$/)
    .openapi({ example: '12' }),
});
const ItemParams = IdParams.extend({
  item: z
    .string()
    .regex(/^\d{1,15}$/)
    .openapi({ example: '3' }),
});
const KeyHeader = z.object({
  'idempotency-key': z
    .string()
    .optional()
    .openapi({ description: '1–255 printable ASCII, per token: a retry answers the first write.' }),
});

const json = (body: unknown, status: number, headers: Record<string, string> = {}) =>
  new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': JSON_TYPE, ...headers },
  });
const written = (result: WriteResult) =>
  json(result.body, result.status, result.replayed ? { 'idempotent-replayed': 'true' } : {});

/**
 * The post-mortem API: an incident's post-mortem (read, publish or edit, review), its
 * action items (add under the three-item rule, done, deprioritised with a reason), and the
 * overdue items of every team. Writes need `incidents:write` and go through write admission.
 */
export function registerPostmortemRoutes(
  app: App,
  postmortems: PostmortemService,
  tokens: TokenService,
  writes: Admission,
): void {
  const write = requireScope(tokens, 'incidents:write');
  const limit = bodyLimit(MAX_POSTMORTEM_BYTES + 4096, 'A post-mortem is at most 256 KiB of Markdown.');

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/incidents/{id}/actions',
      tags: ['Post-mortems'],
      summary: 'Add a post-mortem action item',
      description:
        "Adds an action item to the incident's post-mortem: `title`, `owner` (a User or Group of the catalog), `deadline` (YYYY-MM-DD, from today to the configured horizon, 90 days by default) and `type` (mitigate, prevent or process), optionally a `ticket` link. A post-mortem has at most three items (deprioritised ones do not count): a fourth is refused with 422 `too-many-action-items`, whose problem says why the rule exists and how to merge or drop one. Needs `incidents:write`. With an `Idempotency-Key`, a retry answers the first item (`Idempotent-Replayed: true`).",
      security: BEARER_SECURITY,
      middleware: [shed(writes), write, limit, admit(writes)] as const,
      request: {
        params: IdParams,
        headers: KeyHeader,
        body: { required: true, content: { [JSON_TYPE]: { schema: ActionInputSchema } } },
      },
      responses: {
        201: { description: 'Added (or replayed)', content: { [JSON_TYPE]: { schema: ActionItemSchema } } },
        ...problemResponses(400, 401, 403, 404, 413, 500),
        422: describedProblem(
          'A fourth item (`too-many-action-items`: why, and how to merge or drop one), a missing or unknown owner, a missing or out-of-range deadline, an unknown type or a non-http(s) ticket (`invalid-action-item`, every field in `errors`), or an Idempotency-Key reused with another body; nothing saved',
        ),
        429: describedProblem('At capacity: nothing saved; retry after Retry-After seconds with the same key'),
      },
    }),
    async (c) =>
      written(
        await postmortems.addItem(
          c.req.valid('param').id,
          c.req.valid('json'),
          principalOf(c).name,
          c.req.routePath,
          idempotencyKeyOf(c.req.header('idempotency-key')),
        ),
      ) as never,
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/api/v1/incidents/{id}/actions/{item}',
      tags: ['Post-mortems'],
      summary: 'Mark an action item done, or deprioritise it',
      description:
        '`{"status":"done"}`, or `{"status":"deprioritised","reason":"…"}`: an explicit decision, recorded with the reason and who made it (the token), shown on the team page; the item stops counting against the three and is no longer escalated. Only open items change. Needs `incidents:write`.',
      security: BEARER_SECURITY,
      middleware: [shed(writes), write, limit, admit(writes)] as const,
      request: {
        params: ItemParams,
        body: { required: true, content: { [JSON_TYPE]: { schema: ActionPatchSchema } } },
      },
      responses: {
        200: { description: 'The item as it is now', content: { [JSON_TYPE]: { schema: ActionItemSchema } } },
        ...problemResponses(400, 401, 403, 404, 413, 500),
        409: describedProblem('The item is not open (already done or deprioritised)'),
        422: describedProblem('Deprioritising without a reason'),
        429: describedProblem('At capacity: nothing changed'),
      },
    }),
    async (c) => {
      const { id, item } = c.req.valid('param');
      const body = c.req.valid('json');
      const found = (await postmortems.view(id)).items.find((i) => i.id === Number(item));
      if (!found)
        throw new AtriumError({
          category: 'user-fixable',
          code: 'action-item-not-found',
          status: 404,
          message: `Incident ${id} has no action item ${item}`,
          hint: 'List its items with GET /api/v1/incidents/{id}/postmortem.',
        });
      const who = principalOf(c).name;
      const view =
        body.status === 'done'
          ? await postmortems.complete(found.id, who)
          : await postmortems.deprioritise(found.id, body.reason, who);
      return json(view, 200) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/incidents/{id}/postmortem',
      tags: ['Post-mortems'],
      summary: "An incident's post-mortem and action items",
      description:
        'The published post-mortem (Markdown, author, publication, review) and its action items with whether each is overdue; before publication, `template`: the blameless template with the incident’s timeline filled in.',
      request: { params: IdParams },
      responses: {
        200: { description: 'The post-mortem', content: { [JSON_TYPE]: { schema: PostmortemViewSchema } } },
        ...problemResponses(400, 404, 500),
      },
    }),
    async (c) => {
      const id = c.req.valid('param').id;
      const view = await postmortems.view(id);
      return json(view.postmortem ? view : { ...view, template: await postmortems.template(id) }, 200) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/incidents/{id}/postmortem',
      tags: ['Post-mortems'],
      summary: 'Publish or edit a post-mortem',
      description:
        "Publishes the incident's post-mortem (its author is the token; the escalation clock of its items starts now) or replaces its Markdown (author and publication stay). Needs `incidents:write`; with an `Idempotency-Key`, a retry answers the first write.",
      security: BEARER_SECURITY,
      middleware: [shed(writes), write, limit, admit(writes)] as const,
      request: {
        params: IdParams,
        headers: KeyHeader,
        body: { required: true, content: { [JSON_TYPE]: { schema: PublishSchema } } },
      },
      responses: {
        200: { description: 'Published', content: { [JSON_TYPE]: { schema: PostmortemSchema } } },
        ...problemResponses(400, 401, 403, 404, 413, 500),
        422: describedProblem('Empty or larger than 256 KiB, or an Idempotency-Key reused with another body'),
        429: describedProblem('At capacity: nothing changed'),
      },
    }),
    async (c) =>
      written(
        await postmortems.publish(
          c.req.valid('param').id,
          c.req.valid('json').markdown,
          principalOf(c).name,
          c.req.routePath,
          idempotencyKeyOf(c.req.header('idempotency-key')),
        ),
      ) as never,
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/incidents/{id}/postmortem/review',
      tags: ['Post-mortems'],
      summary: 'Mark a post-mortem reviewed',
      description:
        'Records the review by the token. Its author cannot review it (409 `self-review`): a review is a second pair of eyes. Needs `incidents:write`.',
      security: BEARER_SECURITY,
      middleware: [shed(writes), write, admit(writes)] as const,
      request: { params: IdParams },
      responses: {
        200: { description: 'Reviewed', content: { [JSON_TYPE]: { schema: PostmortemSchema } } },
        ...problemResponses(400, 401, 403, 404, 500),
        409: describedProblem('The reviewer is its author'),
        429: describedProblem('At capacity: nothing changed'),
      },
    }),
    async (c) => json(await postmortems.review(c.req.valid('param').id, principalOf(c).name), 200) as never,
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/postmortems/actions',
      tags: ['Post-mortems'],
      summary: 'Action items across post-mortems',
      description:
        '`overdue=true`: items still open two sprints after their post-mortem was published (the escalated ones), the overdue-actions dashboard; `owner`: a team (its own and its members’ items) or a user; `status`: open, done or deprioritised. Items come by id, at most `limit` (default and most 1,000); `next` is the `after` of the next page, null on the last.',
      request: {
        query: z.object({
          overdue: z.enum(['true', 'false']).optional(),
          owner: z.string().min(1).max(255).optional().openapi({ example: 'group:default/checkout' }),
          status: z.enum(['open', 'done', 'deprioritised']).optional(),
          after: z
            .string()
            .regex(/^\d{1,15}$/)
            .optional()
            .openapi({ description: 'Items after this id: a previous answer’s `next`.' }),
          limit: z
            .string()
            .regex(/^\d{1,4}$/)
            .optional()
            .openapi({ description: 'At most this many items (1–1,000, default 1,000).' }),
        }),
      },
      responses: {
        200: {
          description: 'The items',
          content: {
            [JSON_TYPE]: {
              schema: z
                .object({ items: z.array(ActionItemSchema), next: z.number().int().nullable() })
                .openapi('ActionItemList'),
            },
          },
        },
        ...problemResponses(400, 500),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const owner = q.owner === undefined ? undefined : ownerKeyOf(q.owner);
      if (q.owner !== undefined && owner === undefined)
        throw new AtriumError({
          category: 'user-fixable',
          code: 'invalid-request',
          status: 400,
          message: 'Invalid filter: owner: not a User or Group reference',
          hint: 'For example owner=group:default/checkout or owner=user:default/jane.',
        });
      const limit = q.limit === undefined ? MAX_LISTED : Number(q.limit);
      if (limit < 1 || limit > MAX_LISTED)
        throw new AtriumError({
          category: 'user-fixable',
          code: 'invalid-request',
          status: 400,
          message: `Invalid query: limit: from 1 to ${MAX_LISTED}`,
          hint: 'Ask for at most 1,000 items a page; follow `next` for more.',
        });
      const owners = owner === undefined ? undefined : await postmortems.ownersOf(owner);
      const page = await postmortems.itemsPage(
        {
          ...(owners ? { owners } : {}),
          ...(q.status ? { statuses: [q.status] } : {}),
          overdue: q.overdue === 'true',
        },
        limit,
        q.after === undefined ? undefined : Number(q.after),
      );
      return json(page, 200) as never;
    },
  );
}
