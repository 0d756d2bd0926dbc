import type { EntitySubpage } from '../catalog/pages/entity-subpages.ts';
import { deliveryView, loadDeliveryPage } from './pages/delivery-page.ts';
import type { DoraService } from './service.ts';

/** The live portal's delivery metrics and clock; a static export has neither, so it has no delivery pages. */
export interface DoraSources {
  dora?: Pick<DoraService, 'dashboard'>;
  now?: () => Date;
}

/** A service's, team's or system's DORA metrics; the window ends at the next hour. */
const deliveryPage: EntitySubpage<DoraSources> = {
  segment: 'delivery',
  parameters: ['days'],
  varies: ['changes', 'hour'],
  async render({ dora, now }, reader, key, search, site) {
    if (!dora || !now) return undefined;
    const page = await loadDeliveryPage(reader, dora, key, search, now());
    return page && deliveryView(site, page);
  },
};

/** The DORA capability's pages under entities' pages. */
export const doraSubpages = [deliveryPage];
