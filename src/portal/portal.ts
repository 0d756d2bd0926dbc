import { memoizeFacets } from '../catalog/memoize-facets.ts';
import type { CatalogReader } from '../catalog/reader.ts';
import type { CachedCatalog } from '../catalog/cached-catalog.ts';
import type { DocsSource } from '../docs/docs-source.ts';
import { entitiesWithDocs, runbookPagePath } from '../docs/entity-docs.ts';
import { SingleFlightCache } from '../platform/cache.ts';
import type { FastResponse } from '../platform/http/listener.ts';
import { packIndex, prepareEntries, type PreparedIndex } from '../search/rank.ts';
import { buildSearchIndex } from '../search/search-index.ts';
import { offlineManifest, type AssetBundle } from './assets.ts';
import { PAGE_CSP } from '../web/csp.ts';
import { canonicalQuery, loadSiteEntities, renderPage, type PortalData } from './site-map.ts';
import type { ExternalRefs } from '../platform/external-refs.ts';
import type { PageDependency } from '../web/section.ts';
import type { Site } from '../web/site.ts';

export interface RenderedPage {
  status: 200 | 301 | 404;
  body: Buffer;
  location?: string;
}

export const HTML_TYPE = 'text/html; charset=utf-8';
/** Rough per-entry bookkeeping cost (key string, map slot), so small pages still count. */
const KEY_OVERHEAD = 128;

const pageKey = (path: string, query: URLSearchParams): string => (query.size ? `${path}?${query}` : path);
/** An entity's page (namespace, kind, name: as the path spells them) or a page under it (segment). */
const ENTITY_PAGE = /^catalog\/([^/]+)\/([^/]+)\/([^/]+)\/(?:([^/]+)\/)?$/;

/** The entity key an entity page's path names (`component:default/checkout`), or undefined when a segment does not decode. */
function entityKeyOfPath(kind: string, namespace: string, name: string): string | undefined {
  try {
    return `${kind}:${decodeURIComponent(namespace)}/${decodeURIComponent(name)}`.toLowerCase();
  } catch {
    return undefined;
  }
}

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const NOTHING: ReadonlySet<PageDependency> = new Set();

/** Remembers a computation until `clear()`; a failure is not remembered (the next call tries again). */
class Memo<T> {
  private value: Promise<T> | undefined;
  constructor(private readonly compute: () => Promise<T>) {}
  get(): Promise<T> {
    if (!this.value) {
      const pending = this.compute();
      this.value = pending;
      pending.catch(() => {
        if (this.value === pending) this.value = undefined;
      });
    }
    return this.value;
  }
  clear(): void {
    this.value = undefined;
  }
}

/**
 * The live portal: pages rendered once per catalog generation and key (single-flight, so a
 * burst of identical misses renders once), served from memory afterwards, and dropped
 * with the catalog's own cache whenever the catalog changes. The search index, its packed
 * form and the offline list are kept the same way.
 */
export class Portal implements PortalData {
  readonly store: CatalogReader;
  private readonly pages: SingleFlightCache<RenderedPage>;
  private readonly index = new Memo(async () => {
    const entries = await buildSearchIndex(this.store, this.docs);
    const built = { prepared: prepareEntries(entries), packed: Buffer.from(JSON.stringify(packIndex(entries))) };
    this.searchIndexBuilds++;
    return built;
  });
  /** Search indexes built since start (a metric: the server builds one ahead after each catalog change). */
  searchIndexBuilds = 0;
  /** Which entities have pages (entityLink links to no other), kept per catalog generation like the pages. */
  private readonly entities = new Memo(() => loadSiteEntities(this.store, this.externalRefs));
  private readonly externalRefs: ExternalRefs;
  private readonly offline = new Memo(async () => {
    const runbooks = this.docs
      ? (await entitiesWithDocs(this.store, this.docs))
          .filter((d) => d.runbook !== undefined)
          .map((d) => runbookPagePath(d.ref))
      : [];
    return offlineManifest(this.assets, runbooks);
  });
  /** Renders since start, for the stampede benchmark and tests. */
  renders = 0;

