import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { seedDemoSli } from '../src/demo/seed.ts';
import { assertPageTypes, browserSkip, launchBrowser } from './support/browser.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

/**
 * The Health card and an SLO page in a browser, on the demo organisation with its SLI
 * history on a fixed clock (shipments-availability's page alert firing): no axe
 * violations, nothing wider than the window, light and dark, desktop and phone.
 */

const DEMO = fileURLToPath(new URL('../examples/acme', import.meta.url));
const NOW = new Date('2026-03-10T12:00:00.000Z');
const PAGES: [string, string, string][] = [
  ['the Health card', '/catalog/default/component/shipment-service/', '#health'],
  ['the SLO page', '/catalog/default/slo/shipments-availability/', '#slo-status'],
];

describe('the Health card and the SLO page in a browser', { skip: browserSkip }, () => {
  let browser: Browser;
  let live: TestServer;
  before(async () => {
    live = await startTestServer('sqlite', { catalog: DEMO, listen: true, now: () => NOW });
    // The SLI history alone: the Health card and the SLO page read no deployments.
    await seedDemoSli(live.server.slos, NOW);
    assert.equal((await live.server.slos.evaluate()).fired, 1, 'the demo story: one page alert');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await live?.close();
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
        await page.goto(`${live.url}/catalog/default/component/shipment-service/`);
        assert.match(
          (await page.locator('section[aria-labelledby="health"]').textContent()) ?? '',
          /page alert firing/,
        );
        await context.close();
      });
});
