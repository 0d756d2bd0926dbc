import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { assertAccessible, browserSkip, launchBrowser } from './support/browser.ts';
import { loopbackServer } from './support/loopback.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/notifications/', import.meta.url));

describe('the Notifications page in a browser', { skip: browserSkip }, () => {
  let browser: Browser;
  let live: TestServer;
  let slack: Awaited<ReturnType<typeof loopbackServer>>;
  before(async () => {
    // Slack refuses (a long plain-text reason): one row failed with its answer, one sent.
    slack = await loopbackServer((req, res) => {
      const resolved = req.body.includes('Resolved');
      res.writeHead(resolved ? 200 : 404, { 'content-type': 'text/plain' });
      res.end(resolved ? 'ok' : `no_service ${'and a long explanation '.repeat(10)}`);
    });
    live = await startTestServer('sqlite', {
      catalog: FIXTURE,
      listen: true,
      receivers: [
        { name: 'checkout-slack', type: 'slack', url: `${slack.url}/services/T/B/SEKRET` },
        // A loopback port nothing listens on: its rows stay queued with their last error.
        { name: 'pagerduty', type: 'pagerduty', url: 'http://127.0.0.1:9/v2/enqueue', secret: 'R0UTE' },
      ],
      teamReceivers: { 'group:default/checkout': ['pagerduty'] },
    });
    for (const action of ['trigger', 'resolve'] as const)
      await live.server.notifications.notify({
        to: 'component:default/shipment-service',
        message: {
          action,
          summary: `<img src=x onerror="window.__xss=1"> Shipment service burns its error budget 14.4x over the last hour, ${'with a long tail of words '.repeat(8)}`,
          severity: 'critical',
          source: 'slo:default/shipments-availability',
          details: {},
          links: [],
        },
        dedupKey: `slo:default/shipments-availability:page:${'long-key-'.repeat(6)}`,
        createdBy: 'slo-alerting',
      });
    for (let run = 0; run < 2; run++) await live.server.outbox.deliverDue();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await live?.close();
    await slack?.close();
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
        await page.goto(`${live.url}/notifications/`);
        assert.equal(await page.locator('h1').textContent(), 'Notifications');
        assert.equal(await page.locator('table caption').textContent(), 'Notifications, newest first');
        assert.equal(await page.locator('tbody tr').count(), 4);
        assert.match((await page.locator('tbody').textContent()) ?? '', /HTTP 404: no_service/);
        await assertAccessible(page, `the Notifications page (${scheme}, ${width} px)`);
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        assert.equal(overflow, 0, 'the page does not scroll sideways; the table scrolls in its own box');
        assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
        assert.doesNotMatch(await page.content(), /SEKRET|R0UTE/);
        await page.selectOption('#n-status', 'failed');
        await page.click('button[type=submit]');
        await page.waitForURL(/status=failed/);
        assert.equal(await page.locator('tbody tr').count(), 1);
        await context.close();
      });
});
