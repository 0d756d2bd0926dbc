import { posix } from 'node:path';
import { docsFolder, operationalLinksOf, runbookFile } from '../catalog/operational-links.ts';
import { entityTitle } from '../catalog/model.ts';
import type { CatalogReader } from '../catalog/reader.ts';
import { html, type Html } from '../web/html.ts';
import { layout } from '../web/layout.ts';
import { splitFrontMatter } from '../web/front-matter.ts';
import { renderMarkdown, type RenderedMarkdown, type TocEntry } from '../web/markdown.ts';
import { entityPath, siteUrl, type Site } from '../web/site.ts';
import { docSlug, pageForSlug, resolveDocLink, type DocsSource, type DocsTree } from './docs-source.ts';
import { docPagePath } from './entity-docs.ts';

/** A rendered docs page or runbook of one entity; the view is a pure function of it. */
export interface DocPageData {
  ref: string;
  entityTitle: string;
  kind: 'docs' | 'runbook';
  /** Root-relative path of the Markdown file. */
  file: string;
  slug: string;
  tree?: DocsTree;
  rendered?: RenderedMarkdown;
  /** Why the file could not be shown. */
  failure?: string;
}

/** Links from a page of the tree, or from a runbook, to other pages of the entity's docs. */
function linkResolver(site: Site, ref: string, tree: DocsTree | undefined, fromPage: string | undefined) {
  return (target: string, kind: 'link' | 'image'): string | undefined => {
    if (kind === 'image' || !tree || fromPage === undefined) return undefined;
    const found = resolveDocLink(tree, fromPage, target);
    const page = found && pageForSlug(tree, found.slug);
    return page === undefined || !found ? undefined : `${siteUrl(site, docPagePath(ref, page))}${found.fragment}`;
  };
}

export async function loadDocPage(
  store: CatalogReader,
  docs: DocsSource,
  key: string,
  slug: string,
  site: Site,
): Promise<DocPageData | undefined> {
  const detail = await store.getEntity(key);
  if (!detail) return undefined;
  const ops = operationalLinksOf(detail.entity, detail.source.file);
  const dir = docsFolder(ops);
  if (dir === undefined) return undefined;
  const tree = await docs.tree(dir);
  const page = tree && pageForSlug(tree, slug);
  if (!tree || page === undefined) return undefined;
  const file = tree.dir ? `${tree.dir}/${page}` : page;
  const text = await docs.read(file);
  const base = {
    ref: detail.ref,
    entityTitle: entityTitle(detail.entity) ?? detail.entity.metadata.name,
    kind: 'docs' as const,
    file,
    slug: docSlug(page),
    tree,
  };
  if (!text.ok) return { ...base, failure: text.message };
  // Front matter (a post-mortem's incident and items, MkDocs' metadata) is data, not prose.
  const { body } = splitFrontMatter(text.text);
  return { ...base, rendered: renderMarkdown(body, { resolveLink: linkResolver(site, detail.ref, tree, page) }) };
}

export async function loadRunbookPage(
  store: CatalogReader,
  docs: DocsSource,
  key: string,
  site: Site,
): Promise<DocPageData | undefined> {
  const detail = await store.getEntity(key);
  if (!detail) return undefined;
  const ops = operationalLinksOf(detail.entity, detail.source.file);
  const file = runbookFile(ops);
  if (file === undefined) return undefined;
  const dir = docsFolder(ops);
  const tree = dir === undefined ? undefined : await docs.tree(dir);
  // A runbook inside the docs tree links like any page of it.
  const prefix = tree?.dir ? `${tree.dir}/` : '';
  const inTree = tree && file.startsWith(prefix) ? file.slice(prefix.length) : undefined;
  const base = {
    ref: detail.ref,
    entityTitle: entityTitle(detail.entity) ?? detail.entity.metadata.name,
    kind: 'runbook' as const,
    file,
    slug: '',
  };
  const text = await docs.read(file);
  if (!text.ok) return { ...base, failure: text.message };
  return {
    ...base,
    rendered: renderMarkdown(text.text, {
      resolveLink: linkResolver(
        site,
        detail.ref,
        tree,
        inTree ?? (tree ? posix.relative(tree.dir || '.', file) : undefined),
      ),
    }),
  };
}

function tocNav(toc: TocEntry[]): Html | '' {
  if (toc.length < 2) return '';
  return html`<nav class="toc" aria-labelledby="toc-title"><h2 id="toc-title" class="facet-title">On this page</h2><ul>${toc.map((t) => html`<li class="toc-${t.level}"><a href="#${t.id}">${t.text}</a></li>`)}</ul></nav>`;
}

function pagesNav(site: Site, data: DocPageData): Html | '' {
  if (!data.tree || data.tree.pages.length < 2) return '';
  return html`<nav class="doc-pages" aria-labelledby="doc-pages-title"><h2 id="doc-pages-title" class="facet-title">Pages</h2><ul>${data.tree.pages.map(
    (p) => {
      const current = docSlug(p) === data.slug && data.kind === 'docs';
      return html`<li><a href="${siteUrl(site, docPagePath(data.ref, p))}"${current ? html` aria-current="page"` : ''}>${p.replace(/\.md$/i, '')}</a></li>`;
    },
  )}</ul></nav>`;
}

export function docView(site: Site, data: DocPageData): Html {
  const what = data.kind === 'runbook' ? 'Runbook' : 'Documentation';
  const title = data.rendered?.title ?? `${what} of ${data.entityTitle}`;
  const entityHref = siteUrl(site, entityPath(data.ref));
  const body = data.failure
    ? html`<h1>${title}</h1><p class="notice">${data.file} cannot be shown: ${data.failure}</p>`
    : html`${data.rendered?.title ? '' : html`<h1>${title}</h1>`}${data.rendered?.html ?? ''}`;
  const main = html`<div class="doc-layout">
<aside class="doc-side">${pagesNav(site, data)}${data.rendered ? tocNav(data.rendered.toc) : ''}</aside>
<article class="prose">${body}
<p class="muted small doc-source">Source: <code>${data.file}</code></p></article>
</div>`;
  return layout({
    site,
    title,
    section: 'catalog',
    offlinePriority: data.kind === 'runbook',
    crumbs: [
      { label: 'Catalog', href: siteUrl(site, 'catalog/') },
      { label: data.entityTitle, href: entityHref },
      { label: what },
    ],
    main,
  });
}
