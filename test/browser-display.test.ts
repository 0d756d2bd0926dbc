import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { component, group, tempDir, writeFile } from './support/catalog.ts';
import { browserSkip, launchBrowser, openPage, PORTAL_FIXTURE, serveCatalog } from './support/browser.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

describe('how portal pages read in a browser', { skip: browserSkip }, () => {
  let browser: Browser;
  let live: TestServer;

  before(async () => {
    [browser, live] = await Promise.all([launchBrowser(), serveCatalog(PORTAL_FIXTURE, 'fixture')]);
  });
  after(async () => {
    await browser?.close();
    await live?.close();
  });

  test("times read absolute in the reader's zone next to the relative time, UTC in the title; the footer switches to UTC", async () => {
    const context = await browser.newContext({ timezoneId: 'Europe/Paris', serviceWorkers: 'block' });
    const page = await openPage(context, `${live.url}/catalog/default/component/ledger/changes/`);
    const first = page.locator('time[data-relative]').first();
    // 12 January 11:00 UTC is 12:00 in Paris (the page's clock is the browser's: the date is shown).
    assert.match((await first.textContent()) ?? '', /^12 Jan( 2026)?, 12:00 · /);
    assert.equal(await first.getAttribute('title'), '2026-01-12 11:00 UTC');
    const toggle = page.locator('[data-utc-toggle]');
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
    assert.match((await first.textContent()) ?? '', /^12 Jan( 2026)?, 11:00 UTC · /);
    await page.reload();
    assert.match((await page.locator('time[data-relative]').first().textContent()) ?? '', /11:00 UTC · /, 'remembered');
    await context.close();
  });

  test('the dependency graph at 1280 px: nodes link to their pages, labels at least 12 px on screen', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, serviceWorkers: 'block' });
    const page = await openPage(context, `${live.url}/catalog/default/component/payment-service/graph/`);
    assert.ok((await page.locator('svg.graph a[href="/catalog/default/component/ledger/"]').count()) > 0);
    const smallest = await page.evaluate(() =>
      Math.min(
        ...[...document.querySelectorAll<SVGTextElement>('svg.graph text')].map((t) => {
          const svg = t.ownerSVGElement as SVGSVGElement;
          const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
          return Number.parseFloat(getComputedStyle(t).fontSize) * scale;
        }),
      ),
    );
    assert.ok(smallest >= 12, `smallest label ${smallest} px`);
    await context.close();
  });

  test('the catalog list shows at least 15 components on a 1280×800 screen, one line each', async () => {
    const many = tempDir({ after });
    const long = 'Takes orders from every storefront, checks stock, reserves it and hands the order to fulfilment';
    const docs = Array.from({ length: 40 }, (_, i) =>
      component(`service-${String(i).padStart(2, '0')}`, { title: `Service number ${i}`, tags: ['dense'] }).replace(
        '\nspec:',
        `\n  description: ${long} (${i}).\nspec:`,
      ),
    );
    writeFile(many, 'catalog-info.yaml', [group('team-a'), ...docs].join('\n---\n'));
    const server = await startTestServer('sqlite', { catalog: many, listen: true });
    try {
      const context = await browser.newContext({ serviceWorkers: 'block', viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${server.url}/catalog/`);
      const rows = await page.evaluate(() =>
        [...document.querySelectorAll('table.entities tbody tr')].map((r) => r.getBoundingClientRect().bottom),
      );
      assert.equal(rows.length, 40, 'the default list is the components');
      const visible = rows.filter((bottom) => bottom <= 800).length;
      assert.ok(visible >= 15, `${visible} rows fit on the first screen`);
      await context.close();
    } finally {
      await server.close();
    }
  });

  test('reduced motion turns smooth scrolling off', async () => {
    const context = await browser.newContext({ reducedMotion: 'reduce', serviceWorkers: 'block' });
    const page = await openPage(context, `${live.url}/`);
    assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).scrollBehavior), 'auto');
    await context.close();
  });
});
