import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { BURN_WINDOWS, type MeasureWindow, type Measurement, type SloDefinition } from '../src/slo/model.ts';
import { PrometheusSource, PrometheusSources, reusePeriodStart } from '../src/slo/prometheus-source.ts';
import { loopbackServer } from './support/loopback.ts';
import { instantValue, prometheusMissing, type StartedPrometheus, startPrometheus } from './support/prometheus.ts';

/**
 * The Prometheus data source against Debian's Prometheus: a month of exact samples
 * backfilled with promtool (so every window's counts are known by hand), a loopback target
 * scraped each second whose error rate the test sets, and the server killed in the middle
 * of an evaluation. Faults of the HTTP exchange (5xx, refusals, timeouts, not-Prometheus
 * answers) are played by a loopback server speaking Prometheus' API.
 */

const STEP = 300;
/** The backfilled history ends on a 5-minute boundary three hours ago (never in the head's range). */
const END = Math.floor(Date.now() / 1000 / STEP) * STEP - 3 * 3600;
const START = END - 31 * 86_400;
/** The last hour burns: 10 % errors and 80 % fast; before it 0.1 % errors and 98 % fast. */
const burning = (ts: number) => ts > END - 3600;

function history(): string {
  const lines: string[] = [];
  const series = (name: string, labels: string, increment: (ts: number) => number) => {
    let value = 0;
    for (let ts = START; ts <= END; ts += STEP) {
      if (ts > START) value += increment(ts);
      lines.push(`${name}{${labels}} ${value} ${ts}`);
    }
  };
  lines.push('# TYPE shop_requests counter');
  series('shop_requests_total', 'code="200"', (ts) => (burning(ts) ? 2700 : 2997));
  series('shop_requests_total', 'code="500"', (ts) => (burning(ts) ? 300 : 3));
  lines.push('# TYPE shop_latency_seconds histogram');
  series('shop_latency_seconds_bucket', 'le="0.25"', (ts) => (burning(ts) ? 2400 : 2940));
  series('shop_latency_seconds_bucket', 'le="+Inf"', () => 3000);
  series('shop_latency_seconds_count', '', () => 3000);
  series('shop_latency_seconds_sum', '', () => 300);
  return `${lines.join('\n')}\n# EOF\n`;
}

/** Hand-computed from the history: 12 burning steps of 5 minutes, then 3 000 requests per step before. */
function expected(window: MeasureWindow, errorsBurning: number, errorsCalm: number) {
  const seconds = {
    '5m': 300,
    '30m': 1800,
    '1h': 3600,
    '2h': 7200,
    '6h': 21_600,
    '1d': 86_400,
    '3d': 259_200,
    slo: 2_592_000,
  }[window];
  const steps = seconds / STEP;
  const burningSteps = Math.min(steps, 12);
  const bad = burningSteps * errorsBurning + (steps - burningSteps) * errorsCalm;
  return { good: steps * 3000 - bad, total: steps * 3000 };
}

function slo(indicator: SloDefinition['indicator'], extra: Partial<SloDefinition> = {}): SloDefinition {
  return {
    key: 'slo:default/shop',
    namespace: 'default',
    name: 'shop',
    service: 'component:default/shop',
    owner: 'group:default/team',
    objective: '99.9',
    window: { kind: 'rolling', days: 30 },
    indicator,
    alerting: { pairs: [], minEvents: 100 },
    ...extra,
  };
}

const ratio = slo({
  type: 'ratio',
  errors: 'sum(rate(shop_requests_total{code=~"5.."}[{{window}}]))',
  total: 'sum(rate(shop_requests_total[{{window}}]))',
});
const windows: MeasureWindow[] = [...BURN_WINDOWS, 'slo'];

