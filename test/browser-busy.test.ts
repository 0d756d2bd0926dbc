import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { assertAccessible, browserSkip, launchBrowser, openPage, sidewaysOverflow } from './support/browser.ts';
import { component, location, tempCatalog, type TempCatalog } from './support/catalog.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

/** The busy page a browser gets when the server sheds load: accessible, and it retries by itself. */
describe('the busy page, in a browser', { skip: browserSkip }, () => {
  let browser: Browser;
  let catalog: TempCatalog;
  let live: TestServer;
  let open: () => void = () => undefined;
  let held: Promise<Response>;

  before(async () => {
    catalog = tempCatalog({
      'catalog-info.yaml': location(['./a.yaml']),
      'a.yaml': component('checkout', { owner: 'payments' }),
    });
    // One render at a time and no queue: while one page is held, every other page is refused.
    [browser, live] = await Promise.all([
      launchBrowser(),
      startTestServer('sqlite', {
        catalog: catalog.dir,
        listen: true,
        renderLimits: { active: 1, queued: 0, maxWaitMs: 600_000 },
      }),
    ]);
    const opened = new Promise<void>((resolve) => (open = resolve));
    const page = live.server.portal.page.bind(live.server.portal);
    live.server.portal.page = async (path, search) => {
      await opened;
      return page(path, search);
    };
    held = fetch(`${live.url}/catalog/`, { headers: { accept: 'text/html' } });
  });
  after(async () => {
    open();
    await (await held)?.body?.cancel();
    await browser?.close();
    await live?.close();
    catalog?.cleanup();
  });

  test('has no axe violations, light and dark, at 1280 and 390 px, then retries by itself and shows the page once there is room', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const context = await browser.newContext({ colorScheme: scheme, serviceWorkers: 'block' });
      const page = await openPage(context, 'about:blank');
      // The same page, but the portal's script is not asked to reload it while axe looks at it.
      await page.route(`${live.url}/`, async (route) => {
        const busy = await route.fetch();
        const body = (await busy.text()).replace('data-reload-after="1"', 'data-reload-after="0"');
        await route.fulfill({ response: busy, body });
      });
      const response = await page.goto(`${live.url}/`);
      assert.equal(response?.status(), 503);
      assert.equal(response?.headers()['retry-after'], '1');
      assert.equal(await page.locator('h1').textContent(), 'The portal is busy');
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 844 });
        await assertAccessible(page, `busy page (${scheme}, ${width} px)`);
        assert.equal(await sidewaysOverflow(page), 0, `busy page (${scheme}, ${width} px) scrolls sideways`);
      }
      await context.close();
    }
    const context = await browser.newContext({ serviceWorkers: 'block' });
    const page = await openPage(context, 'about:blank');
    await page.goto(`${live.url}/`);
    assert.equal(await page.locator('h1').textContent(), 'The portal is busy');
    open();
    assert.equal((await held).status, 200);
    // After Retry-After's second the page reloads itself, and now it is rendered.
    await page.waitForFunction(() => document.querySelector('h1')?.textContent !== 'The portal is busy', undefined, {
      timeout: 60_000,
    });
    assert.doesNotMatch(await page.title(), /busy/i);
    await context.close();
  });
});
