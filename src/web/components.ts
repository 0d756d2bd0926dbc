import { html, type Html, type HtmlValue } from './html.ts';
import { entityTarget, entityUrl, type Site } from './site.ts';

/** Small pieces several pages share. Each is a pure function returning escaped Html. */

/** What a link to an entity shows: its title when it has one, else its name; the kind as a quiet prefix. */
export interface EntityLabel {
  ref: string;
  title?: string | null;
  kind?: string;
}

export function refName(ref: string): string {
  const slash = ref.lastIndexOf('/');
  const colon = ref.indexOf(':');
  return ref.slice(Math.max(slash, colon) + 1);
}

/** The kind of a full reference (`component:default/x` → `component`). */
export function refKind(ref: string): string {
  return ref.slice(0, Math.max(0, ref.indexOf(':'))).toLowerCase();
}

/**
 * A link to an entity's page, or, when the site has no page for it, its name as text with
 * a badge that says why in words (never colour alone): "not in the catalog", or "external"
 * for references catalog.externalRefs says live elsewhere. Every page links to entities
 * through here, so none links to a page that does not exist.
 */
export function entityLink(site: Site, label: EntityLabel): Html {
  const text = label.title || refName(label.ref);
  switch (entityTarget(site, label.ref)) {
    case 'page':
      return html`<a href="${entityUrl(site, label.ref)}">${text}</a>`;
    case 'external':
      return html`<span class="entity-missing" title="${label.ref} lives outside the catalog (catalog.externalRefs)">${text} <span class="badge badge-quiet">external</span></span>`;
    case 'missing':
      return html`<span class="entity-missing" title="${label.ref} is not in the catalog">${text} <span class="badge badge-warn">not in the catalog</span></span>`;
  }
}

export function kindBadge(kind: string): Html {
  return html`<span class="kind kind-${kind.toLowerCase().replace(/[^a-z0-9-]/g, '')}">${kind}</span>`;
}

export function lifecycleBadge(lifecycle: string | null | undefined): Html | '' {
  if (!lifecycle) return '';
  const tone = lifecycle === 'production' ? 'ok' : lifecycle === 'deprecated' ? 'warn' : 'quiet';
  return html`<span class="badge badge-${tone}">${lifecycle}</span>`;
}

export function tagList(tags: readonly string[], tagHref: (tag: string) => string): Html | '' {
  if (tags.length === 0) return '';
  return html`<ul class="tags" aria-label="Tags">${tags.map((t) => html`<li><a class="tag" href="${tagHref(t)}">${t}</a></li>`)}</ul>`;
}

/** An absolute timestamp; the client script adds "3 hours ago" (pages are cached, so the server cannot). */
export function timestamp(iso: string): Html {
  const display = iso
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:\d\dZ$/, ' UTC');
  return html`<time datetime="${iso}" data-relative>${display}</time>`;
}

/** A card with an h2 that names it (a landmark-free region, labelled for screen readers). */
export function section(id: string, title: string, body: HtmlValue): Html {
  return html`<section class="card" aria-labelledby="${id}"><h2 id="${id}">${title}</h2>${body}</section>`;
}

export function emptyNote(text: string): Html {
  return html`<p class="empty">${text}</p>`;
}

/** How many pages `total` items fill, at least one (an empty list still has its page). */
export function pageCount(total: number, size: number): number {
  return Math.max(1, Math.ceil(total / size));
}

export interface PagerModel {
  page: number;
  pageCount: number;
  href(page: number): string;
}

export function pager(model: PagerModel): Html | '' {
  if (model.pageCount <= 1) return '';
  const { page, pageCount } = model;
  const pages = [...new Set([1, page - 2, page - 1, page, page + 1, page + 2, pageCount])]
    .filter((p) => p >= 1 && p <= pageCount)
    .sort((a, b) => a - b);
  const items: Html[] = [];
  let previous = 0;
  for (const p of pages) {
    if (p - previous > 1) items.push(html`<li aria-hidden="true">…</li>`);
    items.push(
      p === page
        ? html`<li><a aria-current="page" href="${model.href(p)}">${p}</a></li>`
        : html`<li><a href="${model.href(p)}">${p}</a></li>`,
    );
    previous = p;
  }
  return html`<nav class="pager" aria-label="Pages"><ul>
${page > 1 ? html`<li><a rel="prev" href="${model.href(page - 1)}">Previous</a></li>` : ''}
${items}
${page < pageCount ? html`<li><a rel="next" href="${model.href(page + 1)}">Next</a></li>` : ''}
</ul></nav>`;
}
