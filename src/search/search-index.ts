import { entityTitle } from '../catalog/model.ts';
import type { CatalogReader } from '../catalog/reader.ts';
import type { DocsSource } from '../docs/docs-source.ts';
import { docPagePath, entitiesWithDocs, runbookPagePath } from '../docs/entity-docs.ts';
import { refName } from '../web/components.ts';
import { entityPath } from '../web/site.ts';
import type { SearchEntry } from './rank.ts';

const MAX_TEXT = 300;

/** The headings of a Markdown text (outside code fences) and its first h1, for the index. */
export function markdownOutline(text: string): { title?: string; headings: string[] } {
  const headings: string[] = [];
  let title: string | undefined;
  let fenced = false;
  for (const line of text.split('\n', 20_000)) {
    if (/^\s{0,3}(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) continue;
    const m = /^\s{0,3}(#{1,4})\s+(.+?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const heading = m[2] ?? '';
    if (m[1] === '#' && title === undefined) title = heading;
    else headings.push(heading);
  }
  return { title, headings };
}

const clip = (text: string): string => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text);

/**
 * Everything the palette and the search page can find: every entity, and the docs pages
 * and runbooks kept in the catalog root. Paths are site-relative, so the same index serves
 * the live server and a static export under any base path.
 */
export async function buildSearchIndex(store: CatalogReader, docs?: DocsSource): Promise<SearchEntry[]> {
  const rows = await store.searchRows();
  const entries: SearchEntry[] = rows.map((r) => ({
    type: 'entity',
    title: r.title ?? r.name,
    name: r.name,
    kind: r.kind,
    path: entityPath(r.ref),
    tags: r.tags,
    text: clip(r.description ?? ''),
    context: r.owner ? refName(r.owner) : '',
  }));
  if (!docs) return entries;
  for (const { ref, entity, runbook, tree } of await entitiesWithDocs(store, docs)) {
    const owner = entityTitle(entity) ?? entity.metadata.name;
    if (runbook !== undefined) {
      const text = await docs.read(runbook);
      const outline = text.ok ? markdownOutline(text.text) : { headings: [] };
      entries.push({
        type: 'runbook',
        title: outline.title ?? `Runbook: ${owner}`,
        name: runbook.split('/').pop() ?? runbook,
        kind: 'runbook',
        path: runbookPagePath(ref),
        tags: [],
        text: clip(outline.headings.join(' · ')),
        context: owner,
      });
    }
    for (const page of tree?.pages ?? []) {
      const text = await docs.read(tree?.dir ? `${tree.dir}/${page}` : page);
      const outline = text.ok ? markdownOutline(text.text) : { headings: [] };
      entries.push({
        type: 'docs',
        title: outline.title ?? page,
        name: page.split('/').pop() ?? page,
        kind: 'docs',
        path: docPagePath(ref, page),
        tags: [],
        text: clip(outline.headings.join(' · ')),
        context: owner,
      });
    }
  }
  return entries;
}
