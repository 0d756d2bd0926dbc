import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { assertAccessible, browserSkip, launchBrowser } from './support/browser.ts';
import { SEED_NOW, seedHistory } from './support/changes.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/portal', import.meta.url));
const SCHEMES = ['light', 'dark'] as const;
const WIDTHS = [1280, 390] as const;

/** No sideways scroll of the page itself (wide content scrolls in its own box), and no hostile script ran. */
async function assertFits(page: Page, label: string): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  assert.ok(scrollWidth <= innerWidth, `${label}: ${scrollWidth} px wide in a ${innerWidth} px window`);
  assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
}

/** The home page's feed, the catalog list, the API reference and the flag switch form as a person sees them. */
describe('the home page, catalog list, API reference and switch form in a browser', { skip: browserSkip }, () => {
  let browser: Browser;
  let live: TestServer;
  before(async () => {
    live = await startTestServer('sqlite', { catalog: FIXTURE, listen: true, now: () => SEED_NOW });
    await seedHistory(live.server);
    await live.server.flags.setEnabled(
      'flag:default/instant-refunds',
      'production',
      false,
      { name: 'ada', scopes: ['flags:write'] },
      'refunds stuck',
    );
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await live?.close();
  });

  const open = async (path: string, scheme: (typeof SCHEMES)[number], width: number) => {
    const context = await browser.newContext({
      colorScheme: scheme,
      serviceWorkers: 'block',
      viewport: { width, height: 900 },
      timezoneId: 'UTC',
    });
    const page = await context.newPage();
    await page.goto(live.url + path);
    return { page, close: () => context.close() };
  };

  for (const scheme of SCHEMES)
    for (const width of WIDTHS)
      test(`home: the organisation's changes with absolute times and links (${scheme}, ${width} px)`, async () => {
        const { page, close } = await open('/', scheme, width);
        const feed = page.locator('section[aria-labelledby="recent"]');
        assert.equal(await feed.locator('h2').textContent(), 'Changed recently');
        const first = feed.locator('.timeline-event').first();
        assert.match((await first.textContent()) ?? '', /feature-flag/);
        assert.equal(
          await first.getByRole('link', { name: 'instant-refunds' }).getAttribute('href'),
          '/catalog/default/flag/instant-refunds/',
        );
        // The client script labels times as every timeline does: the absolute time (in the reader's zone, UTC here)
        // first, then the relative one, which depends on the browser's own clock and so is not asserted.
        await page.waitForFunction(() => document.querySelector('#recent ~ ol time')?.textContent?.includes(' · '));
        assert.match((await feed.locator('time').nth(1).textContent()) ?? '', /^14 Jan( 2026)?, 10:00 · .+ ago$/);
        assert.ok(await feed.getByText('Rolled back', { exact: true }).isVisible(), 'a failure stands out');
        await assertAccessible(page, `home (${scheme}, ${width} px)`);
        await assertFits(page, `home (${scheme}, ${width} px)`);
        await close();
      });

  for (const scheme of SCHEMES)
    for (const width of WIDTHS)
      test(`catalog list: what was loaded last, owners by display name, every tag reachable (${scheme}, ${width} px)`, async () => {
        const { page, close } = await open('/catalog/', scheme, width);
        assert.ok(await page.locator('.recently-loaded').isVisible());
        assert.ok(
          await page.locator('table.entities').getByRole('link', { name: 'Payments Team' }).first().isVisible(),
        );
        await assertAccessible(page, `catalog list (${scheme}, ${width} px)`);
        await assertFits(page, `catalog list (${scheme}, ${width} px)`);
        // Every tag is reachable: the ones past the first twelve open in place, and every one is on the tag index.
        await page.locator('#facet-tag ~ details summary').click();
        await Promise.all([
          page.waitForURL(/\/browse\/tag\/$/),
          page.getByRole('link', { name: 'Every tag in the catalog' }).click(),
        ]);
        assert.ok(await page.getByRole('link', { name: 'zz-archive' }).isVisible());
        await assertAccessible(page, `tag index (${scheme}, ${width} px)`);
        await assertFits(page, `tag index (${scheme}, ${width} px)`);
        await close();
      });

  for (const scheme of SCHEMES)
    for (const width of WIDTHS)
      test(`API reference: a schema shown once, linked from its operations (${scheme}, ${width} px)`, async () => {
        const { page, close } = await open('/catalog/default/api/payments-api/', scheme, width);
        const operation = page
          .locator('.api-operation')
          .filter({ has: page.locator('.schema-name') })
          .first();
        const id = await operation.getAttribute('id');
        // The index's deep link opens the operation's group.
        await page.locator(`.api-toc a[href="#${id}"]`).click();
        assert.ok(await operation.isVisible());
        await Promise.all([page.waitForURL(/#schema-Charge$/), operation.locator('a.schema-name').first().click()]);
        assert.ok(await page.locator('#schema-Charge').isVisible());
        assert.ok(await page.locator('#schema-Charge').getByText('currency', { exact: true }).isVisible());
        await assertAccessible(page, `API reference (${scheme}, ${width} px)`);
        await assertFits(page, `API reference (${scheme}, ${width} px)`);
        await close();
      });

  test('switch form: the last choice kept without JavaScript, the kill switch never chosen', async () => {
    const { token } = await live.server.tokens.create('browser-home-switch', ['flags:write'], null);
    const context = await browser.newContext({ javaScriptEnabled: false, serviceWorkers: 'block' });
    const page = await context.newPage();
    await page.goto(`${live.url}/catalog/default/flag/instant-refunds/`);
    assert.equal(await page.locator('#switch-environment').inputValue(), '', 'nothing chosen for you');
    await page.selectOption('#switch-environment', 'staging');
    await page.check('#switch-action-rollout');
    await page.fill('#switch-percent', '30');
    await page.fill('#switch-reason', 'slow rollout');
    await page.fill('#switch-token', token);
    await page.check('#switch-confirm');
    await Promise.all([
      page.waitForURL(/\/switch\/\?environment=staging/),
      page.click('#switch-form button[type="submit"]'),
    ]);
    assert.equal(await page.locator('#switch-environment').inputValue(), 'staging', 'the last environment kept');
    assert.equal(await page.locator('#switch-action-rollout').isChecked(), true, 'the last change kept');
    assert.equal(await page.locator('#switch-percent').inputValue(), '30');
    assert.equal(await page.locator('#switch-reason').inputValue(), '', 'a new reason is asked for');
    assert.equal(await page.locator('#switch-confirm').isChecked(), false, 'and a new confirmation');
    assert.equal(await page.locator('#kill-every').isChecked(), false, 'the kill switch unticked');
    const landed = page.url();
    await context.close();
    for (const scheme of SCHEMES)
      for (const width of WIDTHS) {
        const { page: shown, close } = await open(new URL(landed).pathname + new URL(landed).search, scheme, width);
        assert.match((await shown.getByRole('status').first().textContent()) ?? '', /Changed in staging/);
        await assertAccessible(shown, `switch page (${scheme}, ${width} px)`);
        await assertFits(shown, `switch page (${scheme}, ${width} px)`);
        await close();
      }
  });
});
