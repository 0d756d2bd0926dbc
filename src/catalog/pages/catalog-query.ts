import { facetSlug, siteUrl, unslugFacet, type Site } from '../../web/site.ts';
import type { BrowseSort, EntityFilters, FacetName } from '../reader.ts';

/**
 * The state of the catalog list, as carried by its URL so a view can be shared. On the
 * live server every filter combines through the query string; a static export has only
 * files, so there a view is the whole list (`catalog/`) or one facet value
 * (`browse/owner/<slug>/`), paged by path (`page/2/`). Facet views live outside `catalog/`
 * so they can never collide with an entity's `catalog/<namespace>/<kind>/<name>/`.
 */
export interface CatalogQuery {
  filters: EntityFilters;
  sort: BrowseSort;
  page: number;
}

export const PAGE_SIZE = 50;
export const FILTER_FACETS: readonly FacetName[] = ['kind', 'type', 'lifecycle', 'owner', 'system', 'tag', 'namespace'];
export const SORTS: readonly BrowseSort[] = ['name', 'kind', 'owner', 'lifecycle', 'updated'];
/** Facet values are free text in descriptors (`spec.type`); longer ones are ignored as malformed. */
const MAX_VALUE = 1024;
/** A facet page's slug must fit a file name (255 bytes) with room to spare. */
const MAX_SLUG = 200;
const MAX_PAGE = 100_000;
/**
 * The list shows components until the reader picks a kind (people, teams and locations
 * are rarely what someone browsing is after); `kind=all` is every kind. A static export
 * agrees: its `catalog/` is the components, `browse/kind/all/` every kind, and each other
 * kind one `browse/kind/…` page.
 */
export const DEFAULT_KIND = 'component';
export const ALL_KINDS = 'all';

/** Reads the list state from a query string; anything malformed is dropped and reported, never trusted. */
export function parseCatalogQuery(search: URLSearchParams): { query: CatalogQuery; ignored: string[] } {
  const ignored: string[] = [];
  const filters: EntityFilters = {};
  for (const facet of FILTER_FACETS) {
    const value = search.get(facet);
    if (value === null || value === '') continue;
    if (value.length > MAX_VALUE) ignored.push(facet);
    else filters[facet] = value;
  }
  if (filters.kind === undefined) filters.kind = DEFAULT_KIND;
  else if (filters.kind.toLowerCase() === ALL_KINDS) delete filters.kind;
  const q = search.get('q');
  if (q) {
    if (q.length > 200) ignored.push('q');
    else filters.q = q;
  }
  const sortParam = search.get('sort');
  const sort = SORTS.find((s) => s === sortParam) ?? 'name';
  if (sortParam && sort !== sortParam) ignored.push('sort');
  const pageParam = search.get('page');
  let page = 1;
  if (pageParam !== null) {
    const n = Number(pageParam);
    if (Number.isInteger(n) && n >= 1 && n <= MAX_PAGE) page = n;
    else ignored.push('page');
  }
  return { query: { filters, sort, page }, ignored };
}

/** The single facet filter of a static view, if the query is one. */
export function staticFacet(query: CatalogQuery): { facet: FacetName; value: string } | undefined {
  const entries = Object.entries(query.filters) as [FacetName | 'q', string][];
  if (entries.length !== 1) return undefined;
  const [facet, value] = entries[0] as [FacetName | 'q', string];
  return facet === 'q' ? undefined : { facet, value };
}

/** Whether a facet value can have its own page in a static export (its slug fits a file name). */
export function staticFacetPossible(value: string): boolean {
  return facetSlug(value).length <= MAX_SLUG;
}

/** Whether a static export can show this view (one facet at most, with a page of its own, default sort). */
export function isStaticView(query: CatalogQuery): boolean {
  if (query.sort !== 'name') return false;
  if (Object.keys(query.filters).length === 0) return true;
  const facet = staticFacet(query);
  return facet !== undefined && staticFacetPossible(facet.value);
}

const isDefaultKind = (facet: { facet: FacetName; value: string }): boolean =>
  facet.facet === 'kind' && facet.value.toLowerCase() === DEFAULT_KIND;

/** The site-relative path of a static view: `catalog/` is the default kind's, as live. */
export function staticCatalogPath(query: CatalogQuery): string {
  const facet = staticFacet(query);
  const base =
    facet === undefined
      ? `browse/kind/${ALL_KINDS}/`
      : isDefaultKind(facet)
        ? 'catalog/'
        : `browse/${facet.facet}/${facetSlug(facet.value)}/`;
  return query.page > 1 ? `${base}page/${query.page}/` : base;
}

/** Reads a static view's site-relative path (`catalog/page/2/`, `browse/kind/all/`, `browse/owner/<slug>/page/2/`) back into a query. */
export function parseStaticCatalogPath(path: string): CatalogQuery | undefined {
  const parts = path.split('/').filter((p) => p !== '');
  let page = 1;
  if (parts.length >= 3 && parts[parts.length - 2] === 'page') {
    page = Number(parts[parts.length - 1]);
    if (!/^[1-9][0-9]*$/.test(parts[parts.length - 1] ?? '') || page < 2 || page > MAX_PAGE) return undefined;
    parts.splice(-2);
  }
  if (parts.length === 1 && parts[0] === 'catalog') return { filters: { kind: DEFAULT_KIND }, sort: 'name', page };
  if (parts.length !== 3 || parts[0] !== 'browse') return undefined;
  if (parts[1] === 'kind' && parts[2] === ALL_KINDS) return { filters: {}, sort: 'name', page };
  const facet = FILTER_FACETS.find((f) => f === parts[1]);
  const value = unslugFacet(parts[2] ?? '');
  if (!facet || value === undefined || value === '') return undefined;
  // One path per view: the default kind's is `catalog/`.
  if (isDefaultKind({ facet, value })) return undefined;
  return { filters: { [facet]: value }, sort: 'name', page };
}

/**
 * The URL of a list view. On a static site a view it cannot show falls back to the one
 * facet that was clicked last (`focus`), so every link still resolves.
 */
export function catalogUrl(site: Site, query: CatalogQuery, focus?: FacetName): string {
  if (site.mode === 'static') {
    if (isStaticView(query)) return siteUrl(site, staticCatalogPath(query));
    const value = focus ? query.filters[focus] : undefined;
    const filters = focus && value !== undefined && staticFacetPossible(value) ? { [focus]: value } : {};
    return siteUrl(site, staticCatalogPath({ filters, sort: 'name', page: query.page }));
  }
  const params = new URLSearchParams();
  for (const facet of FILTER_FACETS) {
    const value = facet === 'kind' ? (query.filters.kind ?? ALL_KINDS) : query.filters[facet];
    if (value !== undefined) params.set(facet, value);
  }
  if (query.filters.q) params.set('q', query.filters.q);
  if (query.sort !== 'name') params.set('sort', query.sort);
  if (query.page > 1) params.set('page', String(query.page));
  return siteUrl(site, `catalog/?${params}`);
}
