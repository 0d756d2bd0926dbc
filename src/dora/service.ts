import type { Commit, NewChangeEvent } from '../changes/model.ts';
import type { ChangeService } from '../changes/service.ts';
import { compareDora, computeDora, previousWindow } from './report.ts';
import type { DoraComparison, DoraDeployment, DoraIncident, DoraReport, DoraWindow } from './model.ts';
import { weeklySeries, type WeeklyBucket } from './series.ts';

/** A stored deployment as the rules read it (times as epoch ms). */
function toDora(
  service: string,
  environment: string,
  status: DoraDeployment['status'],
  startedAt: number,
  finishedAt: number,
  commits: readonly Commit[],
): DoraDeployment {
  return {
    service,
    environment,
    status,
    startedAt,
    finishedAt,
    commits: commits.map((c) => ({ sha: c.sha, committedAt: Date.parse(c.committedAt) })),
  };
}

/**
 * Incidents linked to deployments, from whatever records them: given to the service so
 * DORA imports no incident code. Their deployments count in change failure rate and
 * recovery time.
 */
export interface LinkedIncidentSource {
  /** The incidents linked to a deployment of one of these services (keys). */
  linkedIncidents(serviceKeys: readonly string[]): Promise<DoraIncident[]>;
}

export interface DoraServiceOptions {
  incidents?: LinkedIncidentSource;
  /** Environment names that count as production (default `production`). */
  productionEnvironments?: readonly string[];
  tierYear?: number;
  /** Deployments kept parsed in memory across requests (default 250,000, about 80 MB). */
  cachedDeployments?: number;
  /** How long parsed history is trusted before it is read again (default 5 minutes). */
  cacheTtlMs?: number;
  now?: () => number;
}

/** One service's share of a scope's numbers (the data behind a team's metrics). */
export interface ServiceBreakdown {
  service: string;
  report: DoraReport;
}

export interface DoraAnswer {
  entity: string;
  /** Entities whose deployments count (a team's services, a system's parts). */
  services: number;
  productionEnvironments: readonly string[];
  current: DoraReport;
  previous: DoraReport;
  trend: DoraComparison;
}

export interface DoraDashboard extends DoraAnswer {
  weeks: WeeklyBucket[];
  byService: ServiceBreakdown[];
}

/**
 * DORA metrics of any entity's scope: reads the scope's production deployments through
 * the change events service and runs the pure rules for the window, the window before it
 * (the trend), the weekly series and each service.
 *
 * Each service's parsed production history is kept in memory, because reading and parsing
 * tens of thousands of rows costs more than the rules themselves. `warm()` (a background
 * task of the server, after its first sync) loads every service's at once; after
 * that the memory is *complete*: a service with no entry has no production deployments,
 * and writes made here are appended (`recorded`) instead of read again. A write seen on
 * another replica drops everything and warms again; entries loaded on demand (when the
 * memory is not complete) expire, in case such a write was missed. Past `cachedDeployments`
 * the memory starts afresh and is no longer complete.
 */
export class DoraService {
  readonly productionEnvironments: readonly string[];
  private readonly production: ReadonlySet<string>;
  private readonly tierYear?: number;
  private readonly cache = new Map<string, { loadedAt: number; deployments: DoraDeployment[] }>();
  private cached = 0;
  private complete = false;
  private warming: Promise<void> | undefined;
  private warmedAt = 0;
  private readonly maxCached: number;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly incidents: LinkedIncidentSource | undefined;

  constructor(
    private readonly changes: Pick<ChangeService, 'scope' | 'store'>,
    options: DoraServiceOptions = {},
  ) {
    this.productionEnvironments = options.productionEnvironments ?? ['production'];
    this.production = new Set(this.productionEnvironments);
    this.tierYear = options.tierYear;
    this.maxCached = options.cachedDeployments ?? 250_000;
    this.ttlMs = options.cacheTtlMs ?? 5 * 60_000;
    this.now = options.now ?? (() => performance.now());
    this.incidents = options.incidents;
  }

  /** Drops every parsed history: the memory is no longer complete. */
  forget(): void {
    this.cache.clear();
    this.cached = 0;
    this.complete = false;
  }

  /**
   * Loads every service's production history into memory (one query), unless it is larger
   * than the memory allows. Requests arriving meanwhile wait for it rather than query too.
   */
  warm(): Promise<void> {
    this.warming ??= (async () => {
      try {
        const startedAt = this.now();
        // Counted first: history larger than the memory is never read whole (it would only be thrown away).
        if ((await this.changes.store.countDeploymentsTo(this.productionEnvironments)) > this.maxCached) {
          this.forget();
          return;
        }
        const rows = await this.changes.store.deploymentsTo(undefined, this.productionEnvironments);
        this.forget();
        if (rows.length > this.maxCached) return;
        for (const r of rows)
          this.add(
            r.service,
            toDora(r.service, r.environment, r.status, r.startedAt, r.finishedAt, r.commits),
            startedAt,
          );
        this.complete = true;
        this.warmedAt = startedAt;
      } finally {
        this.warming = undefined;
      }
    })();
    return this.warming;
  }

  /** Resolves once a warming in flight has finished: the server waits for it before the database closes. */
  async settled(): Promise<void> {
    await this.warming?.catch(() => undefined);
  }

