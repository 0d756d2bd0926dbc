import type { EntitySection } from './catalog/pages/entity-sections.ts';
import { changesSections } from './changes/sections.ts';
import { flagSections } from './flags/sections.ts';
import type { DeliverySource } from './portal/site-map.ts';

/**
 * What each capability contributes to the rooms that compose them, listed once and read
 * by every entry point (the server, `atrium build` and its render threads, tests). A new
 * capability adds its entries here; the portal and the catalog are not edited.
 */

/** The capabilities' cards on entity pages, in any order (each carries its own). */
export const entitySections: readonly EntitySection<Partial<DeliverySource>>[] = [...changesSections, ...flagSections];

/** This module, for worker threads: they cannot be handed functions, so they import the lists from here. */
export const CAPABILITIES_MODULE = import.meta.url;
