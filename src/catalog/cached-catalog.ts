import { cachedBody, SingleFlightCache } from '../platform/cache.ts';
import type { FastResponse } from '../platform/http/listener.ts';
import { refKey } from './model.ts';
import type { CatalogStore } from './store.ts';

export const ENTITY_ROUTE = '/api/v1/entities/:kind/:namespace/:name';
/** The list-like routes whose cached bodies are keyed by their query string. */
export const QUERY_ROUTES = ['/api/v1/entities', '/api/v1/facets', '/api/v1/problems'] as const;
export type QueryRoute = (typeof QUERY_ROUTES)[number];

const ENTITY_PREFIX = '/api/v1/entities/';
const JSON_TYPE = 'application/json';
/** The body stored for an entity that does not exist: repeated 404s cost no query, and are never served fast. */
const NOT_FOUND = Buffer.from('null');

/** Rough per-entry bookkeeping cost (key string, map slot), so tiny bodies still count. */
const KEY_OVERHEAD = 128;

export const entityCacheKey = (key: string): string => `entity:${key}`;

const FILTERS = ['kind', 'namespace', 'owner', 'lifecycle', 'type', 'system', 'tag', 'q'];
const QUERY_PARAMETERS: Record<QueryRoute, ReadonlySet<string>> = {
  '/api/v1/entities': new Set([...FILTERS, 'limit', 'cursor']),
  '/api/v1/facets': new Set(FILTERS),
  '/api/v1/problems': new Set(['severity', 'code', 'file', 'entity', 'limit', 'cursor']),
};

/**
 * The cache key of a list-like response: the route and its known query parameters in a
 * fixed order. Unknown parameters (`?x=1`, `?x=2`, ...) do not change the answer, so they
 * must not make new cache entries that push out the ones everyone needs.
 */
export function queryCacheKey(route: QueryRoute, search: string): string {
  const known = QUERY_PARAMETERS[route];
  const params = [...new URLSearchParams(search)].filter(([name]) => known.has(name));
  params.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${route}?${new URLSearchParams(params).toString()}`;
}

/**
 * The catalog as the rest of Atrium reads it: the store behind a cache of response
 * bodies that is dropped whenever the catalog's generation moves (a sync here, or on
 * another replica). Bodies are kept serialised, bounded by count and by bytes.
 */
export class CachedCatalog {
  readonly cache: SingleFlightCache<Buffer>;
  private generation = -1;

  constructor(
    readonly store: CatalogStore,
    options: { cacheEntries?: number; cacheBytes?: number } = {},
  ) {
    this.cache = new SingleFlightCache<Buffer>(options.cacheEntries ?? 100_000, {
      maxBytes: options.cacheBytes ?? 32 * 1024 * 1024,
      sizeOf: (body) => body.length + KEY_OVERHEAD,
    });
  }

  /** A JSON body computed once per catalog generation and key. */
  cachedJson(key: string, load: () => Promise<unknown>): Promise<Buffer> {
    return this.cache.get(key, async () => cachedBody(JSON.stringify((await load()) ?? null)));
  }

  /** A response cachedJson() already holds, without loading: for fast paths. */
  peekJson(key: string): Buffer | undefined {
    return this.cache.peek(key);
  }

  isNotFound(body: Buffer): boolean {
    return body.equals(NOT_FOUND);
  }

  /** A cached response for a GET, if there is one (see platform/http/listener.ts). */
  peekResponse(path: string, search: string): FastResponse | undefined {
    if (path.startsWith(ENTITY_PREFIX)) {
      const key = entityKeyFromPath(path.slice(ENTITY_PREFIX.length));
      const body = key === undefined ? undefined : this.cache.peek(entityCacheKey(key));
      return body && !this.isNotFound(body) ? { body, contentType: JSON_TYPE, route: ENTITY_ROUTE } : undefined;
    }
    const route = QUERY_ROUTES.find((r) => r === path);
    const body = route && this.cache.peek(queryCacheKey(route, search));
    return route && body ? { body, contentType: JSON_TYPE, route } : undefined;
  }

  private readonly invalidateListeners: (() => void)[] = [];

  /** Calls `listener` whenever cached responses are dropped: caches built on the catalog drop theirs too. */
  onInvalidate(listener: () => void): void {
    this.invalidateListeners.push(listener);
  }

  invalidate(): void {
    this.cache.clear();
    for (const listener of this.invalidateListeners) listener();
  }

  /** Checks the stored generation and drops the cache if another process changed it. */
  async refreshGeneration(): Promise<void> {
    const generation = await this.store.generation();
    if (generation !== this.generation) {
      this.generation = generation;
      this.invalidate();
    }
  }
}

/** `kind/namespace/name` (URL-encoded) to an entity key, with the route's own length rules. */
function entityKeyFromPath(rest: string): string | undefined {
  const parts = rest.split('/');
  if (parts.length !== 3) return undefined;
  try {
    const [kind, namespace, name] = parts.map(decodeURIComponent) as [string, string, string];
    if ([kind, namespace, name].some((p) => p.length === 0 || p.length > 63)) return undefined;
    return refKey({ kind, namespace, name });
  } catch {
    return undefined;
  }
}
