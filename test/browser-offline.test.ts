import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  assertAccessible,
  browserSkip,
  injectedScriptMark,
  launchBrowser,
  PORTAL_FIXTURE,
  serveCatalog,
} from './support/browser.ts';
import type { TestServer } from './support/test-server.ts';

describe('the portal offline', { skip: browserSkip }, () => {
  let browser: Browser;
  let live: TestServer;

  before(async () => {
    [browser, live] = await Promise.all([launchBrowser(), serveCatalog(PORTAL_FIXTURE, 'fixture')]);
  });
  after(async () => {
    await browser?.close();
    await live?.close();
  });

  test('visited pages and runbooks stay readable offline, with a note of how old the copy is', async () => {
    const context = await browser.newContext({ serviceWorkers: 'allow' });
    const page = await context.newPage();
    await page.goto(`${live.url}/`);
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    // The worker controls pages loaded after it activated.
    await page.goto(`${live.url}/catalog/default/component/ledger/`);
    await context.setOffline(true);
    await page.reload();
    assert.match((await page.locator('h1').textContent()) ?? '', /Ledger/);
    const note = page.locator('[data-offline-note]');
    await note.waitFor();
    assert.match(
      (await note.textContent()) ?? '',
      /^You are offline\. This copy was saved (now|\d+ seconds? ago|\d+ minutes? ago) \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\) and may be out of date\.$/,
    );
    // Never visited, but a runbook: saved ahead of time.
    await page.goto(`${live.url}/catalog/default/component/payment-service/runbook/`);
    assert.match((await page.locator('h1').textContent()) ?? '', /Payment Service runbook/);
    await context.close();
  });

  test('offline: the first page is saved, a page never opened lists what is saved, and the palette searches saved pages', async () => {
    const context = await browser.newContext({ serviceWorkers: 'allow' });
    const page = await context.newPage();
    // The first page opened installs the worker: it was loaded before the worker could see it.
    await page.goto(`${live.url}/catalog/default/component/ledger/`);
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await page.waitForFunction(async () => {
      const cache = await caches.open('atrium-v2-pages');
      return (await cache.keys()).some((r) => r.url.endsWith('/catalog/default/component/ledger/'));
    });
    await context.setOffline(true);
    await page.reload();
    assert.match((await page.locator('h1').textContent()) ?? '', /Ledger/);
    await page.locator('[data-offline-note]').waitFor();

    // Never opened: the offline page, listing the saved runbooks and pages (as text).
    await page.goto(`${live.url}/catalog/default/component/storefront/`);
    assert.match((await page.locator('h1').textContent()) ?? '', /not saved on this device/);
    const saved = page.locator('[data-saved-pages]');
    await saved.locator('a').first().waitFor();
    const links = await saved
      .locator('a')
      .evaluateAll((as) => as.map((a) => `${a.textContent} -> ${new URL((a as HTMLAnchorElement).href).pathname}`));
    assert.ok(links.includes('Ledger -> /catalog/default/component/ledger/'), links.join('\n'));
    assert.ok(
      links.some((l) => l.endsWith('/catalog/default/component/payment-service/runbook/')),
      links.join('\n'),
    );
    assert.equal(await injectedScriptMark(page), undefined);
    for (const [colorScheme, width] of [
      ['light', 1280],
      ['dark', 1280],
      ['light', 390],
      ['dark', 390],
    ] as const) {
      await page.emulateMedia({ colorScheme });
      await page.setViewportSize({ width, height: 800 });
      await assertAccessible(page, `offline page (${colorScheme}, ${width} px)`);
    }

    // The palette ranks against the saved index and says so.
    await page.keyboard.press('/');
    await page.keyboard.type('ledger');
    const status = page.locator('.palette-status');
    await status.filter({ hasText: 'offline — searching saved pages' }).waitFor();
    assert.match((await page.locator('#palette-results li').first().textContent()) ?? '', /Ledger/);
    assert.doesNotMatch((await status.textContent()) ?? '', /Failed to fetch/);
    await context.close();
  });
});
