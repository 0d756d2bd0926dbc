/**
 * A small open-loop HTTP load generator (keep-alive connections over plain sockets, see
 * http-client-pool.ts; no dependency).
 *
 * Open loop: request send times are SCHEDULED in advance by a Poisson process (exponential
 * inter-arrival times) whose rate switches between a base rate and a burst rate (on for
 * `burstLengthSec`, starting `burstOffsetSec` into every `burstEverySec` window: with the
 * defaults, bursts at 3-4 s, 13-14 s, 23-24 s...). A slow server therefore
 * cannot slow the generator down, and latency is measured from the scheduled send time,
 * not from when the request actually left (no coordinated omission). The generator's own
 * lateness (actual send minus scheduled) is reported as send lag: if it grows, the
 * generator, not the server, is the limit.
 *
 * Targets are drawn from `urls` with a Zipf(s) skew over their order (the first URL is the
 * hottest). The whole schedule (send times and target indices) is drawn up front by
 * `planOpenLoop` from the seed, so the same options give two servers the identical request
 * sequence, dropped requests included, and a benchmark can learn beforehand which targets a
 * run will ask for. Only 127.0.0.1 is accepted as a target. The run stops by itself after
 * `durationSec`; requests still in flight get `drainTimeoutMs` to finish and then count as
 * errors. At most `maxInFlight` requests are outstanding; a scheduled request that finds
 * the cap reached is not sent and counts as an error (`dropped`).
 */
import { startTsWorker } from '../src/platform/ts-worker.ts';
import { HttpClientPool, serializeRequest } from './http-client-pool.ts';
import { zipf } from './distributions.ts';
import { createRng, exponential } from '../src/platform/prng.ts';

export interface OpenLoopOptions {
  /** Full URLs, hottest first; every one must be http://127.0.0.1:PORT/... */
  urls: readonly string[];
  /** Base arrival rate, requests per second. */
  rate: number;
  /** Arrival rate during a burst (default: rate, i.e. no bursts). */
  burstRate?: number;
  /** A burst starts every this many seconds (default 10). */
  burstEverySec?: number;
  /** Each burst lasts this long (default 1). */
  burstLengthSec?: number;
  /** Where in each window the burst starts, seconds (default 3, or earlier if the window is short). */
  burstOffsetSec?: number;
  durationSec: number;
  seed?: number;
  /** Zipf exponent over `urls` (default 0.99). */
  zipfExponent?: number;
  /** Cap on outstanding requests (default 2,000). */
  maxInFlight?: number;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** How long to wait for in-flight requests after the last one is sent (default 10 s). */
  drainTimeoutMs?: number;
  /** Request headers (default `accept: application/json`). */
  headers?: Readonly<Record<string, string>>;
  /** Also summarise the requests scheduled from this ms of the schedule on (`OpenLoopStats.since`): e.g. from one second after a server turned ready. */
  sinceMs?: number;
  /** Makes the i-th request a POST of this JSON body, with extra headers (e.g. a unique event and Idempotency-Key each). */
  post?: (i: number) => { body: string; headers?: Readonly<Record<string, string>> };
}

/** What planOpenLoop needs: the schedule, not the targets themselves. */
export type OpenLoopScheduleOptions = Pick<
  OpenLoopOptions,
  'rate' | 'burstRate' | 'burstEverySec' | 'burstLengthSec' | 'burstOffsetSec' | 'durationSec' | 'seed' | 'zipfExponent'
>;

/**
 * A run's whole schedule, computed before it starts: the i-th request is sent at
 * `times[i]` ms after the start, to target index `targets[i]` (0 = hottest), inside a burst
 * if `burst[i]` is 1. The same options always give the same plan, so two servers can get
 * the identical sequence, and a benchmark can know in advance which targets will be asked for.
 */
