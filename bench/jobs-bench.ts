/**
 * The scheduled jobs benchmark (issue 18's speed target for jobs): JOBS jobs with
 * per-minute schedules (`* * * * *`, an http action to a loopback URL) in a generated
 * catalog, claimed over MINUTES simulated minutes by three replicas — three servers
 * (`createServer`), each with database connections of its own, on one injected clock —
 * whose claim passes run concurrently every minute, as each replica's claim loop would.
 * Baseline in the same run: one replica on a fresh database of the same kind, so the cost
 * of the race is visible.
 *
 * Measured per replica set: the claim pass (one replica's `jobs.tick()` over every job)
 * p50 / p95 / p99 / max, and the claim latency of each tick — from the minute's passes
 * starting (the tick is due then) to the commit of the claim that won it. Verified: every
 * (job, tick) has exactly one run and one work order (counted per dedup key), and the
 * claims the replicas report add up to JOBS × MINUTES (a tick claimed twice would count
 * twice). Target: every tick claimed once, claim latency p99 <= 200 ms.
 *
 *   JOBS=1000 MINUTES=10 [ONLY=sqlite|postgres] npm run bench:jobs
 *
 * PostgreSQL at ATRIUM_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test),
 * in fresh schemas dropped at the end. Exit status: 0 every target met, 1 some target
 * missed, 2 the benchmark itself failed.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { JOB_WORK_KIND } from '../src/jobs/model.ts';
import { type Database, openDatabase } from '../src/platform/db/connect.ts';
import { silentLogger } from '../src/platform/log.ts';
import { loadAssets } from '../src/portal/assets.ts';
import { type AtriumServer, createServer } from '../src/server.ts';
import { log, numberFlag, onCleanup, postgresSchema, runBenchmark, verdict } from './support.ts';

const JOBS = numberFlag('JOBS', process.env.JOBS ?? '1000', 1);
const MINUTES = numberFlag('MINUTES', process.env.MINUTES ?? '10', 1);
/** `sqlite` or `postgres` runs that one alone (default both). */
const ONLY = process.env.ONLY;
const POSTGRES_URL = process.env.ATRIUM_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const LATENCY_TARGET_MS = 200;
const START = Date.parse('2026-12-07T12:00:00.000Z');
/** Services the jobs are spread over. */
const SERVICES = 10;

/** One catalog-info.yaml: the team, its services and the jobs spread over them. */
async function writeCatalog(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const docs = [
    'apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: platform\nspec:\n  type: team\n  children: []\n',
  ];
  for (let i = 0; i < SERVICES; i++)
    docs.push(
      `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc-${i}\nspec:\n  type: service\n  lifecycle: production\n  owner: platform\n`,
    );
  for (let i = 0; i < JOBS; i++)
    docs.push(
      `apiVersion: atrium.dev/v1\nkind: Job\nmetadata:\n  name: job-${i}\nspec:\n  service: component:svc-${i % SERVICES}\n  schedule: "* * * * *"\n  action: { http: { method: POST, url: "http://127.0.0.1:9/job-${i}" } }\n`,
    );
  await writeFile(join(dir, 'catalog-info.yaml'), docs.join('---\n'));
}

const quantile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;

interface Distribution {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  n: number;
}

function distribution(values: number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    p99: quantile(sorted, 0.99),
    max: sorted.at(-1) ?? Number.NaN,
    n: sorted.length,
  };
}

interface Outcome {
  passes: Distribution;
  claims: Distribution;
  /** Ticks the replicas report claiming, summed. */
  claimed: number;
  runs: number;
  orders: number;
  distinctOrders: number;
  /** Jobs whose runs are not exactly the MINUTES expected ticks. */
  wrongJobs: number;
  exactlyOnce: boolean;
  load: string;
}

