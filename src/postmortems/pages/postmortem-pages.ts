import { emptyNote, timestamp } from '../../web/components.ts';
import { html, type Html } from '../../web/html.ts';
import { layout } from '../../web/layout.ts';
import { renderMarkdown } from '../../web/markdown.ts';
import { siteUrl, type Site } from '../../web/site.ts';
import { truncate } from '../../web/truncate.ts';
import { MAX_ACTION_ITEMS, MAX_REASON_LENGTH, MAX_TICKET_LENGTH, MAX_TITLE_LENGTH } from '../action-items.ts';
import { ACTION_TYPES, type PostMortem } from '../model.ts';
import type { ItemView, PostmortemView } from '../service.ts';
import { actionItemsTable, postmortemPath } from './action-items-table.ts';

/** The site path of the dashboard: overdue action items and unreviewed post-mortems. */
export const POSTMORTEMS_PATH = 'postmortems/';

export interface DashboardData {
  /** One page of the overdue items, by id. */
  overdue: ItemView[];
  /** The `after` of the next page of overdue items; null on the last. */
  next: number | null;
  /** Whether this is a later page than the first. */
  paged: boolean;
  unreviewed: PostMortem[];
  unreviewedDays: number;
}

const home = (site: Site) => ({ label: 'Home', href: siteUrl(site, '') });

/** The overdue-actions dashboard: every escalated item until it is done or deprioritised, and post-mortems nobody reviewed. */
export function dashboardView(site: Site, data: DashboardData): Html {
  const unreviewed =
    data.unreviewed.length === 0
      ? emptyNote(`Every post-mortem older than ${data.unreviewedDays} days has been reviewed.`)
      : html`<ul class="unreviewed">${data.unreviewed.map(
          (p) =>
            html`<li><a href="${siteUrl(site, postmortemPath(p.incidentId))}">Incident #${p.incidentId}</a>, published ${timestamp(p.publishedAt)} by ${p.author}</li>`,
        )}</ul>`;
  return layout({
    site,
    title: 'Post-mortem actions',
    description: 'Overdue post-mortem action items and unreviewed post-mortems',
    crumbs: [home(site), { label: 'Post-mortem actions' }],
    main: html`<h1>Post-mortem actions</h1>
<p class="lede">Action items still open two sprints after their post-mortem was published. Each is escalated to its owner's team lead once a sprint until it is done or deprioritised with a reason.</p>
<section aria-labelledby="overdue"><h2 id="overdue">Overdue action items</h2>
${actionItemsTable(site, data.overdue, 'Overdue action items', { showIncident: true, empty: 'Nothing is overdue.' })}
${
  data.next === null && !data.paged
    ? ''
    : html`<p class="list-paging">${data.paged ? html`<a href="${siteUrl(site, POSTMORTEMS_PATH)}">First page</a> ` : ''}${
        data.next === null
          ? ''
          : html`<a href="${siteUrl(site, POSTMORTEMS_PATH)}?after=${String(data.next)}">Next overdue items</a>`
      }</p>`
}
</section>
<section aria-labelledby="unreviewed"><h2 id="unreviewed">Unreviewed post-mortems</h2>
<p>Published more than ${String(data.unreviewedDays)} days ago and not yet reviewed by someone other than their author.</p>
${unreviewed}
</section>`,
  });
}

export interface PostmortemPageData {
  view: PostmortemView;
  title: string;
  /** The blameless template, shown until a post-mortem is published. */
  template?: string;
}

/** A select is as wide as its longest option: titles are cut so the form fits a phone. */
const OPTION_CHARS = 28;

const tokenField = (id: string) =>
  html`<p class="form-row"><label for="${id}">Token with incidents:write</label> <input id="${id}" name="token" type="password" autocomplete="off" required maxlength="200"></p>`;

/**
 * The page's forms: add an item (the same rules as the API: three at most, an owner of the
 * catalog, a deadline), deprioritise one with a reason, publish or edit, review. The token
 * comes in the form, as on the incident page: there is no session to forge.
 */
function forms(data: PostmortemPageData, markdown: string): Html {
  const open = data.view.items.filter((i) => i.status === 'open');
  const deprioritise =
    open.length === 0
      ? ''
      : html`<form class="incident-form" method="post" action="deprioritise/"><fieldset><legend>Deprioritise an item</legend>
