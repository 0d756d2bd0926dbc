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
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { describeCatalog, generateCatalog, type GeneratedCatalog, type GeneratedEntity } from './generate-catalog.ts';
import { formatStats, runOpenLoop, type OpenLoopStats } from './load-generator.ts';
import { createRng, shuffle } from './prng.ts';
import { summarizeProfile, summarizeSql } from './profile-summary.ts';
import type { SyncReport } from '../src/catalog/sync.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(REPO, 'bin', 'atrium.js');
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

function numberFlag(name: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}, not ${value}`);
  return n;
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

// ---------------------------------------------------------------------------------------------
// Cleanup: everything registered here runs at the end, on failure, and on SIGINT/SIGTERM.

const cleanups: { label: string; run: () => Promise<void> | void }[] = [];
let cleaning: Promise<void> | undefined;

function onCleanup(label: string, run: () => Promise<void> | void): () => void {
  const entry = { label, run };
  cleanups.push(entry);
  return () => {
    const i = cleanups.indexOf(entry);
    if (i !== -1) cleanups.splice(i, 1);
  };
}

function cleanupAll(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      const entry = cleanups.pop();
      if (!entry) break;
      try {
        await entry.run();
      } catch (err) {
        process.stderr.write(`cleanup (${entry.label}) failed: ${(err as Error).message}\n`);
      }
    }
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: cleaning up\n`);
    void cleanupAll().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------
// Output helpers

const log = (line = '') => process.stdout.write(`${line}\n`);
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? 'n/a' : `${v.toFixed(0)} MB`);
const verdict = (ok: boolean | undefined) => (ok === undefined ? 'n/a' : ok ? 'PASS' : 'FAIL');

// ---------------------------------------------------------------------------------------------
// Child processes

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  wallMs: number;
  stdout: string;
  stderr: string;
  /** Peak resident set size of the child, MB (undefined when it could not be measured). */
  peakRssMb?: number;
  userSec?: number;
  sysSec?: number;
}

/** GNU time, if installed: `-v -o FILE` gives the child's peak RSS and CPU times. */
const gnuTime = (() => {
  try {
    accessSync('/usr/bin/time', constants.X_OK);
    const probe = spawnSync('/usr/bin/time', ['-v', 'true'], { encoding: 'utf8' });
    return probe.stderr.includes('Maximum resident set size') ? '/usr/bin/time' : undefined;
  } catch {
    return undefined;
  }
})();

/**
 * Without GNU time, a preload makes the child write its own peak RSS (getrusage maxrss, kB)
 * and CPU times to a file as it exits.
 */
const RUSAGE_PRELOAD =
  'data:text/javascript,' +
  encodeURIComponent(
    "import{writeFileSync}from'node:fs';process.on('exit',()=>{const u=process.resourceUsage();" +
      'writeFileSync(process.env.ATRIUM_BENCH_RUSAGE_FILE,JSON.stringify({maxRSS:u.maxRSS,user:u.userCPUTime,system:u.systemCPUTime}))});',
  );

function parseGnuTime(text: string): { peakRssMb?: number; userSec?: number; sysSec?: number } {
  const num = (re: RegExp) => {
    const m = re.exec(text);
    return m?.[1] !== undefined ? Number(m[1]) : undefined;
  };
  const kb = num(/Maximum resident set size \(kbytes\): (\d+)/);
  return { peakRssMb: kb !== undefined ? kb / 1024 : undefined, userSec: num(/User time \(seconds\): ([\d.]+)/), sysSec: num(/System time \(seconds\): ([\d.]+)/) };
}

let runCounter = 0;

/**
 * With --profile: node flags for a CPU profile into DIR/label/ and the SQL timing preload
 * writing DIR/label.sql.json. Empty otherwise.
 */
function profilingFlags(label: string, env: NodeJS.ProcessEnv): string[] {
  if (!opts.profile) return [];
  env.ATRIUM_BENCH_SQL_FILE = join(opts.profile, `${label}.sql.json`);
  return [
    '--cpu-prof',
    `--cpu-prof-dir=${join(opts.profile, label)}`,
    '--import',
    import.meta.resolve('tsx'),
    '--import',
    pathToFileURL(join(REPO, 'bench', 'sql-timing.ts')).href,
  ];
}

