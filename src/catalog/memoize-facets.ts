import { SingleFlightCache } from '../platform/cache.ts';
import type { CatalogReader, EntityFilters, Facets } from './reader.ts';

/** Distinct filter combinations whose facets are kept (each a few KB). */
const FACET_ENTRIES = 2_000;

/**
 * The store as the live portal reads it: facet counts, the costliest question (seven
 * GROUP BYs over the filtered catalog), are asked once per filter combination and catalog
 * generation, not once per page of the list: paging through 600 pages of components costs
 * one facet computation. Everything else goes straight to the reader.
 */
export function memoizeFacets(reader: CatalogReader): { reader: CatalogReader; clear(): void } {
  const facets = new SingleFlightCache<Facets>(FACET_ENTRIES);
  const keyOf = (filters: EntityFilters) =>
    JSON.stringify(
      Object.entries(filters)
        .filter(([, v]) => v !== undefined)
        .sort(),
    );
  const memoized: CatalogReader = {
    getEntity: (key) => reader.getEntity(key),
    summariesOf: (keys) => reader.summariesOf(keys),
    descriptorsOf: (keys) => reader.descriptorsOf(keys),
    relationsTouching: (keys) => reader.relationsTouching(keys),
    browseEntities: (filters, sort, offset, limit) => reader.browseEntities(filters, sort, offset, limit),
    facets: (filters) => facets.get(keyOf(filters), () => reader.facets(filters)),
    facetCounts: (facet) => reader.facetCounts(facet),
    listProblems: (filters, limit, after, offset) => reader.listProblems(filters, limit, after, offset),
    orphans: (limit) => reader.orphans(limit),
    ownedCounts: (keys) => reader.ownedCounts(keys),
    searchRows: (after, limit) => reader.searchRows(after, limit),
    entitiesMentioning: (needles) => reader.entitiesMentioning(needles),
    refsAfter: (after, limit) => reader.refsAfter(after, limit),
  };
  return { reader: memoized, clear: () => facets.clear() };
}
