import { entityTitle } from '../catalog/model.ts';
import type { EntitySubpage } from '../catalog/pages/entity-subpages.ts';
import { switchChoiceOf } from './pages/flag-definition-view.ts';
import { switchPageView } from './pages/switch-page.ts';
import { type FlagSources, hasReleasePlan } from './sections.ts';

/**
 * A flag's switch page, `…/flag/<name>/switch/?environment=…&action=…&percent=…`: where
 * the switch form sends the reader after a change (the form posts to the same path), with
 * that choice rendered chosen. Live only: a static export has no switches.
 */
const switchPage: EntitySubpage<FlagSources> = {
  segment: 'switch',
  parameters: ['environment', 'action', 'percent'],
  varies: ['changes', 'hour'],
  async render({ flags }, reader, key, search, site) {
    if (!flags) return undefined;
    const detail = await reader.getEntity(key);
    if (detail?.entity.kind.toLowerCase() !== 'flag') return undefined;
    const environments = await flags.environments(key);
    const hasPlan = hasReleasePlan(detail.entity.spec);
    return switchPageView(site, {
      ref: detail.ref,
      title: entityTitle(detail.entity) ?? detail.entity.metadata.name,
      environments,
      hasPlan,
      chosen: switchChoiceOf(search, environments, hasPlan),
    });
  },
};

/** The flag capability's pages under entities' pages. */
export const flagSubpages = [switchPage];
