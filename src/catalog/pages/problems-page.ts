import { emptyNote, pageCount, pager } from '../../web/components.ts';
import { problemList } from './problem-list.ts';
import { html, type Html } from '../../web/html.ts';
import { layout } from '../../web/layout.ts';
import { siteUrl, type Site } from '../../web/site.ts';
import type { Problem } from '../model.ts';
import type { CatalogReader } from '../reader.ts';

export const PROBLEMS_PAGE_SIZE = 100;

export interface ProblemsPageData {
  page: number;
  severity?: Problem['severity'];
  items: Problem[];
  errors: number;
  warnings: number;
}

export async function loadProblemsPage(
  store: CatalogReader,
  page: number,
  severity?: Problem['severity'],
): Promise<ProblemsPageData> {
  const result = await store.listProblems(
    severity ? { severity } : {},
    PROBLEMS_PAGE_SIZE,
    undefined,
    (page - 1) * PROBLEMS_PAGE_SIZE,
  );
  return { page, severity, items: result.items, errors: result.errors, warnings: result.warnings };
}

/** How many problems the view lists (all, or one severity). */
export function problemsTotal(data: ProblemsPageData): number {
  return data.severity === 'error'
    ? data.errors
    : data.severity === 'warning'
      ? data.warnings
      : data.errors + data.warnings;
}

export function problemsPath(page: number, site: Site, severity?: Problem['severity']): string {
  if (site.mode === 'static' || !severity) return siteUrl(site, page > 1 ? `problems/page/${page}/` : 'problems/');
  return siteUrl(site, `problems/?severity=${severity}${page > 1 ? `&page=${page}` : ''}`);
}

/** Every validation error and warning of the last sync, with file and line, linked to the entity. */
export function problemsView(site: Site, data: ProblemsPageData): Html {
  const total = problemsTotal(data);
  const pages = pageCount(total, PROBLEMS_PAGE_SIZE);
  const tabs =
    site.mode === 'live'
      ? html`<nav class="tabs" aria-label="Severity"><ul>
<li><a href="${problemsPath(1, site)}"${!data.severity ? html` aria-current="true"` : ''}>All <span class="n">${data.errors + data.warnings}</span></a></li>
<li><a href="${problemsPath(1, site, 'error')}"${data.severity === 'error' ? html` aria-current="true"` : ''}>Errors <span class="n">${data.errors}</span></a></li>
<li><a href="${problemsPath(1, site, 'warning')}"${data.severity === 'warning' ? html` aria-current="true"` : ''}>Warnings <span class="n">${data.warnings}</span></a></li>
</ul></nav>`
      : html`<p><strong>${data.errors}</strong> errors and <strong>${data.warnings}</strong> warnings.</p>`;
  const main = html`<h1>Catalog problems</h1>
<p class="lede">What the last sync found wrong in the descriptors: errors stop an entity (its last good version stays, marked stale); warnings do not.</p>
${tabs}
${data.items.length ? problemList(site, data.items, { showEntity: true }) : emptyNote(total === 0 ? 'No problems: every descriptor is valid and every reference resolves.' : 'No problems on this page.')}
${pager({ page: data.page, pageCount: pages, href: (p) => problemsPath(p, site, data.severity) })}`;
  return layout({ site, title: 'Catalog problems', section: 'problems', main });
}
