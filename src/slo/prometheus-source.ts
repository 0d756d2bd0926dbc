import { createHash } from 'node:crypto';
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  ConsecutiveBreaker,
  ExponentialBackoff,
  bulkhead,
  circuitBreaker,
  handleType,
  retry,
  wrap,
  type IPolicy,
} from 'cockatiel';
import { outbound } from '../notifications/outbound-http.ts';
import type { PrometheusSourceSettings } from '../platform/config.ts';
import { windowRange } from './budget.ts';
import type { EventCounts, MeasureWindow, Measurement, SloDataSource, SloDefinition } from './model.ts';
import {
  combinedQuery,
  countsFromSamples,
  indicatorProblem,
  promRange,
  type PromRange,
  type VectorSample,
} from './prometheus-query.ts';

/**
 * SLO measurements from a Prometheus HTTP API (`POST /api/v1/query`). Each source limits
 * its queries in flight (a bulkhead), retries what may pass (no answer, 429, 5xx) with
 * exponential backoff, and stops asking a source that keeps failing (a circuit breaker,
 * half-open after a pause): all three are cockatiel's. An empty answer is "no data"; a
 * source that cannot answer is "source down", with a reason that names neither the URL
 * nor a header.
 */

/** The source could not answer (no connection, timeout, 429, 5xx, not Prometheus' API): worth a retry. */
class SourceDown extends Error {}
/** Prometheus answered and refused the query (bad_data, execution): no retry helps. */
class QueryRefused extends Error {}

export interface PrometheusSourceOptions {
  /** Retries after the first attempt (default 2). */
  retries?: number;
  /** The first backoff; it doubles up to 8 times as long (default 200 ms). */
  backoffMs?: number;
  /** Consecutive failed attempts that open the breaker (default 5). */
  breakAfter?: number;
  /** How long an open breaker refuses before letting one query try (default 10 s). */
  halfOpenAfterMs?: number;
  /** Queries waiting for a slot beyond which new ones are refused (default 10,000). */
  maxQueued?: number;
  /** The largest answer read (default 4 MiB). */
  maxAnswerBytes?: number;
  /**
   * How long a measurement of an SLO's own window (30 days: it moves slowly) is reused
   * before it is asked again (default 5 min; 0 asks every time). It is most of a query's
   * cost (30 days of samples against 3 days for every burn window together).
   */
  sloWindowReuseMs?: number;
}

/** The default reuse of an SLO window's measurement. */
export const SLO_WINDOW_REUSE_MS = 5 * 60_000;

/** An SLO window's last measurement: its counts (none when nothing was recorded), which reuse period and calendar window start it is of. */
interface SloWindowMeasurement {
  counts: EventCounts | undefined;
  period: number;
  start: number;
}

type QueryOutcome = { ok: true; samples: VectorSample[] } | { ok: false; down: boolean; detail: string };

export class PrometheusSource implements SloDataSource {
  readonly name: string;
  private readonly policy: IPolicy;
  private readonly maxAnswerBytes: number;
  private readonly reuseMs: number;
  /** By SLO key and group. An SLO deleted from the catalog leaves one small entry until restart. */
  private readonly sloWindows = new Map<string, SloWindowMeasurement>();

  constructor(
    private readonly settings: PrometheusSourceSettings,
    options: PrometheusSourceOptions = {},
  ) {
    this.name = settings.name;
    this.maxAnswerBytes = options.maxAnswerBytes ?? 4 * 1024 * 1024;
    this.reuseMs = options.sloWindowReuseMs ?? SLO_WINDOW_REUSE_MS;
    const transient = handleType(SourceDown);
    const backoffMs = options.backoffMs ?? 200;
    const retries = retry(transient, {
      maxAttempts: options.retries ?? 2,
      backoff: new ExponentialBackoff({ initialDelay: backoffMs, maxDelay: backoffMs * 8 }),
    });
    const breaker = circuitBreaker(transient, {
      halfOpenAfter: options.halfOpenAfterMs ?? 10_000,
      breaker: new ConsecutiveBreaker(options.breakAfter ?? 5),
    });
    // Retries outermost: each attempt counts for the breaker and waits for its own slot,
    // so a backoff never holds one; an open breaker is not retried.
    this.policy = wrap(retries, breaker, bulkhead(settings.concurrency, options.maxQueued ?? 10_000));
  }

