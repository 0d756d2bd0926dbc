import { Gauge } from 'prom-client';
import type { SyncReport } from '../catalog/sync.ts';
import type { Admission } from '../platform/admission.ts';
import type { CacheBudget } from '../platform/memory-budget.ts';
import type { Metrics } from '../platform/metrics.ts';

/**
 * The server's own Prometheus gauges, after the HTTP ones: catalog size and problems and
 * the last sync's duration (set by `synced`), portal renders, the caches' bytes against
 * their budget, write admission and the render queue (read when scraped).
 */
export function registerServerMetrics(
  metrics: Metrics,
  sources: {
    portal: { readonly renders: number; readonly cachedBytes: number; readonly searchIndexBuilds: number };
    /** The pages warmed after syncs (portal/page-warmer.ts). */
    warmer: { readonly warmed: number };
    writes: Pick<Admission, 'refused' | 'load'>;
    renders: Pick<Admission, 'refused' | 'load'>;
    /** The API answers kept, in bytes. */
    apiCache: { readonly sizeInBytes: number };
    /** What each cache may hold, from the memory budget. */
    budget: CacheBudget;
  },
): { synced(report: SyncReport): void } {
  const entitiesGauge = new Gauge({
    name: 'atrium_catalog_entities',
    help: 'Entities in the catalog after the last sync.',
    registers: [metrics.registry],
  });
  const problemsGauge = new Gauge({
    name: 'atrium_catalog_problems',
    help: 'Catalog problems after the last sync, by severity.',
    labelNames: ['severity'],
    registers: [metrics.registry],
  });
  new Gauge({
    name: 'atrium_portal_page_renders',
    help: 'Portal pages rendered since start (cache misses that reached the renderer; one per key and catalog generation under a stampede).',
    registers: [metrics.registry],
    collect() {
      this.set(sources.portal.renders);
    },
  });
  new Gauge({
    name: 'atrium_cache_bytes',
    help: 'Bytes held by each cache sized by the memory budget (pages: rendered portal pages; api: catalog API answers).',
    labelNames: ['cache'],
    registers: [metrics.registry],
    collect() {
      this.set({ cache: 'pages' }, sources.portal.cachedBytes);
      this.set({ cache: 'api' }, sources.apiCache.sizeInBytes);
    },
  });
  new Gauge({
    name: 'atrium_cache_budget_bytes',
    help: "What each cache may hold: its share of --memory-budget after the process's reserve.",
    labelNames: ['cache'],
    registers: [metrics.registry],
    collect() {
      this.set({ cache: 'pages' }, sources.budget.pageCacheBytes);
      this.set({ cache: 'api' }, sources.budget.apiCacheBytes);
    },
  });
  new Gauge({
    name: 'atrium_write_refusals',
    help: 'Writes refused with 429 since start (at capacity: queue full, waited too long, or the event loop late; or no slot within the queue deadline).',
    registers: [metrics.registry],
    collect() {
      this.set(sources.writes.refused);
    },
  });
  new Gauge({
    name: 'atrium_writes_in_flight',
    help: 'Write requests running and waiting for admission, by state.',
    labelNames: ['state'],
    registers: [metrics.registry],
    collect() {
      const load = sources.writes.load;
      this.set({ state: 'running' }, load.running);
      this.set({ state: 'waiting' }, load.waiting);
    },
  });
  new Gauge({
    name: 'atrium_portal_pages_warmed',
    help: 'Portal pages rendered ahead after a sync since start (most-linked first, in the background; counted in atrium_portal_page_renders too).',
    registers: [metrics.registry],
    collect() {
      this.set(sources.warmer.warmed);
    },
  });
  new Gauge({
    name: 'atrium_search_index_builds',
    help: 'Search indexes built since start: one before /readyz turns ready, then one ahead after each catalog change (never by a search).',
    registers: [metrics.registry],
    collect() {
      this.set(sources.portal.searchIndexBuilds);
    },
  });
  new Gauge({
    name: 'atrium_render_refusals',
    help: 'Reads (pages and API answers not cached) shed with 503 + Retry-After since start: the render queue was full, or a request would have waited too long.',
    registers: [metrics.registry],
    collect() {
      this.set(sources.renders.refused);
    },
  });
  new Gauge({
    name: 'atrium_renders_in_flight',
    help: 'Reads in the render queue, by state (running, waiting; sharing: waiting, without a queue place, for an identical render in flight).',
    labelNames: ['state'],
    registers: [metrics.registry],
    collect() {
      const load = sources.renders.load;
      this.set({ state: 'running' }, load.running);
      this.set({ state: 'waiting' }, load.waiting);
      this.set({ state: 'sharing' }, load.sharing);
    },
  });
  const syncs = new Gauge({
    name: 'atrium_catalog_syncs',
    help: 'Catalog syncs this process ran since start (start-up runs one; the watcher one per change; a replica that follows runs none).',
    registers: [metrics.registry],
  });
  const syncSeconds = new Gauge({
    name: 'atrium_catalog_last_sync_seconds',
    help: 'Duration of the last catalog sync.',
    registers: [metrics.registry],
  });
  return {
    synced(report) {
      entitiesGauge.set(report.entities);
      problemsGauge.set({ severity: 'error' }, report.errors);
      problemsGauge.set({ severity: 'warning' }, report.warnings);
      syncSeconds.set(report.durationMs / 1000);
      syncs.inc();
    },
  };
}
