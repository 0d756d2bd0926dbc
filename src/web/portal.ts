import { operationsOf, RUNBOOK_ANNOTATION } from '../catalog/operations.ts';
import type { CatalogService } from '../catalog/service.ts';
import type { DocsSource } from '../docs/docs-source.ts';
import { SingleFlightCache } from '../platform/cache.ts';
import type { FastResponse } from '../platform/http/listener.ts';
import { prepareEntries, type PreparedEntry, type SearchEntry } from '../search/rank.ts';
import { buildSearchIndex } from '../search/search-index.ts';
import { offlineManifest, type AssetBundle } from './assets.ts';
import { PAGE_CSP } from './csp.ts';
import { renderPage, type PortalData } from './site-map.ts';
import { entityPath, type Site } from './site.ts';

export interface RenderedPage {
  status: 200 | 301 | 404;
  body: Buffer;
  location?: string;
}

export const HTML_TYPE = 'text/html; charset=utf-8';
/** The query parameters some page reads; others never change a page, so they never make cache entries. */
const PAGE_PARAMETERS = new Set(['q', 'page', 'sort', 'severity', 'hops', 'kind', 'type', 'lifecycle', 'owner', 'system', 'tag', 'namespace']);
const KEY_OVERHEAD = 128;

function pageCacheKey(path: string, search: string): string {
  const params = [...new URLSearchParams(search)].filter(([name]) => PAGE_PARAMETERS.has(name));
  params.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return params.length ? `${path}?${new URLSearchParams(params)}` : path;
}

/**
 * The live portal: pages rendered once per catalog generation and key (single-flight, so a
 * burst of identical misses renders once), served from memory afterwards, and dropped
 * with the catalog's own cache whenever the catalog changes.
 */
export class Portal implements PortalData {
  readonly store: CatalogService['store'];
  private readonly pages: SingleFlightCache<RenderedPage>;
  private index: Promise<{ entries: SearchEntry[]; prepared: PreparedEntry[] }> | undefined;
  /** Renders per key since start, for the stampede benchmark and tests. */
  renders = 0;

  constructor(
    readonly site: Site,
    readonly catalog: CatalogService,
    readonly assets: AssetBundle,
    readonly docs?: DocsSource,
    options: { cacheEntries?: number; cacheBytes?: number } = {},
  ) {
    this.store = catalog.store;
    this.pages = new SingleFlightCache<RenderedPage>(options.cacheEntries ?? 20_000, {
      maxBytes: options.cacheBytes ?? 96 * 1024 * 1024,
      sizeOf: (page) => page.body.length + KEY_OVERHEAD,
    }, { keep: (page) => page.status === 200 });
    catalog.onInvalidate(() => {
      this.pages.clear();
      this.index = undefined;
    });
  }

  private searchData() {
    this.index ??= buildSearchIndex(this.store, this.docs).then((entries) => ({ entries, prepared: prepareEntries(entries) }));
    return this.index;
  }

  async searchIndex(): Promise<PreparedEntry[]> {
    return (await this.searchData()).prepared;
  }

  async searchEntries(): Promise<SearchEntry[]> {
    return (await this.searchData()).entries;
  }

  /** A page by site-relative path and query string (`?a=b` or ''). */
  page(path: string, search: string): Promise<RenderedPage> {
    return this.pages.get(pageCacheKey(path, search), async () => {
      this.renders++;
      const result = await renderPage(this, this.site, path, new URLSearchParams(search));
      if (result.status === 301) return { status: 301, body: Buffer.alloc(0), location: result.location };
      return { status: result.status, body: Buffer.from(result.html.value) };
    });
  }

  /** A cached page for the listener's fast path: only successes, and only under the base path. */
  peek(urlPath: string, search: string): FastResponse | undefined {
    if (!urlPath.startsWith(this.site.basePath) || urlPath.startsWith(`${this.site.basePath}api/`)) return undefined;
    const hit = this.pages.peek(pageCacheKey(urlPath.slice(this.site.basePath.length), search));
    return hit && hit.status === 200 ? { body: hit.body, contentType: HTML_TYPE, route: 'page', csp: PAGE_CSP } : undefined;
  }

  /** What the service worker saves ahead of a visit: assets, home and runbooks. */
  async offlineManifest(): Promise<Buffer> {
    const runbooks = (await this.store.entitiesMentioning([RUNBOOK_ANNOTATION]))
      .filter(({ entity, file }) => operationsOf(entity, file).runbooks.some((r) => r.path !== undefined))
      .map(({ ref }) => `${entityPath(ref)}runbook/`);
    return offlineManifest(this.assets, runbooks);
  }
}
