/** Small readers for parsed YAML/JSON values, safe on hostile input. */

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own property only: a document's `__proto__` or `constructor` key must not reach the prototype chain. */
export function own(record: JsonRecord, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Keys kept per object; anything past this is counted, not listed. */
export const MAX_KEYS = 1000;

const keyCache = new WeakMap<object, { keys: string[]; total: number }>();

/**
 * The first MAX_KEYS own keys and the total count, memoized: a schema or example object with
 * hundreds of thousands of keys can be reached many times through `$ref`s or YAML aliases, and
 * enumerating it each time would be quadratic.
 */
export function ownKeys(record: JsonRecord): { keys: readonly string[]; total: number } {
  let entry = keyCache.get(record);
  if (!entry) {
    const all = Object.keys(record);
    entry = { keys: all.length > MAX_KEYS ? all.slice(0, MAX_KEYS) : all, total: all.length };
    keyCache.set(record, entry);
  }
  return entry;
}

/** Text of a scalar (YAML reads `version: 2` as a number); anything else is absent. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return undefined;
}
