import type { EntitySubpage } from '../catalog/pages/entity-subpages.ts';
import { changesView, loadChangesPage } from './pages/changes-page.ts';
import type { ChangeSources } from './sections.ts';

/** An entity's timeline: every change in its scope (and, for a service, its neighbourhood `hops` away), newest first, filtered by type and environment, paged. */
const timelinePage: EntitySubpage<ChangeSources> = {
  segment: 'changes',
  parameters: ['type', 'environment', 'hops', 'before'],
  varies: ['changes'],
  async render({ changes }, reader, key, search, site) {
    if (!changes) return undefined;
    const page = await loadChangesPage(reader, changes, key, search);
    return page && changesView(site, page);
  },
};

/** The change capability's pages under entities' pages. */
export const changesSubpages = [timelinePage];