  /** One instant query at `at`: its vector, or why there is none. */
  async query(expression: string, at: Date): Promise<QueryOutcome> {
    try {
      const samples = await this.policy.execute(({ signal }) => this.attempt(expression, at, signal));
      return { ok: true, samples };
    } catch (err) {
      if (err instanceof QueryRefused) return { ok: false, down: false, detail: err.message };
      if (err instanceof SourceDown) return { ok: false, down: true, detail: err.message };
      if (err instanceof BrokenCircuitError)
        return {
          ok: false,
          down: true,
          detail: `Prometheus source ${this.name} failed repeatedly; not asked again for a while`,
        };
      if (err instanceof BulkheadRejectedError)
        return { ok: false, down: true, detail: `Prometheus source ${this.name} has too many queries waiting` };
      throw err;
    }
  }

  async measure(slo: SloDefinition, windows: readonly MeasureWindow[], at: Date): Promise<Measurement> {
    const problem = indicatorProblem(slo.indicator);
    if (problem) return { state: 'source-down', detail: `The SLO's indicator cannot be measured: ${problem}` };
    const reuse = this.reusable(slo, windows, at);
    const asked = reuse.measured ? windows.filter((w) => w !== 'slo') : windows;
    const ranges: PromRange[] = asked.map((w) => promRange(w, slo.window, at));
    const answer = await this.query(combinedQuery(slo.indicator, ranges), at);
    if (!answer.ok)
      return {
        state: 'source-down',
        detail: answer.down ? answer.detail : `Prometheus source ${this.name} refused the query: ${answer.detail}`,
      };
    const counted = slo.indicator.type === 'ratio' && slo.indicator.good === undefined ? 'errors' : 'good';
    const { windows: counts, missingGood } = countsFromSamples(answer.samples, ranges, counted, slo.group);
    if (reuse.measured?.counts) counts.slo = reuse.measured.counts;
    else if (reuse.store) reuse.store(counts.slo);
    if (Object.keys(counts).length === 0)
      return { state: 'no-data', detail: `Prometheus source ${this.name} has no samples for this SLO's total` };
    if (missingGood && slo.indicator.type === 'latency')
      return {
        state: 'no-data',
        detail: `No ${slo.indicator.metric}_bucket series with le=${slo.indicator.thresholdSeconds}: the threshold must be one of the histogram's bucket boundaries`,
      };
    return { state: 'ok', windows: counts };
  }

  /**
   * Whether the SLO window's last measurement may answer again: asked with other windows
   * (so a source that went down is still seen), within the same reuse period and the same
   * window (a calendar month's start moves at its end). Each SLO's periods are offset by
   * a hash of its key, so a cycle asks about a tenth of the SLO windows (at 30 s cycles and
   * 5 min reuse), not all of them every tenth cycle.
   */
  private reusable(
    slo: SloDefinition,
    windows: readonly MeasureWindow[],
    at: Date,
  ): { measured?: SloWindowMeasurement; store?: (counts: EventCounts | undefined) => void } {
    if (this.reuseMs <= 0 || !windows.includes('slo') || !windows.some((w) => w !== 'slo')) return {};
    const key = slo.group ? `${slo.key} ${JSON.stringify(slo.group)}` : slo.key;
    const period = reusePeriodStart(key, at.getTime(), this.reuseMs);
    // A rolling window slides with every instant; a calendar month's start changes once a month.
    const start = slo.window.kind === 'calendar' ? windowRange(slo.window, at.getTime()).start : 0;
    const last = this.sloWindows.get(key);
    if (last && last.period === period && last.start === start) return { measured: last };
    return { store: (counts) => this.sloWindows.set(key, { counts, period, start }) };
  }

