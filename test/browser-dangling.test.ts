import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { assertAccessible, browserSkip, launchBrowser, openPage, sidewaysOverflow } from './support/browser.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const DANGLING = fileURLToPath(new URL('./fixtures/dangling', import.meta.url));

/** Pages showing references to entities that are not in the catalog ("not in the catalog" and "external" badges). */
const DANGLING_PAGE_TYPES: [string, string][] = [
  ['catalog list with missing owners', '/catalog/'],
  ['component with missing relations', '/catalog/default/component/invoices/'],
  ['group with external members', '/catalog/default/group/billing-team/'],
  ['graph with missing nodes', '/catalog/default/component/invoices/graph/'],
  ['grouped problems', '/problems/'],
  ['api defined at a URL', '/catalog/default/api/invoices-api/'],
];

describe('references to entities not in the catalog, in a browser', { skip: browserSkip }, () => {
  let browser: Browser;
  let dangling: TestServer;

  before(async () => {
    [browser, dangling] = await Promise.all([
      launchBrowser(),
      startTestServer('sqlite', { catalog: DANGLING, listen: true, externalRefs: ['user:*'] }),
    ]);
  });
  after(async () => {
    await browser?.close();
    await dangling?.close();
  });

  test('missing and external entities are badges in words with no axe violations, light and dark, at 1280 and 390 px', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const context = await browser.newContext({ colorScheme: scheme, serviceWorkers: 'block' });
      const page = await openPage(context, 'about:blank');
      for (const [label, path] of DANGLING_PAGE_TYPES) {
        await page.setViewportSize({ width: 1280, height: 844 });
        await page.goto(dangling.url + path);
        // One load per page and scheme: the layout follows the viewport through CSS alone.
        for (const width of [1280, 390]) {
          await page.setViewportSize({ width, height: 844 });
          await assertAccessible(page, `${label} (${path}, ${scheme}, ${width} px)`);
          assert.equal(await sidewaysOverflow(page), 0, `${label} (${path}, ${scheme}, ${width} px) scrolls sideways`);
        }
      }
      await context.close();
    }
    const page = await openPage(
      await browser.newContext({ serviceWorkers: 'block' }),
      `${dangling.url}/catalog/default/component/invoices/`,
    );
    const badge = page.locator('.entity-missing', { hasText: 'tax-engine' }).first();
    assert.equal(
      (await badge.textContent())?.replace(/\s+/g, ' '),
      'tax-engine not in the catalog',
      'the badge is text, not colour alone',
    );
    assert.equal(await badge.locator('a').count(), 0);
    await page.context().close();
  });
});
