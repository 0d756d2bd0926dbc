import { mergeAllOf } from './all-of.ts';
import type { Constraint, Property, SchemaView } from './api-model.ts';
import { sunsetText, type ReadContext } from './read-context.ts';
import { isRecord, own, ownKeys, scalarText, type JsonRecord } from './records.ts';

/** Nesting (properties, items, compositions) shown below one schema root. */
const MAX_DEPTH = 24;
/** References being expanded inside each other at once. */
const MAX_REF_DEPTH = 32;
/** Nodes one root (one body, one parameter, one component) may expand to: ref fan-out grows exponentially otherwise. */
const MAX_ROOT_NODES = 1500;
const MAX_PROPERTIES = 200;
const MAX_ENUM = 100;
const MAX_MEMBERS = 30;
const MAX_EXAMPLES = 5;

interface Walk {
  ctx: ReadContext;
  nodesLeft: number;
  /** Canonical pointers of the references being expanded: meeting one again is a cycle. */
  stack: string[];
}

/**
 * The view of one schema. References are followed as the walk reaches them (never the whole
 * document up front); a reference back to a schema already being expanded becomes a
 * `circular` reference by name, and depth and node budgets cut hostile documents short.
 * `pointer` is the schema's own location, so a component that refers to itself is a cycle at once.
 */
export function buildSchemaView(raw: unknown, ctx: ReadContext, pointer?: string): SchemaView {
  return viewOf(raw, { ctx, nodesLeft: MAX_ROOT_NODES, stack: pointer ? [pointer] : [] }, 0);
}

export function emptySchemaView(): SchemaView {
  return {
    truncated: false,
    types: [],
    nullable: false,
    deprecated: false,
    readOnly: false,
    writeOnly: false,
    enum: [],
    enumOmitted: 0,
    examples: [],
    constraints: [],
    properties: [],
    propertiesOmitted: 0,
    allOf: [],
    oneOf: [],
    anyOf: [],
    combines: [],
  };
}

function viewOf(raw: unknown, walk: Walk, depth: number): SchemaView {
  if (depth > MAX_DEPTH) {
    walk.ctx.notice('Some schemas nest too deeply to show in full.');
    return { ...emptySchemaView(), truncated: true };
  }
  if (walk.nodesLeft <= 0 || !walk.ctx.spendNode()) return { ...emptySchemaView(), truncated: true };
  walk.nodesLeft--;
  // JSON Schema's boolean schemas: true allows anything, false nothing.
  if (raw === false) return { ...emptySchemaView(), not: emptySchemaView() };
  if (!isRecord(raw)) return emptySchemaView();
  const ref = own(raw, '$ref');
  return typeof ref === 'string' ? refView(raw, ref, walk, depth) : plainView(raw, walk, depth);
}

function refView(raw: JsonRecord, ref: string, walk: Walk, depth: number): SchemaView {
  const result = walk.ctx.resolver.resolve(ref);
  let view: SchemaView;
  const target = ref.slice(0, 300);
  surcharge(walk, target.length + (result.ok ? (result.name?.length ?? 0) : 0));
  if (!result.ok) view = { ...emptySchemaView(), ref: { target, reason: result.reason } };
  else if (walk.stack.includes(result.pointer))
    view = { ...emptySchemaView(), name: result.name, ref: { target, reason: 'circular' } };
  else if (result.name !== undefined && isRecord(result.value) && walk.ctx.isListedSchema(result.pointer))
    view = listedView(result.value, result.name);
  else if (walk.stack.length >= MAX_REF_DEPTH) view = { ...emptySchemaView(), name: result.name, truncated: true };
  else {
    walk.stack.push(result.pointer);
    view = viewOf(result.value, walk, depth);
    walk.stack.pop();
    // The name the author referred to, unless the view is a cycle: that one names the schema it loops back to.
    if (result.name !== undefined && view.ref?.reason !== 'circular') view.name = result.name;
  }
  // Keywords beside a $ref (OpenAPI 3.1, and common practice in 3.0) describe this use of the schema.
  annotate(view, raw, walk);
  const useDescription = walk.ctx.text(own(raw, 'description'), 10_000);
  if (useDescription !== undefined && view.name !== undefined) view.useDescription = useDescription;
  return view;
}

