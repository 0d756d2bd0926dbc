/**
 * The fault benchmark (issue 14): the fault-injection run that found the issue's failures,
 * repeatable. Against the real `atrium serve` (node bin/atrium.js) on loopback, each
 * scenario drives deployment writes (POST /api/v1/deployments) from concurrent clients that
 * behave like a CI job: one Idempotency-Key per logical write, retried with the same key
 * after a refusal (as long as Retry-After says), a connection error or a request unanswered
 * for 15 s. Then the clients' acknowledgements are compared with the rows in the database.
 *
 *  1. kill -9 (SQLite, PostgreSQL): the server is SIGKILLed K times at seeded random moments
 *     during the writes and restarted on the same port.
 *  2. connection-cut (PostgreSQL): serve reaches PostgreSQL through a loopback TCP proxy that
 *     resets every connection N times during the writes; every second cut is followed by an
 *     outage (new connections refused) as a failover would be. Also counted: serve's exits
 *     (must be 0) and its /readyz transitions.
 *  3. slow-body (SQLite, PostgreSQL): 64 sockets trickle unauthenticated bodies to
 *     /api/v1/webhooks/github (reopened whenever the server closes one) while a token holder
 *     writes; the same writes without them, in the same run, are the baseline.
 *
 *   node --import tsx bench/faults-bench.ts [--quick] [--json] [--seed 14] [--skip-postgres]
 *                                           [--postgres-url URL] [--keep]
 *
 * Exit status: 0 nothing lost, duplicated, stalled or abandoned, serve never exited on its
 * own, slow-body p99 under 1 s; 1 otherwise; 2 the benchmark itself failed.
 */
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { TokenService } from '../src/auth/service.ts';
import { TokenStore } from '../src/auth/store.ts';
import { openDatabase } from '../src/platform/db/connect.ts';
import { createRng, type Rng } from '../src/platform/prng.ts';
import { startTcpProxy } from '../test/support/tcp-proxy.ts';
import { summarize } from './load-generator.ts';
import {
  cleanupOnSignals,
  freePort,
  httpGet,
  log,
  onCleanup,
  postgresSchema,
  runBenchmark,
  type ServeChild,
  sleep,
  startServe,
  tail,
  verdict,
} from './support.ts';
import { tallyWrites, type WriteTally } from './write-tally.ts';

const DEFAULT_POSTGRES = 'postgres://postgres@127.0.0.1:5432/test';
const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    seed: { type: 'string', default: '14' },
    'skip-postgres': { type: 'boolean', default: false },
    'postgres-url': { type: 'string', default: process.env.ATRIUM_BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES },
    keep: { type: 'boolean', default: false },
  },
});
const SEED = Number(flags.seed);
const POSTGRES_URL = flags['postgres-url'] ?? DEFAULT_POSTGRES;

/** --quick: under a minute in all; the default: a few minutes. */
const SIZES = flags.quick
  ? { writers: 4, kills: 2, killGapMs: [300, 1500], cuts: 4, cutGapMs: [300, 1000], outageMs: 1000, slowWrites: 100 }
  : { writers: 8, kills: 9, killGapMs: [500, 4000], cuts: 12, cutGapMs: [500, 2500], outageMs: 2000, slowWrites: 1000 };
const SLOW_SOCKETS = 64;
const SLOW_WRITERS = 4;
/** An attempt unanswered this long is stalled: the client gives up on it and retries (the issue's 15 s). */
const STALL_MS = 15_000;
/** A logical write not acknowledged this long after its first attempt is abandoned, as a CI job would fail. */
const GIVE_UP_MS = 60_000;
/** The issue's bar for authenticated writes while slow sockets are held. */
const SLOW_P99_TARGET_MS = 1000;
const WEBHOOK_SECRET = 'faults-bench-webhook-secret';

/** With --json only the JSON document goes to stdout; progress goes to stderr. */
const say = flags.json ? (line = '') => void process.stderr.write(`${line}\n`) : log;

// ---------------------------------------------------------------------------------------------
// The clients

