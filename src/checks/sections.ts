import type { EntitySection } from '../catalog/pages/entity-sections.ts';
import type { CheckResult, CheckStatusView, ResponsePoint, RunStatus } from './model.ts';
import { type CheckPageData, checkStatusCard } from './pages/check-status-card.ts';
import { checksCard } from './pages/checks-card.ts';

/** What pages read of checks in the live portal (the static export has none). */
export interface CheckReader {
  forService(serviceKey: string): Promise<CheckStatusView[]>;
  /** Whether a service has checks, as last read (undefined: not known yet); pages of services without skip every run. */
  hasChecks?(serviceKey: string): boolean | undefined;
  status(key: string): Promise<CheckStatusView | undefined>;
  recentRounds(
    key: string,
  ): Promise<{ rounds: number[]; cells: { location: string; roundMs: number; status: RunStatus }[] }>;
  responseSeries(key: string, hours: number): Promise<ResponsePoint[]>;
  results(key: string, limit: number): Promise<CheckResult[]>;
}

/** The live portal's checks; a static export has none, so it shows no check cards. */
export interface CheckSources {
  checks?: CheckReader;
}

/** Hours of the response-time chart. */
export const CHART_HOURS = 48;
/** Runs read for the recent failures (the failing among them are listed). */
const RUNS_READ = 200;
const FAILURES_SHOWN = 10;
const VITALS_SHOWN = 10;

/** A service page's checks, right after the Health card (SLOs). */
const serviceChecks: EntitySection<CheckSources, CheckStatusView[]> = {
  id: 'check-health',
  kinds: ['Component'],
  slot: 'lead',
  order: 2,
  varies: ['checks'],
  variesFor: ({ checks }, key) => checks?.hasChecks?.(key),
  // The card shows this service's checks only: its page moves when one of them shows something new.
  variesWithin: ['checks'],
  async load({ checks }, { key }) {
    if (!checks) return undefined;
    const found = await checks.forService(key);
    return found.length > 0 ? found : undefined;
  },
  view: (site, found) => checksCard(site, found),
};

/** A check's own page. */
const checkPage: EntitySection<CheckSources, CheckPageData> = {
  id: 'check-status',
  kinds: ['Check'],
  slot: 'lead',
  order: 1,
  varies: ['checks'],
  // The page shows this check's runs only: it moves with them, not with every other check's.
  variesWithin: ['checks'],
  async load({ checks }, { key }) {
    if (!checks) return undefined;
    const [status, rounds, series, runs] = await Promise.all([
      checks.status(key),
      checks.recentRounds(key),
      checks.responseSeries(key, CHART_HOURS),
      checks.results(key, RUNS_READ),
    ]);
    if (!status) return undefined;
    return {
      status,
      rounds,
      series,
      failures: runs.filter((r) => r.status === 'failing').slice(0, FAILURES_SHOWN),
      vitals: runs.filter((r) => r.browser).slice(0, VITALS_SHOWN),
    };
  },
  view: (site, data) => checkStatusCard(site, data),
};

/** The checks capability's cards on entity pages. */
export const checkSections = [serviceChecks, checkPage];
