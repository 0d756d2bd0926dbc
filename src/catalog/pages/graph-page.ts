import { renderEdgeList, renderGraphSvg } from './graph-svg.ts';
import { html, type Html } from '../../web/html.ts';
import { layout } from '../../web/layout.ts';
import { entityPath, entityUrl, siteUrl, type Site } from '../../web/site.ts';
import { entityLink, refKind, refName } from '../../web/components.ts';
import { neighbourhood, type Neighbourhood } from '../graph.ts';
import { loadDependents } from './entity-data.ts';
import { entityTitle, keyOfRef } from '../model.ts';
import type { BrowseItem, CatalogReader } from '../reader.ts';
import { RELATION_SHOWN } from '../relation-summary.ts';
import { breakdownOf, breakdownView, formatCount } from './relation-breakdown.ts';

export const DEFAULT_HOPS = 2;
export const MAX_HOPS = 4;
/** A node with more neighbours than this on a side has them drawn as one group (a hub): the first entries a relation list shows in place. */
export const GROUP_OVER = RELATION_SHOWN;
/** Owners (and kinds and systems) a group's counts name one by one. */
const GROUP_BREAKDOWN_SHOWN = 10;

export interface GraphPageData {
  ref: string;
  title: string;
  hops: number;
  graph: Neighbourhood;
  labels: Map<string, BrowseItem>;
  /**
   * How many depend on it directly or through the APIs it provides, counted with the entity
   * page's rule so its "Depended on by" and this page agree (the consumers of an API are
   * two hops away here); undefined below two hops and for kinds without dependents.
   */
  direct?: number;
}

export async function loadGraphPage(
  store: CatalogReader,
  key: string,
  hops: number,
): Promise<GraphPageData | undefined> {
  const detail = await store.getEntity(key);
  if (!detail) return undefined;
  const graph = await neighbourhood(detail.ref, hops, (refs) => store.relationsTouching(refs.map(keyOfRef)), {
    groupOver: GROUP_OVER,
  });
  // A group's members are labelled too: its counts by kind, owner and system are exact.
  const labels = await store.summariesOf([
    ...new Set([...graph.nodes.map((n) => n.ref), ...graph.groups.flatMap((g) => g.members)].map(keyOfRef)),
  ]);
  const direct = hops >= 2 ? (await loadDependents(store, detail))?.length : undefined;
  return {
    ref: detail.ref,
    title: entityTitle(detail.entity) ?? detail.entity.metadata.name,
    hops,
    graph,
    labels,
    direct,
  };
}

/** The neighbourhood of an entity N hops up (what breaks if it breaks) and down (what it needs), as SVG and as a list. */
export function graphView(site: Site, data: GraphPageData): Html {
  const labelOf = (ref: string): string => data.labels.get(keyOfRef(ref))?.title ?? refName(ref);
  const base = siteUrl(site, entityPath(data.ref));
  const dependents = data.graph.reached.dependents;
  const direct = data.direct;
  const hrefOf = (ref: string) => (data.labels.has(keyOfRef(ref)) ? entityUrl(site, ref) : undefined);
  const main = html`<h1>Dependencies of ${data.title}</h1>
<p class="lede">${dependents === 0 ? 'Nothing in the catalog depends on it.' : `${formatCount(dependents)} ${dependents === 1 ? 'entity depends' : 'entities depend'} on it within ${data.hops} ${data.hops === 1 ? 'hop' : 'hops'}: that is the blast radius.`}${direct ? ` ${formatCount(direct)} ${direct === 1 ? 'service depends' : 'services depend'} on it directly or through the APIs it provides.` : ''} Dependents are on the left, dependencies on the right.</p>
${site.mode === 'live' ? html`<nav class="tabs" aria-label="Hops"><ul>${[1, 2, 3, 4].map((h) => html`<li><a href="${base}graph/${h === DEFAULT_HOPS ? '' : `?hops=${h}`}"${h === data.hops ? html` aria-current="true"` : ''}>${h} ${h === 1 ? 'hop' : 'hops'}</a></li>`)}</ul></nav>` : ''}
<figure class="graph-figure" tabindex="0">${renderGraphSvg(data.graph, { title: `Dependency graph of ${data.title}`, label: labelOf, kindOf: refKind, href: hrefOf })}
<figcaption class="muted small">The same edges are listed below.</figcaption></figure>
${data.graph.groups.length > 0 ? groupsSection(site, data, labelOf) : ''}
<section class="card" aria-labelledby="edges"><h2 id="edges">Edges</h2>${renderEdgeList(data.graph, { link: (ref) => entityLink(site, { ref, title: labelOf(ref) }), label: labelOf })}</section>`;
  return layout({
    site,
    title: `Dependencies of ${data.title}`,
    section: 'catalog',
    crumbs: [
      { label: 'Catalog', href: siteUrl(site, 'catalog/') },
      { label: data.title, href: base },
      { label: 'Dependencies' },
    ],
    main,
  });
}

/** What lies beyond each hub, counted instead of drawn: "2,000 dependents of Usage API", by kind, owner and system. */
function groupsSection(site: Site, data: GraphPageData, labelOf: (ref: string) => string): Html {
  return html`<section class="card" aria-labelledby="groups"><h2 id="groups">Grouped</h2>
<p class="muted">A node with more than ${GROUP_OVER} neighbours on a side is a hub: its neighbours are one node in the drawing, counted here; what lies beyond them is counted in the blast radius above, not drawn.</p>
${data.graph.groups.map(
  (
    g,
  ) => html`<h3>${formatCount(g.members.length)} ${g.side} of ${entityLink(site, { ref: g.of, title: labelOf(g.of) })}, ${Math.abs(g.depth) === 1 ? 'directly' : `${Math.abs(g.depth)} hops away`}</h3>
${breakdownView(site, breakdownOf(g.members, data.labels), GROUP_BREAKDOWN_SHOWN)}`,
)}</section>`;
}
