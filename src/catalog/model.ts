/**
 * The catalog's vocabulary: entities as Backstage defines them, references between them,
 * and the problems found while reading them. Pure: nothing here does I/O.
 */

import { DEFAULT_NAMESPACE, type EntityName } from '../platform/entity-ref.ts';

export {
  DEFAULT_NAMESPACE,
  type EntityName,
  EntityRefError,
  formatRef,
  keyOfRef,
  parseEntityRef,
  refKey,
} from '../platform/entity-ref.ts';

/** Backstage's core kinds. Atrium's own kinds (Flag, ...) are registered by their capabilities (kinds.ts). */
export const CORE_KINDS = ['Component', 'API', 'Resource', 'System', 'Domain', 'Group', 'User', 'Location'] as const;
export type CoreKind = (typeof CORE_KINDS)[number];

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
  /** A dangling reference's missing entity: one problem per target, whatever refers to it. */
  target?: string;
  /** Every entity that refers to `target`, first in file order (the problem's own place). */
  referrers?: Referrer[];
  /** How many entities refer to `target` (the length of `referrers`). */
  count?: number;
}

/** An entity that refers to a missing one, at its first such reference. */
export interface Referrer {
  entityRef: string;
  /** The field that holds the reference, e.g. `spec.owner`. */
  field: string;
  file: string;
  line: number;
  column: number;
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

export function entityName(entity: Entity): EntityName {
  return {
    kind: entity.kind,
    namespace: entity.metadata.namespace ?? DEFAULT_NAMESPACE,
    name: entity.metadata.name,
  };
}

/**
 * What an entity is called on every page: a person or team by `spec.profile.displayName`
 * (Backstage's presentation of User and Group), else `metadata.title`; undefined when it has
 * neither, so callers fall back to its name.
 */
export function entityTitle(entity: Entity): string | undefined {
  const kind = entity.kind.toLowerCase();
  if (kind === 'user' || kind === 'group') {
    const profile = entity.spec?.profile;
    const displayName =
      profile && typeof profile === 'object' ? (profile as Record<string, unknown>).displayName : undefined;
    if (typeof displayName === 'string' && displayName.trim() !== '') return displayName;
  }
  return typeof entity.metadata.title === 'string' ? entity.metadata.title : undefined;
}
