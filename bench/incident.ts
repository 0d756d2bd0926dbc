/**
 * The incidents benchmark (issue #19's speed targets), in process on SQLite, or on
 * PostgreSQL with `--postgres URL` (a fresh schema, dropped afterwards) (server time:
 * the request through the app, no network), every comparison in the same run:
 *
 *  A. The incident page of an incident touching a system of 50 services (a dependency
 *     tree, a flag on every fifth) with 90 days of demo history: median and p95 server
 *     time of GET /incidents/{id}/ (target <= 50 ms). Baseline: the same page for an
 *     incident touching one leaf service.
 *  B. The timeline query of the incident page (the scope of the 50 services, their
 *     dependencies and flags; the window's change events counted, the newest page of 200
 *     entries read, and the suspects ranked from the candidates of the whole window) with
 *     10,000 events in the window: median and p95 (target <= 100 ms). In the same run:
 *     one service's own timeline over the same window (baseline); the whole window read
 *     (the API's default without timelineLimit, and what B measured before); and the first
 *     query (whole rows per batch of services, sorted in JavaScript).
 *
 *   node --import tsx bench/incident.ts [--services 50] [--events 10000] [--runs 30] [--postgres URL] [--keep]
 *
 * Exit status: 0 every target met, 1 some target missed, 2 the benchmark itself failed.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { DeploymentInput } from '../src/changes/model.ts';
import { MAX_BATCH } from '../src/changes/schema.ts';
import { demoHistory } from '../src/demo/deploy-history.ts';
import { TIMELINE_PAGE_ENTRIES } from '../src/incidents/page-routes.ts';
import { rankSuspects } from '../src/incidents/suspects.ts';
import { incidentScope } from '../src/incidents/timeline.ts';
import { openDatabase } from '../src/platform/db/connect.ts';
import { silentLogger } from '../src/platform/log.ts';
import { loadAssets } from '../src/portal/assets.ts';
import { createServer } from '../src/server.ts';
import { log, numberFlag, onCleanup, postgresSchema, runBenchmark, verdict } from './support.ts';

const { values: flags } = parseArgs({
  options: {
    services: { type: 'string', default: '50' },
    events: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '30' },
    postgres: { type: 'string' },
    keep: { type: 'boolean' },
  },
});
const SERVICES = numberFlag('services', flags.services, 2);
const EVENTS = numberFlag('events', flags.events, 100);
const RUNS = numberFlag('runs', flags.runs, 5);
const PAGE_TARGET_MS = 50;
const QUERY_TARGET_MS = 100;
const HOUR = 3_600_000;
const SEEDER = { name: 'bench', scopes: ['deployments:write', 'changes:write'] };
const TEAMS = [
  'group:default/checkout',
  'group:default/payments',
  'group:default/logistics',
  'group:default/platform',
  'group:default/driver-experience',
];

/** A system of services in a dependency tree (svc-i depends on svc-2i+1 and svc-2i+2), with a flag on every fifth. */
function catalogYaml(services: number): string {
  const docs = ['apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: shop\nspec:\n  owner: platform\n'];
  for (const team of TEAMS)
    docs.push(
      `apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: ${team.split('/')[1]}\nspec:\n  type: team\n  children: []\n`,
    );
  for (let i = 0; i < services; i++) {
    const deps = [2 * i + 1, 2 * i + 2].filter((d) => d < services).map((d) => `component:svc-${d}`);
    docs.push(
      `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc-${i}\nspec:\n  type: service\n  lifecycle: production\n  owner: ${TEAMS[i % TEAMS.length]?.split('/')[1]}\n  system: shop\n  dependsOn: [${deps.join(', ')}]\n`,
    );
    if (i % 5 === 0)
      docs.push(
        `apiVersion: atrium.dev/v1\nkind: Flag\nmetadata:\n  name: flag-${i}\nspec:\n  owner: ${TEAMS[i % TEAMS.length]?.split('/')[1]}\n  service: svc-${i}\n  type: release\n  environments:\n    production: { enabled: true }\n`,
      );
  }
  return docs.join('---\n');
}

const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

async function timed(runs: number, work: () => Promise<unknown>): Promise<{ median: number; p95: number }> {
  for (let i = 0; i < 3; i++) await work(); // warm-up: JIT, statement caches
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { median: quantile(times, 0.5), p95: quantile(times, 0.95) };
}

const ms = (v: number) => `${v.toFixed(1)} ms`;

