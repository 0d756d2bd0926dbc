import { emptyNote, timestamp } from '../../web/components.ts';
import { html, type Html } from '../../web/html.ts';
import { layout } from '../../web/layout.ts';
import { renderMarkdown } from '../../web/markdown.ts';
import { siteUrl, type Site } from '../../web/site.ts';
import { MAX_ACTION_ITEMS } from '../action-items.ts';
import type { PostMortem } from '../model.ts';
import type { ItemView, PostmortemView } from '../service.ts';
import { actionItemsTable, postmortemPath } from './action-items-table.ts';

/** The site path of the dashboard: overdue action items and unreviewed post-mortems. */
export const POSTMORTEMS_PATH = 'postmortems/';

export interface DashboardData {
  overdue: ItemView[];
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
</section>`,
  });
}
