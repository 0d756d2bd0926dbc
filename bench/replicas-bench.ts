/**
 * The replica benchmark (`npm run bench:replicas`): N `atrium serve` replicas on one
 * PostgreSQL database through PgBouncer in transaction pooling mode, behind a round-robin
 * balancer written for it (round-robin-balancer.ts), under the portal benchmark's bursty
 * open-loop load of entity pages:
 *
 *   S. one replica behind the balancer at --single-rate (1,000 req/s on average): the baseline;
 *   R. every replica at --rate (3,000 req/s): p99 within 2x of S's, no errors;
 *   K. the same load while the syncer replica (the holder of the catalog syncer lease) is
 *      killed (SIGKILL) and started again on its port: p99 within 2x of S's, no errors, and
 *      every request the balancer retried on another replica answered within 1 s.
 *
 * Also printed: the sync into PostgreSQL through PgBouncer, each replica's start, which
 * replica took the syncer lease over and when, the balancer's retries, and the peak RSS
 * (VmHWM) of every replica and of PgBouncer.
 *
 *   node --import tsx bench/replicas-bench.ts [--entities 50000] [--rate 3000] [--duration 20]
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createRng, shuffle } from '../src/platform/prng.ts';
import { entityPath } from '../src/web/site.ts';
import { pgbouncerMissing, startPgBouncer } from '../test/support/pgbouncer.ts';
import { describeCatalog, generateCatalog } from './generate-catalog.ts';
import {
  formatStats,
  planOpenLoop,
  runOpenLoop,
  type OpenLoopScheduleOptions,
  type OpenLoopStats,
} from './load-generator.ts';
import { type BalancerStats, startBalancer } from './round-robin-balancer.ts';
import {
  cleanupOnSignals,
  gnuTime,
  httpGet,
  log,
  mb,
  numberFlag,
  onCleanup,
  procStatus,
  REPO,
  runAtrium,
  runBenchmark,
  type ServeChild,
  sec,
  sleep,
  startServe,
  verdict,
} from './support.ts';

const { values: flags } = parseArgs({
  options: {
    entities: { type: 'string', default: '50000' },
    replicas: { type: 'string', default: '3' },
    rate: { type: 'string', default: '3000' },
    'single-rate': { type: 'string', default: '1000' },
    'burst-every': { type: 'string', default: '10' },
    'burst-length': { type: 'string', default: '1' },
    duration: { type: 'string', default: '20' },
    'kill-at': { type: 'string', default: '3' },
    'max-in-flight': { type: 'string', default: '6000' },
    seed: { type: 'string', default: '1' },
    postgres: { type: 'string' },
    'skip-warm-up': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});

if (flags.help) {
  process.stdout.write(`Usage: node --import tsx bench/replicas-bench.ts [options]

  --entities N        catalog size (default 50000), generated with generate-catalog.ts
  --replicas N        serve replicas behind the balancer (default 3)
  --rate R            average arrival rate against all replicas, req/s (default 3000)
  --single-rate R     average arrival rate of the one-replica baseline, req/s (default 1000)
                      (both bursty as the portal benchmark's: 0.778x the average, and 3x the
                      average for --burst-length s every --burst-every s)
  --burst-every S     a burst every S seconds (default 10)
  --burst-length S    each burst lasts S seconds (default 1)
  --duration S        seconds of each measured phase (default 20)
  --kill-at S         when the syncer replica is killed in phase K, s into it (default 3)
  --max-in-flight N   the load generator's cap on outstanding requests (default 6000)
  --seed N            generator and load seed (default 1)
  --postgres URL      the PostgreSQL behind PgBouncer (default ATRIUM_TEST_POSTGRES_URL, else
                      postgres://postgres@127.0.0.1:5432/test); a database of its own is created
                      there and dropped at the end
  --skip-warm-up      measure from cold caches (by default every page a phase's schedule asks
                      for is fetched once from each replica first, unmeasured)
  --keep              keep the temporary directory (catalog, logs)
`);
  process.exit(0);
}

const opts = {
  entities: Math.round(numberFlag('entities', flags.entities, 200)),
  replicas: Math.round(numberFlag('replicas', flags.replicas, 2)),
  rate: numberFlag('rate', flags.rate, 1),
  singleRate: numberFlag('single-rate', flags['single-rate'], 1),
  burstEvery: numberFlag('burst-every', flags['burst-every'], 2),
  burstLength: numberFlag('burst-length', flags['burst-length'], 0),
  duration: numberFlag('duration', flags.duration, 2),
  killAt: numberFlag('kill-at', flags['kill-at'], 0),
  maxInFlight: Math.round(numberFlag('max-in-flight', flags['max-in-flight'], 1)),
  seed: Math.round(numberFlag('seed', flags.seed, 0)),
  postgres: flags.postgres ?? process.env.ATRIUM_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  warmUp: !(flags['skip-warm-up'] ?? false),
  keep: flags.keep ?? false,
};

const TARGETS = {
  /** p99 of R and K against S's. */
  p99Ratio: 2,
  /** A retried request counts as answered when answered within this (the balancer counts those it answered later). */
  retriedWithinMs: 1000,
  /** Another replica holds the syncer lease within this after the kill (issue 20). */
  takeoverMs: 10_000,
};

