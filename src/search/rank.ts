import { MAX_QUERY_TERMS, searchTerms } from '../catalog/search-terms.ts';

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

/**
 * Entries ready to rank, with an index from every word to the entries holding it: a query
 * word is looked up by prefix (binary search over the sorted words), so only entries that
 * can match are scored. At 50,000 entities that is a few hundred entries, not 50,000.
 */
export interface PreparedIndex {
  entries: PreparedEntry[];
  /** Every distinct word, sorted. */
  words: string[];
  /** For each word, the entries that hold it, ascending. */
  postings: number[][];
}

export function prepareEntries(entries: readonly SearchEntry[]): PreparedIndex {
  const prepared = entries.map((entry) => ({
    entry,
    name: searchTerms(entry.name).join(' '),
    nameTerms: searchTerms(entry.name),
    titleTerms: searchTerms(entry.title),
    tagTerms: entry.tags.flatMap(searchTerms),
    otherTerms: [...searchTerms(entry.text), ...searchTerms(entry.context), entry.kind],
  }));
  const byWord = new Map<string, number[]>();
  prepared.forEach((p, i) => {
    for (const word of new Set([...p.nameTerms, ...p.titleTerms, ...p.tagTerms, ...p.otherTerms])) {
      const list = byWord.get(word);
      if (list) list.push(i);
      else byWord.set(word, [i]);
    }
  });
  const words = [...byWord.keys()].sort();
  return { entries: prepared, words, postings: words.map((w) => byWord.get(w) as number[]) };
}

/** The first index in sorted `words` at or after `term`. */
function lowerBound(words: readonly string[], term: string): number {
  let lo = 0;
  let hi = words.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((words[mid] as string) < term) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Shorter words match whole words only: one letter would start a word in nearly every entry. */
const MIN_PREFIX = 2;

/** The entries holding a word that starts with `term` (or is `term`, when it is very short). */
function candidatesFor(index: PreparedIndex, term: string): Set<number> {
  const out = new Set<number>();
  const matches = (word: string) => (term.length < MIN_PREFIX ? word === term : word.startsWith(term));
  for (let i = lowerBound(index.words, term); i < index.words.length && matches(index.words[i] as string); i++) {
    for (const entry of index.postings[i] as number[]) out.add(entry);
  }
  return out;
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
export function rankEntries(index: PreparedIndex, query: string, limit: number): SearchEntry[] {
  const terms = searchTerms(query).slice(0, MAX_QUERY_TERMS);
  if (terms.length === 0) return [];
  const whole = terms.join(' ');
  // Every word must match: start from the rarest word's entries and keep those the others have.
  const sets = terms.map((t) => candidatesFor(index, t)).sort((a, b) => a.size - b.size);
  const [smallest, ...others] = sets as [Set<number>, ...Set<number>[]];
  const scored: { entry: SearchEntry; score: number }[] = [];
  for (const i of smallest) {
    if (!others.every((set) => set.has(i))) continue;
    const p = index.entries[i] as PreparedEntry;
    let score = 0;
    for (const term of terms) {
      const best = Math.max(
        termScore(term, p.nameTerms, 60, 50),
        termScore(term, p.titleTerms, 45, 40),
        termScore(term, p.tagTerms, 35, 30),
        termScore(term, p.otherTerms, 10, 8),
      );
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
  scored.sort(
    (a, b) =>
      b.score - a.score ||
      a.entry.title.length - b.entry.title.length ||
      (a.entry.title < b.entry.title ? -1 : a.entry.title > b.entry.title ? 1 : 0) ||
      (a.entry.path < b.entry.path ? -1 : 1),
  );
  return scored.slice(0, limit).map((s) => s.entry);
}

/** The index as shipped to browsers: one array per entry, no repeated field names. */
export type PackedIndex = {
  version: 1;
  entries: [SearchEntryType, string, string, string, string, string, string, string][];
};

export function packIndex(entries: readonly SearchEntry[]): PackedIndex {
  return {
    version: 1,
    entries: entries.map((e) => [e.type, e.title, e.name, e.kind, e.path, e.tags.join(' '), e.text, e.context]),
  };
}

export function unpackIndex(packed: PackedIndex): SearchEntry[] {
  return packed.entries.map(([type, title, name, kind, path, tags, text, context]) => ({
    type,
    title,
    name,
    kind,
    path,
    tags: tags ? tags.split(' ') : [],
    text,
    context,
  }));
}
