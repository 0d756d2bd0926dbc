import type { EntitySection } from '../catalog/pages/entity-sections.ts';
import { pageCard, type PageCardData } from './pages/page-view.ts';
import type { PagingService } from './service.ts';

/** The live portal's paging; a static export has none (it cannot send anything). */
export interface PagingSources {
  paging?: Pick<PagingService, 'targetOf' | 'recent'>;
}

/** A service's page, in the lead: the Page button, when a receiver is configured for it. */
const pageSection: EntitySection<PagingSources, PageCardData> = {
  id: 'page-oncall',
  kinds: ['Component'],
  slot: 'lead',
  order: 5,
  varies: ['notifications'],
  async load({ paging }, { key, page }) {
    const target = paging?.targetOf(page.detail.entity);
    if (!paging || !target) return undefined;
    return { receiver: target.receiver, recent: await paging.recent(key) };
  },
  view: (site, data) => pageCard(site, data),
};

export const pagingSections = [pageSection];
