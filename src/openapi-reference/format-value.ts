import { isRecord, ownKeys } from './records.ts';

/** Nesting shown in an example before the rest is elided. */
const MAX_NESTING = 32;

class BoundedWriter {
  private readonly parts: string[] = [];
  private length = 0;
  full = false;
  constructor(private readonly max: number) {}

  write(text: string): void {
    if (this.full) return;
    if (this.length + text.length > this.max) {
      this.parts.push(text.slice(0, this.max - this.length));
      this.full = true;
      return;
    }
    this.parts.push(text);
    this.length += text.length;
  }

  text(): string {
    return this.parts.join('');
  }
}

/**
 * A parsed YAML/JSON value as JSON text, cut at `maxChars`. Written by hand rather than with
 * JSON.stringify because examples come from untrusted documents: YAML aliases can make them
 * cyclic or enormous, and the output must stay bounded either way.
 */
export function formatValue(
  value: unknown,
  options: { maxChars: number; pretty: boolean },
): { text: string; truncated: boolean } {
  const writer = new BoundedWriter(options.maxChars);
  writeValue(writer, value, options.pretty ? '\n' : '', options.pretty, 0, new Set());
  return { text: writer.text(), truncated: writer.full };
}

function writeValue(
  w: BoundedWriter,
  value: unknown,
  newline: string,
  pretty: boolean,
  depth: number,
  seen: Set<object>,
): void {
  if (w.full) return;
  if (value === null || value === undefined) return w.write('null');
  if (typeof value === 'string')
    return w.write(JSON.stringify(value.length > 100_000 ? value.slice(0, 100_000) : value));
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return w.write(String(value));
  if (value instanceof Date)
    return w.write(Number.isNaN(value.getTime()) ? 'null' : JSON.stringify(value.toISOString()));
  if (typeof value !== 'object') return w.write('null');
  const isArray = Array.isArray(value);
  const [open, close] = isArray ? ['[', ']'] : ['{', '}'];
  if (seen.has(value)) return w.write('"[circular]"');
  if (depth >= MAX_NESTING) return w.write(`${open}…${close}`);
  const inner = pretty ? `${newline}  ` : '';
  const separator = pretty ? ': ' : ':';
  seen.add(value);
  w.write(open);
  let count = 0;
  const item = (): void => w.write(count++ === 0 ? inner : `,${inner}`);
  if (isArray) {
    for (let i = 0; i < value.length && !w.full; i++) {
      item();
      writeValue(w, value[i], inner, pretty, depth + 1, seen);
    }
  } else if (isRecord(value)) {
    const { keys, total } = ownKeys(value);
    for (const key of keys) {
      if (w.full) break;
      item();
      w.write(JSON.stringify(key) + separator);
      writeValue(w, value[key], inner, pretty, depth + 1, seen);
    }
    if (total > keys.length) {
      item();
      w.write(`"…": "${total - keys.length} more"`);
    }
  }
  seen.delete(value);
  if (count > 0) w.write(newline);
  w.write(close);
}
