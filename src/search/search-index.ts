import { operationsOf, RUNBOOK_ANNOTATION } from '../catalog/operations.ts';
import type { CatalogStore } from '../catalog/store.ts';
import { docSlug, type DocsSource } from '../docs/docs-source.ts';
import { refName } from '../web/components.ts';
import { entityPath } from '../web/site.ts';
import type { SearchEntry } from './rank.ts';

const TECHDOCS_ANNOTATION = 'backstage.io/techdocs-ref';
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
export async function buildSearchIndex(store: CatalogStore, docs?: DocsSource): Promise<SearchEntry[]> {
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
  for (const { ref, entity, file } of await store.entitiesMentioning([TECHDOCS_ANNOTATION, RUNBOOK_ANNOTATION])) {
    const ops = operationsOf(entity, file);
    const owner = entity.metadata.title ?? entity.metadata.name;
    const runbook = ops.runbooks.find((r) => r.path !== undefined)?.path;
    if (runbook !== undefined) {
      const text = await docs.read(runbook);
      const outline = text.ok ? markdownOutline(text.text) : { headings: [] };
      entries.push({ type: 'runbook', title: outline.title ?? `Runbook: ${owner}`, name: runbook.split('/').pop() ?? runbook, kind: 'runbook', path: `${entityPath(ref)}runbook/`, tags: [], text: clip(outline.headings.join(' · ')), context: owner });
    }
    const dir = ops.docs.find((d) => d.path !== undefined)?.path;
    const tree = dir === undefined ? undefined : await docs.tree(dir);
    for (const page of tree?.pages ?? []) {
      const text = await docs.read(tree?.dir ? `${tree.dir}/${page}` : page);
      const outline = text.ok ? markdownOutline(text.text) : { headings: [] };
      entries.push({ type: 'docs', title: outline.title ?? page, name: page.split('/').pop() ?? page, kind: 'docs', path: `${entityPath(ref)}docs/${docSlug(page)}`, tags: [], text: clip(outline.headings.join(' · ')), context: owner });
    }
  }
  return entries;
}
