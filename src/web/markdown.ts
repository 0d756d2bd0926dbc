/**
 * Markdown for docs pages and entity descriptions. The source is written by anyone who can
 * commit to a catalog repository, so the output must be safe on its own: raw HTML is shown
 * as text, links are allowlisted by scheme, and remote images are never loaded.
 */
import MarkdownIt, { type Env, type StateCore, type Token } from 'markdown-it';
import { escapeHtml, trusted, type Html } from './html.ts';
import { highlight } from './highlight.ts';

export interface TocEntry {
  level: number;
  id: string;
  text: string;
}

export interface RenderedMarkdown {
  html: Html;
  title?: string;
  toc: TocEntry[];
}

export interface MarkdownOptions {
  /** Maps a relative link or image target written in the document (e.g. `../ops/restart.md#step-2`, `img/arch.png`) to a site URL, or undefined when it cannot be served (then the link is rendered as plain text with a title saying why). */
  resolveLink(target: string, kind: 'link' | 'image'): string | undefined;
  /**
   * Markdown inside another page's outline (an OpenAPI description): its headings become
   * bold paragraphs without ids, so they can neither break the page's heading order nor
   * collide with its ids.
   */
  embedded?: boolean;
}

/** Beyond this the source is cut: markdown-it is linear, but a page this large is a mistake, not a document. */
export const MAX_MARKDOWN_BYTES = 2 * 1024 * 1024;

/** Per-call state; it travels in markdown-it's `env` so one shared instance serves every document. */
interface Context {
  resolveLink: MarkdownOptions['resolveLink'];
  embedded: boolean;
  toc: TocEntry[];
  title: string | undefined;
  ids: Set<string>;
  /** Next suffix to try per slug, so many equal headings do not cost quadratic time. */
  suffixes: Map<string, number>;
  /** Every heading's text by its id (all levels), for the search index's sections. */
  headings: Map<string, string>;
}

const CONTEXT = Symbol('atrium.markdown');

const md = new MarkdownIt('default', { html: false, linkify: true, typographer: false, maxNesting: 50 });

// markdown-it drops links it finds unsafe and leaves their source as text; it also percent-encodes
// targets. We want every link token, with the target as written, so we can judge it ourselves,
// hand relative ones to resolveLink and say why a link is missing.
const encodeUrl = md.normalizeLink.bind(md);
md.validateLink = (): boolean => true;
md.normalizeLink = (url: string): string => url;

type Target = 'http' | 'mailto' | 'fragment' | 'relative' | 'unsafe';

