import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SeverityLevel } from './model.ts';

/**
 * PagerDuty V3 webhooks, as pure rules: the signature check and the mapping of an
 * `incident.triggered` / `acknowledged` / `resolved` event to what it does to an Atrium
 * incident. The service is found through the catalog annotation `pagerduty.com/service-id`.
 */

export const PAGERDUTY_SERVICE_ANNOTATION = 'pagerduty.com/service-id';

/**
 * How old an event may be. PagerDuty retries a failed delivery for a short while; a
 * correctly signed body older than this is a replay, and is refused.
 */
export const EVENT_WINDOW_MS = 24 * 3_600_000;

/**
 * Whether `X-PagerDuty-Signature` carries, among its comma-separated `v1=<hex>` values,
 * the HMAC-SHA256 of the raw body under one of the secrets (several while a secret is
 * rotated: PagerDuty signs with each), compared in constant time.
 */
export function pagerDutySignatureMatches(
  secrets: readonly string[],
  body: Buffer | string,
  header: string | undefined,
): boolean {
  if (!header || header.length > 4096) return false;
  const presented = header
    .split(',')
    .map((part) => part.trim())
    .filter((part) => /^v1=[0-9a-f]{64}$/i.test(part))
    .map((part) => Buffer.from(part.slice(3), 'hex'));
  if (presented.length === 0) return false;
  return secrets.some((secret) => {
    const expected = createHmac('sha256', secret).update(body).digest();
    return presented.some((p) => p.length === expected.length && timingSafeEqual(p, expected));
  });
}

export type PagerDutyAction = 'triggered' | 'acknowledged' | 'resolved';

export type PagerDutyEvent =
  | {
      kind: PagerDutyAction;
      /** The webhook event's own id (one per delivery of one event). */
      eventId: string;
      /** PagerDuty's incident id: the Atrium incident's external id. */
      incidentId: string;
      serviceId: string;
      title: string;
      /** When it happened (the event's occurred_at), UTC ISO. */
      at: string;
      /** When the PagerDuty incident was created (its start), UTC ISO. */
      createdAt: string;
      /** The Atrium severity it maps to. */
      severity: string;
      /** Who did it in PagerDuty (the agent's summary), if said. */
      agent?: string;
    }
  | { kind: 'ignored'; reason: string };

const ACTIONS: Record<string, PagerDutyAction> = {
  'incident.triggered': 'triggered',
  'incident.acknowledged': 'acknowledged',
  'incident.resolved': 'resolved',
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown, max = 1024): string | undefined =>
  typeof v === 'string' && v.length > 0 && v.length <= max ? v : undefined;
const time = (v: unknown): string | undefined => {
  const text = str(v, 64);
  const ms = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
};

/**
 * The Atrium severity of a PagerDuty incident: its priority's name when the scale has it
 * (P1 … when configured so), else high urgency → the scale's second level, low → its third
 * (the most severe is left to people).
 */
export function severityOf(
  severities: readonly SeverityLevel[],
  priority: string | undefined,
  urgency: string | undefined,
): string {
  const named = severities.find((s) => s.name === priority);
  if (named) return named.name;
  const index = urgency === 'low' ? 2 : 1;
  return (severities[Math.min(index, severities.length - 1)] as SeverityLevel).name;
}

/** Maps a V3 webhook payload (`{ event: { event_type, occurred_at, data: incident } }`). */
export function mapPagerDutyEvent(payload: unknown, severities: readonly SeverityLevel[]): PagerDutyEvent {
  const event = isRecord(payload) ? payload.event : undefined;
  if (!isRecord(event)) return { kind: 'ignored', reason: 'not a V3 webhook payload (no "event")' };
  const type = str(event.event_type, 100);
  const kind = type === undefined ? undefined : ACTIONS[type];
  if (!kind)
    return {
      kind: 'ignored',
      reason: `Atrium acts on incident.triggered, acknowledged and resolved, not ${type ?? 'this event'}`,
    };
  const data = event.data;
  const service = isRecord(data) ? data.service : undefined;
  const eventId = str(event.id, 100);
  const incidentId = isRecord(data) ? str(data.id, 100) : undefined;
  const serviceId = isRecord(service) ? str(service.id, 100) : undefined;
  const at = time(event.occurred_at);
  if (!isRecord(data) || !eventId || !incidentId || !serviceId || !at)
    return { kind: 'ignored', reason: 'the event lacks its id, occurred_at, or its incident’s id or service' };
  const priority = isRecord(data.priority) ? str(data.priority.summary, 32) : undefined;
  const agent = isRecord(event.agent) ? str(event.agent.summary, 100) : undefined;
  // A title is one line; PagerDuty's may hold anything, so control characters become spaces.
  const title = (str(data.title, 10_000) ?? `PagerDuty incident ${incidentId}`)
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g, ' ')
    .trim()
    .slice(0, 200);
  return {
    kind,
    eventId,
    incidentId,
    serviceId,
    title: title || `PagerDuty incident ${incidentId}`,
    at,
    createdAt: time(data.created_at) ?? at,
    severity: severityOf(severities, priority, str(data.urgency, 10)),
    ...(agent ? { agent: agent.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ') } : {}),
  };
}
