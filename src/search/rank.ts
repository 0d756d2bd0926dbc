import { identifierTerms, MAX_QUERY_TERMS } from '../catalog/search-terms.ts';
import { entityPath } from '../web/site.ts';

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
 * the words of nearly its length whose letters nearly agree; only entries holding a matched
 * word are scored.
 */
export interface PreparedIndex {
  entries: PreparedEntry[];
  /** Every distinct word, sorted. */
  words: string[];
  /** For each word, where it occurs in a name, title or tags: `entry * 256 + slot`, ascending. */
  strong: Int32Array[];
  /** For each word, where else it occurs (description, owner, kind, sections), the same way. */
  weak: Int32Array[];
  /** Indexes into `words` by word length, for the typo scan. */
  byLength: Int32Array[];
  /** For each word, its letters as bits (`letterBits`): a cheap test that rules out most words before the edit distance. */
  letters: Int32Array;
  /** Scratch for one query at a time (ranking is synchronous): points per entry and query word in its fields. */
  fieldPoints: Uint8Array;
  /** Scratch: 1 for an entry still in the running, 2 once it matched the query word being looked up. */
  candidate: Uint8Array;
  /** Where each entry's sections start in `sectionPoints`, and how many it has. */
  sectionBase: Int32Array;
  sectionCount: Uint8Array;
  /** Scratch: points per section and query word, for the sections of every document (flat: no allocation per query). */
  sectionPoints: Uint8Array;
}

/** A search result: the entry, and for a document the section that matched best. */
export type SearchResult = Omit<SearchEntry, 'sections'> & { section?: { anchor: string; heading: string } };

/** Where a result links: the page, at the matched section's heading when there is one. */
export function resultPath(result: SearchResult): string {
  return result.section?.anchor ? `${result.path}#${encodeURIComponent(result.section.anchor)}` : result.path;
}

/** Where a section's body sits among an entry's slots. */
const bodySlot = (section: number): number => FIRST_SECTION + 2 * section + 1;

export function prepareEntries(entries: readonly SearchEntry[]): PreparedIndex {
  return atOnce(preparing(entries));
}

/** Runs a sliced build (a generator that yields between slices) to its end without pausing. */
function atOnce<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * `prepareEntries` a slice at a time, waiting for `nextTurn` between slices: the server
 * builds its index after every catalog change while it answers requests, and at 50,000
 * entities the whole build held the event loop for seconds.
 */
export async function prepareEntriesInTurns(
  entries: readonly SearchEntry[],
  nextTurn: () => Promise<unknown>,
): Promise<PreparedIndex> {
  const steps = preparing(entries);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await nextTurn();
  }
}

/** Entries, or words, handled between two yields of `preparing`: a few milliseconds' work. */
const SLICE = 2_000;

/** The index over `entries` (see `PreparedIndex`), yielding after each slice of its work. */
function* preparing(entries: readonly SearchEntry[]): Generator<void, PreparedIndex> {
  // The section bodies' words first: each entry's own fields' words follow in indexEntries.
  const bodies = new Map<string, number[]>();
  for (let i = 0; i < entries.length; i++) {
    if (i > 0 && i % SLICE === 0) yield;
    (entries[i]?.sections ?? []).slice(0, MAX_SECTIONS).forEach((section, s) => {
      addWords(bodies, identifierTerms(section.text), i * SLOTS + bodySlot(s));
    });
  }
  return yield* indexEntries(entries, bodies);
}

/** Records that `words` occur at `code`, once per word and code (codes arrive ascending, or are sorted later). */
function addWords(byWord: Map<string, number[]>, words: readonly string[], code: number): void {
  for (const word of words) {
    const list = byWord.get(word);
    if (list === undefined) byWord.set(word, [code]);
    else if (list[list.length - 1] !== code) list.push(code);
  }
}

/**
 * The index over `entries`' fields and section headings, which it splits into words, and
 * the section bodies' words as given (`word -> codes`): the server splits them from the
 * entries, a browser reads them ready-made from the shipped index. Yields after each slice.
 */
