import {
  emptyNote,
  entityLink,
  kindBadge,
  lifecycleBadge,
  pageCount,
  pager,
  refName,
  timestamp,
} from '../../web/components.ts';
import { html, type Html } from '../../web/html.ts';
import { layout } from '../../web/layout.ts';
import { siteUrl, type Site } from '../../web/site.ts';
import type { BrowseItem, CatalogReader, FacetCount, FacetName, Facets } from '../reader.ts';
import { catalogUrl, FILTER_FACETS, PAGE_SIZE, SORTS, staticFacet, type CatalogQuery } from './catalog-query.ts';

export interface ListPageData {
  query: CatalogQuery;
  items: BrowseItem[];
  total: number;
  facets: Facets;
  /** Query parameters that were malformed and ignored. */
  ignored: string[];
  /** On a first page: what the catalog's syncs changed last among what is shown (the catalog's own loading). */
  recentlyChanged: BrowseItem[];
  /** What the owners in the rows and the owner facet are called (a team's or person's display name), by key. */
  ownerTitles: Map<string, string>;
}

/** Entities named in a list's "Recently loaded" line. */
const RECENTLY_CHANGED = 3;

export async function loadListPage(
  store: CatalogReader,
  query: CatalogQuery,
  ignored: string[] = [],
): Promise<ListPageData> {
  const [page, facets, recent] = await Promise.all([
    store.browseEntities(query.filters, query.sort, (query.page - 1) * PAGE_SIZE, PAGE_SIZE),
    store.facets(query.filters),
    query.page === 1 && query.sort !== 'updated'
      ? store.browseEntities(query.filters, 'updated', 0, RECENTLY_CHANGED)
      : undefined,
  ]);
  const owners = new Set([
    ...page.items.flatMap((e) => (e.owner ? [e.owner] : [])),
    ...facets.owner.slice(0, FACET_VALUES_LISTED).map((f) => f.value),
    ...(query.filters.owner ? [query.filters.owner.toLowerCase()] : []),
  ]);
  const ownerTitles = new Map<string, string>();
  for (const [key, owner] of await store.summariesOf([...owners])) if (owner.title) ownerTitles.set(key, owner.title);
  return {
    query,
    items: page.items,
    total: page.total,
    facets,
    ignored,
    recentlyChanged: recent?.items ?? [],
    ownerTitles,
  };
}

const FACET_LABELS: Record<FacetName, string> = {
  kind: 'Kind',
  type: 'Type',
  lifecycle: 'Lifecycle',
  owner: 'Owner',
  system: 'System',
  tag: 'Tag',
  namespace: 'Namespace',
};
const SORT_LABELS: Record<CatalogQuery['sort'], string> = {
  name: 'Name',
  kind: 'Kind',
  owner: 'Owner',
  lifecycle: 'Lifecycle',
  updated: 'Recently changed',
};
/** How many values of a facet are shown; the store returns the 100 largest. */
const FACET_VALUES_SHOWN = 12;
/** The facet values the store returns at most (the rest are on the facet's index page). */
const FACET_VALUES_LISTED = 100;

/** A facet value as a person reads it: an owner by display name or title when known, an owner or system by name. */
const facetLabel = (facet: FacetName, value: string, titles?: ReadonlyMap<string, string>): string =>
  (facet === 'owner' ? titles?.get(value.toLowerCase()) : undefined) ??
  (facet === 'owner' || facet === 'system' ? refName(value) : value);

