import type { EntitySubpage } from '../catalog/pages/entity-subpages.ts';
import { type SectionProvider, sectionsFor } from '../web/section.ts';
import { deliveryView, loadDeliveryPage } from './pages/delivery-page.ts';
import type { DoraService } from './service.ts';

/** The live portal's delivery metrics and clock; a static export has neither, so it has no delivery pages. */
export interface DoraSources {
  dora?: Pick<DoraService, 'dashboard'>;
  now?: () => Date;
}

/** What another capability's card on the delivery page is about: the entity (its key) whose page it is, and its kind. */
export interface DeliverySubject {
  key: string;
  kind: string;
}

/** Another capability's card on the delivery page (e.g. error-budget burn beside deployment frequency). */
export type DeliveryCard<Sources, Data = unknown> = SectionProvider<DeliverySubject, Sources, Data>;

/**
 * A service's, team's or system's DORA metrics, the window ending at the next hour, with
 * the cards other capabilities add after its own (listed in capabilities.ts); the page
 * renders again when any of them says it varies.
 */
export function deliverySubpage<Sources extends DoraSources>(
  cards: readonly DeliveryCard<Sources>[],
): EntitySubpage<Sources> {
  return {
    segment: 'delivery',
    parameters: ['days'],
    // Incidents: linking one to a deployment moves change failure rate and recovery time.
    varies: [...new Set(['changes', 'hour', 'incidents', ...cards.flatMap((c) => c.varies ?? [])] as const)],
    async render(sources, reader, key, search, site) {
      const { dora, now } = sources;
      if (!dora || !now) return undefined;
      const page = await loadDeliveryPage(reader, dora, key, search, now());
      if (!page) return undefined;
      const extra = await sectionsFor(cards, sources, { key, kind: page.kind }, site);
      return deliveryView(site, page, extra);
    },
  };
}
