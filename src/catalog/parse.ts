import { Composer, type Document, isMap, isPair, isScalar, isSeq, Lexer, LineCounter, type Node, Parser } from 'yaml';
import { NestingGuard } from '../platform/yaml-nesting.ts';
import { QUIET_YAML, yamlWarnings } from '../platform/yaml-warnings.ts';
import type { Problem, SourcePosition } from './model.ts';

/** Deeper nesting (flow or block) than this is refused before the YAML parser sees it (it cannot cope with thousands). */
export const MAX_NESTING = 64;
/** More alias expansions than this in one document is an alias bomb, not a catalog. */
export const MAX_ALIASES = 100;

export interface ParsedDocument {
  value: unknown;
  /** Where the document's content starts. */
  position: SourcePosition;
  /** The position of the deepest node that exists along `path` (a missing field points at its parent). */
  positionOf(path: readonly PropertyKey[]): SourcePosition;
}

export interface ParsedFile {
  documents: ParsedDocument[];
  problems: Problem[];
  /** True when part of the file could not be read as YAML at all: its entities cannot be trusted. */
  broken: boolean;
}

/**
 * Parses a multi-document YAML file, keeping source positions so every problem can point
 * at file:line:column. Duplicate keys, syntax errors, alias bombs and absurd nesting are
 * problems, never exceptions.
 */
export function parseYamlDocuments(text: string, file: string): ParsedFile {
  const lines = new LineCounter();
  const at = (offset: number): SourcePosition => {
    const pos = lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  const problem = (code: string, message: string, hint: string, pos: SourcePosition): Problem => ({
    severity: 'error',
    code,
    message,
    hint,
    file,
    ...pos,
  });

  const options = { ...QUIET_YAML, lineCounter: lines, uniqueKeys: true, prettyErrors: false };
  const composed = composeGuarded(text, lines, options);
  if (typeof composed === 'number') {
    // The parser stopped before this offset, so its line counter has not seen every line up to it.
    const lineStart = text.lastIndexOf('\n', composed - 1) + 1;
    let line = 1;
    for (let i = text.indexOf('\n'); i !== -1 && i < lineStart; i = text.indexOf('\n', i + 1)) line++;
    return {
      documents: [],
      broken: true,
      problems: [
        problem(
          'yaml-too-deep',
          `YAML nesting is deeper than ${MAX_NESTING} levels`,
          'Catalog descriptors are shallow; flatten the structure or move large data into a file loaded with $text.',
          { line, column: composed - lineStart + 1 },
        ),
      ],
    };
  }

  const documents: ParsedDocument[] = [];
  const problems: Problem[] = [];
  let broken = false;
  for (const doc of composed) {
    if (doc.errors.length > 0) {
      broken = true;
      for (const err of doc.errors) {
        const duplicate = err.code === 'DUPLICATE_KEY';
        problems.push(
          problem(
            duplicate ? 'yaml-duplicate-key' : 'yaml-syntax',
            firstLine(err.message),
            duplicate
              ? 'Each key may appear once per mapping; remove or rename the repeated key.'
              : 'Fix the YAML syntax at this position (check indentation, quotes and brackets).',
            at(err.pos[0]),
          ),
        );
      }
      continue;
    }
    for (const warning of yamlWarnings(doc)) {
      problems.push({
        ...problem('yaml-warning', warning.message, 'Check the YAML at this position.', at(warning.offset)),
        severity: 'warning',
      });
    }
    // An empty document, e.g. a trailing `---` (whose contents are an empty null scalar): like Backstage, skip null documents.
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) continue;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (err) {
      broken = true;
      problems.push(
        problem(
          'yaml-alias-limit',
          err instanceof Error ? err.message : String(err),
          `A document may expand at most ${MAX_ALIASES} aliases; write the values out instead of nesting anchors.`,
          at(doc.contents.range?.[0] ?? 0),
        ),
      );
      continue;
    }
    const root = doc.contents as Node;
    documents.push({
      value,
      position: at(root.range?.[0] ?? 0),
      positionOf: (path) => at(nodeAt(root, path).range?.[0] ?? 0),
    });
  }
  return { documents, problems, broken };
}

/**
 * The documents of `text`, or the offset where its nesting goes beyond MAX_NESTING. One
 * lexer pass feeds both the nesting guard and the parser (what parseAllDocuments does, with
 * the guard in between): a text is lexed once, and the composer, which recurses, never sees
 * a document deeper than the limit.
 */
function composeGuarded(
  text: string,
  lines: LineCounter,
  options: ConstructorParameters<typeof Composer>[0],
): Document.Parsed[] | number {
  const guard = new NestingGuard(MAX_NESTING);
  const parser = new Parser(lines.addNewLine);
  const composer = new Composer(options);
  const documents: Document.Parsed[] = [];
  lines.addNewLine(0);
  for (const token of new Lexer().lex(text)) {
    const deep = guard.push(token);
    if (deep !== undefined) return deep;
    for (const cst of parser.next(token)) for (const doc of composer.next(cst)) documents.push(doc);
  }
  for (const cst of parser.end()) for (const doc of composer.next(cst)) documents.push(doc);
  for (const doc of composer.end()) documents.push(doc);
  return documents;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/** Walks down `path` as far as it exists; for a mapping entry, prefers the value node. */
function nodeAt(root: Node, path: readonly PropertyKey[]): Node {
  let node: Node = root;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return node;
      node = (pair.value as Node | null) ?? (pair.key as Node);
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item) return node;
      node = item;
    } else {
      return node;
    }
  }
  return node;
}
