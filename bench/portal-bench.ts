/**
 * The portal benchmark (issue #3's speed targets), every peer in the same run:
 *
 *  A. Pages of `atrium serve` at N entities (default 50,000) under open-loop, bursty,
 *     Zipf(0.99) load, each next to a bare `node:http` server that returns the very bytes
 *     Atrium returned for each path (fetched from Atrium first), with the identical schedule:
 *       - a cold phase right after a restart (information),
 *       - entity pages (target: p99 <= 1.5x the bare server's, no errors),
 *       - with --slos N: the pages of the services with SLOs, each with its Health card (same
 *         target), while serve evaluates the SLOs every --slo-evaluation seconds,
 *       - list / facet / search pages mixed (target: p99 <= 3x the bare server's, no errors),
 *       - a stampede: after an edit invalidates the caches, a burst of identical requests for
 *         one uncached page, renders counted from /metrics (target: one render per key),
 *       - the serve process's peak RSS (target <= 300 MB).
 *     Before each measured phase, one unmeasured warm-up pass fetches every page the phase's
 *     schedule will ask for (coldest first), which is also how the bare server gets its bytes;
 *     before that, the benchmark waits until serve is idle (it may still be serving requests
 *     whose clients gave up during an overload), and again after it (the garbage of its
 *     renders is collected then, not in the first seconds measured).
 *  B. Static export at M entities (default 10,000): `atrium build` against Eleventy 3 on
 *     comparable pages (one Markdown page per entity and one per graph page, list pages to
 *     the same total, one Nunjucks layout), both cold child processes writing to the same
 *     disk (target: Atrium >= 2x Eleventy's pages/s).
 *
 * The last line is a one-line summary with PASS/FAIL per target (see bench/README.md).
 *
 *   node --import tsx bench/portal-bench.ts [--entities 50000] [--export-entities 10000] [--duration 20] [--slos N]
 *
 * Exit status: 0 every target met, 1 some target missed, 2 the benchmark itself failed.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { TokenService } from '../src/auth/service.ts';
import { TokenStore } from '../src/auth/store.ts';
import { openDatabase } from '../src/platform/db/connect.ts';
import type { SloStatus } from '../src/slo/model.ts';
import {
  DEPENDENCY_SHAPES,
  describeCatalog,
  generateCatalog,
  toYaml,
  type GeneratedCatalog,
  type GeneratedSlo,
} from './generate-catalog.ts';
import {
  formatStats,
  planOpenLoop,
  runOpenLoop,
  summarize,
  type LatencySummary,
  type OpenLoopScheduleOptions,
  type OpenLoopStats,
  type SinceStats,
} from './load-generator.ts';
import { createRng, intBetween, shuffle } from '../src/platform/prng.ts';
import {
  runBenchmark,
  cleanupOnSignals,
  cpuMs,
  gnuTime,
  httpGet,
  httpGetBytes,
  log,
  mb,
  numberFlag,
  onCleanup,
  printProfile,
  procStatus,
  REPO,
  runAtrium,
  runNode,
  sec,
  sleep,
  startBareServer,
  startServe,
  verdict,
  type ChildResult,
  type ServeChild,
} from './support.ts';
import type { SyncReport } from '../src/catalog/sync.ts';

const TARGETS = {
  entityRatio: 1.5,
  mixRatio: 3,
  rendersPerKey: 1,
  /** From one second after /readyz turns ready: answers refused (503), as a share of requests. */
  refusedShareAfterReady: 0.01,
  serveRssMb: 300,
  exportRatio: 2,
};

