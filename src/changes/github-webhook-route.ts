import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler, TypedResponse } from 'hono';
import type { JSONParsed } from 'hono/utils/types';
import { admit, shed } from '../platform/admission.ts';
import { AtriumError } from '../platform/errors.ts';
import type { App } from '../platform/http/app.ts';
import { bodyLimit } from '../platform/http/body-limit.ts';
import { describedProblem, problemResponses } from '../platform/http/problem-responses.ts';
import { DELIVERY_WINDOW_MS, mapDeploymentStatus, PROJECT_SLUG_ANNOTATION, signatureMatches } from './github.ts';
import { DeploymentInputSchema } from './schema.ts';
import type { ChangeService } from './service.ts';

/** deployment_status payloads are a few KiB; GitHub caps any payload at 25 MB. */
const MAX_WEBHOOK_BYTES = 1024 * 1024;
const WEBHOOK_PRINCIPAL = { name: 'github-webhook', scopes: ['deployments:write'] };

const Outcome = z
  .object({ outcome: z.enum(['recorded', 'ignored', 'pong']), detail: z.string(), deployment: z.unknown().optional() })
  .openapi('WebhookOutcome');

/**
 * GitHub `deployment_status` webhooks: the signature proves the sender (no token) but covers
 * only the body, so redeliveries and replays are recognised by the ids inside it and stale
 * bodies refused; the repository names the service through `github.com/project-slug`.
 */
