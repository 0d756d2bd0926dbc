import type { EntitySection } from '../catalog/pages/entity-sections.ts';
import { parseEntityRef } from '../platform/entity-ref.ts';
import { answerAt } from './answer.ts';
import { ON_CALL_KINDS, loadOnCallPlan, type OverridesOf } from './plan.ts';
import { type OnCallCard, onCallSection } from './pages/on-call-view.ts';

/** The live portal's overrides and clock; a static export has neither, and computes from the files at build time. */
export interface OnCallSources {
  oncall?: { overridesOf: OverridesOf };
  now?: () => Date;
}

/**
 * "On call now", first of what is happening (before the last deployment): who to call
 * for this service, team or rotation. Handoffs move with the clock and overrides with
 * writes; the page is cached for at most the hour, and the portal's script computes the
 * answer afresh from the plan the card carries (and, live, a fresh plan from the API).
 */
const onCallNow: EntitySection<OnCallSources, OnCallCard> = {
  id: 'oncall-now',
  kinds: ON_CALL_KINDS,
  slot: 'lead',
  order: 5,
  varies: ['hour'],
  async load({ oncall, now }, { key, catalog }) {
    const plan = await loadOnCallPlan(catalog, key, oncall?.overridesOf);
    if (!plan) return undefined;
    // A static export has no clock worth using: the answer depends on when the page is
    // read, so only the browser computes it there (and the export stays reproducible).
    const answer = now ? answerAt(plan, now().getTime()) : undefined;
    const { kind, namespace, name } = parseEntityRef(key, { defaultNamespace: 'default' });
    const api = `/api/v1/entities/${[kind, namespace, name].map(encodeURIComponent).join('/')}/oncall`;
    return { plan, ...(answer && { answer }), ...(oncall && { api }) };
  },
  view: (site, card) => onCallSection(site, card),
};

export const onCallSections = [onCallNow];