const ELEVENTY_CLI = join(REPO, 'node_modules', '@11ty', 'eleventy', 'cmd.cjs');
const PAGE_HEADERS = { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8' } as const;

// ---------------------------------------------------------------------------------------------
// Options

const { values: flags } = parseArgs({
  options: {
    entities: { type: 'string', default: '50000' },
    'export-entities': { type: 'string', default: '10000' },
    duration: { type: 'string', default: '20' },
    'cold-duration': { type: 'string' },
    seed: { type: 'string', default: '1' },
    dependencies: { type: 'string', default: 'zipf' },
    rate: { type: 'string', default: '778' },
    'burst-rate': { type: 'string', default: '3000' },
    'burst-every': { type: 'string', default: '10' },
    'burst-length': { type: 'string', default: '1' },
    'max-in-flight': { type: 'string', default: '2000' },
    stampede: { type: 'string', default: '500' },
    'search-words': { type: 'string', default: '200' },
    'list-pages': { type: 'string', default: '100' },
    slos: { type: 'string', default: '0' },
    'slo-evaluation': { type: 'string' },
    'skip-pages': { type: 'boolean', default: false },
    'skip-export': { type: 'boolean', default: false },
    profile: { type: 'string' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});

if (flags.help) {
  process.stdout.write(`Usage: node --import tsx bench/portal-bench.ts [options]

  --entities N          catalog size for the page phases (default 50000)
  --export-entities N   catalog size for the static export phase (default 10000)
  --duration S          seconds of load per server in each measured phase (default 20)
  --cold-duration S     seconds of each cold phase after the restart (default 10, or --duration if shorter)
  --seed N              generator and load seed (default 1)
  --dependencies D      how the generator draws dependencies: zipf (default), uniform or hubs
                        (one service and one API with a fifth of the catalog's size each)
  --rate R              base arrival rate, req/s (default 778: with the bursts, 1,000 on average)
  --burst-rate B        arrival rate during bursts, req/s (default 3000)
  --burst-every S       a burst every S seconds (default 10)
  --burst-length S      each burst lasts S seconds (default 1)
  --max-in-flight N     cap on outstanding requests (default 2000)
  --stampede N          identical concurrent requests per stampede key (default 500)
  --search-words N      distinct search queries in the list/facet/search mix (default 200)
  --list-pages N        pages 1..N of the component list in the mix (default 100)
  --slos N              add N pushed-events SLOs over the services (default 0), push six hours of
                        events to each, and measure the pages of those services (Health card) too
  --slo-evaluation S    serve's SLO evaluation interval, s (ATRIUM_SLO_EVALUATION_SECONDS; default
                        10 with --slos, so every measured phase sees cycles; else serve's own 30)
  --skip-pages          skip part A (pages under load, stampede, memory)
  --skip-export         skip part B (static export vs Eleventy)
  --profile DIR         CPU profile (and SQL timings) of the serve and build children into DIR,
                        summaries printed per phase
  --keep                keep the temporary directory (catalogs, databases, outputs, logs)
`);
  process.exit(0);
}

const opts = {
  entities: Math.round(numberFlag('entities', flags.entities, 200)),
  exportEntities: Math.round(numberFlag('export-entities', flags['export-entities'], 200)),
  duration: numberFlag('duration', flags.duration, 1),
  coldDuration: numberFlag('cold-duration', flags['cold-duration'] ?? String(Math.min(10, Number(flags.duration))), 1),
  seed: Math.round(numberFlag('seed', flags.seed, 0)),
  dependencies: (() => {
    const shape = DEPENDENCY_SHAPES.find((d) => d === flags.dependencies);
    if (!shape) throw new Error(`--dependencies must be one of ${DEPENDENCY_SHAPES.join(', ')}`);
    return shape;
  })(),
  rate: numberFlag('rate', flags.rate, 1),
  burstRate: numberFlag('burst-rate', flags['burst-rate'], 0),
  burstEvery: numberFlag('burst-every', flags['burst-every'], 0),
  burstLength: numberFlag('burst-length', flags['burst-length'], 0),
  maxInFlight: Math.round(numberFlag('max-in-flight', flags['max-in-flight'], 1)),
  stampede: Math.round(numberFlag('stampede', flags.stampede, 1)),
  searchWords: Math.round(numberFlag('search-words', flags['search-words'], 1)),
  listPages: Math.round(numberFlag('list-pages', flags['list-pages'], 1)),
  slos: Math.round(numberFlag('slos', flags.slos, 0)),
  sloEvaluation:
    flags['slo-evaluation'] !== undefined
      ? Math.round(numberFlag('slo-evaluation', flags['slo-evaluation'], 5))
      : Number(flags.slos) > 0
        ? 10
        : undefined,
  skipPages: flags['skip-pages'] ?? false,
  skipExport: flags['skip-export'] ?? false,
  profile: flags.profile ? resolve(flags.profile) : undefined,
  keep: flags.keep ?? false,
};

cleanupOnSignals();

const schedule = (durationSec: number): OpenLoopScheduleOptions => ({
  rate: opts.rate,
  burstRate: opts.burstRate,
  burstEverySec: opts.burstEvery,
  burstLengthSec: opts.burstLength,
  durationSec,
  seed: opts.seed,
});

const ms2 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(2));
const load1 = () => (loadavg()[0] ?? 0).toFixed(2);

// ---------------------------------------------------------------------------------------------
// Serve-side readings

interface ServeGauges {
  /** `atrium_portal_page_renders` less `atrium_portal_pages_warmed`: pages rendered for requests since start. */
  renders?: number;
  /** `atrium_portal_pages_warmed`: pages rendered ahead in the background after syncs. */
  warmed?: number;
  /** prom-client's event-loop delay since the previous scrape (its histogram resets on each), ms. */
  lagMaxMs?: number;
  lagP99Ms?: number;
  heapUsedMb?: number;
}

/** A few gauges from /metrics (each undefined when missing or when /metrics does not answer in 10 s). */
async function serveGauges(port: number): Promise<ServeGauges> {
  const res = await httpGet(port, '/metrics', 10_000).catch(() => undefined);
  const read = (name: string) => {
    const m = res ? new RegExp(`^${name}(?:\\{[^}]*\\})? ([-+\\d.eE]+)$`, 'm').exec(res.body) : null;
    return m?.[1] !== undefined ? Number(m[1]) : undefined;
  };
  const ms = (v: number | undefined) => (v === undefined ? undefined : v * 1000);
  const heap = read('nodejs_heap_size_used_bytes');
  const renders = read('atrium_portal_page_renders');
  const warmed = read('atrium_portal_pages_warmed');
  return {
    // Requests' renders: the pages warmed in the background after a sync are counted apart.
    renders: renders === undefined ? undefined : renders - (warmed ?? 0),
    warmed,
    lagMaxMs: ms(read('nodejs_eventloop_lag_max_seconds')),
    lagP99Ms: ms(read('nodejs_eventloop_lag_p99_seconds')),
    heapUsedMb: heap === undefined ? undefined : heap / 2 ** 20,
  };
}

const pageRenders = async (port: number): Promise<number | undefined> => (await serveGauges(port)).renders;

/** The lines of /metrics worth showing when something goes wrong. */
async function metricsExcerpt(port: number): Promise<string> {
  const res = await httpGet(port, '/metrics', 10_000).catch(() => undefined);
  if (!res) return '  (no /metrics)';
  return res.body
    .split('\n')
    .filter(
      (l) =>
        /^(atrium_|process_resident|nodejs_heap_size_used|nodejs_eventloop_lag_p99|nodejs_active_handles_total|http_)/.test(
          l,
        ) && !l.includes('_bucket'),
    )
    .map((l) => `  ${l}`)
    .join('\n');
}

async function generation(port: number): Promise<number | undefined> {
  const res = await httpGet(port, '/readyz', 5000).catch(() => undefined);
  if (res?.status !== 200) return undefined;
  return (JSON.parse(res.body) as { generation?: number }).generation;
}

/**
 * Waits until serve is idle: under 15% of one core of CPU over two consecutive seconds (from
 * /proc) and /healthz answered within 50 ms. After an overload it may still be working through
 * requests whose clients gave up; /healthz alone is not enough, since it is answered quickly
 * between the awaits of work still queued. Returns the wait, ms.
 */
async function waitForIdle(
  port: number,
  pid: number | undefined,
  limitMs = 10 * 60_000,
): Promise<{ ms: number; idle: boolean }> {
  const started = performance.now();
  let quiet = 0;
  let last = cpuMs(pid);
  while (performance.now() - started < limitMs) {
    await sleep(1000);
    const now = cpuMs(pid);
    const busy = last === undefined || now === undefined ? 0 : now - last;
    last = now;
    // Idle serve uses next to nothing; with --profile the V8 sampler alone costs about 6%.
    quiet = busy < 150 ? quiet + 1 : 0;
    if (quiet < 2) continue;
    const t0 = performance.now();
    const res = await httpGet(port, '/healthz', 120_000).catch(() => undefined);
    if (res?.status === 200 && performance.now() - t0 < 50) return { ms: performance.now() - started, idle: true };
    last = cpuMs(pid);
  }
  return { ms: performance.now() - started, idle: false };
}

async function settle(serve: ServeChild): Promise<void> {
  const wait = await waitForIdle(serve.port, serve.pid);
  if (!wait.idle) log(`NOTE: serve still busy after ${sec(wait.ms)}; going on`);
  else if (wait.ms > 2500)
    log(
      `serve stayed busy for about ${sec(wait.ms - 2000)} more (work for requests whose clients had given up, presumably) before it was idle (< 15% CPU for 2 s)`,
    );
}

// ---------------------------------------------------------------------------------------------
// Load phases

interface Phase {
  label: string;
  stats: OpenLoopStats;
  /** Pages rendered by Atrium during the phase (cache misses); undefined for the bare server. */
  renders?: number;
  /** Serve CPU during the phase, ms. */
  cpuMs?: number;
  /** Serve's longest event-loop delay during the phase, ms (prom-client, 10 ms resolution). */
  lagMaxMs?: number;
  /** Seconds since the serve child was spawned (for the CPU profile). */
  window?: { from: number; to: number };
  /** SLO evaluation cycles that finished during the phase (with --slos). */
  sloCycles?: number;
}

/** When serve last evaluated its SLOs (epoch ms, from the first SLO's status); undefined without SLOs or an answer. */
async function lastSloEvaluation(port: number): Promise<number | undefined> {
  const res = await httpGet(port, '/api/v1/slos?limit=1', 10_000).catch(() => undefined);
  if (res?.status !== 200) return undefined;
  const at = (JSON.parse(res.body) as { items: SloStatus[] }).items[0]?.evaluatedAt;
  return at === undefined ? undefined : Date.parse(at);
}

let serveSpawnedAt = 0;

async function runPhase(
  label: string,
  port: number,
  paths: readonly string[],
  durationSec: number,
  serve?: ServeChild,
  /** A time (performance.now()) from which on the phase's requests are also summarised apart (A3: a second after ready). */
  sinceAt?: number,
): Promise<Phase> {
  // This scrape also resets prom-client's event-loop delay histogram, so the next one covers the phase.
  const gaugesBefore = serve ? await serveGauges(port) : undefined;
  const rendersBefore = gaugesBefore?.renders;
  const cpuBefore = serve ? cpuMs(serve.pid) : undefined;
  const evaluatedBefore = serve && opts.slos > 0 ? await lastSloEvaluation(port) : undefined;
  const before = load1();
  const from = (performance.now() - serveSpawnedAt) / 1000;
  const stats = await runOpenLoop({
    urls: paths.map((p) => `http://127.0.0.1:${port}${p}`),
    ...schedule(durationSec),
    maxInFlight: opts.maxInFlight,
    headers: PAGE_HEADERS,
    ...(sinceAt === undefined ? {} : { sinceMs: Math.max(0, sinceAt - performance.now()) }),
  });
  const to = (performance.now() - serveSpawnedAt) / 1000;
  const cpuAfter = serve ? cpuMs(serve.pid) : undefined;
  const after = serve ? await serveGauges(port) : undefined;
  const evaluatedAfter = evaluatedBefore === undefined ? undefined : await lastSloEvaluation(port);
  const rendersAfter = after?.renders;
  const phase: Phase = {
    label,
    stats,
    lagMaxMs: after?.lagMaxMs,
    renders: rendersBefore !== undefined && rendersAfter !== undefined ? rendersAfter - rendersBefore : undefined,
    cpuMs: cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined,
    window: serve ? { from, to } : undefined,
    sloCycles:
      evaluatedBefore !== undefined && evaluatedAfter !== undefined && opts.sloEvaluation !== undefined
        ? Math.round((evaluatedAfter - evaluatedBefore) / (opts.sloEvaluation * 1000))
        : undefined,
  };
  log(formatStats(label, stats));
  const extra: string[] = [`load average ${before} -> ${load1()} (${availableParallelism()} cores)`];
  if (phase.renders !== undefined) extra.push(`pages rendered during the phase (cache misses) ${phase.renders}`);
  if (gaugesBefore?.warmed !== undefined && after?.warmed !== undefined)
    extra.push(`pages warmed in the background during the phase ${after.warmed - gaugesBefore.warmed}`);
  if (phase.sloCycles !== undefined)
    extra.push(`SLO evaluation cycles finished during the phase ${phase.sloCycles} (every ${opts.sloEvaluation} s)`);
  if (after?.lagMaxMs !== undefined)
    extra.push(
      `serve event-loop delay max ${after.lagMaxMs.toFixed(0)} ms, p99 ${(after.lagP99Ms ?? NaN).toFixed(0)} ms; heap used ${mb(after.heapUsedMb)}`,
    );
  else if (serve) extra.push('/metrics did not answer within 10 s after the phase');
  if (phase.cpuMs !== undefined && stats.completed > 0) {
    extra.push(
      `serve CPU ${sec(phase.cpuMs)} = ${((phase.cpuMs * 1000) / stats.completed).toFixed(0)} us per request (${((phase.cpuMs / (durationSec * 1000)) * 100).toFixed(0)}% of one core)`,
    );
  }
  log(`  ${extra.join('; ')}`);
  return phase;
}

/** The distinct target indices a schedule will request, coldest (highest rank) first. */
function plannedTargets(durationSec: number, targetCount: number): number[] {
  const plan = planOpenLoop(schedule(durationSec), targetCount);
  return [...new Set(plan.targets)].sort((a, b) => b - a);
}

interface WarmUp {
  pages: Map<string, Buffer>;
  headers: Record<string, string>;
  statuses: Record<string, number>;
  bytes: number;
  ms: number;
  renders?: number;
  slowest: { path: string; ms: number }[];
}

const PER_REQUEST_HEADERS = new Set([
  'date',
  'connection',
  'keep-alive',
  'content-length',
  'transfer-encoding',
  'x-request-id',
]);

/**
 * The unmeasured warm-up pass: GET every planned target once, coldest first (so an LRU keeps
 * the hottest), four at a time. Its bodies are what the bare server returns.
 */
async function warmUp(port: number, paths: readonly string[], order: readonly number[]): Promise<WarmUp> {
  const started = performance.now();
  const rendersBefore = await pageRenders(port);
  const pages = new Map<string, Buffer>();
  const statuses: Record<string, number> = {};
  let headers: Record<string, string> | undefined;
  let bytes = 0;
  const timings: { path: string; ms: number }[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < order.length) {
        const path = paths[order[next++] as number] as string;
        const t0 = performance.now();
        const res = await httpGetBytes(port, path, 60_000, PAGE_HEADERS).catch((err: Error) => err);
        timings.push({ path, ms: performance.now() - t0 });
        const status =
          res instanceof Error ? (res.message.includes('timed out') ? 'timeout' : 'error') : String(res.status);
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (res instanceof Error || res.status !== 200) continue;
        // The key is what the load generator sends: pathname and search of the parsed URL.
        const u = new URL(`http://127.0.0.1${path}`);
        pages.set(`${u.pathname}${u.search}`, res.body);
        bytes += res.body.length;
        headers ??= Object.fromEntries(
          Object.entries(res.headers)
            .filter(([name, value]) => !PER_REQUEST_HEADERS.has(name) && value !== undefined)
            .map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value)]),
        );
      }
    }),
  );
  const rendersAfter = await pageRenders(port);
  timings.sort((a, b) => b.ms - a.ms);
  return {
    pages,
    headers: headers ?? { 'content-type': 'text/html; charset=utf-8' },
    statuses,
    bytes,
    ms: performance.now() - started,
    renders: rendersBefore !== undefined && rendersAfter !== undefined ? rendersAfter - rendersBefore : undefined,
    slowest: timings.slice(0, 5),
  };
}

