import { boundedSummary, type DeliveryOutcome, type OutboxEntry } from '../model.ts';
import { postMessage } from './post-message.ts';
import type { Receiver } from './receiver.ts';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export interface PagerDutyEventsOptions {
  name: string;
  /** The Events API v2 endpoint (tests point it at a loopback server). */
  url?: string;
  /** The integration key for messages that carry none of their own. */
  routingKey?: string;
  /** The whole exchange's bound (default RECEIVER_TIMEOUT_MS). */
  timeoutMs?: number;
  now?: () => Date;
}

/**
 * The Events API v2 event for an entry. A trigger carries the payload (PagerDuty collapses
 * triggers with one dedup_key into one alert); an acknowledge or resolve is only the routing
 * key, the action and the dedup key, as the Events API documents them.
 */
export function pagerDutyEvent(entry: OutboxEntry, routingKey: string): Record<string, unknown> {
  const m = entry.message;
  if (m.action !== 'trigger') return { routing_key: routingKey, event_action: m.action, dedup_key: entry.dedupKey };
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: entry.dedupKey,
    client: 'Atrium',
    payload: {
      summary: boundedSummary(m.summary),
      source: m.source,
      severity: m.severity,
      timestamp: entry.createdAt,
      ...(m.component ? { component: m.component } : {}),
      ...(m.group ? { group: m.group } : {}),
      ...(m.class ? { class: m.class } : {}),
      custom_details: m.owner && m.details.owner === undefined ? { ...m.details, owner: m.owner } : m.details,
    },
    links: m.links,
  };
}

/** PagerDuty's Events API v2: 202 accepted; 400 never will be; 429 and 5xx later. */
export function pagerDutyEventsReceiver(options: PagerDutyEventsOptions): Receiver {
  const url = options.url ?? PAGERDUTY_EVENTS_URL;
  const now = options.now ?? (() => new Date());
  return {
    name: options.name,
    type: 'pagerduty',
    async deliver(entry, signal): Promise<DeliveryOutcome> {
      const routingKey = entry.message.routingKey ?? options.routingKey;
      if (!routingKey)
        return {
          kind: 'rejected',
          error: 'no integration key: set the receiver’s routingKeyEnv or the pagerduty.com/integration-key annotation',
        };
      return postMessage({
        url,
        headers: { accept: 'application/json' },
        body: JSON.stringify(pagerDutyEvent(entry, routingKey)),
        timeoutMs: options.timeoutMs,
        signal,
        now,
        detail: pagerDutyMessage,
      });
    },
  };
}

/** `message` and `errors` of PagerDuty's answer, for the entry's last error; never the request (it holds the key). */
function pagerDutyMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; errors?: unknown };
    const errors = Array.isArray(body.errors) ? body.errors.filter((e) => typeof e === 'string').join('; ') : '';
    return [typeof body.message === 'string' ? body.message : '', errors].filter(Boolean).join(': ');
  } catch {
    return '';
  }
}
