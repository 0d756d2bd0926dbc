import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  combinedQuery,
  countsFromSamples,
  indicatorProblem,
  indicatorQueries,
  latencyProblem,
  PART_LABEL,
  promRange,
  queryTemplateProblem,
  substituteWindow,
  WINDOW_LABEL,
} from './prometheus-query.ts';
import { MAX_QUERY } from './slo-definition.ts';

const at = new Date('2026-03-15T12:00:00Z');
const rolling30 = { kind: 'rolling', days: 30 } as const;

describe('promRange', () => {
  test('burn windows as written, with their seconds; a rolling window in days', () => {
    assert.deepEqual(promRange('5m', rolling30, at), { window: '5m', range: '5m', seconds: 300 });
    assert.deepEqual(promRange('3d', rolling30, at), { window: '3d', range: '3d', seconds: 259_200 });
    assert.deepEqual(promRange('slo', { kind: 'rolling', days: 28 }, at), {
      window: 'slo',
      range: '28d',
      seconds: 2_419_200,
    });
  });

  test('a calendar month runs from its first local midnight to now', () => {
    const utc = promRange('slo', { kind: 'calendar', unit: 'month', timeZone: 'UTC' }, at);
    assert.equal(utc.seconds, 14 * 86_400 + 12 * 3600);
    assert.equal(utc.range, `${utc.seconds}s`);
    // Paris is UTC+1 in March before the switch: its month started at 23:00 UTC the day before.
    const paris = promRange('slo', { kind: 'calendar', unit: 'month', timeZone: 'Europe/Paris' }, at);
    assert.equal(paris.seconds, utc.seconds + 3600);
    // One millisecond after the month starts still measures a whole second.
    const first = promRange(
      'slo',
      { kind: 'calendar', unit: 'month', timeZone: 'UTC' },
      new Date('2026-04-01T00:00:00.001Z'),
    );
    assert.equal(first.seconds, 1);
  });
});

describe('queryTemplateProblem', () => {
  test('accepts Sloth-style queries, including subqueries', () => {
    assert.equal(queryTemplateProblem('sum(rate(http_requests_total{code=~"5.."}[{{window}}]))'), undefined);
    assert.equal(queryTemplateProblem('sum(rate(x[ {{window}} ]))'), undefined);
    assert.equal(queryTemplateProblem('max_over_time(up[{{window}}:1m])'), undefined);
  });

  test('refuses what could smuggle text or is no range placeholder', () => {
    const problems: [string, RegExp][] = [
      ['sum(rate(x[5m]))', /no \{\{window\}\} placeholder/],
      ['sum(rate(x[{{.window}}]))', /\{\{\.window\}\} is not a placeholder/],
      ['sum(rate(x[{{window}}])) or {{ printf "vector(1)" }}', /is not a placeholder Atrium replaces/],
      ['sum(rate(x{job="{{window}}"}[5m]))', /must stand alone inside a range selector/],
      ['{{window}}', /must stand alone/],
      ['sum(rate(x[{{window}}])) }}', /unclosed \{\{ or a stray \}\}/],
      ['sum(rate(x[{{window}}]))\u0000', /control characters/],
      [`sum(rate(x[{{window}}]))${' '.repeat(MAX_QUERY)}`, /at most 4096/],
    ];
    for (const [query, expected] of problems) assert.match(queryTemplateProblem(query) ?? '', expected, query);
  });

  test('substitution replaces the placeholder only', () => {
    assert.equal(substituteWindow('a[{{window}}] / b[{{window}}] {{windows}}', '1h'), 'a[1h] / b[1h] {{windows}}');
  });
});