interface Comparison {
  atrium: Phase;
  bare: Phase;
  ratio: number;
  warm: WarmUp;
  distinct: number;
}

/** Warm-up, then Atrium, then the bare server with Atrium's bytes, the same schedule for both. */
async function compare(name: string, serve: ServeChild, paths: readonly string[], target: number): Promise<Comparison> {
  const order = plannedTargets(opts.duration, paths.length);
  await settle(serve);
  const warm = await warmUp(serve.port, paths, order);
  // The warm-up's renders leave garbage whose collection (V8's memory reducer, serve being
  // set to favour memory) would otherwise fall into the first seconds measured.
  await settle(serve);
  const statuses = Object.entries(warm.statuses)
    .map(([s, n]) => `${s}: ${n}`)
    .join(', ');
  log(
    `warm-up (unmeasured): GET once each of the ${order.length} distinct pages this schedule asks for (of ${paths.length}), coldest first, 4 at a time: ` +
      `${sec(warm.ms)}, statuses {${statuses}}, ${(warm.bytes / 1e6).toFixed(1)} MB (mean ${warm.pages.size ? Math.round(warm.bytes / warm.pages.size) : 0} B), ` +
      `${warm.renders ?? 'n/a'} renders; slowest ${warm.slowest.map((s) => `${s.path} ${s.ms.toFixed(0)} ms`).join(', ')}`,
  );
  log(
    `  the bare server replays these response headers of Atrium's (plus content-length): ${Object.keys(warm.headers).sort().join(', ')}`,
  );
  if (warm.pages.size < order.length)
    log(
      `  NOTE: ${order.length - warm.pages.size} pages did not answer 200; the bare server answers 404 for them (and the load counts them as errors)`,
    );
  const atrium = await runPhase(`atrium ${name}`, serve.port, paths, opts.duration, serve);
  const bare = await startBareServer({ headers: warm.headers, pages: warm.pages });
  const floor = await runPhase(
    `bare node:http, same ${warm.pages.size} pre-rendered bodies and headers`,
    bare.port,
    paths,
    opts.duration,
  );
  await bare.stop();
  const ratio = atrium.stats.latency.p99 / floor.stats.latency.p99;
  log(
    `p99 ratio atrium / bare: ${ratio.toFixed(2)}x (target <= ${target}x: ${verdict(ratio <= target)}); errors ${atrium.stats.errors.total} (target 0: ${verdict(atrium.stats.errors.total === 0)})`,
  );
  const lag = Math.max(atrium.stats.sendLag.p99, floor.stats.sendLag.p99);
  if (lag > 5)
    log(
      `  NOTE: generator send lag p99 ${lag.toFixed(1)} ms: the generator (or the machine) is falling behind; latencies include it.`,
    );
  return { atrium, bare: floor, ratio, warm, distinct: order.length };
}

/** How many warm-up bodies show a Health card (they link an SLO's page), and in which states (the card's badges). */
function healthCards(pages: ReadonlyMap<string, Buffer>): string {
  let cards = 0;
  const states = { 'page alert firing': 0, 'burning budget': 0, 'within objective': 0, 'no data': 0 };
  for (const body of pages.values()) {
    const text = body.toString('utf8');
    if (!text.includes('/catalog/default/slo/')) continue;
    cards++;
    for (const state of Object.keys(states) as (keyof typeof states)[]) if (text.includes(state)) states[state]++;
  }
  return `warm-up pages with a Health card: ${cards} of ${pages.size} (pages showing each state: ${Object.entries(
    states,
  )
    .map(([s, n]) => `${s} ${n}`)
    .join(', ')})`;
}

// ---------------------------------------------------------------------------------------------
// SLO events

/** A `slis:write` token, through the store in this process (a CLI child would cost a second or more of start-up). */
async function sliToken(database: string): Promise<string> {
  const db = await openDatabase(database);
  try {
    return (await new TokenService(new TokenStore(db)).create('portal-bench', ['slis:write'], null)).token;
  } finally {
    await db.close();
  }
}

const EVENT_STEP_MS = 5 * 60_000;
const EVENT_STEPS = 72;
const EVENTS_PER_STEP = 5000;

/**
 * Six hours of pushed events per SLO (one count every 5 minutes, up to now), so the Health
 * cards show numbers: most SLOs spend 0-40% of their budget's rate, one in 20 burns it at
 * 2-5x (ticket alerts fire; no page alert, which needs 6x or more, so no alert moves while
 * the pages are measured). Four requests at a time; returns what was pushed, in words.
 */
