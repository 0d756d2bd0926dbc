import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { seedDemoChecks } from '../src/demo/seed.ts';
import { assertPageTypes, browserSkip, launchBrowser } from './support/browser.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

/**
 * The service page's Checks card and a check's page in a browser, on the demo organisation
 * with its day of check runs on a fixed clock (checkout-page failing from 3 of 5 locations,
 * shipments-health degraded at one): no axe violations, nothing wider than the window,
 * light and dark, desktop and phone.
 */

const DEMO = fileURLToPath(new URL('../examples/acme', import.meta.url));
const NOW = new Date('2026-03-10T12:20:00.000Z');
const PAGES: [string, string, string][] = [
  ['the Checks card', '/catalog/default/component/checkout-web/', '#checks'],
  ['the check page', '/catalog/default/check/checkout-page/', '#check-status'],
];

describe('the Checks card and a check page in a browser', { skip: browserSkip }, () => {
  let browser: Browser;
  let live: TestServer;
  before(async () => {
    live = await startTestServer('sqlite', { catalog: DEMO, listen: true, now: () => NOW });
    await seedDemoChecks(live.server.checks, NOW);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await live?.close();
  });

  test('the demo story: checkout failing from 3 of 5 locations, shipments degraded at one', async () => {
    const checkout = await live.server.checks.status('check:default/checkout-page');
    assert.equal(checkout?.status, 'failing');
    assert.equal(checkout?.locations.filter((l) => l.status === 'failing').length, 3);
    const shipments = await live.server.checks.status('check:default/shipments-health');
    assert.equal(shipments?.status, 'degraded');
    assert.deepEqual(
      shipments?.locations.filter((l) => l.status !== 'passing').map((l) => `${l.location} ${l.status}`),
      ['eu-west-1 degraded'],
    );
  });

  for (const scheme of ['light', 'dark'] as const)
    for (const width of [1280, 390])
      test(`no axe violations and no sideways scroll at ${width} px (${scheme})`, async () => {
        const context = await browser.newContext({
          colorScheme: scheme,
          serviceWorkers: 'block',
          viewport: { width, height: 900 },
        });
        const page = await context.newPage();
        await assertPageTypes(page, live.url, PAGES, `${scheme}, ${width} px`);
        await context.close();
      });
});

/** A browser check with a failing run (steps, vitals, a refusal, a screenshot) and a passing one. */
const BROWSER_CATALOG = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: shop }
spec: { type: website, lifecycle: production, owner: group:default/web }
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: web }
spec: { type: team, children: [] }
---
apiVersion: atrium.dev/v1
kind: Check
metadata: { name: send-a-parcel, title: Send a parcel }
spec:
  service: component:shop
  type: browser
  interval: 5m
  timeout: 30s
  locations: [local]
  browser:
    script: |
      await step('open', () => page.goto('https://shop.example/send'));
      await step('pay', () => page.click('text=Pay'));
`;

describe('a browser check page in a browser', { skip: browserSkip }, () => {
  let browser: Browser;
  let live: TestServer;
  let dir: string;
  let jpeg: Buffer;
  const key = 'check:default/send-a-parcel';
  const runAt = (runId: string, roundMs: number, ok: boolean) => ({
    runId,
    kind: 'check',
    subject: key,
    dedupKey: `${key}@local@${roundMs}`,
    location: 'local',
    runner: 'local-1',
    runnerLocation: 'local',
    attempt: 1,
    startedAt: roundMs + 100,
    finishedAt: roundMs + 2100,
    outcome: {
      status: ok ? ('success' as const) : ('failure' as const),
      summary: ok ? '2 step(s) passed' : 'TimeoutError: page.click: Timeout 20000ms exceeded.',
      detail: {
        responseTimeMs: 2000,
        timings: { dns: 1, connect: 4, tls: 6, firstByte: 30, total: 2000 },
        assertions: [
          { assertion: 'step: open', passed: true, actual: '800 ms' },
          { assertion: 'step: pay', passed: ok, actual: ok ? '40 ms' : 'TimeoutError: page.click: Timeout exceeded' },
        ],
        ...(ok ? {} : { excerpt: 'Send a parcel\nBasket is empty' }),
        attempts: 1,
        browser: {
          url: 'https://shop.example/send',
          vitals: { lcp: 812.5, cls: 0.02, ttfb: 40, ...(ok ? { inp: 24, ttfmi: 650 } : { ttfmi: 300 }) },
          steps: [
            { name: 'open', passed: true, ms: 800 },
            { name: 'pay', passed: ok, ms: 40, ...(ok ? {} : { error: 'Timeout exceeded' }) },
          ],
          refusals: ok ? [] : ['10.0.0.5 resolves to 10.0.0.5, a private address'],
        },
        ...(ok ? {} : { screenshot: jpeg.toString('base64') }),
      },
    },
  });
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'atrium-browser-check-'));
    writeFileSync(join(dir, 'catalog-info.yaml'), BROWSER_CATALOG);
    live = await startTestServer('sqlite', { catalog: dir, listen: true, now: () => NOW });
    browser = await launchBrowser();
    const page = await browser.newPage();
    await page.setContent('<p style="font: 40px sans-serif">Basket is empty</p>');
    jpeg = await page.screenshot({ type: 'jpeg', quality: 50 });
    await page.close();
    const round = NOW.getTime() - 600_000;
    await live.server.checks.recordAlone(runAt('run-failing', round, false));
    await live.server.checks.recordAlone(runAt('run-passing', round + 300_000, true));
  });
  after(async () => {
    await browser?.close();
    await live?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the results API has the vitals and says which run has a screenshot, served as a JPEG', async () => {
    const results = (await (await fetch(`${live.url}/api/v1/checks/default/send-a-parcel/results`)).json()) as {
      items: { runId: string; screenshot?: boolean; browser?: { vitals: Record<string, number> } }[];
    };
    assert.deepEqual(
      results.items.map((r) => [r.runId, r.screenshot ?? false, r.browser?.vitals.ttfmi]),
      [
        ['run-passing', false, 650],
        ['run-failing', true, 300],
      ],
    );
    const shot = await fetch(`${live.url}/api/v1/checks/default/send-a-parcel/results/run-failing/screenshot`);
    assert.equal(shot.status, 200);
    assert.equal(shot.headers.get('content-type'), 'image/jpeg');
    assert.deepEqual(Buffer.from(await shot.arrayBuffer()), jpeg);
    for (const missing of ['run-passing/screenshot', 'nope/screenshot', '..%2F..%2Fx/screenshot'])
      assert.ok(
        [400, 404].includes((await fetch(`${live.url}/api/v1/checks/default/send-a-parcel/results/${missing}`)).status),
        missing,
      );
  });

  for (const scheme of ['light', 'dark'] as const)
    for (const width of [1280, 390])
      test(`the vitals table and the screenshot link: axe, no sideways scroll at ${width} px (${scheme})`, async () => {
        const context = await browser.newContext({
          colorScheme: scheme,
          serviceWorkers: 'block',
          viewport: { width, height: 900 },
        });
        const page = await context.newPage();
        await assertPageTypes(
          page,
          live.url,
          [['the browser check page', '/catalog/default/check/send-a-parcel/', '.check-vitals']],
          `${scheme}, ${width} px`,
        );
        const link = page.getByRole('link', { name: 'Screenshot of the failing page (JPEG)' });
        const response = await page.request.get(new URL((await link.getAttribute('href')) ?? '', live.url).href);
        assert.equal(response.headers()['content-type'], 'image/jpeg');
        await context.close();
      });
});