function* indexEntries(entries: readonly SearchEntry[], bodies: Map<string, number[]>): Generator<void, PreparedIndex> {
  const byWord = bodies;
  const prepared: PreparedEntry[] = [];
  for (let i = 0; i < entries.length; i++) {
    if (i > 0 && i % SLICE === 0) yield;
    const entry = entries[i] as SearchEntry;
    const base = i * SLOTS;
    addWords(byWord, identifierTerms(entry.name), base + NAME);
    addWords(byWord, identifierTerms(entry.title), base + TITLE);
    addWords(byWord, identifierTerms(entry.tags.join(' ')), base + TAGS);
    addWords(byWord, identifierTerms(`${entry.text} ${entry.context} ${entry.kind}`), base + OTHER);
    (entry.sections ?? []).slice(0, MAX_SECTIONS).forEach((section, s) => {
      addWords(byWord, identifierTerms(section.heading), base + FIRST_SECTION + 2 * s);
    });
    prepared.push({ entry, name: identifierTerms(entry.name).join(' ') });
  }
  yield;
  const words = [...byWord.keys()].sort();
  yield;
  const sectionBase = new Int32Array(entries.length);
  const sectionCount = new Uint8Array(entries.length);
  let sections = 0;
  entries.forEach((entry, i) => {
    sectionBase[i] = sections;
    sectionCount[i] = Math.min(entry.sections?.length ?? 0, MAX_SECTIONS);
    sections += sectionCount[i] as number;
  });
  const byLength: number[][] = [];
  const letters = new Int32Array(words.length);
  const strong: Int32Array[] = [];
  const weak: Int32Array[] = [];
  for (let i = 0; i < words.length; i++) {
    if (i > 0 && i % SLICE === 0) yield;
    const w = words[i] as string;
    (byLength[w.length] ??= []).push(i);
    letters[i] = letterBits(w);
    const codes = byWord.get(w) as number[];
    strong.push(Int32Array.from(codes.filter((c) => c % SLOTS < OTHER)).sort());
    weak.push(Int32Array.from(codes.filter((c) => c % SLOTS >= OTHER)).sort());
  }
  return {
    entries: prepared,
    words,
    strong,
    weak,
    byLength: Array.from(byLength, (list) => Int32Array.from(list ?? [])),
    letters,
    fieldPoints: new Uint8Array(entries.length * MAX_QUERY_TERMS),
    candidate: new Uint8Array(entries.length),
    sectionBase,
    sectionCount,
    sectionPoints: new Uint8Array(sections * MAX_QUERY_TERMS),
  };
}

/**
 * A word's characters as bits (bit `code % 32`: the letters a-z each their own). One edit
 * adds or removes at most one character, so two words `k` edits apart differ in at most `k`
 * bits each way: most words of the index fail this before any edit distance is computed.
 */
export function letterBits(word: string): number {
  let bits = 0;
  for (let i = 0; i < word.length; i++) bits |= 1 << (word.charCodeAt(i) & 31);
  return bits;
}

