import { entityLink } from '../../web/components.ts';
import { html, type Html } from '../../web/html.ts';
import type { Site } from '../../web/site.ts';
import type { Problem } from '../model.ts';

/** Problems with their file, line and column, and (optionally) a link to the entity. */
export function problemList(site: Site, problems: readonly Problem[], options: { showEntity?: boolean } = {}): Html {
  return html`<ul class="problems">${problems.map(
    (p) => html`<li class="problem problem-${p.severity}">
<span class="badge badge-${p.severity === 'error' ? 'error' : 'warn'}">${p.severity}</span> <code>${p.code}</code> ${p.message}
<div class="problem-meta"><span class="file">${p.file}:${p.line}:${p.column}</span>${options.showEntity && p.entityRef ? html` · ${entityLink(site, { ref: p.entityRef })}` : ''}</div>
<div class="hint">${p.hint}</div>
</li>`,
  )}</ul>`;
}
