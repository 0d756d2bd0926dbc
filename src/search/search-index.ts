import { entityTitle } from '../catalog/model.ts';
import type { CatalogReader } from '../catalog/reader.ts';
import type { DocsSource } from '../docs/docs-source.ts';
import { docPagePath, entitiesWithDocs, runbookPagePath } from '../docs/entity-docs.ts';
import { refName } from '../web/components.ts';
import { entityPath } from '../web/site.ts';
import { identifierTerms } from '../catalog/search-terms.ts';
import { markdownSections } from '../web/markdown.ts';
import { MAX_SECTIONS, type SearchEntry, type SearchSection } from './rank.ts';

const MAX_TEXT = 300;
/** Shared by every entry without tags (never written to: entries are read-only once built). */
const NO_TAGS: string[] = [];
/** Entities read per statement while the index is built. */
const SEARCH_ROWS_PAGE = 5_000;

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

/** Words kept per section: a section is a screenful or two, and the index ships to browsers. */
export const MAX_SECTION_WORDS = 400;

/**
 * A document's sections as the index keeps them: the heading, its anchor on the rendered
 * page, and each distinct word of its text once (identifiers split), at most
 * MAX_SECTION_WORDS, in the order they first appear.
 */
export function sectionsForSearch(markdown: string): SearchSection[] {
  return markdownSections(markdown)
    .slice(0, MAX_SECTIONS)
    .map((s) => ({
      anchor: s.anchor,
      heading: s.heading,
      text: [...new Set(identifierTerms(s.text))].slice(0, MAX_SECTION_WORDS).join(' '),
    }));
}

const clip = (text: string): string => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text);

/**
 * Everything the palette and the search page can find: every entity, and the docs pages
 * and runbooks kept in the catalog root. Paths are site-relative, so the same index serves
 * the live server and a static export under any base path.
 */
export async function buildSearchIndex(store: CatalogReader, docs?: DocsSource): Promise<SearchEntry[]> {
  // Kinds, owners and tags repeat across thousands of entities, each row with its own copy
  // from the database: the index keeps one of each (about 4 MB less at 50,000 entities).
  const kept = new Map<string, string>();
  const one = (text: string): string => {
    const found = kept.get(text);
    if (found !== undefined) return found;
    kept.set(text, text);
    return text;
  };
  const entries: SearchEntry[] = [];
  for (let after: string | undefined; ; ) {
    const rows = await store.searchRows(after, SEARCH_ROWS_PAGE);
    for (const r of rows) {
      entries.push({
        type: 'entity',
        title: r.title ?? r.name,
        name: r.name,
        kind: one(r.kind),
        path: entityPath(r.ref),
        tags: r.tags.length === 0 ? NO_TAGS : r.tags.map(one),
        text: clip(r.description ?? ''),
        context: r.owner ? one(refName(r.owner)) : '',
      });
    }
    if (rows.length < SEARCH_ROWS_PAGE) break;
    after = rows[rows.length - 1]?.key;
  }
  if (!docs) return entries;
  for (const { ref, entity, runbook, tree } of await entitiesWithDocs(store, docs)) {
    const owner = entityTitle(entity) ?? entity.metadata.name;
    const document = async (file: string) => {
      const text = await docs.read(file);
      return text.ok
        ? { outline: markdownOutline(text.text), sections: sectionsForSearch(text.text) }
        : { outline: { headings: [] }, sections: [] };
    };
    if (runbook !== undefined) {
      const { outline, sections } = await document(runbook);
      entries.push({
        type: 'runbook',
        title: outline.title ?? `Runbook: ${owner}`,
        name: runbook.split('/').pop() ?? runbook,
        kind: 'runbook',
        path: runbookPagePath(ref),
        tags: [],
        text: clip(outline.headings.join(' · ')),
        context: owner,
        sections,
      });
    }
    for (const page of tree?.pages ?? []) {
      const file = tree?.dir ? `${tree.dir}/${page}` : page;
      // The runbook is often a page of the docs folder too: one result per file, as the runbook.
      if (file === runbook) continue;
      const { outline, sections } = await document(file);
      entries.push({
        type: 'docs',
        title: outline.title ?? page,
        name: page.split('/').pop() ?? page,
        kind: 'docs',
        path: docPagePath(ref, page),
        tags: [],
        text: clip(outline.headings.join(' · ')),
        context: owner,
        sections,
      });
    }
  }
  return entries;
}
