import type { EntitySection } from '../catalog/pages/entity-sections.ts';
import { parseEntityRef } from '../platform/entity-ref.ts';
import { onCallNow } from './on-call-now.ts';
import { ON_CALL_KINDS, type OverridesOf } from './plan.ts';
import { type OnCallCard, onCallSection } from './pages/on-call-view.ts';
import type { OnCallReaders } from './readers.ts';

/** The live portal's overrides, PagerDuty / Opsgenie readers and clock; a static export has none, and computes from the files at build time. */
export interface OnCallSources {
  oncall?: { overridesOf: OverridesOf; readers?: OnCallReaders };
  now?: () => Date;
}

/**
 * "On call now", first of what is happening (before the last deployment): who to call
 * for this service, team or rotation. Handoffs move with the clock, overrides with writes
 * and answers read from PagerDuty or Opsgenie with each read (`oncall`); the page is cached
 * for at most the hour, and the portal's script computes an Atrium answer afresh from the
 * plan the card carries (and, live, a fresh plan from the API).
 */
const onCallNowSection: EntitySection<OnCallSources, OnCallCard> = {
  id: 'oncall-now',
  kinds: ON_CALL_KINDS,
  slot: 'lead',
  order: 5,
  varies: ['hour', 'oncall'],
  async load({ oncall, now }, { key, catalog }) {
    const found = await onCallNow(catalog, key, {
      overridesOf: oncall?.overridesOf,
      readers: oncall?.readers,
      now,
    });
    if (!found) return undefined;
    const { kind, namespace, name } = parseEntityRef(key, { defaultNamespace: 'default' });
    const api = `/api/v1/entities/${[kind, namespace, name].map(encodeURIComponent).join('/')}/oncall`;
    return { ...found, ...(oncall && found.plan && { api }) };
  },
  view: (site, card) => onCallSection(site, card),
};

export const onCallSections = [onCallNowSection];
