import { registerKinds, type KindDefinition } from './catalog/kinds.ts';
import type { EntitySection } from './catalog/pages/entity-sections.ts';
import type { EntitySubpage } from './catalog/pages/entity-subpages.ts';
import { checkExecutor } from './checks/check-executor.ts';
import { checkKind } from './checks/check-kind.ts';
import { type CheckSources, checkSections } from './checks/sections.ts';
import { type ChangeSources, changesHomeSections, changesSections } from './changes/sections.ts';
import { changesSubpages } from './changes/subpages.ts';
import { type DoraSources, deliverySubpage } from './dora/subpages.ts';
import { flagKind } from './flags/flag-kind.ts';
import { jobExecutor } from './jobs/job-executor.ts';
import { jobKind } from './jobs/job-kind.ts';
import { type JobSources, jobSections } from './jobs/sections.ts';
import { type FlagSources, flagSections } from './flags/sections.ts';
import { flagSubpages } from './flags/subpages.ts';
import { type IncidentSources, incidentHomeSections, incidentSections } from './incidents/sections.ts';
import { type PagingSources, pagingSections } from './paging/sections.ts';
import { templateSections } from './templates/sections.ts';
import { templateKind } from './templates/template-kind.ts';
import type { HomeSection } from './web/section.ts';
import { rotationKind } from './oncall/rotation-kind.ts';
import { type OnCallSources, onCallSections } from './oncall/sections.ts';
import { type SloSources, sloDeliveryCards, sloSections } from './slo/sections.ts';
import { sloKind } from './slo/slo-kind.ts';
import type { WorkExecutor } from './runners/model.ts';
import { type PostmortemSources, postmortemSections } from './postmortems/sections.ts';

/**
 * What each capability contributes to the rooms that compose them, listed once and read
 * by every entry point (the server, `atrium build` and its render threads, tests). A new
 * capability adds its entries here; the portal and the catalog are not edited.
 */

/**
 * What the capabilities' sections and subpages read in the live portal: their services and
 * the clock, handed over by the server. A static export has none of them.
 */
export type CapabilitySources = ChangeSources &
  DoraSources &
  FlagSources &
  JobSources &
  CheckSources &
  IncidentSources &
  OnCallSources &
  PagingSources &
  SloSources &
  PostmortemSources;

/** The capabilities' cards on entity pages, in any order (each carries its own). */
export const entitySections: readonly EntitySection<CapabilitySources>[] = [
  ...changesSections,
  ...flagSections,
  ...templateSections,
  ...onCallSections,
  ...pagingSections,
  ...sloSections,
  ...jobSections,
  ...checkSections,
  ...incidentSections,
  ...postmortemSections,
];

/** The capabilities' cards on the home page (live only: each shows nothing without its source). */
export const homeSections: readonly HomeSection<CapabilitySources>[] = [
  ...incidentHomeSections,
  ...changesHomeSections,
];

/** The capabilities' pages under entity pages (`…/<segment>/`). */
export const entitySubpages: readonly EntitySubpage<CapabilitySources>[] = [
  ...changesSubpages,
  // The delivery page with the other capabilities' cards: error-budget burn beside deployment frequency.
  deliverySubpage<CapabilitySources>([...sloDeliveryCards]),
  ...flagSubpages,
];

/** The capabilities' own catalog kinds, after Backstage's core kinds in the order listed. */
export const catalogKinds: readonly KindDefinition[] = [
  flagKind,
  templateKind,
  rotationKind,
  sloKind,
  jobKind,
  checkKind,
];

/**
 * The executors of the work runners lease, one per kind, as `serve`'s embedded runner and
 * `atrium runner` run them (checks and jobs add theirs).
 */
export const workExecutors: readonly WorkExecutor[] = [jobExecutor, checkExecutor()];

/** This module, for worker threads: they cannot be handed functions, so they import the lists from here. */
export const CAPABILITIES_MODULE = import.meta.url;

// Importing this module registers the kinds: every reader of a kind (validation, relations,
// pages) finds them in the catalog's registry, and the catalog's parse threads import this
// module by the URL registered with them. Whatever imports the lists above has the kinds.
registerKinds(CAPABILITIES_MODULE, catalogKinds);
