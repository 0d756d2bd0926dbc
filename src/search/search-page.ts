import { kindBadge } from '../web/components.ts';
import { html, type Html } from '../web/html.ts';
import { layout } from '../web/layout.ts';
import { siteUrl, type Site } from '../web/site.ts';
import { resultPath, type SearchResult } from './rank.ts';

export const SEARCH_PAGE_RESULTS = 50;

export interface SearchPageData {
  q: string;
  results: SearchResult[];
}

const TYPE_LABEL: Record<SearchResult['type'], string> = { entity: '', docs: 'Docs', runbook: 'Runbook' };

export function searchResultList(site: Site, results: readonly SearchResult[]): Html {
  return html`<ol class="results">${results.map(
    (
      r,
    ) => html`<li><a href="${siteUrl(site, resultPath(r))}"><span class="result-title">${r.title}${r.section?.heading ? ` › ${r.section.heading}` : ''}</span></a>
<span class="result-meta">${r.type === 'entity' ? kindBadge(r.kind) : html`<span class="kind kind-${r.type}">${TYPE_LABEL[r.type]}</span>`} <span class="muted small">${r.context}</span></span>
${r.text ? html`<p class="result-text">${r.text}</p>` : ''}</li>`,
  )}</ol>`;
}

/**
 * Search results. Live, the server ranks; in a static export the page is a shell that the
 * client script fills from the prebuilt index (the form still works: it reloads with ?q=).
 */
export function searchView(site: Site, data: SearchPageData): Html {
  const live = site.mode === 'live';
  const main = html`<h1>Search</h1>
<form class="hero-search" method="get" action="${siteUrl(site, 'search/')}" role="search">
<label for="search-q">Search services, APIs, teams, docs and runbooks</label>
<div class="inline-form"><input id="search-q" name="q" type="search" value="${data.q}" autocomplete="off" maxlength="200" data-search-input><button type="submit">Search</button></div>
</form>
<div data-search-results>
${live && data.q ? html`<p class="count" role="status">${data.results.length === 0 ? `Nothing matches “${data.q}”.` : `${data.results.length}${data.results.length === SEARCH_PAGE_RESULTS ? '+' : ''} results for “${data.q}”`}</p>${searchResultList(site, data.results)}` : ''}
${!live ? html`<noscript><p class="notice">This static copy searches in the browser; it needs JavaScript. <a href="${siteUrl(site, 'catalog/')}">Browse the catalog</a> instead.</p></noscript>` : ''}
</div>`;
  return layout({ site, title: data.q ? `Search: ${data.q}` : 'Search', section: 'search', main });
}