describe('latency', () => {
  test('good is the bucket at the threshold, total the count, with the selector on both', () => {
    const queries = indicatorQueries({
      type: 'latency',
      metric: 'http_request_duration_seconds',
      thresholdSeconds: '0.25',
      selector: '{job="api", route!~"/health"}',
    });
    assert.equal(
      queries.good,
      'sum(rate(http_request_duration_seconds_bucket{job="api", route!~"/health",le="0.25"}[{{window}}]))',
    );
    assert.equal(
      queries.total,
      'sum(rate(http_request_duration_seconds_count{job="api", route!~"/health"}[{{window}}]))',
    );
  });

  test('a whole-second threshold matches both ways clients write it', () => {
    const queries = indicatorQueries({ type: 'latency', metric: 'rpc_seconds', thresholdSeconds: '1.000' });
    assert.equal(queries.good, 'sum(rate(rpc_seconds_bucket{le=~"1|1\\\\.0"}[{{window}}]))');
    assert.equal(queries.total, 'sum(rate(rpc_seconds_count[{{window}}]))');
  });

  test('names, thresholds and selectors that are not what they claim are refused', () => {
    const base = { metric: 'h', thresholdSeconds: '0.3' };
    assert.match(latencyProblem({ ...base, metric: 'h{a="b"}' }) ?? '', /not a Prometheus metric name/);
    assert.match(latencyProblem({ ...base, thresholdSeconds: '-1' }) ?? '', /not a positive number/);
    assert.match(latencyProblem({ ...base, thresholdSeconds: '1e3' }) ?? '', /not a positive number/);
    assert.match(
      latencyProblem({ ...base, selector: 'job="a"} or vector(1) or x{' }) ?? '',
      /not a list of label matchers/,
    );
    assert.match(latencyProblem({ ...base, selector: 'job="a\\"}' }) ?? '', /not a list of label matchers/);
    assert.match(latencyProblem({ ...base, selector: 'x'.repeat(600) }) ?? '', /longer than 512/);
    assert.equal(latencyProblem({ ...base, selector: 'job="a\\"b", code=~"2..",' }), undefined);
  });
});

describe('indicatorProblem', () => {
  test('a ratio needs good or errors, label names and usable templates; events are not PromQL', () => {
    const total = 'sum(rate(t[{{window}}]))';
    assert.match(indicatorProblem({ type: 'ratio', total }) ?? '', /needs good or errors/);
    assert.match(indicatorProblem({ type: 'ratio', total, errors: 'e', grouping: [] }) ?? '', /no \{\{window\}\}/);
    assert.match(
      indicatorProblem({ type: 'ratio', total, errors: total, grouping: ['a-b'] }) ?? '',
      /not a Prometheus label name/,
    );
    assert.equal(indicatorProblem({ type: 'ratio', total, errors: total, grouping: ['route'] }), undefined);
    assert.match(indicatorProblem({ type: 'events' }) ?? '', /not measured with PromQL/);
  });
});

describe('combinedQuery and countsFromSamples', () => {
  const indicator = { type: 'ratio', errors: 'sum(rate(e[{{window}}]))', total: 'sum(rate(t[{{window}}]))' } as const;
  const ranges = [promRange('5m', rolling30, at), promRange('1h', rolling30, at)];

  test('every part over every window in one expression, marked by labels', () => {
    const query = combinedQuery(indicator, ranges);
    assert.equal(query.split(' or ').length, 4);
    assert.ok(
      query.startsWith(
        `label_replace(label_replace((sum(rate(e[5m]))), "${WINDOW_LABEL}", "5m", "", ""), "${PART_LABEL}", "errors", "", "")`,
      ),
    );
    assert.ok(query.includes('sum(rate(t[1h]))'));
  });

  const sample = (window: string, part: string, value: string, extra: Record<string, string> = {}) => ({
    metric: { [WINDOW_LABEL]: window, [PART_LABEL]: part, ...extra },
    value: [1, value] as [number, string],
  });

  test('rates become counts over the window; no errors series means no errors', () => {
    const { windows, missingGood } = countsFromSamples(
      [sample('5m', 'total', '10'), sample('5m', 'errors', '0.1'), sample('1h', 'total', '2')],
      ranges,
      'errors',
    );
    assert.deepEqual(windows, { '5m': { good: 2970, total: 3000 }, '1h': { good: 7200, total: 7200 } });
    assert.equal(missingGood, false);
  });

  test('a window without a total is absent; NaN is ignored; parts stay within [0, total]', () => {
    const { windows } = countsFromSamples(
      [
        sample('5m', 'total', '1'),
        sample('5m', 'errors', '1.5'),
        sample('1h', 'errors', '1'),
        sample('1h', 'total', 'NaN'),
      ],
      ranges,
      'errors',
    );
    assert.deepEqual(windows, { '5m': { good: 0, total: 300 } });
  });

  test('several series of a part add up; a group reads its own series only', () => {
    const series = [
      sample('5m', 'total', '3', { route: '/a' }),
      sample('5m', 'total', '1', { route: '/b' }),
      sample('5m', 'good', '2', { route: '/a' }),
    ];
    assert.deepEqual(countsFromSamples(series, ranges, 'good').windows, { '5m': { good: 600, total: 1200 } });
    assert.deepEqual(countsFromSamples(series, ranges, 'good', { route: '/a' }).windows, {
      '5m': { good: 600, total: 900 },
    });
    const b = countsFromSamples(series, ranges, 'good', { route: '/b' });
    assert.deepEqual(b.windows, { '5m': { good: 0, total: 300 } });
    assert.equal(b.missingGood, true);
  });
});