  private async attempt(expression: string, at: Date, signal: AbortSignal): Promise<VectorSample[]> {
    const body = new URLSearchParams({ query: expression, time: (at.getTime() / 1000).toFixed(3) }).toString();
    const result = await outbound({
      method: 'POST',
      url: `${this.settings.url.replace(/\/+$/, '')}/api/v1/query`,
      headers: { ...this.settings.headers, 'content-type': 'application/x-www-form-urlencoded' },
      body,
      timeoutMs: this.settings.timeoutMs,
      maxBytes: this.maxAnswerBytes,
      signal,
    });
    if (!result.ok) throw new SourceDown(`Prometheus source ${this.name}: ${result.error}`);
    const { status, text, truncated } = result.response;
    if (status === 429 || status >= 500) throw new SourceDown(`Prometheus source ${this.name} answered HTTP ${status}`);
    if (truncated)
      throw new QueryRefused(`the answer is larger than ${this.maxAnswerBytes} bytes (group by fewer labels)`);
    const answer = parseAnswer(text);
    if (!answer) throw new SourceDown(`Prometheus source ${this.name} answered HTTP ${status} without its API's JSON`);
    if (answer.status === 'error')
      throw new QueryRefused(`${answer.errorType ?? 'error'}: ${String(answer.error ?? '').slice(0, 300)}`);
    if (answer.resultType !== 'vector')
      throw new QueryRefused(`the query answers a ${answer.resultType}, not an instant vector`);
    return answer.result;
  }
}

/**
 * When the reuse period `at` falls in began for the SLO window of `key`: periods are
 * `reuseMs` long, offset per key by a hash of it so that SLOs do not all expire together.
 */
export function reusePeriodStart(key: string, at: number, reuseMs: number): number {
  const offset = createHash('sha256').update(key).digest().readUInt32BE(0) % reuseMs;
  return Math.floor((at + offset) / reuseMs) * reuseMs - offset;
}

type Answer =
  | { status: 'success'; resultType: string; result: VectorSample[] }
  | { status: 'error'; errorType?: string; error?: unknown };

/** Prometheus' answer envelope, checked field by field; undefined for anything else. */
function parseAnswer(text: string): Answer | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const envelope = value as { status?: unknown; data?: unknown; errorType?: unknown; error?: unknown };
  if (envelope.status === 'error')
    return {
      status: 'error',
      ...(typeof envelope.errorType === 'string' ? { errorType: envelope.errorType } : {}),
      error: envelope.error,
    };
  if (envelope.status !== 'success' || typeof envelope.data !== 'object' || envelope.data === null) return undefined;
  const data = envelope.data as { resultType?: unknown; result?: unknown };
  if (typeof data.resultType !== 'string') return undefined;
  if (data.resultType !== 'vector') return { status: 'success', resultType: data.resultType, result: [] };
  if (!Array.isArray(data.result) || !data.result.every(isSample)) return undefined;
  return { status: 'success', resultType: 'vector', result: data.result };
}

function isSample(value: unknown): value is VectorSample {
  if (typeof value !== 'object' || value === null) return false;
  const { metric, value: pair } = value as { metric?: unknown; value?: unknown };
  return (
    typeof metric === 'object' &&
    metric !== null &&
    Object.values(metric).every((v) => typeof v === 'string') &&
    Array.isArray(pair) &&
    pair.length === 2 &&
    typeof pair[0] === 'number' &&
    typeof pair[1] === 'string'
  );
}

/**
 * The configured sources by name: an SLO is measured by the one it names (`default`
 * when it names none). An SLO naming a source that is not configured is "source down",
 * saying so.
 */
export class PrometheusSources implements SloDataSource {
  private readonly byName: ReadonlyMap<string, PrometheusSource>;

  constructor(settings: readonly PrometheusSourceSettings[], options: PrometheusSourceOptions = {}) {
    this.byName = new Map(settings.map((s) => [s.name, new PrometheusSource(s, options)]));
  }

  measure(slo: SloDefinition, windows: readonly MeasureWindow[], at: Date): Promise<Measurement> {
    const name = slo.source ?? 'default';
    const source = this.byName.get(name);
    if (!source)
      return Promise.resolve({
        state: 'source-down',
        detail: `No Prometheus source named ${name} is configured (atrium.yaml prometheus.${name}, or ATRIUM_PROMETHEUS_URL for default)`,
      });
    return source.measure(slo, windows, at);
  }
}