async function pushSloEvents(port: number, token: string, slos: readonly GeneratedSlo[]): Promise<string> {
  const rng = createRng(opts.seed + 31);
  const now = Date.now();
  const bodies = slos.map((slo) => {
    const budget = (100 - Number(slo.objective)) / 100;
    const factor = rng() < 0.05 ? intBetween(rng, 2, 5) : intBetween(rng, 0, 40) / 100;
    const errors = Math.round(EVENTS_PER_STEP * budget * factor);
    const events = Array.from({ length: EVENT_STEPS }, (_, k) => ({
      at: new Date(now - k * EVENT_STEP_MS).toISOString(),
      good: EVENTS_PER_STEP - errors,
      total: EVENTS_PER_STEP,
    }));
    return { path: `/api/v1/slos/default/${encodeURIComponent(slo.name)}/events`, body: JSON.stringify({ events }) };
  });
  const statuses: Record<string, number> = {};
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < bodies.length) {
        const { path, body } = bodies[next++] as (typeof bodies)[number];
        const res = await fetch(`http://127.0.0.1:${port}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body,
          signal: AbortSignal.timeout(60_000),
        }).catch((err: Error) => err);
        const status = res instanceof Error ? res.name : String(res.status);
        if (!(res instanceof Error)) await res.arrayBuffer();
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  return (
    `pushed ${EVENT_STEPS} counts of ${EVENTS_PER_STEP} events (one every ${EVENT_STEP_MS / 60_000} min, the last six hours) to each of ${slos.length} SLOs ` +
    `in ${sec(performance.now() - started)}, 4 requests at a time; statuses ${JSON.stringify(statuses)}`
  );
}

/** Waits for an SLO evaluation after `since` (epoch ms); returns the statuses then, in words. */
async function sloStates(port: number, since: number): Promise<string> {
  const limit = since + 3 * (opts.sloEvaluation ?? 30) * 1000 + 30_000;
  let evaluated = await lastSloEvaluation(port);
  while ((evaluated === undefined || evaluated < since) && Date.now() < limit) {
    await sleep(1000);
    evaluated = await lastSloEvaluation(port);
  }
  const states: Record<string, number> = {};
  let firing = 0;
  for (let offset = 0; ; offset += 500) {
    const res = await httpGet(port, `/api/v1/slos?limit=500&offset=${offset}`, 30_000);
    const page = JSON.parse(res.body) as { items: SloStatus[]; total: number };
    for (const s of page.items) {
      states[s.dataState] = (states[s.dataState] ?? 0) + 1;
      if (s.alerts.some((a) => a.state === 'firing')) firing++;
    }
    if (page.items.length === 0 || offset + 500 >= page.total) break;
  }
  return (
    `SLO statuses ${evaluated !== undefined && evaluated >= since ? `after the evaluation at ${new Date(evaluated).toISOString()}` : '(NO evaluation after the push within the wait)'}: ` +
    `data states ${JSON.stringify(states)}, ${firing} with a firing alert`
  );
}

// ---------------------------------------------------------------------------------------------
// After a restart

/** The cold phases' requests scheduled from one second after /readyz turned ready on. */
interface AfterReady {
  scheduled: number;
  /** The slowest complete answer, ms. */
  maxMs: number;
  p99Ms: number;
  /** Answers slower than 1 s and requests never answered. */
  overOneSecond: number;
  /** 503s (shed load). */
  refused: number;
  otherNon2xx: number;
}

function afterReady(phases: readonly OpenLoopStats[]): AfterReady {
  const parts = phases.flatMap((p) => (p.since ? [p.since] : []));
  const sum = (f: (s: SinceStats) => number) => parts.reduce((n, s) => n + f(s), 0);
  return {
    scheduled: sum((s) => s.scheduled),
    maxMs: Math.max(0, ...parts.map((s) => s.latency.max).filter(Number.isFinite)),
    p99Ms: Math.max(0, ...parts.map((s) => s.latency.p99).filter(Number.isFinite)),
    overOneSecond: sum((s) => s.overOneSecond),
    refused: sum((s) => s.refused),
    otherNon2xx: sum((s) => s.otherNon2xx),
  };
}

const refusedShare = (a: AfterReady) => (a.scheduled === 0 ? 0 : a.refused / a.scheduled);
const afterReadyMet = (a: AfterReady) =>
  a.overOneSecond === 0 && refusedShare(a) < TARGETS.refusedShareAfterReady && a.otherNon2xx === 0;

function describeAfterReady(a: AfterReady): string {
  return (
    `${a.scheduled} requests; slowest answer ${a.maxMs.toFixed(0)} ms (p99 of the worse phase ${a.p99Ms.toFixed(0)} ms); ` +
    `${a.overOneSecond} waited over 1 s or went unanswered (target 0); ${a.refused} refused with 503 = ${(refusedShare(a) * 100).toFixed(2)}% (target < ${TARGETS.refusedShareAfterReady * 100}%); ` +
    `${a.otherNon2xx} other non-2xx: ${verdict(afterReadyMet(a))}`
  );
}

// ---------------------------------------------------------------------------------------------
// Stampede

interface Stampede {
  label: string;
  path: string;
  renders?: number;
  statuses: Record<string, number>;
  latency: LatencySummary;
  distinctBodies: number;
  errors: string[];
}

async function stampede(label: string, port: number, path: string, n: number): Promise<Stampede> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: n });
  const before = await pageRenders(port);
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  const bodies = new Set<string>();
  const errors: string[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((done) => {
          const req = http.get({ host: '127.0.0.1', port, path, agent, headers: PAGE_HEADERS }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              latencies.push(performance.now() - started);
              statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
              bodies.add(createHash('sha256').update(Buffer.concat(chunks)).digest('hex'));
              done();
            });
            res.on('error', (err) => {
              errors.push(err.message);
              done();
            });
          });
          req.setTimeout(30_000, () => req.destroy(new Error('timeout after 30 s')));
          req.on('error', (err) => {
            if (errors.length < 5) errors.push(err.message);
            done();
          });
        }),
    ),
  );
  agent.destroy();
  const after = await pageRenders(port);
  return {
    label,
    path,
    renders: before !== undefined && after !== undefined ? after - before : undefined,
    statuses,
    latency: summarize(latencies),
    distinctBodies: bodies.size,
    errors,
  };
}

// ---------------------------------------------------------------------------------------------
// Part A: pages under load

interface PagesResult {
  catalog: GeneratedCatalog;
  sync?: SyncRun;
  serveReadyMs?: number;
  rssAtReadyMb?: number;
  coldEntity?: Phase;
  coldMix?: Phase;
  entity?: Comparison;
  /** With --slos: the pages of the services with SLOs (a Health card each). */
  health?: Comparison;
  mix?: Comparison;
  stampedes: Stampede[];
  /** The cold phases' requests from one second after ready on. */
  afterReady?: AfterReady;
  invalidation?: string;
  hwmMb?: number;
}

interface SyncRun extends ChildResult {
  report: SyncReport;
}

function parseLastJson<T>(label: string, result: ChildResult): T {
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(
      `${label} failed: exit ${result.code ?? result.signal} after ${sec(result.wallMs)}\n--- stdout\n${result.stdout.slice(-2000)}\n--- stderr\n${result.stderr.slice(-4000)}`,
    );
  }
}

async function runSync(catalogDir: string, database: string, work: string, label: string): Promise<SyncRun> {
  const result = await runAtrium(
    ['sync', '--catalog', catalogDir, '--database', database, '--format', 'json'],
    work,
    label,
    { profileDir: opts.profile },
  );
  const report = parseLastJson<SyncReport>(`atrium sync (${label})`, result);
  if (result.code !== 0 && result.code !== 65)
    throw new Error(`atrium sync (${label}) exited ${result.code}: ${result.stderr.slice(-2000)}`);
  return { ...result, report };
}

const describeSync = (label: string, r: SyncRun) =>
  `${label}: wall ${sec(r.wallMs)}, sync itself ${sec(r.report.durationMs)}, peak RSS ${mb(r.peakRssMb)}; ${r.report.entities} entities from ${r.report.files} files, ` +
  `${r.report.errors} errors, ${r.report.warnings} warnings, changed=${r.report.changed}`;

/** `/catalog/<namespace>/<kind>/<name>/`, lowercase (the generator's names are in the default namespace). */
const entityPage = (kind: string, name: string) =>
  `/catalog/default/${encodeURIComponent(kind.toLowerCase())}/${encodeURIComponent(name.toLowerCase())}/`;

async function pages(work: string): Promise<PagesResult> {
  log(`== A1. generate ${opts.entities} entities`);
  const catalogDir = join(work, 'catalog');
  const database = join(work, 'db', 'pages.db');
  await mkdir(dirname(database), { recursive: true });
  const genStart = performance.now();
  const catalog = await generateCatalog({
    entities: opts.entities,
    outDir: catalogDir,
    seed: opts.seed,
    dependencies: opts.dependencies,
    slos: opts.slos,
  });
  log(describeCatalog(catalog));
  log(`  generated in ${sec(performance.now() - genStart)}`);
  const result: PagesResult = { catalog, stampedes: [] };
  log();

  log(
    '== A2. sync into a fresh SQLite file, then start serve on it (a restart: its startup sync finds nothing changed)',
  );
  result.sync = await runSync(catalogDir, database, work, 'pages-sync');
  log(describeSync('sync', result.sync));
  const token = opts.slos > 0 ? await sliToken(database) : undefined;
  const serve = await startServe({
    catalogDir,
    database,
    workDir: work,
    label: 'serve',
    extraArgs: ['--no-watch'],
    profileDir: opts.profile,
    env: opts.sloEvaluation === undefined ? undefined : { ATRIUM_SLO_EVALUATION_SECONDS: String(opts.sloEvaluation) },
  });
  serveSpawnedAt = performance.now() - serve.readyMs;
  result.serveReadyMs = serve.readyMs;
  const atReady = procStatus(serve.pid);
  result.rssAtReadyMb = atReady.rssMb;
  log(
    `serve --no-watch ready on 127.0.0.1:${serve.port} after ${sec(serve.readyMs)}; RSS ${mb(atReady.rssMb)}, peak so far ${mb(atReady.hwmMb)}`,
  );

  if (token) {
    const pushed = Date.now();
    log(await pushSloEvents(serve.port, token, catalog.slos));
    log(`${await sloStates(serve.port, pushed)}; serve evaluates every ${opts.sloEvaluation} s`);
  }

  // Targets. Entity pages: every entity but the SLOs (the same targets with or without
  // --slos), ranked by a seeded shuffle. Pages with a Health card: the services with SLOs,
  // likewise. The mix: every page of the component list, every owner facet, and searches for
  // words of the names of those entities.
  const described = catalog.entities.filter((e) => e.kind !== 'slo');
  const ranked = shuffle(createRng(opts.seed + 7), described.slice());
  const entityPaths = ranked.map((e) => entityPage(e.kind, e.name));
  const healthPaths = shuffle(createRng(opts.seed + 17), [...new Set(catalog.slos.map((s) => s.service))]).map((name) =>
    entityPage('component', name),
  );
  const facets = JSON.parse((await httpGet(serve.port, '/api/v1/facets', 30_000)).body) as Record<
    string,
    { value: string; count: number }[]
  >;
  const components = facets.kind?.find((f) => f.value === 'component')?.count ?? 0;
  const owners = (facets.owner ?? []).map((f) => f.value);
  const componentPages = Math.max(1, Math.ceil(components / 50));
  const listPaths = Array.from(
    { length: Math.min(opts.listPages, componentPages) },
    (_, i) => `/catalog/?kind=component&page=${i + 1}`,
  );
  const facetPaths = owners.map((o) => `/catalog/?owner=${encodeURIComponent(o)}`);
  const words = shuffle(
    createRng(opts.seed + 13),
    [...new Set(described.flatMap((e) => e.name.split(/[-.]/)).filter((w) => /^[a-z]{3,}$/.test(w)))].sort(),
  );
  const searchWords = words.slice(0, opts.searchWords);
  const searchPaths = searchWords.map((w) => `/search/?q=${encodeURIComponent(w)}`);
  const mixPaths = shuffle(createRng(opts.seed + 11), [...listPaths, ...facetPaths, ...searchPaths]);
  if (healthPaths.length > 0)
    log(
      `targets with a Health card: the pages of the ${healthPaths.length} services with SLOs (e.g. ${healthPaths[0]})`,
    );
  log(
    `targets: ${entityPaths.length} entity pages (e.g. ${entityPaths[0]}); mix of ${mixPaths.length}: ${listPaths.length} list pages (${listPaths[1] ?? listPaths[0]}; of ${componentPages}), ` +
      `${facetPaths.length} owner facets (${facetPaths[0] ?? 'none'}), ${searchPaths.length} searches (${searchPaths[0] ?? 'none'}); Zipf(0.99) over a seeded shuffle of each`,
  );
  log(
    `load: open loop, ${opts.rate} req/s with bursts to ${opts.burstRate} req/s for ${opts.burstLength} s every ${opts.burstEvery} s ` +
      `(average ${((opts.rate * (opts.burstEvery - opts.burstLength) + opts.burstRate * opts.burstLength) / (opts.burstEvery || 1)).toFixed(0)} req/s), seed ${opts.seed}, latency from the scheduled send time`,
  );
  log();

  log(
    `== A3. cold (information): the first ${opts.coldDuration} s after the restart, then the mix for ${opts.coldDuration} s (its pages still uncached)`,
  );
  // The target counts from one second after /readyz turned ready (serve.readyMs after the spawn).
  const readyAt = serveSpawnedAt + serve.readyMs;
  result.coldEntity = await runPhase(
    'cold atrium entity pages',
    serve.port,
    entityPaths,
    opts.coldDuration,
    serve,
    readyAt + 1000,
  );
  await settle(serve);
  result.coldMix = await runPhase(
    'cold atrium list/facet/search',
    serve.port,
    mixPaths,
    opts.coldDuration,
    serve,
    readyAt + 1000,
  );
  result.afterReady = afterReady([result.coldEntity.stats, result.coldMix.stats]);
  log(`from 1 s after /readyz turned ready (both cold phases): ${describeAfterReady(result.afterReady)}`);
  log(`serve VmHWM so far ${mb(procStatus(serve.pid).hwmMb)}`);
  log();

  log('== A4. entity pages, steady state (after the warm-up pass)');
  result.entity = await compare('entity pages', serve, entityPaths, TARGETS.entityRatio);
  log(`serve VmHWM so far ${mb(procStatus(serve.pid).hwmMb)}`);
  if (result.entity.atrium.stats.errors.total > 0 || result.entity.ratio > TARGETS.entityRatio)
    log(await metricsExcerpt(serve.port));
  log();

  if (healthPaths.length > 0) {
    log(
      '== A4h. entity pages with a Health card (the services with SLOs), steady state (after the warm-up pass), while serve evaluates the SLOs',
    );
    result.health = await compare('pages with a Health card', serve, healthPaths, TARGETS.entityRatio);
    log(`  ${healthCards(result.health.warm.pages)}`);
    if (result.health.atrium.stats.errors.total > 0 || result.health.ratio > TARGETS.entityRatio)
      log(await metricsExcerpt(serve.port));
    log();
  }

  log('== A5. list / facet / search pages, steady state (after the warm-up pass)');
  result.mix = await compare('list/facet/search', serve, mixPaths, TARGETS.mixRatio);
  log(`serve VmHWM so far ${mb(procStatus(serve.pid).hwmMb)}`);
  if (result.mix.atrium.stats.errors.total > 0 || result.mix.ratio > TARGETS.mixRatio)
    log(await metricsExcerpt(serve.port));
  log();

  log(
    `== A6. stampede: ${opts.stampede} identical concurrent requests for one uncached page after an edit invalidated the caches`,
  );
  const requested = new Set<string>();
  for (const i of plannedTargets(Math.max(opts.duration, opts.coldDuration), entityPaths.length))
    requested.add(entityPaths[i] as string);
  const victim =
    [...ranked].reverse().find((e) => e.kind === 'component' && !requested.has(entityPage(e.kind, e.name))) ??
    ranked.at(-1);
  const hot = entityPaths[0] as string;
  const unusedWord = words[opts.searchWords] ?? words.at(-1) ?? 'service';
  if (victim) {
    await settle(serve);
    // Make sure the hot page is cached, so its next render shows that the server dropped its caches.
    await httpGet(serve.port, hot, 60_000, PAGE_HEADERS).catch(() => undefined);
    const gen0 = await generation(serve.port);
    const file = join(catalogDir, victim.file);
    await appendFile(file, `# portal-bench: an edit that invalidates the caches (${new Date().toISOString()})\n`);
    const resync = await runSync(catalogDir, database, work, 'stampede-sync');
    const syncedAt = performance.now();
    const gen1 = await generation(serve.port);
    let dropped: number | undefined;
    await sleep(1200);
    for (let i = 0; i < 60; i++) {
      const r0 = await pageRenders(serve.port);
      await httpGet(serve.port, hot, 60_000, PAGE_HEADERS).catch(() => undefined);
      const r1 = await pageRenders(serve.port);
      if (r0 !== undefined && r1 !== undefined && r1 > r0) {
        dropped = performance.now() - syncedAt;
        break;
      }
      await sleep(200);
    }
    result.invalidation =
      `appended a comment to ${victim.file}; atrium sync (another process, same database) took ${sec(resync.wallMs)} (changed=${resync.report.changed}); ` +
      `/readyz generation ${gen0 ?? 'n/a'} -> ${gen1 ?? 'n/a'}; ` +
      (dropped === undefined
        ? 'the server did NOT drop its page cache within 13 s (the hot page was not re-rendered)'
        : `serve had dropped its page cache ${sec(dropped)} after the sync (hot page ${hot} rendered again)`);
    log(result.invalidation);
    for (const [label, path] of [
      ['entity page', entityPage(victim.kind, victim.name)],
      ['search page', `/search/?q=${encodeURIComponent(unusedWord)}`],
    ] as const) {
      const builds = async () =>
        Number(
          /^atrium_search_index_builds ([\d.]+)$/m.exec((await httpGet(serve.port, '/metrics', 10_000)).body)?.[1] ??
            Number.NaN,
        );
      const buildsBefore = await builds();
      const s = await stampede(label, serve.port, path, opts.stampede);
      result.stampedes.push(s);
      // A search page waits for the index rebuilt after the edit, if it is not built yet: say whether it was.
      log(`  search index builds since start: ${buildsBefore} before this stampede, ${await builds()} after`);
      log(
        `${label} ${path}: ${s.renders ?? 'n/a'} render(s) for ${opts.stampede} concurrent requests (target ${TARGETS.rendersPerKey}: ${verdict(s.renders === undefined ? undefined : s.renders <= TARGETS.rendersPerKey)}); ` +
          `statuses ${JSON.stringify(s.statuses)}, ${s.distinctBodies} distinct bod${s.distinctBodies === 1 ? 'y' : 'ies'}; ` +
          `completion after the first send p50 ${ms2(s.latency.p50)} ms, p99 ${ms2(s.latency.p99)} ms, max ${ms2(s.latency.max)} ms` +
          (s.errors.length ? `; errors e.g. ${s.errors.join('; ')}` : ''),
      );
    }
    if ((await pageRenders(serve.port)) === undefined)
      log('  NOTE: /metrics has no atrium_portal_page_renders gauge: renders cannot be counted');
  }
  log();

  log('== A7. serve peak memory');
  const status = procStatus(serve.pid);
  result.hwmMb = status.hwmMb;
  log(
    `serve VmHWM (peak RSS) ${mb(status.hwmMb)} (target <= ${TARGETS.serveRssMb} MB: ${verdict(status.hwmMb === undefined ? undefined : status.hwmMb <= TARGETS.serveRssMb)}); ` +
      `VmRSS now ${mb(status.rssMb)}; RSS at ready ${mb(result.rssAtReadyMb)}`,
  );
  log(await metricsExcerpt(serve.port));
  await serve.stop();
  if (opts.profile) {
    log('CPU profile of serve, whole life:');
    await printProfile(opts.profile, 'serve');
    for (const phase of [result.entity?.atrium, result.health?.atrium, result.mix?.atrium]) {
      if (!phase?.window) continue;
      log(
        `CPU profile of serve during "${phase.label}" (about ${phase.window.from.toFixed(1)}-${phase.window.to.toFixed(1)} s):`,
      );
      await printProfile(opts.profile, 'serve', { ...phase.window, sql: false });
    }
  }
  log();
  return result;
}

