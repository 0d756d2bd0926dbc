/**
 * A small syntax highlighter for the code blocks of docs and API pages. It only marks
 * tokens (`<span class="tok-KIND">`); every source character is written exactly once,
 * escaped. Scanning is a single forward pass with `indexOf`/`startsWith` and no
 * backtracking regexes, so hostile input costs linear time.
 */
import { escapeHtml, trusted, type Html } from './html.ts';

export type TokenKind = 'comment' | 'string' | 'number' | 'keyword' | 'key' | 'punct' | 'type';

/** Larger sources are shown escaped but plain: highlighting them helps nobody and costs a page render. */
const MAX_CHARS = 512 * 1024;

/** Collects output; anything between marked tokens is written as escaped plain text. */
class Writer {
  private readonly parts: string[] = [];
  private written = 0;
  private kind: TokenKind | undefined;
  private from = 0;
  private to = 0;

  constructor(private readonly src: string) {}

  /** Marks `[start, end)`; marks must come in source order. Adjacent marks of one kind share a span. */
  mark(kind: TokenKind, start: number, end: number): void {
    // A mark overlapping text already taken would duplicate characters, so it is dropped.
    if (end <= start || start < (this.kind === undefined ? this.written : this.to)) return;
    if (kind === this.kind && start === this.to) {
      this.to = end;
      return;
    }
    this.flush();
    if (start > this.written) this.parts.push(escapeHtml(this.src.slice(this.written, start)));
    this.written = start;
    this.kind = kind;
    this.from = start;
    this.to = end;
  }

  finish(): string {
    this.flush();
    if (this.written < this.src.length) this.parts.push(escapeHtml(this.src.slice(this.written)));
    return this.parts.join('');
  }

  private flush(): void {
    if (this.kind === undefined) return;
    this.parts.push(`<span class="tok-${this.kind}">`, escapeHtml(this.src.slice(this.from, this.to)), '</span>');
    this.written = this.to;
    this.kind = undefined;
  }
}

interface Quote {
  open: string;
  close: string;
  /** `double`: the close written twice is a literal (SQL `'it''s'`, YAML single quotes). */
  escape: 'backslash' | 'double' | 'none';
  /** Single-line strings stop at the end of the line, so one stray quote cannot colour the rest of a file. */
  multiline: boolean;
}

interface Grammar {
  lineComments: readonly string[];
  /** `#` starts a comment only at line start or after whitespace (shell), so `$#` and `a#b` stay code. */
  hashNeedsSpace?: boolean;
  blockComment?: readonly [string, string];
  /** Tried in order, so `"""` must come before `"`. */
  quotes: readonly Quote[];
  keywords: ReadonlySet<string>;
  types?: ReadonlySet<string>;
  /** Names starting with a capital are types (TypeScript classes, GraphQL and protobuf messages). */
  capitalizedTypes?: boolean;
  ignoreCase?: boolean;
  /** A string followed by `:` is an object key (JSON). */
  stringKeys?: boolean;
  /** `-` before a digit is part of the number (JSON has no minus operator). */
  signedNumbers?: boolean;
  punct: string;
  identStart?: string;
  identPart?: string;
}

const words = (list: string): ReadonlySet<string> => new Set(list.split(/\s+/));
const q = (open: string, escaping: Quote['escape'], multiline = false, close = open): Quote => ({
  open,
  close,
  escape: escaping,
  multiline,
});

const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
const isUpper = (c: number): boolean => c >= 65 && c <= 90;

function stringEnd(src: string, start: number, quote: Quote): number {
  let j = start + quote.open.length;
  while (j < src.length) {
    const c = src.charCodeAt(j);
    if (c === 92 && quote.escape === 'backslash') {
      j += 2;
      continue;
    }
    if (src.startsWith(quote.close, j)) {
      const after = j + quote.close.length;
      if (quote.escape === 'double' && src.startsWith(quote.close, after)) {
        j = after + quote.close.length;
        continue;
      }
      return after;
    }
    if (c === 10 && !quote.multiline) return j;
    j++;
  }
  return src.length;
}

