import { emptyNote, entityLink, lifecycleBadge, pageCount, pager, refKind } from '../../web/components.ts';
import { html, type Html } from '../../web/html.ts';
import { layout } from '../../web/layout.ts';
import { entityUrl, siteUrl, type Site } from '../../web/site.ts';
import { knownKind } from '../kinds.ts';
import { entityTitle, keyOfRef } from '../model.ts';
import type { BrowseItem, CatalogReader } from '../reader.ts';
import { RELATION_PAGE_SIZE, relationPageNumber, type RelationBreakdown } from '../relation-summary.ts';
import { catalogUrl } from './catalog-query.ts';
import { DEPENDENTS_LIST, loadDependents, relationList } from './entity-data.ts';
import { breakdownOf, breakdownView, formatCount, relationListUrl } from './relation-breakdown.ts';

/** Owners and systems the list page counts one by one before adding up the rest. */
const BREAKDOWN_SHOWN = 30;

/** How the list's heading reads, by relation (the entity page's words); another relation is named as written. */
const HEADINGS: Record<string, string> = {
  [DEPENDENTS_LIST]: 'Depended on by',
  dependsOn: 'Depends on',
  dependencyOf: 'Dependency of',
  providesApi: 'Provides',
  consumesApi: 'Consumes',
  apiProvidedBy: 'Provided by',
  apiConsumedBy: 'Consumed by',
  hasPart: 'Has part',
  partOf: 'Part of',
  ownerOf: 'Owns',
  ownedBy: 'Owned by',
  hasMember: 'Members',
  memberOf: 'Member of',
  parentOf: 'Child groups',
  childOf: 'Parent',
};

export interface RelationListData {
  ref: string;
  title: string;
  kind: string;
  relation: string;
  page: number;
  breakdown: RelationBreakdown;
  /** This page's entries: the entity at the other end, and for dependents the entity's APIs it consumes. */
  items: { ref: string; apis: string[] }[];
  labels: Map<string, BrowseItem>;
}

/**
 * One page of one of an entity's relation lists, with the list's exact counts by kind,
 * owner and system. `pageSegment` is the `page/<n>/` number, absent for the first page;
 * undefined answers (404): no such entity, relation or page.
 */
export async function loadRelationList(
  store: CatalogReader,
  key: string,
  relation: string,
  pageSegment?: string,
): Promise<RelationListData | undefined> {
  const detail = await store.getEntity(key);
  if (!detail) return undefined;
  const dependents = relation === DEPENDENTS_LIST ? await loadDependents(store, detail) : undefined;
  const refs = relationList(detail, dependents, relation);
  if (!refs) return undefined;
  const page = pageSegment === undefined ? 1 : relationPageNumber(pageSegment, refs.length);
  if (page === undefined) return undefined;
  const start = (page - 1) * RELATION_PAGE_SIZE;
  const apis = new Map((dependents ?? []).map((d) => [keyOfRef(d.ref), d.apis]));
  const items = refs
    .slice(start, start + RELATION_PAGE_SIZE)
    .map((ref) => ({ ref, apis: apis.get(keyOfRef(ref)) ?? [] }));
  // Every member's summary: the counts are exact, not estimated from this page.
  const labels = await store.summariesOf([...new Set([...refs, ...items.flatMap((i) => i.apis)].map(keyOfRef))]);
  return {
    ref: detail.ref,
    title: entityTitle(detail.entity) ?? detail.entity.metadata.name,
    kind: knownKind(detail.entity.kind) ?? detail.entity.kind,
    relation,
    page,
    breakdown: breakdownOf(refs, labels),
    items,
    labels,
  };
}

export function relationListView(site: Site, data: RelationListData): Html {
  const heading = HEADINGS[data.relation] ?? data.relation;
  const total = data.breakdown.total;
  const first = (data.page - 1) * RELATION_PAGE_SIZE + 1;
  const label = (ref: string) => {
    const summary = data.labels.get(keyOfRef(ref));
    return { ref, title: summary?.title, kind: summary?.kind };
  };
  const row = ({ ref, apis }: { ref: string; apis: string[] }) => {
    const summary = data.labels.get(keyOfRef(ref));
    return html`<li>${entityLink(site, label(ref))} <span class="muted small">${summary?.kind ?? refKind(ref)}${summary?.owner ? html` · ${entityLink(site, { ref: summary.owner })}` : ''}${apis.map((api, i) => html`${i === 0 ? ' · consumes ' : ', '}${entityLink(site, label(api))}`)}</span> ${lifecycleBadge(summary?.lifecycle)}</li>`;
  };
  const main = html`<h1>${heading} ${data.title}</h1>
<p class="lede">${formatCount(total)} ${total === 1 ? 'entity' : 'entities'}, counted exactly by kind, owner and system; listed ${formatCount(RELATION_PAGE_SIZE)} a page, by reference.</p>
<section class="card" aria-labelledby="counts"><h2 id="counts">Counts</h2>${breakdownView(site, data.breakdown, BREAKDOWN_SHOWN)}</section>
<section class="card" aria-labelledby="entries"><h2 id="entries">${total === 0 ? 'Entries' : `Entries ${formatCount(first)}–${formatCount(first + data.items.length - 1)} of ${formatCount(total)}`}</h2>
${data.items.length ? html`<ul class="plain">${data.items.map(row)}</ul>` : emptyNote('None recorded.')}
${pager({ page: data.page, pageCount: pageCount(total, RELATION_PAGE_SIZE), href: (p) => relationListUrl(site, data.ref, data.relation, p) })}</section>`;
  return layout({
    site,
    title: `${heading} ${data.title}${data.page > 1 ? ` (page ${data.page})` : ''}`,
    section: 'catalog',
    crumbs: [
      { label: 'Catalog', href: siteUrl(site, 'catalog/') },
      {
        label: data.kind,
        href: catalogUrl(site, { filters: { kind: data.kind.toLowerCase() }, sort: 'name', page: 1 }, 'kind'),
      },
      { label: data.title, href: entityUrl(site, data.ref) },
      { label: heading },
    ],
    main,
  });
}
