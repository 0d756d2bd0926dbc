/**
 * What the benchmark scripts share: cleanup on exit and Ctrl-C, output helpers, child
 * processes of the real CLI (`node bin/atrium.js ...`) with wall time, peak RSS and CPU, an
 * `atrium serve` child that is waited on until /readyz answers, optional CPU profiles of the
 * children, small HTTP helpers, /proc readings, and the bare `node:http` server that is
 * every latency target's floor.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { summarizeProfile, summarizeSql } from './profile-summary.ts';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = join(REPO, 'bin', 'atrium.js');

// ---------------------------------------------------------------------------------------------
// Cleanup: everything registered here runs at the end, on failure, and on SIGINT/SIGTERM.

const cleanups: { label: string; run: () => Promise<void> | void }[] = [];
let cleaning: Promise<void> | undefined;

/** Registers a cleanup step (run last-registered first); returns a function that unregisters it. */
export function onCleanup(label: string, run: () => Promise<void> | void): () => void {
  const entry = { label, run };
  cleanups.push(entry);
  return () => {
    const i = cleanups.indexOf(entry);
    if (i !== -1) cleanups.splice(i, 1);
  };
}

export function cleanupAll(): Promise<void> {
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
    pollAgent.destroy();
  })();
  return cleaning;
}

/** On SIGINT/SIGTERM: run every cleanup, then exit 130. */
export function cleanupOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: cleaning up\n`);
      void cleanupAll().finally(() => process.exit(130));
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Output helpers

export const log = (line = ''): void => void process.stdout.write(`${line}\n`);
export const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
export const mb = (v: number | undefined): string =>
  v === undefined || !Number.isFinite(v) ? 'n/a' : `${v.toFixed(0)} MB`;
export const verdict = (ok: boolean | undefined): string => (ok === undefined ? 'n/a' : ok ? 'PASS' : 'FAIL');
export const sleep = (ms: number): Promise<void> => new Promise<void>((done) => setTimeout(done, ms));

/**
 * Runs a benchmark's main and exits with its status: 0 every target met, 1 some missed,
 * 2 the benchmark itself failed. Cleans up temporary files and children either way.
 */
export async function runBenchmark(name: string, main: () => Promise<number>, keep: boolean): Promise<never> {
  let exitCode = 2;
  try {
    exitCode = await main();
  } catch (err) {
    process.stderr.write(`\n${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    exitCode = 2;
  } finally {
    await cleanupAll();
  }
  if (keep) log('(temporary directory kept: --keep)');
  // Leftover handles (keep-alive sockets, pg) must not hold the process open.
  await sleep(10);
  process.exit(exitCode);
}