export interface OpenLoopPlan {
  times: Float64Array;
  targets: Uint32Array;
  burst: Uint8Array;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export interface OpenLoopStats {
  /** Requests scheduled during the run. */
  scheduled: number;
  /** Requests that got a complete response (any status). */
  completed: number;
  /** Latency from scheduled send time to the last byte of the response, ms (2xx and non-2xx). */
  latency: LatencySummary;
  /** Latency of the requests scheduled inside bursts only. */
  burstLatency: LatencySummary;
  /** Actual send time minus scheduled send time, ms. */
  sendLag: LatencySummary;
  errors: {
    total: number;
    /** Complete responses with a status outside 200-299. */
    non2xx: number;
    /** Connection errors, resets, per-request timeouts. */
    network: number;
    /** Not sent: the in-flight cap was reached. */
    dropped: number;
    /** Still outstanding when the drain timeout expired. */
    unfinished: number;
  };
  statuses: Record<string, number>;
  /** Response body bytes, total and per completed request. */
  bytes: number;
  meanBodyBytes: number;
  /** Completed requests per second of schedule. */
  achievedRps: number;
  /** Largest number of outstanding requests seen. */
  peakInFlight: number;
  durationSec: number;
  /** A few error messages, for diagnosis. */
  sampleErrors: string[];
  /**
   * The seconds of the schedule (by scheduled send time) with the most errors, then the
   * highest maximum latency, worst first, at most three: where a stall happened.
   */
  worstSeconds: { second: number; maxMs: number; requests: number; errors: number }[];
  /** With `sinceMs`: the requests scheduled from then on. */
  since?: SinceStats;
}

/** The requests scheduled from `fromMs` of a schedule on: how long they waited, how many were refused or lost. */
export interface SinceStats {
  fromMs: number;
  scheduled: number;
  /** Of complete responses (any status). */
  latency: LatencySummary;
  /** Complete responses slower than 1 s, plus requests with no response (network errors, timeouts, dropped, unfinished): each waited more than 1 s or for ever. */
  overOneSecond: number;
  /** 503 answers (load shed: refused, to be retried). */
  refused: number;
  /** Other non-2xx answers. */
  otherNon2xx: number;
}

interface Target {
  port: number;
  path: string;
}

function parseTarget(url: string): Target {
  const u = new URL(url);
  if (u.protocol !== 'http:') throw new Error(`load generator: only http:// targets, not ${url}`);
  if (u.hostname !== '127.0.0.1')
    throw new Error(`load generator: only 127.0.0.1 is allowed as a target, not ${u.hostname}`);
  return { port: Number(u.port || 80), path: `${u.pathname}${u.search}` };
}

export function summarize(values: number[]): LatencySummary {
  if (values.length === 0) return { count: 0, p50: NaN, p99: NaN, p999: NaN, max: NaN, mean: NaN };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    p50: at(0.5),
    p99: at(0.99),
    p999: at(0.999),
    max: sorted[sorted.length - 1] as number,
    mean: sum / sorted.length,
  };
}

/**
 * The instantaneous arrival rate at time t (seconds) and when it next changes: the base
 * rate, except for `length` seconds starting `offset` seconds into every `every`-second window.
 */
function rateSchedule(base: number, burst: number, every: number, length: number, offset: number) {
  const off = Math.max(0, Math.min(offset, every - length));
  return (t: number): { rate: number; until: number } => {
    if (burst === base || length <= 0 || every <= 0) return { rate: base, until: Infinity };
    if (length >= every) return { rate: burst, until: Infinity };
    const window = Math.floor(t / every) * every;
    const burstStart = window + off;
    const burstEnd = burstStart + length;
    if (t < burstStart) return { rate: base, until: burstStart };
    if (t < burstEnd) return { rate: burst, until: burstEnd };
    return { rate: base, until: window + every + off };
  };
}

/**
 * The next arrival after t of a Poisson process with a piecewise-constant rate: draw a unit
 * exponential and spend it across the rate segments (exact, no thinning needed).
 */
function nextArrival(t: number, draw: () => number, schedule: (t: number) => { rate: number; until: number }): number {
  let remaining = draw();
  for (;;) {
    const { rate, until } = schedule(t);
    if (rate > 0 && remaining <= rate * (until - t)) return t + remaining / rate;
    if (until === Infinity) return Infinity;
    if (rate > 0) remaining -= rate * (until - t);
    t = until;
  }
}

export function planOpenLoop(options: OpenLoopScheduleOptions, targetCount: number): OpenLoopPlan {
  if (targetCount <= 0) throw new Error('load generator: no targets');
  const durationMs = options.durationSec * 1000;
  if (!(options.durationSec > 0) || !(options.rate > 0))
    throw new Error('load generator: rate and duration must be positive');
  const schedule = rateSchedule(
    options.rate,
    options.burstRate ?? options.rate,
    options.burstEverySec ?? 10,
    options.burstLengthSec ?? 1,
    options.burstOffsetSec ?? 3,
  );
  // Two streams, so the arrival times do not depend on how many targets were drawn.
  const arrivalRng = createRng((options.seed ?? 1) * 2 + 1);
  const targetRng = createRng((options.seed ?? 1) * 2 + 2);
  const drawTarget = zipf(targetCount, options.zipfExponent ?? 0.99);
  const draw = () => exponential(arrivalRng, 1);
  const times: number[] = [];
  for (
    let next = nextArrival(0, draw, schedule) * 1000;
    next < durationMs;
    next = nextArrival(next / 1000, draw, schedule) * 1000
  )
    times.push(next);
  const targets = new Uint32Array(times.length);
  const burst = new Uint8Array(times.length);
  for (let i = 0; i < times.length; i++) {
    targets[i] = drawTarget(targetRng);
    burst[i] = schedule((times[i] as number) / 1000).rate !== options.rate ? 1 : 0;
  }
  return { times: Float64Array.from(times), targets, burst };
}

