import { emptyNote, entityLink, timestamp } from '../../web/components.ts';
import { html, type Html } from '../../web/html.ts';
import { siteUrl, type Site } from '../../web/site.ts';
import type { ItemView } from '../service.ts';

/** The site path of an incident's post-mortem page. */
export const postmortemPath = (incidentId: string): string => `incidents/${incidentId}/postmortem/`;

/** Overdue and escalated first (they need someone now), then open, done, deprioritised. */
function rank(item: ItemView): number {
  if (item.overdue) return 0;
  return { open: 1, done: 2, deprioritised: 3 }[item.status];
}

export function sortedItems(items: readonly ItemView[]): ItemView[] {
  return [...items].sort(
    (a, b) => rank(a) - rank(b) || (a.deadline < b.deadline ? -1 : a.deadline > b.deadline ? 1 : a.id - b.id),
  );
}

/** An item's state in words and a badge (never colour alone), with who decided and why when it was deprioritised. */
function statusCell(item: ItemView): Html {
  if (item.status === 'done')
    return html`<span class="badge badge-ok">done</span>${item.doneAt ? html` ${timestamp(item.doneAt)}` : ''}`;
  if (item.status === 'deprioritised')
    return html`<span class="badge badge-quiet">deprioritised</span> by ${item.deprioritisedBy ?? 'someone'}: <q>${item.deprioritisedReason ?? ''}</q>`;
  if (item.overdue)
    return html`<span class="badge badge-error">overdue</span>${
      item.escalatedAt ? html` escalated ${timestamp(item.escalatedAt)}` : html` since ${item.overdueFrom ?? ''}`
    }`;
  return html`<span class="badge badge-quiet">open</span>${item.overdueFrom ? html` <span class="muted">escalated from ${item.overdueFrom} if not done</span>` : ''}`;
}

function row(site: Site, item: ItemView, showIncident: boolean): Html {
  // Tickets are http(s) links by validation; the title is text.
  const title = item.ticket
    ? html`${item.title} <a href="${item.ticket}" rel="noreferrer">ticket</a>`
    : html`${item.title}`;
  return html`<tr>
<td>${title}</td>
${showIncident ? html`<td data-label="Incident"><a href="${siteUrl(site, postmortemPath(item.incidentId))}">#${item.incidentId}</a></td>` : ''}
<td data-label="Owner">${entityLink(site, { ref: item.owner })}</td>
<td data-label="Deadline">${item.deadline}</td>
<td data-label="Type">${item.type}</td>
<td data-label="Status">${statusCell(item)}</td>
</tr>`;
}

/** A table of action items with their owners, deadlines and states; `caption` names it for screen readers. */
export function actionItemsTable(
  site: Site,
  items: readonly ItemView[],
  caption: string,
  options: { showIncident: boolean; empty: string },
): Html {
  if (items.length === 0) return emptyNote(options.empty);
  return html`<div class="table-scroll" tabindex="0" role="region" aria-label="${caption}"><table class="action-items">
<caption>${caption}</caption>
<thead><tr><th scope="col">Item</th>${options.showIncident ? html`<th scope="col">Incident</th>` : ''}<th scope="col">Owner</th><th scope="col">Deadline</th><th scope="col">Type</th><th scope="col">Status</th></tr></thead>
<tbody>${sortedItems(items).map((item) => row(site, item, options.showIncident))}</tbody>
</table></div>`;
}
