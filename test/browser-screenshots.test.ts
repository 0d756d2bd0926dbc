import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { browserSkip, launchBrowser, serveCatalog } from './support/browser.ts';

const DEMO = fileURLToPath(new URL('../examples/acme', import.meta.url));
const SCREENSHOTS = fileURLToPath(new URL('../docs/screenshots', import.meta.url));

// Retaking the screenshots is a tool (`npm run screenshots`), not a check: every page it
// visits is checked by the other browser tests, so `npm test` leaves it out.
const skip =
  browserSkip ||
  (process.env.ATRIUM_SCREENSHOTS === '1'
    ? false
    : 'screenshots are retaken by npm run screenshots (ATRIUM_SCREENSHOTS=1)');

describe('the portal on the demo organisation', { skip }, () => {
  let browser: Browser;

  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('screenshots of the main pages, light and dark, on the demo organisation', async () => {
    const shots = SCREENSHOTS;
    mkdirSync(shots, { recursive: true });
    const demo = await serveCatalog(DEMO, 'demo');
    try {
      const pages: [string, string][] = [
        ['home', '/'],
        ['catalog', '/catalog/?kind=component'],
        ['component', '/catalog/default/component/shipment-service/'],
        ['api', '/catalog/default/api/shipments-api/'],
        ['graph', '/catalog/default/component/shipment-service/graph/'],
        ['runbook', '/catalog/default/component/shipment-service/runbook/'],
        ['delivery', '/catalog/default/group/checkout/delivery/'],
        ['timeline', '/catalog/default/group/warehouse-systems/changes/'],
        ['slo', '/catalog/default/slo/shipments-availability/'],
        ['check', '/catalog/default/check/checkout-page/'],
        ['job', '/catalog/default/job/rate-sheet-sync/'],
        ['incidents', '/incidents/'],
        ['postmortems', '/postmortems/'],
        ['relations', '/catalog/default/api/shipments-api/relations/apiConsumedBy/'],
      ];
      for (const scheme of ['light', 'dark'] as const) {
        const context = await browser.newContext({
          colorScheme: scheme,
          viewport: { width: 1280, height: 860 },
          serviceWorkers: 'block',
        });
        const page = await context.newPage();
        for (const [name, path] of pages) {
          await page.goto(demo.url + path);
          await page.screenshot({ path: join(shots, `${name}-${scheme}.png`) });
          assert.ok(statSync(join(shots, `${name}-${scheme}.png`)).size > 10_000);
        }
        // The Health card alone: it heads the service page's "When it breaks".
        await page.goto(`${demo.url}/catalog/default/component/shipment-service/`);
        await page
          .locator('section[aria-labelledby="health"]')
          .screenshot({ path: join(shots, `health-${scheme}.png`) });
        assert.ok(statSync(join(shots, `health-${scheme}.png`)).size > 5_000);
        await context.close();
      }
      // The 3 AM walk on a phone: the service page (Health, on call, Page, what changed) and its runbook.
      const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, serviceWorkers: 'block' });
      const page = await phone.newPage();
      for (const [name, path] of [
        ['phone-service', '/catalog/default/component/shipment-service/'],
        ['phone-runbook', '/catalog/default/component/shipment-service/runbook/'],
      ] as const) {
        await page.goto(demo.url + path);
        await page.screenshot({ path: join(shots, `${name}.png`) });
        assert.ok(statSync(join(shots, `${name}.png`)).size > 10_000);
      }
      await phone.close();
    } finally {
      await demo.close();
    }
  });
});