export function numberFlag(name: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}, not ${value}`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Child processes

export interface ChildResult {
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
export const gnuTime: string | undefined = (() => {
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
  return {
    peakRssMb: kb !== undefined ? kb / 1024 : undefined,
    userSec: num(/User time \(seconds\): ([\d.]+)/),
    sysSec: num(/System time \(seconds\): ([\d.]+)/),
  };
}

let runCounter = 0;

/**
 * With a profile directory: node flags for a CPU profile into DIR/label/ and the SQL timing
 * preload writing DIR/label.sql.json (the env gets its file). Empty without one.
 */
export function profilingFlags(profileDir: string | undefined, label: string, env: NodeJS.ProcessEnv): string[] {
  if (!profileDir) return [];
  env.ATRIUM_BENCH_SQL_FILE = join(profileDir, `${label}.sql.json`);
  return [
    '--cpu-prof',
    `--cpu-prof-dir=${join(profileDir, label)}`,
    '--import',
    import.meta.resolve('tsx'),
    '--import',
    pathToFileURL(join(REPO, 'bench', 'sql-timing.ts')).href,
  ];
}

/** Prints the summaries of what profilingFlags(dir, label) produced (main thread only). */
export async function printProfile(
  profileDir: string | undefined,
  label: string,
  options: { from?: number; to?: number; sql?: boolean } = {},
): Promise<void> {
  if (!profileDir) return;
  const dir = join(profileDir, label);
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  for (const f of files) log(summarizeProfile(join(dir, f), 15, { from: options.from, to: options.to }));
  if (options.sql === false) return;
  try {
    log(summarizeSql(join(profileDir, `${label}.sql.json`), 12));
  } catch {
    log(`(no SQL timings for ${label})`);
  }
}

export interface RunNodeOptions {
  /** Working directory; the rusage file is written here too. */
  cwd: string;
  label: string;
  timeoutMs?: number;
  /** Node flags before the script (e.g. from profilingFlags). */
  nodeFlags?: string[];
  env?: NodeJS.ProcessEnv;
}

/** Runs `node [flags] script ...args` to completion, measuring wall time, peak RSS and CPU. */
export async function runNode(scriptAndArgs: string[], options: RunNodeOptions): Promise<ChildResult> {
  const id = ++runCounter;
  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env) };
  const nodeFlags = options.nodeFlags ?? [];
  const timeFile = join(options.cwd, `rusage-${id}.txt`);
  let command: string;
  let argv: string[];
  if (gnuTime) {
    command = gnuTime;
    argv = ['-v', '-o', timeFile, process.execPath, ...nodeFlags, ...scriptAndArgs];
  } else {
    command = process.execPath;
    argv = ['--import', RUSAGE_PRELOAD, ...nodeFlags, ...scriptAndArgs];
    env.ATRIUM_BENCH_RUSAGE_FILE = timeFile;
  }
  const started = performance.now();
  // Its own process group, so cleanup reaches node under GNU time too.
  const child = spawn(command, argv, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const forget = onCleanup(`child ${options.label}`, () => killChild(child));
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-64_000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15 * 60_000);
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

/** Runs `node bin/atrium.js ...args` (with profiling when profileDir is set). */
export function runAtrium(
  args: string[],
  workDir: string,
  label: string,
  options: { profileDir?: string; timeoutMs?: number } = {},
): Promise<ChildResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const nodeFlags = profilingFlags(options.profileDir, label, env);
  return runNode([BIN, ...args], { cwd: workDir, label, timeoutMs: options.timeoutMs, nodeFlags, env });
}

/** Stops a child this benchmark spawned (detached: its whole process group), SIGKILL after the grace time. */
export async function killChild(child: ChildProcess, graceMs = 5000): Promise<void> {
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

export interface ServeChild {
  child: ChildProcess;
  pid: number | undefined;
  port: number;
  /** Spawn to the first /readyz 200, ms. */
  readyMs: number;
  logFile: string;
  exited: () => boolean;
  stop: () => Promise<void>;
}

/**
 * Starts `node bin/atrium.js serve --catalog DIR --database DB --port P [...extraArgs]` on a
 * free port (or the one given) (its own process group; stdout and stderr appended to workDir/<label>.log) and
 * waits until /readyz answers 200.
 */
export async function startServe(options: {
  catalogDir: string;
  database: string;
  workDir: string;
  label: string;
  extraArgs?: string[];
  profileDir?: string;
  readyTimeoutMs?: number;
  /** The port to listen on (a restarted server keeps its clients' address); a free one by default. */
  port?: number;
  /** More environment for serve (e.g. ATRIUM_GITHUB_WEBHOOK_SECRET). */
  env?: NodeJS.ProcessEnv;
}): Promise<ServeChild> {
  const port = options.port ?? (await freePort());
  const logFile = join(options.workDir, `${options.label}.log`);
  const logFd = openSync(logFile, 'a');
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  // ATRIUM_BENCH_SERVE_FLAGS: more node flags for serve alone, e.g. --trace-gc-nvp to see its collections.
  const flags = [
    ...profilingFlags(options.profileDir, options.label, env),
    ...(process.env.ATRIUM_BENCH_SERVE_FLAGS ?? '').split(' ').filter(Boolean),
  ];
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      ...flags,
      BIN,
      'serve',
      '--catalog',
      options.catalogDir,
      '--database',
      options.database,
      '--port',
      String(port),
      ...(options.extraArgs ?? []),
    ],
    { cwd: options.workDir, env, detached: true, stdio: ['ignore', logFd, logFd] },
  );
  closeSync(logFd);
  const forget = onCleanup(`${options.label} child`, () => killChild(child, 10_000));
  let exited = false;
  child.once('exit', () => (exited = true));
  const readyTimeoutMs = options.readyTimeoutMs ?? 10 * 60_000;
  for (;;) {
    if (exited)
      throw new Error(
        `atrium serve exited before it was ready (exit ${child.exitCode ?? child.signalCode})\n${tail(logFile)}`,
      );
    if (performance.now() - started > readyTimeoutMs)
      throw new Error(`atrium serve not ready after ${sec(readyTimeoutMs)}\n${tail(logFile)}`);
    const ready = await httpGet(port, '/readyz', 2000).catch(() => undefined);
    if (ready?.status === 200) break;
    await sleep(50);
  }
  return {
    child,
    pid: child.pid,
    port,
    readyMs: performance.now() - started,
    logFile,
    exited: () => exited,
    stop: async () => {
      forget();
      await killChild(child, 10_000);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

/**
 * A fresh schema `atrium_bench_<label>_<pid>_<ms>` on the server at baseUrl, dropped at
 * cleanup: `url` selects it through the connection's startup options, as `--database` is
 * given it. `skipped` says why not when the server is unreachable.
 */
export async function postgresSchema(
  baseUrl: string,
  label: string,
): Promise<{ url: string; schema: string } | { skipped: string }> {
  const probe = new pg.Client({ connectionString: baseUrl, connectionTimeoutMillis: 3000 });
  const schema = `atrium_bench_${label}_${process.pid}_${Date.now()}`;
  try {
    await probe.connect();
    await probe.query(`create schema ${schema}`);
  } catch (err) {
    return { skipped: `PostgreSQL at ${baseUrl} is unreachable (${(err as Error).message})` };
  } finally {
    await probe.end().catch(() => {});
  }
  onCleanup(`drop schema ${schema}`, async () => {
    const client = new pg.Client({ connectionString: baseUrl, connectionTimeoutMillis: 3000 });
    await client.connect();
    try {
      await client.query(`drop schema if exists ${schema} cascade`);
    } finally {
      await client.end();
    }
  });
  return { url: `${baseUrl}${baseUrl.includes('?') ? '&' : '?'}options=-c%20search_path%3D${schema}`, schema };
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers

const pollAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });

export interface GetResult {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** A GET on 127.0.0.1 over a small keep-alive pool (the body as UTF-8). */
export function httpGet(
  port: number,
  path: string,
  timeoutMs = 5000,
  headers: http.OutgoingHttpHeaders = {},
): Promise<GetResult> {
  return httpGetBytes(port, path, timeoutMs, headers).then((r) => ({
    status: r.status,
    body: r.body.toString('utf8'),
    headers: r.headers,
  }));
}

/** The same, with the body as bytes. */
export function httpGetBytes(
  port: number,
  path: string,
  timeoutMs = 5000,
  headers: http.OutgoingHttpHeaders = {},
): Promise<{ status: number; body: Buffer; headers: http.IncomingHttpHeaders }> {
  return new Promise((done, fail) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: pollAgent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
      res.on('error', fail);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', fail);
  });
}

export async function freePort(): Promise<number> {
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

// ---------------------------------------------------------------------------------------------
// /proc readings (Linux; undefined elsewhere)

/** VmRSS (now) and VmHWM (peak) of a process, MB. */
export function procStatus(pid: number | undefined): { rssMb?: number; hwmMb?: number } {
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

/** User + system CPU time of a process so far, ms. */
export function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10 : undefined; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

export function tail(file: string, bytes = 3000): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.slice(-bytes);
  } catch {
    return '(no log)';
  }
}

// ---------------------------------------------------------------------------------------------
// The bare server: node:http returning pre-rendered bytes, on its own thread (a worker in
// this process), so it does not share the load generator's event loop. Either one body for
// every path, or a body per exact request path (path and query, as sent); the same headers
// on every response, plus content-length.

const BARE_SERVER = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const toBuffer = (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const withLength = (body) => ({ body, headers: { ...workerData.headers, 'content-length': body.length } });
const pages = new Map(workerData.pages.map(([path, body]) => [path, withLength(toBuffer(body))]));
const fallback = workerData.body ? withLength(toBuffer(workerData.body)) : undefined;
const server = http.createServer((req, res) => {
  const page = pages.get(req.url) || fallback;
  if (!page) {
    res.writeHead(404, { 'content-length': 0 });
    res.end();
    return;
  }
  res.writeHead(200, page.headers);
  res.end(page.body);
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
`;

export interface BareServerOptions {
  /** Response headers besides content-length (at least content-type). */
  headers: Readonly<Record<string, string>>;
  /** The body for every path not in `pages`. */
  body?: string | Buffer;
  /** A body per exact request path (e.g. `/catalog/?page=2`). */
  pages?: ReadonlyMap<string, Buffer>;
}

export async function startBareServer(
  options: BareServerOptions,
): Promise<{ port: number; stop: () => Promise<void> }> {
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? Buffer.from(options.body, 'utf8')
        : options.body;
  const worker = new Worker(BARE_SERVER, {
    eval: true,
    workerData: { headers: options.headers, body, pages: [...(options.pages ?? new Map<string, Buffer>())] },
  });
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
