import type { CatalogStore } from '../catalog/store.ts';
import { MAX_BATCH } from '../changes/schema.ts';
import type { ChangeService } from '../changes/service.ts';
import type { CheckService } from '../checks/service.ts';
import type { SloService } from '../slo/service.ts';
import { demoCheckRuns } from './check-history.ts';
import { demoHistory, type DemoService } from './deploy-history.ts';
import { demoSliHistory } from './sli-history.ts';

const SEEDER = { name: 'demo-history', scopes: ['deployments:write', 'changes:write', 'slis:write'] };
const DAY_MS = 86_400_000;
/** The route the seed's writes are recorded under, with their idempotency keys (the seeder's own: keys are per principal). */
const ROUTE = '/demo';
/** Keys are `demo-history:<day the history ends>:<write>`; the day is how a resumed seed writes the same history. */
const KEY = /^demo-history:(\d{4}-\d{2}-\d{2}):/;

/**
 * Records the demo's deploy history into an empty change store: the catalog's deployable
 * components (services and websites) get 90 days ending at the start of today (UTC).
 * Does nothing when changes are recorded that no seed began: a demo that has been used
 * keeps what was done with it. A seed that was cut short (the process killed midway) is
 * completed by the next one: every write carries a deterministic idempotency key, so what
 * was stored replays and only what is missing is written, for the day that seed began;
 * its last write's key marks the history complete.
 */
export async function seedDemoHistory(
  catalog: Pick<CatalogStore, 'listEntities'>,
  changes: ChangeService,
  now: Date,
): Promise<{ deployments: number; switches: number; changes: number } | undefined> {
  let end = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
  if ((await changes.store.count()) > 0) {
    const begun = (await changes.store.keysOf(SEEDER.name, ROUTE)).map((key) => KEY.exec(key)?.[1]).find((day) => day);
    if (begun === undefined) return undefined;
    end = new Date(`${begun}T00:00:00Z`);
  }
  const services: DemoService[] = [];
  let after: string | undefined;
  do {
    const page = await catalog.listEntities({ kind: 'component' }, 500, after);
    for (const e of page.items)
      if ((e.type === 'service' || e.type === 'website') && !e.stale) services.push({ ref: e.ref, owner: e.owner });
    after = page.nextAfter;
  } while (after !== undefined);
  const history = demoHistory(services, end);
  const day = end.toISOString().slice(0, 10);
  const writes: ((key: string) => Promise<unknown>)[] = [];
  for (let i = 0; i < history.deployments.length; i += MAX_BATCH) {
    const batch = history.deployments.slice(i, i + MAX_BATCH);
    writes.push((key) => changes.recordDeployments(ROUTE, batch, SEEDER, key, true));
  }
  for (const s of history.switches) writes.push((key) => changes.recordSwitch(ROUTE, s, SEEDER, key));
  for (const c of history.changes) writes.push((key) => changes.recordChange(ROUTE, c, SEEDER, key));
  const keyOf = (i: number) => `demo-history:${day}:${i}`;
  const recorded = new Set(await changes.store.keysOf(SEEDER.name, ROUTE));
  if (recorded.has(keyOf(writes.length - 1))) return undefined;
  for (const [i, write] of writes.entries()) if (!recorded.has(keyOf(i))) await write(keyOf(i));
  return {
    deployments: history.deployments.length,
    switches: history.switches.length,
    changes: history.changes.length,
  };
}

/** The days of pushed SLI events the demo's SLOs get: a month, so their budgets are over whole windows. */
const SLI_DAYS = 30;

/**
 * Pushes the demo's SLI history (demoSliHistory: shipments-availability burning its budget
 * now) into the demo's pushed-events SLOs, ending now. Called only when the deploy history
 * was just recorded, so a demo that has been used keeps its events; each SLO's push has a
 * key for the day, so a seed cut short and run again adds nothing twice.
 */
export async function seedDemoSli(
  slos: Pick<SloService, 'list' | 'recordEvents'>,
  now: Date,
): Promise<{ slos: number; events: number }> {
  const { items } = await slos.list({}, Number.MAX_SAFE_INTEGER, 0);
  const pushed = items.filter((s) => s.indicator === 'events');
  const day = now.toISOString().slice(0, 10);
  let events = 0;
  for (const { slo, events: batch } of demoSliHistory(pushed, now, SLI_DAYS)) {
    await slos.recordEvents(slo, ROUTE, batch, SEEDER, `demo-sli:${day}:${slo}`);
    events += batch.length;
  }
  return { slos: pushed.length, events };
}

/**
 * Records the demo's day of check runs through the checks' own outcome path (each run in a
 * transaction, as the runners hand one over), so statuses, alerts and the timeline move as
 * they would have. Recording it twice changes nothing (runs are kept by run id).
 */
export async function seedDemoChecks(checks: Pick<CheckService, 'recordAlone'>, now: Date): Promise<number> {
  const runs = demoCheckRuns(now.getTime());
  for (const run of runs) await checks.recordAlone(run);
  return runs.length;
}
