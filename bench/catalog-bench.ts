/**
 * The catalog benchmark: generate an N-entity catalog, sync it cold and warm into SQLite
 * (and PostgreSQL when reachable) through the real CLI, serve it, time an edit until the API
 * shows it, put open-loop Zipf load on entity lookups next to a bare node:http server in the
 * same run, and report the server's peak memory. Every step prints its numbers; the last
 * line is a one-line summary with PASS/FAIL per target (see docs in bench/README.md).
 *
 *   node --import tsx bench/catalog-bench.ts [--entities 50000] [--duration 20] [--skip-postgres]
 *
 * Exit status: 0 every target met, 1 some target missed, 2 the benchmark itself failed.
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeCatalog, generateCatalog, type GeneratedCatalog, type GeneratedEntity } from './generate-catalog.ts';
import { formatStats, runOpenLoop, type OpenLoopStats } from './load-generator.ts';
import { createRng, shuffle } from '../src/platform/prng.ts';
import {
  runBenchmark,
  cleanupOnSignals,
  cpuMs,
  gnuTime,
  httpGet,
  log,
  mb,
  numberFlag,
  onCleanup,
  postgresSchema,
  printProfile as printProfileOf,
  procStatus,
  runAtrium as runAtriumChild,
  sec,
  sleep,
  startBareServer,
  startServe,
  verdict,
  type ChildResult,
} from './support.ts';
import type { SyncReport } from '../src/catalog/sync.ts';

const DEFAULT_POSTGRES = 'postgres://postgres@127.0.0.1:5432/test';

const TARGETS = {
  coldSyncSec: 10,
  resyncSec: 1,
  editVisibleMs: 1000,
  lookupP99Ms: 20,
  lookupRatio: 1.5,
  serveRssMb: 300,
};

// ---------------------------------------------------------------------------------------------
// Options

const { values: flags } = parseArgs({
  options: {
    entities: { type: 'string', default: '50000' },
    duration: { type: 'string', default: '20' },
    'skip-postgres': { type: 'boolean', default: false },
    'postgres-url': { type: 'string', default: process.env.ATRIUM_BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES },
    seed: { type: 'string', default: '1' },
    rate: { type: 'string', default: '500' },
    'burst-rate': { type: 'string', default: '1500' },
    'burst-every': { type: 'string', default: '10' },
    'burst-length': { type: 'string', default: '1' },
    'max-in-flight': { type: 'string', default: '2000' },
    profile: { type: 'string' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});

if (flags.help) {
  process.stdout.write(`Usage: node --import tsx bench/catalog-bench.ts [options]

  --entities N        catalog size (default 50000)
  --duration S        seconds of load per server in the lookup phase (default 20)
  --skip-postgres     do not run the PostgreSQL sync step
  --postgres-url URL  base URL (default ${DEFAULT_POSTGRES}; or ATRIUM_BENCH_POSTGRES_URL)
  --seed N            generator and load seed (default 1)
  --rate R            base arrival rate, req/s (default 500)
  --burst-rate B      arrival rate during bursts, req/s (default 1500)
  --burst-every S     a burst every S seconds (default 10)
  --burst-length S    each burst lasts S seconds (default 1)
  --max-in-flight N   cap on outstanding requests (default 2000)
  --profile DIR       write V8 CPU profiles and SQL timings of the sync and serve
                      children to DIR and print their summaries
  --keep              keep the temporary directory (catalog, database, logs)
`);
  process.exit(0);
}

const opts = {
  entities: Math.round(numberFlag('entities', flags.entities, 200)),
  duration: numberFlag('duration', flags.duration, 1),
  skipPostgres: flags['skip-postgres'] ?? false,
  postgresUrl: flags['postgres-url'] ?? DEFAULT_POSTGRES,
  seed: Math.round(numberFlag('seed', flags.seed, 0)),
  rate: numberFlag('rate', flags.rate, 1),
  burstRate: numberFlag('burst-rate', flags['burst-rate'], 0),
  burstEvery: numberFlag('burst-every', flags['burst-every'], 0),
  burstLength: numberFlag('burst-length', flags['burst-length'], 0),
  maxInFlight: Math.round(numberFlag('max-in-flight', flags['max-in-flight'], 1)),
  profile: flags.profile ? resolve(flags.profile) : undefined,
  keep: flags.keep ?? false,
};

cleanupOnSignals();

/** The children's CPU profiles and SQL timings go to --profile DIR, when given. */
const runAtrium = (args: string[], workDir: string, label: string) =>
  runAtriumChild(args, workDir, label, { profileDir: opts.profile });
