import type { EntitySection } from '../catalog/pages/entity-sections.ts';
import type { HomeSection } from '../web/section.ts';
import type { Incident } from './model.ts';
import { type DeclareCardData, declareCard, openIncidentBanner, openIncidentsCard } from './pages/incident-cards.ts';
import type { IncidentService } from './service.ts';

/** The live portal's incidents; a static export has none, so it shows no incident cards. */
export interface IncidentSources {
  incidents?: Pick<IncidentService, 'openFor' | 'list' | 'severities' | 'blastRadius'>;
}

/** Open incidents on the home page and team pages: at most this many. */
const OPEN_SHOWN = 10;
/**
 * Incident cards render afresh with every incident written on any replica (this one's at
 * once, others' at the next poll of the history), and with every change.
 */
const VARIES = ['incidents', 'changes'] as const;

/** At the very top of a service's page while an incident affecting it is open. */
const openIncidentSection: EntitySection<IncidentSources, readonly Incident[]> = {
  id: 'open-incident',
  kinds: ['Component', 'Resource'],
  slot: 'lead',
  order: 0,
  varies: VARIES,
  // Declarations and resolutions are changes on the service's own timeline (its scope).
  variesWithin: ['changes'],
  async load({ incidents }, { key }) {
    const open = await incidents?.openFor(key);
    return open && open.length > 0 ? open : undefined;
  },
  view: (site, open) => openIncidentBanner(site, open),
};

/** The declare form, in the lead after the Page button: what is happening now. */
const declareSection: EntitySection<IncidentSources, DeclareCardData> = {
  id: 'declare-incident',
  kinds: ['Component'],
  slot: 'lead',
  order: 6,
  async load({ incidents }, { page }) {
    if (!incidents) return undefined;
    return { severities: incidents.severities, dependents: await incidents.blastRadius(page.detail.ref) };
  },
  view: (_site, data) => declareCard(data),
};

/** A team's open incidents: those touching a service it owns. */
const teamIncidentsSection: EntitySection<IncidentSources, readonly Incident[]> = {
  id: 'team-incidents',
  kinds: ['Group'],
  slot: 'lead',
  order: 0,
  varies: VARIES,
  // Declarations and resolutions are changes on the service's own timeline (its scope).
  variesWithin: ['changes'],
  async load({ incidents }, { key }) {
    const open = await incidents?.list({ team: key, open: true }, OPEN_SHOWN);
    return open && open.length > 0 ? open : undefined;
  },
  view: (site, open) => openIncidentsCard(site, open, 'team-incidents'),
};

export const incidentSections = [openIncidentSection, declareSection, teamIncidentsSection];

/** Open incidents first on the home page. */
const homeIncidentsSection: HomeSection<IncidentSources, readonly Incident[]> = {
  id: 'open-incidents',
  order: 0,
  varies: VARIES,
  async load({ incidents }) {
    const open = await incidents?.list({ open: true }, OPEN_SHOWN);
    return open && open.length > 0 ? open : undefined;
  },
  view: (site, open) => openIncidentsCard(site, open, 'open-incidents'),
};

export const incidentHomeSections = [homeIncidentsSection];
