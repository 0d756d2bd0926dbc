import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Entity } from '../catalog/model.ts';
import { DEFAULT_ALERT_PAIRS, DEFAULT_MIN_EVENTS } from './model.ts';
import {
  MAX_QUERY,
  objectiveOf,
  type SloSpec,
  sloDefinition,
  sloSpecIssues,
  thresholdSecondsOf,
  windowOf,
} from './slo-definition.ts';

const spec = (over: Partial<SloSpec> = {}): SloSpec => ({
  service: 'component:shipment-service',
  objective: 99.9,
  window: '30d',
  indicator: { events: {} },
  ...over,
});
const codes = (s: SloSpec) => sloSpecIssues(s).map((i) => `${i.path.join('.')} ${i.code}`);

describe('objectiveOf', () => {
  it('reads decimals in (0, 100) exactly, as text or number', () => {
    assert.equal(objectiveOf(99.9), '99.9');
    assert.equal(objectiveOf('99.95'), '99.95');
    assert.equal(objectiveOf(' 50 '), '50');
    assert.equal(objectiveOf('0.001'), '0.001');
  });
  it('refuses 0, 100, beyond, exponents, words and non-finite numbers', () => {
    for (const bad of ['100', '0', 0, 100, 'abc', 1e3, '1e2', '-5', Number.NaN, Number.POSITIVE_INFINITY, '', '99.9%'])
      assert.equal(objectiveOf(bad), undefined, String(bad));
  });
});

describe('windowOf', () => {
  it('reads rolling days and calendar months in a known zone', () => {
    assert.deepEqual(windowOf('28d'), { kind: 'rolling', days: 28 });
    assert.deepEqual(windowOf('30d'), { kind: 'rolling', days: 30 });
    assert.deepEqual(windowOf({ calendar: 'month', timeZone: 'Europe/Berlin' }), {
      kind: 'calendar',
      unit: 'month',
      timeZone: 'Europe/Berlin',
    });
  });
  it('refuses other shapes', () => {
    for (const bad of ['0d', '91d', '4w', '30', '720h', '030d']) assert.equal(windowOf(bad), undefined, bad);
    assert.equal(windowOf({ calendar: 'month', timeZone: 'Mars/Base' }), undefined);
  });
});

describe('thresholdSecondsOf', () => {
  it('reads seconds and ms exactly', () => {
    assert.equal(thresholdSecondsOf(0.3), '0.3');
    assert.equal(thresholdSecondsOf('300ms'), '0.3');
    assert.equal(thresholdSecondsOf('2s'), '2');
    assert.equal(thresholdSecondsOf('1.5'), '1.5');
  });
  it('refuses zero, negatives and other units', () => {
    for (const bad of [0, '0ms', '-1', '1m', 'fast', Number.NaN]) assert.equal(thresholdSecondsOf(bad), undefined);
  });
});

