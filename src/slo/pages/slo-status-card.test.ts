import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Site } from '../../web/site.ts';
import type { SloStatus } from '../model.ts';
import { alertHistoryCard } from './alert-history-card.ts';
import { sloStatusCard } from './slo-status-card.ts';

const site: Site = { basePath: '/', mode: 'live', assets: new Map() };
const NOW = Date.parse('2026-03-02T02:14:00Z');
const status = (fields: Partial<SloStatus> = {}): SloStatus => ({
  key: 'slo:default/checkout-availability',
  namespace: 'default',
  name: 'checkout-availability',
  service: 'component:default/checkout',
  owner: 'group:default/checkout',
  objective: '99.9',
  window: { kind: 'rolling', days: 28 },
  indicator: 'events',
  dataState: 'ok',
  sli: 0.9982,
  budgetRemaining: 0.42,
  burnRates: { '5m': 20, '30m': 18, '1h': 16, '2h': 12, '6h': 3.2, '1d': 1.5, '3d': null },
  exhaustsAt: '2026-03-03T14:00:00Z',
  alerts: [],
  evaluatedAt: '2026-03-02T02:13:30Z',
  ...fields,
});
const HISTORY = [
  { at: '2026-02-28T00:00:00Z', budgetRemaining: 0.9 },
  { at: '2026-03-02T00:00:00Z', budgetRemaining: 0.42 },
];
const words = (markup: string) =>
  markup
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

describe('sloStatusCard', () => {
  test('state, service, every burn window, the forecast and the budget-burn chart', () => {
    const out = sloStatusCard(site, status(), HISTORY, NOW).value;
    assert.match(out, /<h2 id="slo-status">Status<\/h2>/);
    assert.match(out, /<a href="\/catalog\/default\/component\/checkout\/">checkout<\/a>/);
    const text = words(out);
    assert.match(text, /within objective/);
    assert.match(text, /indicator: events · evaluated 2026-03-02 02:13 UTC/);
    assert.match(text, /Objective 99\.9% over 28 days/);
    assert.match(text, /5m 30m 1h 2h 6h 1d 3d 20× 18× 16× 12× 3\.2× 1\.5× no events/);
    assert.match(text, /the budget runs out 2026-03-03 14:00/);
    assert.match(
      out,
      /<svg class="chart"[^>]*role="img" aria-labelledby="budget-checkout-availability-title budget-checkout-availability-desc">/,
    );
    assert.match(text, /Error budget left over 28 days/);
  });

  test('without current data: the state, dashes instead of numbers, no forecast', () => {
    const out = sloStatusCard(site, status({ dataState: 'source-down', detail: 'connection refused' }), [], NOW).value;
    const text = words(out);
    assert.match(text, /source down connection refused/);
    assert.doesNotMatch(text, /20×|runs out/);
    assert.match(text, /5m 30m 1h 2h 6h 1d 3d — — — — — — —/);
    assert.match(text, /No data/);
  });
});

describe('alertHistoryCard', () => {
  test('fired and resolved, newest first as given, with severity in words and the time', () => {
    const out = alertHistoryCard([
      {
        slo: 'slo:default/a',
        severity: 'page',
        state: 'resolved',
        at: '2026-03-02T03:00:00Z',
        factor: '14.4',
        long: '1h',
        short: '5m',
      },
      {
        slo: 'slo:default/a',
        severity: 'ticket',
        state: 'firing',
        at: '2026-03-01T03:00:00Z',
        factor: '1',
        long: '3d',
        short: '6h',
      },
    ]).value;
    const items = [...out.matchAll(/<li class="timeline-event">(.*?)<\/li>/g)].map((m) => words(m[1] ?? ''));
    assert.deepEqual(items, [
      'page Resolved: burn back under 14.4× over 1h and 5m 2026-03-02 03:00 UTC',
      'ticket Fired: burn above 1× over 3d and 6h 2026-03-01 03:00 UTC',
    ]);
  });
  test('none says so', () => {
    assert.match(alertHistoryCard([]).value, /<p class="empty">No alert has fired for this SLO\.<\/p>/);
  });
});
