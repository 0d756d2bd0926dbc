import type { ChangeInput } from '../changes/model.ts';
import type { AlertEvent } from './model.ts';

/**
 * An SLO alert firing or resolving, as a change on its service's timeline (kind `alert`),
 * so a responder reads it next to the deploys and flag switches that may have caused it.
 * Pure: slo's evaluation records the input through the change service, in the same
 * transaction as the alert's new state (`recordChange`'s `alongside` write), under the
 * recorder and idempotency key below, so a retried cycle records each transition once.
 */

/** The principal alert changes are recorded as: one of Atrium's own (SYSTEM_RECORDERS), never a token's. */
export const SLO_ALERT_RECORDER = { name: 'slo-alerts', scopes: ['changes:write'] } as const;

/** The route alert changes are recorded under, with their idempotency keys. */
export const SLO_ALERT_ROUTE = '/api/v1/slos';

/** The SLO an alert belongs to, as a timeline needs it. */
export interface AlertedSlo {
  /** The service's entity reference: the timeline the change goes on. */
  service: string;
  name: string;
  title?: string;
}

const SEVERITY_WORDS: Record<AlertEvent['severity'], string> = { page: 'Page', ticket: 'Ticket' };

/** "Page alert firing: shipments-availability burns its error budget above 14.4× over 1h and 5m". */
export function alertSummary(event: AlertEvent, slo: AlertedSlo): string {
  const name = slo.title || slo.name;
  return event.state === 'firing'
    ? `${SEVERITY_WORDS[event.severity]} alert firing: ${name} burns its error budget above ${event.factor}× over ${event.long} and ${event.short}`
    : `${SEVERITY_WORDS[event.severity]} alert resolved: ${name} burns its error budget under ${event.factor}× over ${event.long} or ${event.short} again`;
}

/**
 * The change input of an alert transition; `url` is the SLO page's absolute URL when the
 * portal's public address is known (timelines link only http(s) URLs).
 */
export function alertChangeInput(event: AlertEvent, slo: AlertedSlo, url?: string): ChangeInput {
  return {
    service: slo.service,
    kind: 'alert',
    summary: alertSummary(event, slo),
    at: event.at,
    actor: 'SLO alerting',
    ...(url !== undefined && { url }),
  };
}

/** One key per SLO, severity, state and time: a transition recorded twice (a retried cycle, another replica) is one change. */
export function alertChangeKey(event: AlertEvent): string {
  return `slo-alert:${event.slo}:${event.severity}:${event.state}:${event.at}`;
}