/** Classifies a link target the way a browser would read it. */
function classify(url: string): Target {
  let s = url;
  try {
    s = decodeURIComponent(url); // so `javascript%3A` is judged too
  } catch {
    // malformed escapes: judge the text as written
  }
  // Browsers drop tabs and newlines anywhere and trim controls, so `java&#x09;script:` is `javascript:`.
  s = s.replace(/[\u0000-\u0020\u007f-\u009f]+/g, '').toLowerCase();
  if (s === '') return 'unsafe';
  if (s.startsWith('#')) return 'fragment';
  if (/^[\\/][\\/]/.test(s)) return 'unsafe'; // protocol-relative: another host; `\` counts as `/`
  const scheme = /^([a-z][a-z0-9+.-]*):/.exec(s);
  if (scheme)
    return scheme[1] === 'http' || scheme[1] === 'https' ? 'http' : scheme[1] === 'mailto' ? 'mailto' : 'unsafe';
  // A colon before any `/`, `?` or `#` looks like a scheme to somebody; no relative path needs it.
  const colon = s.indexOf(':');
  if (colon >= 0 && !/[/?#]/.test(s.slice(0, colon))) return 'unsafe';
  return 'relative';
}

const UNSAFE_LINK = 'Link removed: only http, https, mailto and relative links are allowed';

function contextOf(env: Env): Context {
  const context = env[CONTEXT];
  if (context === undefined) throw new Error('markdown rendered without renderMarkdown');
  return context as Context;
}

/** The text a reader sees, for headings and image alt text. */
function plainText(tokens: readonly Token[] | null, depth = 0): string {
  let text = '';
  for (const token of tokens ?? []) {
    if (token.type === 'text' || token.type === 'code_inline' || token.type === 'text_special') text += token.content;
    else if (token.type === 'softbreak' || token.type === 'hardbreak') text += ' ';
    else if (token.type === 'image' && depth < 20) text += plainText(token.children, depth + 1);
  }
  return text;
}

/** Turns a link into a span: its text stays readable, the title says why it is not a link. */
function unlink(open: Token, why: string): void {
  open.type = 'unlinked_open';
  open.tag = 'span';
  open.attrs = [
    ['class', 'link-unavailable'],
    ['title', why],
  ];
}

/** The URL for a link or a local image, or why there is none. */
function resolve(
  target: string,
  kind: 'link' | 'image',
  context: Context,
): { href: string; external: boolean } | { why: string } {
  const type = classify(target);
  if (kind === 'link' && (type === 'http' || type === 'mailto' || type === 'fragment')) {
    return { href: encodeUrl(target), external: type !== 'fragment' };
  }
  if (type !== 'relative') return { why: kind === 'link' ? UNSAFE_LINK : 'Image removed: unsupported address' };
  const resolved = context.resolveLink(target, kind);
  // The resolver is ours, but its answer is checked like any other URL before it reaches an attribute.
  const resolvedType = resolved === undefined ? 'unsafe' : classify(resolved);
  const allowed =
    resolvedType === 'relative' || resolvedType === 'http' || (kind === 'link' && resolvedType === 'fragment');
  if (resolved === undefined || !allowed) return { why: `Not available in this portal: ${target}` };
  return { href: encodeUrl(resolved), external: resolvedType === 'http' };
}

function rewriteInline(state: StateCore, children: Token[], context: Context): Token[] {
  const out: Token[] = [];
  let inLink = false;
  let unlinkedOpen: Token | undefined;
  for (const token of children) {
    if (token.type === 'link_open') {
      const target = String(token.attrGet('href') ?? '');
      const result = resolve(target, 'link', context);
      if ('why' in result) {
        unlink(token, result.why);
        unlinkedOpen = token;
      } else {
        token.attrSet('href', result.href);
        if (result.external) token.attrSet('rel', 'noopener noreferrer');
        inLink = true;
      }
    } else if (token.type === 'link_close') {
      if (unlinkedOpen) {
        token.type = 'unlinked_close';
        token.tag = 'span';
      }
      inLink = false;
      unlinkedOpen = undefined;
    } else if (token.type === 'image') {
      out.push(...rewriteImage(state, token, context, inLink));
      continue;
    }
    out.push(token);
  }
  return out;
}

/** Local images stay images; remote ones become links (the CSP would block them anyway); others become text. */
function rewriteImage(state: StateCore, image: Token, context: Context, insideLink: boolean): Token[] {
  const target = String(image.attrGet('src') ?? '');
  const alt = plainText(image.children);
  const remote = classify(target) === 'http';
  const result = remote ? undefined : resolve(target, 'image', context);
  if (result && 'href' in result) {
    image.attrSet('src', result.href);
    image.attrSet('loading', 'lazy');
    return [image];
  }
  const text = new state.Token('text', '', 0);
  text.content = alt || (remote ? target : 'image');
  // A link inside a link is invalid HTML (badges are often `[![ci](…svg)](…)`), so then plain text.
  const tag = remote && !insideLink ? 'a' : 'span';
  const open = new state.Token('image_text_open', tag, 1);
  const close = new state.Token('image_text_close', tag, -1);
  open.attrs =
    tag === 'a'
      ? [
          ['href', encodeUrl(target)],
          ['rel', 'noopener noreferrer'],
          ['class', 'remote-image'],
          ['title', 'Remote image, not loaded'],
        ]
      : [
          ['class', 'link-unavailable'],
          ['title', result && 'why' in result ? result.why : `Remote image, not loaded: ${target}`],
        ];
  return [open, text, close];
}

function slugify(text: string): string {
  const slug = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .slice(0, 80)
    .replace(/^-|-$/g, '');
  return slug || 'section';
}

function uniqueId(base: string, context: Context): string {
  let id = base;
  if (context.ids.has(id)) {
    let n = context.suffixes.get(base) ?? 2;
    while (context.ids.has(`${base}-${n}`)) n++;
    id = `${base}-${n}`;
    context.suffixes.set(base, n + 1);
  }
  context.ids.add(id);
  return id;
}

function addHeadingAnchor(state: StateCore, open: Token, inline: Token, context: Context): void {
  const text = plainText(inline.children).trim();
  const id = uniqueId(slugify(text), context);
  const level = Number(open.tag.slice(1));
  open.attrSet('id', id);
  context.headings.set(id, text);
  if (level === 1) context.title ??= text;
  else if (level <= 4) context.toc.push({ level, id, text });
  const space = new state.Token('text', '', 0);
  space.content = ' ';
  const anchorOpen = new state.Token('link_open', 'a', 1);
  anchorOpen.attrs = [
    ['class', 'anchor'],
    ['href', `#${id}`],
    ['aria-label', text ? `Link to this section: ${text}` : 'Link to this section'],
  ];
  const sign = new state.Token('text', '', 0);
  sign.content = '#';
  const anchorClose = new state.Token('link_close', 'a', -1);
  inline.children = [...(inline.children ?? []), space, anchorOpen, sign, anchorClose];
}

// Runs last, after linkify, so it sees every link however it was written.
md.core.ruler.push('atrium_links_and_headings', (state) => {
  const context = contextOf(state.env);
  const tokens = state.tokens;
  for (const token of tokens) {
    if (token.type === 'inline' && token.children) token.children = rewriteInline(state, token.children, context);
  }
  tokens.forEach((token, i) => {
    const inline = tokens[i + 1];
    if (context.embedded && (token.type === 'heading_open' || token.type === 'heading_close')) {
      if (token.type === 'heading_open') token.attrSet('class', `md-heading md-${token.tag}`);
      token.tag = 'p';
    } else if (token.type === 'heading_open' && inline?.type === 'inline')
      addHeadingAnchor(state, token, inline, context);
  });
});

/** A code block scrolls sideways when its lines are long: a tab stop lets a keyboard scroll it too. */
const CODE_BLOCK_OPEN = '<pre class="code" tabindex="0">';

md.renderer.rules.fence = (tokens, idx) => {
  const token = tokens[idx];
  if (!token) return '';
  // The info string is author text going into a class attribute: keep only a short safe word.
  const word = md.utils.unescapeAll(token.info).trim().split(/\s/, 1)[0] ?? '';
  const language = word
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .slice(0, 32);
  const code = language ? `<code class="language-${language}">` : '<code>';
  return `${CODE_BLOCK_OPEN}${code}${highlight(token.content, language).value}</code></pre>\n`;
};

md.renderer.rules.code_block = (tokens, idx) =>
  `${CODE_BLOCK_OPEN}<code>${escapeHtml(tokens[idx]?.content ?? '')}</code></pre>\n`;

// Wide tables scroll inside their own box instead of widening the page on small screens.
md.renderer.rules.table_open = (tokens, idx, options, _env, self) =>
  `<div class="table-scroll">\n${self.renderToken(tokens, idx, options)}`;
md.renderer.rules.table_close = (tokens, idx, options, _env, self) =>
  `${self.renderToken(tokens, idx, options)}</div>\n`;

/** Cuts to at most `max` UTF-8 bytes without splitting a character. */
function truncateUtf8(source: string, max: number): string {
  const cut = Buffer.from(source, 'utf8').subarray(0, max).toString('utf8');
  return cut.endsWith('\uFFFD') && !source.startsWith(cut) ? cut.slice(0, -1) : cut;
}

function newContext(options: MarkdownOptions): Context {
  return {
    resolveLink: options.resolveLink,
    embedded: options.embedded ?? false,
    toc: [],
    title: undefined,
    ids: new Set(),
    suffixes: new Map(),
    headings: new Map(),
  };
}

export function renderMarkdown(source: string, options: MarkdownOptions): RenderedMarkdown {
  const truncated = Buffer.byteLength(source, 'utf8') > MAX_MARKDOWN_BYTES;
  const text = truncated ? truncateUtf8(source, MAX_MARKDOWN_BYTES) : source;
  const context = newContext(options);
  let out = md.render(text, { [CONTEXT]: context });
  if (truncated)
    out += '<p class="truncated-note">This document is larger than 2 MiB; only its beginning is shown.</p>\n';
  const rendered: RenderedMarkdown = { html: trusted(out), toc: context.toc };
  if (context.title !== undefined) rendered.title = context.title;
  return rendered;
}

/** A heading and the text under it (paragraphs, lists, tables, code) up to the next heading. */
export interface MarkdownSection {
  /** The heading's id as the rendered page has it; `''` for text before the first heading. */
  anchor: string;
  heading: string;
  text: string;
}

/**
 * A document cut into sections at its headings, with the ids `renderMarkdown` gives them
 * (the same parse), so a search result can link to `page#anchor` and land there.
 */
export function markdownSections(source: string): MarkdownSection[] {
  const text =
    Buffer.byteLength(source, 'utf8') > MAX_MARKDOWN_BYTES ? truncateUtf8(source, MAX_MARKDOWN_BYTES) : source;
  const context = newContext({ resolveLink: () => undefined });
  const sections: MarkdownSection[] = [];
  let current: MarkdownSection = { anchor: '', heading: '', text: '' };
  let inHeading = false;
  for (const token of md.parse(text, { [CONTEXT]: context })) {
    if (token.type === 'heading_open') {
      if (current.anchor !== '' || current.text !== '') sections.push(current);
      const anchor = String(token.attrGet('id') ?? '');
      current = { anchor, heading: context.headings.get(anchor) ?? '', text: '' };
      inHeading = true;
    } else if (token.type === 'heading_close') inHeading = false;
    else if (!inHeading && (token.type === 'inline' || token.type === 'fence' || token.type === 'code_block'))
      current.text += `${token.content}\n`;
  }
  if (current.anchor !== '' || current.text !== '') sections.push(current);
  return sections;
}
