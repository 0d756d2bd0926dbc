import type { z } from 'zod';
import { CORE_KINDS, coreKind } from './model.ts';
import type { ReferenceField } from './relations.ts';

/**
 * The kinds the catalog reads beyond Backstage's core kinds, each brought by the
 * capability that owns it (the flag capability's Flag, the templates capability's
 * Backstage Template; later SLO, Check, Job, ...): its
 * spec schema, the checks its engine adds, its relations and its cards on entity pages.
 * Pure: a definition is data and functions; nothing here does I/O.
 *
 * The registry is module state rather than a parameter, because every reader of a kind
 * needs it (validation, relations, the pages that spell a kind) and threading a list
 * through each would change every loader's signature. It is filled once, by the
 * composition root (src/capabilities.ts) when it is imported; worker threads import the
 * same module, by the URL it registered with (kindModules), to know the same kinds.
 */

/** A problem found in a spec by a kind's own checks, at a path inside the spec. */
export interface SpecIssue {
  path: (string | number)[];
  code: string;
  message: string;
  hint: string;
}

/**
 * A card of relations on the entity page of `page` (the kind's own, or a kind it relates
 * to): one list per relation, under its heading, after the kind's core cards.
 */
export interface RelationCard {
  page: string;
  id: string;
  title: string;
  groups: readonly (readonly [heading: string, relation: string])[];
  /** Leave the card out when none of its relations has an entity (e.g. on a service without flags). */
  onlyWhenRelated?: boolean;
}

/**
 * An older apiVersion of a kind, still read (as Backstage still reads it) with its own spec
 * shape; each document written in it gets a deprecation warning whose hint is `hint`.
 */
export interface LegacyApiVersion {
  apiVersion: string;
  spec: z.ZodType;
  hint: string;
}

/**
 * Another tool's format a kind also reads (OpenSLO, Sloth for SLOs): its documents are
 * translated into documents of the kind in one of its own apiVersions, which the catalog
 * then validates, relates and stores like any other. A translation is per file, because
 * such formats refer between documents (an OpenSLO SLO to its SLI by name).
 */
export interface KindDialect {
  /** The format's name in messages, e.g. "OpenSLO v1". */
  name: string;
  /** Whether a document is in this format (by its apiVersion, or a marker of its own such as Sloth's `version`). */
  recognizes(value: unknown): boolean;
  translate(documents: readonly unknown[]): DialectTranslation;
}

export interface DialectTranslation {
  /**
   * The kind's documents made from the format's ones. `source` is the index (in the
   * documents given) of the document they come from; `origin` maps a path in the new
   * document to the path in the source document it came from, so problems point at the
   * line the user wrote.
   */
  documents: readonly {
    value: unknown;
    source: number;
    origin(path: readonly PropertyKey[]): readonly PropertyKey[];
  }[];
  /** What the format says that cannot be read (errors) or honoured (warnings), at a path in a source document. */
  issues: readonly (SpecIssue & { source: number; severity: 'error' | 'warning' })[];
}

export interface KindDefinition {
  /** As written in descriptors (matched case-insensitively) and shown on pages. */
  kind: string;
  apiVersions: readonly string[];
  /** The spec's shape, as the core kinds' (loose objects: unknown keys are tolerated). */
  spec: z.ZodType;
  legacyApiVersions?: readonly LegacyApiVersion[];
  /** Checks beyond the shape, run only on a spec the schema accepted (`spec` is its parsed value). */
  issues?(name: string, spec: unknown): readonly SpecIssue[];
  /** The spec fields that reference other entities, in the order they are read. */
  references: readonly ReferenceField[];
  /** The relations this kind introduces, each with its inverse. */
  relationPairs: readonly (readonly [string, string])[];
  cards?: readonly RelationCard[];
  /** Other tools' formats read as this kind (see KindDialect). */
  dialects?: readonly KindDialect[];
  /**
   * A kind whose spec holds what not every reader may see (a flag's targeting): the spec
   * anonymous readers get instead, and the token scopes that see the whole descriptor.
   */
  confidential?: { scopes: readonly string[]; publicSpec(spec: unknown): Record<string, unknown> };
}

interface Registry {
  kinds: readonly KindDefinition[];
  byKey: ReadonlyMap<string, KindDefinition>;
  modules: readonly string[];
}

let registry: Registry = { kinds: [], byKey: new Map(), modules: [] };

/**
 * Adds kinds, registered by `module` (the URL of the module whose import registers them,
 * so worker threads can import it). Registering the same definitions again does nothing;
 * a second definition of a kind is a programming error.
 */
export function registerKinds(module: string, kinds: readonly KindDefinition[]): void {
  const added = kinds.filter((definition) => {
    const key = definition.kind.toLowerCase();
    const existing = registry.byKey.get(key);
    if (existing === definition) return false;
    if (existing || coreKind(definition.kind)) throw new Error(`The catalog kind ${definition.kind} is defined twice`);
    return true;
  });
  const modules = registry.modules.includes(module) ? registry.modules : [...registry.modules, module];
  const all = [...registry.kinds, ...added];
  registry = { kinds: all, byKey: new Map(all.map((d) => [d.kind.toLowerCase(), d])), modules };
}

/** The registered kinds, in the order they were registered (the same array until the next registration). */
export function registeredKinds(): readonly KindDefinition[] {
  return registry.kinds;
}

/** The modules that registered kinds, for worker threads to import. */
export function kindModules(): readonly string[] {
  return registry.modules;
}

/** The dialect of a registered kind a document is written in, if any. */
export function dialectOf(value: unknown): KindDialect | undefined {
  for (const kind of registry.kinds) {
    const dialect = kind.dialects?.find((d) => d.recognizes(value));
    if (dialect) return dialect;
  }
  return undefined;
}

/** A registered kind's definition, whatever the case it is written in. */
export function kindDefinition(kind: string): KindDefinition | undefined {
  return registry.byKey.get(kind.toLowerCase());
}

/**
 * An entity as a reader without a token may see it: as it is, or, for a confidential kind,
 * with its spec replaced by the kind's public view (and `redacted` true).
 */
export function publicEntity<E extends { kind: string; spec?: Record<string, unknown> }>(
  entity: E,
): { entity: E; redacted: boolean } {
  const confidential = kindDefinition(entity.kind)?.confidential;
  return confidential
    ? { entity: { ...entity, spec: confidential.publicSpec(entity.spec) }, redacted: true }
    : { entity, redacted: false };
}

/** A kind the catalog reads (core or registered) as its definition spells it; undefined for any other kind. */
export function knownKind(kind: string): string | undefined {
  return coreKind(kind) ?? kindDefinition(kind)?.kind;
}

/** Every kind the catalog reads: the core kinds, then the registered ones. */
export function knownKinds(): string[] {
  return [...CORE_KINDS, ...registry.kinds.map((d) => d.kind)];
}
