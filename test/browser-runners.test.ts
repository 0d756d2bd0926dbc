import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { assertAccessible, browserSkip, launchBrowser } from './support/browser.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/notifications/', import.meta.url));
const NOW = Date.parse('2026-12-07T12:00:00Z');

describe('the Runners page in a browser', { skip: browserSkip }, () => {
  let browser: Browser;
  let live: TestServer;
  before(async () => {
    live = await startTestServer('sqlite', {
      catalog: FIXTURE,
      listen: true,
      runnerNow: () => NOW,
      runnerLongPollMs: 0,
    });
    // Three runners introduce themselves, one with long tags, one holding a run.
    await live.server.runners.enqueue([
      {
        kind: 'check',
        subject: 'check:default/a',
        dedupKey: 'a@1',
        tags: [],
        dueAt: NOW,
        timeoutMs: 1000,
        secrets: [],
        payload: null,
      },
    ]);
    for (const [name, location, tags] of [
      ['eu-west-1-a', 'eu-west-1', ['linux', 'docker', 'a-rather-long-tag-name-for-the-phone-layout']],
      ['ap-south-1-a', 'ap-south-1', []],
      ['host-01-local', 'local', []],
    ] as const)
      await live.server.runners.lease({ name, location, tags, version: '0.1.0', capacity: 4 });
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
        await page.goto(`${live.url}/runners/`);
        assert.equal(await page.locator('h1').textContent(), 'Runners');
        assert.equal(await page.locator('tbody tr').count(), 3);
        assert.match((await page.locator('tbody tr').first().textContent()) ?? '', /ap-south-1-a/);
        assert.match((await page.locator('tbody').textContent()) ?? '', /1 of 4/);
        await assertAccessible(page, `the Runners page (${scheme}, ${width} px)`);
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        assert.equal(overflow, 0, 'the page does not scroll sideways');
        await context.close();
      });

  test('the footer links to it', async () => {
    const context = await browser.newContext({ serviceWorkers: 'block' });
    const page = await context.newPage();
    await page.goto(`${live.url}/notifications/`);
    await page.click('footer a[href$="runners/"]');
    await page.waitForURL(/\/runners\/$/);
    await context.close();
  });
});
