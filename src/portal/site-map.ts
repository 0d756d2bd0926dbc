import { FILTER_FACETS, PAGE_SIZE, parseCatalogQuery, parseStaticCatalogPath } from '../catalog/pages/catalog-query.ts';
import { pageCount } from '../web/components.ts';
import { loadEntityPage } from '../catalog/pages/entity-data.ts';
import { entityView } from '../catalog/pages/entity-page.ts';
import { type EntitySection, entitySections } from '../catalog/pages/entity-sections.ts';
import type { EntitySubpage } from '../catalog/pages/entity-subpages.ts';
import { DEFAULT_HOPS, graphView, loadGraphPage, MAX_HOPS } from '../catalog/pages/graph-page.ts';
import { loadRelationList, relationListView } from '../catalog/pages/relation-list-page.ts';
import { facetIndexView, listView, loadFacetIndex, loadListPage } from '../catalog/pages/list-page.ts';
import { loadProblemsPage, PROBLEMS_PAGE_SIZE, problemsTotal, problemsView } from '../catalog/pages/problems-page.ts';
import { refKey } from '../catalog/model.ts';
import type { CatalogReader } from '../catalog/reader.ts';
import { docView, loadDocPage, loadRunbookPage } from '../docs/docs-page.ts';
import type { DocsSource } from '../docs/docs-source.ts';
import { rankEntries, type PreparedIndex } from '../search/rank.ts';
import { SEARCH_PAGE_RESULTS, searchView } from '../search/search-page.ts';
import type { Html } from '../web/html.ts';
import { type HomeSection, sectionsFor } from '../web/section.ts';
import { homeView, loadHome } from './pages/home.ts';
import { notFoundView } from '../web/pages/not-found.ts';
import type { Site, SiteEntities } from '../web/site.ts';
import type { ExternalRefs } from '../platform/external-refs.ts';
import { OFFLINE_PAGE_PATH } from '../web/offline-note.ts';
import { offlineView } from '../web/pages/offline.ts';

/**
 * The site map shared by the live server and the static export: a site-relative path
 * (and, live, its query) to a page. Each page is a loader (queries) and a view (a pure
 * function of what was loaded), so both ways of serving produce the same HTML.
 */
export interface PortalData {
  store: CatalogReader;
  docs?: DocsSource;
  searchIndex(): Promise<PreparedIndex>;
  /**
   * Live only: what the capabilities' sections and subpages read (their services and the
   * clock, typed where they are listed, in src/capabilities.ts). A static export is a
   * snapshot of the catalog alone: each of them then shows nothing.
   */
  sources?: unknown;
  /** The capabilities' cards on entity pages. */
  sections: readonly EntitySection<unknown>[];
  /** The capabilities' pages under entity pages (none in a static export). */
  subpages?: readonly EntitySubpage<unknown>[];
  /** The capabilities' cards on the home page (none in a static export). */
  homeSections?: readonly HomeSection<unknown>[];
}

const KEYS_PER_QUERY = 10_000;

/** What the site holds for entityLink: every entity's key (read in pages), and catalog.externalRefs. */
export async function loadSiteEntities(store: CatalogReader, external: ExternalRefs): Promise<SiteEntities> {
  const keys = new Set<string>();
  for (let after: string | undefined; ; ) {
    const page = await store.refsAfter(after, KEYS_PER_QUERY);
    for (const { key } of page) keys.add(key);
    if (page.length < KEYS_PER_QUERY) return { keys, external };
    after = page[page.length - 1]?.key;
  }
}

export type PageResult = { status: 200 | 404; html: Html } | { status: 301; location: string };

const MAX_SEGMENT = 256;

const LIST_PARAMETERS = [...FILTER_FACETS, 'q', 'sort', 'page'];

/**
 * The query parameters a page reads, by path: everything else in a query string changes
 * nothing, so it must not make a new cache entry (or a stranger could flush real pages
 * with `?x=1`, `?x=2`, ...).
 */
function parametersOf(requested: string, subpages: readonly EntitySubpage<unknown>[]): readonly string[] {
  // The redirect that adds a missing trailing slash must keep what the page will read.
  const path = requested.endsWith('/') ? requested : `${requested}/`;
  if (path === 'catalog/') return LIST_PARAMETERS;
  if (path === 'search/') return ['q'];
  if (path === 'problems/') return ['severity', 'page'];
  const segment = ENTITY_SUBPAGE.exec(path)?.[1];
  if (segment === 'graph') return ['hops'];
  return subpages.find((p) => p.segment === segment)?.parameters ?? [];
}

/** `catalog/<namespace>/<kind>/<name>/<segment>/`: the segment of a page under an entity's page. */
const ENTITY_SUBPAGE = /^catalog\/[^/]+\/[^/]+\/[^/]+\/([^/]+)\/$/;

/** A page's canonical query (only what it reads, in a fixed order): its cache key, and what it is rendered from. */
export function canonicalQuery(
  path: string,
  search: URLSearchParams,
  subpages: readonly EntitySubpage<unknown>[] = [],
): URLSearchParams {
  const out = new URLSearchParams();
  for (const name of parametersOf(path, subpages)) {
    const value = search.get(name);
    if (value !== null) out.set(name, value);
  }
  return out;
}

export async function renderPage(
  data: PortalData,
  site: Site,
  path: string,
  search: URLSearchParams,
): Promise<PageResult> {
  const found = await route(data, site, path, site.mode === 'live' ? search : new URLSearchParams());
  return found ?? { status: 404, html: notFoundView(site, path) };
}

