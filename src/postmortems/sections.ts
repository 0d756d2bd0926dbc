import type { EntitySection } from '../catalog/pages/entity-sections.ts';
import { html } from '../web/html.ts';
import { siteUrl } from '../web/site.ts';
import { actionItemsTable } from './pages/action-items-table.ts';
import { POSTMORTEMS_PATH } from './pages/postmortem-pages.ts';
import type { ItemView, PostmortemService } from './service.ts';

/** The live portal's post-mortems; a static export has none, so it shows no post-mortem cards. */
export interface PostmortemSources {
  postmortems?: Pick<PostmortemService, 'teamItems'>;
}

/**
 * A team page's post-mortem action items (its own and its members'): overdue and escalated
 * first, deprioritised ones with the reason and who decided. Done items are left out: the
 * card is about what still needs someone.
 */
const teamActions: EntitySection<PostmortemSources, ItemView[]> = {
  id: 'postmortem-actions',
  kinds: ['Group'],
  slot: 'body',
  order: 40,
  // 'hour': an item turns overdue with time, not with a write.
  varies: ['postmortems', 'hour'],
  async load({ postmortems }, { key }) {
    if (!postmortems) return undefined;
    const items = (await postmortems.teamItems(key)).filter((i) => i.status !== 'done');
    return items.length > 0 ? items : undefined;
  },
  view: (
    site,
    items,
  ) => html`<section class="card" aria-labelledby="postmortem-actions"><h2 id="postmortem-actions">Post-mortem action items</h2>
<p>${String(items.filter((i) => i.overdue).length)} overdue (escalated to the team lead once a sprint until done or deprioritised). <a href="${siteUrl(site, POSTMORTEMS_PATH)}">All overdue actions</a></p>
${actionItemsTable(site, items, 'Post-mortem action items', { showIncident: true, empty: '' })}
</section>`,
};

export const postmortemSections: readonly EntitySection<PostmortemSources>[] = [teamActions];
