import {
  coreKind,
  parseEntityRef,
  EntityRefError,
  formatRef,
  refKey,
  type CoreKind,
  type Entity,
  type EntityName,
} from './model.ts';
import { kindDefinition, knownKind, knownKinds, registeredKinds, type KindDefinition } from './kinds.ts';
import { hasTemplatePlaceholder, type SchemaIssue, TEMPLATE_SKELETON_HINT } from './schema.ts';

/**
 * Every well-known Backstage relation, in both directions (a registered kind adds its own,
 * see relationPairs). A relation is emitted by the entity whose spec names the other one;
 * the inverse is emitted with it, so an entity's relations depend on its own descriptor alone.
 */
export const RELATION_PAIRS = [
  ['ownedBy', 'ownerOf'],
  ['providesApi', 'apiProvidedBy'],
  ['consumesApi', 'apiConsumedBy'],
  ['dependsOn', 'dependencyOf'],
  ['partOf', 'hasPart'],
  ['memberOf', 'hasMember'],
  ['childOf', 'parentOf'],
] as const;

/** A relation's name: one of RELATION_PAIRS, or one a registered kind introduces. */
export type RelationType = string;

/** The core pairs, then those of the registered kinds (e.g. a flag's `flagOf`/`hasFlag`). */
export function relationPairs(): (readonly [RelationType, RelationType])[] {
  return [...RELATION_PAIRS, ...registeredKinds().flatMap((d) => d.relationPairs)];
}

// Rebuilt only when a kind is registered: registeredKinds() is the same array until then.
let inverses: { kinds: readonly KindDefinition[]; map: ReadonlyMap<RelationType, RelationType> } | undefined;

function inverseMap(): ReadonlyMap<RelationType, RelationType> {
  const kinds = registeredKinds();
  if (inverses?.kinds !== kinds)
    inverses = {
      kinds,
      map: new Map(
        relationPairs().flatMap(([a, b]) => [
          [a, b],
          [b, a],
        ]),
      ),
    };
  return inverses.map;
}

export function inverseOf(type: RelationType): RelationType {
  const inverse = inverseMap().get(type);
  if (!inverse) throw new Error(`No inverse for relation ${type}`);
  return inverse;
}

export interface ReferenceField {
  field: string;
  relation: RelationType;
  /** Kind assumed when the reference omits one; dependsOn/dependencyOf have none. */
  defaultKind?: string;
  /** Read `field` in each object of the list `spec[within]` instead of in the spec (e.g. a Rotation's layers' participants). */
  within?: string;
}

/** `spec.owner`, a reference to a Group by default: every kind with an owner reads it so. */
export const OWNER_REFERENCE: ReferenceField = { field: 'owner', relation: 'ownedBy', defaultKind: 'Group' };
const system: ReferenceField = { field: 'system', relation: 'partOf', defaultKind: 'System' };
const dependsOn: ReferenceField = { field: 'dependsOn', relation: 'dependsOn' };
const dependencyOf: ReferenceField = { field: 'dependencyOf', relation: 'dependencyOf' };

const referenceFields: Record<CoreKind, ReferenceField[]> = {
  Component: [
    OWNER_REFERENCE,
    system,
    { field: 'subcomponentOf', relation: 'partOf', defaultKind: 'Component' },
    { field: 'providesApis', relation: 'providesApi', defaultKind: 'API' },
    { field: 'consumesApis', relation: 'consumesApi', defaultKind: 'API' },
    dependsOn,
    dependencyOf,
  ],
  API: [OWNER_REFERENCE, system],
  Resource: [OWNER_REFERENCE, system, dependsOn, dependencyOf],
  System: [OWNER_REFERENCE, { field: 'domain', relation: 'partOf', defaultKind: 'Domain' }],
  Domain: [OWNER_REFERENCE, { field: 'subdomainOf', relation: 'partOf', defaultKind: 'Domain' }],
  Group: [
    { field: 'parent', relation: 'childOf', defaultKind: 'Group' },
    { field: 'children', relation: 'parentOf', defaultKind: 'Group' },
    { field: 'members', relation: 'hasMember', defaultKind: 'User' },
  ],
  User: [{ field: 'memberOf', relation: 'memberOf', defaultKind: 'Group' }],
  Location: [],
};

/** A reference one entity makes to another, and where in the document it was written. */
export interface Reference {
  relation: RelationType;
  target: EntityName;
  path: PropertyKey[];
}

export interface Relation {
  source: string;
  type: RelationType;
  target: string;
}

/**
 * Reads the references an entity's spec makes. A reference that cannot be parsed is an
 * issue (the entity stops, as in Backstage); the default namespace is the entity's own.
 */
export function referencesOf(kind: string, entity: Entity): { references: Reference[]; issues: SchemaIssue[] } {
  const references: Reference[] = [];
  const issues: SchemaIssue[] = [];
  const defaultNamespace = entity.metadata.namespace ?? 'default';
  const core = coreKind(kind);
  const fields = core ? referenceFields[core] : (kindDefinition(kind)?.references ?? []);
  for (const { field, relation, defaultKind, within } of fields) {
    for (const [value, at] of fieldValues(entity.spec, field, within)) {
      const refs = Array.isArray(value) ? value : [value];
      refs.forEach((ref, i) => {
        const path = Array.isArray(value) ? [...at, i] : at;
        try {
          references.push({ relation, target: parseEntityRef(String(ref), { defaultKind, defaultNamespace }), path });
        } catch (err) {
          if (!(err instanceof EntityRefError)) throw err;
          issues.push({
            path,
            code: 'invalid-reference',
            message: err.message,
            hint: defaultKind
              ? 'Write the reference as [kind:][namespace/]name, e.g. `group:default/platform`.'
              : `spec.${field} has no default kind: write the kind too, e.g. \`component:checkout\` or \`resource:orders-db\`.`,
          });
        }
      });
    }
  }
  return { references, issues };
}