export function registerGithubWebhook(
  app: App,
  changes: ChangeService,
  secret: string | undefined,
  now: () => Date,
): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/webhooks/github',
      tags: ['Changes'],
      summary: 'GitHub deployment_status webhook',
      description: `Records GitHub deployments as they finish. Configure the webhook with content type application/json, the secret in ATRIUM_GITHUB_WEBHOOK_SECRET, and the "Deployment statuses" event. The repository is mapped to the catalog entity annotated \`${PROJECT_SLUG_ANNOTATION}: owner/repo\`. Final states are recorded (success → succeeded, failure and error → failed); others are acknowledged and ignored. A deployment status is recorded once, whatever its X-GitHub-Delivery (redeliveries answer the first answer), and a status older than ${DELIVERY_WINDOW_MS / 86_400_000} days is refused.`,
      // Refused first when writes are at capacity (nothing read, nothing checked); otherwise the
      // body is read (bounded in size and time) and its signature verified before the request
      // takes a write slot: unsigned or trickled deliveries cannot hold the capacity that token
      // holders' writes need. Its idempotency keys are the webhook principal's own.
      middleware: [
        shed(changes.writes),
        bodyLimit(MAX_WEBHOOK_BYTES, 'Subscribe the webhook to "Deployment statuses" only.'),
        signedWith(secret),
        admit(changes.writes),
      ] as const,
      request: {
        headers: z.object({
          'x-hub-signature-256': z.string().optional(),
          'x-github-event': z.string().optional(),
        }),
      },
      responses: {
        200: {
          description: 'Ping answered, or the event ignored',
          content: { 'application/json': { schema: Outcome } },
        },
        201: {
          description: 'Deployment recorded (or a redelivery replayed)',
          content: { 'application/json': { schema: Outcome } },
        },
        ...problemResponses(400, 413),
        401: describedProblem('Missing or wrong signature'),
        422: describedProblem(
          'No catalog entity for the repository, the deployment is invalid, or its status is too old to be a redelivery',
        ),
        429: describedProblem('At capacity: GitHub shows the delivery as failed; redeliver it later'),
        500: describedProblem('No webhook secret configured'),
      },
    }),
    async (c) => {
      const raw = Buffer.from(await c.req.arrayBuffer());
      const event = c.req.header('x-github-event');
      const answer = (status: 200 | 201, outcome: z.infer<typeof Outcome>) =>
        c.json(outcome, status) as TypedResponse<JSONParsed<z.infer<typeof Outcome>>, typeof status, 'json'>;
      if (event === 'ping')
        return answer(200, {
          outcome: 'pong',
          detail: 'Atrium received the ping; it records deployment_status events.',
        });
      if (event !== 'deployment_status')
        return answer(200, {
          outcome: 'ignored',
          detail: `Atrium records deployment_status events, not ${event ?? 'events without X-GitHub-Event'}.`,
        });
      let payload: unknown;
      try {
        payload = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new AtriumError({
          category: 'user-fixable',
          code: 'invalid-request',
          message: 'The webhook payload is not JSON',
          hint: 'Set the webhook content type to application/json.',
        });
      }
      const mapped = mapDeploymentStatus(payload);
      if (mapped.kind === 'ignored')
        return answer(200, { outcome: 'ignored', detail: `Not recorded: ${mapped.reason}.` });
      if (mapped.statusAt !== undefined && now().getTime() - mapped.statusAt > DELIVERY_WINDOW_MS) {
        const days = DELIVERY_WINDOW_MS / 86_400_000;
        throw new AtriumError({
          category: 'user-fixable',
          code: 'delivery-too-old',
          status: 422,
          message: `The deployment status is from ${new Date(mapped.statusAt).toISOString()}, more than ${days} days ago: older deliveries are refused as possible replays`,
          hint: `GitHub redelivers only the past ${days} days; record an older deployment with \`atrium deploy record\` (POST /api/v1/deployments).`,
        });
      }
      const services = await changes.servicesOfRepository(mapped.repository, mapped.requestedService);
      if (services.length !== 1) {
        throw new AtriumError({
          category: 'user-fixable',
          code: services.length === 0 ? 'repository-not-in-catalog' : 'repository-ambiguous',
          status: 422,
          message:
            services.length === 0
              ? `No catalog entity is annotated ${PROJECT_SLUG_ANNOTATION}: ${mapped.repository}`
              : `${services.length} catalog entities are annotated ${PROJECT_SLUG_ANNOTATION}: ${mapped.repository} (${services.join(', ')})`,
          hint:
            services.length === 0
              ? `Add the annotation ${PROJECT_SLUG_ANNOTATION}: ${mapped.repository} to the service's catalog-info.yaml.`
              : 'Name the service in the deployment\'s payload: {"service": "component:default/<name>"}.',
        });
      }
      const parsed = DeploymentInputSchema.safeParse({ ...mapped.deployment, service: services[0] });
      if (!parsed.success) {
        const errors = parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
        throw new AtriumError({
          category: 'user-fixable',
          code: 'invalid-request',
          status: 422,
          message: `The deployment in the payload is invalid: ${errors[0]?.field}: ${errors[0]?.message}`,
          hint: "Check the deployment's environment name and times.",
          details: { errors },
        });
      }
      const result = await changes.recordDeployments(
        c.req.routePath,
        [parsed.data],
        WEBHOOK_PRINCIPAL,
        mapped.key,
        false,
      );
      return answer(201, {
        outcome: 'recorded',
        detail: result.replayed ? 'A redelivery: already recorded.' : `Recorded for ${services[0]}.`,
        deployment: JSON.parse(result.body) as unknown,
      });
    },
  );
}

/**
 * A middleware that lets a delivery through only when a secret is configured and the
 * body (read already, by bodyLimit) carries its signature: the webhook's authentication.
 */
function signedWith(secret: string | undefined): MiddlewareHandler {
  return async function signedMiddleware(c, next) {
    if (!secret) {
      throw new AtriumError({
        category: 'operator-fixable',
        code: 'webhook-not-configured',
        message: 'GitHub webhooks are not enabled on this server',
        hint: 'Set ATRIUM_GITHUB_WEBHOOK_SECRET (or githubWebhookSecret in atrium.yaml) to the secret configured on the GitHub webhook.',
      });
    }
    if (!signatureMatches(secret, Buffer.from(await c.req.arrayBuffer()), c.req.header('x-hub-signature-256'))) {
      throw new AtriumError({
        category: 'user-fixable',
        code: 'signature-invalid',
        status: 401,
        message: 'The X-Hub-Signature-256 header is missing or does not match the payload',
        hint: 'Set the same secret on the GitHub webhook and in ATRIUM_GITHUB_WEBHOOK_SECRET, with content type application/json.',
      });
    }
    await next();
  };
}