async function main(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'atrium-incident-bench-'));
  if (!flags.keep) onCleanup('temporary directory', () => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'catalog'));
  await writeFile(join(dir, 'catalog', 'catalog-info.yaml'), catalogYaml(SERVICES));
  let target = join(dir, 'atrium.db');
  if (flags.postgres) {
    const schema = await postgresSchema(flags.postgres, 'incident');
    if ('skipped' in schema) throw new Error(schema.skipped);
    target = schema.url;
  }
  const database = await openDatabase(target);
  log(`Database: ${database.dialect}`);
  onCleanup('database', () => database.close());
  const now = new Date('2026-12-07T12:00:00.000Z');
  const server = createServer({
    database,
    logger: silentLogger(),
    catalog: join(dir, 'catalog'),
    assets: await loadAssets(),
    defaultMetrics: false,
    now: () => now,
    watch: false,
    writesMaxLoopDelayMs: false,
  });
  await server.syncCatalog();
  const refs = Array.from({ length: SERVICES }, (_, i) => `component:default/svc-${i}`);

  // Numbers on a shared machine mean little without its load: printed with them.
  log(
    `Machine: ${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  log(`Seeding 90 days of demo history for ${SERVICES} services…`);
  const history = demoHistory(
    refs.map((ref, i) => ({ ref, owner: TEAMS[i % TEAMS.length] ?? null })),
    new Date(now.getTime() - 7 * 24 * HOUR),
  );
  for (let i = 0; i < history.deployments.length; i += MAX_BATCH)
    await server.changes.recordDeployments(
      '/bench',
      history.deployments.slice(i, i + MAX_BATCH),
      SEEDER,
      undefined,
      true,
    );
  for (const c of history.changes) await server.changes.recordChange('/bench', c, SEEDER, undefined);
  // The last day before the incident: a flag switched, deployments of the services.
  const start = new Date(now.getTime() - HOUR).toISOString();
  const recent: DeploymentInput[] = refs.map((service, i) => ({
    service,
    environment: 'production',
    version: `9.${i}.0`,
    status: i === 7 ? 'rolled_back' : 'succeeded',
    startedAt: new Date(now.getTime() - (3 + (i % 5)) * HOUR - 600_000).toISOString(),
    finishedAt: new Date(now.getTime() - (3 + (i % 5)) * HOUR).toISOString(),
    commits: [],
  }));
  await server.changes.recordDeployments('/bench', recent, SEEDER, undefined, true);
  await server.changes.recordChange(
    '/bench',
    {
      service: 'flag:default/flag-5',
      kind: 'feature-flag',
      summary: 'Turned flag-5 on in production',
      at: new Date(now.getTime() - 2 * HOUR).toISOString(),
      environment: 'production',
    },
    SEEDER,
    undefined,
  );
  const stored = await server.changes.store.count();
  log(`  ${stored.toLocaleString('en')} change events stored`);

  const wide = (
    await server.incidents.declare(
      {
        service: refs[0] as string,
        services: refs.slice(1),
        severity: 'SEV1',
        title: 'Checkout down',
        startedAt: start,
      },
      'bench',
    )
  ).incident;
  const narrow = (
    await server.incidents.declare(
      { service: refs[SERVICES - 1] as string, severity: 'SEV3', title: 'One leaf slow', startedAt: start },
      'bench',
    )
  ).incident;
  for (let i = 0; i < 20; i++)
    await server.incidents.addNote(wide.id, `Note ${i}: **checked** the dashboards`, 'bench');

  const page = async (id: number) => {
    const res = await server.app.request(`/incidents/${id}/`);
    if (res.status !== 200) throw new Error(`GET /incidents/${id}/ answered ${res.status}`);
    return res.text();
  };
  const wideView = await server.incidents.view(wide.id);
  log('');
  log(
    `A. Incident page, ${SERVICES} services, ${wideView?.timeline.length} timeline entries, ${wideView?.suspects.length} suspects (first: ${wideView?.suspects[0]?.summary})`,
  );
  const baselinePage = await timed(RUNS, () => page(narrow.id));
  const widePage = await timed(RUNS, () => page(wide.id));
  log(`   baseline (1 service):  median ${ms(baselinePage.median)}, p95 ${ms(baselinePage.p95)}`);
  log(
    `   ${SERVICES} services:           median ${ms(widePage.median)}, p95 ${ms(widePage.p95)}   target <= ${PAGE_TARGET_MS} ms: ${verdict(widePage.median <= PAGE_TARGET_MS)}`,
  );

  // B: an incident a month ago, with EVENTS changes in its 6-hour window across the services.
  const bStart = now.getTime() - 30 * 24 * HOUR;
  const flood: DeploymentInput[] = Array.from({ length: EVENTS }, (_, i) => {
    const at = bStart - Math.floor(((i + 1) * 6 * HOUR) / (EVENTS + 1));
    return {
      service: refs[i % SERVICES] as string,
      environment: i % 3 === 0 ? 'staging' : 'production',
      version: `b.${i}`,
      status: 'succeeded',
      startedAt: new Date(at - 60_000).toISOString(),
      finishedAt: new Date(at).toISOString(),
      commits: [],
    };
  });
  for (let i = 0; i < flood.length; i += MAX_BATCH)
    await server.changes.recordDeployments('/bench', flood.slice(i, i + MAX_BATCH), SEEDER, undefined, true);
  const busy = (
    await server.incidents.declare(
      {
        service: refs[0] as string,
        services: refs.slice(1),
        severity: 'SEV2',
        title: 'Busy window',
        startedAt: new Date(bStart).toISOString(),
      },
      'bench',
    )
  ).incident;
  const [busyHistory, busyNotes] = await Promise.all([
    server.incidents.store.history(busy.id),
    server.incidents.store.notes(busy.id),
  ]);
  const whole = () =>
    Promise.all([server.incidents.timeline(busy, busyHistory, busyNotes), server.incidents.suspectsOf(busy)]);
  const paged = () =>
    Promise.all([
      server.incidents.timeline(busy, busyHistory, busyNotes, { limit: TIMELINE_PAGE_ENTRIES }),
      server.incidents.suspectsOf(busy),
    ]);
  const [[wholeTimeline, suspects], [pageTimeline]] = await Promise.all([whole(), paged()]);
  const events = wholeTimeline.total;
  log('');
  log(
    `B. Timeline query, ${events.toLocaleString('en')} timeline entries in the window (${EVENTS.toLocaleString('en')} events added)`,
  );
  // What the page's path answers is what reading the whole window answers: checked before it is timed.
  const scopeKeys = [...new Set(busy.services.map((r) => r.toLowerCase()))];
  const origins = await incidentScope(server.catalog.store, scopeKeys);
  const window = { since: new Date(bStart - 6 * HOUR).toISOString(), until: new Date(bStart + 1).toISOString() };
  const everything = (await server.changes.store.timeline([...origins.keys()], window, 20_000)).map((e) => ({
    ...e,
    origin: origins.get(e.service.toLowerCase()) ?? { relation: 'self' as const, ref: e.service, depth: 0 },
  }));
  const ranked = rankSuspects(everything, {
    startedAt: busy.milestones.started as string,
    windowHours: busy.windowHours,
    productionEnvironments: ['production'],
  });
  if (JSON.stringify(suspects) !== JSON.stringify(ranked))
    throw new Error('the suspects from the candidates differ from those of the whole window');
  if (
    pageTimeline.total !== wholeTimeline.total ||
    JSON.stringify(pageTimeline.entries) !== JSON.stringify(wholeTimeline.entries.slice(-TIMELINE_PAGE_ENTRIES))
  )
    throw new Error("the newest page differs from the whole timeline's newest entries");
  log(
    `   (checked: the page is the whole timeline's newest ${TIMELINE_PAGE_ENTRIES} of ${events.toLocaleString('en')}; the ${suspects.length} suspects are the whole window's ranking, first: ${suspects[0]?.summary})`,
  );
  const baselineQuery = await timed(RUNS, () => server.changes.timeline(refs[0] as string, window, 10_000));
  // The first query of issue 19: whole rows per batch of services, sorted in JavaScript.
  const scope = [...origins.keys()];
  const wholeRows = await timed(RUNS, () => server.changes.store.timeline(scope, window, 10_000));
  const wholeWindow = await timed(RUNS, whole);
  const busyQuery = await timed(RUNS, paged);
  log(
    `   baseline (one service's own timeline):          median ${ms(baselineQuery.median)}, p95 ${ms(baselineQuery.p95)}`,
  );
  log(`   whole rows, sorted in JS (first query):         median ${ms(wholeRows.median)}, p95 ${ms(wholeRows.p95)}`);
  log(
    `   whole window, narrow lines (before; API default): median ${ms(wholeWindow.median)}, p95 ${ms(wholeWindow.p95)}`,
  );
  log(
    `   the page's: count, newest ${TIMELINE_PAGE_ENTRIES}, suspects' candidates:  median ${ms(busyQuery.median)}, p95 ${ms(busyQuery.p95)}   target <= ${QUERY_TARGET_MS} ms: ${verdict(busyQuery.median <= QUERY_TARGET_MS)}`,
  );
  const busyPage = await timed(Math.max(5, Math.floor(RUNS / 3)), () => page(busy.id));
  log(
    `   (its whole incident page, the newest ${TIMELINE_PAGE_ENTRIES} of ${events.toLocaleString('en')} entries shown: median ${ms(busyPage.median)})`,
  );
  log(
    `Machine load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  return widePage.median <= PAGE_TARGET_MS && busyQuery.median <= QUERY_TARGET_MS ? 0 : 1;
}

await runBenchmark('incident benchmark', main, flags.keep === true);
