import type { EntitySection } from '../catalog/pages/entity-sections.ts';
import type { SloReader } from './model.ts';

/** What SLO sections read in the live portal: the SLOs' statuses and the clock (a static export has neither). */
export interface SloSources {
  slos?: SloReader;
  now?: () => Date;
}

/** The SLO capability's cards on entity pages (the Health card comes with the pages). */
export const sloSections: readonly EntitySection<SloSources>[] = [];
