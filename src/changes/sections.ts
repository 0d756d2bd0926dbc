import type { EntitySection } from '../catalog/pages/entity-sections.ts';
import type { HomeSection } from '../web/section.ts';
import type { LiveEnvironment } from './live.ts';
import type { FeedEvent } from './feed-scope.ts';
import { type ChangeReader, DEFAULT_HOPS, KINDS_WITH_CHANGES, KINDS_WITH_SCOPE } from './pages/changes-page.ts';
import { changesSection, organisationFeed, ORGANISATION_FEED, RECENT_SHOWN } from './pages/timeline-view.ts';
import type { ChangeEvent } from './model.ts';

/** The live portal's change events; a static export has none, so it shows no "What changed" card. */
export interface ChangeSources {
  changes?: ChangeReader;
}

/** The entity page's "What changed" card: live versions (services and resources) and the latest changes of its scope and, for a service, of what it depends on one hop away. */
const changesEntitySection: EntitySection<
  ChangeSources,
  { recent: readonly FeedEvent[]; live: readonly LiveEnvironment[] }
> = {
  id: 'changes',
  kinds: [...KINDS_WITH_CHANGES],
  slot: 'lead',
  order: 20,
  varies: ['changes'],
  // Its timeline's scope only (ChangeService.scopeVersion): changes elsewhere leave the page as it is.
  variesWithin: ['changes'],
  async load({ changes }, { key, kind }) {
    if (!changes) return undefined;
    const [recent, live] = await Promise.all([
      changes.timeline(key, {}, RECENT_SHOWN, undefined, DEFAULT_HOPS),
      kind === 'Component' || kind === 'Resource' ? changes.live(key) : [],
    ]);
    return { recent, live };
  },
  view(site, { recent, live }, { kind, page }) {
    return changesSection(site, page.detail.ref, recent, live, {
      showService: KINDS_WITH_SCOPE.has(kind) || kind === 'Component',
      delivery: kind !== 'Resource' && kind !== 'Flag',
    });
  },
};

/** The change capability's cards on other rooms' pages. */
export const changesSections = [changesEntitySection];

/** The home page's feed: the organisation's newest deployments, failures, blue/green and flag switches. */
const organisationFeedSection: HomeSection<ChangeSources, readonly ChangeEvent[]> = {
  id: 'organisation-feed',
  order: 10,
  varies: ['changes'],
  async load({ changes }) {
    return changes?.organisationFeed(ORGANISATION_FEED);
  },
  view: (site, events) => organisationFeed(site, events),
};

/** The change capability's cards on the home page. */
export const changesHomeSections = [organisationFeedSection];
