import assert from 'node:assert/strict';
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
