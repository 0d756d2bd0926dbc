import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { type Admission, admit, shed } from '../platform/admission.ts';
import { AtriumError } from '../platform/errors.ts';
import type { App } from '../platform/http/app.ts';
import { bodyLimit } from '../platform/http/body-limit.ts';
import { describedProblem, problemResponses } from '../platform/http/problem-responses.ts';
import {
  EVENT_WINDOW_MS,
  mapPagerDutyEvent,
  PAGERDUTY_SERVICE_ANNOTATION,
  pagerDutySignatureMatches,
} from './pagerduty.ts';
import type { IncidentService } from './service.ts';

/** V3 webhook payloads are a few KiB (an incident and its references). */
export const MAX_PAGERDUTY_BYTES = 256 * 1024;

const Outcome = z
  .object({
    outcome: z.enum(['declared', 'updated', 'unchanged', 'ignored']),
    detail: z.string(),
    incident: z.number().int().optional(),
  })
  .openapi('PagerDutyWebhookOutcome');

/**
 * PagerDuty V3 webhooks (a Generic Webhook subscription on the service or account): the
 * signature proves the sender; a delivery of an event already applied changes nothing, and
 * an event older than a day is refused as a replay.
 */
export function registerPagerDutyWebhook(
  app: App,
  incidents: IncidentService,
  secrets: readonly string[],
  writes: Admission,
  now: () => Date,
): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/incidents/webhooks/pagerduty',
      tags: ['Incidents'],
      summary: 'PagerDuty V3 webhook',
      description: `Declares, acknowledges and resolves incidents from PagerDuty's incident.triggered, incident.acknowledged and incident.resolved events. The PagerDuty service is mapped to the catalog entity annotated \`${PAGERDUTY_SERVICE_ANNOTATION}: <service id>\`. Every delivery must carry \`X-PagerDuty-Signature\` with a \`v1=\` HMAC-SHA256 of the body under one of the configured secrets (incidents.pagerduty.webhookSecretsEnv). A redelivered event changes nothing; one that occurred more than ${EVENT_WINDOW_MS / 3_600_000} h ago is refused.`,
      middleware: [
        shed(writes),
        bodyLimit(MAX_PAGERDUTY_BYTES, 'Subscribe the webhook to incident.triggered, acknowledged and resolved only.'),
        signedWith(secrets),
        admit(writes),
      ] as const,
      request: { headers: z.object({ 'x-pagerduty-signature': z.string().optional() }) },
      responses: {
        200: {
          description: 'Applied, already applied, or ignored (with why)',
          content: { 'application/json': { schema: Outcome } },
        },
        ...problemResponses(400, 413),
        401: describedProblem('Missing or wrong signature'),
        422: describedProblem('The event occurred too long ago to be a delivery (a replay)'),
        429: describedProblem('At capacity: PagerDuty retries the delivery'),
        500: describedProblem('No webhook secret configured'),
      },
    }),
    async (c) => {
      let payload: unknown;
      try {
        payload = JSON.parse(Buffer.from(await c.req.arrayBuffer()).toString('utf8'));
      } catch {
        throw new AtriumError({
          category: 'user-fixable',
          code: 'invalid-request',
          message: 'The webhook payload is not JSON',
          hint: 'PagerDuty V3 webhooks send application/json.',
        });
      }
      const event = mapPagerDutyEvent(payload, incidents.severities);
      if (event.kind === 'ignored')
        return c.json({ outcome: 'ignored' as const, detail: `Not applied: ${event.reason}.` }, 200);
      if (now().getTime() - Date.parse(event.at) > EVENT_WINDOW_MS)
        throw new AtriumError({
          category: 'user-fixable',
          code: 'delivery-too-old',
          status: 422,
          message: `The event occurred at ${event.at}, more than ${EVENT_WINDOW_MS / 3_600_000} h ago: older deliveries are refused as possible replays`,
          hint: 'Update the incident in Atrium with `atrium incident update` or PATCH /api/v1/incidents/{id}.',
        });
      return c.json(await incidents.fromPagerDuty(event), 200);
    },
  );
}

/** Lets a delivery through only when secrets are configured and the body carries a signature by one of them. */
function signedWith(secrets: readonly string[]): MiddlewareHandler {
  return async function pagerDutySignedMiddleware(c, next) {
    if (secrets.length === 0)
      throw new AtriumError({
        category: 'operator-fixable',
        code: 'webhook-not-configured',
        message: 'PagerDuty webhooks are not enabled on this server',
        hint: "Name the environment variables holding the webhook subscription's secret under incidents.pagerduty.webhookSecretsEnv in atrium.yaml.",
      });
    if (
      !pagerDutySignatureMatches(secrets, Buffer.from(await c.req.arrayBuffer()), c.req.header('x-pagerduty-signature'))
    )
      throw new AtriumError({
        category: 'user-fixable',
        code: 'signature-invalid',
        status: 401,
        message: 'The X-PagerDuty-Signature header is missing or matches none of the configured secrets',
        hint: "Configure the webhook subscription's secret in the environment variable incidents.pagerduty.webhookSecretsEnv names.",
      });
    await next();
  };
}