function assertCounts(measurement: Measurement, errorsBurning: number, errorsCalm: number) {
  assert.equal(measurement.state, 'ok', JSON.stringify(measurement));
  if (measurement.state !== 'ok') return;
  for (const window of windows) {
    const want = expected(window, errorsBurning, errorsCalm);
    const got = measurement.windows[window];
    assert.ok(got, `${window} measured`);
    assert.ok(Math.abs(got.total - want.total) <= want.total * 1e-9, `${window} total ${got.total} ≠ ${want.total}`);
    assert.ok(Math.abs(got.good - want.good) <= want.total * 1e-9, `${window} good ${got.good} ≠ ${want.good}`);
  }
}

const missing = prometheusMissing();

describe('Prometheus data source against a real Prometheus', { skip: missing }, () => {
  let prometheus: StartedPrometheus;
  let target: Server;
  /** Errors among each scrape's 100 new requests: what the test sets. */
  let errorsPerHundred = 5;
  let scraped = { good: 0, errors: 0 };

  before(async () => {
    target = createServer((_req, res) => {
      scraped = { good: scraped.good + 100 - errorsPerHundred, errors: scraped.errors + errorsPerHundred };
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(
        `# TYPE live_requests_total counter\nlive_requests_total{code="200"} ${scraped.good}\nlive_requests_total{code="503"} ${scraped.errors}\n`,
      );
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const { port } = target.address() as AddressInfo;
    prometheus = await startPrometheus({ backfill: history(), targets: [`127.0.0.1:${port}`] });
  });

  after(async () => {
    await prometheus?.stop();
    await new Promise<void>((resolve) => target?.close(() => resolve()));
  });

  const source = () =>
    new PrometheusSource(
      { name: 'default', url: prometheus.url, timeoutMs: 2000, concurrency: 8, headers: {} },
      { retries: 1, backoffMs: 20, breakAfter: 3 },
    );

  test('a ratio of errors to total: counts per window match the hand-computed history', async () => {
    assertCounts(await source().measure(ratio, windows, new Date(END * 1000)), 300, 3);
  });

  test('a ratio of good to total reads the same counts', async () => {
    const good = slo({
      type: 'ratio',
      good: 'sum(rate(shop_requests_total{code!~"5.."}[{{window}}]))',
      total: 'sum(rate(shop_requests_total[{{window}}]))',
    });
    assertCounts(await source().measure(good, windows, new Date(END * 1000)), 300, 3);
  });

  test('latency: good is the bucket at the threshold, total the count', async () => {
    const latency = slo({ type: 'latency', metric: 'shop_latency_seconds', thresholdSeconds: '0.25' });
    assertCounts(await source().measure(latency, windows, new Date(END * 1000)), 600, 60);
    // A threshold between bucket boundaries has no series: no data, saying why, never "all slow".
    const between = slo({ type: 'latency', metric: 'shop_latency_seconds', thresholdSeconds: '0.3' });
    const answer = await source().measure(between, ['5m'], new Date(END * 1000));
    assert.equal(answer.state, 'no-data');
    assert.match(answer.state === 'no-data' ? (answer.detail ?? '') : '', /bucket boundaries/);
  });

  test('grouping: each group reads its own series from one answer', async () => {
    const grouped = {
      type: 'ratio',
      errors: 'sum by (code) (rate(shop_requests_total{code=~"5.."}[{{window}}]))',
      total: 'sum by (code) (rate(shop_requests_total[{{window}}]))',
      grouping: ['code'],
    } as const;
    const at = new Date(END * 1000);
    const errors = await source().measure(slo(grouped, { group: { code: '500' } }), ['5m'], at);
    assert.deepEqual(errors, { state: 'ok', windows: { '5m': { good: 0, total: 300 } } });
    const fine = await source().measure(slo(grouped, { group: { code: '200' } }), ['5m'], at);
    assert.deepEqual(fine, { state: 'ok', windows: { '5m': { good: 2700, total: 2700 } } });
  });

  test('a metric nobody records is no data; an invalid query is refused, not retried as an outage', async () => {
    const at = new Date(END * 1000);
    const nothing = slo({
      type: 'ratio',
      errors: 'sum(rate(nope_total[{{window}}]))',
      total: 'sum(rate(nope_total[{{window}}]))',
    });
    assert.equal((await source().measure(nothing, windows, at)).state, 'no-data');
    const invalid = slo({ type: 'ratio', errors: 'sum(rate(x[{{window}}]', total: 'sum(rate(x[{{window}}]))' });
    const refused = await source().measure(invalid, ['5m'], at);
    assert.equal(refused.state, 'source-down');
    assert.match(refused.state === 'source-down' ? refused.detail : '', /refused the query: bad_data/);
  });

  test('a scraped target: the error ratio the test sets is the ratio measured', async () => {
    errorsPerHundred = 5;
    // Bounded by count: at most 150 checks 100 ms apart for 2 scrapes (one a second), the fewest a rate needs.
    for (let attempt = 0; ; attempt++) {
      const samples = await instantValue(prometheus.url, 'count_over_time(live_requests_total{code="200"}[1m])');
      if ((samples ?? 0) >= 2) break;
      assert.ok(attempt < 150, 'Prometheus scraped the target twice within 150 checks');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const live = slo({
      type: 'ratio',
      errors: 'sum(rate(live_requests_total{code=~"5.."}[{{window}}]))',
      total: 'sum(rate(live_requests_total[{{window}}]))',
    });
    const measured = await source().measure(live, ['5m', '1h'], new Date());
    assert.equal(measured.state, 'ok', JSON.stringify(measured));
    if (measured.state !== 'ok') return;
    for (const window of ['5m', '1h'] as const) {
      const counts = measured.windows[window];
      assert.ok(counts && counts.total > 0);
      // Both series come from the same scrapes, so their rates are extrapolated alike: the ratio is exact.
      assert.ok(Math.abs(counts.good / counts.total - 0.95) < 1e-9, `${window}: ${counts.good}/${counts.total}`);
    }
  });

  test("the SLO window's measurement is reused within its period, asked again in the next; burn windows always asked", async () => {
    const reuseMs = 4 * 3_600_000;
    const reusing = new PrometheusSource(
      { name: 'default', url: prometheus.url, timeoutMs: 2000, concurrency: 8, headers: {} },
      { retries: 1, backoffMs: 20, sloWindowReuseMs: reuseMs },
    );
    const fresh = new PrometheusSource(
      { name: 'default', url: prometheus.url, timeoutMs: 2000, concurrency: 8, headers: {} },
      { sloWindowReuseMs: 0 },
    );
    // A period starting at most 3 hours before the history's end: its last minutes lie past the end,
    // where a 30-day window holds fewer samples, so a fresh measurement there differs.
    const t1 = reusePeriodStart(ratio.key, END * 1000 + 3_600_000, reuseMs);
    const t2 = t1 + reuseMs - 60_000;
    const t3 = t1 + reuseMs;
    const windowsAt = async (s: PrometheusSource, t: number) => {
      const m = await s.measure(ratio, windows, new Date(t));
      assert.equal(m.state, 'ok', JSON.stringify(m));
      return m.state === 'ok' ? m.windows : {};
    };
    const first = await windowsAt(reusing, t1);
    assert.deepEqual(first.slo, (await windowsAt(fresh, t1)).slo);
    const within = await windowsAt(reusing, t2);
    const freshWithin = await windowsAt(fresh, t2);
    assert.deepEqual(within.slo, first.slo, 'reused within the period');
    assert.notDeepEqual(freshWithin.slo, first.slo, 'a fresh measurement would differ');
    for (const w of BURN_WINDOWS) assert.deepEqual(within[w], freshWithin[w], `${w} asked every time`);
    const next = await windowsAt(reusing, t3);
    assert.deepEqual(next.slo, (await windowsAt(fresh, t3)).slo, 'asked again in the next period');
  });

  test('Prometheus killed mid-evaluation: the SLOs measured before are ok, the rest source down, then the breaker opens', async () => {
    const measuring = source();
    const at = new Date(END * 1000);
    const answers: Measurement[] = [];
    for (let i = 0; i < 8; i++) {
      if (i === 2) await prometheus.kill();
      answers.push(await measuring.measure(ratio, ['5m', '1h'], at));
    }
    assert.deepEqual(
      answers.map((a) => a.state),
      ['ok', 'ok', 'source-down', 'source-down', 'source-down', 'source-down', 'source-down', 'source-down'],
    );
    const details = answers.slice(2).map((a) => (a.state === 'source-down' ? a.detail : ''));
    assert.match(details[0] ?? '', /Prometheus source default: request failed \(ECONNREFUSED\)/);
    assert.match(details.at(-1) ?? '', /failed repeatedly; not asked again for a while/);
    for (const detail of details) assert.ok(!detail.includes(prometheus.url), 'no URL in a detail');
  });
});

if (missing) test(`Prometheus tests skipped: ${missing}`, () => {});

describe('Prometheus data source: faults of the exchange (a loopback server speaking its API)', () => {
  const vector = (value: string) =>
    JSON.stringify({
      status: 'success',
      data: {
        resultType: 'vector',
        result: [
          { metric: { atrium_window: '5m', atrium_part: 'total' }, value: [1, value] },
          { metric: { atrium_window: '5m', atrium_part: 'errors' }, value: [1, '0'] },
        ],
      },
    });
  const at = new Date('2026-03-01T00:00:00Z');

  test('a reused SLO window leaves the 30-day range out of the query, and never hides a source that went down', async () => {
    const answer = (windows: readonly string[]) =>
      JSON.stringify({
        status: 'success',
        data: {
          resultType: 'vector',
          result: windows.flatMap((w) => [
            { metric: { atrium_window: w, atrium_part: 'total' }, value: [1, '2'] },
            { metric: { atrium_window: w, atrium_part: 'errors' }, value: [1, '0'] },
          ]),
        },
      });
    const server = await loopbackServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(answer(['5m', 'slo'])),
    );
    try {
      const source = new PrometheusSource(
        { name: 'p', url: server.url, timeoutMs: 1000, concurrency: 2, headers: {} },
        { retries: 0, sloWindowReuseMs: 300_000 },
      );
      const both = { '5m': { good: 600, total: 600 }, slo: { good: 5_184_000, total: 5_184_000 } };
      assert.deepEqual(await source.measure(ratio, ['5m', 'slo'], at), { state: 'ok', windows: both });
      server.answer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(answer(['5m'])));
      assert.deepEqual(await source.measure(ratio, ['5m', 'slo'], new Date(at.getTime() + 1)), {
        state: 'ok',
        windows: both,
      });
      const queries = server.received.map((r) => new URLSearchParams(r.body).get('query') ?? '');
      assert.match(queries[0] ?? '', /\[30d\]/);
      assert.doesNotMatch(queries[1] ?? '', /\[30d\]/, 'the second asks only the burn window');
      server.answer((_req, res) => res.writeHead(502).end('bad gateway'));
      assert.deepEqual(await source.measure(ratio, ['5m', 'slo'], new Date(at.getTime() + 2)), {
        state: 'source-down',
        detail: 'Prometheus source p answered HTTP 502',
      });
    } finally {
      await server.close();
    }
  });

  test('5xx and 429 are retried with backoff; the bearer token is sent, never shown', async () => {
    let calls = 0;
    const server = await loopbackServer((_req, res) => {
      calls++;
      if (calls === 1) res.writeHead(503).end('busy');
      else if (calls === 2) res.writeHead(429).end('slow down');
      else res.writeHead(200, { 'content-type': 'application/json' }).end(vector('2'));
    });
    try {
      const source = new PrometheusSource(
        { name: 'p', url: server.url, timeoutMs: 1000, concurrency: 2, headers: { Authorization: 'Bearer s3cret' } },
        { retries: 2, backoffMs: 10 },
      );
      assert.deepEqual(await source.measure(ratio, ['5m'], at), {
        state: 'ok',
        windows: { '5m': { good: 600, total: 600 } },
      });
      assert.equal(server.received.length, 3);
      const [first] = server.received;
      assert.equal(first?.method, 'POST');
      assert.equal(first?.url, '/api/v1/query');
      assert.equal(first?.headers.authorization, 'Bearer s3cret');
      const form = new URLSearchParams(first?.body);
      assert.equal(form.get('time'), `${at.getTime() / 1000}.000`);
      assert.match(form.get('query') ?? '', /sum\(rate\(shop_requests_total\[5m\]\)\)/);
      // Down after its retries: the detail names the source and the status only.
      server.answer((_req, res) => res.writeHead(502).end('bad gateway s3cret'));
      const down = await source.measure(ratio, ['5m'], at);
      assert.deepEqual(down, { state: 'source-down', detail: 'Prometheus source p answered HTTP 502' });
    } finally {
      await server.close();
    }
  });

  test('no answer within the timeout, an answer that is not the API, a refused query', async () => {
    const server = await loopbackServer(() => {});
    try {
      const source = new PrometheusSource(
        { name: 'p', url: server.url, timeoutMs: 150, concurrency: 1, headers: {} },
        { retries: 1, backoffMs: 10, breakAfter: 100 },
      );
      assert.deepEqual(await source.measure(ratio, ['5m'], at), {
        state: 'source-down',
        detail: 'Prometheus source p: no answer within 150 ms',
      });
      server.answer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>'));
      assert.deepEqual(await source.measure(ratio, ['5m'], at), {
        state: 'source-down',
        detail: "Prometheus source p answered HTTP 200 without its API's JSON",
      });
      const before = server.received.length;
      server.answer((_req, res) =>
        res
          .writeHead(422)
          .end(JSON.stringify({ status: 'error', errorType: 'execution', error: 'many-to-many matching' })),
      );
      assert.deepEqual(await source.measure(ratio, ['5m'], at), {
        state: 'source-down',
        detail: 'Prometheus source p refused the query: execution: many-to-many matching',
      });
      assert.equal(server.received.length, before + 1, 'a refused query is not retried');
      server.answer((_req, res) =>
        res.writeHead(200).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } })),
      );
      assert.deepEqual(await source.measure(ratio, ['5m'], at), {
        state: 'no-data',
        detail: "Prometheus source p has no samples for this SLO's total",
      });
    } finally {
      await server.close();
    }
  });

  test('concurrency is bounded per source', async () => {
    let inFlight = 0;
    let most = 0;
    const server = await loopbackServer((_req, res) => {
      inFlight++;
      most = Math.max(most, inFlight);
      setImmediate(() => {
        inFlight--;
        res.writeHead(200).end(vector('1'));
      });
    });
    try {
      const source = new PrometheusSource({ name: 'p', url: server.url, timeoutMs: 2000, concurrency: 3, headers: {} });
      const answers = await Promise.all(Array.from({ length: 20 }, () => source.measure(ratio, ['5m'], at)));
      assert.ok(answers.every((a) => a.state === 'ok'));
      assert.equal(server.received.length, 20);
      assert.ok(most <= 3, `at most 3 in flight, saw ${most}`);
    } finally {
      await server.close();
    }
  });

  test('an SLO naming a source that is not configured, and an indicator that cannot be measured', async () => {
    const sources = new PrometheusSources([]);
    assert.deepEqual(await sources.measure({ ...ratio, source: 'mimir' }, ['5m'], at), {
      state: 'source-down',
      detail:
        'No Prometheus source named mimir is configured (atrium.yaml prometheus.mimir, or ATRIUM_PROMETHEUS_URL for default)',
    });
    const source = new PrometheusSource({
      name: 'p',
      url: 'http://127.0.0.1:9',
      timeoutMs: 100,
      concurrency: 1,
      headers: {},
    });
    const injected = slo({ type: 'ratio', errors: 'x[{{window}}]', total: 'sum(rate(t[5m])) or vector({{window}})' });
    const answer = await source.measure(injected, ['5m'], at);
    assert.equal(answer.state, 'source-down');
    assert.match(answer.state === 'source-down' ? answer.detail : '', /cannot be measured: .*must stand alone/);
  });
});