const printProfile = (label: string) => printProfileOf(opts.profile, label);

// ---------------------------------------------------------------------------------------------
// Child processes (helpers in support.ts)

interface SyncRun extends ChildResult {
  report: SyncReport;
}

async function runSync(catalogDir: string, database: string, workDir: string, label: string): Promise<SyncRun> {
  const result = await runAtrium(
    ['sync', '--catalog', catalogDir, '--database', database, '--format', 'json'],
    workDir,
    label,
  );
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  let report: SyncReport | undefined;
  try {
    report = JSON.parse(line) as SyncReport;
  } catch {
    report = undefined;
  }
  if (!report || (result.code !== 0 && result.code !== 65)) {
    throw new Error(
      `atrium sync (${label}) failed: exit ${result.code ?? result.signal} after ${sec(result.wallMs)}\n--- stdout\n${result.stdout.slice(-2000)}\n--- stderr\n${result.stderr.slice(-4000)}`,
    );
  }
  return { ...result, report };
}

/** `23.8 MB of YAML in 538 files, 476 B/entity`: what a cold sync reads. */
function yamlSize(catalog: GeneratedCatalog): string {
  return `${(catalog.yamlBytes / 1e6).toFixed(1)} MB of YAML in ${catalog.files} files, ${catalog.avgEntityYamlBytes} B/entity`;
}

/** With `catalog` (the cold syncs), the catalog's YAML size is printed next to the wall time. */
function describeSync(label: string, run: SyncRun, targetSec: number, catalog?: GeneratedCatalog): string {
  const r = run.report;
  const cpu =
    run.userSec !== undefined && run.sysSec !== undefined
      ? `, CPU ${run.userSec.toFixed(2)} s user + ${run.sysSec.toFixed(2)} s sys`
      : '';
  return (
    `${label}: wall ${sec(run.wallMs)}${catalog ? ` for ${yamlSize(catalog)}` : ''} (target <= ${targetSec} s: ${verdict(run.wallMs <= targetSec * 1000)}), ` +
    `sync itself ${sec(r.durationMs)}, peak RSS ${mb(run.peakRssMb)}${cpu}\n` +
    `  ${r.entities} entities from ${r.files} files (${r.parsedFiles} parsed): ${r.upserted} written, ${r.deleted} deleted, ` +
    `${r.errors} errors, ${r.warnings} warnings, changed=${r.changed}, exit ${run.code}`
  );
}

const entityPath = (e: Pick<GeneratedEntity, 'kind' | 'name'>) =>
  `/api/v1/entities/${e.kind}/default/${encodeURIComponent(e.name)}`;

// ---------------------------------------------------------------------------------------------
// The benchmark

interface Results {
  generateMs?: number;
  sqliteCold?: SyncRun;
  sqliteWarm?: SyncRun;
  postgresCold?: SyncRun;
  postgresWarm?: SyncRun;
  postgresNote?: string;
  serveReadyMs?: number;
  serveRssAtReadyMb?: number;
  editVisibleMs?: number;
  atrium?: OpenLoopStats;
  bare?: OpenLoopStats;
  serveHwmMb?: number;
  serveCpuPerRequestUs?: number;
}

