import { emptyNote, entityLink, refName, timestamp } from '../../web/components.ts';
import { html, type Html } from '../../web/html.ts';
import { layout } from '../../web/layout.ts';
import { siteUrl, type Site } from '../../web/site.ts';
import type { NotificationStatus, OutboxEntry } from '../model.ts';

export const NOTIFICATIONS_PATH = 'notifications/';

export interface NotificationsPageData {
  entries: OutboxEntry[];
  /** The configured receivers (names and types, never URLs), for the filter. */
  receivers: { name: string; type: string }[];
  status?: NotificationStatus;
  receiver?: string;
  /** The query of the next (older) page, when there is one. */
  older?: string;
}

const STATUS_BADGE: Record<NotificationStatus, string> = {
  queued: 'badge-quiet',
  sent: 'badge-ok',
  failed: 'badge-error',
};

function statusCell(entry: OutboxEntry): Html {
  const badge = html`<span class="badge ${STATUS_BADGE[entry.status]}">${entry.status}</span>`;
  if (entry.status === 'sent' && entry.sentAt) return html`${badge} ${timestamp(entry.sentAt)}`;
  if (entry.status === 'queued' && entry.attempts > 0)
    return html`${badge} <span class="muted">next ${timestamp(entry.nextAttemptAt)}</span>`;
  return badge;
}

/** What the receiver said last: its answer when it accepted, else its last refusal or failure. */
function answerCell(entry: OutboxEntry): Html | string {
  if (entry.status === 'sent') return entry.answer ?? '';
  return entry.lastError ? html`<span class="notification-error">${entry.lastError}</span>` : '';
}

function row(site: Site, entry: OutboxEntry): Html {
  // On a phone each cell is a labelled line: an empty answer gets no label.
  const answer = answerCell(entry);
  return html`<tr>
<td data-label="Queued">${timestamp(entry.createdAt)}</td>
<td>${entityLink(site, { ref: entry.subjectKey, title: refName(entry.subjectKey) })}<br><span class="notification-summary">${entry.message.summary}</span></td>
<td data-label="Action">${entry.message.action}</td>
<td data-label="Receiver">${entry.receiver}</td>
<td data-label="Status">${statusCell(entry)}</td>
<td data-label="Attempts">${String(entry.attempts)}</td>
${answer === '' ? html`<td></td>` : html`<td data-label="Answer">${answer}</td>`}
<td data-label="Dedup key"><code>${entry.dedupKey}</code></td>
</tr>`;
}

function option(value: string, label: string, selected: string | undefined): Html {
  return html`<option value="${value}"${value === (selected ?? '') ? html` selected` : ''}>${label}</option>`;
}

/**
 * The Notifications page: what the outbox sent, to which receiver (by name), how it went
 * and what the receiver answered, newest first. It shows each message's one-line summary,
 * as a service's Page card does; the details and links are the API's (`notifications:read`).
 */
export function notificationsView(site: Site, data: NotificationsPageData): Html {
  const filters = html`<form class="filters" method="get" action="${siteUrl(site, NOTIFICATIONS_PATH)}">
<p class="form-row"><label for="n-status">Status</label> <select id="n-status" name="status">${option('', 'any', data.status)}${option('queued', 'queued', data.status)}${option('sent', 'sent', data.status)}${option('failed', 'failed', data.status)}</select></p>
<p class="form-row"><label for="n-receiver">Receiver</label> <select id="n-receiver" name="receiver">${option('', 'any', data.receiver)}${data.receivers.map((r) => option(r.name, `${r.name} (${r.type})`, data.receiver))}</select></p>
<p><button type="submit">Filter</button></p>
</form>`;
  const table =
    data.entries.length === 0
      ? emptyNote(data.status || data.receiver ? 'No notification matches.' : 'Nothing was sent yet.')
      : html`<div class="table-scroll" tabindex="0" role="region" aria-label="Notifications"><table class="notifications">
<caption>Notifications, newest first</caption>
<thead><tr><th scope="col">Queued</th><th scope="col">About</th><th scope="col">Action</th><th scope="col">Receiver</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Answer</th><th scope="col">Dedup key</th></tr></thead>
<tbody>${data.entries.map((e) => row(site, e))}</tbody>
</table></div>`;
  const older = data.older
    ? html`<nav class="pager" aria-label="Pages"><ul><li><a rel="next" href="${siteUrl(site, `${NOTIFICATIONS_PATH}?${data.older}`)}">Older</a></li></ul></nav>`
    : '';
  return layout({
    site,
    title: 'Notifications',
    description: 'What Atrium sent to PagerDuty, Slack and webhooks, and how it went',
    crumbs: [{ label: 'Home', href: siteUrl(site, '') }, { label: 'Notifications' }],
    main: html`<h1>Notifications</h1>
<p class="lede">Pages, alerts and tests the outbox sent, to which receiver, and what it answered. Receivers are named as configured; their addresses are not shown.</p>
${filters}
${table}
${older}`,
  });
}