function scan(src: string, g: Grammar, w: Writer): void {
  const n = src.length;
  let i = 0;
  outer: while (i < n) {
    const c = src.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (g.blockComment && src.startsWith(g.blockComment[0], i)) {
      const close = src.indexOf(g.blockComment[1], i + g.blockComment[0].length);
      const end = close < 0 ? n : close + g.blockComment[1].length;
      w.mark('comment', i, end);
      i = end;
      continue;
    }
    for (const lc of g.lineComments) {
      if (!src.startsWith(lc, i)) continue;
      if (lc === '#' && g.hashNeedsSpace && i > 0 && !isSpace(src.charCodeAt(i - 1))) continue;
      const eol = src.indexOf('\n', i);
      const end = eol < 0 ? n : eol;
      w.mark('comment', i, end);
      i = end;
      continue outer;
    }
    for (const quote of g.quotes) {
      if (!src.startsWith(quote.open, i)) continue;
      const end = stringEnd(src, i, quote);
      let k = end;
      while (k < n && (src.charCodeAt(k) === 32 || src.charCodeAt(k) === 9)) k++;
      w.mark(g.stringKeys && src.charCodeAt(k) === 58 ? 'key' : 'string', i, end);
      i = end;
      continue outer;
    }
    if (isDigit(c) || (g.signedNumbers && c === 45 && isDigit(src.charCodeAt(i + 1)))) {
      let j = i + 1;
      while (j < n && (isLetter(src.charCodeAt(j)) || isDigit(src.charCodeAt(j)) || src.charCodeAt(j) === 46)) j++;
      w.mark('number', i, j);
      i = j;
      continue;
    }
    if (isLetter(c) || g.identStart?.includes(src[i] ?? '')) {
      let j = i + 1;
      for (; j < n; j++) {
        const d = src.charCodeAt(j);
        if (!isLetter(d) && !isDigit(d) && !g.identPart?.includes(src[j] ?? '')) break;
      }
      const word = src.slice(i, j);
      const key = g.ignoreCase ? word.toLowerCase() : word;
      if (g.keywords.has(key)) w.mark('keyword', i, j);
      else if (g.types?.has(key) || (g.capitalizedTypes && isUpper(c))) w.mark('type', i, j);
      i = j;
      continue;
    }
    // One character at a time so a run like `=//` still sees the comment; the writer merges the spans.
    if (g.punct.includes(src[i] ?? '')) w.mark('punct', i, i + 1);
    i++;
  }
}

const JS: Grammar = {
  lineComments: ['//'],
  blockComment: ['/*', '*/'],
  quotes: [q('"', 'backslash'), q("'", 'backslash'), q('`', 'backslash', true)],
  keywords: words(
    'abstract as async await break case catch class const continue debugger declare default delete do else enum export extends false finally for from function get if implements import in instanceof interface keyof let new null of private protected public readonly return satisfies set static super switch this throw true try type typeof undefined var void while with yield',
  ),
  types: words('string number boolean bigint symbol object unknown never any'),
  capitalizedTypes: true,
  punct: '{}[]()<>=+-*/%!&|^~?:;,.@',
  identStart: '$',
  identPart: '$',
};

const GRAMMARS: Partial<Record<string, Grammar>> = {
  json: {
    lineComments: [],
    quotes: [q('"', 'backslash')],
    keywords: words('true false null'),
    stringKeys: true,
    signedNumbers: true,
    punct: '{}[]:,',
  },
  graphql: {
    lineComments: ['#'],
    quotes: [q('"""', 'none', true), q('"', 'backslash')],
    keywords: words(
      'query mutation subscription fragment on type interface union enum input scalar schema extend directive implements repeatable true false null',
    ),
    capitalizedTypes: true,
    punct: '{}[]()!:=@$|&,.',
  },
  protobuf: {
    lineComments: ['//'],
    blockComment: ['/*', '*/'],
    quotes: [q('"', 'backslash'), q("'", 'backslash')],
    keywords: words(
      'syntax edition import weak public package option message enum service rpc returns stream oneof map reserved extensions extend to max optional repeated required group true false',
    ),
    types: words(
      'double float int32 int64 uint32 uint64 sint32 sint64 fixed32 fixed64 sfixed32 sfixed64 bool string bytes',
    ),
    capitalizedTypes: true,
    punct: '{}[]()<>=;,.',
  },
  typescript: JS,
  sh: {
    lineComments: ['#'],
    hashNeedsSpace: true,
    quotes: [q('"', 'backslash', true), q("'", 'none', true)],
    keywords: words(
      'if then else elif fi for while until do done case esac in function return select time export local readonly declare unset shift exit break continue source alias set',
    ),
    punct: '|&;<>(){}[]=',
    // `-` and `.` belong to words, so `do-thing` or `file.done` are not keywords.
    identPart: '-.',
  },
  sql: {
    lineComments: ['--'],
    blockComment: ['/*', '*/'],
    quotes: [q("'", 'double', true), q('"', 'double', true)],
    keywords: words(
      'select from where and or not null is in as on join left right inner outer full cross group by order having limit offset insert into values update set delete create table index view drop alter add column primary key foreign references unique default check constraint distinct union all exists case when then else end begin commit rollback transaction with returning asc desc like ilike between if cascade grant revoke true false',
    ),
    types: words(
      'int integer bigint smallint serial bigserial text varchar char character boolean bool date timestamp timestamptz time interval numeric decimal real double precision float json jsonb uuid bytea',
    ),
    ignoreCase: true,
    punct: '()[],;.=<>+-*/%!|:',
  },
};