/**
 * How early a request may leave: timers fire no finer than a millisecond, and spinning on
 * setImmediate until the exact instant cost the generator a busy core at 1,000 requests/s,
 * a core the server under test needed.
 */
const EARLY_MS = 1;

export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopStats> {
  const targets = options.urls.map(parseTarget);
  if (targets.length === 0) throw new Error('load generator: no URLs');
  const durationSec = options.durationSec;
  const plan = planOpenLoop(options, targets.length);
  const maxInFlight = options.maxInFlight ?? 2000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
  const headers = options.headers ?? { accept: 'application/json' };

  const pool = new HttpClientPool(timeoutMs);
  // GETs are serialised once per target; a POST's body is the caller's, per request.
  const gets = targets.map((t) => serializeRequest('GET', t.port, t.path, headers));
  const latencies: number[] = [];
  /** Per second of the schedule: requests, errors, maximum latency. */
  const perSecond = new Map<number, { requests: number; errors: number; maxMs: number }>();
  const noteSecond = (scheduledAtMs: number, latency: number | undefined) => {
    const second = Math.floor(scheduledAtMs / 1000);
    let entry = perSecond.get(second);
    if (!entry) perSecond.set(second, (entry = { requests: 0, errors: 0, maxMs: 0 }));
    entry.requests++;
    if (latency === undefined) entry.errors++;
    else if (latency > entry.maxMs) entry.maxMs = latency;
  };
  const burstLatencies: number[] = [];
  const lags: number[] = [];
  const statuses: Record<string, number> = {};
  const sampleErrors: string[] = [];
  const errors = { total: 0, non2xx: 0, network: 0, dropped: 0, unfinished: 0 };
  let scheduled = 0;
  let completed = 0;
  let bytes = 0;
  let peakInFlight = 0;
  const sinceMs = options.sinceMs;
  const since = { scheduled: 0, latencies: [] as number[], lost: 0, refused: 0, otherNon2xx: 0 };
  const noteError = (message: string) => {
    if (sampleErrors.length < 5 && !sampleErrors.includes(message)) sampleErrors.push(message);
  };

  const start = performance.now();
  const elapsedMs = () => performance.now() - start;

  let onIdle: (() => void) | undefined;
  /** Set once the drain has given up: requests failed after it count as unfinished. */
  let abandoned = false;
  const finished = () => {
    if (pool.inFlight === 0 && onIdle) onIdle();
  };

  const fire = (i: number): void => {
    const scheduledAtMs = plan.times[i] as number;
    // Latency counts from the scheduled time, or from the send if it left early (EARLY_MS).
    const sentMs = elapsedMs();
    const fromMs = Math.min(scheduledAtMs, sentMs);
    scheduled++;
    const counted = sinceMs !== undefined && scheduledAtMs >= sinceMs;
    if (counted) since.scheduled++;
    if (pool.inFlight >= maxInFlight) {
      if (counted) since.lost++;
      errors.dropped++;
      noteSecond(scheduledAtMs, undefined);
      errors.total++;
      return;
    }
    const burst = plan.burst[i] === 1;
    const targetIndex = plan.targets[i] as number;
    const target = targets[targetIndex] as Target;
    const post = options.post?.(i);
    const request =
      post === undefined
        ? (gets[targetIndex] as Buffer)
        : serializeRequest(
            'POST',
            target.port,
            target.path,
            { ...headers, ...post.headers, 'content-type': 'application/json' },
            post.body,
          );
    pool.send(target.port, request, {
      done: ({ status, bodyBytes }) => {
        const latency = elapsedMs() - fromMs;
        latencies.push(latency);
        noteSecond(scheduledAtMs, latency);
        if (burst) burstLatencies.push(latency);
        completed++;
        bytes += bodyBytes;
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (counted) {
          since.latencies.push(latency);
          if (status === 503) since.refused++;
          else if (status < 200 || status > 299) since.otherNon2xx++;
        }
        if (status < 200 || status > 299) {
          errors.non2xx++;
          errors.total++;
          noteError(`HTTP ${status} for ${target.path}`);
        }
        finished();
      },
      fail: (err) => {
        if (counted) since.lost++;
        if (abandoned) errors.unfinished++;
        else errors.network++;
        noteSecond(scheduledAtMs, undefined);
        errors.total++;
        noteError(err.message);
        finished();
      },
    });
    if (pool.inFlight > peakInFlight) peakInFlight = pool.inFlight;
    lags.push(Math.max(0, sentMs - scheduledAtMs));
  };

  await new Promise<void>((resolve) => {
    const n = plan.times.length;
    let i = 0;
    const tick = (): void => {
      const now = elapsedMs();
      while (i < n && (plan.times[i] as number) < now + EARLY_MS) fire(i++);
      if (i >= n) {
        resolve();
        return;
      }
      setTimeout(tick, Math.max(0, Math.floor((plan.times[i] as number) - EARLY_MS - elapsedMs())));
    };
    tick();
  });

  // Drain: give outstanding requests a bounded time, then abandon them as errors.
  if (pool.inFlight > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, drainTimeoutMs);
      onIdle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  onIdle = undefined;
  if (pool.inFlight > 0) {
    noteError(`${pool.inFlight} requests unfinished after the ${drainTimeoutMs} ms drain`);
    abandoned = true;
  }
  pool.destroy('abandoned after the drain');

  return {
    scheduled,
    completed,
    latency: summarize(latencies),
    burstLatency: summarize(burstLatencies),
    sendLag: summarize(lags),
    errors,
    statuses,
    bytes,
    meanBodyBytes: completed > 0 ? Math.round(bytes / completed) : 0,
    achievedRps: completed / durationSec,
    peakInFlight,
    durationSec,
    sampleErrors,
    worstSeconds: [...perSecond]
      .map(([second, e]) => ({ second, ...e }))
      .sort((a, b) => b.errors - a.errors || b.maxMs - a.maxMs)
      .slice(0, 3),
    ...(sinceMs === undefined
      ? {}
      : {
          since: {
            fromMs: sinceMs,
            scheduled: since.scheduled,
            latency: summarize(since.latencies),
            overOneSecond: since.latencies.filter((l) => l > 1000).length + since.lost,
            refused: since.refused,
            otherNon2xx: since.otherNon2xx,
          },
        }),
  };
}

