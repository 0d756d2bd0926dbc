import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SloAlert, SloStatus } from '../model.ts';
import { budgetText, burnText, healthOf, percentText, STALE_AFTER_MS, windowText, worstFirst } from './slo-text.ts';

const NOW = Date.parse('2026-03-02T02:14:00Z');
const alert = (severity: SloAlert['severity'], state: SloAlert['state'] = 'firing'): SloAlert => ({
  severity,
  state,
  since: '2026-03-02T01:50:00Z',
  long: '1h',
  short: '5m',
  factor: '14.4',
  dedupKey: `slo:default/a:${severity}`,
});
const status = (fields: Partial<SloStatus> = {}): SloStatus => ({
  key: 'slo:default/a',
  namespace: 'default',
  name: 'a',
  service: 'component:default/checkout',
  owner: 'group:default/checkout',
  objective: '99.9',
  window: { kind: 'rolling', days: 30 },
  indicator: 'events',
  dataState: 'ok',
  sli: 0.9995,
  budgetRemaining: 0.5,
  burnRates: {},
  alerts: [],
  evaluatedAt: '2026-03-02T02:13:30Z',
  ...fields,
});

describe('percentText', () => {
  test('keeps the digits an objective needs and drops trailing zeros', () => {
    assert.equal(percentText(0.9995), '99.95%');
    assert.equal(percentText(0.999), '99.9%');
    assert.equal(percentText(1), '100%');
    assert.equal(percentText(0.99999), '99.999%');
    assert.equal(percentText(0.4236, 1), '42.4%');
    assert.equal(percentText(0), '0%');
    assert.equal(percentText(-0.00001, 1), '0%');
    assert.equal(percentText(1, 0), '100%');
    assert.equal(percentText(-1, 0), '-100%');
    assert.equal(percentText(0.5, 0), '50%');
  });
});

describe('burnText', () => {
  test('multiples with one decimal above 10, two below', () => {
    assert.equal(burnText(14.4), '14.4×');
    assert.equal(burnText(123.456), '123.5×');
    assert.equal(burnText(0.5234), '0.52×');
    assert.equal(burnText(1), '1×');
    assert.equal(burnText(0), '0×');
  });
  test('a window without events, and one not measured, say so', () => {
    assert.equal(burnText(null), 'no events');
    assert.equal(burnText(undefined), '—');
    assert.equal(burnText(Number.NaN), '—');
    assert.equal(burnText(Number.POSITIVE_INFINITY), '—');
  });
});

describe('windowText and budgetText', () => {
  test('windows in words', () => {
    assert.equal(windowText({ kind: 'rolling', days: 30 }), '30 days');
    assert.equal(windowText({ kind: 'rolling', days: 1 }), '1 day');
    assert.equal(
      windowText({ kind: 'calendar', unit: 'month', timeZone: 'Europe/Berlin' }),
      'calendar month (Europe/Berlin)',
    );
  });
  test('budget left, spent and overspent', () => {
    assert.equal(budgetText(1), '100% left');
    assert.equal(budgetText(0.423), '42.3% left');
    assert.equal(budgetText(0), 'spent');
    assert.equal(budgetText(-0.35), 'overspent by 35%');
    assert.equal(budgetText(undefined), undefined);
    assert.equal(budgetText(Number.NaN), undefined);
  });
});

describe('healthOf', () => {
  test('a failing source or no data wins over the last numbers', () => {
    assert.equal(healthOf(status({ dataState: 'source-down', alerts: [alert('page')] }), NOW), 'source-down');
    assert.equal(healthOf(status({ dataState: 'no-data' }), NOW), 'no-data');
  });
  test('a page alert fires; a ticket alert or an overspent budget burns; else ok', () => {
    assert.equal(healthOf(status({ alerts: [alert('ticket'), alert('page')] }), NOW), 'firing');
    assert.equal(healthOf(status({ alerts: [alert('ticket')] }), NOW), 'burning');
    assert.equal(healthOf(status({ budgetRemaining: -0.01 }), NOW), 'burning');
    assert.equal(healthOf(status({ alerts: [alert('page', 'resolved')] }), NOW), 'ok');
    assert.equal(healthOf(status(), NOW), 'ok');
  });
  test('an evaluation older than the limit (or none) is stale, never green; without a clock nothing is', () => {
    const at = (ms: number) => new Date(NOW - ms).toISOString();
    assert.equal(healthOf(status({ evaluatedAt: at(STALE_AFTER_MS) }), NOW), 'ok');
    assert.equal(healthOf(status({ evaluatedAt: at(STALE_AFTER_MS + 1000) }), NOW), 'stale');
    assert.equal(healthOf(status({ evaluatedAt: undefined }), NOW), 'stale');
    assert.equal(healthOf(status({ evaluatedAt: 'yesterday' }), NOW), 'stale');
    assert.equal(healthOf(status({ evaluatedAt: undefined }), undefined), 'ok');
  });
});

describe('worstFirst', () => {
  test('page alerts, then ticket alerts, then least budget, then by key; unknown budgets last', () => {
    const list = [
      status({ key: 'slo:default/healthy', budgetRemaining: 0.9 }),
      status({ key: 'slo:default/unknown', dataState: 'no-data', budgetRemaining: undefined }),
      status({ key: 'slo:default/ticket', budgetRemaining: 0.8, alerts: [alert('ticket')] }),
      status({ key: 'slo:default/low', budgetRemaining: 0.1 }),
      status({ key: 'slo:default/page', budgetRemaining: 0.95, alerts: [alert('page')] }),
      status({ key: 'slo:default/also-low', budgetRemaining: 0.1 }),
    ];
    assert.deepEqual(
      [...list].sort(worstFirst).map((s) => s.key.slice(12)),
      ['page', 'ticket', 'also-low', 'low', 'healthy', 'unknown'],
    );
  });
});