/** A Map, not an object, so names like `constructor` or `__proto__` find nothing. */
const ALIASES = new Map<string, string>(
  Object.entries({
    yaml: 'yaml',
    yml: 'yaml',
    json: 'json',
    graphql: 'graphql',
    gql: 'graphql',
    protobuf: 'protobuf',
    proto: 'protobuf',
    typescript: 'typescript',
    javascript: 'typescript',
    ts: 'typescript',
    js: 'typescript',
    tsx: 'typescript',
    jsx: 'typescript',
    mjs: 'typescript',
    cjs: 'typescript',
    sh: 'sh',
    bash: 'sh',
    shell: 'sh',
    zsh: 'sh',
    sql: 'sql',
  }),
);

// ---- YAML is line-oriented (keys, block scalars), so it gets its own small scanner. ----

const YAML_KEYWORDS = words('true false null ~ yes no on off');
const YAML_DOUBLE = q('"', 'backslash');
const YAML_SINGLE = q("'", 'double');
/** Checked on one plain scalar (no spaces inside); a single quantifier, so no backtracking blow-up. */
const YAML_NUMBER = /^[-+]?(?:\.?\d[\w.:+-]*|\.inf|\.nan)$/i;

/** The column deeper than which following lines are block scalar text, or -1. */
function scanYamlLine(src: string, lineStart: number, eol: number, w: Writer): number {
  let p = lineStart;
  while (p < eol && (src.charCodeAt(p) === 32 || src.charCodeAt(p) === 9)) p++;
  const indent = p - lineStart;
  const spaceAt = (k: number): boolean => k >= eol || isSpace(src.charCodeAt(k));
  if (p === lineStart && (src.startsWith('---', p) || src.startsWith('...', p)) && spaceAt(p + 3)) {
    w.mark('punct', p, p + 3);
    p += 3;
  }
  // Sequence entries: `- - key: value`.
  while (src.charCodeAt(p) === 45 && p < eol && spaceAt(p + 1)) {
    w.mark('punct', p, p + 1);
    p++;
    while (p < eol && (src.charCodeAt(p) === 32 || src.charCodeAt(p) === 9)) p++;
  }
  let parent = indent;
  const c = src[p] ?? '';
  let keyEnd = -1;
  let colon = -1;
  if (c === '"' || c === "'") {
    // Clamped: a backslash before the newline must not carry the key into the next line.
    keyEnd = Math.min(stringEnd(src, p, c === '"' ? YAML_DOUBLE : YAML_SINGLE), eol);
    colon = keyEnd;
    while (colon < eol && (src.charCodeAt(colon) === 32 || src.charCodeAt(colon) === 9)) colon++;
    if (src.charCodeAt(colon) !== 58 || !spaceAt(colon + 1)) keyEnd = -1;
  } else if (c !== '' && !'#[{&*!|>%@`'.includes(c)) {
    for (let j = p; j < eol; j++) {
      const d = src.charCodeAt(j);
      if (d === 35 && isSpace(src.charCodeAt(j - 1))) break;
      if (d === 58 && spaceAt(j + 1)) {
        colon = j;
        keyEnd = j;
        while (keyEnd > p && isSpace(src.charCodeAt(keyEnd - 1))) keyEnd--;
        break;
      }
    }
  }
  if (keyEnd > p) {
    w.mark('key', p, keyEnd);
    w.mark('punct', colon, colon + 1);
    parent = p - lineStart;
    p = colon + 1;
  }
  return scanYamlValue(src, p, eol, w) ? parent : -1;
}