const loadNow = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** R servers on `target` claim MINUTES minutes of ticks, their passes concurrent each minute. */
async function claimRace(target: string, replicas: number, catalogDir: string): Promise<Outcome> {
  let nowMs = START;
  const assets = await loadAssets();
  const databases: Database[] = [];
  const servers: AtriumServer[] = [];
  try {
    for (let r = 0; r < replicas; r++) {
      const database = await openDatabase(target);
      databases.push(database);
      const server = createServer({
        database,
        logger: silentLogger(),
        catalog: catalogDir,
        assets,
        defaultMetrics: false,
        watch: false,
        writesMaxLoopDelayMs: false,
        replica: `bench-${r}`,
        now: () => new Date(nowMs),
        runnerNow: () => nowMs,
        runnerLongPollMs: 0,
      });
      await server.syncCatalog();
      const jobs = (await server.jobs.list()).length;
      if (jobs !== JOBS) throw new Error(`the catalog holds ${jobs} jobs, not ${JOBS}`);
      servers.push(server);
    }
    // The claim latency of a tick: from its minute's passes starting to the commit of the claim that won it.
    let minuteStarted = 0;
    const claims: number[] = [];
    for (const server of servers) {
      const store = server.jobs.store;
      const claimAll = store.claimAll.bind(store);
      store.claimAll = async (...args) => {
        const won = await claimAll(...args);
        // Every claim a batch won committed together: each one's latency is the batch's commit.
        const at = performance.now() - minuteStarted;
        for (let i = 0; i < won.size; i++) claims.push(at);
        return won;
      };
    }
    // First sight: each job's claim row starts now; then a warm-up minute (statement caches, JIT), not measured.
    await Promise.all(servers.map((s) => s.jobs.tick()));
    nowMs += 60_000;
    let claimed = (await Promise.all(servers.map((s) => s.jobs.tick()))).reduce((a, b) => a + b.claimed, 0);
    claims.length = 0;
    const passes: number[] = [];
    for (let minute = 1; minute < MINUTES; minute++) {
      nowMs += 60_000;
      minuteStarted = performance.now();
      const results = await Promise.all(
        servers.map(async (s) => {
          const started = performance.now();
          const result = await s.jobs.tick();
          passes.push(performance.now() - started);
          return result.claimed;
        }),
      );
      claimed += results.reduce((a, b) => a + b, 0);
    }
    const db = servers[0]?.jobs.store.db;
    if (!db) throw new Error('no replica');
    const orders = await db
      .selectFrom('work_runs')
      .select([sql<number>`count(*)`.as('n'), sql<number>`count(distinct dedup_key)`.as('distinct')])
      .where('kind', '=', JOB_WORK_KIND)
      .executeTakeFirstOrThrow();
    const perJob = await db
      .selectFrom('job_runs')
      .select([
        'job_key',
        sql<number>`count(*)`.as('n'),
        sql<number>`min(tick_ms)`.as('first'),
        sql<number>`max(tick_ms)`.as('last'),
      ])
      .groupBy('job_key')
      .execute();
    const runs = perJob.reduce((a, r) => a + Number(r.n), 0);
    const wrongJobs =
      JOBS -
      perJob.filter(
        (r) =>
          Number(r.n) === MINUTES && Number(r.first) === START + 60_000 && Number(r.last) === START + MINUTES * 60_000,
      ).length;
    const expected = JOBS * MINUTES;
    return {
      passes: distribution(passes),
      claims: distribution(claims),
      claimed,
      runs,
      orders: Number(orders.n),
      distinctOrders: Number(orders.distinct),
      wrongJobs,
      exactlyOnce:
        claimed === expected &&
        runs === expected &&
        Number(orders.n) === expected &&
        Number(orders.distinct) === expected &&
        wrongJobs === 0,
      load: loadNow(),
    };
  } finally {
    for (const database of databases) await database.close();
  }
}

const ms = (v: number) => `${v.toFixed(1)} ms`;

function report(label: string, outcome: Outcome): void {
  const { passes: p, claims: c } = outcome;
  log(
    `  ${label.padEnd(22)} pass p50 ${ms(p.p50)}, p95 ${ms(p.p95)}, p99 ${ms(p.p99)}, max ${ms(p.max)} (${p.n} passes)`,
  );
  log(
    `  ${''.padEnd(22)} claim latency p50 ${ms(c.p50)}, p95 ${ms(c.p95)}, p99 ${ms(c.p99)}, max ${ms(c.max)} (${c.n} claims)`,
  );
  log(
    `  ${''.padEnd(22)} claimed ${outcome.claimed}, runs ${outcome.runs}, work orders ${outcome.orders} (${outcome.distinctOrders} dedup keys), jobs with wrong ticks ${outcome.wrongJobs}: exactly once ${verdict(outcome.exactlyOnce)} (load ${outcome.load})`,
  );
}

async function main(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'atrium-jobs-bench-'));
  onCleanup('temporary directory', () => rm(dir, { recursive: true, force: true }));
  const catalogDir = join(dir, 'catalog');
  await writeCatalog(catalogDir);
  log(`Machine: ${cpus().length} cores, load average ${loadNow()}`);
  log(`${JOBS} jobs (* * * * *), ${MINUTES} minutes: ${JOBS * MINUTES} ticks per replica set`);
  const targets: { label: string; target: (name: string) => Promise<string | undefined> }[] = [];
  if (ONLY !== 'postgres') {
    targets.push({ label: 'sqlite', target: async (name) => join(dir, `${name}.db`) });
  }
  if (ONLY !== 'sqlite') {
    targets.push({
      label: 'postgres',
      target: async (name) => {
        const schema = await postgresSchema(POSTGRES_URL, `jobs_${name}`);
        if ('skipped' in schema) {
          log(`postgres: skipped (${schema.skipped})`);
          return undefined;
        }
        return schema.url;
      },
    });
  }
  let met = true;
  for (const { label, target } of targets) {
    const single = await target('one');
    const three = await target('three');
    if (single === undefined || three === undefined) continue;
    log('');
    log(`${label}:`);
    const baseline = await claimRace(single, 1, catalogDir);
    report('1 replica (baseline)', baseline);
    const raced = await claimRace(three, 3, catalogDir);
    report('3 replicas', raced);
    const ok = raced.exactlyOnce && baseline.exactlyOnce && raced.claims.p99 <= LATENCY_TARGET_MS;
    log(
      `  target: every tick claimed once, claim latency p99 <= ${LATENCY_TARGET_MS} ms on 3 replicas: ${verdict(ok)} (3 replicas / 1: pass p99 ${(raced.passes.p99 / baseline.passes.p99).toFixed(1)}×)`,
    );
    met = met && ok;
  }
  log('');
  log(`Machine load average at the end: ${loadNow()}`);
  return met ? 0 : 1;
}

await runBenchmark('jobs benchmark', main, false);
