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

describe('the portal with the keyboard', { skip: browserSkip }, () => {
  let browser: Browser;
  let live: TestServer;

  before(async () => {
    [browser, live] = await Promise.all([launchBrowser(), serveCatalog(PORTAL_FIXTURE, 'fixture')]);
  });
  after(async () => {
    await browser?.close();
    await live?.close();
  });

  test('the skip link is the first stop of the keyboard and moves focus to the content', async () => {
    const page = await openPage(
      await browser.newContext({ serviceWorkers: 'block' }),
      `${live.url}/catalog/default/component/payment-service/`,
    );
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
    assert.notEqual(outline, 'none', 'focus is visible');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => location.hash), '#main');
    await page.context().close();
  });

  test('the command palette opens with / and Ctrl-K, and works with the keyboard alone', async () => {
    const page = await openPage(await browser.newContext({ serviceWorkers: 'block' }), `${live.url}/problems/`);
    await page.keyboard.press('Tab');
    await page.keyboard.press('/');
    const input = page.getByRole('combobox', { name: 'Search the portal' });
    await input.waitFor();
    await page.keyboard.press('Escape');
    await input.waitFor({ state: 'hidden' });
    assert.equal(
      await page.evaluate(() => document.activeElement?.textContent),
      'Skip to content',
      'focus returns where it was',
    );
    await page.keyboard.press('/');
    await input.fill('ledg');
    await page.getByRole('option').first().waitFor();
    assert.equal(await input.getAttribute('aria-expanded'), 'true');
    assert.match((await page.getByRole('option').first().textContent()) ?? '', /Ledger/);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    assert.equal(await input.getAttribute('aria-activedescendant'), 'palette-option-0');
    await assertAccessible(page, 'open palette');
    await Promise.all([page.waitForURL(/\/catalog\/default\/component\/ledger\/$/), page.keyboard.press('Enter')]);
    await page.keyboard.press('Control+k');
    await input.waitFor();
    await page.getByRole('button', { name: 'Close' }).click();
    await input.waitFor({ state: 'hidden' });
    await page.context().close();
  });

  test('the palette finds a runbook section by a pasted alert name, and Enter lands on that section', async () => {
    const page = await openPage(await browser.newContext({ serviceWorkers: 'block' }), `${live.url}/`);
    await page.keyboard.press('Control+k');
    const input = page.getByRole('combobox', { name: 'Search the portal' });
    await input.fill('PaymentServiceRefundQueueDepthHigh');
    const first = page.getByRole('option').first();
    await first.waitFor();
    assert.match((await first.textContent()) ?? '', /Payment Service runbook › Alerts/);
    await Promise.all([
      page.waitForURL(/\/catalog\/default\/component\/payment-service\/runbook\/#alerts$/),
      page.keyboard.press('Enter'),
    ]);
    assert.equal(await page.evaluate(() => document.querySelector(':target')?.textContent?.trim()), 'Alerts #');
    await page.keyboard.press('Control+k');
    await input.fill('paymnt');
    await page.getByRole('option').first().waitFor();
    assert.match((await page.getByRole('option').first().textContent()) ?? '', /Payment Service/);
    await page.context().close();
  });

  test('Enter on text with no results opens the search page', async () => {
    const page = await openPage(await browser.newContext({ serviceWorkers: 'block' }), `${live.url}/`);
    await page.keyboard.press('Control+k');
    const input = page.getByRole('combobox', { name: 'Search the portal' });
    await input.fill('zzz-nothing');
    await page.getByText('Nothing matches “zzz-nothing”. Enter searches all pages.').waitFor();
    await Promise.all([page.waitForURL(/\/search\/\?q=zzz-nothing$/), page.keyboard.press('Enter')]);
    await page.context().close();
  });

  test('typing / in a search box types a slash instead of opening the palette', async () => {
    const page = await openPage(await browser.newContext({ serviceWorkers: 'block' }), `${live.url}/`);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'home-q', 'the home search has focus');
    await page.keyboard.type('a/b');
    assert.equal(await page.inputValue('#home-q'), 'a/b');
    assert.equal(await page.getByRole('combobox', { name: 'Search the portal' }).isVisible(), false);
    await page.context().close();
  });
});
