import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Site } from '../../web/site.ts';
import type { SloAlert, SloStatus } from '../model.ts';
import { alertLine, budgetMeter, healthCard, shownOf } from './health-card.ts';

const site: Site = {
  basePath: '/',
  mode: 'live',
  assets: new Map(),
  entities: {
    keys: new Set(['slo:default/checkout-availability', 'slo:default/checkout-latency', 'component:default/checkout']),
    external: { matches: () => false },
  },
};
const NOW = Date.parse('2026-03-02T02:14:00Z');
const page: SloAlert = {
  severity: 'page',
  state: 'firing',
  since: '2026-03-02T01:50:00Z',
  long: '1h',
  short: '5m',
  factor: '14.4',
  dedupKey: 'slo:default/checkout-availability:page',
};
const status = (fields: Partial<SloStatus> = {}): SloStatus => ({
  key: 'slo:default/checkout-availability',
  namespace: 'default',
  name: 'checkout-availability',
  service: 'component:default/checkout',
  owner: 'group:default/checkout',
  objective: '99.9',
  window: { kind: 'rolling', days: 30 },
  indicator: 'events',
  dataState: 'ok',
  sli: 0.9982,
  budgetRemaining: 0.42,
  burnRates: { '5m': 20, '1h': 16.25, '6h': 3.2, '3d': null },
  alerts: [],
  evaluatedAt: '2026-03-02T02:13:30Z',
  ...fields,
});
const card = (statuses: SloStatus[], now: number | undefined = NOW) => healthCard(site, statuses, now).value;
const text = (markup: string) =>
  markup
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

describe('budgetMeter', () => {
  test('a meter with the value also in words, labelled', () => {
    const out = budgetMeter(0.42, 'Error budget left of a').value;
    assert.match(
      out,
      /<meter class="budget-meter" min="0" max="1" low="0.25" high="0.5" optimum="1" value="0.42" aria-label="Error budget left of a" aria-valuetext="42% left"><\/meter>/,
    );
    assert.match(out, /<span class="budget-text">42% left<\/span>/);
  });
  test('an overspent budget is an empty bar that says by how much; none is "unknown"', () => {
    const out = budgetMeter(-0.35, 'x').value;
    assert.match(out, /value="0"/);
    assert.match(out, /overspent by 35%/);
    assert.match(budgetMeter(1.2, 'x').value, /value="1"/);
    assert.equal(text(budgetMeter(undefined, 'x').value), 'unknown');
  });
  test('the label is escaped', () => {
    assert.match(budgetMeter(0.5, '"><script>').value, /aria-label="&quot;&gt;&lt;script&gt;"/);
  });
});

describe('alertLine', () => {
  test('severity in words, since when as a time the client labels, and which windows burn', () => {
    const out = alertLine(page).value;
    assert.match(
      out,
      /<span class="badge badge-error">page<\/span> firing since <time datetime="2026-03-02T01:50:00Z" data-relative>/,
    );
    assert.match(out, /burn above 14.4× over 1h and 5m/);
    assert.match(
      alertLine({ ...page, severity: 'ticket', long: '3d', short: '6h', factor: '1' }).value,
      /badge-warn">ticket</,
    );
  });
});