/**
 * A use of a schema the schemas section lists: its name (a link there), type and marks,
 * nothing nested. Expanding it at every use made large references megabytes long and spent
 * the document's node budget on repeats.
 */
function listedView(raw: JsonRecord, name: string): SchemaView {
  const view: SchemaView = { ...emptySchemaView(), name };
  readTypes(view, raw);
  const format = scalarText(own(raw, 'format'));
  if (format) view.format = format.slice(0, 60);
  if (own(raw, 'deprecated') === true) view.deprecated = true;
  if (own(raw, 'nullable') === true || own(raw, 'x-nullable') === true) view.nullable = true;
  const sunset = sunsetText(own(raw, 'x-sunset'));
  if (sunset !== undefined) view.sunset = sunset;
  return view;
}

function plainView(raw: JsonRecord, walk: Walk, depth: number): SchemaView {
  const allOf = own(raw, 'allOf');
  if (Array.isArray(allOf) && allOf.length > 0) {
    const merged = mergeAllOf(raw, walk.ctx.resolver, walk.stack);
    if (merged) {
      walk.stack.push(...merged.pointers);
      const view = plainView(merged.schema, walk, depth);
      walk.stack.length -= merged.pointers.length;
      view.combines = merged.names;
      return view;
    }
  }
  const view = emptySchemaView();
  annotate(view, raw, walk);
  readTypes(view, raw);
  const format = scalarText(own(raw, 'format'));
  if (format) view.format = format.slice(0, 60);
  readValues(view, raw, walk);
  view.constraints = constraintsOf(raw);
  readProperties(view, raw, walk, depth);
  const additional = own(raw, 'additionalProperties');
  if (additional === false) view.additionalProperties = false;
  else if (isRecord(additional)) view.additionalProperties = viewOf(additional, walk, depth + 1);
  const items = own(raw, 'items');
  if (isRecord(items) || typeof items === 'boolean') view.items = viewOf(items, walk, depth + 1);
  // Left only when merging gave up (a merged schema has no allOf of its own).
  view.allOf = members(own(raw, 'allOf'), walk, depth);
  view.oneOf = members(own(raw, 'oneOf'), walk, depth);
  view.anyOf = members(own(raw, 'anyOf'), walk, depth);
  const not = own(raw, 'not');
  if (isRecord(not) || typeof not === 'boolean') view.not = viewOf(not, walk, depth + 1);
  const discriminator = own(raw, 'discriminator');
  const property = isRecord(discriminator) ? own(discriminator, 'propertyName') : discriminator;
  if (typeof property === 'string') view.discriminator = property.slice(0, 100);
  surcharge(
    walk,
    (view.format?.length ?? 0) +
      (view.discriminator?.length ?? 0) +
      view.types.join().length +
      view.constraints.reduce((n, c) => n + c.value.length, 0),
  );
  if (view.types.length === 0) {
    if (view.properties.length > 0 || view.propertiesOmitted > 0 || view.additionalProperties !== undefined)
      view.types = ['object'];
    else if (view.items) view.types = ['array'];
  }
  return view;
}

/** Annotations that may also sit beside a $ref: applied over whatever the target said. */
function annotate(view: SchemaView, raw: JsonRecord, walk: Walk): void {
  const { ctx } = walk;
  const title = ctx.text(own(raw, 'title'), 500);
  if (title !== undefined) view.title = title;
  const description = ctx.text(own(raw, 'description'), 10_000);
  if (description !== undefined) view.description = description;
  if (own(raw, 'deprecated') === true) view.deprecated = true;
  const sunset = sunsetText(own(raw, 'x-sunset'));
  if (sunset !== undefined) view.sunset = sunset;
  if (own(raw, 'readOnly') === true) view.readOnly = true;
  if (own(raw, 'writeOnly') === true) view.writeOnly = true;
  if (own(raw, 'nullable') === true || own(raw, 'x-nullable') === true) view.nullable = true;
  const fallback = own(raw, 'default');
  if (fallback !== undefined) view.default = ctx.literal(fallback, 500)?.text;
  const examples = own(raw, 'examples');
  const list = Array.isArray(examples)
    ? examples.slice(0, MAX_EXAMPLES)
    : own(raw, 'example') !== undefined
      ? [own(raw, 'example')]
      : [];
  if (list.length > 0) view.examples = list.flatMap((value) => ctx.literal(value, 1000)?.text ?? []);
}