async function main(): Promise<number> {
  const results: Results = {};
  const work = await mkdtemp(join(tmpdir(), 'atrium-bench-'));
  if (!opts.keep) onCleanup('temp dir', () => rm(work, { recursive: true, force: true }));
  if (opts.profile) await mkdir(opts.profile, { recursive: true });
  const catalogDir = join(work, 'catalog');
  const sqliteFile = join(work, 'db', 'atrium.db');
  log(
    `Atrium catalog benchmark: ${opts.entities} entities, seed ${opts.seed}, load ${opts.rate}/s with bursts to ${opts.burstRate}/s ` +
      `(${opts.burstLength} s every ${opts.burstEvery} s) for ${opts.duration} s per server; node ${process.version}; work dir ${work}${opts.keep ? ' (kept)' : ''}`,
  );
  log(`peak RSS of sync children via ${gnuTime ? 'GNU time -v' : 'a getrusage preload'}`);
  log();

  // a. Generate.
  log('== a. generate');
  const genStart = performance.now();
  const catalog: GeneratedCatalog = await generateCatalog({
    entities: opts.entities,
    outDir: catalogDir,
    seed: opts.seed,
  });
  results.generateMs = performance.now() - genStart;
  log(describeCatalog(catalog));
  log(`  generated in ${sec(results.generateMs)}`);
  log();

  // b, c. SQLite cold sync, then a re-sync with nothing changed.
  log('== b. cold sync into a fresh SQLite file');
  results.sqliteCold = await runSync(catalogDir, sqliteFile, work, 'sqlite-cold');
  log(describeSync('sqlite cold', results.sqliteCold, TARGETS.coldSyncSec, catalog));
  await printProfile('sqlite-cold');
  if (results.sqliteCold.report.entities !== catalog.documents) {
    log(
      `  WARNING: the catalog has ${catalog.documents} entities but the sync reports ${results.sqliteCold.report.entities}`,
    );
  }
  log();
  log('== c. re-sync, nothing changed (SQLite)');
  results.sqliteWarm = await runSync(catalogDir, sqliteFile, work, 'sqlite-resync');
  log(describeSync('sqlite re-sync', results.sqliteWarm, TARGETS.resyncSec));
  await printProfile('sqlite-resync');
  log();

  // d. PostgreSQL, in a fresh schema.
  log('== d. the same on PostgreSQL');
  if (opts.skipPostgres) {
    results.postgresNote = 'skipped (--skip-postgres)';
  } else {
    const created = await postgresSchema(opts.postgresUrl, 'catalog');
    if ('skipped' in created) {
      results.postgresNote = `skipped: ${created.skipped}`;
    } else {
      const { url, schema } = created;
      log(`schema ${schema}`);
      results.postgresCold = await runSync(catalogDir, url, work, 'postgres-cold');
      log(describeSync('postgres cold', results.postgresCold, TARGETS.coldSyncSec, catalog));
      await printProfile('postgres-cold');
      results.postgresWarm = await runSync(catalogDir, url, work, 'postgres-resync');
      log(describeSync('postgres re-sync', results.postgresWarm, TARGETS.resyncSec));
      await printProfile('postgres-resync');
    }
  }
  if (results.postgresNote) log(`postgres: ${results.postgresNote}`);
  log();

  // e. Serve; edit one file; time until the API shows the edit.
  log('== e. serve, then edit one file until the API shows it');
  const serve = await startServe({
    catalogDir,
    database: sqliteFile,
    workDir: work,
    label: 'serve',
    profileDir: opts.profile,
  });
  const { port, child: server, logFile: serveLog } = serve;
  results.serveReadyMs = serve.readyMs;
  const atReady = procStatus(server.pid);
  results.serveRssAtReadyMb = atReady.rssMb;
  log(
    `serve ready on 127.0.0.1:${port} after ${sec(results.serveReadyMs)} (startup sync of an unchanged catalog included); RSS ${mb(atReady.rssMb)}, peak so far ${mb(atReady.hwmMb)}`,
  );

  const components = catalog.entities.filter((e) => e.kind === 'component');
  const victim = components[Math.floor(components.length / 2)];
  if (!victim) throw new Error('the catalog has no components to edit');
  const before = await httpGet(port, entityPath(victim));
  if (before.status !== 200)
    throw new Error(
      `GET ${entityPath(victim)} returned ${before.status} before the edit: ${before.body.slice(0, 500)}`,
    );
  const victimFile = join(catalogDir, victim.file);
  const text = await readFile(victimFile, 'utf8');
  const anchor = text.indexOf(`\n  name: ${victim.name}\n`);
  const titleAt = anchor === -1 ? -1 : text.indexOf('\n  title: ', anchor + 1);
  if (titleAt === -1) throw new Error(`cannot find the title of ${victim.name} in ${victim.file}`);
  const titleEnd = text.indexOf('\n', titleAt + 1);
  const newTitle = `${victim.title} (edited by the benchmark)`;
  const edited = `${text.slice(0, titleAt)}\n  title: ${JSON.stringify(newTitle)}${text.slice(titleEnd)}`;
  const editStart = performance.now();
  await writeFile(victimFile, edited);
  let polls = 0;
  for (;;) {
    polls++;
    const now = performance.now();
    if (now - editStart > 60_000) {
      log(`edit of ${victim.file} (component ${victim.name}) not visible after 60 s (${polls} polls)`);
      break;
    }
    const res = await httpGet(port, entityPath(victim)).catch(() => undefined);
    if (res?.status === 200) {
      const title = (JSON.parse(res.body) as { entity?: { metadata?: { title?: string } } }).entity?.metadata?.title;
      if (title === newTitle) {
        results.editVisibleMs = performance.now() - editStart;
        break;
      }
    }
    await sleep(10);
  }
  if (results.editVisibleMs !== undefined) {
    log(
      `edit-to-visible: ${results.editVisibleMs.toFixed(0)} ms (target <= ${TARGETS.editVisibleMs} ms: ${verdict(results.editVisibleMs <= TARGETS.editVisibleMs)}); ` +
        `edited the title of component ${victim.name} in ${victim.file}, polled every 10 ms (${polls} polls)`,
    );
  }
  log();

  // f. Open-loop lookups: Atrium, then the bare server with a body of the same mean size.
  log('== f. entity lookups under open-loop Zipf(0.99) load');
  const ranked = shuffle(createRng(opts.seed + 7), catalog.entities.slice());
  const paths = ranked.map(entityPath);
  const load = async (targetPort: number) => {
    const before = loadavg()[0] ?? 0;
    const stats = await runOpenLoop({
      urls: paths.map((p) => `http://127.0.0.1:${targetPort}${p}`),
      rate: opts.rate,
      burstRate: opts.burstRate,
      burstEverySec: opts.burstEvery,
      burstLengthSec: opts.burstLength,
      durationSec: opts.duration,
      seed: opts.seed,
      maxInFlight: opts.maxInFlight,
    });
    loadNote = `  machine 1-min load average ${before.toFixed(2)} before this load, ${(loadavg()[0] ?? 0).toFixed(2)} after (${availableParallelism()} cores; other work competes)`;
    return stats;
  };
  let loadNote = '';
  const cpuBefore = cpuMs(server.pid);
  const logBefore = readFileSync(serveLog).length;
  results.atrium = await load(port);
  const cpuAfter = cpuMs(server.pid);
  log(formatStats('atrium', results.atrium));
  log(loadNote);
  if (cpuBefore !== undefined && cpuAfter !== undefined && results.atrium.completed > 0) {
    results.serveCpuPerRequestUs = ((cpuAfter - cpuBefore) * 1000) / results.atrium.completed;
    log(
      `  serve CPU during the load: ${sec(cpuAfter - cpuBefore)} = ${results.serveCpuPerRequestUs.toFixed(0)} us per request ` +
        `(${(((cpuAfter - cpuBefore) / (opts.duration * 1000)) * 100).toFixed(0)}% of one core); serve wrote ${((readFileSync(serveLog).length - logBefore) / 1e6).toFixed(1)} MB of logs`,
    );
  }

  // The floor: the same schedule and targets against a node:http server returning one
  // pre-rendered entity JSON padded to Atrium's mean response size in this run.
  const meanSize = results.atrium.meanBodyBytes || 2000;
  let sample = '';
  for (const p of paths.slice(0, 50)) {
    const res = await httpGet(port, p).catch(() => undefined);
    if (res?.status !== 200) continue;
    const size = Buffer.byteLength(res.body);
    if (size <= meanSize && size > Buffer.byteLength(sample)) sample = res.body;
  }
  if (sample === '') sample = JSON.stringify({ ref: 'component:default/sample', entity: {} });
  const parsed = JSON.parse(sample) as Record<string, unknown>;
  const base = JSON.stringify({ ...parsed, _pad: '' });
  const bareBody = JSON.stringify({ ...parsed, _pad: 'x'.repeat(Math.max(0, meanSize - Buffer.byteLength(base))) });
  const bare = await startBareServer({ body: bareBody, headers: { 'content-type': 'application/json' } });
  results.bare = await load(bare.port);
  await bare.stop();
  log(formatStats(`bare node:http (${Buffer.byteLength(bareBody)} B pre-rendered)`, results.bare));
  log(loadNote);
  const ratio = results.atrium.latency.p99 / results.bare.latency.p99;
  log(
    `p99 ratio atrium / bare: ${ratio.toFixed(2)}x (target <= ${TARGETS.lookupRatio}x: ${verdict(ratio <= TARGETS.lookupRatio)}); ` +
      `atrium p99 ${results.atrium.latency.p99.toFixed(2)} ms (target <= ${TARGETS.lookupP99Ms} ms: ${verdict(results.atrium.latency.p99 <= TARGETS.lookupP99Ms)})`,
  );
  const lagP99 = Math.max(results.atrium.sendLag.p99, results.bare.sendLag.p99);
  if (lagP99 > 5)
    log(
      `  NOTE: generator send lag p99 ${lagP99.toFixed(1)} ms: the generator itself is falling behind; latencies include it.`,
    );
  log();

  // g. Server memory.
  log('== g. serve peak memory');
  const status = procStatus(server.pid);
  results.serveHwmMb = status.hwmMb;
  log(
    `serve VmHWM (peak RSS) ${mb(status.hwmMb)} (target <= ${TARGETS.serveRssMb} MB: ${verdict(status.hwmMb === undefined ? undefined : status.hwmMb <= TARGETS.serveRssMb)}); ` +
      `VmRSS now ${mb(status.rssMb)}; RSS at ready ${mb(results.serveRssAtReadyMb)}`,
  );
  await serve.stop();
  await printProfile('serve');
  log();

  // h. Summary.
  return summary(results, catalog);
}

