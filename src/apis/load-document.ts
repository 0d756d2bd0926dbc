import { Composer, LineCounter, Parser, type CST } from 'yaml';

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
 * Parses YAML or JSON text into plain values. The tokenizer and parser of the `yaml` package
 * work without recursion, so the nesting is measured on their output before composing.
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
  const lines = new LineCounter();
  try {
    const tokens = Array.from(new Parser(lines.addNewLine).parse(text));
    if (nesting(tokens) > MAX_YAML_NESTING) return { ok: false, error: TOO_DEEP };
    // uniqueKeys: false, because the duplicate check is quadratic in the size of a mapping.
    const composer = new Composer({ uniqueKeys: false, merge: true });
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

/** How deeply collections nest in the parsed tokens, counted without recursion; stops early past the limit. */
function nesting(tokens: readonly CST.Token[]): number {
  let max = 0;
  const stack: [CST.Token | undefined, number][] = tokens.map((t) => [t, 0]);
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const [token, depth] = entry;
    if (!token) continue;
    max = Math.max(max, depth);
    if (max > MAX_YAML_NESTING) break;
    if (token.type === 'document') stack.push([token.value, depth]);
    else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      for (const item of token.items) stack.push([item.key ?? undefined, depth + 1], [item.value ?? undefined, depth + 1]);
    }
  }
  return max;
}
