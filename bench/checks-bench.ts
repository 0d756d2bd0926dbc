/**
 * The checks benchmark (issue #18's speed target): one runner executes N HTTP checks at a
 * 1-minute interval against a local target with schedule drift p99 <= 1 s and result
 * ingestion keeping up (npm run bench:checks). A generated catalog of N `kind: Check`
 * entities (`type: http`, `interval: 1m`, `locations: [local]`, all aimed at a loopback
 * target answering 200 from a worker thread), synced by the server; the server's
 * CheckService orders rounds on the real clock once a second (as its `check-rounds` task
 * does) from the next minute boundary for MINUTES rounds, and one RunnerAgent (in-process
 * transport, CONCURRENCY slots) leases, runs and reports them, each outcome recorded by the
 * checks' handler in the runners' transaction. Measured from the queue's own rows:
 * drift = a run's start − its round's due time, runs finished per round against runs
 * ordered, the backlog (ordered, not finished) when the last round ends, check results
 * recorded, ingestion (a run's outcome recorded − its start: the run, its report and the
 * checks' handler), and the event loop's delay. Baseline in the same run: the same with BASELINE
 * checks. SQLite always; PostgreSQL too when ATRIUM_TEST_POSTGRES_URL is set.
 *
 * Then, at CHECKS only and while the checks go on running, the pages (PAGES seconds per
 * phase, 0 to skip): open-loop load with the portal benchmark's schedule (RATE req/s with
 * bursts to BURST_RATE for 1 s every 10 s, Zipf over the targets) from a thread of its own,
 * first on the service page and the checks' entity pages, then on the lists (the catalog's
 * checks, the checks API a page at a time); each against a bare node:http server answering
 * the same bytes on the same schedule. Targets: the portal's p99 ratios, 1.5× for entity
 * pages and 3× for lists.
 *
 * Each check runs at its fixed offset within the minute (a hash of its key), so a round's
 * runs are spread over the minute and each run's drift is measured against its own due
 * time (the round's boundary plus the offset). The rounds task starts WARMUP seconds
 * before the first measured round: on its first pass it orders every check's round last
 * due (late, as a replica starting mid-interval does), a burst that is not the steady
 * state measured. After the last measured round the runs still unfinished get DRAIN
 * seconds to finish before the backlog is counted.
 *
 *   CHECKS=10000 BASELINE=1000 MINUTES=2 WARMUP=60 DRAIN=10 CONCURRENCY=64 GATHER_MS=50 REPORT_WAIT_MS=50 PAGES=20 RATE=778 BURST_RATE=3000 [ONLY=sqlite|postgres] npm run bench:checks
 *
 * BASELINE=0 measures the target alone.
 *
 * Exit status: 0 the target met at CHECKS, 1 missed, 2 the benchmark itself failed.
 */
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { checkExecutor } from '../src/checks/check-executor.ts';
import { type Database, openDatabase } from '../src/platform/db/connect.ts';
import { silentLogger } from '../src/platform/log.ts';
import { loadAssets } from '../src/portal/assets.ts';
import { RunnerAgent } from '../src/runners/agent.ts';
import { inProcessTransport } from '../src/runners/transport.ts';
import { createServer } from '../src/server.ts';
import { formatStats, type OpenLoopStats, runOpenLoopInWorker } from './load-generator.ts';
import {
  httpGetBytes,
  log,
  onCleanup,
  postgresSchema,
  runBenchmark,
  sleep,
  startBareServer,
  verdict,
} from './support.ts';

