import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Site } from '../../web/site.ts';
import type { SloStatus } from '../model.ts';
import { budgetBurnCard, burnByService } from './budget-burn-card.ts';

const site: Site = { basePath: '/', mode: 'live', assets: new Map() };
const NOW = Date.parse('2026-03-02T02:14:00Z');
const status = (name: string, service: string, fields: Partial<SloStatus> = {}): SloStatus => ({
  key: `slo:default/${name}`,
  namespace: 'default',
  name,
  service: `component:default/${service}`,
  owner: 'group:default/checkout',
  objective: '99.9',
  window: { kind: 'rolling', days: 30 },
  indicator: 'events',
  dataState: 'ok',
  sli: 0.9995,
  budgetRemaining: 0.8,
  burnRates: { '1h': 0.5, '6h': 0.4, '3d': 0.3 },
  alerts: [],
  evaluatedAt: '2026-03-02T02:14:00Z',
  ...fields,
});
const firing = {
  severity: 'page',
  state: 'firing',
  since: '2026-03-02T01:50:00Z',
  long: '1h',
  short: '5m',
  factor: '14.4',
  dedupKey: 'k',
} as const;

const STATUSES = [
  status('cart-availability', 'cart', { budgetRemaining: 0.6 }),
  status('checkout-latency', 'checkout', { budgetRemaining: 0.9 }),
  status('checkout-availability', 'checkout', { budgetRemaining: -0.2, alerts: [firing], burnRates: { '1h': 20 } }),
  status('quote-availability', 'quote', { dataState: 'source-down', detail: 'timed out', budgetRemaining: undefined }),
  status('payments-availability', 'payments', { budgetRemaining: 0.3 }),
];

describe('burnByService', () => {
  test('each service once, by its worst SLO, worst service first', () => {
    assert.deepEqual(
      burnByService(STATUSES).map((b) => [b.service.slice(18), b.worst.name, b.slos]),
      [
        ['checkout', 'checkout-availability', 2],
        ['payments', 'payments-availability', 1],
        ['cart', 'cart-availability', 1],
        ['quote', 'quote-availability', 1],
      ],
    );
    assert.deepEqual(burnByService([]), []);
  });
});

describe('budgetBurnCard', () => {
  test('a row per service in that order, with its budget bar, burns and state; a failing source shows no numbers', () => {
    const out = budgetBurnCard(site, STATUSES, NOW).value;
    const rows = [...out.matchAll(/<tr><th scope="row">(.*?)<\/tr>/g)].map((m) => m[1] ?? '');
    assert.equal(rows.length, 4);
    assert.match(rows[0] ?? '', /checkout<\/a> <span class="muted small">\(2 SLOs\)<\/span>/);
    assert.match(rows[0] ?? '', /page alert firing/);
    assert.match(rows[0] ?? '', /overspent by 20%/);
    assert.match(rows[0] ?? '', /<td>20×<\/td><td>—<\/td><td>—<\/td>/);
    assert.match(rows[1] ?? '', /payments-availability.*30% left.*<td>0\.5×<\/td><td>0\.4×<\/td><td>0\.3×<\/td>/);
    assert.match(rows[3] ?? '', /source down.*timed out.*<td colspan="4">—<\/td>/);
    assert.match(out, /<th scope="col">Burn 1h<\/th><th scope="col">Burn 6h<\/th><th scope="col">Burn 3d<\/th>/);
    assert.match(
      out,
      /<div class="table-scroll" tabindex="0" role="region" aria-label="Error-budget burn per service">/,
    );
  });
});
