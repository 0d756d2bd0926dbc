import { externalRefs } from './platform/external-refs.ts';
import { TokenService } from './auth/service.ts';
import { TokenStore } from './auth/store.ts';
import { isScope } from './auth/token.ts';
import { registerCatalogRoutes } from './catalog/routes.ts';
import { registerDoraRoutes } from './dora/routes.ts';
import { DoraService } from './dora/service.ts';
import { clientFeaturesFastPath, ofrepFastPath, registerFlagRoutes } from './flags/routes.ts';
import { FlagService } from './flags/service.ts';
import { FlagStore } from './flags/store.ts';
import { registerGithubWebhook } from './changes/github-webhook-route.ts';
import { registerChangeRoutes } from './changes/routes.ts';
import { ChangeService } from './changes/service.ts';
import { DEFAULT_HOPS } from './changes/pages/changes-page.ts';
import { ChangeStore } from './changes/store.ts';
import { CachedCatalog } from './catalog/cached-catalog.ts';
import { CatalogStore } from './catalog/store.ts';
import { CatalogSyncer, type SyncReport } from './catalog/sync.ts';
import type { Database } from './platform/db/connect.ts';
import type { RequestListener } from 'node:http';
import { createApp, type App } from './platform/http/app.ts';
import { createListener } from './platform/http/listener.ts';
import { briefError, type Logger } from './platform/log.ts';
import { cacheBudget, DEFAULT_MEMORY_BUDGET_BYTES, RESERVED_BYTES } from './platform/memory-budget.ts';
import { createMetrics, type Metrics } from './platform/metrics.ts';
import { CATALOG_SYNCER, catalogSyncerTask, catalogTasks, type SyncerRole } from './catalog/tasks.ts';
import { changeTasks } from './changes/tasks.ts';
import { doraTasks } from './dora/tasks.ts';
import { flagTasks } from './flags/tasks.ts';
import { BackgroundTasks, LEASE_RENEW_MS, LEASE_TTL_MS, taskLeaseName } from './platform/tasks.ts';
import { type HeldLease, LeaseStore } from './platform/db/leases.ts';
import type { Transaction } from 'kysely';
import type { Schema } from './platform/db/schema.ts';
import { AtriumError } from './platform/errors.ts';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { registerApiDocument } from './server/api-document.ts';
import { Readiness, registerHealthRoutes, registerMetricsRoute } from './server/health-routes.ts';
import { requireScope } from './auth/middleware.ts';
import { serverLifecycle, type Lifecycle } from './server/lifecycle.ts';
import { registerServerMetrics } from './server/server-metrics.ts';
import { type RenderLimits, renderAdmission, renderQueue } from './server/render-queue.ts';
import { errorView } from './web/pages/error.ts';
import { describeCatalog, openCatalog, type CatalogSpec } from './catalog/open-catalog.ts';
import { DocsSource } from './docs/docs-source.ts';
import { registerSearchRoutes } from './search/routes.ts';
import type { AssetBundle } from './portal/assets.ts';
import { type CapabilitySources, entitySections, entitySubpages, homeSections } from './capabilities.ts';
import { PageWarmer } from './portal/page-warmer.ts';
import { Portal } from './portal/portal.ts';
import { DEFAULTS as CONFIG_DEFAULTS, publicBaseUrl } from './platform/config.ts';
import { entityPath } from './web/site.ts';
import { type DocsFolder, docsFoldersOf, runbookPagePath } from './docs/entity-docs.ts';
import type { RunnerQueueSettings } from './platform/config.ts';
import type {
  IncidentsSettings,
  PostmortemSettings,
  PagingSettings,
  PrometheusSourceSettings,
  ReceiverSettings,
} from './platform/config.ts';
import type { RetryPolicy } from './notifications/model.ts';
import { Outbox } from './notifications/outbox.ts';
import { receiversFrom } from './notifications/receivers/receivers.ts';
import { NotificationStore } from './notifications/store.ts';
import { registerNotificationsPage } from './notifications/page-route.ts';
import { registerNotificationRoutes } from './notifications/routes.ts';
import { NotificationService } from './notifications/service.ts';
import { notificationTasks } from './notifications/tasks.ts';
import { registerPageFormRoute } from './paging/page-form-route.ts';
import { registerPagingRoutes } from './paging/routes.ts';
import { PagingService } from './paging/service.ts';
import { registerPortalRoutes } from './portal/routes.ts';
import { registerOnCallRoutes } from './oncall/routes.ts';
import { registerOverrideFormRoutes } from './oncall/override-form-route.ts';
import { OnCallService } from './oncall/service.ts';
import { peopleByEmail } from './oncall/plan.ts';
import { OnCallReaders } from './oncall/readers.ts';
import { OnCallStore } from './oncall/store.ts';
import { pageTarget } from './paging/model.ts';
import { PrometheusSources } from './slo/prometheus-source.ts';
import { registerSloRoutes } from './slo/routes.ts';
import { DEFAULT_EVALUATION_INTERVAL_MS, SloService } from './slo/service.ts';
import { SloStore } from './slo/store.ts';
import { sloTasks } from './slo/tasks.ts';
import { registerCheckRoutes } from './checks/routes.ts';
import { CheckService } from './checks/service.ts';
import { CheckStore } from './checks/store.ts';
import { checkTasks } from './checks/tasks.ts';
import { RunnerService } from './runners/service.ts';
import { RunnerStore } from './runners/store.ts';
import { runnerTasks } from './runners/tasks.ts';
import { registerJobRoutes } from './jobs/routes.ts';
import { JobService } from './jobs/service.ts';
import { JobStore } from './jobs/store.ts';
import { jobTasks } from './jobs/tasks.ts';
import { registerRunnerMetrics } from './runners/metrics.ts';
import { registerRunnersPage } from './runners/page-route.ts';
import { registerRunnerRoutes } from './runners/routes.ts';
import { IncidentService } from './incidents/service.ts';
import { IncidentStore } from './incidents/store.ts';
import { registerIncidentRoutes } from './incidents/routes.ts';
import { registerIncidentPages } from './incidents/page-routes.ts';
import { incidentTasks } from './incidents/tasks.ts';
import { registerPagerDutyWebhook } from './incidents/pagerduty-webhook-route.ts';
import { registerPostmortemRoutes } from './postmortems/routes.ts';
import { incidentLookupOf, PostmortemService } from './postmortems/service.ts';
import { PostmortemStore } from './postmortems/store.ts';
import { postmortemFileTasks, postmortemTasks } from './postmortems/tasks.ts';
import { postmortemFilesIn } from './postmortems/postmortem-files.ts';
import { SingleFlightCache } from './platform/cache.ts';
import { registerPostmortemPages } from './postmortems/page-route.ts';