/** Prints the summaries of what profilingFlags(label) produced (main thread only). */
async function printProfile(label: string): Promise<void> {
  if (!opts.profile) return;
  const dir = join(opts.profile, label);
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  for (const f of files) log(summarizeProfile(join(dir, f), 15));
  try {
    log(summarizeSql(join(opts.profile, `${label}.sql.json`), 12));
  } catch {
    log(`(no SQL timings for ${label})`);
  }
}

/** Runs `node bin/atrium.js ...args` to completion, measuring wall time, peak RSS and CPU. */
async function runAtrium(args: string[], workDir: string, label: string, timeoutMs = 15 * 60_000): Promise<ChildResult> {
  const id = ++runCounter;
  const env: NodeJS.ProcessEnv = { ...process.env };
  const nodeFlags = profilingFlags(label, env);
  const timeFile = join(workDir, `rusage-${id}.txt`);
  let command: string;
  let argv: string[];
  if (gnuTime) {
    command = gnuTime;
    argv = ['-v', '-o', timeFile, process.execPath, ...nodeFlags, BIN, ...args];
  } else {
    command = process.execPath;
    argv = ['--import', RUSAGE_PRELOAD, ...nodeFlags, BIN, ...args];
    env.ATRIUM_BENCH_RUSAGE_FILE = timeFile;
  }
  const started = performance.now();
  // Its own process group, so cleanup reaches node under GNU time too.
  const child = spawn(command, argv, { cwd: workDir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const forget = onCleanup(`child ${label}`, () => killChild(child));
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-64_000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done, fail) => {
    child.once('error', fail);
    child.once('close', (c, s) => done([c, s]));
  });
  clearTimeout(timer);
  forget();
  const wallMs = performance.now() - started;
  let usage: { peakRssMb?: number; userSec?: number; sysSec?: number } = {};
  try {
    const text = await readFile(timeFile, 'utf8');
    if (gnuTime) {
      usage = parseGnuTime(text);
      // GNU time appends "Command exited with non-zero status N" on failure; stderr stays the child's.
    } else {
      const u = JSON.parse(text) as { maxRSS: number; user: number; system: number };
      usage = { peakRssMb: u.maxRSS / 1024, userSec: u.user / 1e6, sysSec: u.system / 1e6 };
    }
  } catch {
    // The child died before writing its usage: leave it undefined.
  }
  return { code, signal, wallMs, stdout, stderr, ...usage };
}

/** Stops a child this benchmark spawned (detached: its whole process group), SIGKILL after the grace time. */
async function killChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      child.kill(sig);
    }
  };
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}


interface SyncRun extends ChildResult {
  report: SyncReport;
}

async function runSync(catalogDir: string, database: string, workDir: string, label: string): Promise<SyncRun> {
  const result = await runAtrium(['sync', '--catalog', catalogDir, '--database', database, '--format', 'json'], workDir, label);
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  let report: SyncReport | undefined;
  try {
    report = JSON.parse(line) as SyncReport;
  } catch {
    report = undefined;
  }
  if (!report || (result.code !== 0 && result.code !== 65)) {
    throw new Error(`atrium sync (${label}) failed: exit ${result.code ?? result.signal} after ${sec(result.wallMs)}\n--- stdout\n${result.stdout.slice(-2000)}\n--- stderr\n${result.stderr.slice(-4000)}`);
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
  const cpu = run.userSec !== undefined && run.sysSec !== undefined ? `, CPU ${run.userSec.toFixed(2)} s user + ${run.sysSec.toFixed(2)} s sys` : '';
  return (
    `${label}: wall ${sec(run.wallMs)}${catalog ? ` for ${yamlSize(catalog)}` : ''} (target <= ${targetSec} s: ${verdict(run.wallMs <= targetSec * 1000)}), ` +
    `sync itself ${sec(r.durationMs)}, peak RSS ${mb(run.peakRssMb)}${cpu}\n` +
    `  ${r.entities} entities from ${r.files} files (${r.parsedFiles} parsed): ${r.upserted} written, ${r.deleted} deleted, ` +
    `${r.errors} errors, ${r.warnings} warnings, changed=${r.changed}, exit ${run.code}`
  );
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers

const pollAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });

function httpGet(port: number, path: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: pollAgent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', fail);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', fail);
  });
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = net.createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

function procStatus(pid: number | undefined): { rssMb?: number; hwmMb?: number } {
  if (pid === undefined) return {};
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => {
      const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
      return m?.[1] !== undefined ? Number(m[1]) / 1024 : undefined;
    };
    return { rssMb: kb('VmRSS'), hwmMb: kb('VmHWM') };
  } catch {
    return {};
  }
}

/** User + system CPU time of a process so far, ms (from /proc; undefined elsewhere). */
function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10 : undefined; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

function tail(file: string, bytes = 3000): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.slice(-bytes);
  } catch {
    return '(no log)';
  }
}

const entityPath = (e: Pick<GeneratedEntity, 'kind' | 'name'>) => `/api/v1/entities/${e.kind}/default/${encodeURIComponent(e.name)}`;

// ---------------------------------------------------------------------------------------------
// The bare server: node:http returning one pre-rendered body, on its own thread (a worker in
// this process), so it does not share the load generator's event loop.

const BARE_SERVER = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const body = Buffer.from(workerData.body, 'utf8');
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
`;

async function startBareServer(body: string): Promise<{ port: number; stop: () => Promise<void> }> {
  const worker = new Worker(BARE_SERVER, { eval: true, workerData: { body } });
  const forget = onCleanup('bare server', async () => void (await worker.terminate()));
  const port = await new Promise<number>((done, fail) => {
    worker.once('message', (p: number) => done(p));
    worker.once('error', fail);
  });
  return {
    port,
    stop: async () => {
      forget();
      await worker.terminate();
    },
  };
}

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
  log(`Atrium catalog benchmark: ${opts.entities} entities, seed ${opts.seed}, load ${opts.rate}/s with bursts to ${opts.burstRate}/s ` +
    `(${opts.burstLength} s every ${opts.burstEvery} s) for ${opts.duration} s per server; node ${process.version}; work dir ${work}${opts.keep ? ' (kept)' : ''}`);
  log(`peak RSS of sync children via ${gnuTime ? 'GNU time -v' : 'a getrusage preload'}`);
  log();

  // a. Generate.
  log('== a. generate');
  const genStart = performance.now();
  const catalog: GeneratedCatalog = await generateCatalog({ entities: opts.entities, outDir: catalogDir, seed: opts.seed });
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
    log(`  WARNING: the catalog has ${catalog.documents} entities but the sync reports ${results.sqliteCold.report.entities}`);
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
    const probe = new pg.Client({ connectionString: opts.postgresUrl, connectionTimeoutMillis: 3000 });
    let reachable = true;
    try {
      await probe.connect();
      await probe.query('select 1');
    } catch (err) {
      reachable = false;
      results.postgresNote = `skipped: PostgreSQL at ${opts.postgresUrl} is unreachable (${(err as Error).message})`;
    }
    if (reachable) {
      const schema = `atrium_bench_${process.pid}_${Date.now()}`;
      try {
        await probe.query(`create schema ${schema}`);
      } finally {
        await probe.end().catch(() => {});
      }
      onCleanup(`drop schema ${schema}`, async () => {
        const client = new pg.Client({ connectionString: opts.postgresUrl, connectionTimeoutMillis: 3000 });
        await client.connect();
        try {
          await client.query(`drop schema if exists ${schema} cascade`);
        } finally {
          await client.end();
        }
      });
      const url = `${opts.postgresUrl}${opts.postgresUrl.includes('?') ? '&' : '?'}options=-c%20search_path%3D${schema}`;
      log(`schema ${schema}`);
      results.postgresCold = await runSync(catalogDir, url, work, 'postgres-cold');
      log(describeSync('postgres cold', results.postgresCold, TARGETS.coldSyncSec, catalog));
      await printProfile('postgres-cold');
      results.postgresWarm = await runSync(catalogDir, url, work, 'postgres-resync');
      log(describeSync('postgres re-sync', results.postgresWarm, TARGETS.resyncSec));
      await printProfile('postgres-resync');
    } else {
      await probe.end().catch(() => {});
    }
  }
  if (results.postgresNote) log(`postgres: ${results.postgresNote}`);
  log();

  // e. Serve; edit one file; time until the API shows the edit.
  log('== e. serve, then edit one file until the API shows it');
  const port = await freePort();
  const serveLog = join(work, 'serve.log');
  const logFd = openSync(serveLog, 'a');
  const serveEnv: NodeJS.ProcessEnv = { ...process.env };
  const serveFlags = profilingFlags('serve', serveEnv);
  const serveStart = performance.now();
  const server = spawn(process.execPath, [...serveFlags, BIN, 'serve', '--catalog', catalogDir, '--database', sqliteFile, '--port', String(port)], {
    cwd: work,
    env: serveEnv,
    detached: true,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  onCleanup('serve child', () => killChild(server, 10_000));
  let serverExited = false;
  server.once('exit', () => (serverExited = true));
  for (;;) {
    if (serverExited) throw new Error(`atrium serve exited before it was ready (exit ${server.exitCode ?? server.signalCode})\n${tail(serveLog)}`);
    if (performance.now() - serveStart > 10 * 60_000) throw new Error(`atrium serve not ready after 10 minutes\n${tail(serveLog)}`);
    const ready = await httpGet(port, '/readyz', 2000).catch(() => undefined);
    if (ready?.status === 200) break;
    await sleep(50);
  }
  results.serveReadyMs = performance.now() - serveStart;
  const atReady = procStatus(server.pid);
  results.serveRssAtReadyMb = atReady.rssMb;
  log(`serve ready on 127.0.0.1:${port} after ${sec(results.serveReadyMs)} (startup sync of an unchanged catalog included); RSS ${mb(atReady.rssMb)}, peak so far ${mb(atReady.hwmMb)}`);

  const components = catalog.entities.filter((e) => e.kind === 'component');
  const victim = components[Math.floor(components.length / 2)];
  if (!victim) throw new Error('the catalog has no components to edit');
  const before = await httpGet(port, entityPath(victim));
  if (before.status !== 200) throw new Error(`GET ${entityPath(victim)} returned ${before.status} before the edit: ${before.body.slice(0, 500)}`);
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
    log(`edit-to-visible: ${results.editVisibleMs.toFixed(0)} ms (target <= ${TARGETS.editVisibleMs} ms: ${verdict(results.editVisibleMs <= TARGETS.editVisibleMs)}); ` +
      `edited the title of component ${victim.name} in ${victim.file}, polled every 10 ms (${polls} polls)`);
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
    log(`  serve CPU during the load: ${sec(cpuAfter - cpuBefore)} = ${results.serveCpuPerRequestUs.toFixed(0)} us per request ` +
      `(${(((cpuAfter - cpuBefore) / (opts.duration * 1000)) * 100).toFixed(0)}% of one core); serve wrote ${((readFileSync(serveLog).length - logBefore) / 1e6).toFixed(1)} MB of logs`);
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
  const bare = await startBareServer(bareBody);
  results.bare = await load(bare.port);
  await bare.stop();
  log(formatStats(`bare node:http (${Buffer.byteLength(bareBody)} B pre-rendered)`, results.bare));
  log(loadNote);
  const ratio = results.atrium.latency.p99 / results.bare.latency.p99;
  log(`p99 ratio atrium / bare: ${ratio.toFixed(2)}x (target <= ${TARGETS.lookupRatio}x: ${verdict(ratio <= TARGETS.lookupRatio)}); ` +
    `atrium p99 ${results.atrium.latency.p99.toFixed(2)} ms (target <= ${TARGETS.lookupP99Ms} ms: ${verdict(results.atrium.latency.p99 <= TARGETS.lookupP99Ms)})`);
  const lagP99 = Math.max(results.atrium.sendLag.p99, results.bare.sendLag.p99);
  if (lagP99 > 5) log(`  NOTE: generator send lag p99 ${lagP99.toFixed(1)} ms: the generator itself is falling behind; latencies include it.`);
  log();

  // g. Server memory.
  log('== g. serve peak memory');
  const status = procStatus(server.pid);
  results.serveHwmMb = status.hwmMb;
  log(`serve VmHWM (peak RSS) ${mb(status.hwmMb)} (target <= ${TARGETS.serveRssMb} MB: ${verdict(status.hwmMb === undefined ? undefined : status.hwmMb <= TARGETS.serveRssMb)}); ` +
    `VmRSS now ${mb(status.rssMb)}; RSS at ready ${mb(results.serveRssAtReadyMb)}`);
  await killChild(server, 10_000);
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
  parts.push(`entities=${opts.entities} yaml=${(catalog.yamlBytes / 1e6).toFixed(1)}MB/${catalog.files}files generate=${s(r.generateMs)}`);
  const syncPart = (name: string, cold?: SyncRun, warm?: SyncRun) =>
    `${name} cold=${s(cold?.wallMs)} (sync ${s(cold?.report.durationMs)}, rss ${f(cold?.peakRssMb, 0)}MB) ${check(cold ? cold.wallMs <= TARGETS.coldSyncSec * 1000 : undefined)}` +
    ` resync=${s(warm?.wallMs)} (sync ${s(warm?.report.durationMs)}) ${check(warm ? warm.wallMs <= TARGETS.resyncSec * 1000 : undefined)}`;
  parts.push(syncPart('sqlite', r.sqliteCold, r.sqliteWarm));
  parts.push(r.postgresCold ? syncPart('postgres', r.postgresCold, r.postgresWarm) : `postgres ${r.postgresNote ?? 'n/a'}`);
  parts.push(`serve-ready=${s(r.serveReadyMs)}`);
  parts.push(`edit-visible=${r.editVisibleMs === undefined ? 'timeout' : `${r.editVisibleMs.toFixed(0)}ms`} ${check(r.editVisibleMs !== undefined && r.editVisibleMs <= TARGETS.editVisibleMs)}`);
  if (r.atrium && r.bare) {
    const a = r.atrium;
    const b = r.bare;
    const ratio = a.latency.p99 / b.latency.p99;
    parts.push(
      `lookup p50/p99/p99.9=${f(a.latency.p50, 2)}/${f(a.latency.p99, 2)}/${f(a.latency.p999, 2)}ms errors=${a.errors.total}/${a.scheduled} lag99=${f(a.sendLag.p99, 2)}ms ` +
        `p99<=${TARGETS.lookupP99Ms}ms ${check(a.latency.p99 <= TARGETS.lookupP99Ms)} no-errors ${check(a.errors.total === 0)}`,
    );
    parts.push(`bare p50/p99/p99.9=${f(b.latency.p50, 2)}/${f(b.latency.p99, 2)}/${f(b.latency.p999, 2)}ms errors=${b.errors.total} ratio=${f(ratio, 2)}x<=${TARGETS.lookupRatio}x ${check(ratio <= TARGETS.lookupRatio)}`);
  } else {
    parts.push('lookup n/a');
  }
  if (r.serveCpuPerRequestUs !== undefined) parts.push(`serve-cpu/req=${r.serveCpuPerRequestUs.toFixed(0)}us`);
  parts.push(`serve-rss=${f(r.serveHwmMb, 0)}MB<=${TARGETS.serveRssMb} ${check(r.serveHwmMb === undefined ? undefined : r.serveHwmMb <= TARGETS.serveRssMb)}`);
  const failed = verdicts.filter((v) => !v).length;
  log(`SUMMARY ${failed === 0 ? 'PASS' : `FAIL(${failed})`} | ${parts.join(' | ')}`);
  return failed === 0 ? 0 : 1;
}

let exitCode = 2;
try {
  exitCode = await main();
} catch (err) {
  process.stderr.write(`\ncatalog-bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  exitCode = 2;
} finally {
  await cleanupAll();
  pollAgent.destroy();
}
if (opts.keep) log('(temporary directory kept: --keep)');
// Leftover handles (keep-alive sockets, pg) must not hold the process open.
await sleep(10);
process.exit(exitCode);
