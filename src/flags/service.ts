import { createHash } from 'node:crypto';
import type { CatalogService } from '../catalog/service.ts';
import { featureOf, type FlagSpec } from './flag-definition.ts';
import type { FlagStore } from './store.ts';

/** The client-features document of one environment, and its entity tag. */
export interface ClientFeatures {
  body: Buffer;
  etag: string;
}

export interface MetricsReport {
  appName: string;
  bucket: { start: string; stop: string; toggles: Record<string, { yes: number; no: number }> };
}

const HOUR_MS = 3_600_000;

/**
 * Feature flags as SDKs see them: the catalog's Flag entities, as Unleash's
 * client-features document per environment (cached with the catalog's responses, so it is
 * rebuilt only when the catalog changes), and the evaluation counts SDKs report.
 */
export class FlagService {
  constructor(
    private readonly catalog: CatalogService,
    readonly store: FlagStore,
  ) {}

  /** `GET /api/client/features` for an environment: every flag, on or off as declared there. */
  async clientFeatures(environment: string): Promise<ClientFeatures> {
    const body = await this.catalog.cachedJson(`unleash-features:${environment}`, async () => {
      const keys: string[] = [];
      let after: string | undefined;
      do {
        const page = await this.catalog.store.listEntities({ kind: 'flag' }, 500, after);
        keys.push(...page.items.map((e) => `flag:${e.namespace}/${e.name}`.toLowerCase()));
        after = page.nextAfter;
      } while (after !== undefined);
      const descriptors = await this.catalog.store.descriptorsOf(keys);
      const features = [...descriptors.values()]
        .map((d) => ({ ...featureOf(d.entity.metadata.name, d.entity.spec as unknown as FlagSpec, environment), description: d.entity.metadata.description ?? null, project: 'default', stale: false }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return { version: 2, features, query: { environment } };
    });
    return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
  }

  /** Adds an SDK's metrics bucket (its start a valid time: the route checks) to the counts of its environment, by the hour it started in. */
  async recordMetrics(environment: string, report: MetricsReport): Promise<number> {
    const hour = new Date(Math.floor(Date.parse(report.bucket.start) / HOUR_MS) * HOUR_MS).toISOString();
    const counts = Object.entries(report.bucket.toggles)
      .filter(([, c]) => c.yes + c.no > 0)
      .map(([flag, c]) => ({ flag, environment, appName: report.appName, hour, yes: c.yes, no: c.no }));
    await this.store.addEvaluations(counts);
    return counts.length;
  }
}