/**
 * The composition root of the server: one app, every capability's routes mounted on it,
 * health, readiness, metrics and the OpenAPI document, and every capability's background
 * tasks, run between `start()` and `stop()`. Used by `atrium serve` and tests (which
 * mostly call `app` without starting anything).
 */
export interface AtriumServer extends Lifecycle {
  app: App;
  /** The Node request listener: cached responses fast, the rest through `app`. */
  listener: RequestListener;
  catalog: CachedCatalog;
  tokens: TokenService;
  changes: ChangeService;
  dora: DoraService;
  flags: FlagService;
  /** The notification outbox (pages today; alerts later). */
  outbox: Outbox;
  /** Teams' receivers and messages to them through the outbox (`notify`), its list and tests. */
  notifications: NotificationService;
  paging: PagingService;
  slos: SloService;
  /** Synthetic checks: rounds, outcomes, statuses. */
  checks: CheckService;
  /** The work queue runners lease from (checks and jobs order on it and register their outcome handlers). */
  runners: RunnerService;
  /** Scheduled jobs: ticks claimed once across replicas, ordered on the runners' queue. */
  jobs: JobService;
  incidents: IncidentService;
  /** Post-mortems of incidents, their action items and the escalation of overdue ones. */
  postmortems: PostmortemService;
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
  /** A folder or file, or everything the command line named (roots, app-configs, URL mappings). */
  catalog: string | CatalogSpec;
  maxFileBytes?: number;
  /** catalog.externalRefs: references known to live outside the catalog. */
  externalRefs?: readonly string[];
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
  /** The render queue's limits (load shedding of pages and API reads); unset ones are atrium.yaml's defaults. */
  renderLimits?: Partial<RenderLimits>;
  /** Whether `start()` watches the catalog root's files and syncs after a change (default true). */
  watch?: boolean;
  /**
   * Who may read /metrics: `listen` serves it only on that address (not the main one),
   * `token` asks for a token with `metrics:read`. Default: open, on the main listener.
   */
  metricsAccess?: { listen?: { host: string; port: number }; token?: boolean };
  /** Where notifications go (atrium.yaml's notifications.receivers, secrets resolved). */
  receivers?: readonly ReceiverSettings[];
  /** Each team's receivers (atrium.yaml's notifications.teams: a Group's key -> receiver names). */
  teamReceivers?: Readonly<Record<string, readonly string[]>>;
  /** The Page button's default receiver and the on-call APIs (atrium.yaml's paging). */
  paging?: PagingSettings;
  /** The outbox's retries (tests shorten them). */
  notificationRetry?: RetryPolicy;
  /** How often SLOs are evaluated (default 30 s). */
  sloEvaluationMs?: number;
  /** The Prometheus HTTP APIs ratio and latency SLOs are measured against (atrium.yaml's prometheus). */
  prometheusSources?: readonly PrometheusSourceSettings[];
  /** This replica's name in leases and SLO cycle claims (host, process and a random part by default; tests name theirs). */
  replica?: string;
  /** The secrets a run's order may name (atrium.yaml's `secrets`, ATRIUM_SECRET_*): name -> value. */
  secrets?: Readonly<Record<string, string>>;
  /** Runner leases: how long one holds, how long a lease request waits for work (tests shorten both). */
  runnerLeaseMs?: number;
  runnerLongPollMs?: number;
  /** How long after its due time a waiting lease request wakes, to take the runs due meanwhile too (RunnerService's gatherMs). */
  runnerGatherMs?: number;
  /** The work queue's limits (atrium.yaml's `runners`): lease lapses before a run is an error, when a runner is gone. */
  runnerQueue?: RunnerQueueSettings;
  /** The runners' clock (epoch ms): due times, leases, deadlines. Default: `now`'s. */
  runnerNow?: () => number;
  /** Incidents' settings (atrium.yaml's incidents). */
  incidents?: IncidentsSettings;
  /** Post-mortems' sprints, deadline horizon, review age and escalation team (atrium.yaml's postmortems). */
  postmortems?: PostmortemSettings;
  /** Where people reach the portal (config's publicUrl): alerts and notifications link its pages only with it. */
  publicUrl?: string;
  /** The memory the process may use, which sizes its caches (platform/memory-budget.ts; default 300 MiB). */
  memoryBudgetBytes?: number;
}