/** The catalog list: facets beside a sortable, paged table; every state is a URL. */
export function listView(site: Site, data: ListPageData): Html {
  const { query, items, total, facets } = data;
  const pages = pageCount(total, PAGE_SIZE);
  const active = (Object.entries(query.filters) as [FacetName | 'q', string][]).filter(([, v]) => v !== undefined);
  const without = (name: FacetName | 'q'): CatalogQuery => ({
    ...query,
    filters: Object.fromEntries(active.filter(([f]) => f !== name)),
    page: 1,
  });
  const first = (query.page - 1) * PAGE_SIZE + 1;
  const single = staticFacet(query);
  const heading = single
    ? `${FACET_LABELS[single.facet]}: ${facetLabel(single.facet, single.value, data.ownerTitles)}`
    : 'Catalog';

  const main = html`<h1>${heading}</h1>
${data.ignored.length ? html`<p class="notice" role="status">Ignored malformed parameters: ${data.ignored.join(', ')}.</p>` : ''}
<div class="list-layout">
<aside class="facets" aria-label="Filters">
${site.mode === 'live' ? searchForm(site, query) : html`<p class="muted small">This static copy filters by one facet at a time; use search (press /) to find anything.</p>`}
${active.length ? html`<div class="active-filters"><h2 class="facet-title">Active filters</h2><ul>${active.map(([f, v]) => html`<li><a class="chip" href="${catalogUrl(site, without(f))}" aria-label="Remove filter ${f === 'q' ? 'text' : FACET_LABELS[f]}: ${v}">${f === 'q' ? `“${v}”` : facetLabel(f, v, data.ownerTitles)} <span aria-hidden="true">×</span></a></li>`)}</ul></div>` : ''}
${FILTER_FACETS.filter((f) => facets[f].length > 0 && !(f === 'namespace' && facets[f].length < 2)).map((facet) => facetGroup(site, query, facet, facets[facet], data.ownerTitles))}
</aside>
<div class="list-main">
<div class="list-toolbar">
<p class="count" role="status">${total === 0 ? 'No entities match.' : html`<strong>${first.toLocaleString('en')}–${Math.min(first + items.length - 1, total).toLocaleString('en')}</strong> of <strong>${total.toLocaleString('en')}</strong> entities`}</p>
${site.mode === 'live' ? sortLinks(site, query) : ''}
</div>
${recentlyLoaded(site, data)}
${items.length === 0 ? emptyNote('Nothing in the catalog matches these filters. Remove a filter, or search.') : table(site, items, data.ownerTitles)}
${pager({ page: query.page, pageCount: pages, href: (p) => catalogUrl(site, { ...query, page: p }, single?.facet) })}
</div>
</div>`;
  return layout({
    site,
    title: heading,
    section: 'catalog',
    description: `${total} entities in the software catalog`,
    main,
  });
}

/** The catalog's own loading, as it concerns this list: what the syncs changed last, and when. */
function recentlyLoaded(site: Site, { query, recentlyChanged }: ListPageData): Html | '' {
  if (recentlyChanged.length === 0) return '';
  const all =
    site.mode === 'live'
      ? html` · <a href="${catalogUrl(site, { ...query, sort: 'updated', page: 1 })}">all, recently changed first</a>`
      : '';
  return html`<p class="muted small recently-loaded">Recently loaded: ${recentlyChanged.map((e, i) => html`${i > 0 ? ', ' : ''}${entityLink(site, { ref: e.ref, title: e.title })} ${timestamp(e.updatedAt)}`)}${all}</p>`;
}

function searchForm(site: Site, query: CatalogQuery): Html {
  const hidden = (Object.entries(query.filters) as [string, string][]).filter(([f]) => f !== 'q');
  return html`<form class="filter-search" method="get" action="${siteUrl(site, 'catalog/')}" role="search">
<label for="catalog-q">Filter by text</label>
<div class="inline-form"><input id="catalog-q" name="q" type="search" value="${query.filters.q ?? ''}" maxlength="200" autocomplete="off"><button type="submit">Filter</button></div>
${hidden.map(([f, v]) => html`<input type="hidden" name="${f}" value="${v}">`)}
${query.sort !== 'name' ? html`<input type="hidden" name="sort" value="${query.sort}">` : ''}
</form>`;
}