// ---------------------------------------------------------------------------------------------
// Part B: static export against Eleventy

interface BuildReport {
  pages: number;
  files: number;
  bytes: number;
  durationMs: number;
}

interface PageCounts {
  entity: number;
  graph: number;
  other: number;
  total: number;
}

interface ExportResult {
  catalog: GeneratedCatalog;
  sync: SyncRun;
  atrium: ChildResult;
  report: BuildReport;
  atriumPages: PageCounts;
  eleventy: ChildResult;
  eleventyPages: PageCounts;
  eleventyInputFiles: number;
  eleventyInProcessSec?: number;
  eleventyWrote?: number;
}

/** HTML pages under a folder: entity pages, graph pages, and the rest. */
async function countPages(dir: string): Promise<PageCounts> {
  const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.html'));
  const counts: PageCounts = { entity: 0, graph: 0, other: 0, total: 0 };
  for (const f of files) {
    const parts = f.split(sep);
    if (parts[0] === 'catalog' && parts.length === 5 && parts[4] === 'index.html' && parts[1] !== 'page')
      counts.entity++;
    else if (parts[0] === 'catalog' && parts.length === 6 && parts[4] === 'graph' && parts[5] === 'index.html')
      counts.graph++;
    else if (f !== '404.html') counts.other++;
    else continue;
    counts.total++;
  }
  return counts;
}

