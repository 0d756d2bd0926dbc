import type { EntitySection } from '../catalog/pages/entity-sections.ts';
import type { FlagSpec } from './flag-definition.ts';
import { publicFlagSpec } from './public-flag-spec.ts';
import { keyOfRef } from '../catalog/model.ts';
import { refName } from '../web/components.ts';
import { relatedRefs } from '../catalog/pages/entity-data.ts';
import {
  flagDefinitionSection,
  flagSwitchesSection,
  type ServiceFlags,
  serviceFlagsSection,
  teamFlagsSection,
} from './pages/flag-definition-view.ts';
import type { EnvironmentState, FlagService, FlagSummary } from './service.ts';

/** Whether a Flag's spec declares a release plan (its plan's changes are then offered). */
export function hasReleasePlan(spec: Record<string, unknown> | undefined): boolean {
  return typeof spec?.releasePlan === 'object' && spec.releasePlan !== null;
}

/** The live portal's switches and evaluation counts; a static export has none, so it shows only what the files declare. */
export interface FlagSources {
  flags?: Pick<FlagService, 'environments' | 'flagsOf'>;
}

/** A flag's page, first of what is happening now: what is in force per environment. */
const switchesSection: EntitySection<FlagSources, readonly EnvironmentState[]> = {
  id: 'flag-switches',
  kinds: ['Flag'],
  slot: 'lead',
  order: 10,
  // Switches are changes; the 7-day evaluation counts move on the hour.
  varies: ['changes', 'hour'],
  load: async ({ flags }, { key }) => flags?.environments(key),
  view(site, environments, { page }) {
    return flagSwitchesSection(site, page.detail.ref, environments, hasReleasePlan(page.detail.entity.spec));
  },
};

/** A team's or a person's page: the flags they own, stale ones first. */
const teamFlags: EntitySection<FlagSources, readonly FlagSummary[]> = {
  id: 'team-flags',
  kinds: ['Group', 'User'],
  slot: 'lead',
  order: 30,
  // What is in force moves with switches; a flag's age with the clock.
  varies: ['changes', 'hour'],
  async load({ flags }, { key }) {
    const owned = flags ? await flags.flagsOf(key) : [];
    return owned.length > 0 ? owned : undefined;
  },
  view: (site, owned) => teamFlagsSection(site, owned),
};

/**
 * A service's page: its flags and whether each is on, per environment. A static export has
 * no switches, so there it lists which flags the service reads (its `hasFlag` relations).
 */
const serviceFlags: EntitySection<FlagSources, ServiceFlags> = {
  id: 'flags',
  kinds: ['Component'],
  slot: 'body',
  order: 10,
  varies: ['changes', 'hour'],
  // The service's flags are in its timeline's scope, and every switch is a change on its flag there.
  variesWithin: ['changes'],
  async load({ flags }, { key, page }) {
    if (flags) {
      const read = await flags.flagsOf(key);
      return read.length > 0 ? { live: true, flags: read } : undefined;
    }
    const refs = relatedRefs(page.detail.relations, 'hasFlag');
    return refs.length > 0
      ? {
          live: false,
          flags: refs.map((ref) => ({ ref, title: page.related.get(keyOfRef(ref))?.title ?? refName(ref) })),
        }
      : undefined;
  },
  view: (site, service) => serviceFlagsSection(site, service),
};

/**
 * A flag's page: what its file declares (also in a static export: it needs nothing but the
 * entity). Pages take no token, so the view only ever gets the public spec: no constraint
 * value, user id or payload can reach a page or an exported file.
 */
const definitionSection: EntitySection<unknown, FlagSpec> = {
  id: 'flag-definition',
  kinds: ['Flag'],
  slot: 'body',
  order: 10,
  load: async (_sources, { page }) => publicFlagSpec(page.detail.entity.spec),
  view: (_site, spec, { page }) => flagDefinitionSection(spec, page.detail.ref),
};

/** The flag capability's cards on other rooms' pages. */
export const flagSections = [switchesSection, teamFlags, serviceFlags, definitionSection];