function facetGroup(
  site: Site,
  query: CatalogQuery,
  facet: FacetName,
  values: Facets[FacetName],
  titles: ReadonlyMap<string, string>,
): Html {
  const current = query.filters[facet];
  const id = `facet-${facet}`;
  const item = ({ value, count }: Facets[FacetName][number]) => {
    const selected = current !== undefined && current.toLowerCase() === value.toLowerCase();
    const target: CatalogQuery = { ...query, filters: { ...query.filters, [facet]: value }, page: 1 };
    return html`<li><a href="${catalogUrl(site, target, facet)}"${selected ? html` aria-current="true" class="selected"` : ''}><span>${facetLabel(facet, value, titles)}</span> <span class="n">${count.toLocaleString('en')}</span></a></li>`;
  };
  // The kind facet lists the kinds of what is shown, so leaving a kind needs its own way out.
  const everyKind = {
    ...query,
    filters: Object.fromEntries(Object.entries(query.filters).filter(([f]) => f !== 'kind')),
    page: 1,
  };
  const allKinds =
    facet === 'kind'
      ? html`<li><a href="${catalogUrl(site, everyKind)}"${current === undefined ? html` aria-current="true" class="selected"` : ''}><span>All kinds</span></a></li>`
      : '';
  const rest = values.slice(FACET_VALUES_SHOWN);
  return html`<section class="facet" aria-labelledby="${id}"><h2 class="facet-title" id="${id}">${FACET_LABELS[facet]}</h2><ul>
${allKinds}${values.slice(0, FACET_VALUES_SHOWN).map(item)}
</ul>${rest.length ? html`<details class="facet-more"><summary>and ${rest.length} more</summary><ul>${rest.map(item)}</ul><p class="small"><a href="${siteUrl(site, facetIndexPath(facet))}">Every ${FACET_LABELS[facet].toLowerCase()} in the catalog</a></p></details>` : ''}</section>`;
}

/** The page listing every value of a facet (the list's facets show the largest only). */
export const facetIndexPath = (facet: FacetName): string => `browse/${facet}/`;

export interface FacetIndexData {
  facet: FacetName;
  values: FacetCount[];
}

export async function loadFacetIndex(store: CatalogReader, facet: FacetName): Promise<FacetIndexData> {
  return { facet, values: await store.facetCounts(facet) };
}

/** Every value of one facet, by value, each a link to its list: where every tag (owner, system…) is reachable. */
export function facetIndexView(site: Site, { facet, values }: FacetIndexData): Html {
  const label = FACET_LABELS[facet];
  const main = html`<h1>Every ${label.toLowerCase()}</h1>
<p class="muted">${values.length.toLocaleString('en')} values, each with the number of entities that have it.</p>
${
  values.length === 0
    ? emptyNote('No entity in the catalog has one.')
    : html`<ul class="facet-index">${values.map(
        ({ value, count }) =>
          html`<li><a href="${catalogUrl(site, { filters: { [facet]: value }, sort: 'name', page: 1 }, facet)}">${facetLabel(facet, value)}</a> <span class="n">${count.toLocaleString('en')}</span></li>`,
      )}</ul>`
}`;
  return layout({
    site,
    title: `Every ${label.toLowerCase()}`,
    section: 'catalog',
    description: `${values.length} values of ${label.toLowerCase()} in the software catalog`,
    main,
  });
}

function sortLinks(site: Site, query: CatalogQuery): Html {
  return html`<nav class="sort" aria-label="Sort by"><span class="muted">Sort:</span> <ul>${SORTS.map(
    (s) =>
      html`<li><a href="${catalogUrl(site, { ...query, sort: s, page: 1 })}"${s === query.sort ? html` aria-current="true"` : ''}>${SORT_LABELS[s]}</a></li>`,
  )}</ul></nav>`;
}

function table(site: Site, items: BrowseItem[], ownerTitles: ReadonlyMap<string, string>): Html {
  return html`<div class="table-scroll"><table class="entities">
<caption class="visually-hidden">Entities</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Owner</th><th scope="col">Lifecycle</th><th scope="col">Description</th><th scope="col">Changed</th></tr></thead>
<tbody>
${items.map(
  (e) => html`<tr${e.stale ? html` class="stale"` : ''}>
<td>${entityLink(site, { ref: e.ref, title: e.title })}${e.stale ? html` <span class="badge badge-error">stale</span>` : ''}</td>
<td>${kindBadge(e.kind)}${e.type ? html` <span class="muted">${e.type}</span>` : ''}</td>
<td>${e.owner ? entityLink(site, { ref: e.owner, title: ownerTitles.get(e.owner) }) : html`<span class="muted">—</span>`}</td>
<td>${lifecycleBadge(e.lifecycle)}</td>
<td class="desc"${e.description ? html` title="${e.description}"` : ''}>${e.description ?? ''}</td>
<td class="nowrap">${timestamp(e.updatedAt)}</td>
</tr>`,
)}
</tbody></table></div>`;
}