/** Entity pages read as warming targets after a sync, at most: the page cache's budget ends warming sooner at 50,000 entities. */
const WARM_TARGETS = 20_000;

export function createServer(options: ServerOptions): AtriumServer {
  const { database, logger } = options;
  const replica = options.replica ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const metrics = createMetrics({ defaults: options.defaultMetrics });
  const app = createApp({ logger, metrics });
  const caches = cacheBudget(options.memoryBudgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES);
  if (caches.overcommitted)
    logger.warn(
      { component: 'server', memoryBudgetBytes: options.memoryBudgetBytes, reservedBytes: RESERVED_BYTES },
      'the memory budget leaves the caches less than their minimum: they get it, and the process will use more than its budget',
    );
  const catalog = new CachedCatalog(new CatalogStore(database), { cacheBytes: caches.apiCacheBytes });
  const external = externalRefs(options.externalRefs ?? []);
  const tokens = new TokenService(new TokenStore(database), options.now);
  const changes = new ChangeService(new ChangeStore(database), catalog.store, {
    now: options.now,
    writesMaxLoopDelayMs: options.writesMaxLoopDelayMs,
  });
  const flags = new FlagService(catalog, new FlagStore(database), changes, options.now);
  const now = options.now ?? (() => new Date());
  const readers =
    options.paging?.pagerduty || options.paging?.opsgenie
      ? new OnCallReaders({
          pagerduty: options.paging.pagerduty,
          opsgenie: options.paging.opsgenie,
          people: (emails) => peopleByEmail(catalog.store, emails),
          now,
          logger,
        })
      : undefined;
  const oncall = new OnCallService(new OnCallStore(database), catalog.store, now, readers);
  const catalogHas = async (key: string) => (await catalog.store.summariesOf([key])).has(key);
  const notificationStore = new NotificationStore(database);
  const outbox = new Outbox(notificationStore, receiversFrom(options.receivers ?? [], now), {
    now,
    retry: options.notificationRetry,
    logger,
  });
  const notifications = new NotificationService((keys) => catalog.store.descriptorsOf(keys), outbox, {
    teams: options.teamReceivers,
  });
  const paging = new PagingService((keys) => catalog.store.descriptorsOf(keys), outbox, {
    defaultReceiver: options.paging?.receiver,
  });
  const runners = new RunnerService(new RunnerStore(database, options.runnerQueue?.maxLeaseLapses), {
    now: options.runnerNow ?? (() => now().getTime()),
    leaseMs: options.runnerLeaseMs,
    longPollMs: options.runnerLongPollMs,
    gatherMs: options.runnerGatherMs,
    goneAfterMs:
      options.runnerQueue?.goneAfterHours === undefined ? undefined : options.runnerQueue.goneAfterHours * 3_600_000,
    secrets: options.secrets,
    logger,
  });
  // Links in messages sent to people and other tools: absolute, under the public URL, or none.
  const publicBase = options.publicUrl === undefined ? undefined : publicBaseUrl(options.publicUrl);
  const publicUrl = (path: string): string | undefined => (publicBase ? new URL(path, publicBase).href : undefined);
  const pageUrl = (ref: string): string | undefined => publicUrl(entityPath(ref));
  const checks = new CheckService(new CheckStore(database), catalog, {
    now,
    pageUrl,
    queue: runners,
    runnerLocations: async () => (await runners.runners()).map((r) => r.location),
    notifications,
    changes,
  });
  runners.handle(checks.outcomeHandler());
  const sloEvaluationMs = options.sloEvaluationMs ?? DEFAULT_EVALUATION_INTERVAL_MS;
  const prometheus = new PrometheusSources(options.prometheusSources ?? []);
  const slos = new SloService(new SloStore(database), catalog, notificationStore, {
    now,
    pageUrl,
    runbookUrl: (ref) => publicUrl(runbookPagePath(ref)),
    sources: { ratio: prometheus, latency: prometheus, checks: checks.sloSource() },
    changes,
    intervalMs: sloEvaluationMs,
    holder: replica,
    // Until receivers are resolved per team: the team's atrium.dev/page-receiver, else the Page button's default.
    receivers: async (owner) => {
      const team = (await catalog.store.descriptorsOf([owner])).get(owner);
      const target = pageTarget(team?.entity.metadata.annotations, options.paging?.receiver, (n) =>
        outbox.hasReceiver(n),
      );
      return target ? [target] : [];
    },
  });
  // Ticks are due by the runners' clock: the same instants the queue reads due times and deadlines against.
  const jobs = new JobService(new JobStore(database), catalog, runners, {
    now: options.runnerNow ?? (() => now().getTime()),
    pageUrl,
    changes,
    notifications,
  });
  runners.handle(jobs.outcomeHandler);
  const incidents = new IncidentService(new IncidentStore(database), catalog.store, changes, notifications, {
    ...options.incidents,
    productionEnvironments: options.productionEnvironments,
    now,
    logger,
    publicUrl,
  });
  const dora = new DoraService(changes, { productionEnvironments: options.productionEnvironments, incidents });
  const postmortems = new PostmortemService(
    new PostmortemStore(database),
    (keys) => catalog.store.descriptorsOf(keys),
    incidentLookupOf(incidents),
    notifications,
    { now, settings: options.postmortems ?? CONFIG_DEFAULTS.postmortems, logger },
  );
  const docs = new DocsSource(async () => (await openCatalog(options.catalog, options.maxFileBytes)).root);
  // Which entities have docs folders, kept per catalog generation: the post-mortem files' task reads their folders every minute.
  const docsFolders = new SingleFlightCache<DocsFolder[]>(1);
  catalog.onInvalidate(() => docsFolders.clear());
  const portal = new Portal(
    { basePath: '/', mode: 'live', assets: options.assets.names },
    catalog,
    options.assets,
    docs,
    {
      sources: {
        changes,
        checks,
        dora,
        flags,
        incidents,
        jobs,
        oncall,
        paging,
        slos,
        postmortems,
        now,
      } satisfies CapabilitySources,
      now,
      sections: entitySections,
      subpages: entitySubpages,
      homeSections,
      externalRefs: external,
      cacheBytes: caches.pageCacheBytes,
      // A service page's timeline, Health, Checks and Jobs cards move with their own service's changes, SLOs, checks and jobs only; a check's or job's page with its own.
      scoped: {
        changes: {
          of: (key) => changes.scopeVersion(key, DEFAULT_HOPS),
          moment: () => String(changes.writesSeen),
        },
        slos: { of: (key) => slos.shownVersion(key), moment: () => slos.shownMoment() },
        checks: { of: (key) => checks.shownVersion(key), moment: () => checks.shownMoment() },
        jobs: { of: (key) => jobs.shownVersion(key), moment: () => jobs.shownMoment() },
      },
    },
  );
  changes.onWrite((version, written) => {
    portal.changesMoved(version);
    flags.changesMoved(version);
    dora.recorded(written);
    if (written)
      incidents
        .declareFromAlerts(written)
        .catch((err: unknown) =>
          logger.warn({ component: 'incidents', err }, 'a page alert did not declare its incident'),
        );
  });
  catalog.onInvalidate(() => {
    changes.forgetServices();
    incidents.forgetScopes();
  });
  outbox.onChange(() => portal.notificationsMoved());
  readers?.onChange(() => portal.onCallMoved());
  oncall.onChange(() => portal.onCallMoved());
  slos.onEvaluated((cycle) => portal.slosMoved(cycle));
  checks.onMoved(() => portal.checksMoved());
  jobs.onMoved(() => portal.jobsMoved());
  incidents.onChange(() => portal.incidentsMoved());
  postmortems.onChange(() => portal.postmortemsMoved());

  const syncer = new CatalogSyncer(catalog.store, {
    catalog: options.catalog,
    maxFileBytes: options.maxFileBytes,
    externalRefs: external,
    logger,
    keepWhenRootMissing: true,
  });
  const readiness = new Readiness();
  const renders = renderAdmission({
    active: options.renderLimits?.active ?? CONFIG_DEFAULTS.renderConcurrency,
    queued: options.renderLimits?.queued ?? CONFIG_DEFAULTS.renderQueue,
    maxWaitMs: options.renderLimits?.maxWaitMs ?? CONFIG_DEFAULTS.renderMaxWaitMs,
  });
  /**
   * The pages most others link to (home, the catalog, then entities by how many relations
   * name them), rendered in the background after each sync so the first visitors after a
   * restart or a change find them cached; it gives way to every live request.
   */
  /** When the last request arrived (the listener notes it): warming waits for a pause in traffic. */
  let lastRequestAt = Number.NEGATIVE_INFINITY;
  const warmer = new PageWarmer({
    targets: async () => ['', 'catalog/', ...(await catalog.store.mostLinked(WARM_TARGETS)).map(entityPath)],
    render: (path) => portal.page(path, ''),
    queue: () => renders.load,
    sinceLastRequest: () => performance.now() - lastRequestAt,
    cache: { usedBytes: () => portal.cachedBytes, maxBytes: caches.pageCacheBytes },
    logger,
  });
  // Before every route: reads wait their turn here or are refused (503 + Retry-After) at once.
  const unqueued = new Set([
    '/healthz',
    '/readyz',
    '/metrics',
    ...[...portal.assets.files.keys()].map((path) => `${portal.site.basePath}${path}`),
  ]);
  app.use(
    renderQueue(renders, {
      unqueued,
      busyPage: (error, requestId) => errorView(portal.site, error, requestId).value,
      logger,
      shared: {
        inFlight: (path, search) => portal.rendering(path, search),
        cached: (path, search) => portal.peek(path, search) !== undefined,
      },
    }),
  );
  const gauges = registerServerMetrics(metrics, {
    portal,
    warmer,
    writes: changes.writes,
    renders,
    apiCache: catalog.cache,
    budget: caches,
  });
  registerRunnerMetrics(metrics, runners);
  registerHealthRoutes(app, readiness, {
    generation: () => catalog.store.generation(),
    dialect: database.dialect,
    logger,
  });
  const metricsGuard = options.metricsAccess?.token ? requireScope(tokens, 'metrics:read') : undefined;
  const metricsListen = options.metricsAccess?.listen;
  // On its own address, /metrics is an app of its own: the main listener does not serve it at all.
  const metricsApp = metricsListen ? createApp({ logger, metrics }) : app;
  registerMetricsRoute(metricsApp, metrics, metricsGuard);

  registerCatalogRoutes(
    app,
    catalog,
    async (header, scopes) => (await tokens.reader(header, scopes.filter(isScope))) !== undefined,
  );
  registerSearchRoutes(app, () => portal.searchIndex());
  registerChangeRoutes(app, changes, tokens, catalogHas);
  registerDoraRoutes(app, dora, catalogHas, now);
  registerGithubWebhook(app, changes, options.githubWebhookSecret, now);
  registerFlagRoutes(app, flags, tokens, portal.site);
  registerOnCallRoutes(app, oncall, tokens);
  registerPagingRoutes(app, paging, tokens, changes.writes);
  registerSloRoutes(app, slos, tokens, catalogHas);
  registerJobRoutes(app, jobs, tokens, catalogHas);
  registerCheckRoutes(app, checks, tokens, catalogHas);
  registerIncidentRoutes(app, incidents, tokens, changes.writes);
  registerPagerDutyWebhook(app, incidents, options.incidents?.pagerdutyWebhookSecrets ?? [], changes.writes, now);
  registerPostmortemRoutes(app, postmortems, tokens, changes.writes);
  registerPageFormRoute(app, paging, tokens, portal.site);
  registerOverrideFormRoutes(app, oncall, tokens, portal.site);
  registerNotificationRoutes(app, notifications, tokens);
  registerNotificationsPage(app, notifications, portal.site);
  registerRunnerRoutes(app, runners, tokens);
  registerRunnersPage(app, runners, portal.site);
  registerIncidentPages(app, incidents, tokens, catalog.store, portal.site);
  registerPostmortemPages(app, postmortems, tokens, portal.site);
  const featuresFastPath = clientFeaturesFastPath(flags, tokens);
  registerApiDocument(app, unqueued);
  // After the API and its document: every other GET is a page of the portal.
  // Once a catalog can be shown it stays so: the database is asked only until then.
  let catalogShown = false;
  registerPortalRoutes(app, portal, logger, async () => {
    catalogShown ||= !readiness.loading(await catalog.store.generation());
    return !catalogShown;
  });

  const leases = new LeaseStore(database);
  /** The fence of a sync under the syncer lease: nothing is written once another replica holds it. */
  const fenced = (lease: HeldLease) => (trx: Transaction<Schema>) => leases.fence(trx, replica, lease);
  const syncCatalog = async (lease?: HeldLease): Promise<SyncReport> => {
    const report = await syncer.sync(lease && fenced(lease));
    readiness.synced = true;
    const rootProblem = syncer.unreadableRoot();
    readiness.degrade('catalog-root', rootProblem && { code: rootProblem.code, message: rootProblem.message });
    // Docs and runbooks are read at render time, not synced: an edit to one changes no descriptor.
    const docsChanged = await docs.changed().catch(() => false);
    if (report.changed) await catalog.refreshGeneration();
    else if (docsChanged) catalog.invalidate();
    gauges.synced(report);
    logger.info(
      { component: 'catalog-sync', durationMs: report.durationMs },
      `synced ${report.entities} entities (${report.parsedFiles} files parsed, ${report.upserted} written, ${report.deleted} deleted, ${report.errors} errors, ${report.warnings} warnings)`,
    );
    return report;
  };
  const catalogFiles = () => [...syncer.files(), ...docs.files()];
  let syncerRole: SyncerRole;
  /**
   * A change in this replica's checkout: the syncer syncs it; another replica only drops
   * its pages if docs or runbooks changed (they are read from each replica's own checkout
   * at render time), and sees the catalog's changes through the generation.
   */
  const watchedChange = async () => {
    if (syncerRole) {
      await syncCatalog(syncerRole.lease);
      return;
    }
    if (await docs.changed().catch(() => false)) catalog.invalidate();
  };
  let serving = false;
  const warmPages = () => void warmer.warm();
  /** Builds the search index now (the catalog's changes drop it) instead of in the first search after. */
  const warmSearchIndex = async (): Promise<void> => {
    await portal.searchIndex();
    serving = true;
    warmPages();
  };
  catalog.onInvalidate(() => {
    // After the portal dropped the old index and pages (its listener came first): the next are built in the background.
    if (!serving) return;
    portal
      .searchIndex()
      .catch((err: unknown) =>
        logger.warn({ component: 'search', err: briefError(err) }, 'the search index could not be built ahead'),
      );
    warmPages();
  });
  /** When the first sync started (epoch ms, the clock files' times are on): the watcher looks for changes since. */
  let firstSyncStarted: number | undefined;
  /**
   * The first sync of `start()`: by this replica if it can take the syncer lease — then it
   * is the syncer from here (its role set now, so a change the watcher sees before the
   * syncer task starts is synced, and the task, renewing this same lease, does not sync
   * again); otherwise the catalog another replica synced is followed, and start-up waits
   * (retrying) until there is one. Readiness also waits for the search index, so the first
   * searches do not build it.
   */
  const firstSync = async (): Promise<void> => {
    firstSyncStarted ??= Date.now();
    const lease = await leases.hold(taskLeaseName(CATALOG_SYNCER), replica, LEASE_TTL_MS);
    if (lease) {
      // Renewed while the first sync runs (the lease keeper starts after it): a cold load
      // longer than the lease's life would otherwise find its own lease lapsed, and retry for ever.
      const renewal = setInterval(
        () => void leases.hold(lease.name, replica, LEASE_TTL_MS).catch(() => undefined),
        LEASE_RENEW_MS,
      );
      try {
        await syncCatalog(lease);
      } finally {
        clearInterval(renewal);
      }
      syncerRole = { lease };
    } else {
      if ((await catalog.store.generation()) === 0)
        throw new AtriumError({
          category: 'retryable',
          code: 'catalog-synced-elsewhere',
          message: 'Another replica holds the catalog syncer lease and has not stored a catalog yet',
          hint: 'Start-up waits for it; if that replica is gone, this one takes the lease over within 8 s.',
          retryAfter: 1,
        });
      await catalog.refreshGeneration();
      logger.info({ component: 'catalog-sync' }, 'another replica syncs the catalog: following its generation');
    }
    await warmSearchIndex();
  };

  const tasks = new BackgroundTasks(logger, undefined, {
    hold: (name, ttlMs) => leases.hold(name, replica, ttlMs),
    release: (lease) => leases.release(lease.name, replica, lease.generation),
  });
  tasks.add(
    ...changeTasks(changes),
    ...doraTasks(dora),
    ...catalogTasks(
      catalog,
      options.watch === false
        ? undefined
        : {
            catalog: options.catalog,
            maxFileBytes: options.maxFileBytes,
            sync: async () => {
              await watchedChange();
              return catalogFiles();
            },
            files: catalogFiles,
            firstSyncStarted: () => firstSyncStarted,
            logger,
          },
    ),
    catalogSyncerTask({
      sync: (lease) => syncCatalog(lease),
      role: (role) => (syncerRole = role),
      syncedUnder: (lease) =>
        syncerRole?.lease?.name === lease.name && syncerRole.lease.generation === lease.generation,
      logger,
    }),
    ...flagTasks(flags),
    ...notificationTasks(outbox),
    ...sloTasks(slos, sloEvaluationMs),
    ...checkTasks(checks),
    ...runnerTasks(runners),
    ...jobTasks(jobs),
    ...incidentTasks(incidents),
    ...postmortemTasks(postmortems),
    ...postmortemFileTasks(
      postmortems,
      async () => postmortemFilesIn(await docsFolders.get('all', () => docsFoldersOf(catalog.store)), docs),
      logger,
    ),
  );
  const served = createListener(app, {
    logger,
    metrics,
    fastPath: (path, search, headers) =>
      featuresFastPath(path, search, headers) ??
      // Cached API answers are what a reader without a token sees; a token may see more (a flag's targeting).
      (headers.authorization === undefined ? catalog.peekResponse(path, search) : undefined) ??
      portal.peek(path, search),
    fastPost: ofrepFastPath(flags, tokens),
  });
  const listener: RequestListener = (req, res) => {
    lastRequestAt = performance.now();
    served(req, res);
  };

  return {
    app,
    listener,
    catalog,
    tokens,
    changes,
    dora,
    flags,
    outbox,
    notifications,
    paging,
    slos,
    checks,
    runners,
    jobs,
    incidents,
    postmortems,
    portal,
    metrics,
    catalogFiles,
    startingUp: (what, work) => readiness.startingUp(what, work),
    syncCatalog,
    ...serverLifecycle({
      listener,
      ...(metricsListen
        ? { metrics: { ...metricsListen, listener: createListener(metricsApp, { logger, metrics }) } }
        : {}),
      tasks,
      readiness,
      logger,
      catalog: typeof options.catalog === 'string' ? options.catalog : describeCatalog(options.catalog),
      database,
      firstPoll: () => changes.pollWrites(),
      syncCatalog: firstSync,
      settle: () => Promise.all([tokens.renewals(), dora.settled(), warmer.stop()]),
    }),
  };
}