function popcount(v: number): number {
  let x = v - ((v >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
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
  const bits = letterBits(term);
  for (let length = Math.max(1, term.length - k); k > 0 && length <= term.length + k; length++) {
    for (const i of index.byLength[length] ?? []) {
      const other = index.letters[i] as number;
      if (popcount(bits & ~other) > k || popcount(other & ~bits) > k) continue;
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
/** The most an entry gains besides its points when its name does not match the query. */
const MAX_PLAIN_BONUS = Math.max(...Object.values(TYPE_BONUS)) + Math.max(...Object.values(KIND_BONUS));
/** The most points a match outside the name, title and tags earns, by how it matched. */
const WEAK_MAX = [EXACT, PREFIX, FUZZY].map((how) =>
  Math.max(...WEIGHTS.slice(OTHER).map((row) => row[how] as number)),
);

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
  // Rarest word first: its entries are the only candidates; each further word only scores
  // them and drops those it does not match, so the candidates shrink as the words go on.
  const matches = terms
    .map((term) => {
      const words = matchingWords(index, term);
      let size = 0;
      for (const { word } of words)
        size += (index.strong[word] as Int32Array).length + (index.weak[word] as Int32Array).length;
      return { words, size };
    })
    .sort((a, b) => a.size - b.size);
  const { fieldPoints, candidate, sectionPoints, sectionBase } = index;
  let candidates: number[] = [];
  /** Records a matched word's points in the entry's field or section, keeping the best per query word. */
  const score = (code: number, t: number, how: number) => {
    const entry = (code / SLOTS) | 0;
    const slot = code % SLOTS;
    candidate[entry] = 2;
    const points = weightOf(slot, how);
    const at =
      slot < FIRST_SECTION
        ? entry * MAX_QUERY_TERMS + t
        : ((sectionBase[entry] as number) + ((slot - FIRST_SECTION) >> 1)) * MAX_QUERY_TERMS + t;
    const scratch = slot < FIRST_SECTION ? fieldPoints : sectionPoints;
    if ((scratch[at] as number) < points) scratch[at] = points;
  };
  /** Scores the codes of one matched word for query word `t` (the first picks the candidates). */
  const visit = (t: number, how: number, postings: Int32Array) => {
    if (t === 0) {
      for (const code of postings) {
        const entry = (code / SLOTS) | 0;
        if (candidate[entry] === 0) candidates.push(entry);
        score(code, t, how);
      }
    } else if (candidates.length * 16 < postings.length) {
      // Few candidates, a common word: look each candidate's codes up rather than read them all.
      for (const entry of candidates) {
        for (let at = lowerCode(postings, entry * SLOTS); at < postings.length; at++) {
          const code = postings[at] as number;
          if (code >= (entry + 1) * SLOTS) break;
          score(code, t, how);
        }
      }
    } else {
      for (const code of postings) if (candidate[(code / SLOTS) | 0] !== 0) score(code, t, how);
    }
  };
  const rankCandidates = (): Ranked[] => {
    const top: Ranked[] = [];
    for (const i of candidates) {
      const best = bestSection(index, i, terms.length);
      if (best === undefined) continue;
      const p = index.entries[i] as PreparedEntry;
      const bonus =
        (p.name === whole ? 200 : p.name.startsWith(whole) ? 80 : 0) +
        TYPE_BONUS[p.entry.type] +
        (p.entry.type === 'entity' ? (KIND_BONUS[p.entry.kind] ?? 0) : 0);
      keepBest(top, { entry: p.entry, score: best.score + bonus, base: best.score, section: best.section }, limit);
    }
    return top;
  };
  let top: Ranked[] | undefined;
  const [first] = matches;
  if (matches.length === 1 && first !== undefined) {
    // One word (what the palette sees first, often two letters long): names, titles and
    // tags decide the first page unless a description or section could still reach it.
    // Those score at most `weakest` (+ the type and kind bonuses); when every result on
    // the page beats that, the description and section codes need not be read at all.
    let weakest = 0;
    for (const { word, how } of first.words) {
      visit(0, how, index.strong[word] as Int32Array);
      weakest = Math.max(weakest, WEAK_MAX[how] as number);
    }
    const early = rankCandidates();
    const last = early[limit - 1];
    if (last !== undefined && last.score > weakest + MAX_PLAIN_BONUS && early.every((r) => r.base >= weakest))
      top = early;
    else for (const { word, how } of first.words) visit(0, how, index.weak[word] as Int32Array);
  } else {
    matches.forEach(({ words }, t) => {
      for (const { word, how } of words) {
        visit(t, how, index.strong[word] as Int32Array);
        visit(t, how, index.weak[word] as Int32Array);
      }
      // An entry that this word matched nowhere is out; the rest go on to the next word.
      const kept: number[] = [];
      for (const entry of candidates) {
        if (candidate[entry] === 2) {
          candidate[entry] = 1;
          kept.push(entry);
        } else clear(index, entry, terms.length);
      }
      candidates = kept;
    });
  }
  top ??= rankCandidates();
  // The scratch arrays belong to the index: leave them clean for the next query.
  for (const i of candidates) clear(index, i, terms.length);
  return top.map(({ entry, section }) => {
    const { sections, ...rest } = entry;
    const found = section === undefined ? undefined : sections?.[section];
    return found ? { ...rest, section: { anchor: found.anchor, heading: found.heading } } : rest;
  });
}

/** Resets an entry's scratch. */
function clear(index: PreparedIndex, entry: number, terms: number): void {
  index.candidate[entry] = 0;
  index.fieldPoints.fill(0, entry * MAX_QUERY_TERMS, entry * MAX_QUERY_TERMS + terms);
  const first = index.sectionBase[entry] as number;
  index.sectionPoints.fill(
    0,
    first * MAX_QUERY_TERMS,
    (first + (index.sectionCount[entry] as number)) * MAX_QUERY_TERMS,
  );
}

/** The first position in ascending `codes` at or after `code`. */
function lowerCode(codes: Int32Array, code: number): number {
  let lo = 0;
  let hi = codes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((codes[mid] as number) < code) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface Ranked {
  entry: SearchEntry;
  score: number;
  /** The score before the bonuses. */
  base: number;
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
  index: PreparedIndex,
  entry: number,
  terms: number,
): { score: number; section?: number } | undefined {
  const { fieldPoints, sectionPoints } = index;
  const fieldsAt = entry * MAX_QUERY_TERMS;
  let fields = 0;
  for (let t = 0; t < terms; t++) {
    const p = fieldPoints[fieldsAt + t] as number;
    if (p === 0) {
      fields = 0;
      break;
    }
    fields += p;
  }
  let result: { score: number; section?: number } | undefined = fields > 0 ? { score: fields } : undefined;
  const first = index.sectionBase[entry] as number;
  for (let s = 0; s < (index.sectionCount[entry] as number); s++) {
    const at = (first + s) * MAX_QUERY_TERMS;
    let score = 0;
    for (let t = 0; t < terms; t++) {
      const p = Math.max(fieldPoints[fieldsAt + t] as number, sectionPoints[at + t] as number);
      if (p === 0) {
        score = 0;
        break;
      }
      score += p;
    }
    if (score > (result?.score ?? 0)) result = { score, section: s };
  }
  return result;
}

/**
 * The index as shipped to browsers (`search-index.json`), version 3: one array per field
 * (no field name repeated per entry), sections' anchors and headings in entry order, and
 * the words of the sections' bodies as a term dictionary with postings rather than as text:
 * `words` sorted, and for each word the sections (numbered across the whole index) it
 * occurs in, as gaps between ascending numbers in `GAP_DIGITS`. A word's postings take a
 * byte or two a section where the text took a word; a browser builds its index from them
 * without splitting a word of text.
 */
export interface PackedIndex {
  version: 3;
  /** One letter per entry: `e` entity, `d` docs, `r` runbook. */
  types: string;
  /** `''` when the title is the name. */
  title: string[];
  name: string[];
  kind: string[];
  /** `''` for an entity of the default namespace, whose page is where `entityPath` puts it. */
  path: string[];
  /** Tags joined by spaces. */
  tags: string[];
  text: string[];
  context: string[];
  /** How many sections each entry has (0 for an entity). */
  sections: number[];
  anchor: string[];
  heading: string[];
  words: string[];
  postings: string[];
}

/** An index written before version 3 (a copy saved offline by an older portal): one array per entry, a document's sections last (`[anchor, heading, words]`). */
export interface LegacyPackedIndex {
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
}

/** Where an entity of the default namespace has its page: the shipped index leaves such paths out. */
const defaultEntityPath = (e: SearchEntry): string => entityPath(`${e.kind}:default/${e.name}`);

const TYPE_LETTER: Record<SearchEntryType, string> = { entity: 'e', docs: 'd', runbook: 'r' };
const LETTER_TYPE: Readonly<Record<string, SearchEntryType>> = { e: 'entity', d: 'docs', r: 'runbook' };

/**
 * Digits of a gap, five bits each, most significant first: the last digit of a number is
 * one of the first 32 characters, every other digit one of the next 32, so numbers need no
 * separator. All are safe in JSON strings unescaped.
 */
const GAP_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef' + 'ghijklmnopqrstuvwxyz0123456789-_';
const DIGIT_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < GAP_DIGITS.length; i++) DIGIT_VALUE[GAP_DIGITS.charCodeAt(i)] = i;

function encodeGaps(numbers: readonly number[]): string {
  let out = '';
  let previous = 0;
  for (const n of numbers) {
    let gap = n - previous;
    previous = n;
    let digits = GAP_DIGITS[gap & 31] as string;
    for (gap >>>= 5; gap > 0; gap >>>= 5) digits = (GAP_DIGITS[32 + (gap & 31)] as string) + digits;
    out += digits;
  }
  return out;
}

function decodeGaps(text: string, into: (n: number) => void): void {
  let n = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = DIGIT_VALUE[text.charCodeAt(i) & 127] as number;
    if (digit < 0 || text.charCodeAt(i) > 127) throw new Error('search index: malformed postings');
    value = value * 32 + (digit & 31);
    digits++;
    if (digit < 32) {
      n += value;
      into(n);
      value = 0;
      digits = 0;
    }
  }
  if (digits > 0) throw new Error('search index: malformed postings');
}

export function packIndex(entries: readonly SearchEntry[]): PackedIndex {
  const postings = new Map<string, number[]>();
  const packed: PackedIndex = {
    version: 3,
    types: entries.map((e) => TYPE_LETTER[e.type]).join(''),
    title: entries.map((e) => (e.title === e.name ? '' : e.title)),
    name: entries.map((e) => e.name),
    kind: entries.map((e) => e.kind),
    path: entries.map((e) => (e.type === 'entity' && e.path === defaultEntityPath(e) ? '' : e.path)),
    tags: entries.map((e) => e.tags.join(' ')),
    text: entries.map((e) => e.text),
    context: entries.map((e) => e.context),
    sections: [],
    anchor: [],
    heading: [],
    words: [],
    postings: [],
  };
  let number = 0;
  for (const e of entries) {
    const sections = (e.sections ?? []).slice(0, MAX_SECTIONS);
    packed.sections.push(sections.length);
    for (const section of sections) {
      packed.anchor.push(section.anchor);
      packed.heading.push(section.heading);
      addWords(postings, identifierTerms(section.text), number++);
    }
  }
  packed.words = [...postings.keys()].sort();
  packed.postings = packed.words.map((w) => encodeGaps(postings.get(w) as number[]));
  return packed;
}

const isStrings = (v: unknown, length: number): v is string[] =>
  Array.isArray(v) && v.length === length && v.every((s) => typeof s === 'string');

/**
 * The index a browser ranks with, from the shipped one (or one saved by an older portal).
 * Sections come back without their words (`text: ''`): their postings are in the index.
 * A malformed file is an error, not a half-built index.
 */
export function loadPackedIndex(packed: PackedIndex | LegacyPackedIndex): PreparedIndex {
  if (packed.version !== 3) return prepareEntries(unpackLegacyIndex(packed));
  const count = typeof packed.types === 'string' ? packed.types.length : -1;
  const columns = [packed.title, packed.name, packed.kind, packed.path, packed.tags, packed.text, packed.context];
  const sectionCounts = packed.sections;
  if (
    !columns.every((c) => isStrings(c, count)) ||
    !Array.isArray(sectionCounts) ||
    sectionCounts.length !== count ||
    !sectionCounts.every((n) => Number.isInteger(n) && n >= 0 && n <= MAX_SECTIONS) ||
    !isStrings(packed.anchor, packed.anchor?.length) ||
    !isStrings(packed.heading, packed.anchor.length) ||
    !isStrings(packed.words, packed.words?.length) ||
    !isStrings(packed.postings, packed.words.length)
  )
    throw new Error('search index: malformed');
  const codes: number[] = [];
  const entries = Array.from({ length: count }, (_, i): SearchEntry => {
    const type = LETTER_TYPE[packed.types[i] as string];
    if (type === undefined) throw new Error('search index: malformed');
    const tags = packed.tags[i] as string;
    const entry: SearchEntry = {
      type,
      title: (packed.title[i] || packed.name[i]) as string,
      name: packed.name[i] as string,
      kind: packed.kind[i] as string,
      path: packed.path[i] as string,
      tags: tags ? tags.split(' ') : [],
      text: packed.text[i] as string,
      context: packed.context[i] as string,
    };
    if (type === 'entity') entry.path ||= defaultEntityPath(entry);
    else {
      entry.sections = [];
      for (let s = 0; s < (sectionCounts[i] as number); s++) {
        const at = codes.length;
        entry.sections.push({ anchor: packed.anchor[at] ?? '', heading: packed.heading[at] ?? '', text: '' });
        codes.push(i * SLOTS + bodySlot(s));
      }
    }
    return entry;
  });
  if (codes.length !== packed.anchor.length) throw new Error('search index: malformed');
  const bodies = new Map<string, number[]>();
  packed.words.forEach((word, w) => {
    const list: number[] = [];
    decodeGaps(packed.postings[w] as string, (n) => {
      const code = codes[n];
      if (code === undefined) throw new Error('search index: malformed postings');
      list.push(code);
    });
    bodies.set(word, list);
  });
  return atOnce(indexEntries(entries, bodies));
}

/** Version 1 (an export made before sections) and 2 unpack too: a saved copy keeps working offline. */
function unpackLegacyIndex(packed: LegacyPackedIndex): SearchEntry[] {
  if (!Array.isArray(packed.entries)) throw new Error('search index: malformed');
  return packed.entries.map(([type, title, name, kind, path, tags, text, context, sections]) => {
    const entry: SearchEntry = { type, title, name, kind, path, tags: tags ? tags.split(' ') : [], text, context };
    if (sections) entry.sections = sections.map(([anchor, heading, words]) => ({ anchor, heading, text: words }));
    return entry;
  });
}