type Front = Parameters<typeof toYaml>[0];
/** A type, not an interface: toYaml's JSON type needs an index signature. */
type Link = { ref: string; title: string; url: string };
interface Parsed {
  key: string;
  kind: string;
  name: string;
  title: string;
  description: string;
  type?: string;
  lifecycle?: string;
  tags: string[];
  links: { url: string; title: string }[];
  file: string;
  relations: Map<string, Set<string>>;
}

const RELATIONS: Record<string, { type: string; inverse: string; kind: string }> = {
  owner: { type: 'ownedBy', inverse: 'ownerOf', kind: 'group' },
  system: { type: 'partOf', inverse: 'hasPart', kind: 'system' },
  domain: { type: 'partOf', inverse: 'hasPart', kind: 'domain' },
  subcomponentOf: { type: 'partOf', inverse: 'hasPart', kind: 'component' },
  dependsOn: { type: 'dependsOn', inverse: 'dependencyOf', kind: 'component' },
  dependencyOf: { type: 'dependencyOf', inverse: 'dependsOn', kind: 'component' },
  consumesApis: { type: 'consumesApi', inverse: 'apiConsumedBy', kind: 'api' },
  providesApis: { type: 'providesApi', inverse: 'apiProvidedBy', kind: 'api' },
  memberOf: { type: 'memberOf', inverse: 'hasMember', kind: 'group' },
  parent: { type: 'childOf', inverse: 'parentOf', kind: 'group' },
  children: { type: 'parentOf', inverse: 'childOf', kind: 'group' },
  members: { type: 'hasMember', inverse: 'memberOf', kind: 'user' },
};

function refKeyOf(ref: string, defaultKind: string): string {
  const colon = ref.indexOf(':');
  const kind = colon === -1 ? defaultKind : ref.slice(0, colon);
  const rest = colon === -1 ? ref : ref.slice(colon + 1);
  const slash = rest.indexOf('/');
  const ns = slash === -1 ? 'default' : rest.slice(0, slash);
  const name = slash === -1 ? rest : rest.slice(slash + 1);
  return `${kind}:${ns}/${name}`.toLowerCase();
}

const keyUrl = (key: string) => {
  const colon = key.indexOf(':');
  const slash = key.indexOf('/', colon);
  return `/catalog/${key.slice(colon + 1, slash)}/${key.slice(0, colon)}/${key.slice(slash + 1)}/`;
};

/** Reads the generated catalog's YAML into what an Eleventy site would carry per entity, relations both ways. */
async function readCatalogForEleventy(dir: string): Promise<Parsed[]> {
  const files = (await readdir(dir, { recursive: true }))
    .filter((f) => f.endsWith('.yaml') && !f.startsWith(`apis${sep}`))
    .sort();
  const entities: Parsed[] = [];
  const byKey = new Map<string, Parsed>();
  const pending: { from: Parsed; field: string; ref: string }[] = [];
  for (const file of files) {
    const text = await readFile(join(dir, file), 'utf8');
    for (const doc of parseAllDocuments(text)) {
      const raw = doc.toJS() as {
        kind?: string;
        metadata?: Record<string, unknown>;
        spec?: Record<string, unknown>;
      } | null;
      if (!raw?.kind || !raw.metadata) continue;
      const md = raw.metadata;
      const spec = raw.spec ?? {};
      const name = String(md.name);
      const key = `${raw.kind}:${String(md.namespace ?? 'default')}/${name}`.toLowerCase();
      const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
      const parsed: Parsed = {
        key,
        kind: raw.kind,
        name,
        title: str(md.title) ?? name,
        description: str(md.description) ?? '',
        type: str(spec.type),
        lifecycle: str(spec.lifecycle),
        tags: Array.isArray(md.tags) ? md.tags.map(String) : [],
        links: Array.isArray(md.links)
          ? (md.links as { url?: unknown; title?: unknown }[]).map((l) => ({
              url: String(l.url),
              title: String(l.title ?? l.url),
            }))
          : [],
        file: file.split(sep).join('/'),
        relations: new Map(),
      };
      entities.push(parsed);
      byKey.set(key, parsed);
      for (const field of Object.keys(RELATIONS)) {
        const value = spec[field];
        for (const ref of Array.isArray(value) ? value : value === undefined ? [] : [value])
          if (typeof ref === 'string') pending.push({ from: parsed, field, ref });
      }
    }
  }
  const add = (e: Parsed, type: string, key: string) => {
    let set = e.relations.get(type);
    if (!set) e.relations.set(type, (set = new Set()));
    set.add(key);
  };
  for (const { from, field, ref } of pending) {
    const rel = RELATIONS[field];
    if (!rel) continue;
    const key = refKeyOf(ref, rel.kind);
    add(from, rel.type, key);
    const target = byKey.get(key);
    if (target) add(target, rel.inverse, from.key);
  }
  return entities;
}

const LAYOUT = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · {{ site.name }}</title>
<meta name="description" content="{{ description }}">
<link rel="stylesheet" href="/assets/site.css">
<link rel="icon" href="/assets/icon.svg" type="image/svg+xml">
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="banner"><div class="banner-inner">
<a class="brand" href="/">{{ site.name }}</a>
<nav aria-label="Main"><ul class="nav">
{%- for item in site.nav %}
<li><a href="{{ item.url }}"{% if item.url == section %} aria-current="page"{% endif %}>{{ item.title }}</a></li>
{%- endfor %}
</ul></nav>
</div></header>
<nav class="crumbs" aria-label="Breadcrumb"><ol>
<li><a href="/catalog/">Catalog</a></li>
{%- if kind %}<li><a href="/catalog/?kind={{ kind | lower }}">{{ kind }}</a></li>{% endif %}
<li><span aria-current="page">{{ title }}</span></li>
</ol></nav>
<main id="main" tabindex="-1">
{%- if view == "entity" or view == "graph" %}
<header class="entity-header">
<p class="eyebrow"><span class="kind kind-{{ kind | lower }}">{{ kind }}</span> {% if type %}<span class="muted">{{ type }}</span>{% endif %} {% if lifecycle %}<span class="badge">{{ lifecycle }}</span>{% endif %}</p>
<h1>{{ title }}</h1>
{% if description %}<p class="lede">{{ description }}</p>{% endif %}
{%- if tags.length %}
<ul class="tags" aria-label="Tags">{% for tag in tags %}<li><a class="tag" href="/catalog/?tag={{ tag | urlencode }}">{{ tag }}</a></li>{% endfor %}</ul>
{%- endif %}
<p class="muted small"><code>{{ ref }}</code></p>
</header>
{%- endif %}
{%- if view == "entity" %}
<div class="entity-grid">
<section class="card" aria-labelledby="about">
<h2 id="about">About</h2>
<dl class="facts">
{% if owner %}<dt>Owner</dt><dd><a href="{{ owner.url }}">{{ owner.title }}</a></dd>{% endif %}
{% if system %}<dt>Part of</dt><dd><a href="{{ system.url }}">{{ system.title }}</a></dd>{% endif %}
{%- if links.length %}
<dt>Links</dt><dd><ul class="plain">{% for link in links %}<li><a href="{{ link.url }}" rel="noopener noreferrer">{{ link.title }}</a></li>{% endfor %}</ul></dd>
{%- endif %}
<dt>Source</dt><dd><code>{{ source }}</code></dd>
</dl>
</section>
<section class="card" aria-labelledby="relations">
<h2 id="relations">Relations</h2>
{%- for group in relations %}
<h3>{{ group.type }} <span class="n">{{ group.items.length }}</span></h3>
<ul class="plain">{% for item in group.items %}<li><a href="{{ item.url }}">{{ item.title }}</a> <span class="muted small">{{ item.ref }}</span></li>{% endfor %}</ul>
{%- else %}
<p class="empty">None recorded.</p>
{%- endfor %}
</section>
<section class="card prose" aria-labelledby="notes">
<h2 id="notes">Notes</h2>
{{ content | safe }}
</section>
</div>
{%- elif view == "graph" %}
<section class="card" aria-labelledby="graph">
<h2 id="graph">Dependency graph</h2>
<p><a href="{{ entityUrl }}">Back to {{ title }}</a></p>
<table class="table">
<thead><tr><th scope="col">Relation</th><th scope="col">Entity</th><th scope="col">Reference</th></tr></thead>
<tbody>
{%- for group in relations %}{% for item in group.items %}
<tr><td>{{ group.type }}</td><td><a href="{{ item.url }}">{{ item.title }}</a></td><td><code>{{ item.ref }}</code></td></tr>
{%- endfor %}{% endfor %}
</tbody>
</table>
{{ content | safe }}
</section>
{%- else %}
{{ content | safe }}
{%- endif %}
</main>
<footer class="footer"><p>{{ site.name }} · generated {{ page.date | string | truncate(10, true, "") }}</p></footer>
</body>
</html>
`;

const BROWSE = `---
layout: layout.njk
view: list
section: /catalog/
pagination:
  data: listPages
  size: 1
  alias: list