  /**
   * Writes made here: production deployments are appended to the memory (when their
   * service's history is there, or the memory is complete). Without events (another
   * replica wrote), everything is dropped and warmed again.
   */
  recorded(events?: readonly NewChangeEvent[]): void {
    if (events === undefined) {
      const wasComplete = this.complete;
      this.forget();
      if (wasComplete) void this.warm().catch(() => undefined);
      return;
    }
    const now = this.now();
    for (const e of events) {
      if (e.type !== 'deployment' || e.environment === null || !this.production.has(e.environment) || e.status === null)
        continue;
      if (!this.complete && !this.cache.has(e.serviceKey)) continue;
      const deployment = toDora(
        e.serviceKey,
        e.environment,
        e.status,
        Date.parse(e.startedAt ?? e.at),
        Date.parse(e.at),
        e.commits ?? [],
      );
      this.add(e.serviceKey, deployment, now);
    }
    if (this.cached > this.maxCached) this.forget();
  }

  private add(service: string, deployment: DoraDeployment, loadedAt: number): void {
    const entry = this.cache.get(service);
    if (entry) entry.deployments.push(deployment);
    else this.cache.set(service, { loadedAt, deployments: [deployment] });
    this.cached++;
  }

  private async history(
    entityKey: string,
  ): Promise<{ members: string[]; deployments: DoraDeployment[]; incidents: DoraIncident[] }> {
    if (this.warming) await this.warming.catch(() => undefined);
    // A complete memory is trusted for ttlMs too: then it is warmed again, in the background.
    if (this.complete && this.now() - this.warmedAt > this.ttlMs) void this.warm().catch(() => undefined);
    const scope = await this.changes.scope(entityKey);
    const now = this.now();
    const byService = new Map<string, DoraDeployment[]>();
    const missing: string[] = [];
    for (const key of scope.members) {
      const entry = this.cache.get(key);
      if (entry && (this.complete || now - entry.loadedAt <= this.ttlMs)) byService.set(key, entry.deployments);
      else if (!this.complete) missing.push(key);
    }
    if (missing.length > 0) {
      const loaded = new Map<string, DoraDeployment[]>(missing.map((key) => [key, []]));
      let size = 0;
      for (const r of await this.changes.store.deploymentsTo(missing, this.productionEnvironments)) {
        size++;
        loaded.get(r.service)?.push(toDora(r.service, r.environment, r.status, r.startedAt, r.finishedAt, r.commits));
      }
      for (const key of missing) {
        const entry = this.cache.get(key);
        if (entry) this.cached -= entry.deployments.length;
        this.cache.delete(key);
      }
      // Simplest bound: start afresh rather than track recency; history larger than the bound is simply not kept.
      if (this.cached + size > this.maxCached) this.forget();
      const keep = size <= this.maxCached;
      for (const [key, deployments] of loaded) {
        byService.set(key, deployments);
        if (keep && deployments.length > 0) this.cache.set(key, { loadedAt: now, deployments });
      }
      if (keep) this.cached += size;
    }
    return {
      members: scope.members,
      deployments: scope.members.flatMap((key) => byService.get(key) ?? []),
      // Read each time, not kept: few rows, and a link edited elsewhere counts at once.
      incidents: (await this.incidents?.linkedIncidents(scope.members)) ?? [],
    };
  }

  private answer(
    entity: string,
    members: number,
    deployments: readonly DoraDeployment[],
    incidents: readonly DoraIncident[],
    window: DoraWindow,
  ): DoraAnswer {
    const options = { productionEnvironments: this.productionEnvironments, tierYear: this.tierYear, incidents };
    const current = computeDora(deployments, window, options);
    const previous = computeDora(deployments, previousWindow(window), options);
    return {
      entity,
      services: members,
      productionEnvironments: this.productionEnvironments,
      current,
      previous,
      trend: compareDora(current, previous),
    };
  }

  /** The numbers for `GET /api/v1/metrics/dora`. */
  async metrics(entityKey: string, window: DoraWindow): Promise<DoraAnswer> {
    const { members, deployments, incidents } = await this.history(entityKey);
    return this.answer(entityKey, members.length, deployments, incidents, window);
  }

  /** The numbers, the weekly series and the per-service breakdown, for the delivery page. */
  async dashboard(entityKey: string, window: DoraWindow): Promise<DoraDashboard> {
    const { members, deployments, incidents } = await this.history(entityKey);
    const options = { productionEnvironments: this.productionEnvironments, tierYear: this.tierYear, incidents };
    const byServiceRows = new Map<string, DoraDeployment[]>();
    for (const d of deployments) {
      const list = byServiceRows.get(d.service) ?? [];
      list.push(d);
      byServiceRows.set(d.service, list);
    }
    const byService = [...byServiceRows]
      .map(([service, rows]) => ({ service, report: computeDora(rows, window, options) }))
      .filter((s) => s.report.changeFailureRate.deployments > 0)
      .sort(
        (a, b) =>
          b.report.changeFailureRate.deployments - a.report.changeFailureRate.deployments ||
          (a.service < b.service ? -1 : 1),
      );
    return {
      ...this.answer(entityKey, members.length, deployments, incidents, window),
      weeks: weeklySeries(deployments, window, options),
      byService,
    };
  }
}
