import type { ChangeService } from '../changes/service.ts';
import { compareDora, computeDora, previousWindow } from './dora.ts';
import type { DoraComparison, DoraDeployment, DoraReport, DoraWindow } from './model.ts';
import { weeklySeries, type WeeklyBucket } from './series.ts';

export interface DoraServiceOptions {
  /** Environment names that count as production (default `production`). */
  productionEnvironments?: readonly string[];
  tierYear?: number;
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
 * the change events service, once, and runs the pure rules for the window, the window
 * before it (the trend), the weekly series and each service.
 */
export class DoraService {
  readonly productionEnvironments: readonly string[];
  private readonly tierYear?: number;

  constructor(
    private readonly changes: Pick<ChangeService, 'scope' | 'store'>,
    options: DoraServiceOptions = {},
  ) {
    this.productionEnvironments = options.productionEnvironments ?? ['production'];
    this.tierYear = options.tierYear;
  }

  private async history(entityKey: string, window: DoraWindow): Promise<{ members: string[]; deployments: DoraDeployment[] }> {
    const scope = await this.changes.scope(entityKey);
    const rows = await this.changes.store.deploymentsBefore(scope.members, this.productionEnvironments, new Date(window.to).toISOString());
    const deployments = rows.map((r) => ({
      service: r.service,
      environment: r.environment,
      status: r.status,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      commits: r.commits.map((c) => ({ sha: c.sha, committedAt: Date.parse(c.committedAt) })),
    }));
    return { members: scope.members, deployments };
  }

  private answer(entity: string, members: number, deployments: readonly DoraDeployment[], window: DoraWindow): DoraAnswer {
    const options = { productionEnvironments: this.productionEnvironments, tierYear: this.tierYear };
    const current = computeDora(deployments, window, options);
    const previous = computeDora(deployments, previousWindow(window), options);
    return { entity, services: members, productionEnvironments: this.productionEnvironments, current, previous, trend: compareDora(current, previous) };
  }

  /** The numbers for `GET /api/v1/metrics/dora`. */
  async metrics(entityKey: string, window: DoraWindow): Promise<DoraAnswer> {
    const { members, deployments } = await this.history(entityKey, window);
    return this.answer(entityKey, members.length, deployments, window);
  }

  /** The numbers, the weekly series and the per-service breakdown, for the delivery page. */
  async dashboard(entityKey: string, window: DoraWindow): Promise<DoraDashboard> {
    const { members, deployments } = await this.history(entityKey, window);
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
