import { Composer, LineCounter, Parser } from 'yaml';
import { findExcessiveNesting } from '../platform/yaml-nesting.ts';
import { QUIET_YAML } from '../platform/yaml-warnings.ts';

export type Loaded = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * Collections nested inside each other that the YAML composer is given. It recurses once per
 * level: near the stack limit Node does not always throw a RangeError but can abort the whole
 * process (seen: "RegExpCompiler Allocation failed" on the second deeply nested document), so
 * deep input must never reach it. Real OpenAPI documents stay well under 100.
 */
export const MAX_YAML_NESTING = 200;
export const TOO_DEEP = 'the document nests too deeply to read';

/**
 * Parses YAML or JSON text into plain values. Nesting is measured by the iterative lexer
 * guard the catalog uses too, before the recursive composer ever sees the text.
 */
export function loadDocument(text: string): Loaded {
  // JSON first: V8's parser is about ten times faster than YAML's and does not recurse.
  if (text.trimStart().startsWith('{')) {
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch (error) {
      if (error instanceof RangeError) return { ok: false, error: TOO_DEEP };
      // JSON is YAML too; let the YAML parser report the error, with its line and column.
    }
  }
  if (findExcessiveNesting(text, MAX_YAML_NESTING) !== undefined) return { ok: false, error: TOO_DEEP };
  const lines = new LineCounter();
  try {
    const tokens = Array.from(new Parser(lines.addNewLine).parse(text));
    // uniqueKeys: false, because the duplicate check is quadratic in the size of a mapping.
    // QUIET_YAML: the library's warnings would go to stderr as raw lines; a definition's oddities are not the log's business.
    const composer = new Composer({ ...QUIET_YAML, uniqueKeys: false, merge: true });
    const documents = composer.compose(tokens, true, text.length);
    const first = documents.next();
    if (first.done) return { ok: true, value: null };
    if (!documents.next().done) return { ok: false, error: 'the text holds more than one YAML document' };
    const problem = first.value.errors[0];
    if (problem) {
      const { line, col } = lines.linePos(problem.pos[0]);
      return { ok: false, error: `invalid YAML at line ${line}, column ${col}: ${firstLine(problem.message)}` };
    }
    // maxAliasCount bounds alias expansion ("billion laughs").
    return { ok: true, value: first.value.toJS({ maxAliasCount: 100 }) };
  } catch (error) {
    if (error instanceof RangeError) return { ok: false, error: TOO_DEEP };
    if (error instanceof Error) return { ok: false, error: `invalid YAML: ${firstLine(error.message)}` };
    throw error;
  }
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? '').replace(/:$/, '').slice(0, 300);
}
