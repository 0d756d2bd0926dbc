import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { DeploymentInput } from './model.ts';

/**
 * GitHub `deployment_status` webhooks, as pure rules: the signature check and the mapping
 * of a payload to a deployment. The service is found through the catalog annotation
 * `github.com/project-slug` (owner/repo), the way Backstage's GitHub plugins find it.
 */

export const PROJECT_SLUG_ANNOTATION = 'github.com/project-slug';

/** Whether `X-Hub-Signature-256` is the HMAC-SHA256 of the raw body under the secret, compared in constant time. */
export function signatureMatches(secret: string, body: Buffer | string, header: string | undefined): boolean {
  if (!header || !/^sha256=[0-9a-f]{64}$/i.test(header)) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  const presented = Buffer.from(header.slice('sha256='.length), 'hex');
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

const STATES: Record<string, DeploymentInput['status'] | undefined> = {
  success: 'succeeded',
  failure: 'failed',
  error: 'failed',
};

/**
 * How old a delivery's status may be. GitHub redelivers (by hand or by script) deliveries of
 * the past 3 days, with their original payload; a signed body older than that is a replay.
 * Shorter than the idempotency keys are kept, so a replay within it is still recognised.
 */
export const DELIVERY_WINDOW_MS = 3 * 86_400_000;

export type Mapped =
  | {
      kind: 'deployment';
      repository: string;
      requestedService: string | undefined;
      deployment: Omit<DeploymentInput, 'service'>;
      /** The idempotency key of the write, from what the signature covers (see `deliveryKey`). */
      key: string;
      /** The status's newest time in ms (`created_at`, `updated_at`), undefined when neither parses. */
      statusAt: number | undefined;
    }
  | { kind: 'ignored'; reason: string };

const record = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const id = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : undefined;

/**
 * The idempotency key of a delivery, from the signed payload and never from the unsigned
 * `X-GitHub-Delivery` header: the repository, the deployment and the status. A redelivery, a
 * captured body resent under any delivery id, or the same status sent by a repository and an
 * organisation webhook is one write; a new status of the same deployment is another. A
 * payload without those ids is keyed by its whole content.
 */
function deliveryKey(payload: unknown, repository: string, deploymentId: unknown, statusId: unknown): string {
  const ids = [id(deploymentId), id(statusId)];
  const identity = ids.every((i) => i !== undefined)
    ? JSON.stringify([repository.toLowerCase(), ...ids])
    : JSON.stringify(payload);
  return `github:${createHash('sha256').update(identity).digest('hex')}`;
}

/**
 * A `deployment_status` payload as a deployment, or why it is not one: only final states
 * count (`success`, `failure`, `error`); `pending`, `queued`, `in_progress` and `inactive`
 * (GitHub marks the previous deployment inactive when a new one succeeds) are not
 * deployments of their own. The payload carries no commit times, so such deployments
 * have no commits: lead time needs `atrium deploy record` (DORA warns about them).
 * A deployment's custom payload may name the service (`{"service": "component:default/x"}`)
 * when several entities share a repository.
 */
export function mapDeploymentStatus(payload: unknown): Mapped {
  const body = record(payload);
  const status = record(body.deployment_status);
  const deployment = record(body.deployment);
  const repository = text(record(body.repository).full_name);
  const state = text(status.state);
  if (!repository) return { kind: 'ignored', reason: 'the payload has no repository.full_name' };
  if (!state) return { kind: 'ignored', reason: 'the payload has no deployment_status.state' };
  const mapped = STATES[state];
  if (!mapped) return { kind: 'ignored', reason: `state "${state}" is not a finished deployment` };
  const sha = text(deployment.sha) ?? '';
  const custom = record(deployment.payload);
  const version =
    text(custom.version) ??
    (text(deployment.ref) && deployment.ref !== sha
      ? `${String(deployment.ref)}@${sha.slice(0, 7)}`
      : sha.slice(0, 12));
  const url = [status.log_url, status.target_url, status.environment_url, deployment.url]
    .map(text)
    .find((u) => u !== undefined && /^https:\/\//.test(u));
  const actor = text(record(status.creator).login) ?? text(record(body.sender).login);
  const finishedAt = text(status.created_at) ?? text(status.updated_at) ?? '';
  const times = [status.created_at, status.updated_at]
    .map((t) => (typeof t === 'string' ? Date.parse(t) : Number.NaN))
    .filter((ms) => !Number.isNaN(ms));
  return {
    kind: 'deployment',
    repository,
    requestedService: text(custom.service),
    key: deliveryKey(payload, repository, deployment.id, status.id),
    statusAt: times.length > 0 ? Math.max(...times) : undefined,
    deployment: {
      environment: text(status.environment) ?? text(deployment.environment) ?? '',
      version,
      status: mapped,
      startedAt: text(deployment.created_at) ?? finishedAt,
      finishedAt,
      commits: [],
      ...(url ? { url } : {}),
      ...(actor ? { actor } : {}),
    },
  };
}
