import type { ChangeService } from '../changes/service.ts';
import { compareDora, computeDora, previousWindow } from './dora.ts';
import type { DoraComparison, DoraDeployment, DoraReport, DoraWindow } from './model.ts';
import { weeklySeries, type WeeklyBucket } from './series.ts';

export interface DoraServiceOptions {
  /** Environment names that count as production (default `production`). */
  productionEnvironments?: readonly string[];
  tierYear?: number;
  /** Deployments kept parsed in memory across requests (default 250,000, about 80 MB). */
  cachedDeployments?: number;
  /** How long a service's parsed history is trusted without a write seen for it (default 5 minutes). */
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
 * Each service's parsed production history is kept in memory: reading and parsing tens of
 * thousands of rows costs more than the rules themselves, and a team's dashboard is asked
 * for again and again while its history changes a few rows at a time. A write to a service
 * drops its entry (`forget`); a write seen on another replica drops them all; entries also
 * expire, in case a replica's write was missed.
 */
export class DoraService {
  readonly productionEnvironments: readonly string[];
  private readonly tierYear?: number;
  private readonly cache = new Map<string, { loadedAt: number; deployments: DoraDeployment[] }>();
  private cached = 0;
  private readonly maxCached: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly changes: Pick<ChangeService, 'scope' | 'store'>,
    options: DoraServiceOptions = {},
  ) {
    this.productionEnvironments = options.productionEnvironments ?? ['production'];
    this.tierYear = options.tierYear;
    this.maxCached = options.cachedDeployments ?? 250_000;
    this.ttlMs = options.cacheTtlMs ?? 5 * 60_000;
    this.now = options.now ?? (() => performance.now());
  }

  /** Drops the parsed history of the services (of every service without an argument). */
  forget(services?: readonly string[]): void {
    if (services === undefined) {
      this.cache.clear();
      this.cached = 0;
      return;
    }
    for (const key of services) {
      const entry = this.cache.get(key);
      if (!entry) continue;
      this.cached -= entry.deployments.length;
      this.cache.delete(key);
    }
  }

  private async history(entityKey: string): Promise<{ members: string[]; deployments: DoraDeployment[] }> {
    const scope = await this.changes.scope(entityKey);
    const now = this.now();
    const byService = new Map<string, DoraDeployment[]>();
    const missing: string[] = [];
    for (const key of scope.members) {
      const entry = this.cache.get(key);
      if (entry && now - entry.loadedAt <= this.ttlMs) byService.set(key, entry.deployments);
      else missing.push(key);
    }
    if (missing.length > 0) {
      const loaded = new Map<string, DoraDeployment[]>(missing.map((key) => [key, []]));
      let size = 0;
      for (const r of await this.changes.store.deploymentsTo(missing, this.productionEnvironments)) {
        size++;
        loaded.get(r.service)?.push({
          service: r.service,
          environment: r.environment,
          status: r.status,
          startedAt: r.startedAt,
          finishedAt: r.finishedAt,
          commits: r.commits.map((c) => ({ sha: c.sha, committedAt: Date.parse(c.committedAt) })),
        });
      }
      this.forget(missing);
      // Simplest bound: start afresh rather than track recency; history larger than the bound is simply not kept.
      if (this.cached + size > this.maxCached) this.forget();
      const keep = size <= this.maxCached;
      for (const [key, deployments] of loaded) {
        byService.set(key, deployments);
        if (keep) this.cache.set(key, { loadedAt: now, deployments });
      }
      if (keep) this.cached += size;
    }
    return { members: scope.members, deployments: scope.members.flatMap((key) => byService.get(key) ?? []) };
  }

  private answer(entity: string, members: number, deployments: readonly DoraDeployment[], window: DoraWindow): DoraAnswer {
    const options = { productionEnvironments: this.productionEnvironments, tierYear: this.tierYear };
    const current = computeDora(deployments, window, options);
    const previous = computeDora(deployments, previousWindow(window), options);
    return { entity, services: members, productionEnvironments: this.productionEnvironments, current, previous, trend: compareDora(current, previous) };
  }

  /** The numbers for `GET /api/v1/metrics/dora`. */
  async metrics(entityKey: string, window: DoraWindow): Promise<DoraAnswer> {
    const { members, deployments } = await this.history(entityKey);
    return this.answer(entityKey, members.length, deployments, window);
  }

  /** The numbers, the weekly series and the per-service breakdown, for the delivery page. */
  async dashboard(entityKey: string, window: DoraWindow): Promise<DoraDashboard> {
    const { members, deployments } = await this.history(entityKey);
    const options = { productionEnvironments: this.productionEnvironments, tierYear: this.tierYear };
    const byServiceRows = new Map<string, DoraDeployment[]>();
    for (const d of deployments) {
      const list = byServiceRows.get(d.service) ?? [];
      list.push(d);
      byServiceRows.set(d.service, list);
    }
    const byService = [...byServiceRows]
      .map(([service, rows]) => ({ service, report: computeDora(rows, window, options) }))
      .filter((s) => s.report.changeFailureRate.deployments > 0)
      .sort((a, b) => b.report.changeFailureRate.deployments - a.report.changeFailureRate.deployments || (a.service < b.service ? -1 : 1));
    return { ...this.answer(entityKey, members.length, deployments, window), weeks: weeklySeries(deployments, window, options), byService };
  }
}
