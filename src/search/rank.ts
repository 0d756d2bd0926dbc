import { identifierTerms, MAX_QUERY_TERMS } from '../catalog/search-terms.ts';

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
  /** A document's sections: their words, for full-text search, and where they start. */
  sections?: SearchSection[];
}

export interface SearchSection {
  /** The heading's id on the page (`''`: the text before the first heading). */
  anchor: string;
  heading: string;
  /** The section's words (each once), not its prose: the index ships to browsers. */
  text: string;
}

export interface PreparedEntry {
  entry: SearchEntry;
  /** The name's words joined by spaces, to compare with the whole query. */
  name: string;
}

/**
 * Where a word was found in an entry. Postings carry the slot, so a query scores only
 * the words it matched, never an entry's whole text: NAME…OTHER are the entry's fields;
 * a document's section `i` is heading slot `FIRST_SECTION + 2i` and body slot one more.
 */
const NAME = 0;
const TITLE = 1;
const TAGS = 2;
const OTHER = 3;
const FIRST_SECTION = 4;
const SLOTS = 256;
/** Sections of one document the index keeps (the rest of a very long document counts as its last section). */
export const MAX_SECTIONS = (SLOTS - FIRST_SECTION) / 2;

/**
 * Entries ready to rank, with an index from every word to where it occurs: a query word is
 * looked up exactly, by prefix (binary search over the sorted words) and, for typos, among
 * the words of nearly its length; only entries holding a matched word are scored.
 */
export interface PreparedIndex {
  entries: PreparedEntry[];
  /** Every distinct word, sorted. */
  words: string[];
  /** For each word, where it occurs: `entry * 256 + slot`, ascending. */
  postings: number[][];
  /** Indexes into `words` by word length, for the typo scan. */
  byLength: number[][];
  /** Scratch for one query at a time (ranking is synchronous): points per entry and query word in its fields. */
  fieldPoints: Uint8Array;
  /** Scratch: whether an entry holds the rarest query word. */
  candidate: Uint8Array;
}

/** A search result: the entry, and for a document the section that matched best. */
export type SearchResult = Omit<SearchEntry, 'sections'> & { section?: { anchor: string; heading: string } };

/** Where a result links: the page, at the matched section's heading when there is one. */
export function resultPath(result: SearchResult): string {
  return result.section?.anchor ? `${result.path}#${encodeURIComponent(result.section.anchor)}` : result.path;
}

export function prepareEntries(entries: readonly SearchEntry[]): PreparedIndex {
  const byWord = new Map<string, number[]>();
  const add = (text: string, code: number) => {
    for (const word of new Set(identifierTerms(text))) {
      const list = byWord.get(word);
      if (list === undefined) byWord.set(word, [code]);
      else if (list[list.length - 1] !== code) list.push(code);
    }
  };
  const prepared = entries.map((entry, i) => {
    const base = i * SLOTS;
    add(entry.name, base + NAME);
    add(entry.title, base + TITLE);
    add(entry.tags.join(' '), base + TAGS);
    add(`${entry.text} ${entry.context} ${entry.kind}`, base + OTHER);
    (entry.sections ?? []).slice(0, MAX_SECTIONS).forEach((section, s) => {
      add(section.heading, base + FIRST_SECTION + 2 * s);
      add(section.text, base + FIRST_SECTION + 2 * s + 1);
    });
    return { entry, name: identifierTerms(entry.name).join(' ') };
  });
  const words = [...byWord.keys()].sort();
  const byLength: number[][] = [];
  words.forEach((w, i) => {
    (byLength[w.length] ??= []).push(i);
  });
  return {
    entries: prepared,
    words,
    postings: words.map((w) => (byWord.get(w) as number[]).sort((a, b) => a - b)),
    byLength,
    fieldPoints: new Uint8Array(entries.length * MAX_QUERY_TERMS),
    candidate: new Uint8Array(entries.length),
  };
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

/**
 * Typos forgiven by word length: none below 4 letters (too many short words are one edit
 * apart), 1 up to 7, then 2; none in a word with digits (2993 is not a typo of 2983).
 */
export function maxEdits(term: string): number {
  if (/\d/.test(term)) return 0;
  return term.length < 4 ? 0 : term.length < 8 ? 1 : 2;
}

/** Longer query words are cut: no word of a catalog is this long, and the typo scan stays bounded. */
const MAX_TERM = 64;
/** Longer queries are cut before they are split into words. */
export const MAX_QUERY_CHARS = 1000;

/** Rows of the edit-distance table, reused: the typo scan runs thousands of comparisons per query. */
const rows = [new Int32Array(MAX_TERM + 3), new Int32Array(MAX_TERM + 3), new Int32Array(MAX_TERM + 3)];

/**
 * Whether `a` and `b` are at most `k` edits apart, counting an insertion, a deletion, a
 * substitution or two swapped neighbours (the commonest typo) as one edit (optimal string
 * alignment distance). Gives up as soon as every alignment exceeds `k`. `b` is at most
 * MAX_TERM + 2 long (callers compare words of about the query word's length).
 */
export function withinEdits(a: string, b: string, k: number): boolean {
  if (Math.abs(a.length - b.length) > k) return false;
  const n = b.length;
  let [before, previous, current] = rows as [Int32Array, Int32Array, Int32Array];
  for (let j = 0; j <= n; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let best = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= n; j++) {
      const cb = b.charCodeAt(j - 1);
      let cost = Math.min(
        (previous[j - 1] as number) + (ca === cb ? 0 : 1),
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
      );
      if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb)
        cost = Math.min(cost, (before[j - 2] as number) + 1);
      current[j] = cost;
      if (cost < best) best = cost;
    }
    if (best > k) return false;
    [before, previous, current] = [previous, current, before];
  }
  return (previous[n] as number) <= k;
}

