import { memoizeFacets } from '../catalog/memoize-facets.ts';
import type { CatalogReader } from '../catalog/reader.ts';
import type { CachedCatalog } from '../catalog/cached-catalog.ts';
import type { DocsSource } from '../docs/docs-source.ts';
import { entitiesWithDocs, runbookPagePath } from '../docs/entity-docs.ts';
import { cachedBody, SingleFlightCache } from '../platform/cache.ts';
import type { FastResponse } from '../platform/http/listener.ts';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { packIndex, prepareEntriesInTurns, type PreparedIndex } from '../search/rank.ts';
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
const NO_SCOPE: ReadonlyMap<PageDependency, string> = new Map();

/**
 * The version of what one subject's pages show of a dependency, kept by the capability
 * that owns it: a service's changes (its timeline's scope), its SLOs' statuses as its
 * Health card shows them.
 */
export interface ScopedVersion {
  /** The version for the entity `key`, or undefined when not known (its page then moves with the dependency's every move). */
  of(key: string): string | undefined;
  /** Moves whenever any answer of `of` may have: a render during which it moved is not kept under a key settled after it. */
  moment(): string;
}

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
    // In slices between requests: built after every catalog change while pages and APIs are served.
    const prepared = await prepareEntriesInTurns(await buildSearchIndex(this.store, this.docs), nextTurn);
    this.searchIndexBuilds++;
    return prepared;
  });
  /**
   * Only browsers saving the portal for offline use ask for the packed index: built on the
   * first request after a change, from the prepared index's entries, not with every index
   * (at 50,000 entities its JSON is about 7 MB, and building it twice that for a moment).
   */
  private readonly packed = new Memo(async () => {
    const { entries } = await this.index.get();
    return Buffer.from(JSON.stringify(packIndex(entries.map((e) => e.entry))));
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
  private readonly scoped: Partial<Record<PageDependency, ScopedVersion>>;

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
      /** Versions of one subject's scope, for the sections that read a dependency only there (SectionProvider.variesWithin). */
      scoped?: Partial<Record<PageDependency, ScopedVersion>>;
    } = {},
  ) {
    this.externalRefs = options.externalRefs ?? { matches: () => false };
    this.scoped = options.scoped ?? {};
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
      this.packed.clear();
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

  /** A post-mortem or action item was written or escalated (here, or on another replica as a poll saw): the pages showing them render afresh. */
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
    const { varies, scoped } = this.variesOf(path);
    if (varies.size === 0 && scoped.size === 0) return key;
    const minute = Math.floor(this.now().getTime() / MINUTE_MS);
    const changes = varies.has('changes') ? `c${this.changesVersion}` : '';
    const hour = varies.has('hour') ? `h${Math.floor(this.now().getTime() / HOUR_MS)}` : '';
    const notifications = varies.has('notifications') ? `n${this.notificationsVersion}` : '';
    // The minute too: when evaluation stops, the cycle stops moving, and the card must turn stale.
    const slos = varies.has('slos') ? `s${this.slosCycle}m${minute}` : '';
    const oncall = varies.has('oncall') ? `o${this.onCallVersion}` : '';
    // The minute too: runs recorded on another replica move no version here.
    const checks = varies.has('checks') ? `k${this.checksVersion}m${minute}` : '';
    // The minute too: runs recorded on another replica move no version here.
    const jobs = varies.has('jobs') ? `j${this.jobsVersion}m${minute}` : '';
    const incidents = varies.has('incidents') ? `i${this.incidentsVersion}` : '';
    const postmortems = varies.has('postmortems') ? `p${this.postmortemsVersion}` : '';
    let within = '';
    for (const [dependency, version] of scoped) within += `;${dependency}=${version}`;
    return `${key}#${changes}${hour}${notifications}${slos}${oncall}${checks}${jobs}${incidents}${postmortems}${within}`;
  }

  /**
   * Everything a cache key can move with, whatever the page: a render during which any of
   * it moved may have read data older than a key computed after it, so it is not kept
   * under such a key (see page()).
   */
  private moments(): string {
    const scoped = Object.values(this.scoped)
      .map((s) => s.moment())
      .join('/');
    return `${this.changesVersion}/${this.notificationsVersion}/${this.slosCycle}/${this.onCallVersion}/${this.checksVersion}/${this.jobsVersion}/${this.incidentsVersion}/${this.postmortemsVersion}/${Math.floor(this.now().getTime() / MINUTE_MS)}/${scoped}`;
  }

  /**
   * What a page shows besides the catalog, as its providers declare: the home page's cards,
   * an entity page's sections, or a subpage. `scoped`: the dependencies every section of the
   * page that shows them reads only within its subject's scope, with that scope's version
   * (a dependency whose scope's version is not known yet is in `varies`).
   */
  private variesOf(path: string): {
    varies: ReadonlySet<PageDependency>;
    scoped: ReadonlyMap<PageDependency, string>;
  } {
    if (path === '') return { varies: this.homeVaries, scoped: NO_SCOPE };
    const match = ENTITY_PAGE.exec(path);
    if (!match) return { varies: NOTHING, scoped: NO_SCOPE };
    const [, namespace = '', kind = '', name = '', segment] = match;
    if (segment !== undefined)
      return { varies: new Set(this.subpages.find((p) => p.segment === segment)?.varies), scoped: NO_SCOPE };
    let here = this.entitySectionsOf.get(kind);
    if (!here) {
      here = this.sections.filter((s) => s.kinds.some((k) => k.toLowerCase() === kind) && s.varies?.length);
      // Kinds come from the path: remember only the kinds some section names, so odd paths cannot grow the map.
      if (here.length > 0) this.entitySectionsOf.set(kind, here);
    }
    if (here.length === 0) return { varies: NOTHING, scoped: NO_SCOPE };
    const key = entityKeyOfPath(kind, namespace, name);
    const varies = new Set<PageDependency>();
    const within = new Set<PageDependency>();
    for (const section of here) {
      if (key !== undefined && section.variesFor?.(this.sources, key) === false) continue;
      for (const dependency of section.varies ?? [])
        if (key !== undefined && this.scoped[dependency] && section.variesWithin?.includes(dependency))
          within.add(dependency);
        else varies.add(dependency);
    }
    if (within.size === 0) return { varies, scoped: NO_SCOPE };
    const scoped = new Map<PageDependency, string>();
    for (const dependency of within) {
      if (varies.has(dependency)) continue;
      const version = this.scoped[dependency]?.of(key as string);
      if (version === undefined) varies.add(dependency);
      else scoped.set(dependency, version);
    }
    return { varies, scoped };
  }

  searchIndex(): Promise<PreparedIndex> {
    return this.index.get();
  }

  /** The packed index as the static export ships it (`search-index.json`). */
  packedSearchIndex(): Promise<Buffer> {
    return this.packed.get();
  }

  /** What the service worker saves ahead of a visit: assets, home and runbooks. */
  offlineManifest(): Promise<Buffer> {
    return this.offline.get();
  }

  /** A page by site-relative path and query string (`?a=b` or ''). */
  page(path: string, search: string): Promise<RenderedPage> {
    const query = canonicalQuery(path, new URLSearchParams(search), this.subpages);
    const moments = this.moments();
    return this.pages.get(
      this.cacheKey(path, query),
      async () => {
        this.renders++;
        const result = await renderPage(this, { ...this.site, entities: await this.entities.get() }, path, query);
        if (result.status === 301) return { status: 301, body: Buffer.alloc(0), location: result.location };
        return { status: result.status, body: cachedBody(result.html.value) };
      },
      // The first render after a catalog change learns which services have SLOs, checks and
      // jobs (variesFor) and a page's scope (variesWithin): its page's key may be shorter now
      // than when it was asked for. Unless something moved meanwhile: the render may have read
      // what was there before, and a key computed now would claim it newer.
      () => (this.moments() === moments ? this.cacheKey(path, query) : undefined),
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
