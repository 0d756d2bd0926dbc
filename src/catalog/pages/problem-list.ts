import { entityLink } from '../../web/components.ts';
import { html, type Html } from '../../web/html.ts';
import type { Site } from '../../web/site.ts';
import type { Problem } from '../model.ts';

/** The referrers a grouped problem lists on a page; the API and `validate` give them all. */
export const REFERRERS_SHOWN = 50;

/** A dangling reference's target (never a link: it is not in the catalog) and the entities that refer to it. */
function referrersOf(site: Site, p: Problem): Html | '' {
  if (!p.target || !p.referrers) return '';
  const shown = p.referrers.slice(0, REFERRERS_SHOWN);
  const more = p.referrers.length - shown.length;
  return html`<div class="problem-meta">Missing: ${entityLink(site, { ref: p.target })} · referred to by ${p.referrers.length} ${p.referrers.length === 1 ? 'entity' : 'entities'}:</div>
<ul class="referrers">${shown.map((r) => html`<li>${entityLink(site, { ref: r.entityRef })} <span class="muted small">${r.field} · ${r.file}:${r.line}:${r.column}</span></li>`)}${more > 0 ? html`<li class="muted">and ${more} more (all of them: <code>atrium validate</code> or /api/v1/problems)</li>` : ''}</ul>`;
}

/** Problems with their file, line and column, and (optionally) a link to the entity. */
export function problemList(site: Site, problems: readonly Problem[], options: { showEntity?: boolean } = {}): Html {
  return html`<ul class="problems">${problems.map(
    (p) => html`<li class="problem problem-${p.severity}">
<span class="badge badge-${p.severity === 'error' ? 'error' : 'warn'}">${p.severity}</span> <code>${p.code}</code> ${p.message}
<div class="problem-meta"><span class="file">${p.file}:${p.line}:${p.column}</span>${options.showEntity && p.entityRef ? html` · ${entityLink(site, { ref: p.entityRef })}` : ''}</div>
${referrersOf(site, p)}
<div class="hint">${p.hint}</div>
</li>`,
  )}</ul>`;
}