/** How a query word matched a word of the index. */
const EXACT = 0;
const PREFIX = 1;
const FUZZY = 2;

/** The words of the index a query word matches, and how: itself, words it starts, words a typo or two away. */
function matchingWords(index: PreparedIndex, term: string): { word: number; how: number }[] {
  const out: { word: number; how: number }[] = [];
  const start = lowerBound(index.words, term);
  if (index.words[start] === term) out.push({ word: start, how: EXACT });
  if (term.length >= MIN_PREFIX)
    for (let i = index.words[start] === term ? start + 1 : start; (index.words[i] ?? '').startsWith(term); i++)
      out.push({ word: i, how: PREFIX });
  const k = maxEdits(term);
  for (let length = Math.max(1, term.length - k); k > 0 && length <= term.length + k; length++) {
    for (const i of index.byLength[length] ?? []) {
      const word = index.words[i] as string;
      if (word !== term && !word.startsWith(term) && withinEdits(term, word, k)) out.push({ word: i, how: FUZZY });
    }
  }
  return out;
}

/** Points for a query word by where it matched (rows: slot kind) and how (columns: exact, prefix, typo). Any exact or prefix match outscores every typo. */
const WEIGHTS = [
  [60, 50, 7], // name
  [45, 40, 6], // title
  [35, 30, 5], // tags
  [10, 8, 2], // description, owner, kind
  [30, 25, 4], // section heading
  [10, 8, 2], // section text
];

const weightOf = (slot: number, how: number): number =>
  (WEIGHTS[slot < FIRST_SECTION ? slot : FIRST_SECTION + ((slot - FIRST_SECTION) % 2)] as number[])[how] as number;

const TYPE_BONUS: Record<SearchEntryType, number> = { entity: 4, runbook: 3, docs: 0 };
/** Among entities that match equally, the running software first: it is what a person searching at 3 AM is after. */
const KIND_BONUS: Readonly<Record<string, number>> = { component: 2, api: 1 };

/**
 * The best `limit` results for a query: every query word must match a word somewhere in
 * the entry (whole, as its beginning, or with a typo); a word in the name counts most,
 * then the title, the tags, and the rest. A document counts once: with its best section,
 * whose heading the result names and whose anchor it links to.
 */
export function rankEntries(index: PreparedIndex, query: string, limit: number): SearchResult[] {
  const terms = [...new Set(identifierTerms(query.slice(0, MAX_QUERY_CHARS)).map((t) => t.slice(0, MAX_TERM)))].slice(
    0,
    MAX_QUERY_TERMS,
  );
  if (terms.length === 0 || limit < 1) return [];
  const whole = terms.join(' ');
  // Rarest word first: its entries are the only candidates, the other words only score them.
  const matches = terms
    .map((term) => {
      const words = matchingWords(index, term);
      let size = 0;
      for (const { word } of words) size += (index.postings[word] as number[]).length;
      return { words, size };
    })
    .sort((a, b) => a.size - b.size);
  const { fieldPoints, candidate } = index;
  const candidates: number[] = [];
  /** Per candidate document, per query word: the best points per section slot. */
  const sectionPoints = new Map<number, Map<number, number>[]>();
  matches.forEach(({ words }, t) => {
    for (const { word, how } of words) {
      for (const code of index.postings[word] as number[]) {
        const entry = Math.floor(code / SLOTS);
        if (t === 0 && candidate[entry] === 0) {
          candidate[entry] = 1;
          candidates.push(entry);
        } else if (candidate[entry] === 0) continue;
        const slot = code % SLOTS;
        const points = weightOf(slot, how);
        if (slot < FIRST_SECTION) {
          const at = entry * MAX_QUERY_TERMS + t;
          if ((fieldPoints[at] as number) < points) fieldPoints[at] = points;
          continue;
        }
        let perTerm = sectionPoints.get(entry);
        if (perTerm === undefined) {
          perTerm = terms.map(() => new Map());
          sectionPoints.set(entry, perTerm);
        }
        const slots = perTerm[t] as Map<number, number>;
        if ((slots.get(slot) ?? 0) < points) slots.set(slot, points);
      }
    }
  });
  const top: Ranked[] = [];
  for (const i of candidates) {
    const best = bestSection(
      fieldPoints.subarray(i * MAX_QUERY_TERMS, i * MAX_QUERY_TERMS + terms.length),
      sectionPoints.get(i),
    );
    if (best === undefined) continue;
    const p = index.entries[i] as PreparedEntry;
    const bonus =
      (p.name === whole ? 200 : p.name.startsWith(whole) ? 80 : 0) +
      TYPE_BONUS[p.entry.type] +
      (p.entry.type === 'entity' ? (KIND_BONUS[p.entry.kind] ?? 0) : 0);
    keepBest(top, { entry: p.entry, score: best.score + bonus, section: best.section }, limit);
  }
  // The scratch arrays belong to the index: leave them clean for the next query.
  for (const i of candidates) {
    candidate[i] = 0;
    fieldPoints.fill(0, i * MAX_QUERY_TERMS, i * MAX_QUERY_TERMS + terms.length);
  }
  return top.map(({ entry, section }) => {
    const { sections, ...rest } = entry;
    const found = section === undefined ? undefined : sections?.[section];
    return found ? { ...rest, section: { anchor: found.anchor, heading: found.heading } } : rest;
  });
}

