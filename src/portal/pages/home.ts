import type { BrowseItem, CatalogReader } from '../../catalog/reader.ts';
import { catalogUrl } from '../../catalog/pages/catalog-query.ts';
import { emptyNote, entityLink, kindBadge } from '../../web/components.ts';
import { html, type Html, type HtmlValue } from '../../web/html.ts';
import { layout } from '../../web/layout.ts';
import { siteUrl, type Site } from '../../web/site.ts';

export interface HomeData {
  teams: { items: BrowseItem[]; total: number };
  ownedCounts: Map<string, number>;
  entities: number;
  errors: number;
  warnings: number;
  orphans: { items: BrowseItem[]; total: number };
}

const TEAMS = 60;

export async function loadHome(store: CatalogReader): Promise<HomeData> {
  const [teams, all, problems, orphans] = await Promise.all([
    store.browseEntities({ kind: 'group' }, 'name', 0, TEAMS),
    store.browseEntities({}, 'name', 0, 1),
    store.listProblems({}, 1),
    store.orphans(8),
  ]);
  return {
    teams,
    ownedCounts: await store.ownedCounts(teams.items.map((t) => t.key)),
    entities: all.total,
    errors: problems.errors,
    warnings: problems.warnings,
    orphans,
  };
}

/**
 * Search first; then the capabilities' cards (what changed across the organisation, live
 * only), how healthy the catalog is, and who owns what.
 */
export function homeView(site: Site, data: HomeData, cards: readonly HtmlValue[] = []): Html {
  const main = html`<h1 class="visually-hidden">Atrium</h1>
<form class="hero-search" method="get" action="${siteUrl(site, 'search/')}" role="search">
<label for="home-q">Search services, APIs, teams, docs and runbooks</label>
<div class="inline-form"><input id="home-q" name="q" type="search" autofocus autocomplete="off" maxlength="200" placeholder="e.g. checkout, payments, runbook"><button type="submit">Search</button></div>
<p class="muted small">Press <kbd>/</kbd> or <kbd>Ctrl</kbd>+<kbd>K</kbd> anywhere to search.</p>
</form>
<div class="home-grid">
${cards}
<section class="card" aria-labelledby="health"><h2 id="health">Catalog health</h2>
<dl class="stats">
<div><dt>Entities</dt><dd><a href="${catalogUrl(site, { filters: {}, sort: 'name', page: 1 })}">${data.entities.toLocaleString('en')}</a></dd></div>
<div><dt>Errors</dt><dd><a href="${siteUrl(site, 'problems/')}" class="${data.errors ? 'text-error' : ''}">${data.errors.toLocaleString('en')}</a></dd></div>
<div><dt>Warnings</dt><dd><a href="${siteUrl(site, 'problems/')}">${data.warnings.toLocaleString('en')}</a></dd></div>
<div><dt>Orphans</dt><dd>${data.orphans.total.toLocaleString('en')}</dd></div>
</dl>
${data.orphans.items.length ? html`<h3>Without a known owner</h3><ul class="plain">${data.orphans.items.map((e) => html`<li>${kindBadge(e.kind)} ${entityLink(site, { ref: e.ref, title: e.title })}${e.owner ? html` <span class="muted small">owner ${e.owner} is not in the catalog</span>` : html` <span class="muted small">no owner</span>`}</li>`)}</ul>` : html`<p class="muted">Every service, API and resource has an owner in the catalog.</p>`}
</section>
<section class="card card-wide" aria-labelledby="teams"><h2 id="teams">Teams <span class="n">${data.teams.total}</span></h2>
${data.teams.items.length ? html`<ul class="teams">${data.teams.items.map((g) => html`<li>${entityLink(site, { ref: g.ref, title: g.title })} <span class="muted small">${data.ownedCounts.get(g.key) ?? 0} owned</span></li>`)}</ul>` : emptyNote('No groups in the catalog.')}
${data.teams.total > data.teams.items.length ? html`<p><a href="${catalogUrl(site, { filters: { kind: 'group' }, sort: 'name', page: 1 }, 'kind')}">All ${data.teams.total} groups</a></p>` : ''}
</section>
</div>`;
  return layout({
    site,
    title: 'Home',
    section: 'home',
    main,
    description: 'Who owns what, who is on call, runbooks, APIs and dependencies.',
  });
}
