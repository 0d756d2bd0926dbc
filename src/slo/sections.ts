import type { EntitySection } from '../catalog/pages/entity-sections.ts';
import type { DeliveryCard } from '../dora/subpages.ts';
import type { AlertEvent, BudgetPoint, SloReader, SloStatus } from './model.ts';
import { alertHistoryCard } from './pages/alert-history-card.ts';
import { budgetBurnCard } from './pages/budget-burn-card.ts';
import { healthCard } from './pages/health-card.ts';
import { sloStatusCard } from './pages/slo-status-card.ts';

/** The live portal's SLO statuses and clock; a static export has neither, so it shows no SLO cards. */
export interface SloSources {
  slos?: SloReader;
  now?: () => Date;
}

/** Points of the budget-burn chart: enough to see a day's slope over 30 days, few enough for a table. */
export const BUDGET_POINTS = 120;
/** Alert transitions an SLO page lists. */
export const ALERTS_SHOWN = 50;

/** Statuses, and the time they are judged at (undefined without a clock: then nothing is called stale). */
interface Statuses {
  statuses: SloStatus[];
  now: number | undefined;
}

/** Statuses to show, or undefined for none (no reader, or nothing declared). */
async function statusesOf(read: Promise<SloStatus[]>, now: (() => Date) | undefined): Promise<Statuses | undefined> {
  const statuses = await read;
  return statuses.length > 0 ? { statuses, now: now?.().getTime() } : undefined;
}

/** The service page's Health card, first of what is happening now (before On call now). */
const health: EntitySection<SloSources, Statuses> = {
  id: 'slo-health',
  kinds: ['Component'],
  slot: 'lead',
  order: 1,
  varies: ['slos'],
  variesFor: ({ slos }, key) => slos?.hasSlos?.(key),
  // The card shows this service's SLOs only: its page moves when one of them shows something new.
  variesWithin: ['slos'],
  load: ({ slos, now }, { key }) => (slos ? statusesOf(slos.forService(key), now) : Promise.resolve(undefined)),
  view: (site, { statuses, now }) => healthCard(site, statuses, now),
};

/** An SLO's own page: its status, burn rates and the budget-burn chart. */
const status: EntitySection<SloSources, { status: SloStatus; history: BudgetPoint[]; now: number | undefined }> = {
  id: 'slo-status',
  kinds: ['SLO'],
  slot: 'lead',
  order: 1,
  varies: ['slos'],
  async load({ slos, now }, { key }) {
    if (!slos) return undefined;
    const [found, history] = await Promise.all([slos.status(key), slos.budgetHistory(key, BUDGET_POINTS)]);
    return found && { status: found, history, now: now?.().getTime() };
  },
  view: (site, data) => sloStatusCard(site, data.status, data.history, data.now),
};

/** An SLO's alerts as they fired and resolved. */
const alertHistory: EntitySection<SloSources, AlertEvent[]> = {
  id: 'slo-alert-history',
  kinds: ['SLO'],
  slot: 'lead',
  order: 2,
  varies: ['slos'],
  load: ({ slos }, { key }) => (slos ? slos.alertHistory(key, ALERTS_SHOWN) : Promise.resolve(undefined)),
  view: (_site, events) => alertHistoryCard(events),
};

/** A team page's error-budget burn per service it owns, worst first (after what changed). */
const teamBurn: EntitySection<SloSources, Statuses> = {
  id: 'slo-budget-burn',
  kinds: ['Group'],
  slot: 'lead',
  order: 25,
  varies: ['slos'],
  variesFor: ({ slos }, key) => slos?.hasSlos?.(key),
  // The team's SLOs only, each by its badge, budget bar and burns: what the Health card shows of it.
  variesWithin: ['slos'],
  load: ({ slos, now }, { key }) => (slos ? statusesOf(slos.forOwner(key), now) : Promise.resolve(undefined)),
  view: (site, { statuses, now }) => budgetBurnCard(site, statuses, now),
};

/** The SLO capability's cards on entity pages. */
export const sloSections = [health, status, alertHistory, teamBurn];

/** The delivery page's error-budget burn, beside deployment frequency: a team's services (or a system's, or the one service). */
const deliveryBurn: DeliveryCard<SloSources, Statuses> = {
  id: 'slo-budget-burn',
  order: 10,
  varies: ['slos'],
  async load({ slos, now }, { key, kind }) {
    if (!slos) return undefined;
    if (kind === 'Group') return statusesOf(slos.forOwner(key), now);
    if (kind === 'Component') return statusesOf(slos.forService(key), now);
    return undefined;
  },
  view: (site, { statuses, now }) => budgetBurnCard(site, statuses, now),
};

/** The SLO capability's cards on the delivery page. */
export const sloDeliveryCards = [deliveryBurn];
