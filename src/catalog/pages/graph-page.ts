import { renderEdgeList, renderGraphSvg } from './graph-svg.ts';
import { html, type Html } from '../../web/html.ts';
import { layout } from '../../web/layout.ts';
import { entityPath, entityUrl, siteUrl, type Site } from '../../web/site.ts';
import { entityLink, refKind, refName } from '../../web/components.ts';
import { directDependents, neighbourhood, type Neighbourhood } from '../graph.ts';
import { entityTitle, keyOfRef } from '../model.ts';
import type { BrowseItem, CatalogReader } from '../reader.ts';

export const DEFAULT_HOPS = 2;
export const MAX_HOPS = 4;

export interface GraphPageData {
  ref: string;
  title: string;
  hops: number;
  graph: Neighbourhood;
  labels: Map<string, BrowseItem>;
}

export async function loadGraphPage(
  store: CatalogReader,
  key: string,
  hops: number,
): Promise<GraphPageData | undefined> {
  const detail = await store.getEntity(key);
  if (!detail) return undefined;
  const graph = await neighbourhood(detail.ref, hops, (refs) => store.relationsTouching(refs.map(keyOfRef)));
  const labels = await store.summariesOf(graph.nodes.map((n) => keyOfRef(n.ref)));
  return { ref: detail.ref, title: entityTitle(detail.entity) ?? detail.entity.metadata.name, hops, graph, labels };
}

/** The neighbourhood of an entity N hops up (what breaks if it breaks) and down (what it needs), as SVG and as a list. */
export function graphView(site: Site, data: GraphPageData): Html {
  const labelOf = (ref: string): string => data.labels.get(keyOfRef(ref))?.title ?? refName(ref);
  const base = siteUrl(site, entityPath(data.ref));
  const dependents = data.graph.nodes.filter((n) => n.depth < 0).length;
  // Counted with the entity page's rule, so its "Depended on by" and this page agree (the consumers of an API are two hops away here).
  const direct = data.hops >= 2 ? directDependents(data.ref, data.graph.edges).length : undefined;
  const hrefOf = (ref: string) => (data.labels.has(keyOfRef(ref)) ? entityUrl(site, ref) : undefined);
  const main = html`<h1>Dependencies of ${data.title}</h1>
<p class="lede">${dependents === 0 ? 'Nothing in the catalog depends on it.' : `${dependents} ${dependents === 1 ? 'entity depends' : 'entities depend'} on it within ${data.hops} ${data.hops === 1 ? 'hop' : 'hops'}: that is the blast radius.`}${direct ? ` ${direct} ${direct === 1 ? 'service depends' : 'services depend'} on it directly or through the APIs it provides.` : ''} Dependents are on the left, dependencies on the right.</p>
${site.mode === 'live' ? html`<nav class="tabs" aria-label="Hops"><ul>${[1, 2, 3, 4].map((h) => html`<li><a href="${base}graph/${h === DEFAULT_HOPS ? '' : `?hops=${h}`}"${h === data.hops ? html` aria-current="true"` : ''}>${h} ${h === 1 ? 'hop' : 'hops'}</a></li>`)}</ul></nav>` : ''}
<figure class="graph-figure" tabindex="0">${renderGraphSvg(data.graph, { title: `Dependency graph of ${data.title}`, label: labelOf, kindOf: refKind, href: hrefOf })}
<figcaption class="muted small">The same edges are listed below.</figcaption></figure>
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