  /** The rendered pages kept now, in bytes (within the cache's budget). */
  get cachedBytes(): number {
    return this.pages.sizeInBytes;
  }
  readonly sources?: unknown;
  readonly sections: PortalData['sections'];
  readonly subpages: NonNullable<PortalData['subpages']>;
  readonly homeSections: NonNullable<PortalData['homeSections']>;
  /** What the home page shows besides the catalog: its cards' `varies`. */
  private readonly homeVaries: ReadonlySet<PageDependency>;
  private readonly now: () => Date;
  /** The sections of each kind's entity page that show something besides the catalog (they declare `varies`), by lowercased kind. */
  private readonly entitySectionsOf = new Map<string, PortalData['sections']>();
  private changesVersion = 0;
  private notificationsVersion = 0;
  private postmortemsVersion = 0;
  private slosCycle = 0;
  private onCallVersion = 0;
  private checksVersion = 0;
  private jobsVersion = 0;
  private incidentsVersion = 0;

  constructor(
    readonly site: Site,
    readonly catalog: CachedCatalog,
    readonly assets: AssetBundle,
    readonly docs?: DocsSource,
    options: {
      cacheEntries?: number;
      cacheBytes?: number;
      /** What the capabilities' sections and subpages read (see PortalData.sources). */
      sources?: unknown;
      /** The clock pages that move on the hour are keyed by. */
      now?: () => Date;
      sections?: PortalData['sections'];
      subpages?: PortalData['subpages'];
      homeSections?: PortalData['homeSections'];
      /** catalog.externalRefs: missing entities they match are shown as external. */
      externalRefs?: ExternalRefs;
    } = {},
  ) {
    this.externalRefs = options.externalRefs ?? { matches: () => false };
    this.sources = options.sources;
    this.now = options.now ?? (() => new Date());
    this.sections = options.sections ?? [];
    this.subpages = options.subpages ?? [];
    this.homeSections = options.homeSections ?? [];
    this.homeVaries = new Set(this.homeSections.flatMap((s) => s.varies ?? []));
    const facets = memoizeFacets(catalog.store);
    this.store = facets.reader;
    this.pages = new SingleFlightCache<RenderedPage>(
      options.cacheEntries ?? 20_000,
      { maxBytes: options.cacheBytes ?? 96 * 1024 * 1024, sizeOf: (page) => page.body.length + KEY_OVERHEAD },
      { keep: (page) => page.status === 200 },
    );
    catalog.onInvalidate(() => {
      facets.clear();
      this.pages.clear();
      this.index.clear();
      this.offline.clear();
      this.entities.clear();
    });
  }

  /**
   * A change was recorded (here or, seen by polling, on another replica): pages showing
   * changes are keyed by the change version (one more with every write seen), so they render afresh while the catalog's
   * pages (lists, search, docs) stay cached.
   */
  changesMoved(version: number): void {
    this.changesVersion = version;
  }

  /** The notification outbox moved (a page queued or delivered): the pages showing it render afresh. */
  notificationsMoved(): void {
    this.notificationsVersion++;
  }

  /**
   * An SLO evaluation cycle finished (here or on another replica): pages showing SLO
   * statuses are keyed by the cycle, so a Health card is never older than the last
   * evaluation.
   */
  slosMoved(cycle: number): void {
    this.slosCycle = cycle;
  }

  /** A check run moved a check's status here: pages showing checks render afresh (another replica's moves show within a minute). */
  checksMoved(): void {
    this.checksVersion++;
  }

  /** A job's run finished (or was pinged) here: pages showing jobs render afresh (another replica's runs show within a minute). */
  jobsMoved(): void {
    this.jobsVersion++;
  }

  /** A post-mortem or action item was written or escalated here: the pages showing them render afresh. */
  postmortemsMoved(): void {
    this.postmortemsVersion++;
  }

  /** An on-call answer read from PagerDuty or Opsgenie changed: the pages showing on-call render afresh. */
  onCallMoved(): void {
    this.onCallVersion++;
  }

  /** An incident was declared or edited (here, or on another replica as its history shows): the pages showing incidents render afresh. */
  incidentsMoved(): void {
    this.incidentsVersion++;
  }