describe('sloSpecIssues', () => {
  it('accepts each indicator alone', () => {
    assert.deepEqual(codes(spec()), []);
    assert.deepEqual(
      codes(spec({ indicator: { ratio: { errors: 'sum(rate(e[{{window}}]))', total: 'sum(rate(t[{{window}}]))' } } })),
      [],
    );
    assert.deepEqual(
      codes(spec({ indicator: { latency: { metric: 'http_request_duration_seconds', threshold: '300ms' } } })),
      [],
    );
    assert.deepEqual(codes(spec({ indicator: { checks: { names: ['login'] } } })), []);
    assert.deepEqual(codes(spec({ window: { calendar: 'month', timeZone: 'Europe/Berlin' } })), []);
  });

  it('names each problem at its path', () => {
    assert.deepEqual(codes(spec({ objective: '100' })), ['objective invalid-objective']);
    assert.deepEqual(codes(spec({ objective: 1e3 })), ['objective invalid-objective']);
    assert.deepEqual(codes(spec({ window: '31w' })), ['window invalid-window']);
    assert.deepEqual(codes(spec({ window: { calendar: 'month', timeZone: 'Nowhere/Land' } })), [
      'window.timeZone unknown-time-zone',
    ]);
    assert.deepEqual(codes(spec({ indicator: {} })), ['indicator one-indicator']);
    assert.deepEqual(codes(spec({ indicator: { events: {}, checks: { names: ['a'] } } })), ['indicator one-indicator']);
    assert.deepEqual(codes(spec({ indicator: { checks: { names: [] } } })), ['indicator.checks.names no-checks']);
  });

  it('wants {{window}} in queries, good or errors (not both), bounded lengths and label names', () => {
    assert.deepEqual(
      codes(
        spec({
          indicator: {
            ratio: { good: 'sum(rate(g[5m]))', errors: 'x[{{window}}]', total: 'sum(rate(t[{{window}}]))' },
          },
        }),
      ),
      ['indicator.ratio good-or-errors', 'indicator.ratio.good query-without-window'],
    );
    assert.deepEqual(
      codes(
        spec({
          indicator: {
            ratio: {
              good: `x[{{window}}]${' '.repeat(MAX_QUERY)}`,
              total: 't[{{window}}]',
              grouping: ['route', 'a-b'],
            },
          },
        }),
      ),
      ['indicator.ratio.good query-too-long', 'indicator.ratio.grouping.1 invalid-label'],
    );
  });

  it('keeps PromQL out of the latency fields that are written into queries', () => {
    assert.deepEqual(
      codes(
        spec({
          indicator: {
            latency: { metric: 'up) or vector(1', threshold: 0.3, selector: 'job="a"} or vector(1) or up{x="' },
          },
        }),
      ),
      ['indicator.latency.metric invalid-metric', 'indicator.latency.selector invalid-selector'],
    );
    assert.deepEqual(
      codes(
        spec({
          indicator: {
            latency: { metric: 'http_request_duration_seconds', threshold: 0.3, selector: 'job="api", code!~"5.."' },
          },
        }),
      ),
      [],
    );
  });

  it('checks alert windows: short below long, long within the SLO window, a share of the budget', () => {
    assert.deepEqual(
      codes(
        spec({
          window: '1d',
          alerting: {
            pairs: [
              { severity: 'page', long: '5m', short: '1h', budgetConsumed: '0.02' },
              { severity: 'ticket', long: '3d', short: '6h', budgetConsumed: 0 },
              { severity: 'ticket', long: '1h', short: '5m', budgetConsumed: '1.5' },
            ],
          },
        }),
      ),
      [
        'alerting.pairs.0.short short-not-shorter',
        'alerting.pairs.1.long long-beyond-window',
        'alerting.pairs.1.budgetConsumed invalid-budget-consumed',
        'alerting.pairs.2.budgetConsumed invalid-budget-consumed',
      ],
    );
  });
});

describe('sloDefinition', () => {
  const entity = (s: SloSpec, namespace?: string): Entity => ({
    apiVersion: 'atrium.dev/v1',
    kind: 'SLO',
    metadata: { name: 'shipments-availability', ...(namespace ? { namespace } : {}), title: 'Shipments' },
    spec: s as unknown as Record<string, unknown>,
  });

  it("defaults the owner to the service's, the pairs and the minimum events", () => {
    assert.deepEqual(sloDefinition(entity(spec()), 'group:default/logistics'), {
      key: 'slo:default/shipments-availability',
      namespace: 'default',
      name: 'shipments-availability',
      title: 'Shipments',
      service: 'component:default/shipment-service',
      owner: 'group:default/logistics',
      objective: '99.9',
      window: { kind: 'rolling', days: 30 },
      indicator: { type: 'events' },
      alerting: { pairs: DEFAULT_ALERT_PAIRS, minEvents: DEFAULT_MIN_EVENTS },
    });
  });

  it('resolves references in its own namespace and keeps declared alerting', () => {
    const d = sloDefinition(
      entity(
        spec({
          service: 'shipment-service',
          owner: 'sre',
          objective: '99.95',
          indicator: { latency: { metric: 'h', threshold: '250ms', selector: ' job="a" ' } },
          alerting: { minEvents: 10, pairs: [{ severity: 'page', long: '1h', short: '5m', budgetConsumed: 0.02 }] },
        }),
        'Ops',
      ),
    );
    assert.equal(d.key, 'slo:ops/shipments-availability');
    assert.equal(d.service, 'component:ops/shipment-service');
    assert.equal(d.owner, 'group:ops/sre');
    assert.equal(d.objective, '99.95');
    assert.deepEqual(d.indicator, { type: 'latency', metric: 'h', thresholdSeconds: '0.25', selector: 'job="a"' });
    assert.deepEqual(d.alerting, {
      minEvents: 10,
      pairs: [{ severity: 'page', long: '1h', short: '5m', budgetConsumed: '0.02' }],
    });
  });
});