const CHECKS = Number(process.env.CHECKS ?? 10_000);
const BASELINE = Number(process.env.BASELINE ?? 1_000);
const MINUTES = Number(process.env.MINUTES ?? 2);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 64);
const WARMUP_MS = Number(process.env.WARMUP ?? 60) * 1000;
const DRAIN_MS = Number(process.env.DRAIN ?? 10) * 1000;
const ONLY = process.env.ONLY;
/** A waiting lease wakes this long after the next due time, taking the runs due meanwhile too (RunnerService's gatherMs). */
const GATHER_MS = Number(process.env.GATHER_MS ?? 50);
/** The runner's first report of a batch waits this long for others (RunnerAgent's reportBatchWaitMs). */
const REPORT_WAIT_MS = Number(process.env.REPORT_WAIT_MS ?? 50);
/** Seconds of load per page phase (0: no page phases). */
const PAGES_SEC = Number(process.env.PAGES ?? 20);
const RATE = Number(process.env.RATE ?? 778);
const BURST_RATE = Number(process.env.BURST_RATE ?? 3000);
const MINUTE_MS = 60_000;
/** The target: drift p99 within a second. */
const DRIFT_P99_MS = 1000;

const load = () => `load ${loadavg()[0]?.toFixed(2)}`;
const quantile = (sorted: readonly number[], q: number) =>
  sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number);

