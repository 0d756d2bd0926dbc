import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Site } from '../../web/site.ts';
import type { CheckResult, CheckStatusView, ResponsePoint } from '../model.ts';
import { checkStatusCard, roundsGrid } from './check-status-card.ts';
import { CARD_CHECKS, checksCard, checksSummary } from './checks-card.ts';
import { responseChart, responseSummary } from './response-chart.ts';

const site: Site = {
  basePath: '/',
  mode: 'live',
  assets: new Map(),
  entities: {
    keys: new Set(['check:default/api-health', 'component:default/api']),
    external: { matches: () => false },
  },
};
const HOSTILE = '<script>alert(1)</script>';
const view = (over: Partial<CheckStatusView> = {}): CheckStatusView => ({
  key: 'check:default/api-health',
  namespace: 'default',
  name: 'api-health',
  service: 'component:default/api',
  owner: 'group:default/platform',
  type: 'http',
  interval: '30s',
  status: 'failing',
  inMaintenance: false,
  locations: [
    {
      location: 'eu',
      status: 'failing',
      lastRunAt: '2026-03-10T12:00:01Z',
      lastFailureAt: '2026-03-10T12:00:01Z',
      lastFailureReason: HOSTILE,
    },
    {
      location: 'us',
      status: 'passing',
      lastRunAt: '2026-03-10T12:00:02Z',
      lastFailureAt: null,
      lastFailureReason: null,
    },
  ],
  ...over,
});

describe('the Checks card', () => {
  test('summarises worst first and lists each location with a word, and the last failure escaped', () => {
    assert.equal(
      checksSummary([view(), view({ status: 'degraded' }), view({ status: 'passing' })]),
      '3 checks: 1 failing, 1 degraded.',
    );
    assert.equal(checksSummary([view({ status: 'passing' })]), '1 check, all up.');
    const html = String(checksCard(site, [view({ inMaintenance: true })]));
    assert.match(html, /<span class="check-location">eu<\/span> <span class="badge badge-error">failing<\/span>/);
    assert.match(html, /<span class="check-location">us<\/span> <span class="badge badge-ok">up<\/span>/);
    assert.match(html, /maintenance/);
    assert.ok(!html.includes(HOSTILE));
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  });
});

describe('the Checks card of a service with a fleet of checks', () => {
  test('lists the worst first, at most CARD_CHECKS, counts the rest and still summarises them all', () => {
    const fleet = Array.from({ length: 10_000 }, (_, i) => {
      const name = `probe-${String(i).padStart(5, '0')}`;
      const status = i === 9_999 ? 'failing' : i === 5_000 ? 'degraded' : 'passing';
      return view({ key: `check:default/${name}`, name, status });
    });
    const html = String(checksCard(site, fleet));
    assert.equal(html.match(/<li class="check-item">/g)?.length, CARD_CHECKS);
    const listed = [...new Set([...html.matchAll(/probe-(\d{5})/g)].map((m) => m[1]))];
    assert.deepEqual(listed.slice(0, 2), ['09999', '05000'], 'failing, then degraded, then the rest by name');
    assert.match(html, /10000 checks: 1 failing, 1 degraded\./);
    assert.match(html, /9,975 more are not shown/);
    assert.match(html, /href="\/catalog\/\?kind=check"/);
    assert.doesNotMatch(String(checksCard(site, fleet.slice(0, CARD_CHECKS))), /not shown/);
  });
});

