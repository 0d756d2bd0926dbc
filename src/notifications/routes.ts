import { createRoute, z } from '@hono/zod-openapi';
import { BEARER_SECURITY, principalOf, requireScope } from '../auth/middleware.ts';
import type { TokenService } from '../auth/service.ts';
import { idempotencyKeyOf } from '../changes/service.ts';
import { AtriumError } from '../platform/errors.ts';
import type { App } from '../platform/http/app.ts';
import { bodyLimit } from '../platform/http/body-limit.ts';
import { describedProblem, problemResponses } from '../platform/http/problem-responses.ts';
import { RECEIVER_NAME } from '../platform/receiver-name.ts';
import { NOTIFICATION_ACTIONS, type OutboxEntry } from './model.ts';
import type { NotificationService } from './service.ts';

const JSON_TYPE = 'application/json';

const NotificationSchema = z
  .object({
    id: z.number().int(),
    receiver: z.string().openapi({ description: "The receiver's name in atrium.yaml (never its URL)." }),
    subject: z.string().openapi({ description: 'The key of the entity the message is about.' }),
    action: z.enum(NOTIFICATION_ACTIONS),
    dedupKey: z.string(),
    status: z.enum(['queued', 'sent', 'failed']),
    attempts: z.number().int(),
    nextAttemptAt: z.string(),
    lastError: z.string().optional().openapi({ description: 'The last failed attempt: status and answer, bounded.' }),
    answer: z.string().optional().openapi({ description: "The receiver's answer when it accepted it, bounded." }),
    createdBy: z.string(),
    createdAt: z.string(),
    sentAt: z.string().optional(),
    message: z.object({
      summary: z.string(),
      severity: z.enum(['critical', 'error', 'warning', 'info']),
      source: z.string(),
      component: z.string().optional(),
      group: z.string().optional(),
      class: z.string().optional(),
      owner: z.string().optional(),
      details: z.record(z.string(), z.string()),
      links: z.array(z.object({ href: z.string(), text: z.string() })),
    }),
  })
  .openapi('Notification');

const ListSchema = z
  .object({ items: z.array(NotificationSchema), nextCursor: z.string().optional() })
  .openapi('NotificationList');

const TestResultSchema = z
  .object({
    team: z.string(),
    receivers: z.array(z.string()),
    problems: z.array(z.string()),
    items: z.array(NotificationSchema),
  })
  .openapi('NotificationTest');

/** An entry as the API shows it: everything but the routing key a message may carry. */
export function notificationJson(entry: OutboxEntry): z.infer<typeof NotificationSchema> {
  const { routingKey: _secret, action, ...message } = entry.message;
  return {
    id: entry.id,
    receiver: entry.receiver,
    subject: entry.subjectKey,
    action,
    dedupKey: entry.dedupKey,
    status: entry.status,
    attempts: entry.attempts,
    nextAttemptAt: entry.nextAttemptAt,
    ...(entry.lastError ? { lastError: entry.lastError } : {}),
    ...(entry.answer ? { answer: entry.answer } : {}),
    createdBy: entry.createdBy,
    createdAt: entry.createdAt,
    ...(entry.sentAt ? { sentAt: entry.sentAt } : {}),
    message,
  };
}

/** The id the next page starts below, as an opaque cursor. */
export function encodeNotificationCursor(id: number): string {
  return Buffer.from(`n${id}`).toString('base64url');
}

export function decodeNotificationCursor(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const match = /^n([1-9]\d{0,14})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (match && encodeNotificationCursor(Number(match[1])) === text) return Number(match[1]);
  throw new AtriumError({
    category: 'user-fixable',
    code: 'invalid-cursor',
    message: 'The cursor is not one this API issued',
    hint: 'Pass the nextCursor value of the previous page unchanged, or omit cursor to start again.',
  });
}

export const ListQuery = z.object({
  status: z.enum(['queued', 'sent', 'failed']).optional(),
  receiver: z
    .string()
    .regex(RECEIVER_NAME, 'a receiver name')
    .optional()
    .openapi({ description: "A receiver's name." }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(40).optional().openapi({ description: 'The `nextCursor` of the previous page.' }),
});

/** GET /api/v1/notifications (the outbox, newest first) and POST /api/v1/notifications/test. */
export function registerNotificationRoutes(app: App, notifications: NotificationService, tokens: TokenService): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/notifications',
      tags: ['Notifications'],
      summary: 'What the outbox sent, to whom, and how it went',
      description:
        "Newest first, filtered by `status` and `receiver`, with keyset paging. Each item is the message (summary, details, links: what receivers were told, hence the `notifications:read` scope), its receiver's name (never its URL), action, dedup key, status, attempts and the receiver's bounded answer.",
      security: BEARER_SECURITY,
      middleware: [requireScope(tokens, 'notifications:read')] as const,
      request: { query: ListQuery },
      responses: {
        200: { description: 'A page of notifications', content: { [JSON_TYPE]: { schema: ListSchema } } },
        ...problemResponses(400, 401, 403, 500),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const entries = await notifications.list(
        { status: q.status, receiver: q.receiver, before: decodeNotificationCursor(q.cursor) },
        q.limit + 1,
      );
      const page = entries.slice(0, q.limit);
      const last = page[page.length - 1];
      return c.json(
        {
          items: page.map(notificationJson),
          ...(entries.length > q.limit && last ? { nextCursor: encodeNotificationCursor(last.id) } : {}),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/notifications/test',
      tags: ['Notifications'],
      summary: "Send a test notification to a team's receivers",
      description:
        "Queues, for each of the team's receivers (atrium.yaml's notifications.teams and the Group's `atrium.dev/notification-receivers` annotation), a trigger of severity `info` and its resolve, and answers 202 at once; the outbox delivers them. It reaches the people a page reaches, hence the `pages:write` scope. With an `Idempotency-Key`, a retry by the same token answers the first test (`Idempotent-Replayed: true`) and sends nothing again.",
      security: BEARER_SECURITY,
      middleware: [requireScope(tokens, 'pages:write'), bodyLimit(4096, 'Send {"team": "…"}.')] as const,
      request: {
        headers: z.object({
          'idempotency-key': z.string().optional().openapi({ description: '1–255 printable ASCII, per token.' }),
        }),
        body: {
          required: true,
          content: {
            [JSON_TYPE]: {
              schema: z
                .object({ team: z.string().min(1).max(255).openapi({ example: 'group:default/checkout' }) })
                .strict(),
            },
          },
        },
      },
      responses: {
        202: { description: 'Queued (or replayed)', content: { [JSON_TYPE]: { schema: TestResultSchema } } },
        ...problemResponses(400, 401, 403, 404, 413, 500),
        409: describedProblem(
          'The team has no usable receivers (the detail says what was named and why it is unusable)',
        ),
        422: describedProblem('Not a Group reference'),
      },
    }),
    async (c) => {
      const { notified, replayed } = await notifications.sendTest(
        c.req.valid('json').team,
        principalOf(c).name,
        idempotencyKeyOf(c.req.header('idempotency-key')),
      );
      const body = {
        team: notified.team,
        receivers: notified.receivers,
        problems: notified.problems,
        items: notified.entries.map(notificationJson),
      };
      return new Response(JSON.stringify(body), {
        status: 202,
        headers: { 'content-type': JSON_TYPE, ...(replayed ? { 'idempotent-replayed': 'true' } : {}) },
      }) as never;
    },
  );
}