describe('healthCard', () => {
  test('each SLO with objective, current SLI, budget bar, burn rates over 1h, 6h and 3d, and firing alerts', () => {
    const out = card([status({ alerts: [page, { ...page, severity: 'ticket', state: 'resolved' }] })]);
    assert.match(out, /<section class="card" aria-labelledby="health"><h2 id="health">Health<\/h2>/);
    assert.match(out, /<a href="\/catalog\/default\/slo\/checkout-availability\/">checkout-availability<\/a>/);
    const words = text(out);
    assert.match(words, /1 SLO: 1 with a page alert firing\./);
    assert.match(words, /page alert firing/);
    assert.match(words, /Objective 99\.9% over 30 days/);
    assert.match(words, /Current SLI 99\.82%/);
    assert.match(words, /Error budget 42% left/);
    assert.match(words, /Burn rate 1h: 16\.3× · 6h: 3\.2× · 3d: no events/);
    assert.doesNotMatch(words, /5m: 20/, 'the card shows the three windows only');
    assert.match(words, /Firing page firing since/);
    assert.doesNotMatch(words, /ticket/, 'resolved alerts are not firing');
  });

  test('healthy, no data and source down say so in words, and a failing source shows no numbers', () => {
    const out = card([
      status({ key: 'slo:default/checkout-latency', name: 'checkout-latency', budgetRemaining: 0.9 }),
      status({
        dataState: 'no-data',
        detail: 'No events pushed in the window',
        sli: undefined,
        budgetRemaining: undefined,
      }),
      status({
        dataState: 'source-down',
        detail: 'Prometheus "main" timed out after 5 s',
        sli: 0.9999,
        budgetRemaining: 0.99,
      }),
    ]);
    const words = text(out);
    assert.match(words, /3 SLOs: 1 with its source down, 1 without data\./);
    assert.match(words, /within objective/);
    assert.match(words, /no data No events pushed in the window/);
    assert.match(words, /source down Prometheus &quot;main&quot; timed out after 5 s/);
    const down = out.slice(out.lastIndexOf('<li class="slo-item">'));
    assert.doesNotMatch(
      down,
      /99\.99%|99% left|<meter/,
      'never a stale green: the last numbers of a failing source are not shown',
    );
  });

  test('an evaluation that stopped is stale, with when it last ran, and no numbers', () => {
    const out = card([status({ evaluatedAt: '2026-03-02T01:00:00Z' })]);
    const words = text(out);
    assert.match(words, /1 SLO: 1 not evaluated lately\./);
    assert.match(
      out,
      /<span class="badge badge-warn">stale<\/span> <span class="slo-detail">last evaluated <time datetime="2026-03-02T01:00:00Z"/,
    );
    assert.doesNotMatch(out, /<meter/);
    assert.match(text(card([status({ evaluatedAt: undefined })])), /stale never evaluated/);
  });

  test('all healthy reads as such; an SLO missing from the catalog is not a link', () => {
    const out = card([status({ key: 'slo:default/gone', name: 'gone' })]);
    assert.match(text(out), /1 SLO, all within objective\./);
    assert.match(out, /gone <span class="badge badge-warn">not in the catalog<\/span>/);
  });

  test('catalog text is escaped', () => {
    const out = card([status({ dataState: 'no-data', detail: '<img src=x onerror=alert(1)>' })]);
    assert.doesNotMatch(out, /<img/);
    assert.match(out, /&lt;img src=x onerror=alert\(1\)&gt;/);
  });
});

describe("what the Health card shows of an SLO (shownOf), for the service page's version", () => {
  test('is the same for statuses that differ only below what the card shows, or not at all on it', () => {
    const shown = shownOf(status());
    assert.equal(shownOf(status({ budgetRemaining: 0.42004 })), shown, 'a budget moved by less than 0.1 %');
    assert.equal(shownOf(status({ sli: 0.99820004 })), shown, 'an SLI moved below its digits');
    assert.equal(
      shownOf(status({ burnRates: { '5m': 3, '1h': 16.2501, '6h': 3.2, '3d': null } })),
      shown,
      '5m is not on the card',
    );
    assert.equal(shownOf(status({ exhaustsAt: '2026-03-05T00:00:00Z' })), shown, 'nor the forecast');
    assert.equal(
      shownOf(status({ evaluatedAt: '2026-03-02T02:14:00Z' })),
      shown,
      'nor the time: staleness is keyed apart',
    );
  });

  test('moves with each thing the card shows', () => {
    const shown = shownOf(status());
    for (const [what, changed] of [
      ['the budget', status({ budgetRemaining: 0.43 })],
      ['the SLI', status({ sli: 0.9983 })],
      ['a burn rate', status({ burnRates: { '5m': 20, '1h': 16.35, '6h': 3.2, '3d': null } })],
      ['a burn with no events', status({ burnRates: { '5m': 20, '1h': 16.25, '6h': 3.2, '3d': 0 } })],
      ['an alert firing', status({ alerts: [page] })],
      ['the data state', status({ dataState: 'source-down', detail: 'Prometheus answered 503' })],
      ['the objective', status({ objective: '99.95' })],
    ] as const)
      assert.notEqual(shownOf(changed), shown, what);
  });

  test('the budget bar carries the value at the precision its words show', () => {
    assert.match(budgetMeter(0.123456, 'x').value, /value="0.123"/);
  });
});