interface WriteStats {
  /** Every key sent, in order. */
  sent: string[];
  /** Keys answered 2xx. */
  acknowledged: string[];
  /** 2xx answers carrying Idempotent-Replayed: the first attempt had committed, its answer was lost. */
  replayed: number;
  attempts: number;
  /** Attempts unanswered within STALL_MS. */
  stalled: number;
  /** Attempts that met a refused, reset or cut connection. */
  connectionErrors: number;
  /** Non-2xx answers by status. */
  refusals: Record<string, number>;
  /** Logical writes never acknowledged: refused with a 4xx that retrying cannot fix, or past GIVE_UP_MS. */
  abandoned: number;
  /** First attempt to acknowledgement, per acknowledged write, ms. */
  latencyMs: number[];
}

const emptyStats = (): WriteStats => ({
  sent: [],
  acknowledged: [],
  replayed: 0,
  attempts: 0,
  stalled: 0,
  connectionErrors: 0,
  refusals: {},
  abandoned: 0,
  latencyMs: [],
});

function mergeStats(all: WriteStats[]): WriteStats {
  const merged = emptyStats();
  for (const s of all) {
    merged.sent.push(...s.sent);
    merged.acknowledged.push(...s.acknowledged);
    merged.latencyMs.push(...s.latencyMs);
    merged.replayed += s.replayed;
    merged.attempts += s.attempts;
    merged.stalled += s.stalled;
    merged.connectionErrors += s.connectionErrors;
    merged.abandoned += s.abandoned;
    for (const [status, n] of Object.entries(s.refusals)) merged.refusals[status] = (merged.refusals[status] ?? 0) + n;
  }
  return merged;
}

type Attempt =
  | { kind: 'answer'; status: number; retryAfterSec: number | undefined; replayed: boolean }
  | { kind: 'stalled' }
  | { kind: 'failed'; code: string };

const DEPLOYED_AT = Date.now() - 3_600_000;

function deploymentBody(version: string): string {
  return JSON.stringify({
    service: 'checkout',
    environment: 'production',
    version,
    status: 'succeeded',
    startedAt: new Date(DEPLOYED_AT - 300_000).toISOString(),
    finishedAt: new Date(DEPLOYED_AT).toISOString(),
  });
}

