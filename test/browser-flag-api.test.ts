import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  assertAccessible,
  browserSkip,
  launchBrowser,
  openPage,
  PORTAL_FIXTURE,
  serveCatalog,
} from './support/browser.ts';
import type { TestServer } from './support/test-server.ts';

describe('the flag and API pages in a browser', { skip: browserSkip }, () => {
  let browser: Browser;
  let live: TestServer;

  before(async () => {
    [browser, live] = await Promise.all([launchBrowser(), serveCatalog(PORTAL_FIXTURE, 'fixture')]);
  });
  after(async () => {
    await browser?.close();
    await live?.close();
  });

  test('the flag switch: nothing chosen, the last choice kept after a change, the kill switch confirmed on its own', async () => {
    const { token } = await live.server.tokens.create('browser-switch', ['flags:write'], null);
    const page = await openPage(
      await browser.newContext({ serviceWorkers: 'block' }),
      `${live.url}/catalog/default/flag/instant-refunds/`,
    );
    assert.equal(await page.locator('#switch-environment').inputValue(), '', 'no environment chosen for you');
    assert.equal(await page.locator('#switch-form input[name="action"]:checked').count(), 0, 'no change chosen');
    await page.selectOption('#switch-environment', 'staging');
    await page.check('#switch-action-off');
    await page.fill('#switch-reason', 'browser test');
    await page.fill('#switch-token', token);
    await page.check('#switch-confirm');
    await Promise.all([page.waitForURL(/environment=staging/), page.click('#switch-form button[type="submit"]')]);
    assert.equal(await page.locator('#switch-environment').inputValue(), 'staging', 'the last environment kept');
    assert.equal(await page.locator('#switch-action-off').isChecked(), true, 'the last change kept');
    assert.equal(await page.locator('#switch-reason').inputValue(), '', 'a new reason is asked for');
    assert.equal(await page.locator('#switch-confirm').isChecked(), false, 'and a new confirmation');
    await page.fill('#kill-reason', 'incident');
    await page.fill('#kill-token', token);
    await page.click('#kill-form button[type="submit"]');
    assert.equal(
      await page.locator('#kill-every').evaluate((box) => (box as HTMLInputElement).validity.valueMissing),
      true,
      'the kill switch is not sent without its own confirmation',
    );
    assert.match(page.url(), /environment=staging/, 'still on the page');
    await page.check('#kill-every');
    await Promise.all([
      page.waitForURL((url) => url.search === '' && url.hash === '#switches'),
      page.click('#kill-form button[type="submit"]'),
    ]);
    const states = await page.locator('#switches + .table-scroll tbody td:nth-child(2)').allTextContents();
    assert.ok(states.length > 0 && states.every((s) => s === 'off'), `off everywhere: ${states.join(', ')}`);
    assert.equal(await page.locator('#switch-environment').inputValue(), '', 'nothing chosen after a kill');
    await page.context().close();
  });

  test("an API reference's deep link opens its operation, with or without the portal's script; curl has a Copy button", async () => {
    for (const javaScriptEnabled of [false, true]) {
      const context = await browser.newContext({ serviceWorkers: 'block', javaScriptEnabled });
      const page = await openPage(context, `${live.url}/catalog/default/api/payments-api/`);
      const target = await page.locator('nav.api-toc a[href^="#op-"]').last().getAttribute('href');
      assert.ok(target);
      const operation = page.locator(target);
      assert.equal(await operation.isVisible(), false, 'operations start collapsed');
      await page.goto(`${live.url}/catalog/default/api/payments-api/${target}`);
      await operation.waitFor({ state: 'visible' });
      assert.equal(
        await operation.evaluate((el) => (el.closest('details') as HTMLDetailsElement).open),
        true,
        `the group opened (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`,
      );
      if (javaScriptEnabled) assert.equal(await operation.locator('button.copy-button').count(), 1);
      await context.close();
    }
  });

  test('the flag and API pages have no axe violations at 1280 and 390 px, light and dark', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const context = await browser.newContext({ colorScheme: scheme, serviceWorkers: 'block' });
      const page = await openPage(context, 'about:blank');
      for (const path of ['/catalog/default/flag/instant-refunds/', '/catalog/default/api/payments-api/']) {
        await page.setViewportSize({ width: 1280, height: 900 });
        await page.goto(live.url + path);
        // One load per page and scheme: the layout follows the viewport through CSS alone.
        for (const width of [1280, 390]) {
          await page.setViewportSize({ width, height: 900 });
          await assertAccessible(page, `${path} at ${width} px, ${scheme}`);
          const clipped = await page.evaluate(() =>
            [...document.querySelectorAll('table')]
              .filter((t) => !t.closest('.table-scroll') && t.getBoundingClientRect().right > innerWidth)
              .map((t) => t.outerHTML.slice(0, 80)),
          );
          assert.deepEqual(clipped, [], `${path} at ${width} px: every wide table scrolls in its own box`);
        }
      }
      await context.close();
    }
  });
});
