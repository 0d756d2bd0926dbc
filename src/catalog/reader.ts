import type { CatalogStore } from './store.ts';

/**
 * What pages read from the catalog. The live server reads the store (SQL, one query per
 * question, always current); the static export reads a CatalogSnapshot (the whole catalog
 * loaded once, answered from memory), because it asks every question for every entity.
 */
export type CatalogReader = Pick<
  CatalogStore,
  | 'getEntity'
  | 'summariesOf'
  | 'descriptorsOf'
  | 'relationsTouching'
  | 'browseEntities'
  | 'facets'
  | 'facetCounts'
  | 'listProblems'
  | 'orphans'
  | 'ownedCounts'
  | 'searchRows'
  | 'entitiesMentioning'
  | 'refsAfter'
>;