async function route(
  data: PortalData,
  site: Site,
  path: string,
  search: URLSearchParams,
): Promise<PageResult | undefined> {
  const ok = (html: Html | undefined): PageResult | undefined => (html ? { status: 200, html } : undefined);
  // An empty segment would make `//host/` of a redirect: another site. No page has one.
  if (path.startsWith('/') || path.includes('//') || path.includes('\\')) return undefined;
  if (path !== '' && !path.endsWith('/'))
    return { status: 301, location: `${site.basePath}${path}/${search.size ? `?${search}` : ''}` };
  let segments: string[];
  try {
    segments = path
      .split('/')
      .filter((s) => s !== '')
      .map(decodeURIComponent);
  } catch {
    return undefined;
  }
  if (segments.some((s) => s.length > MAX_SEGMENT || s === '.' || s === '..')) return undefined;
  const [first, ...rest] = segments;

  if (first === undefined) {
    const [home, cards] = await Promise.all([
      loadHome(data.store),
      sectionsFor(data.homeSections ?? [], data.sources ?? {}, undefined, site),
    ]);
    return ok(homeView(site, home, cards));
  }
  if (path === OFFLINE_PAGE_PATH) return ok(offlineView(site));
  if (first === 'search' && rest.length === 0) {
    const q = (search.get('q') ?? '').slice(0, 200);
    return ok(searchView(site, { q, results: q ? rankEntries(await data.searchIndex(), q, SEARCH_PAGE_RESULTS) : [] }));
  }
  if (first === 'problems') {
    const page =
      rest.length === 0
        ? Number(search.get('page') ?? 1)
        : rest.length === 2 && rest[0] === 'page'
          ? Number(rest[1])
          : NaN;
    if (!Number.isInteger(page) || page < 1 || page > 100_000) return undefined;
    const severity = search.get('severity');
    const loaded = await loadProblemsPage(
      data.store,
      page,
      severity === 'error' || severity === 'warning' ? severity : undefined,
    );
    return page > pageCount(problemsTotal(loaded), PROBLEMS_PAGE_SIZE) ? undefined : ok(problemsView(site, loaded));
  }
  if (first === 'browse' && rest.length === 1) {
    const facet = FILTER_FACETS.find((f) => f === rest[0]);
    return facet && ok(facetIndexView(site, await loadFacetIndex(data.store, facet)));
  }
  if (first === 'browse' || (first === 'catalog' && rest.length < 3)) {
    const parsed =
      first === 'catalog' && rest.length === 0 && site.mode === 'live' ? parseCatalogQuery(search) : undefined;
    const query = parsed?.query ?? parseStaticCatalogPath(path);
    if (!query) return undefined;
    const list = await loadListPage(data.store, query, parsed?.ignored);
    // A page past the end is not a page: a 404 (never cached) rather than an empty list.
    return query.page > pageCount(list.total, PAGE_SIZE) ? undefined : ok(listView(site, list));
  }
  if (first === 'catalog' && rest.length >= 3) {
    const [namespace, kind, name, subpage, ...docPath] = rest as [string, string, string, string?, ...string[]];
    // One URL per entity page: other spellings (case, escapes) are sent to it, never cached apart.
    const canonical = `catalog/${[namespace, kind, name].map((p) => encodeURIComponent(p.toLowerCase())).join('/')}/`;
    const prefix = `${path.split('/').slice(0, 4).join('/')}/`;
    if (prefix !== canonical)
      return {
        status: 301,
        location: `${site.basePath}${canonical}${path.slice(prefix.length)}${search.size ? `?${search}` : ''}`,
      };
    const key = refKey({ kind, namespace, name });
    if (subpage === undefined) {
      const page = await loadEntityPage(data.store, key);
      return (
        page &&
        ok(entityView(site, page, await entitySections(data.sections, data.sources ?? {}, key, page, site, data.store)))
      );
    }
    const provided = docPath.length === 0 ? data.subpages?.find((p) => p.segment === subpage) : undefined;
    if (provided) return ok(await provided.render(data.sources ?? {}, data.store, key, search, site));
    if (subpage === 'relations') {
      // `relations/<relation>/`, then `relations/<relation>/page/<n>/`: one path per page, live and exported alike.
      const [relation, pageWord, pageNumber, ...more] = docPath;
      if (relation === undefined || more.length > 0 || (pageWord !== undefined && pageWord !== 'page'))
        return undefined;
      if (pageWord !== undefined && pageNumber === undefined) return undefined;
      const page = await loadRelationList(data.store, key, relation, pageNumber);
      return page && ok(relationListView(site, page));
    }
    if (subpage === 'graph' && docPath.length === 0) {
      const hops = Number(search.get('hops') ?? DEFAULT_HOPS);
      if (!Number.isInteger(hops) || hops < 1 || hops > MAX_HOPS) return undefined;
      const page = await loadGraphPage(data.store, key, hops);
      return page && ok(graphView(site, page));
    }
    if (!data.docs) return undefined;
    if (subpage === 'runbook' && docPath.length === 0) {
      const page = await loadRunbookPage(data.store, data.docs, key, site);
      return page && ok(docView(site, page));
    }
    if (subpage === 'docs') {
      const page = await loadDocPage(data.store, data.docs, key, docPath.length ? `${docPath.join('/')}/` : '', site);
      return page && ok(docView(site, page));
    }
  }
  return undefined;
}