  private cacheKey(path: string, query: URLSearchParams): string {
    const key = pageKey(path, query);
    if (this.sources === undefined) return key;
    const varies = this.variesOf(path);
    if (varies.size === 0) return key;
    const changes = varies.has('changes') ? `c${this.changesVersion}` : '';
    const hour = varies.has('hour') ? `h${Math.floor(this.now().getTime() / HOUR_MS)}` : '';
    const notifications = varies.has('notifications') ? `n${this.notificationsVersion}` : '';
    // The minute too: when evaluation stops, the cycle stops moving, and the card must turn stale.
    const slos = varies.has('slos') ? `s${this.slosCycle}m${Math.floor(this.now().getTime() / MINUTE_MS)}` : '';
    const oncall = varies.has('oncall') ? `o${this.onCallVersion}` : '';
    // The minute too: runs recorded on another replica move no version here.
    const checks = varies.has('checks') ? `k${this.checksVersion}m${Math.floor(this.now().getTime() / MINUTE_MS)}` : '';
    // The minute too: runs recorded on another replica move no version here.
    const jobs = varies.has('jobs') ? `j${this.jobsVersion}m${Math.floor(this.now().getTime() / MINUTE_MS)}` : '';
    const incidents = varies.has('incidents') ? `i${this.incidentsVersion}` : '';
    // The minute too: another replica's writes reach this one's pages within a minute.
    const postmortems = varies.has('postmortems')
      ? `p${this.postmortemsVersion}m${Math.floor(this.now().getTime() / MINUTE_MS)}`
      : '';
    return `${key}#${changes}${hour}${notifications}${slos}${oncall}${checks}${jobs}${incidents}${postmortems}`;
  }

  /** What a page shows besides the catalog, as its providers declare: the home page's cards, an entity page's sections, or a subpage. */
  private variesOf(path: string): ReadonlySet<PageDependency> {
    if (path === '') return this.homeVaries;
    const match = ENTITY_PAGE.exec(path);
    if (!match) return NOTHING;
    const [, namespace = '', kind = '', name = '', segment] = match;
    if (segment !== undefined) return new Set(this.subpages.find((p) => p.segment === segment)?.varies);
    let here = this.entitySectionsOf.get(kind);
    if (!here) {
      here = this.sections.filter((s) => s.kinds.some((k) => k.toLowerCase() === kind) && s.varies?.length);
      // Kinds come from the path: remember only the kinds some section names, so odd paths cannot grow the map.
      if (here.length > 0) this.entitySectionsOf.set(kind, here);
    }
    if (here.length === 0) return NOTHING;
    const key = entityKeyOfPath(kind, namespace, name);
    const varies = new Set<PageDependency>();
    for (const section of here)
      if (key === undefined || section.variesFor?.(this.sources, key) !== false)
        for (const dependency of section.varies ?? []) varies.add(dependency);
    return varies;
  }

  async searchIndex(): Promise<PreparedIndex> {
    return (await this.index.get()).prepared;
  }

  /** The packed index as the static export ships it (`search-index.json`). */
  async packedSearchIndex(): Promise<Buffer> {
    return (await this.index.get()).packed;
  }

  /** What the service worker saves ahead of a visit: assets, home and runbooks. */
  offlineManifest(): Promise<Buffer> {
    return this.offline.get();
  }

  /** A page by site-relative path and query string (`?a=b` or ''). */
  page(path: string, search: string): Promise<RenderedPage> {
    const query = canonicalQuery(path, new URLSearchParams(search), this.subpages);
    return this.pages.get(
      this.cacheKey(path, query),
      async () => {
        this.renders++;
        const result = await renderPage(this, { ...this.site, entities: await this.entities.get() }, path, query);
        if (result.status === 301) return { status: 301, body: Buffer.alloc(0), location: result.location };
        return { status: result.status, body: Buffer.from(result.html.value) };
      },
      // The first render after a catalog change learns which services have SLOs, checks and
      // jobs (variesFor): its page's key may be shorter now than when it was asked for.
      () => this.cacheKey(path, query),
    );
  }

  /** A cached page for the listener's fast path: only successes, and only under the base path. */
  peek(urlPath: string, search: string): FastResponse | undefined {
    const key = this.keyOfUrl(urlPath, search);
    const hit = key === undefined ? undefined : this.pages.peek(key);
    return hit && hit.status === 200
      ? { body: hit.body, contentType: HTML_TYPE, route: 'page', csp: PAGE_CSP }
      : undefined;
  }

  /**
   * The render in flight that a request for this page would share (the render queue lets
   * it wait for that one instead of queueing for a slot of its own), if any.
   */
  rendering(urlPath: string, search: string): Promise<RenderedPage> | undefined {
    const key = this.keyOfUrl(urlPath, search);
    return key === undefined ? undefined : this.pages.pending(key);
  }

  /** The cache key of a page by its URL's path and query string, undefined outside the pages (the API). */
  private keyOfUrl(urlPath: string, search: string): string | undefined {
    if (!urlPath.startsWith(this.site.basePath) || urlPath.startsWith(`${this.site.basePath}api/`)) return undefined;
    const path = urlPath.slice(this.site.basePath.length);
    return this.cacheKey(path, canonicalQuery(path, new URLSearchParams(search), this.subpages));
  }
}