function readTypes(view: SchemaView, raw: JsonRecord): void {
  const type = own(raw, 'type');
  const list =
    typeof type === 'string'
      ? [type]
      : Array.isArray(type)
        ? type.slice(0, 8).filter((t): t is string => typeof t === 'string')
        : [];
  const types = list.filter((t) => t !== 'null').map((t) => t.slice(0, 40));
  if (types.length < list.length) {
    if (types.length === 0) types.push('null');
    else view.nullable = true;
  }
  view.types = types;
}

function readValues(view: SchemaView, raw: JsonRecord, walk: Walk): void {
  const values = own(raw, 'enum');
  if (Array.isArray(values)) {
    view.enum = values.slice(0, MAX_ENUM).flatMap((value) => walk.ctx.literal(value, 200)?.text ?? []);
    view.enumOmitted = values.length - view.enum.length;
  }
  if (own(raw, 'const') !== undefined) view.const = walk.ctx.literal(own(raw, 'const'), 500)?.text;
}

const NUMERIC_KEYWORDS = [
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
] as const;

function constraintsOf(raw: JsonRecord): Constraint[] {
  const out: Constraint[] = [];
  const number = (key: string): number | undefined => {
    const value = own(raw, key);
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  };
  for (const keyword of NUMERIC_KEYWORDS) {
    const value = number(keyword);
    if (value === undefined) continue;
    // OpenAPI 3.0 and Swagger write an exclusive bound as `minimum` plus `exclusiveMinimum: true`.
    if (keyword === 'minimum' && own(raw, 'exclusiveMinimum') === true)
      out.push({ keyword: 'exclusiveMinimum', value: String(value) });
    else if (keyword === 'maximum' && own(raw, 'exclusiveMaximum') === true)
      out.push({ keyword: 'exclusiveMaximum', value: String(value) });
    else out.push({ keyword, value: String(value) });
  }
  for (const keyword of ['exclusiveMinimum', 'exclusiveMaximum'] as const) {
    const value = number(keyword);
    if (value !== undefined) out.push({ keyword, value: String(value) });
  }
  const pattern = own(raw, 'pattern');
  if (typeof pattern === 'string') out.push({ keyword: 'pattern', value: pattern.slice(0, 300) });
  if (own(raw, 'uniqueItems') === true) out.push({ keyword: 'uniqueItems', value: 'true' });
  return out;
}

function readProperties(view: SchemaView, raw: JsonRecord, walk: Walk, depth: number): void {
  const properties = own(raw, 'properties');
  if (!isRecord(properties)) return;
  const requiredList = own(raw, 'required');
  const required = new Set(
    Array.isArray(requiredList) ? requiredList.slice(0, 10_000).filter((r): r is string => typeof r === 'string') : [],
  );
  const { keys, total } = ownKeys(properties);
  const shown: Property[] = [];
  for (const name of keys.slice(0, MAX_PROPERTIES)) {
    // Once the budget is spent, count the rest rather than listing a column of cut-short stubs.
    if (walk.nodesLeft <= 0) break;
    surcharge(walk, Math.min(name.length, 200));
    shown.push({
      name: name.slice(0, 200),
      required: required.has(name),
      schema: viewOf(own(properties, name), walk, depth + 1),
    });
  }
  view.properties = shown;
  view.propertiesOmitted = total - shown.length;
}

/** Identifiers (names, formats, patterns) are not charged to the text budget; past 200 characters they cost extra nodes instead. */
function surcharge(walk: Walk, chars: number): void {
  const extra = Math.floor(chars / 200);
  if (extra <= 0) return;
  walk.nodesLeft -= extra;
  walk.ctx.spendExtraNodes(extra);
}

function members(value: unknown, walk: Walk, depth: number): SchemaView[] {
  if (!Array.isArray(value)) return [];
  const out: SchemaView[] = [];
  for (const member of value.slice(0, MAX_MEMBERS)) {
    if (walk.nodesLeft <= 0) break;
    out.push(viewOf(member, walk, depth + 1));
  }
  return out;
}