<p class="form-row"><label for="dp-item">Item</label> <select id="dp-item" name="item">${open.map((i) => html`<option value="${String(i.id)}">#${String(i.id)} ${truncate(i.title, OPTION_CHARS)}</option>`)}</select></p>
<p class="form-row"><label for="dp-reason">Reason (recorded and shown)</label> <input id="dp-reason" name="reason" required maxlength="${String(MAX_REASON_LENGTH)}"></p>
${tokenField('dp-token')}
<p><button type="submit">Deprioritise</button></p>
</fieldset></form>`;
  return html`<form class="incident-form" method="post" action="actions/"><fieldset><legend>Add an action item</legend>
<p class="form-row"><label for="ai-title">What will be done</label> <input id="ai-title" name="title" required maxlength="${String(MAX_TITLE_LENGTH)}"></p>
<p class="form-row"><label for="ai-owner">Owner (a team or person of the catalog)</label> <input id="ai-owner" name="owner" required maxlength="255" placeholder="group:default/checkout"></p>
<p class="form-row"><label for="ai-deadline">Deadline</label> <input id="ai-deadline" name="deadline" type="date" required></p>
<p class="form-row"><label for="ai-type">Type</label> <select id="ai-type" name="type">${ACTION_TYPES.map((t) => html`<option value="${t}">${t}</option>`)}</select></p>
<p class="form-row"><label for="ai-ticket">Ticket link (optional)</label> <input id="ai-ticket" name="ticket" type="url" maxlength="${String(MAX_TICKET_LENGTH)}"></p>
${tokenField('ai-token')}
<p><button type="submit">Add</button></p>
</fieldset></form>
${deprioritise}
<form class="incident-form" method="post" action="publish/"><fieldset><legend>${data.view.postmortem ? 'Edit the post-mortem' : 'Publish the post-mortem'}</legend>
<p class="form-row"><label for="pm-markdown">Markdown</label> <textarea id="pm-markdown" name="markdown" required rows="12">${markdown}</textarea></p>
${tokenField('pm-token')}
<p><button type="submit">${data.view.postmortem ? 'Save' : 'Publish'}</button></p>
</fieldset></form>
${
  data.view.postmortem && !data.view.postmortem.reviewedAt
    ? html`<form class="incident-form" method="post" action="review/"><fieldset><legend>Review (not by its author)</legend>
${tokenField('rv-token')}
<p><button type="submit">Mark reviewed</button></p>
</fieldset></form>`
    : ''
}`;
}

/** An incident's post-mortem: its Markdown rendered as docs are (raw HTML shown as text), its review and its action items. */
export function postmortemPageView(site: Site, data: PostmortemPageData): Html {
  const { view } = data;
  const pm = view.postmortem;
  const counted = view.items.filter((i) => i.status !== 'deprioritised').length;
  const meta = pm
    ? html`<p>Published ${timestamp(pm.publishedAt)} by ${pm.author}${pm.updatedAt !== pm.publishedAt ? html`, edited ${timestamp(pm.updatedAt)}` : ''}. ${
        pm.reviewedBy && pm.reviewedAt
          ? html`<span class="badge badge-ok">reviewed</span> by ${pm.reviewedBy} ${timestamp(pm.reviewedAt)}`
          : html`<span class="badge badge-warn">not reviewed</span> (by someone other than its author: <code>atrium incident postmortem review ${view.incidentId}</code>)`
      }</p>`
    : html`<p><span class="badge badge-quiet">not published</span> Publish it with <code>atrium incident postmortem publish ${view.incidentId} --file PATH</code> or <code>PUT /api/v1/incidents/${view.incidentId}/postmortem</code>. The template below starts from the incident's timeline.</p>`;
  const markdown = pm?.markdown ?? data.template ?? '';
  const body = renderMarkdown(markdown, { resolveLink: () => undefined, embedded: true }).html;
  return layout({
    site,
    title: `Post-mortem: ${data.title}`,
    description: `The post-mortem of incident #${view.incidentId} and its action items`,
    crumbs: [
      home(site),
      { label: 'Post-mortem actions', href: siteUrl(site, POSTMORTEMS_PATH) },
      { label: `Incident #${view.incidentId}` },
    ],
    main: html`<h1>Post-mortem: ${data.title}</h1>
${meta}
<section aria-labelledby="actions"><h2 id="actions">Action items (${String(counted)} of at most ${String(MAX_ACTION_ITEMS)})</h2>
${actionItemsTable(site, view.items, 'Action items', { showIncident: false, empty: 'No action items yet: add up to three, each with an owner and a deadline.' })}
</section>
<section aria-labelledby="document" class="markdown"><h2 id="document">${pm ? 'The post-mortem' : 'Template'}</h2>
${body}
</section>
<section aria-labelledby="change"><h2 id="change">Change it</h2>
${forms(data, markdown)}
</section>`,
  });
}
