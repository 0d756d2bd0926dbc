import { html, type Html } from '../../web/html.ts';
import { layout } from '../../web/layout.ts';
import { emptyNote, section, timestamp } from '../../web/components.ts';
import { entityPath, siteUrl, type Site } from '../../web/site.ts';
import { NOTIFICATIONS_PATH } from '../../notifications/pages/notifications-view.ts';
import { BY_MAX, MESSAGE_MAX } from '../model.ts';
import type { PageStatus } from '../service.ts';

export interface PageCardData {
  receiver: string;
  recent: PageStatus[];
}

/** "queued", "sent at 02:14 UTC" or "failed: why", with the dedup key PagerDuty groups by. */
function statusLine(page: PageStatus): Html {
  const state =
    page.status === 'sent' && page.sentAt
      ? html`<strong>sent</strong> at ${timestamp(page.sentAt)}`
      : page.status === 'failed'
        ? html`<strong>failed</strong> after ${page.attempts} attempts${page.lastError ? html`: ${page.lastError}` : ''}`
        : html`<strong>queued</strong>${page.attempts > 0 ? html` (attempt ${page.attempts + 1} next${page.lastError ? html`; last: ${page.lastError}` : ''})` : ''}`;
  return html`<li>${timestamp(page.queuedAt)} ${page.by}: “${page.message}” → ${state} <span class="muted">(dedup key <code>${page.dedupKey}</code>)</span></li>`;
}

/**
 * The Page card: a form that pages the service's on-call through the outbox, and how the
 * last pages went. Pages have no sign-in, so the form asks for a `pages:write` token
 * (never stored by the page), like the flag switch form.
 */
export function pageCard(site: Site, data: PageCardData): Html {
  return section(
    'page-oncall',
    'Page the on-call',
    html`<form class="page-form" method="post" action="page-oncall/"><fieldset><legend>Page through ${data.receiver}</legend>
<p class="form-row"><label for="page-message">What is wrong</label> <textarea id="page-message" name="message" required maxlength="${String(MESSAGE_MAX)}" rows="2"></textarea></p>
<p class="form-row"><label for="page-by">Your name</label> <input id="page-by" name="by" required maxlength="${String(BY_MAX)}" autocomplete="name"></p>
<p class="form-row"><label for="page-token">Token with pages:write</label> <input id="page-token" name="token" type="password" autocomplete="off" required maxlength="200"></p>
<p><button type="submit">Page</button></p>
</fieldset></form>
${data.recent.length > 0 ? html`<h3>Recent pages</h3><ul class="page-statuses">${data.recent.map(statusLine)}</ul>` : emptyNote('No one was paged from here yet.')}
<p><a href="${siteUrl(site, NOTIFICATIONS_PATH)}">Every notification sent</a></p>`,
  );
}

/** The answer to the Page form when the page was not queued: what went wrong and what to do, with the way back. */
export function pageRefusedView(site: Site, ref: string, message: string, hint: string): Html {
  const back = siteUrl(site, entityPath(ref));
  return layout({
    site,
    title: 'The page was not sent',
    section: 'catalog',
    crumbs: [{ label: 'Catalog', href: siteUrl(site, 'catalog/') }, { label: ref, href: back }, { label: 'Page' }],
    main: html`<h1>The page was not sent</h1><p class="lede">${message}</p><p>${hint}</p><p><a href="${back}">Back to ${ref}</a></p>`,
  });
}
