import { keyOfRef } from '../platform/entity-ref.ts';
import type { ExternalRefs } from '../platform/external-refs.ts';

/**
 * Where a page is going to be read: on the live server (query strings work) or in a
 * static export under some base path (only files exist). Every internal link is made
 * here, so the two agree and a crawler finds every target.
 */
export interface Site {
  /** Always starts and ends with `/`, e.g. `/` or `/portal/`. */
  basePath: string;
  mode: 'live' | 'static';
  /** Asset name (e.g. `site.css`) to its fingerprinted path under the base, e.g. `assets/site.3f2a1b9c.css`. */
  assets: ReadonlyMap<string, string>;
  /**
   * The entities that have a page here, and the references known to live elsewhere. The
   * live portal and the export always say (a link to an entity that does not exist would
   * be a 404); a page rendered without it links to every reference.
   */
  entities?: SiteEntities;
}

export interface SiteEntities {
  /** Keys (`kind:namespace/name`, lowercased) of every entity in the catalog. */
  keys: ReadonlySet<string>;
  /** catalog.externalRefs. */
  external: ExternalRefs;
}

/** Where a reference leads: its page, nowhere (not in the catalog), or elsewhere (catalog.externalRefs). */
export type EntityTarget = 'page' | 'missing' | 'external';

/** The one decision whether a reference may be a link: only an entity with a page is one. */
export function entityTarget(site: Site, ref: string): EntityTarget {
  if (!site.entities) return 'page';
  let key: string;
  try {
    key = keyOfRef(ref);
  } catch {
    return 'missing'; // not a reference at all (a change recorded for a malformed service name)
  }
  if (site.entities.keys.has(key)) return 'page';
  return site.entities.external.matches(key) ? 'external' : 'missing';
}

/** A base path from user input: `portal`, `/portal`, `/portal/` all become `/portal/`. */
export function normaliseBasePath(input: string): string {
  const trimmed = input.trim().replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '/';
  if (
    !/^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/.test(trimmed) ||
    trimmed.split('/').some((s) => s === '.' || s === '..')
  ) {
    throw new Error(`Invalid base path "${input}": use URL path segments of letters, digits, . _ ~ -`);
  }
  return `/${trimmed}/`;
}

/** Percent-encodes each segment of a path (file names may hold `%`, `#`, `?`, spaces). */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** A site-relative path (no leading slash) to a URL under the base path. */
export function siteUrl(site: Site, path: string): string {
  return site.basePath + path.replace(/^\/+/, '');
}

export function assetUrl(site: Site, name: string): string {
  const path = site.assets.get(name);
  if (!path) throw new Error(`Unknown asset ${name}`);
  return siteUrl(site, path);
}

export interface EntityPathParts {
  kind: string;
  namespace: string;
  name: string;
}

/** The parts of an entity's page path, lowercased so every spelling of a ref finds one file. */
export function entityParts(ref: string): EntityPathParts {
  const key = keyOfRef(ref);
  const colon = key.indexOf(':');
  const slash = key.indexOf('/', colon);
  return { kind: key.slice(0, colon), namespace: key.slice(colon + 1, slash), name: key.slice(slash + 1) };
}

/** `catalog/<namespace>/<kind>/<name>/` (Backstage's order), lowercased. */
export function entityPath(ref: string): string {
  const { kind, namespace, name } = entityParts(ref);
  return `catalog/${encodeURIComponent(namespace)}/${encodeURIComponent(kind)}/${encodeURIComponent(name)}/`;
}

export const entityUrl = (site: Site, ref: string): string => siteUrl(site, entityPath(ref));

/**
 * A facet value as one safe path segment: letters a-z, digits, `-` and `.` stay; every
 * other byte becomes `_XX`. Injective and case-proof, so `Team-A` and `team-a` never
 * collide on a case-insensitive file system.
 */
export function facetSlug(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[a-z0-9.-]/.test(c) ? c : `_${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out === '.' || out === '..' ? out.replace(/\./g, '_2E') : out;
}

export function unslugFacet(slug: string): string | undefined {
  if (!/^([a-z0-9.-]|_[0-9A-F]{2})*$/.test(slug)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < slug.length; i++) {
    if (slug[i] === '_') {
      bytes.push(parseInt(slug.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(slug.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}