const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)} ms` : 'n/a');

export function formatStats(label: string, s: OpenLoopStats): string {
  const e = s.errors;
  return [
    `${label}: ${s.completed}/${s.scheduled} completed in ${s.durationSec} s (${s.achievedRps.toFixed(0)} req/s), mean body ${s.meanBodyBytes} B, peak in-flight ${s.peakInFlight}`,
    `  latency from scheduled send: p50 ${ms(s.latency.p50)}, p99 ${ms(s.latency.p99)}, p99.9 ${ms(s.latency.p999)}, max ${ms(s.latency.max)}, mean ${ms(s.latency.mean)}`,
    `  during bursts only (${s.burstLatency.count} requests): p50 ${ms(s.burstLatency.p50)}, p99 ${ms(s.burstLatency.p99)}, max ${ms(s.burstLatency.max)}`,
    `  errors: ${e.total} (non-2xx ${e.non2xx}, network ${e.network}, dropped at cap ${e.dropped}, unfinished ${e.unfinished})` +
      (s.sampleErrors.length > 0 ? ` e.g. ${s.sampleErrors.join('; ')}` : ''),
    `  generator send lag: p50 ${ms(s.sendLag.p50)}, p99 ${ms(s.sendLag.p99)}, max ${ms(s.sendLag.max)}`,
    `  worst seconds of the schedule: ${s.worstSeconds.map((w) => `${w.second}-${w.second + 1} s max ${ms(w.maxMs)} (${w.requests} requests, ${w.errors} errors)`).join('; ') || 'n/a'}`,
  ].join('\n');
}

/**
 * `runOpenLoop` on a worker thread (GETs only: `post` is a function, which cannot cross
 * threads), for a server running in this process: its event loop is then the server's alone.
 */
export function runOpenLoopInWorker(options: Omit<OpenLoopOptions, 'post'>): Promise<OpenLoopStats> {
  const worker = startTsWorker(new URL('./open-loop-worker.ts', import.meta.url), options);
  return new Promise((resolve, reject) => {
    worker.once('message', (stats: OpenLoopStats) => {
      resolve(stats);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`load generator thread exited (${code}) before its result`)));
  });
}