function summary(r: Results, catalog: GeneratedCatalog): number {
  const verdicts: boolean[] = [];
  const check = (ok: boolean | undefined) => {
    if (ok !== undefined) verdicts.push(ok);
    return verdict(ok);
  };
  const s = (v: number | undefined) => (v === undefined ? 'n/a' : `${(v / 1000).toFixed(2)}s`);
  const f = (v: number | undefined, digits = 1) => (v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits));
  const parts: string[] = [];
  parts.push(
    `entities=${opts.entities} yaml=${(catalog.yamlBytes / 1e6).toFixed(1)}MB/${catalog.files}files generate=${s(r.generateMs)}`,
  );
  const syncPart = (name: string, cold?: SyncRun, warm?: SyncRun) =>
    `${name} cold=${s(cold?.wallMs)} (sync ${s(cold?.report.durationMs)}, rss ${f(cold?.peakRssMb, 0)}MB) ${check(cold ? cold.wallMs <= TARGETS.coldSyncSec * 1000 : undefined)}` +
    ` resync=${s(warm?.wallMs)} (sync ${s(warm?.report.durationMs)}) ${check(warm ? warm.wallMs <= TARGETS.resyncSec * 1000 : undefined)}`;
  parts.push(syncPart('sqlite', r.sqliteCold, r.sqliteWarm));
  parts.push(
    r.postgresCold ? syncPart('postgres', r.postgresCold, r.postgresWarm) : `postgres ${r.postgresNote ?? 'n/a'}`,
  );
  parts.push(`serve-ready=${s(r.serveReadyMs)}`);
  parts.push(
    `edit-visible=${r.editVisibleMs === undefined ? 'timeout' : `${r.editVisibleMs.toFixed(0)}ms`} ${check(r.editVisibleMs !== undefined && r.editVisibleMs <= TARGETS.editVisibleMs)}`,
  );
  if (r.atrium && r.bare) {
    const a = r.atrium;
    const b = r.bare;
    const ratio = a.latency.p99 / b.latency.p99;
    parts.push(
      `lookup p50/p99/p99.9=${f(a.latency.p50, 2)}/${f(a.latency.p99, 2)}/${f(a.latency.p999, 2)}ms errors=${a.errors.total}/${a.scheduled} lag99=${f(a.sendLag.p99, 2)}ms ` +
        `p99<=${TARGETS.lookupP99Ms}ms ${check(a.latency.p99 <= TARGETS.lookupP99Ms)} no-errors ${check(a.errors.total === 0)}`,
    );
    parts.push(
      `bare p50/p99/p99.9=${f(b.latency.p50, 2)}/${f(b.latency.p99, 2)}/${f(b.latency.p999, 2)}ms errors=${b.errors.total} ratio=${f(ratio, 2)}x<=${TARGETS.lookupRatio}x ${check(ratio <= TARGETS.lookupRatio)}`,
    );
  } else {
    parts.push('lookup n/a');
  }
  if (r.serveCpuPerRequestUs !== undefined) parts.push(`serve-cpu/req=${r.serveCpuPerRequestUs.toFixed(0)}us`);
  parts.push(
    `serve-rss=${f(r.serveHwmMb, 0)}MB<=${TARGETS.serveRssMb} ${check(r.serveHwmMb === undefined ? undefined : r.serveHwmMb <= TARGETS.serveRssMb)}`,
  );
  const failed = verdicts.filter((v) => !v).length;
  log(`SUMMARY ${failed === 0 ? 'PASS' : `FAIL(${failed})`} | ${parts.join(' | ')}`);
  return failed === 0 ? 0 : 1;
}

await runBenchmark('catalog-bench', main, opts.keep);