permalink: "browse/{{ pagination.pageNumber + 1 }}/index.html"
eleventyComputed:
  title: "{{ list.title }}"
---
<h1>{{ list.title }}</h1>
<p class="muted">Page {{ pagination.pageNumber + 1 }} of {{ pagination.pages.length }}</p>
<table class="table">
<thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Type</th><th scope="col">Owner</th><th scope="col">Description</th></tr></thead>
<tbody>
{%- for row in list.rows %}
<tr><td><a href="{{ row.url }}">{{ row.title }}</a></td><td>{{ row.kind }}</td><td>{{ row.type }}</td><td>{{ row.owner }}</td><td>{{ row.description }}</td></tr>
{%- endfor %}
</tbody>
</table>
`;

const CONFIG = `export default function (eleventyConfig) {
  eleventyConfig.setQuietMode(true);
  return {
    dir: { input: '.', includes: '_includes', data: '_data' },
    // Markdown is not run through a template engine first: it has no template syntax here, and this only makes Eleventy faster.
    markdownTemplateEngine: false,
    htmlTemplateEngine: 'njk',
  };
}
`;

/**
 * One Markdown page per entity and one per graph page (front matter carrying title,
 * description, owner, tags, relations and links; a few lines of Markdown), `listPages`
 * list pages of 50 rows, one Nunjucks layout. Returns the number of input files.
 */
async function writeEleventyInput(inputDir: string, entities: Parsed[], listPages: number): Promise<number> {
  const byKey = new Map(entities.map((e) => [e.key, e]));
  const link = (key: string): Link => ({
    ref: key,
    title: byKey.get(key)?.title ?? key.slice(key.indexOf('/') + 1),
    url: keyUrl(key),
  });
  await mkdir(join(inputDir, '_includes'), { recursive: true });
  await mkdir(join(inputDir, '_data'), { recursive: true });
  await writeFile(join(inputDir, '_includes', 'layout.njk'), LAYOUT);
  await writeFile(join(inputDir, 'browse.njk'), BROWSE);
  await writeFile(join(inputDir, 'eleventy.config.mjs'), CONFIG);
  await writeFile(
    join(inputDir, '_data', 'site.json'),
    JSON.stringify({
      name: 'Portal',
      nav: [
        { title: 'Home', url: '/' },
        { title: 'Catalog', url: '/catalog/' },
        { title: 'Problems', url: '/problems/' },
        { title: 'Search', url: '/search/' },
      ],
    }),
  );
  const rows = entities.map((e) => ({
    title: e.title,
    url: keyUrl(e.key),
    kind: e.kind,
    type: e.type ?? '',
    owner: [...(e.relations.get('ownedBy') ?? [])][0] ?? '',
    description: e.description,
  }));
  const lists = Array.from({ length: listPages }, (_, p) => ({
    title: `Catalog, page ${p + 1}`,
    rows: Array.from({ length: Math.min(50, rows.length) }, (_, i) => rows[(p * 50 + i) % rows.length]),
  }));
  await writeFile(join(inputDir, '_data', 'listPages.json'), JSON.stringify(lists));
  let files = 5;
  const writes: Promise<void>[] = [];
  const flush = async () => {
    await Promise.all(writes);
    writes.length = 0;
  };
  for (const e of entities) {
    const url = keyUrl(e.key);
    const owner = [...(e.relations.get('ownedBy') ?? [])][0];
    const system = [...(e.relations.get('partOf') ?? [])][0];
    const relations = [...e.relations].map(([type, keys]) => ({ type, items: [...keys].sort().map(link) }));
    const common: Front = {
      layout: 'layout.njk',
      section: '/catalog/',
      kind: e.kind,
      type: e.type,
      lifecycle: e.lifecycle,
      ref: e.key,
      description: e.description,
      tags: e.tags,
      entityUrl: url,
      relations,
    };
    const entityFront: Front = {
      ...common,
      view: 'entity',
      title: e.title,
      owner: owner ? link(owner) : undefined,
      system: system ? link(system) : undefined,
      links: e.links,
      source: e.file,
    };
    const body = [
      e.description,
      '',
      '## Overview',
      '',
      `This ${e.kind.toLowerCase()} is ${owner ? `owned by [${link(owner).title}](${keyUrl(owner)})` : 'not owned by anyone yet'}${system ? ` and is part of [${link(system).title}](${keyUrl(system)})` : ''}.`,
      '',
      `- Lifecycle: ${e.lifecycle ?? 'n/a'}`,
      `- Type: ${e.type ?? 'n/a'}`,
      `- Source: \`${e.file}\``,
      `- Relations: ${[...e.relations.values()].reduce((n, s) => n + s.size, 0)}`,
      '',
    ].join('\n');
    const dir = join(inputDir, ...url.split('/').filter(Boolean));
    writes.push(
      (async () => {
        await mkdir(join(dir, 'graph'), { recursive: true });
        await writeFile(join(dir, 'index.md'), `---\n${toYaml(entityFront)}---\n\n${body}`);
        await writeFile(
          join(dir, 'graph', 'index.md'),
          `---\n${toYaml({ ...common, view: 'graph', title: `Dependency graph of ${e.title}` })}---\n\nEvery relation of **${e.title}**, one hop.\n`,
        );
      })(),
    );
    files += 2;
    if (writes.length >= 64) await flush();
  }
  await flush();
  return files;
}