interface Ranked {
  entry: SearchEntry;
  score: number;
  section: number | undefined;
}

/** Higher score first; ties by shorter title, then title and path, so the order is stable. */
function before(a: Ranked, b: Ranked): boolean {
  if (a.score !== b.score) return a.score > b.score;
  if (a.entry.title.length !== b.entry.title.length) return a.entry.title.length < b.entry.title.length;
  if (a.entry.title !== b.entry.title) return a.entry.title < b.entry.title;
  return a.entry.path < b.entry.path;
}

/** Keeps `top` the best `limit` so far, in order: a query word like "service" has thousands of candidates, and only a page of them is shown. */
function keepBest(top: Ranked[], item: Ranked, limit: number): void {
  if (top.length === limit && !before(item, top[limit - 1] as Ranked)) return;
  let at = top.length;
  while (at > 0 && before(item, top[at - 1] as Ranked)) at--;
  top.splice(at, 0, item);
  if (top.length > limit) top.pop();
}

/**
 * An entry's score and the section to link to: every query word must match in the entry's
 * fields or in that one section; the section with the most points wins (the first on a
 * tie), and none is named when the fields alone score as well.
 */
function bestSection(
  fieldPoints: Uint8Array,
  sectionPoints: readonly Map<number, number>[] | undefined,
): { score: number; section?: number } | undefined {
  let result: { score: number; section?: number } | undefined = fieldPoints.every((p) => p > 0)
    ? { score: fieldPoints.reduce((a, b) => a + b, 0) }
    : undefined;
  if (sectionPoints === undefined) return result;
  const sections = new Set<number>();
  for (const slots of sectionPoints) for (const slot of slots.keys()) sections.add((slot - FIRST_SECTION) >> 1);
  for (const s of [...sections].sort((a, b) => a - b)) {
    let score = 0;
    for (let t = 0; t < fieldPoints.length; t++) {
      const slots = sectionPoints[t] as Map<number, number>;
      const here = Math.max(
        fieldPoints[t] as number,
        slots.get(FIRST_SECTION + 2 * s) ?? 0,
        slots.get(FIRST_SECTION + 2 * s + 1) ?? 0,
      );
      if (here === 0) {
        score = 0;
        break;
      }
      score += here;
    }
    if (score > (result?.score ?? 0)) result = { score, section: s };
  }
  return result;
}

/** The index as shipped to browsers: one array per entry, no repeated field names; a document's sections last (`[anchor, heading, words]`). */
export type PackedIndex = {
  version: 1 | 2;
  entries: [
    SearchEntryType,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    ([string, string, string][] | undefined)?,
  ][];
};

export function packIndex(entries: readonly SearchEntry[]): PackedIndex {
  return {
    version: 2,
    entries: entries.map((e) => {
      const fields: PackedIndex['entries'][number] = [
        e.type,
        e.title,
        e.name,
        e.kind,
        e.path,
        e.tags.join(' '),
        e.text,
        e.context,
      ];
      if (e.sections) fields.push(e.sections.map((s) => [s.anchor, s.heading, s.text]));
      return fields;
    }),
  };
}

/** Version 1 (an export made before sections) unpacks too: a saved copy keeps working offline. */
export function unpackIndex(packed: PackedIndex): SearchEntry[] {
  return packed.entries.map(([type, title, name, kind, path, tags, text, context, sections]) => {
    const entry: SearchEntry = { type, title, name, kind, path, tags: tags ? tags.split(' ') : [], text, context };
    if (sections) entry.sections = sections.map(([anchor, heading, words]) => ({ anchor, heading, text: words }));
    return entry;
  });
}