const PAGE_HEADERS = { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8' } as const;
const SYNCER_LEASE = 'task:catalog-syncer';
const load1 = () => (loadavg()[0] ?? 0).toFixed(2);

cleanupOnSignals();

/** The portal benchmark's shape scaled to an average: 0.778x between bursts, 3x in them (10-s period, 1-s bursts). */
function schedule(average: number): OpenLoopScheduleOptions {
  const burstRate = average * 3;
  const quiet = opts.burstEvery - opts.burstLength;
  return {
    rate: quiet > 0 ? (average * opts.burstEvery - burstRate * opts.burstLength) / quiet : average,
    burstRate,
    burstEverySec: opts.burstEvery,
    burstLengthSec: opts.burstLength,
    durationSec: opts.duration,
    seed: opts.seed,
  };
}

interface Replica {
  index: number;
  serve: ServeChild;
  /** VmHWM of earlier incarnations of this replica (killed in phase K), MB. */
  earlierHwmMb: number[];
}

/** GET each page once from `port`, `parallel` at a time (coldest first, so an LRU keeps the hottest). */
async function warm(port: number, paths: readonly string[], parallel = 4): Promise<{ ms: number; statuses: string }> {
  const started = performance.now();
  const statuses: Record<string, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < paths.length) {
        const path = paths[next++] as string;
        const res = await httpGet(port, path, 60_000, PAGE_HEADERS).catch(() => undefined);
        const status = String(res?.status ?? 'error');
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  return { ms: performance.now() - started, statuses: JSON.stringify(statuses) };
}

/** Which replica holds the catalog syncer lease: its holder name carries the process id. */
async function syncerHolder(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const rows = await client.query<{ holder: string; expires_ms: string }>(
      'select holder, expires_ms from task_leases where name = $1',
      [SYNCER_LEASE],
    );
    const row = rows.rows[0];
    return row && Number(row.expires_ms) > Date.now() ? row.holder : undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const holds = (holder: string | undefined, replica: Replica) =>
  holder !== undefined && replica.serve.pid !== undefined && holder.includes(`-${replica.serve.pid}-`);

interface Measured {
  label: string;
  stats: OpenLoopStats;
  balancer: BalancerStats;
}

function describeBalancer(b: BalancerStats): string {
  return (
    `balancer: ${b.requests} requests, ${b.answered} answered (by replica ${b.byReplica.join(' / ')}), ` +
    `${b.retried} after a retry (${b.retriedSlow} of them over ${TARGETS.retriedWithinMs} ms; retries by cause ${JSON.stringify(b.retriesBy)}), ${b.failed} failed`
  );
}

async function measure(label: string, balancerPort: number, paths: readonly string[], average: number) {
  const before = load1();
  const stats = await runOpenLoop({
    urls: paths.map((p) => `http://127.0.0.1:${balancerPort}${p}`),
    ...schedule(average),
    maxInFlight: opts.maxInFlight,
    headers: PAGE_HEADERS,
  });
  log(formatStats(label, stats));
  log(`  load average ${before} -> ${load1()} (${availableParallelism()} cores)`);
  return stats;
}

function sourceState(): string {
  const git = (args: string[]) => spawnSync('git', args, { cwd: REPO, encoding: 'utf8' });
  const head = git(['rev-parse', '--short', 'HEAD']);
  if (head.status !== 0) return 'not a git checkout';
  const dirty = git(['status', '--porcelain', '--', 'src']).stdout.split('\n').filter(Boolean).length;
  return `commit ${head.stdout.trim()}${dirty ? `, ${dirty} files under src/ modified or new` : ', src/ clean'}`;
}

async function main(): Promise<number> {
  const missing = pgbouncerMissing(opts.postgres);
  if (missing) throw new Error(missing);
  const work = await mkdtemp(join(tmpdir(), 'atrium-replicas-bench-'));
  if (!opts.keep) onCleanup('temp dir', () => rm(work, { recursive: true, force: true }));
  log(
    `Atrium replica benchmark, ${new Date().toISOString()}: ${opts.replicas} replicas, ${opts.entities} entities, ` +
      `${opts.duration} s per phase; node ${process.version}; ${availableParallelism()} x ${cpus()[0]?.model ?? 'unknown CPU'}, ` +
      `${(totalmem() / 2 ** 30).toFixed(1)} GiB; load average ${load1()}; work dir ${work}${opts.keep ? ' (kept)' : ''}`,
  );
  log(`command: node --import tsx bench/replicas-bench.ts ${process.argv.slice(2).join(' ')}`.trimEnd());
  log(`source: ${sourceState()}`);
  log(`peak RSS via /proc/<pid>/status VmHWM${gnuTime ? '; of atrium sync via GNU time -v' : ''}`);
  log();

  log(`== 1. generate ${opts.entities} entities`);
  const catalogDir = join(work, 'catalog');
  const catalog = await generateCatalog({ entities: opts.entities, outDir: catalogDir, seed: opts.seed });
  log(describeCatalog(catalog));
  log();

  log('== 2. PgBouncer (transaction pooling) in front of PostgreSQL, a database of its own, atrium sync through it');
  const bouncer = await startPgBouncer({ upstreamUrl: opts.postgres, maxClientConnections: 1000, poolSize: 20 });
  onCleanup('pgbouncer', () => bouncer.stop());
  const database = await bouncer.createDatabase();
  onCleanup('drop the database', () => database.drop());
  log(`PgBouncer pid ${bouncer.pid}; database ${database.url}`);
  const sync = await runAtrium(
    ['sync', '--catalog', catalogDir, '--database', database.url, '--format', 'json'],
    work,
    'sync',
  );
  if (sync.code !== 0 && sync.code !== 65)
    throw new Error(`atrium sync exited ${sync.code}: ${sync.stderr.slice(-2000)}`);
  log(`atrium sync through PgBouncer: wall ${sec(sync.wallMs)}, peak RSS ${mb(sync.peakRssMb)}`);
  log();

  log(`== 3. start ${opts.replicas} replicas (the first takes the syncer lease; the others follow its catalog)`);
  const start = async (index: number, port?: number): Promise<ServeChild> => {
    const serve = await startServe({
      catalogDir,
      database: database.url,
      workDir: work,
      label: `replica-${index}`,
      port,
    });
    log(`replica ${index}: pid ${serve.pid}, port ${serve.port}, ready after ${sec(serve.readyMs)}`);
    return serve;
  };
  const replicas: Replica[] = [{ index: 0, serve: await start(0), earlierHwmMb: [] }];
  for (const [i, serve] of (
    await Promise.all(Array.from({ length: opts.replicas - 1 }, (_, i) => start(i + 1)))
  ).entries())
    replicas.push({ index: i + 1, serve, earlierHwmMb: [] });
  const holder = await syncerHolder(database.url);
  const syncer = replicas.find((r) => holds(holder, r));
  log(`syncer lease held by ${holder ?? 'nobody'}${syncer ? ` (replica ${syncer.index})` : ''}`);
  log();

  const ranked = shuffle(
    createRng(opts.seed + 7),
    catalog.entities.map((e) => `/${entityPath(`${e.kind}:default/${e.name}`)}`),
  );
  const planned = (average: number) => {
    const plan = planOpenLoop(schedule(average), ranked.length);
    return [...new Set(plan.targets)].sort((a, b) => b - a).map((i) => ranked[i] as string);
  };
  if (opts.warmUp) {
    log(
      '== 4. warm-up (unmeasured): every page the phases ask for, fetched once from each replica (all at once), coldest first',
    );
    const all = planned(opts.rate);
    // Replica 0 also serves the baseline: its schedule's pages too.
    const first = [...new Set([...all, ...planned(opts.singleRate)])];
    const warmed = await Promise.all(replicas.map((r) => warm(r.serve.port, r.index === 0 ? first : all)));
    for (const [i, w] of warmed.entries())
      log(`replica ${i}: ${i === 0 ? first.length : all.length} pages in ${sec(w.ms)}, statuses ${w.statuses}`);
    log();
  }

  log(`== S. one replica behind the balancer, ${opts.singleRate} req/s on average`);
  const one = await startBalancer([(replicas[0] as Replica).serve.port], { slowRetryMs: TARGETS.retriedWithinMs });
  const s = await measure('one replica', one.port, ranked, opts.singleRate);
  const sBalancer = await one.stats();
  log(`  ${describeBalancer(sBalancer)}`);
  await one.stop();
  log();

  const every = await startBalancer(
    replicas.map((r) => r.serve.port),
    { slowRetryMs: TARGETS.retriedWithinMs },
  );
  log(`== R. ${opts.replicas} replicas behind the balancer, ${opts.rate} req/s on average`);
  const r = await measure(`${opts.replicas} replicas`, every.port, ranked, opts.rate);
  const rBalancer = await every.stats(true);
  log(`  ${describeBalancer(rBalancer)}`);
  log();

  log(
    `== K. the same while the syncer replica (${syncer ? `replica ${syncer.index}` : 'none found'}) is killed ${opts.killAt} s in and started again on its port`,
  );
  let takeover = 'n/a';
  let takeoverMs: number | undefined;
  let restartedMs: number | undefined;
  const chaos = (async (): Promise<void> => {
    if (!syncer) return;
    await sleep(opts.killAt * 1000);
    const old = syncer.serve;
    syncer.earlierHwmMb.push(procStatus(old.pid).hwmMb ?? Number.NaN);
    const killedAt = performance.now();
    if (old.pid !== undefined) process.kill(-old.pid, 'SIGKILL');
    await new Promise<void>((resolve) => (old.exited() ? resolve() : old.child.once('exit', () => resolve())));
    const restarting = start(syncer.index, old.port).then((serve) => {
      syncer.serve = serve;
      restartedMs = performance.now() - killedAt;
    });
    // Who holds the lease next (another replica, or the killed one started again), and when.
    for (let waited = 0; waited < 30_000; waited = performance.now() - killedAt) {
      const next = await syncerHolder(database.url).catch(() => undefined);
      const by = next?.includes(`-${old.pid}-`) ? undefined : replicas.find((x) => holds(next, x));
      if (by) {
        takeoverMs = waited;
        takeover = `replica ${by.index}${by === syncer ? ' (the killed one, started again)' : ''} after ${sec(waited)}`;
        break;
      }
      await sleep(250);
    }
    await restarting;
  })().catch((err: unknown) => {
    log(`  NOTE: killing or restarting the syncer failed: ${err instanceof Error ? err.message : String(err)}`);
  });
  const k = await measure(`${opts.replicas} replicas, syncer killed`, every.port, ranked, opts.rate);
  const kBalancer = await every.stats(true);
  log(`  ${describeBalancer(kBalancer)}`);
  await chaos;
  log(
    `  syncer lease taken over by ${takeover}; the killed replica was ready again ${restartedMs === undefined ? 'n/a' : `${sec(restartedMs)} after the kill`}`,
  );
  await every.stop();
  log();

  log('== M. peak memory (VmHWM)');
  const hwm = replicas.map((x) => ({
    index: x.index,
    now: procStatus(x.serve.pid).hwmMb,
    earlier: x.earlierHwmMb,
  }));
  for (const h of hwm)
    log(
      `replica ${h.index}: ${mb(h.now)}${h.earlier.length ? ` (before it was killed: ${h.earlier.map(mb).join(', ')})` : ''}`,
    );
  const bouncerHwm = procStatus(bouncer.pid).hwmMb;
  log(`PgBouncer: ${mb(bouncerHwm)}`);
  log();

  const verdicts: boolean[] = [];
  const check = (ok: boolean) => {
    verdicts.push(ok);
    return verdict(ok);
  };
  const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)}ms` : 'n/a');
  const part = (label: string, m: Measured, retriedCounts: boolean) => {
    const ratio = m.stats.latency.p99 / s.latency.p99;
    // A retry answered late is an error too (it may also be one of the client's timeouts: then counted twice).
    const slow = retriedCounts ? m.balancer.retriedSlow : 0;
    return (
      `${label} p50/p99=${ms(m.stats.latency.p50)}/${ms(m.stats.latency.p99)} ratio=${ratio.toFixed(2)}x<=${TARGETS.p99Ratio}x ${check(ratio <= TARGETS.p99Ratio)} ` +
      `errors=${m.stats.errors.total}/${m.stats.scheduled}${retriedCounts ? ` retried-over-1s=${slow}` : ''} ${check(m.stats.errors.total + slow === 0)} retried=${m.balancer.retried}`
    );
  };
  const maxReplicaHwm = Math.max(...hwm.flatMap((h) => [h.now ?? 0, ...h.earlier.filter(Number.isFinite)]));
  const summary = [
    `entities=${opts.entities} replicas=${opts.replicas}`,
    `single@${opts.singleRate} p50/p99=${ms(s.latency.p50)}/${ms(s.latency.p99)} errors=${s.errors.total}`,
    part(`replicas@${opts.rate}`, { label: 'R', stats: r, balancer: rBalancer }, false),
    part('syncer-killed', { label: 'K', stats: k, balancer: kBalancer }, true),
    `takeover=${takeover.replaceAll(' ', '-')}<=${TARGETS.takeoverMs / 1000}s ${check(takeoverMs !== undefined && takeoverMs <= TARGETS.takeoverMs)}`,
    `rss-max-replica=${mb(maxReplicaHwm)} pgbouncer=${mb(bouncerHwm)}`,
  ];
  const failed = verdicts.filter((v) => !v).length;
  log(`SUMMARY ${failed === 0 ? 'PASS' : `FAIL(${failed})`} | ${summary.join(' | ')}`);
  return failed === 0 ? 0 : 1;
}

await runBenchmark('replicas-bench', main, opts.keep);
