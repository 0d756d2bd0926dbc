import { boundedSummary, type NotificationMessage } from '../notifications/model.ts';

/**
 * Paging's rules: where a service's page goes, what a page says, and what a person may
 * send. Nothing here does I/O.
 */

/** Backstage's PagerDuty plugin annotation: the integration (routing) key. (On-call schedules: oncall/vendor-target.ts.) */
export const PAGERDUTY_INTEGRATION_KEY = 'pagerduty.com/integration-key';
/** Atrium's own: a receiver other than the default. */
export const PAGE_RECEIVER = 'atrium.dev/page-receiver';

/** A page's message: one line a person reads at 3 AM. */
export const MESSAGE_MAX = 1000;
/** Who pages: a name, as typed or a token's. */
export const BY_MAX = 100;

export interface PageTarget {
  receiver: string;
  routingKey?: string;
}

/**
 * Where a page about an entity goes: the receiver its `atrium.dev/page-receiver` annotation
 * names, else the configured default; with its `pagerduty.com/integration-key` as the
 * routing key. Undefined when no receiver is configured for it (no Page button).
 */
export function pageTarget(
  annotations: Readonly<Record<string, string>> | undefined,
  defaultReceiver: string | undefined,
  configured: (name: string) => boolean,
): PageTarget | undefined {
  const receiver = annotations?.[PAGE_RECEIVER] ?? defaultReceiver;
  if (receiver === undefined || !configured(receiver)) return undefined;
  const routingKey = annotations?.[PAGERDUTY_INTEGRATION_KEY]?.trim();
  return routingKey ? { receiver, routingKey } : { receiver };
}

/** Control characters other than line breaks and tabs: invisible in a pager's notification, and a way to forge lines. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** What is wrong with a page's fields, field by field; empty when nothing is. */
export function pageInputProblems(message: string, by: string): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const text = message.trim();
  if (text === '') problems.push({ field: 'message', message: 'say what is wrong' });
  else if (text.length > MESSAGE_MAX) problems.push({ field: 'message', message: `at most ${MESSAGE_MAX} characters` });
  else if (CONTROL.test(text)) problems.push({ field: 'message', message: 'control characters are not allowed' });
  const who = by.trim();
  if (who === '') problems.push({ field: 'by', message: 'say who is paging' });
  else if (who.length > BY_MAX) problems.push({ field: 'by', message: `at most ${BY_MAX} characters` });
  else if (/[\r\n]/.test(who) || CONTROL.test(who))
    problems.push({ field: 'by', message: 'one line, no control characters' });
  return problems;
}

export interface PageFacts {
  serviceRef: string;
  serviceName: string;
  owner?: string;
  system?: string;
  by: string;
  message: string;
  /** The service's page in the portal, for the responder. */
  pageUrl?: string;
}

/** The message a page sends: PagerDuty's trigger fields, read by the other receivers as text. */
export function pageMessage(facts: PageFacts, routingKey?: string): NotificationMessage {
  const message = facts.message.trim();
  const summary = `${facts.serviceName}: ${message.split('\n')[0]} (paged by ${facts.by.trim()} in Atrium)`;
  return {
    action: 'trigger',
    summary: boundedSummary(summary),
    severity: 'critical',
    source: facts.serviceRef,
    component: facts.serviceName,
    ...(facts.system ? { group: facts.system } : {}),
    class: 'page',
    ...(facts.owner ? { owner: facts.owner } : {}),
    details: {
      message,
      pagedBy: facts.by.trim(),
      service: facts.serviceRef,
      ...(facts.owner ? { owner: facts.owner } : {}),
    },
    links: facts.pageUrl ? [{ href: facts.pageUrl, text: `${facts.serviceName} in Atrium` }] : [],
    ...(routingKey ? { routingKey } : {}),
  };
}