/** What people write for a kind that Backstage calls Component (its spec.type says which). */
const COMPONENT_TYPES = new Set(['service', 'website', 'library', 'app', 'application', 'microservice']);

/**
 * References that parse (as Backstage parses them) but cannot be what was meant: a
 * placeholder of a template skeleton, an email address, a kind nobody defines. Each is a
 * warning with the fix; the reference is kept, as Backstage keeps it.
 */
export function suspiciousReferences(references: readonly Reference[]): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  for (const { path, target } of references) {
    const field = path.slice(0, 2).join('.');
    const written = `${target.kind}:${target.namespace}/${target.name}`;
    if (hasTemplatePlaceholder(target.name)) {
      issues.push({
        path,
        code: 'reference-placeholder',
        message: `${field} holds a template placeholder (${target.name}), not an entity's name`,
        hint: TEMPLATE_SKELETON_HINT,
        severity: 'warning',
      });
    } else if (target.name.includes('@')) {
      const person = target.name.slice(0, target.name.indexOf('@'));
      issues.push({
        path,
        code: 'reference-email',
        message: `${field} is an email address (${target.name}), not an entity reference`,
        hint: `Name the User or Group by its metadata.name, e.g. \`user:${person}\` or \`group:payments\`; an email belongs in spec.profile.email.`,
        severity: 'warning',
      });
    } else if (!knownKind(target.kind)) {
      const lower = target.kind.toLowerCase();
      issues.push({
        path,
        code: 'reference-unknown-kind',
        message: `${field} refers to ${written}, but ${target.kind} is not a kind`,
        hint: COMPONENT_TYPES.has(lower)
          ? `A ${lower} is a Component (its spec.type says ${lower}): write \`component:${target.name}\`.`
          : `Write one of the kinds ${knownKinds().join(', ')} before the colon (or leave it out for this field's default).`,
        severity: 'warning',
      });
    }
  }
  return issues;
}

/** The values of a reference field with their paths: `spec[field]`, or `field` in each object of `spec[within]`. */
function fieldValues(
  spec: Record<string, unknown> | undefined,
  field: string,
  within: string | undefined,
): [unknown, PropertyKey[]][] {
  if (within === undefined) return spec?.[field] === undefined ? [] : [[spec[field], ['spec', field]]];
  const items = spec?.[within];
  if (!Array.isArray(items)) return [];
  return items.flatMap((item, j): [unknown, PropertyKey[]][] => {
    const value = typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[field] : undefined;
    return value === undefined ? [] : [[value, ['spec', within, j, field]]];
  });
}

/** Both directions of every reference, deduplicated, with display-form refs. */
export function relationsOf(source: EntityName, references: readonly Reference[]): Relation[] {
  const seen = new Set<string>();
  const out: Relation[] = [];
  const from = formatRef(source);
  const add = (relation: Relation) => {
    const key = `${relation.source.toLowerCase()}|${relation.type}|${relation.target.toLowerCase()}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(relation);
  };
  for (const ref of references) {
    const to = formatRef(ref.target);
    add({ source: from, type: ref.relation, target: to });
    add({ source: to, type: inverseOf(ref.relation), target: from });
  }
  return out;
}

/**
 * The relations an entity is stored with: those starting at the entity itself. The
 * inverse of each (starting at the other entity) is not stored; `relationView` derives it
 * when the other entity is read, which halves the rows a sync writes.
 */
export function storedRelationsOf(source: EntityName, references: readonly Reference[]): Relation[] {
  const from = formatRef(source).toLowerCase();
  return relationsOf(source, references).filter((r) => r.source.toLowerCase() === from);
}

/**
 * An entity's relations in both directions, from the stored rows that start at it
 * (`outgoing`) and those that end at it (`incoming`, read backwards through their
 * inverse). Deduplicated, sorted by type and target.
 */
export function relationView(
  outgoing: readonly Relation[],
  incoming: readonly { source: string; type: string; target: string }[],
): Relation[] {
  const seen = new Set<string>();
  const out: Relation[] = [];
  const add = (relation: Relation) => {
    const key = `${relation.type}|${relation.target.toLowerCase()}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(relation);
  };
  for (const r of outgoing) add(r);
  const inverse = inverseMap();
  for (const r of incoming) {
    const type = inverse.get(r.type);
    if (type) add({ source: r.target, type, target: r.source });
  }
  return out.sort((a, b) =>
    a.type < b.type ? -1 : a.type > b.type ? 1 : a.target < b.target ? -1 : a.target > b.target ? 1 : 0,
  );
}

/** The references whose target is not among `existing` (keys as made by refKey). */
export function danglingReferences<R extends Reference>(references: readonly R[], existing: ReadonlySet<string>): R[] {
  return references.filter((ref) => !existing.has(refKey(ref.target)));
}