describe('the rounds grid', () => {
  test('a row per location, a column per round, a letter and a word per cell; gaps say no run', () => {
    const html = String(
      roundsGrid(
        {
          rounds: [0, 30_000],
          cells: [
            { location: 'eu', roundMs: 0, status: 'failing' },
            { location: 'eu', roundMs: 30_000, status: 'degraded' },
            { location: 'us', roundMs: 30_000, status: 'passing' },
          ],
        },
        ['eu', 'us'],
      ),
    );
    assert.equal(html.match(/<tr><th scope="row">/g)?.length, 2);
    assert.match(html, /round-error"><span aria-hidden="true">✗<\/span><span class="visually-hidden">failing/);
    assert.match(html, /round-warn/);
    assert.match(html, /no run/);
    assert.match(String(roundsGrid({ rounds: [], cells: [] }, ['eu'])), /No rounds have run yet/);
  });
});

describe('the response-time chart', () => {
  const points: ResponsePoint[] = [
    { at: '2026-03-10T10:00:00.000Z', location: 'eu', meanMs: 120, maxMs: 300, runs: 120, failing: 0 },
    { at: '2026-03-10T11:00:00.000Z', location: 'eu', meanMs: 140, maxMs: 900, runs: 120, failing: 2 },
    { at: '2026-03-10T10:00:00.000Z', location: 'us', meanMs: 80, maxMs: 100, runs: 120, failing: 0 },
    { at: 'not a time', location: 'us', meanMs: 1, maxMs: 1, runs: 1, failing: 0 },
  ];
  test('says in words what it draws, and the same points as a table', () => {
    assert.equal(
      responseSummary(points),
      'Mean response time per hour at 2 locations (eu, us). Slowest run: 900 ms at eu, hour of 2026-03-10 11:00 UTC.',
    );
    assert.equal(responseSummary([]), 'No runs yet.');
    const html = String(responseChart('r', 'Response time', points));
    assert.equal(html.match(/<polyline/g)?.length, 1, 'eu has a line; us one point');
    assert.equal(html.match(/<circle/g)?.length, 1);
    assert.equal(html.match(/<tr><th scope="row">/g)?.length, 3, 'the unreadable time is left out');
    assert.match(html, /role="img"/);
    assert.match(html, /chart-legend/);
    assert.match(String(responseChart('r', 'Response time', [])), /No data/);
  });
});

describe('the check page card', () => {
  test('status, locations, the grid, the chart and failures with their excerpt escaped', () => {
    const html = String(
      checkStatusCard(site, {
        status: view(),
        rounds: { rounds: [0], cells: [{ location: 'eu', roundMs: 0, status: 'failing' }] },
        series: [],
        failures: [
          {
            runId: 'r1',
            check: 'check:default/api-health',
            location: 'eu',
            round: '2026-03-10T12:00:00.000Z',
            at: '2026-03-10T12:00:01.000Z',
            status: 'failing',
            assertions: [{ assertion: 'status == 200', passed: false, actual: '503' }],
            excerpt: HOSTILE,
            error: 'status == 200 failed: saw 503',
            runner: 'eu-1',
          },
        ],
        vitals: [],
      }),
    );
    assert.match(html, /<h2 id="check-status">Status<\/h2>/);
    assert.match(html, /Recent rounds by location/);
    assert.match(html, /failed: <code>status == 200<\/code> \(saw <code>503<\/code>\)/);
    assert.ok(!html.includes(HOSTILE));
    assert.doesNotMatch(html, /Web vitals/, 'only browser checks have vitals');
  });

  test('a browser check: the vitals table, the failing steps, refusals escaped and a link to the screenshot', () => {
    const failing: CheckResult = {
      runId: 'run:7',
      check: 'check:default/api-health',
      location: 'eu',
      round: '2026-03-10T12:00:00.000Z',
      at: '2026-03-10T12:00:01.000Z',
      status: 'failing',
      assertions: [{ assertion: 'step: pay', passed: false, actual: HOSTILE }],
      excerpt: 'Basket',
      error: 'Timeout 5000ms exceeded',
      browser: {
        url: 'https://shop.example/',
        vitals: { lcp: 812.5, cls: 0.02, ttfb: 40 },
        steps: [{ name: 'pay', passed: false, ms: 5000, error: HOSTILE }],
        refusals: [HOSTILE],
      },
      screenshot: true,
    };
    const html = String(
      checkStatusCard(site, {
        status: { ...view(), type: 'browser' },
        rounds: { rounds: [], cells: [] },
        series: [],
        failures: [failing],
        vitals: [failing],
      }),
    );
    assert.match(html, /<h3>Web vitals<\/h3>/);
    assert.match(
      html,
      /<td class="num">812.5 ms<\/td><td class="num">0.02<\/td><td>—<\/td><td class="num">40 ms<\/td><td>—<\/td>/,
    );
    assert.match(html, /href="\/api\/v1\/checks\/default\/api-health\/results\/run%3A7\/screenshot"/);
    assert.match(html, /Page text \(start\)/);
    assert.ok(!html.includes(HOSTILE));
    assert.match(
      String(
        checkStatusCard(site, {
          status: { ...view(), type: 'browser' },
          rounds: { rounds: [], cells: [] },
          series: [],
          failures: [],
          vitals: [],
        }),
      ),
      /No browser runs with web vitals are kept yet/,
    );
  });
});