async function exportPhase(work: string): Promise<ExportResult> {
  log(`== B1. static export: generate ${opts.exportEntities} entities and sync them`);
  const catalogDir = join(work, 'export-catalog');
  const database = join(work, 'db', 'export.db');
  await mkdir(dirname(database), { recursive: true });
  const catalog = await generateCatalog({
    entities: opts.exportEntities,
    outDir: catalogDir,
    seed: opts.seed,
    dependencies: opts.dependencies,
  });
  log(describeCatalog(catalog));
  const sync = await runSync(catalogDir, database, work, 'export-sync');
  log(describeSync('sync', sync));
  log();

  log('== B2. atrium build (cold process; its own sync of the unchanged catalog included in the wall time)');
  const atriumOut = join(work, 'out-atrium');
  const atrium = await runAtrium(
    ['build', '--catalog', catalogDir, '--database', database, '--out', atriumOut, '--format', 'json'],
    work,
    'build',
    { profileDir: opts.profile },
  );
  const report = parseLastJson<BuildReport>('atrium build', atrium);
  if (atrium.code !== 0) throw new Error(`atrium build exited ${atrium.code}: ${atrium.stderr.slice(-2000)}`);
  const atriumPages = await countPages(atriumOut);
  log(
    `atrium build: ${report.pages} pages (${atriumPages.entity} entity, ${atriumPages.graph} graph, ${atriumPages.other} list/facet/problems/home/search/docs), ` +
      `${report.files} files, ${(report.bytes / 1e6).toFixed(1)} MB; render ${sec(report.durationMs)} = ${((report.pages / report.durationMs) * 1000).toFixed(0)} pages/s; ` +
      `process wall ${sec(atrium.wallMs)} = ${((report.pages / atrium.wallMs) * 1000).toFixed(0)} pages/s; peak RSS ${mb(atrium.peakRssMb)}` +
      (atrium.userSec !== undefined
        ? `; CPU ${atrium.userSec.toFixed(1)} s user + ${(atrium.sysSec ?? 0).toFixed(1)} s sys`
        : ''),
  );
  if (opts.profile) await printProfile(opts.profile, 'build');
  log();

  log('== B3. Eleventy 3 on comparable pages (cold process, same disk)');
  const prepStart = performance.now();
  const parsed = await readCatalogForEleventy(catalogDir);
  const listPages = Math.max(1, report.pages - atriumPages.entity - atriumPages.graph);
  const inputDir = join(work, 'eleventy-in');
  const eleventyOut = join(work, 'out-eleventy');
  const inputFiles = await writeEleventyInput(inputDir, parsed, listPages);
  log(
    `input: ${parsed.length} entity pages + ${parsed.length} graph pages (Markdown, YAML front matter with title, description, owner, system, tags, links and ` +
      `relations both ways) + ${listPages} list pages of 50 rows (pagination over a data file), one Nunjucks layout; ${inputFiles} files written in ${sec(performance.now() - prepStart)} (not timed)`,
  );
  const eleventy = await runNode(
    [
      ELEVENTY_CLI,
      `--input=${inputDir}`,
      `--output=${eleventyOut}`,
      `--config=${join(inputDir, 'eleventy.config.mjs')}`,
      '--quiet',
    ],
    {
      cwd: work,
      label: 'eleventy',
    },
  );
  if (eleventy.code !== 0)
    throw new Error(
      `eleventy exited ${eleventy.code ?? eleventy.signal}\n--- stdout\n${eleventy.stdout.slice(-2000)}\n--- stderr\n${eleventy.stderr.slice(-4000)}`,
    );
  const wrote = /Wrote (\d+) files? in ([\d.]+) seconds/.exec(`${eleventy.stdout}\n${eleventy.stderr}`);
  const eleventyPages = await countPages(eleventyOut);
  const eleventyInProcessSec = wrote?.[2] !== undefined ? Number(wrote[2]) : undefined;
  log(
    `eleventy: ${eleventyPages.total} pages (${eleventyPages.entity} entity, ${eleventyPages.graph} graph, ${eleventyPages.other} list); ` +
      (eleventyInProcessSec !== undefined
        ? `its own time ${eleventyInProcessSec.toFixed(2)} s = ${(eleventyPages.total / eleventyInProcessSec).toFixed(0)} pages/s; `
        : '') +
      `process wall ${sec(eleventy.wallMs)} = ${((eleventyPages.total / eleventy.wallMs) * 1000).toFixed(0)} pages/s; peak RSS ${mb(eleventy.peakRssMb)}` +
      (eleventy.userSec !== undefined
        ? `; CPU ${eleventy.userSec.toFixed(1)} s user + ${(eleventy.sysSec ?? 0).toFixed(1)} s sys`
        : ''),
  );
  const line = `${eleventy.stdout}\n${eleventy.stderr}`
    .trim()
    .split('\n')
    .filter((l) => l.includes('Wrote'))
    .at(-1);
  if (line) log(`  eleventy says: ${line.trim()}`);
  const atriumRate = (report.pages / atrium.wallMs) * 1000;
  const eleventyRate = (eleventyPages.total / eleventy.wallMs) * 1000;
  const ratio = atriumRate / eleventyRate;
  log(
    `pages/s, process wall: atrium ${atriumRate.toFixed(0)} vs eleventy ${eleventyRate.toFixed(0)} = ${ratio.toFixed(2)}x (target >= ${TARGETS.exportRatio}x: ${verdict(ratio >= TARGETS.exportRatio)})` +
      (eleventyInProcessSec !== undefined
        ? `; in-process (atrium's render time vs eleventy's own "Wrote" time): ${((report.pages / report.durationMs) * 1000).toFixed(0)} vs ${(eleventyPages.total / eleventyInProcessSec).toFixed(0)} = ` +
          `${(((report.pages / report.durationMs) * 1000) / (eleventyPages.total / eleventyInProcessSec)).toFixed(2)}x`
        : ''),
  );
  log();
  return {
    catalog,
    sync,
    atrium,
    report,
    atriumPages,
    eleventy,
    eleventyPages,
    eleventyInputFiles: inputFiles,
    eleventyInProcessSec,
    eleventyWrote: wrote?.[1] !== undefined ? Number(wrote[1]) : undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// Summary

function summary(a: PagesResult | undefined, b: ExportResult | undefined): number {
  const verdicts: boolean[] = [];
  const check = (ok: boolean | undefined) => {
    if (ok !== undefined) verdicts.push(ok);
    return verdict(ok);
  };
  const f = (v: number | undefined, digits = 1) => (v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits));
  const lat = (s: OpenLoopStats) => `${f(s.latency.p50, 2)}/${f(s.latency.p99, 2)}/${f(s.latency.p999, 2)}ms`;
  const parts: string[] = [];
  if (a) {
    parts.push(
      `entities=${a.catalog.documents} serve-ready=${a.serveReadyMs === undefined ? 'n/a' : sec(a.serveReadyMs).replace(' ', '')}`,
    );
    if (a.coldEntity && a.coldMix)
      parts.push(
        `cold entity p99=${f(a.coldEntity.stats.latency.p99, 0)}ms errors=${a.coldEntity.stats.errors.total} mix p99=${f(a.coldMix.stats.latency.p99, 0)}ms errors=${a.coldMix.stats.errors.total}`,
      );
    if (a.afterReady)
      parts.push(
        `after-ready(+1s) max=${f(a.afterReady.maxMs, 0)}ms over1s=${a.afterReady.overOneSecond} refused=${f(refusedShare(a.afterReady) * 100, 2)}%<1% ${check(afterReadyMet(a.afterReady))}`,
      );
    for (const [name, c, target] of [
      ['entity', a.entity, TARGETS.entityRatio],
      ['health-card', a.health, TARGETS.entityRatio],
      ['list/facet/search', a.mix, TARGETS.mixRatio],
    ] as const) {
      if (!c) continue;
      parts.push(
        `${name} p50/p99/p99.9=${lat(c.atrium.stats)} bare=${lat(c.bare.stats)} ratio=${f(c.ratio, 2)}x<=${target}x ${check(c.ratio <= target)} ` +
          `errors=${c.atrium.stats.errors.total}/${c.atrium.stats.scheduled} ${check(c.atrium.stats.errors.total === 0)} misses=${c.atrium.renders ?? 'n/a'} loop-delay-max=${f(c.atrium.lagMaxMs, 0)}ms lag99=${f(Math.max(c.atrium.stats.sendLag.p99, c.bare.stats.sendLag.p99), 1)}ms` +
          (c.atrium.sloCycles === undefined ? '' : ` slo-cycles=${c.atrium.sloCycles}`),
      );
    }
    for (const s of a.stampedes)
      parts.push(
        `stampede ${s.label} renders=${s.renders ?? 'n/a'}/${opts.stampede}req<=${TARGETS.rendersPerKey} ${check(s.renders === undefined ? undefined : s.renders <= TARGETS.rendersPerKey)} statuses=${JSON.stringify(s.statuses)}`,
      );
    parts.push(
      `serve-rss=${f(a.hwmMb, 0)}MB<=${TARGETS.serveRssMb} ${check(a.hwmMb === undefined ? undefined : a.hwmMb <= TARGETS.serveRssMb)}`,
    );
  } else {
    parts.push('pages skipped');
  }
  if (b) {
    const atriumRate = (b.report.pages / b.atrium.wallMs) * 1000;
    const eleventyRate = (b.eleventyPages.total / b.eleventy.wallMs) * 1000;
    parts.push(
      `export ${b.catalog.documents} entities: atrium ${b.report.pages}p in ${sec(b.atrium.wallMs).replace(' ', '')} (${f(atriumRate, 0)}p/s, rss ${f(b.atrium.peakRssMb, 0)}MB) ` +
        `eleventy ${b.eleventyPages.total}p in ${sec(b.eleventy.wallMs).replace(' ', '')} (${f(eleventyRate, 0)}p/s, rss ${f(b.eleventy.peakRssMb, 0)}MB) ` +
        `ratio=${f(atriumRate / eleventyRate, 2)}x>=${TARGETS.exportRatio}x ${check(atriumRate / eleventyRate >= TARGETS.exportRatio)}`,
    );
  } else {
    parts.push('export skipped');
  }
  const failed = verdicts.filter((v) => !v).length;
  log(`SUMMARY ${failed === 0 ? 'PASS' : `FAIL(${failed})`} | ${parts.join(' | ')}`);
  return failed === 0 ? 0 : 1;
}

/** The commit and how many files under src/ differ from it (read-only git; the tree may be edited while this runs). */
function sourceState(): string {
  const git = (args: string[]) => spawnSync('git', args, { cwd: REPO, encoding: 'utf8' });
  const head = git(['rev-parse', '--short', 'HEAD']);
  if (head.status !== 0) return 'not a git checkout';
  const dirty = git(['status', '--porcelain', '--', 'src']).stdout.split('\n').filter(Boolean).length;
  return `commit ${head.stdout.trim()}${dirty ? `, ${dirty} files under src/ modified or new` : ', src/ clean'}`;
}

async function main(): Promise<number> {
  const work = await mkdtemp(join(tmpdir(), 'atrium-portal-bench-'));
  if (!opts.keep) onCleanup('temp dir', () => rm(work, { recursive: true, force: true }));
  if (opts.profile) await mkdir(opts.profile, { recursive: true });
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  log(
    `Atrium portal benchmark, ${new Date().toISOString()}: pages at ${opts.entities} entities` +
      (opts.slos > 0 ? ` and ${opts.slos} SLOs (serve evaluates them every ${opts.sloEvaluation} s)` : '') +
      `, export at ${opts.exportEntities}; ` +
      `${opts.duration} s per measured phase per server, ${opts.coldDuration} s per cold phase; node ${process.version}; ` +
      `${availableParallelism()} x ${cpu}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB; load average ${load1()}; work dir ${work}${opts.keep ? ' (kept)' : ''}`,
  );
  log(`command: node --import tsx bench/portal-bench.ts ${process.argv.slice(2).join(' ')}`.trimEnd());
  log(`source: ${sourceState()}`);
  log(
    `peak RSS of finished children via ${gnuTime ? 'GNU time -v' : 'a getrusage preload'}; of serve via /proc/<pid>/status VmHWM`,
  );
  log();
  const a = opts.skipPages ? undefined : await pages(work);
  const b = opts.skipExport ? undefined : await exportPhase(work);
  return summary(a, b);
}

await runBenchmark('portal-bench', main, opts.keep);
