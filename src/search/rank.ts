import { MAX_QUERY_TERMS, searchTerms } from './terms.ts';

/**
 * Ranking for the search page and the command palette, in the server and, bundled, in the
 * browser (a static export has no server): pure, no Node APIs.
 */

export type SearchEntryType = 'entity' | 'docs' | 'runbook';

export interface SearchEntry {
  type: SearchEntryType;
  title: string;
  /** The entity's name, or the Markdown file's name. */
  name: string;
  /** Entity kind (lowercase), or `docs` / `runbook`. */
  kind: string;
  /** Site-relative path of the page. */
  path: string;
  tags: string[];
  /** Description, or a document's headings. */
  text: string;
  /** What it belongs to: the owner of an entity, the entity of a document. */
  context: string;
}

export interface PreparedEntry {
  entry: SearchEntry;
  name: string;
  nameTerms: string[];
  titleTerms: string[];
  tagTerms: string[];
  otherTerms: string[];
}

export function prepareEntries(entries: readonly SearchEntry[]): PreparedEntry[] {
  return entries.map((entry) => ({
    entry,
    name: searchTerms(entry.name).join(' '),
    nameTerms: searchTerms(entry.name),
    titleTerms: searchTerms(entry.title),
    tagTerms: entry.tags.flatMap(searchTerms),
    otherTerms: [...searchTerms(entry.text), ...searchTerms(entry.context), entry.kind],
  }));
}

/** How well one term matches a list of words: whole word beats prefix; 0 when neither. */
function termScore(term: string, words: readonly string[], whole: number, prefix: number): number {
  let best = 0;
  for (const word of words) {
    if (word === term) return whole;
    if (best === 0 && word.startsWith(term)) best = prefix;
  }
  return best;
}

const TYPE_BONUS: Record<SearchEntryType, number> = { entity: 4, runbook: 3, docs: 0 };

/**
 * The best `limit` entries for a query: every query word must start a word somewhere in
 * the entry; a word in the name counts most, then the title, the tags, and the rest.
 */
export function rankEntries(prepared: readonly PreparedEntry[], query: string, limit: number): SearchEntry[] {
  const terms = searchTerms(query).slice(0, MAX_QUERY_TERMS);
  if (terms.length === 0) return [];
  const whole = terms.join(' ');
  const scored: { entry: SearchEntry; score: number }[] = [];
  for (const p of prepared) {
    let score = 0;
    for (const term of terms) {
      const best = Math.max(termScore(term, p.nameTerms, 60, 50), termScore(term, p.titleTerms, 45, 40), termScore(term, p.tagTerms, 35, 30), termScore(term, p.otherTerms, 10, 8));
      if (best === 0) {
        score = 0;
        break;
      }
      score += best;
    }
    if (score === 0) continue;
    if (p.name === whole) score += 200;
    else if (p.name.startsWith(whole)) score += 80;
    scored.push({ entry: p.entry, score: score + TYPE_BONUS[p.entry.type] });
  }
  scored.sort((a, b) => b.score - a.score || a.entry.title.length - b.entry.title.length || (a.entry.title < b.entry.title ? -1 : a.entry.title > b.entry.title ? 1 : 0) || (a.entry.path < b.entry.path ? -1 : 1));
  return scored.slice(0, limit).map((s) => s.entry);
}

/** The index as shipped to browsers: one array per entry, no repeated field names. */
export type PackedIndex = { version: 1; entries: [SearchEntryType, string, string, string, string, string, string, string][] };

export function packIndex(entries: readonly SearchEntry[]): PackedIndex {
  return { version: 1, entries: entries.map((e) => [e.type, e.title, e.name, e.kind, e.path, e.tags.join(' '), e.text, e.context]) };
}

export function unpackIndex(packed: PackedIndex): SearchEntry[] {
  return packed.entries.map(([type, title, name, kind, path, tags, text, context]) => ({ type, title, name, kind, path, tags: tags ? tags.split(' ') : [], text, context }));
}