interface Spread {
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

const spread = (sorted: readonly number[]): Spread => ({
  min: sorted[0] ?? Number.NaN,
  p50: quantile(sorted, 0.5),
  p95: quantile(sorted, 0.95),
  p99: quantile(sorted, 0.99),
  max: sorted.at(-1) ?? Number.NaN,
});

/** N checks of one service, every one a GET of the loopback target each minute. */
function catalogYaml(checks: number, url: string): string {
  const docs = [
    'apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: { name: platform }\nspec: { type: team, children: [] }',
    'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: { name: target }\nspec: { type: service, lifecycle: production, owner: platform }',
  ];
  for (let i = 0; i < checks; i++)
    docs.push(
      `apiVersion: atrium.dev/v1\nkind: Check\nmetadata: { name: check-${String(i).padStart(5, '0')} }\nspec:\n  service: target\n  type: http\n  interval: 1m\n  timeout: 5s\n  locations: [local]\n  http: { url: "${url}/c/${i}", assertions: ["status == 200"] }`,
    );
  return `${docs.join('\n---\n')}\n`;
}

interface Result {
  label: string;
  checks: number;
  ordered: number;
  finished: number;
  recorded: number;
  backlog: number;
  missed: number;
  perRound: string;
  /** Start − due (the round's boundary plus the check's offset). */
  drift: Spread;
  /** Due − order written: how far ahead rounds were queued (negative: late). */
  lead: Spread;
  /** Recorded − started (lease to outcome recorded: the run itself, its report and its ingestion). */
  ingestion: Spread;
  loopP99: number;
  loopMax: number;
  loadAtEnd: string;
  /** The page phases (at CHECKS only). */
  pages: PagePhase[];
}

interface PagePhase {
  name: string;
  atrium: OpenLoopStats;
  bare: OpenLoopStats;
  ratio: number;
  target: number;
}

/**
 * The pages under open-loop load while the checks keep running (`keepRunning` orders their
 * rounds meanwhile), each phase against a bare server answering Atrium's bytes.
 */
async function pagesUnderLoad(
  server: ReturnType<typeof createServer>,
  checks: number,
  keepRunning: () => Promise<void>,
): Promise<PagePhase[]> {
  const http = createHttpServer(server.listener);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  const names = Array.from({ length: checks }, (_, i) => `check-${String(i).padStart(5, '0')}`);
  const phases = [
    {
      name: 'service page and check pages',
      target: 1.5,
      paths: ['/catalog/default/component/target/', ...names.map((n) => `/catalog/default/check/${n}/`)],
      accept: 'text/html',
    },
    {
      name: 'lists: the catalog’s checks and the checks API',
      target: 3,
      // The first 20 pages of 50 (both lists' page size), or as many as there are.
      paths: Array.from({ length: Math.min(20, Math.ceil(checks / 50)) }, (_, i) => [
        `/catalog/?kind=check&page=${i + 1}`,
        `/api/v1/checks?offset=${i * 50}`,
      ]).flat(),
      accept: 'text/html, application/json',
    },
  ];
  let running = true;
  const ordering = (async () => {
    while (running) {
      await keepRunning();
      await sleep(1000 - (Date.now() % 1000));
    }
  })();
  const results: PagePhase[] = [];
  try {
    for (const phase of phases) {
      // Unmeasured: every target once, so both servers answer from what a visitor would find.
      const pages = new Map<string, Buffer>();
      let contentType = 'text/html; charset=utf-8';
      for (const path of phase.paths) {
        const res = await httpGetBytes(port, path, 60_000, { accept: phase.accept });
        if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
        pages.set(path, res.body);
        contentType = String(res.headers['content-type'] ?? contentType);
      }
      const schedule = {
        rate: RATE,
        burstRate: BURST_RATE,
        burstEverySec: 10,
        burstLengthSec: 1,
        durationSec: PAGES_SEC,
        seed: 1,
        headers: { accept: phase.accept },
      };
      const atrium = await runOpenLoopInWorker({
        ...schedule,
        urls: phase.paths.map((p) => `http://127.0.0.1:${port}${p}`),
      });
      log(formatStats(`atrium ${phase.name} (${load()})`, atrium));
      const bare = await startBareServer({ headers: { 'content-type': contentType }, pages });
      const floor = await runOpenLoopInWorker({
        ...schedule,
        urls: phase.paths.map((p) => `http://127.0.0.1:${bare.port}${p}`),
      });
      await bare.stop();
      log(formatStats(`bare node:http, the same ${pages.size} bodies (${load()})`, floor));
      const ratio = atrium.latency.p99 / floor.latency.p99;
      log(
        `${phase.name}: p99 ratio ${ratio.toFixed(2)}× (target ≤ ${phase.target}×), errors ${atrium.errors.total}: ${verdict(ratio <= phase.target && atrium.errors.total === 0)}`,
      );
      results.push({ name: phase.name, atrium, bare: floor, ratio, target: phase.target });
    }
  } finally {
    running = false;
    await ordering;
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  }
  return results;
}

async function measure(label: string, checks: number, database: Database, targetUrl: string): Promise<Result> {
  const dir = await mkdtemp(join(tmpdir(), 'atrium-checks-bench-'));
  onCleanup(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'catalog'));
  await writeFile(join(dir, 'catalog', 'catalog-info.yaml'), catalogYaml(checks, targetUrl));
  const server = createServer({
    database,
    logger: silentLogger(),
    catalog: join(dir, 'catalog'),
    assets: await loadAssets(),
    defaultMetrics: false,
    watch: false,
    writesMaxLoopDelayMs: false,
    runnerGatherMs: GATHER_MS,
  });
  let t = performance.now();
  const sync = await server.syncCatalog();
  log(`${label}: synced ${checks} checks in ${Math.round(performance.now() - t)} ms (${load()})`);
  if (sync.errors > 0 || sync.entities !== checks + 2)
    throw new Error(`catalog sync: ${sync.entities} entities, ${sync.errors} errors (expected ${checks + 2}, none)`);

  const agent = new RunnerAgent({
    name: 'bench-1',
    version: 'bench',
    settings: {
      location: 'local',
      tags: [],
      allowedPrivateTargets: ['127.0.0.1'],
      allowedCommands: [],
      allowedWorkingDirectories: [],
      allowedEnvironment: [],
    },
    concurrency: CONCURRENCY,
    transport: inProcessTransport(server.runners),
    executors: [checkExecutor()],
    logger: silentLogger(),
    reportBatchWaitMs: REPORT_WAIT_MS,
  });
  const running = agent.run();

