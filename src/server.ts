import { createRoute, z } from '@hono/zod-openapi';
import { TokenService } from './auth/service.ts';
import { TokenStore } from './auth/store.ts';
import { registerCatalogRoutes } from './catalog/routes.ts';
import { registerDoraRoutes } from './dora/routes.ts';
import { DoraService } from './dora/service.ts';
import { clientFeaturesFastPath, ofrepFastPath, registerFlagRoutes } from './flags/routes.ts';
import { FlagService } from './flags/service.ts';
import { FlagStore } from './flags/store.ts';
import { registerGithubWebhook } from './changes/github-webhook-route.ts';
import { registerChangeRoutes } from './changes/routes.ts';
import { ChangeService } from './changes/service.ts';
import { ChangeStore } from './changes/store.ts';
import { CachedCatalog } from './catalog/cached-catalog.ts';
import { CatalogStore } from './catalog/store.ts';
import { CatalogSyncer, type SyncReport } from './catalog/sync.ts';
import type { Database } from './platform/db/connect.ts';
import { AtriumError } from './platform/errors.ts';
import type { RequestListener } from 'node:http';
import { createApp, type App } from './platform/http/app.ts';
import { createListener } from './platform/http/listener.ts';
import type { Logger } from './platform/log.ts';
import { createMetrics, type Metrics } from './platform/metrics.ts';
import { Gauge } from 'prom-client';
import { openCatalog } from './catalog/load.ts';
import { DocsSource } from './docs/docs-source.ts';
import { registerSearchRoutes } from './search/routes.ts';
import type { AssetBundle } from './portal/assets.ts';
import { entitySections } from './capabilities.ts';
import { Portal } from './portal/portal.ts';
import { registerPortalRoutes } from './portal/routes.ts';

/**
 * The composition root of the server: one app, every capability's routes mounted on it,
 * health, readiness, metrics and the OpenAPI document. Used by `atrium serve` and tests.
 */
export interface AtriumServer {
  app: App;
  /** The Node request listener: cached responses fast, the rest through `app`. */
  listener: RequestListener;
  catalog: CachedCatalog;
  tokens: TokenService;
  changes: ChangeService;
  dora: DoraService;
  flags: FlagService;
  portal: Portal;
  metrics: Metrics;
  /** Syncs the catalog root into the store and refreshes caches; serialised by the caller. */
  syncCatalog(): Promise<SyncReport>;
  /** The files the last sync and the docs pages read, root-relative: what a watcher should watch. */
  catalogFiles(): string[];
  /**
   * Holds readiness until `work` settles (e.g. the demo history being recorded): /readyz
   * says 503 naming `what` meanwhile, so a load balancer or a first visitor does not see a
   * half-started server. Returns `work`.
   */
  startingUp<T>(what: string, work: Promise<T>): Promise<T>;
}

export interface ServerOptions {
  database: Database;
  logger: Logger;
  catalog: string;
  maxFileBytes?: number;
  /** Off in tests that build many apps: default process metrics are global to the process. */
  defaultMetrics?: boolean;
  /** The portal's static files (`await loadAssets()`). */
  assets: AssetBundle;
  /** The clock writes are checked against and tokens expire by; tests pass a fixed one. */
  now?: () => Date;
  /** Enables the GitHub deployment_status webhook. */
  githubWebhookSecret?: string;
  /** Environment names DORA counts as production (default `production`). */
  productionEnvironments?: string[];
  /** Write admission's event-loop limit (see ChangeServiceOptions.writesMaxLoopDelayMs). */
  writesMaxLoopDelayMs?: number | false;
}

export const VERSION = '0.1.0';

