import { boundedSummary, type NotificationAction, type OutboxEntry } from '../model.ts';

/**
 * A message as a Slack incoming webhook's body: `text` (what notifications and screen
 * readers show) and Block Kit `blocks` (the service, the summary, the severity, the owner
 * and the links). Pure.
 */

/** What each action looks like at the start of a line. */
const HEADLINE: Record<NotificationAction, string> = {
  trigger: ':rotating_light: *Firing*',
  acknowledge: ':eyes: *Acknowledged*',
  resolve: ':white_check_mark: *Resolved*',
};
const PLAIN: Record<NotificationAction, string> = {
  trigger: 'Firing',
  acknowledge: 'Acknowledged',
  resolve: 'Resolved',
};

/**
 * Slack's mrkdwn treats `&`, `<` and `>` as control characters (`<!channel>` mentions
 * everyone, `<url|text>` is a link): the only escapes it documents, applied to every text
 * from a message.
 */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A link `<url|text>`: only http(s) URLs, whose `|`, `<` and `>` would end it early. */
function slackLink(href: string, text: string): string | undefined {
  if (!/^https?:\/\/[^\s]+$/i.test(href)) return undefined;
  const url = href.replace(/\|/g, '%7C').replace(/</g, '%3C').replace(/>/g, '%3E');
  return `<${url}|${slackEscape(text.replace(/[|\r\n]/g, ' '))}>`;
}

/** Slack refuses a section field over 2,000 characters; ours are names and references. */
function field(label: string, value: string): { type: 'mrkdwn'; text: string } {
  return { type: 'mrkdwn', text: `*${label}*\n${slackEscape(value.slice(0, 300))}` };
}

export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

export function slackMessage(entry: OutboxEntry): SlackMessage {
  const m = entry.message;
  const summary = boundedSummary(m.summary);
  const service = m.component ?? m.source;
  const links = m.links.map((l) => slackLink(l.href, l.text)).filter((l): l is string => l !== undefined);
  const fields = [
    field('Service', service),
    field('Severity', m.severity),
    ...(m.owner ? [field('Owner', m.owner)] : []),
    field('Dedup key', entry.dedupKey),
  ];
  return {
    text: `${PLAIN[m.action]}: ${service}: ${summary}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${HEADLINE[m.action]} ${slackEscape(summary)}` } },
      { type: 'section', fields },
      ...(links.length > 0 ? [{ type: 'section', text: { type: 'mrkdwn', text: links.join(' · ') } }] : []),
    ],
  };
}