  // Measured: the runs due from the first minute boundary after the warm-up, for MINUTES minutes.
  const first = Math.ceil((Date.now() + WARMUP_MS) / MINUTE_MS) * MINUTE_MS;
  const end = first + MINUTES * MINUTE_MS;
  log(`${label}: measuring runs due from ${new Date(first).toISOString()} for ${MINUTES} min (${load()})`);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  let failures = 0;
  // As the `check-rounds` and `runner-lease-expiry` tasks: every second, on this replica, until the last
  // measured run is due. The expiry records runs past their deadline as missed, as it does in `serve`:
  // without it they stay queued, and every lease walks past them.
  while (Date.now() < end) {
    if (Date.now() >= first) loop.enable();
    await server.checks.schedule().catch(() => failures++);
    await server.runners.expire().catch(() => failures++);
    await sleep(Math.min(1000 - (Date.now() % 1000), end - Date.now()));
  }
  loop.disable();
  const loadAtEnd = load();
  const unfinished = () =>
    database.db
      .selectFrom('work_runs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('due_ms', '>=', first)
      .where('due_ms', '<', end)
      .where('state', 'in', ['queued', 'leased'])
      .executeTakeFirstOrThrow();
  const drainUntil = Date.now() + DRAIN_MS;
  while (Number((await unfinished()).n) > 0 && Date.now() < drainUntil) await sleep(250);

  t = performance.now();
  const db = database.db;
  const rows = await db
    .selectFrom('work_runs')
    .select(['due_ms', 'created_ms', 'started_ms', 'finished_ms', 'state'])
    .where('due_ms', '>=', first)
    .where('due_ms', '<', end)
    .execute();
  const recorded = await db
    .selectFrom('check_results as c')
    .innerJoin('work_runs as w', 'w.run_id', 'c.run_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('w.due_ms', '>=', first)
    .where('w.due_ms', '<', end)
    .executeTakeFirstOrThrow();
  const pages =
    checks === CHECKS && PAGES_SEC > 0
      ? await pagesUnderLoad(server, checks, async () => {
          await server.checks.schedule().catch(() => failures++);
          await server.runners.expire().catch(() => failures++);
        })
      : [];
  await agent.stop(5000);
  await running;

  const finished = rows.filter((r) => r.state === 'finished');
  const sorted = (values: number[]) => values.sort((a, b) => a - b);
  const drifts = sorted(finished.map((r) => Number(r.started_ms) - Number(r.due_ms)));
  const lead = sorted(rows.map((r) => Number(r.due_ms) - Number(r.created_ms)));
  const ingestion = sorted(finished.map((r) => Number(r.finished_ms) - Number(r.started_ms)));
  const perRound: string[] = [];
  for (let round = first; round < end; round += MINUTE_MS) {
    const inRound = rows.filter((r) => Number(r.due_ms) >= round && Number(r.due_ms) < round + MINUTE_MS);
    perRound.push(`${inRound.filter((r) => r.state === 'finished').length}/${inRound.length}`);
  }
  if (failures > 0) log(`${label}: ordering a round failed ${failures} times`);
  return {
    label,
    checks,
    ordered: rows.length,
    finished: finished.length,
    recorded: Number(recorded.n),
    backlog: rows.filter((r) => r.state === 'queued' || r.state === 'leased').length,
    missed: rows.filter((r) => r.state === 'missed').length,
    perRound: perRound.join(', '),
    drift: spread(drifts),
    lead: spread(lead),
    ingestion: spread(ingestion),
    loopP99: loop.percentile(99) / 1e6,
    loopMax: loop.max / 1e6,
    loadAtEnd,
    pages,
  };
}

function table(results: readonly Result[]): void {
  const ms = (v: number) => (Number.isNaN(v) ? '—' : `${Math.round(v)}`);
  log('');
  log(
    '| run | checks | ordered | finished (per minute) | recorded | backlog after drain | drift p50 / p95 / p99 / max ms | started → recorded p50 / p99 / max ms | queued ahead min / p50 ms | loop delay p99 / max ms | load at end |',
  );
  log('|---|---:|---:|---|---:|---:|---|---|---|---|---|');
  for (const r of results)
    log(
      `| ${r.label} | ${r.checks} | ${r.ordered} | ${r.finished} (${r.perRound}) | ${r.recorded} | ${r.backlog} | ${ms(r.drift.p50)} / ${ms(r.drift.p95)} / ${ms(r.drift.p99)} / ${ms(r.drift.max)} | ${ms(r.ingestion.p50)} / ${ms(r.ingestion.p99)} / ${ms(r.ingestion.max)} | ${ms(r.lead.min)} / ${ms(r.lead.p50)} | ${ms(r.loopP99)} / ${ms(r.loopMax)} | ${r.loadAtEnd} |`,
    );
  const phases = results.flatMap((r) => r.pages.map((p) => ({ label: r.label, ...p })));
  if (phases.length === 0) return;
  const ms2 = (v: number) => v.toFixed(2);
  log('');
  log('| run | pages | atrium p50 / p99 ms | bare p50 / p99 ms | p99 ratio | target | errors |');
  log('|---|---|---|---|---:|---:|---:|');
  for (const p of phases)
    log(
      `| ${p.label} | ${p.name} | ${ms2(p.atrium.latency.p50)} / ${ms2(p.atrium.latency.p99)} | ${ms2(p.bare.latency.p50)} / ${ms2(p.bare.latency.p99)} | ${p.ratio.toFixed(2)}× | ≤ ${p.target}× | ${p.atrium.errors.total} |`,
    );
}

async function main(): Promise<number> {
  log(
    `checks bench: ${CHECKS} checks (baseline ${BASELINE}), ${MINUTES} rounds of 1 min, ${CONCURRENCY} slots, ${cpus().length} cores, ${load()}`,
  );
  const target = await startBareServer({ headers: { 'content-type': 'text/plain' }, body: 'ok' });
  const url = `http://127.0.0.1:${target.port}`;
  const databases: { name: string; open: () => Promise<Database> }[] = [];
  if (ONLY !== 'postgres')
    databases.push({
      name: 'sqlite',
      open: async () => {
        const dir = await mkdtemp(join(tmpdir(), 'atrium-checks-db-'));
        onCleanup(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
        return openDatabase(join(dir, 'bench.db'));
      },
    });
  const postgresUrl = process.env.ATRIUM_TEST_POSTGRES_URL;
  if (ONLY !== 'sqlite' && postgresUrl)
    databases.push({
      name: 'postgres',
      open: async () => {
        const schema = await postgresSchema(postgresUrl, 'checks');
        if ('skipped' in schema) throw new Error(schema.skipped);
        return openDatabase(schema.url);
      },
    });
  else if (ONLY === 'postgres') throw new Error('ONLY=postgres needs ATRIUM_TEST_POSTGRES_URL');

  const results: Result[] = [];
  let met = true;
  // BASELINE=0: the target alone.
  for (const { name, open } of databases)
    for (const checks of BASELINE > 0 ? [BASELINE, CHECKS] : [CHECKS]) {
      const database = await open();
      try {
        const r = await measure(`${name} ${checks === CHECKS ? 'target' : 'baseline'}`, checks, database, url);
        results.push(r);
        const ok = r.drift.p99 <= DRIFT_P99_MS && r.backlog === 0 && r.finished === r.ordered;
        log(
          `${r.label}: ${r.finished}/${r.ordered} finished, backlog ${r.backlog}, drift p99 ${Math.round(r.drift.p99)} ms: ${verdict(ok)}`,
        );
        if (checks === CHECKS) met &&= ok && r.pages.every((p) => p.ratio <= p.target && p.atrium.errors.total === 0);
      } finally {
        await database.close();
      }
    }
  await target.stop();
  table(results);
  return met ? 0 : 1;
}

await runBenchmark('checks bench', main, false);
