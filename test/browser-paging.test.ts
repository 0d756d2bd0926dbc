import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { assertAccessible, browserSkip, launchBrowser } from './support/browser.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/paging/', import.meta.url));
const PATH = '/catalog/default/component/shipment-service/';

describe('the Page card in a browser', { skip: browserSkip }, () => {
  let browser: Browser;
  let live: TestServer;
  before(async () => {
    live = await startTestServer('sqlite', {
      catalog: FIXTURE,
      listen: true,
      // A loopback port nothing listens on: the page stays queued with its last error shown.
      receivers: [{ name: 'pagerduty', type: 'pagerduty', url: 'http://127.0.0.1:9/v2/enqueue' }],
      paging: { receiver: 'pagerduty' },
    });
    await live.server.paging.page(
      'component:default/shipment-service',
      { message: '<img src=x onerror="window.__xss=1"> checkout fails for every order since 02:10', by: 'Ada' },
      'ada-cli',
    );
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
        await page.goto(live.url + PATH);
        assert.equal(await page.locator('#page-oncall').textContent(), 'Page the on-call');
        await assertAccessible(page, `the Page card (${scheme}, ${width} px)`);
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        assert.equal(overflow, 0);
        assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
        await context.close();
      });
});
