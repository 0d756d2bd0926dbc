import { type Document, isCollection, isPair, isSeq, visit } from 'yaml';

/**
 * The `yaml` package reports some findings not in a document's `warnings` but through
 * `process.emitWarning` (a mapping key that is itself a mapping or a list, stringified by
 * `toJS`; in `parse()`, every warning): raw lines on stderr that break the server's
 * JSON-lines log. Every parse passes QUIET_YAML, and callers turn what it would have said
 * into their own problems (with a position) from yamlWarnings. Pure.
 */
export const QUIET_YAML = { logLevel: 'error' } as const;

/** A finding of the YAML library that does not stop the document from being read. */
export interface YamlWarning {
  /** Offset in the text. */
  offset: number;
  message: string;
}

/**
 * The document's warnings (unresolved tags, …) and each mapping key that is a collection
 * (read as its text, `[ a, b ]`), in document order. Call only on a document whose nesting
 * was bounded first (`visit` recurses).
 */
export function yamlWarnings(doc: Document.Parsed): YamlWarning[] {
  const warnings: YamlWarning[] = doc.warnings.map((w) => ({ offset: w.pos[0], message: firstLine(w.message) }));
  visit(doc, {
    Pair(_key, pair) {
      if (isPair(pair) && isCollection(pair.key)) {
        const text = String(pair.key).replace(/\s+/g, ' ').slice(0, 40);
        warnings.push({
          offset: pair.key.range?.[0] ?? 0,
          message: `A mapping key is itself a ${isSeq(pair.key) ? 'list' : 'mapping'} (${text}); it is read as that text`,
        });
      }
    },
  });
  return warnings.sort((a, b) => a.offset - b.offset);
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