/** Marks the value part of a line; true when it opens a block scalar (`|`, `>-`, ...). */
function scanYamlValue(src: string, p: number, eol: number, w: Writer): boolean {
  let flow = 0;
  while (p < eol && isSpace(src.charCodeAt(p))) p++;
  const valueStart = p;
  while (p < eol) {
    const c = src[p] ?? '';
    const code = src.charCodeAt(p);
    if (isSpace(code)) {
      p++;
    } else if (c === '#' && (p === 0 || isSpace(src.charCodeAt(p - 1)))) {
      w.mark('comment', p, eol);
      return false;
    } else if (c === '"' || c === "'") {
      const end = Math.min(stringEnd(src, p, c === '"' ? YAML_DOUBLE : YAML_SINGLE), eol);
      w.mark(flow > 0 && src.charCodeAt(end) === 58 ? 'key' : 'string', p, end);
      p = end;
    } else if ((c === '|' || c === '>') && p === valueStart) {
      let j = p + 1;
      while (j < eol && '+-0123456789'.includes(src[j] ?? '')) j++;
      w.mark('punct', p, j);
      while (j < eol && isSpace(src.charCodeAt(j))) j++;
      if (src[j] === '#') w.mark('comment', j, eol);
      return true;
    } else if (c === '&' || c === '*' || c === '!') {
      let j = p + 1;
      while (j < eol && !isSpace(src.charCodeAt(j)) && !',[]{}'.includes(src[j] ?? '')) j++;
      w.mark('type', p, j);
      p = j;
    } else if ('[]{},'.includes(c) || (flow > 0 && c === ':')) {
      flow += c === '[' || c === '{' ? 1 : c === ']' || c === '}' ? -1 : 0;
      if (flow < 0) flow = 0;
      w.mark('punct', p, p + 1);
      p++;
    } else {
      // A plain scalar runs to a comment or the end of the line (in flow style also to `,]}` or `: `).
      let j = p;
      for (; j < eol; j++) {
        const d = src[j] ?? '';
        if (d === '#' && isSpace(src.charCodeAt(j - 1))) break;
        if (flow > 0 && (',[]{}'.includes(d) || (d === ':' && (j + 1 >= eol || isSpace(src.charCodeAt(j + 1)))))) break;
      }
      let end = j;
      while (end > p && isSpace(src.charCodeAt(end - 1))) end--;
      const scalar = src.slice(p, end);
      if (flow > 0 && src[j] === ':') w.mark('key', p, end);
      else if (YAML_KEYWORDS.has(scalar.toLowerCase())) w.mark('keyword', p, end);
      else if (!scalar.includes(' ') && YAML_NUMBER.test(scalar)) w.mark('number', p, end);
      p = j;
    }
  }
  return false;
}

function scanYaml(src: string, w: Writer): void {
  let blockParent = -1;
  for (let start = 0; start < src.length; ) {
    const newline = src.indexOf('\n', start);
    const eol = newline < 0 ? src.length : newline;
    if (blockParent >= 0) {
      let p = start;
      while (p < eol && isSpace(src.charCodeAt(p))) p++;
      if (p === eol) {
        start = eol + 1; // blank lines belong to the block scalar
        continue;
      }
      if (p - start > blockParent) {
        w.mark('string', p, eol);
        start = eol + 1;
        continue;
      }
    }
    blockParent = scanYamlLine(src, start, eol, w);
    start = eol + 1;
  }
}

/** Highlights `source` as `language` (case-insensitive); unknown languages come back escaped. */
export function highlight(source: string, language: string): Html {
  const name = ALIASES.get(language.toLowerCase());
  if (name === undefined || source.length > MAX_CHARS) return trusted(escapeHtml(source));
  const w = new Writer(source);
  const grammar = GRAMMARS[name];
  if (grammar) scan(source, grammar, w);
  else scanYaml(source, w);
  return trusted(w.finish());
}