export function createServer(options: ServerOptions): AtriumServer {
  const { database, logger } = options;
  const metrics = createMetrics({ defaults: options.defaultMetrics });
  const app = createApp({ logger, metrics });
  const catalog = new CachedCatalog(new CatalogStore(database));
  const tokens = new TokenService(new TokenStore(database), options.now);
  const changes = new ChangeService(new ChangeStore(database), catalog.store, {
    now: options.now,
    writesMaxLoopDelayMs: options.writesMaxLoopDelayMs,
  });
  const dora = new DoraService(changes, { productionEnvironments: options.productionEnvironments });
  const flags = new FlagService(catalog, new FlagStore(database), changes, options.now);
  const now = options.now ?? (() => new Date());
  const catalogHas = async (key: string) => (await catalog.store.summariesOf([key])).has(key);
  const docs = new DocsSource(async () => (await openCatalog(options.catalog, options.maxFileBytes)).root);
  const portal = new Portal(
    { basePath: '/', mode: 'live', assets: options.assets.names },
    catalog,
    options.assets,
    docs,
    { delivery: { changes, dora, flags, now }, sections: entitySections },
  );
  changes.onWrite((version, written) => {
    portal.changesMoved(version);
    flags.changesMoved(version);
    dora.recorded(written);
  });
  catalog.onInvalidate(() => changes.forgetServices());

  const syncer = new CatalogSyncer(catalog.store, {
    catalog: options.catalog,
    maxFileBytes: options.maxFileBytes,
    logger,
  });
  let synced = false;
  /** Start-up work readiness waits for (one entry per call, so two with one name do not end each other). */
  const starting = new Set<{ what: string }>();

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
      this.set(portal.renders);
    },
  });
  new Gauge({
    name: 'atrium_write_refusals',
    help: 'Writes refused with 429 since start (at capacity: queue full, waited too long, or the event loop late).',
    registers: [metrics.registry],
    collect() {
      this.set(changes.writes.refused);
    },
  });
  new Gauge({
    name: 'atrium_writes_in_flight',
    help: 'Write requests running and waiting for admission, by state.',
    labelNames: ['state'],
    registers: [metrics.registry],
    collect() {
      const load = changes.writes.load;
      this.set({ state: 'running' }, load.running);
      this.set({ state: 'waiting' }, load.waiting);
    },
  });
  const syncSeconds = new Gauge({
    name: 'atrium_catalog_last_sync_seconds',
    help: 'Duration of the last catalog sync.',
    registers: [metrics.registry],
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      tags: ['Operations'],
      summary: 'Liveness',
      description: 'The process is up and serving.',
      responses: {
        200: {
          description: 'Alive',
          content: { 'application/json': { schema: z.object({ status: z.literal('ok'), version: z.string() }) } },
        },
      },
    }),
    (c) => c.json({ status: 'ok' as const, version: VERSION }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/readyz',
      tags: ['Operations'],
      summary: 'Readiness',
      description:
        'The database answers, the first catalog sync is done, and so is start-up work such as recording the demo history.',
      responses: {
        200: {
          description: 'Ready',
          content: {
            'application/json': {
              schema: z.object({ status: z.literal('ready'), database: z.string(), generation: z.number().int() }),
            },
          },
        },
        503: {
          description: 'Not ready (retry later)',
          content: { 'application/problem+json': { schema: z.object({ code: z.string() }) } },
        },
      },
    }),
    async (c) => {
      let generation: number;
      try {
        generation = await catalog.store.generation();
      } catch (err) {
        throw new AtriumError({
          category: 'retryable',
          code: 'database-unavailable',
          message: `The database does not answer: ${(err as Error).message}`,
          hint: 'Check the database; this check recovers by itself once it answers.',
          retryAfter: 5,
          cause: err,
        });
      }
      if (!synced && generation === 0) {
        throw new AtriumError({
          category: 'retryable',
          code: 'not-ready',
          message: 'The first catalog sync has not finished',
          hint: 'Wait for the first sync; it is logged when done.',
          retryAfter: 1,
        });
      }
      if (starting.size > 0) {
        throw new AtriumError({
          category: 'retryable',
          code: 'not-ready',
          message: `Still starting: ${[...starting].map((s) => s.what).join(', ')}`,
          hint: 'Wait a moment; start-up work is logged when done.',
          retryAfter: 1,
        });
      }
      return c.json({ status: 'ready' as const, database: database.dialect, generation }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/metrics',
      tags: ['Operations'],
      summary: 'Prometheus metrics',
      description:
        'HTTP request counts and durations by route, catalog size, problems and sync duration, and Node.js process metrics, in the Prometheus text format.',
      responses: { 200: { description: 'Metrics', content: { 'text/plain': { schema: z.string() } } } },
    }),
    async (c) => c.text(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }),
  );

  registerCatalogRoutes(app, catalog);
  registerSearchRoutes(app, () => portal.searchIndex());
  registerChangeRoutes(app, changes, tokens, catalogHas);
  registerDoraRoutes(app, dora, catalogHas, now);
  registerGithubWebhook(app, changes, options.githubWebhookSecret);
  registerFlagRoutes(app, flags, tokens, portal.site);
  const featuresFastPath = clientFeaturesFastPath(flags, tokens);
  app.openAPIRegistry.registerComponent('securitySchemes', 'sdkToken', {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description:
      'An Atrium token with flags:read, sent the way Unleash SDKs send theirs (the bare token; `Bearer` works too).',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token from `atrium token create` (format `atrium_<id>_<secret>`).',
  });

  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Atrium API',
      version: VERSION,
      description:
        'The API of the Atrium developer portal. Reads are open; writes need an API token with the right scope (`Authorization: Bearer <token>`). Errors are application/problem+json (RFC 9457) with category, code, hint and requestId.',
    },
    tags: [
      { name: 'Catalog', description: 'Entities, relations, facets and problems of the software catalog.' },
      {
        name: 'Changes',
        description:
          'Deployments, blue/green traffic switches and other changes: recorded with a token, read as timelines and live state.',
      },
      {
        name: 'Feature flags',
        description: "The Unleash client API: Unleash SDKs read the catalog's flags and report evaluation counts.",
      },
      {
        name: 'Search',
        description: 'Ranked search over entities, docs pages and runbooks (the command palette uses it).',
      },
      { name: 'Operations', description: 'Health and readiness.' },
    ],
  });
  // After the API and its document: every other GET is a page of the portal.
  registerPortalRoutes(app, portal, logger);

  return {
    app,
    listener: createListener(app, {
      logger,
      metrics,
      fastPath: (path, search, headers) =>
        featuresFastPath(path, search, headers) ?? catalog.peekResponse(path, search) ?? portal.peek(path, search),
      fastPost: ofrepFastPath(flags, tokens),
    }),
    catalog,
    tokens,
    changes,
    dora,
    flags,
    portal,
    metrics,
    catalogFiles: () => [...syncer.files(), ...docs.files()],
    startingUp(what, work) {
      const entry = { what };
      starting.add(entry);
      return work.finally(() => starting.delete(entry));
    },
    async syncCatalog() {
      const report = await syncer.sync();
      synced = true;
      // Docs and runbooks are read at render time, not synced: an edit to one changes no descriptor.
      const docsChanged = await docs.changed().catch(() => false);
      if (report.changed) await catalog.refreshGeneration();
      else if (docsChanged) catalog.invalidate();
      entitiesGauge.set(report.entities);
      problemsGauge.set({ severity: 'error' }, report.errors);
      problemsGauge.set({ severity: 'warning' }, report.warnings);
      syncSeconds.set(report.durationMs / 1000);
      logger.info(
        { component: 'catalog-sync', durationMs: report.durationMs },
        `synced ${report.entities} entities (${report.parsedFiles} files parsed, ${report.upserted} written, ${report.deleted} deleted, ${report.errors} errors, ${report.warnings} warnings)`,
      );
      return report;
    },
  };
}
