/**
 * The catalog's vocabulary: entities as Backstage defines them, references between them,
 * and the problems found while reading them. Pure: nothing here does I/O.
 */

/** Backstage's core kinds. Atrium's own kinds (Flag, ...) are registered by their capabilities (kinds.ts). */
export const CORE_KINDS = ['Component', 'API', 'Resource', 'System', 'Domain', 'Group', 'User', 'Location'] as const;
export type CoreKind = (typeof CORE_KINDS)[number];

export const DEFAULT_NAMESPACE = 'default';

export interface EntityLink {
  url: string;
  title?: string;
  icon?: string;
  type?: string;
}

export interface EntityMetadata {
  name: string;
  namespace?: string;
  title?: string;
  description?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  tags?: string[];
  links?: EntityLink[];
  [key: string]: unknown;
}

export interface Entity {
  apiVersion: string;
  kind: string;
  metadata: EntityMetadata;
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface EntityName {
  kind: string;
  namespace: string;
  name: string;
}

export type Severity = 'error' | 'warning';

/** One finding about the catalog, always anchored to a place in a file. */
export interface Problem {
  severity: Severity;
  /** Stable, kebab-case; documented in the user guide. */
  code: string;
  message: string;
  hint: string;
  /** Relative to the catalog root, with forward slashes. */
  file: string;
  line: number;
  column: number;
  /** The entity the problem belongs to, when one could be identified. */
  entityRef?: string;
}

export interface SourcePosition {
  line: number;
  column: number;
}

/** `scheme://...`: a URL rather than a path, in a Location target, a placeholder or an annotation. */
export function isUrlLike(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
}

const SAFE_LINK_SCHEMES = new Set(['http:', 'https:', 'mailto:']);

/** A URL a page may offer as a link: http, https or mailto (never javascript:, data:, ...). */
export function isSafeLinkUrl(value: string): boolean {
  return URL.canParse(value) && SAFE_LINK_SCHEMES.has(new URL(value).protocol);
}

/** Finds kind (case-insensitively) among the core kinds; undefined for any other kind. */
export function coreKind(kind: string): CoreKind | undefined {
  const lower = kind.toLowerCase();
  return CORE_KINDS.find((k) => k.toLowerCase() === lower);
}

/**
 * The canonical, case-insensitive key of an entity: `kind:namespace/name`, lowercased.
 * Two entities with the same key are the same entity (Backstage compares refs this way).
 *
 * @example refKey({ kind: 'Component', namespace: 'default', name: 'Checkout' }) // 'component:default/checkout'
 */
export function refKey(name: EntityName): string {
  return `${name.kind}:${name.namespace}/${name.name}`.toLowerCase();
}

/** The display form: kind and namespace lowercased, the name as written. */
export function formatRef(name: EntityName): string {
  return `${name.kind.toLowerCase()}:${name.namespace.toLowerCase()}/${name.name}`;
}

export function entityName(entity: Entity): EntityName {
  return {
    kind: entity.kind,
    namespace: entity.metadata.namespace ?? DEFAULT_NAMESPACE,
    name: entity.metadata.name,
  };
}

export class EntityRefError extends Error {}

/**
 * Parses `[kind:][namespace/]name` the way Backstage's parseEntityRef does: the kind and
 * namespace may be omitted when the context supplies a default; a reference without a
 * kind where the field has no default kind is an error.
 *
 * @example parseEntityRef('group:platform/sre', { defaultNamespace: 'default' }) // { kind: 'group', namespace: 'platform', name: 'sre' }
 */
export function parseEntityRef(ref: string, context: { defaultKind?: string; defaultNamespace: string }): EntityName {
  if (typeof ref !== 'string' || ref.length === 0) {
    throw new EntityRefError('Entity reference must be a non-empty string');
  }
  const colon = ref.indexOf(':');
  const slash = ref.indexOf('/');
  // A colon after the slash belongs to the name; Backstage treats only a leading `kind:` as kind.
  const hasKind = colon !== -1 && (slash === -1 || colon < slash);
  const kind = hasKind ? ref.slice(0, colon) : context.defaultKind;
  const rest = hasKind ? ref.slice(colon + 1) : ref;
  const restSlash = rest.indexOf('/');
  const namespace = restSlash === -1 ? context.defaultNamespace : rest.slice(0, restSlash);
  const name = restSlash === -1 ? rest : rest.slice(restSlash + 1);
  if (kind === undefined) {
    throw new EntityRefError(`Entity reference "${ref}" has no kind, and this field has no default kind`);
  }
  if (kind.length === 0) throw new EntityRefError(`Entity reference "${ref}" has an empty kind`);
  if (namespace.length === 0) throw new EntityRefError(`Entity reference "${ref}" has an empty namespace`);
  if (name.length === 0) throw new EntityRefError(`Entity reference "${ref}" has an empty name`);
  // Like Backstage, only the first `:` and the first `/` separate: `a:b:c` names `b:c` and
  // `ns/a:b` names `a:b` (such a name matches no entity, so it is reported as dangling).
  return { kind, namespace, name };
}

/** The key of a full reference as stored in relations (`Component:default/checkout` → `component:default/checkout`). */
export function keyOfRef(ref: string): string {
  return refKey(parseEntityRef(ref, { defaultNamespace: DEFAULT_NAMESPACE }));
}
