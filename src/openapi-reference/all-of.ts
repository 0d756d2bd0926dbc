import { isRecord, own, ownKeys, type JsonRecord } from './records.ts';
import type { RefResolver } from './ref-resolver.ts';

/** How deep allOf may nest inside allOf before merging gives up. */
const MAX_LEVELS = 8;
const MAX_MEMBERS = 30;
const MAX_REF_HOPS = 16;
const MAX_REQUIRED = 10_000;

export interface MergedAllOf {
  /** One schema with the members' keywords, properties and `required` combined. */
  schema: JsonRecord;
  /** Component schemas merged in, for "combines Base and Extra". */
  names: string[];
  /** Pointers of the merged members: the caller keeps them on its cycle stack while it walks the result. */
  pointers: string[];
}

/**
 * `allOf` as one object, which is how readers think of `allOf: [Base, {extra properties}]`.
 * Gives up (undefined) when a member cannot be merged honestly: a oneOf/anyOf/not inside,
 * conflicting types, or a member that is remote, missing or already being shown (a cycle).
 * The caller then lists the members instead. Where members disagree the first one wins,
 * the schema holding the `allOf` counting as first.
 */
export function mergeAllOf(raw: JsonRecord, resolver: RefResolver, stack: readonly string[]): MergedAllOf | undefined {
  // Null-prototype records: property names come from the document (`__proto__` included).
  const schema: JsonRecord = Object.create(null) as JsonRecord;
  const properties: JsonRecord = Object.create(null) as JsonRecord;
  const required = new Set<string>();
  const names: string[] = [];
  const pointers: string[] = [];
  let typeKey: string | undefined;

  const absorb = (node: JsonRecord, level: number): boolean => {
    if (level > MAX_LEVELS) return false;
    if (own(node, 'oneOf') !== undefined || own(node, 'anyOf') !== undefined || own(node, 'not') !== undefined)
      return false;
    const key = typesOf(node);
    if (key !== undefined) {
      if (typeKey !== undefined && key !== typeKey) return false;
      typeKey = key;
    }
    for (const k of ownKeys(node).keys) {
      if (k === 'allOf' || k === '$ref') continue;
      const value = node[k];
      if (k === 'properties' && isRecord(value)) {
        for (const name of ownKeys(value).keys) if (!(name in properties)) properties[name] = value[name];
      } else if (k === 'required' && Array.isArray(value)) {
        for (const name of value.slice(0, MAX_REQUIRED)) if (typeof name === 'string') required.add(name);
      } else if (!(k in schema)) {
        schema[k] = value;
      }
    }
    const members = own(node, 'allOf');
    if (!Array.isArray(members)) return true;
    if (members.length > MAX_MEMBERS) return false;
    for (const member of members) {
      const followed = follow(member, resolver);
      if (followed === 'skip') continue;
      if (!followed) return false;
      for (const pointer of followed.pointers) {
        if (stack.includes(pointer) || pointers.includes(pointer)) return false;
        pointers.push(pointer);
      }
      if (followed.name !== undefined) names.push(followed.name);
      if (!absorb(followed.node, level + 1)) return false;
    }
    return true;
  };

  if (!absorb(raw, 0)) return undefined;
  if (Object.keys(properties).length > 0) schema.properties = properties;
  if (required.size > 0) schema.required = [...required];
  return { schema, names, pointers };
}

/** A member with its `$ref` chain followed; 'skip' for `true` (adds nothing), undefined when it cannot be merged. */
function follow(
  member: unknown,
  resolver: RefResolver,
): { node: JsonRecord; pointers: string[]; name?: string } | 'skip' | undefined {
  let node = member;
  const pointers: string[] = [];
  let name: string | undefined;
  for (let hop = 0; hop <= MAX_REF_HOPS; hop++) {
    if (node === true) return 'skip';
    if (!isRecord(node)) return undefined;
    const ref = own(node, '$ref');
    if (typeof ref !== 'string') return { node, pointers, name };
    const result = resolver.resolve(ref);
    if (!result.ok || pointers.includes(result.pointer)) return undefined;
    pointers.push(result.pointer);
    name ??= result.name;
    node = result.value;
  }
  return undefined;
}

/** The non-null types a schema declares, as a comparable key; undefined when it declares none. */
function typesOf(node: JsonRecord): string | undefined {
  const type = own(node, 'type');
  const list =
    typeof type === 'string'
      ? [type]
      : Array.isArray(type)
        ? type.filter((t): t is string => typeof t === 'string')
        : [];
  const key = list
    .filter((t) => t !== 'null')
    .sort()
    .join(',');
  return key === '' ? undefined : key;
}
