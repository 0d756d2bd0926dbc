import type { CatalogStore } from '../catalog/store.ts';
import { MAX_BATCH } from '../changes/schema.ts';
import type { ChangeService } from '../changes/service.ts';
import { demoHistory, type DemoService } from './deploy-history.ts';

const SEEDER = { name: 'demo-history', scopes: ['deployments:write', 'changes:write'] };
const DAY_MS = 86_400_000;

/**
 * Records the demo's deploy history into an empty change store: the catalog's deployable
 * components (services and websites) get 90 days ending at the start of today (UTC), so a
 * restart the same day seeds the same history. Does nothing when any change is recorded:
 * a demo that has been used keeps what was done with it.
 */
export async function seedDemoHistory(
  catalog: Pick<CatalogStore, 'listEntities'>,
  changes: ChangeService,
  now: Date,
): Promise<{ deployments: number; switches: number; changes: number } | undefined> {
  if ((await changes.store.count()) > 0) return undefined;
  const services: DemoService[] = [];
  let after: string | undefined;
  do {
    const page = await catalog.listEntities({ kind: 'component' }, 500, after);
    for (const e of page.items)
      if ((e.type === 'service' || e.type === 'website') && !e.stale) services.push({ ref: e.ref, owner: e.owner });
    after = page.nextAfter;
  } while (after !== undefined);
  const history = demoHistory(services, new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS));
  for (let i = 0; i < history.deployments.length; i += MAX_BATCH) {
    await changes.recordDeployments('/demo', history.deployments.slice(i, i + MAX_BATCH), SEEDER, undefined, true);
  }
  for (const s of history.switches) await changes.recordSwitch('/demo', s, SEEDER, undefined);
  for (const c of history.changes) await changes.recordChange('/demo', c, SEEDER, undefined);
  return {
    deployments: history.deployments.length,
    switches: history.switches.length,
    changes: history.changes.length,
  };
}