function attemptWrite(agent: http.Agent, port: number, token: string, key: string): Promise<Attempt> {
  const body = deploymentBody(key);
  return new Promise((done) => {
    let settled = false;
    const finish = (attempt: Attempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done(attempt);
    };
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/v1/deployments',
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${token}`,
          'idempotency-key': key,
        },
      },
      (res) => {
        res.resume();
        const retryAfter = Number(res.headers['retry-after']);
        res.on('end', () =>
          finish({
            kind: 'answer',
            status: res.statusCode ?? 0,
            retryAfterSec: Number.isFinite(retryAfter) ? retryAfter : undefined,
            replayed: res.headers['idempotent-replayed'] === 'true',
          }),
        );
        // A body cut off before its end: the answer never fully arrived.
        res.on('close', () => finish({ kind: 'failed', code: 'response cut' }));
      },
    );
    const timer = setTimeout(() => {
      finish({ kind: 'stalled' });
      req.destroy();
    }, STALL_MS);
    req.on('error', (err: NodeJS.ErrnoException) => finish({ kind: 'failed', code: err.code ?? err.message }));
    req.end(body);
  });
}

interface Writers {
  stats: WriteStats;
  /** Resolves once every client has finished its current logical write (after stop, or the limit). */
  finished: Promise<WriteStats>;
  /** No new logical writes; resolves as `finished`. */
  stop(): Promise<WriteStats>;
}

/**
 * `clients` concurrent CI-like clients writing deployments `<prefix>-<client>-<n>`, each
 * logical write retried with its key until acknowledged: after Retry-After on 408/429/503
 * (1 s without one), after 50-150 ms on a connection error, at once after a stall. Until
 * stopped, or `limit` logical writes in all.
 */
function startWriters(options: {
  clients: number;
  port: number;
  token: string;
  prefix: string;
  limit?: number;
}): Writers {
  const stats = emptyStats();
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.clients });
  let running = true;
  let issued = 0;
  const client = async (c: number, rng: Rng) => {
    for (let n = 0; running && (options.limit === undefined || issued < options.limit); n++) {
      issued++;
      const key = `${options.prefix}-${c}-${n}`;
      stats.sent.push(key);
      const first = performance.now();
      for (;;) {
        stats.attempts++;
        const attempt = await attemptWrite(agent, options.port, options.token, key);
        if (attempt.kind === 'answer' && attempt.status >= 200 && attempt.status < 300) {
          stats.acknowledged.push(key);
          stats.latencyMs.push(performance.now() - first);
          if (attempt.replayed) stats.replayed++;
          break;
        }
        if (performance.now() - first > GIVE_UP_MS) {
          stats.abandoned++;
          break;
        }
        if (attempt.kind === 'stalled') {
          stats.stalled++;
          continue;
        }
        if (attempt.kind === 'failed') {
          stats.connectionErrors++;
          await sleep(50 + rng() * 100);
          continue;
        }
        stats.refusals[attempt.status] = (stats.refusals[attempt.status] ?? 0) + 1;
        const retryable = attempt.status === 408 || attempt.status === 429 || attempt.status >= 500;
        if (!retryable) {
          stats.abandoned++;
          break;
        }
        await sleep(Math.min(attempt.retryAfterSec ?? 1, 5) * 1000);
      }
    }
  };
  const finished = Promise.all(
    Array.from({ length: options.clients }, (_, c) => client(c, createRng(SEED * 1000 + c))),
  ).then(() => {
    agent.destroy();
    return stats;
  });
  return {
    stats,
    finished,
    stop: () => {
      running = false;
      return finished;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The server and its database

interface Target {
  dialect: 'sqlite' | 'postgres';
  /** What `--database` is given. */
  database: string;
}

let catalogDir = '';
let work = '';

async function freshTarget(dialect: Target['dialect'], label: string): Promise<Target | { skipped: string }> {
  if (dialect === 'sqlite') return { dialect, database: join(work, `${label}.db`) };
  if (flags['skip-postgres']) return { skipped: 'skipped (--skip-postgres)' };
  const created = await postgresSchema(POSTGRES_URL, label.replaceAll('-', '_'));
  return 'skipped' in created ? created : { dialect, database: created.url };
}

/** A deployments:write token, through the store in this process (a CLI child would cost a second or more of start-up). */
async function createToken(database: string, label: string): Promise<string> {
  const db = await openDatabase(database);
  try {
    return (await new TokenService(new TokenStore(db)).create(label, ['deployments:write'], null)).token;
  } finally {
    await db.close();
  }
}

/** Rows per version (= Idempotency-Key) of the deployments whose version starts with `prefix`. */
async function storedVersions(database: string, prefix: string): Promise<Map<string, number>> {
  const query = 'select version, count(*) as n from change_events where version like ? group by version';
  if (database.startsWith('postgres')) {
    const client = new pg.Client({ connectionString: database });
    await client.connect();
    try {
      const result = await client.query<{ version: string; n: string }>(query.replace('?', '$1'), [`${prefix}-%`]);
      return new Map(result.rows.map((r) => [r.version, Number(r.n)]));
    } finally {
      await client.end();
    }
  }
  const db = new SQLite(database, { readonly: true });
  try {
    const rows = db.prepare(query).all(`${prefix}-%`) as { version: string; n: number }[];
    return new Map(rows.map((r) => [r.version, r.n]));
  } finally {
    db.close();
  }
}

/**
 * `serve` on a fixed port, restarted whenever it dies: on purpose (kill9) or on its own,
 * which is counted with the log's tail, since a database fault must never end the process.
 */
class Supervisor {
  serve: ServeChild | undefined;
  readonly exits: string[] = [];
  readonly restartMs: number[] = [];
  private restarting: Promise<void> | undefined;
  private deliberate = false;

  constructor(
    readonly port: number,
    private readonly launch: () => Promise<ServeChild>,
  ) {}

  async start(): Promise<void> {
    this.serve = await this.launch();
    this.watch(this.serve);
  }

  private watch(serve: ServeChild): void {
    serve.child.once('exit', (code, signal) => {
      if (this.deliberate || serve !== this.serve) return;
      this.exits.push(`exit ${code ?? signal}: ${tail(serve.logFile, 600).trim().split('\n').at(-1) ?? ''}`);
      const started = performance.now();
      this.restarting = this.start().then(
        () => void this.restartMs.push(performance.now() - started),
        // Counted like the exit: the scenario goes on and fails on its writes.
        (err: Error) => void this.exits.push(`restart failed: ${err.message.split('\n')[0]}`),
      );
    });
  }

  /** SIGKILL, then start again on the same port; resolves once /readyz answers 200. */
  async kill9(): Promise<void> {
    await this.restarting;
    const serve = this.serve;
    if (!serve) throw new Error('serve is not running');
    this.deliberate = true;
    const started = performance.now();
    if (!serve.exited()) {
      const exited = once(serve.child, 'exit');
      serve.child.kill('SIGKILL');
      await exited;
    }
    await serve.stop();
    this.deliberate = false;
    await this.start();
    this.restartMs.push(performance.now() - started);
  }

  async stop(): Promise<void> {
    await this.restarting;
    this.deliberate = true;
    await this.serve?.stop();
  }
}

function launcher(target: Target, label: string, port: number, env: NodeJS.ProcessEnv = {}) {
  return () =>
    startServe({
      catalogDir,
      database: target.database,
      workDir: work,
      label,
      extraArgs: ['--no-watch'],
      port,
      readyTimeoutMs: 60_000,
      env: { ATRIUM_LOG_LEVEL: 'warn', ...env },
    });
}

/** Polls /readyz every 100 ms: how often it stopped and started answering 200, and for how long it did not. */
function watchReadiness(port: number) {
  let watching = true;
  let ready = true;
  let since = performance.now();
  const result = { becameUnready: 0, becameReady: 0, unreadyMs: 0 };
  const done = (async () => {
    while (watching) {
      const ok = (await httpGet(port, '/readyz', 2000).catch(() => undefined))?.status === 200;
      if (ok !== ready) {
        const now = performance.now();
        if (ok) {
          result.becameReady++;
          result.unreadyMs += now - since;
        } else {
          result.becameUnready++;
          since = now;
        }
        ready = ok;
      }
      await sleep(100);
    }
  })();
  return {
    stop: async () => {
      watching = false;
      await done;
      if (!ready) result.unreadyMs += performance.now() - since;
      return { ...result, unreadyMs: Math.round(result.unreadyMs), readyAtEnd: ready };
    },
  };
}

/** p50, p99 and max to 0.1 ms, for the printed detail. */
const rounded = (s: { p50: number; p99: number; max: number }) => ({
  p50: Math.round(s.p50 * 10) / 10,
  p99: Math.round(s.p99 * 10) / 10,
  max: Math.round(s.max * 10) / 10,
});

const between = (rng: Rng, [min, max]: number[]) => (min as number) + rng() * ((max as number) - (min as number));

// ---------------------------------------------------------------------------------------------
// The scenarios

interface Row {
  scenario: 'kill -9' | 'connection-cut' | 'slow-body';
  database: Target['dialect'];
  tally: WriteTally;
  writes: Omit<WriteStats, 'sent' | 'acknowledged' | 'latencyMs'>;
  /** Scenario-specific figures, printed under the table and in --json. */
  detail: Record<string, unknown>;
  note: string;
  ok: boolean;
}

const writesOf = ({ sent: _s, acknowledged: _a, latencyMs: _l, ...rest }: WriteStats) => rest;
const clean = (tally: WriteTally, stats: WriteStats) =>
  tally.lost === 0 && tally.duplicated === 0 && tally.unexpected === 0 && stats.stalled === 0 && stats.abandoned === 0;

async function killNine(dialect: Target['dialect'], rng: Rng): Promise<Row | string> {
  const label = `kill9-${dialect}`;
  const target = await freshTarget(dialect, label);
  if ('skipped' in target) return target.skipped;
  const token = await createToken(target.database, label);
  const port = await freePort();
  const server = new Supervisor(port, launcher(target, label, port));
  await server.start();
  const writers = startWriters({ clients: SIZES.writers, port, token, prefix: label });
  const moments: number[] = [];
  for (let k = 0; k < SIZES.kills; k++) {
    const wait = between(rng, SIZES.killGapMs);
    moments.push(Math.round(wait));
    await sleep(wait);
    await server.kill9();
    say(
      `  ${label}: kill ${k + 1}/${SIZES.kills} after ${Math.round(wait)} ms of writes, ready again after ${Math.round(server.restartMs.at(-1) ?? 0)} ms`,
    );
  }
  await sleep(1000);
  const stats = await writers.stop();
  await server.stop();
  const tally = tallyWrites(stats.sent, stats.acknowledged, await storedVersions(target.database, label));
  const restart = summarize(server.restartMs);
  return {
    scenario: 'kill -9',
    database: dialect,
    tally,
    writes: writesOf(stats),
    detail: {
      kills: SIZES.kills,
      killAfterMs: moments,
      restartMsP50: Math.round(restart.p50),
      unexpectedExits: server.exits,
    },
    note: `${SIZES.kills} kills, back ready in ${(restart.p50 / 1000).toFixed(1)} s (p50)`,
    ok: clean(tally, stats) && server.exits.length === 0,
  };
}

async function connectionCut(rng: Rng): Promise<Row | string> {
  const label = 'cut-postgres';
  const target = await freshTarget('postgres', label);
  if ('skipped' in target) return target.skipped;
  const token = await createToken(target.database, label);
  const direct = new URL(target.database);
  const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  onCleanup('tcp proxy', () => proxy.close());
  const proxied = new URL(target.database);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  const port = await freePort();
  const server = new Supervisor(port, launcher({ dialect: 'postgres', database: proxied.toString() }, label, port));
  await server.start();
  const readiness = watchReadiness(port);
  const writers = startWriters({ clients: SIZES.writers, port, token, prefix: label });
  let connectionsCut = 0;
  let outages = 0;
  for (let c = 0; c < SIZES.cuts; c++) {
    await sleep(between(rng, SIZES.cutGapMs));
    connectionsCut += proxy.cut();
    // Every second cut is a failover: the database refuses connections for a while.
    if (c % 2 === 1) {
      outages++;
      proxy.refuse(true);
      connectionsCut += proxy.cut();
      await sleep(SIZES.outageMs);
      proxy.refuse(false);
    }
  }
  await sleep(1000);
  const stats = await writers.stop();
  // Let /readyz see the database back before reading the transitions.
  for (let i = 0; i < 100 && (await httpGet(port, '/readyz', 2000).catch(() => undefined))?.status !== 200; i++)
    await sleep(100);
  await sleep(300);
  const ready = await readiness.stop();
  await server.stop();
  await proxy.close();
  const tally = tallyWrites(stats.sent, stats.acknowledged, await storedVersions(target.database, label));
  return {
    scenario: 'connection-cut',
    database: 'postgres',
    tally,
    writes: writesOf(stats),
    detail: {
      cuts: SIZES.cuts,
      outages,
      outageMs: SIZES.outageMs,
      connectionsCut,
      processExits: server.exits.length,
      exits: server.exits,
      readyz: ready,
    },
    note: `${SIZES.cuts} cuts (${outages} with a ${SIZES.outageMs / 1000}-s outage), ${connectionsCut} connections reset; exits ${server.exits.length}; /readyz 200→503 ${ready.becameUnready}×, back ${ready.becameReady}×`,
    ok: clean(tally, stats) && server.exits.length === 0 && ready.readyAtEnd,
  };
}

/**
 * SLOW_SOCKETS connections that send a webhook request's headers (a bad signature, a
 * 512 KiB Content-Length) and then a byte every 300 ms; whichever the server closes is
 * opened again, so as many are held throughout.
 */
function holdSlowSockets(port: number) {
  let holding = true;
  const live = new Set<net.Socket>();
  const counts = { opened: 0, closedByServer: 0, answered408: 0 };
  const lifetimes: number[] = [];
  const open = () => {
    const opened = performance.now();
    const socket = net.connect(port, '127.0.0.1');
    counts.opened++;
    live.add(socket);
    let answered = false;
    socket.on('connect', () =>
      socket.write(
        [
          'POST /api/v1/webhooks/github HTTP/1.1',
          `Host: 127.0.0.1:${port}`,
          'Content-Type: application/json',
          'X-GitHub-Event: deployment_status',
          `X-Hub-Signature-256: sha256=${'0'.repeat(64)}`,
          `Content-Length: ${512 * 1024}`,
          '',
          '{',
        ].join('\r\n'),
      ),
    );
    socket.on('data', (chunk: Buffer) => {
      if (!answered && chunk.toString('latin1', 0, 12) === 'HTTP/1.1 408') counts.answered408++;
      answered = true;
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      live.delete(socket);
      if (!holding) return;
      counts.closedByServer++;
      lifetimes.push(performance.now() - opened);
      setTimeout(() => holding && open(), 50);
    });
  };
  for (let i = 0; i < SLOW_SOCKETS; i++) open();
  const trickle = setInterval(() => {
    for (const socket of live) if (socket.writable) socket.write(' ');
  }, 300);
  return {
    stop() {
      holding = false;
      clearInterval(trickle);
      for (const socket of live) socket.destroy();
      return { ...counts, lifetimeMsP50: lifetimes.length > 0 ? Math.round(summarize(lifetimes).p50) : undefined };
    },
  };
}

async function slowBody(dialect: Target['dialect']): Promise<Row | string> {
  const label = `slow-${dialect}`;
  const target = await freshTarget(dialect, label);
  if ('skipped' in target) return target.skipped;
  const token = await createToken(target.database, label);
  const port = await freePort();
  const server = new Supervisor(port, launcher(target, label, port, { ATRIUM_GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET }));
  await server.start();
  const run = (phase: string, limit: number) =>
    startWriters({ clients: SLOW_WRITERS, port, token, prefix: `${label}-${phase}`, limit }).finished;
  // Unmeasured: the first writes of a fresh process also pay for JIT compilation and statement preparation.
  const warmup = await run('warmup', 20);
  const baseline = await run('baseline', SIZES.slowWrites);
  const sockets = holdSlowSockets(port);
  // Long enough for the server to have taken every one of them up to where it waits for the body.
  await sleep(500);
  const underSlow = await run('slow', SIZES.slowWrites);
  const held = sockets.stop();
  await server.stop();
  const all = mergeStats([warmup, baseline, underSlow]);
  const tally = tallyWrites(all.sent, all.acknowledged, await storedVersions(target.database, label));
  const base = summarize(baseline.latencyMs);
  const slow = summarize(underSlow.latencyMs);
  const refusals = (s: WriteStats) =>
    Object.values(s.refusals).reduce((a, b) => a + b, 0) + s.connectionErrors + s.stalled;
  const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');
  return {
    scenario: 'slow-body',
    database: dialect,
    tally,
    writes: writesOf(all),
    detail: {
      writes: SIZES.slowWrites,
      clients: SLOW_WRITERS,
      baseline: { ...rounded(base), refusals: refusals(baseline) },
      slowSockets: { ...rounded(slow), refusals: refusals(underSlow), ...held },
      unexpectedExits: server.exits,
    },
    note: `p50/p99 ${ms(slow.p50)}/${ms(slow.p99)} ms vs ${ms(base.p50)}/${ms(base.p99)} ms without; refusals ${refusals(underSlow)} vs ${refusals(baseline)}; ${SLOW_SOCKETS} slow sockets, ${held.closedByServer} closed by serve`,
    ok: clean(tally, all) && slow.p99 < SLOW_P99_TARGET_MS && server.exits.length === 0,
  };
}

// ---------------------------------------------------------------------------------------------

function table(rows: Row[]): string {
  const header = ['scenario', 'db', 'acked', 'lost', 'dup', 'stalled', 'abandoned', 'replayed', 'retries', 'notes'];
  const body = rows.map((r) => [
    r.scenario,
    r.database,
    String(r.tally.acknowledged),
    String(r.tally.lost),
    String(r.tally.duplicated),
    String(r.writes.stalled),
    String(r.writes.abandoned),
    String(r.writes.replayed),
    String(r.writes.attempts - r.tally.sent),
    r.note,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i >= 2 && i <= 8 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ');
  return [line(header), ...body.map(line)].join('\n');
}

async function main(): Promise<number> {
  work = await mkdtemp(join(tmpdir(), 'atrium-faults-bench-'));
  if (!flags.keep) onCleanup('work directory', () => rm(work, { recursive: true, force: true }));
  catalogDir = join(work, 'catalog');
  await mkdir(catalogDir);
  await writeFile(
    join(catalogDir, 'catalog-info.yaml'),
    [
      'apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: platform\nspec:\n  type: team\n  children: []\n',
      'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: checkout\nspec:\n  type: service\n  lifecycle: production\n  owner: platform\n',
    ].join('---\n'),
  );
  const started = performance.now();
  say(
    `Fault benchmark (${flags.quick ? '--quick' : 'default sizes'}, seed ${SEED}), load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; work in ${work}`,
  );
  const rng = createRng(SEED);
  const rows: Row[] = [];
  const skipped: string[] = [];
  const scenarios: [string, () => Promise<Row | string>][] = [
    ['kill -9, SQLite', () => killNine('sqlite', rng)],
    ['kill -9, PostgreSQL', () => killNine('postgres', rng)],
    ['connection-cut, PostgreSQL', () => connectionCut(rng)],
    ['slow-body, SQLite', () => slowBody('sqlite')],
    ['slow-body, PostgreSQL', () => slowBody('postgres')],
  ];
  for (const [name, run] of scenarios) {
    const t = performance.now();
    say(`${name}…`);
    const row = await run();
    if (typeof row === 'string') {
      skipped.push(`${name}: ${row}`);
      say(`  ${row}`);
      continue;
    }
    rows.push(row);
    say(`  ${verdict(row.ok)} in ${((performance.now() - t) / 1000).toFixed(1)} s: ${row.note}`);
  }
  const failed = rows.filter((r) => !r.ok);
  if (flags.json) {
    log(JSON.stringify({ quick: flags.quick, seed: SEED, sizes: SIZES, rows, skipped }, null, 2));
  } else {
    log();
    log(table(rows));
    for (const r of rows) {
      const problems = [
        ...(r.tally.lost > 0 ? [`lost e.g. ${r.tally.examples.lost.join(', ')}`] : []),
        ...(r.tally.duplicated > 0 ? [`duplicated e.g. ${r.tally.examples.duplicated.join(', ')}`] : []),
        ...(r.tally.unexpected > 0 ? [`unexpected rows e.g. ${r.tally.examples.unexpected.join(', ')}`] : []),
      ];
      log(
        `${r.scenario} [${r.database}]: ${r.tally.sent} writes sent in ${r.writes.attempts} attempts; answers refused ${JSON.stringify(r.writes.refusals)}, connection errors ${r.writes.connectionErrors}, stored but never acknowledged ${r.tally.storedUnacknowledged}${problems.length > 0 ? `; ${problems.join('; ')}` : ''}; ${JSON.stringify(r.detail)}`,
      );
    }
    for (const s of skipped) log(`skipped ${s}`);
  }
  say(
    `SUMMARY ${failed.length === 0 ? 'PASS' : `FAIL(${failed.length})`} | ${rows
      .map(
        (r) =>
          `${r.scenario} ${r.database}: acked=${r.tally.acknowledged} lost=${r.tally.lost} dup=${r.tally.duplicated} stalled=${r.writes.stalled}`,
      )
      .join(' | ')} | ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  return failed.length === 0 ? 0 : 1;
}

cleanupOnSignals();
await runBenchmark('fault benchmark', main, flags.keep === true);
