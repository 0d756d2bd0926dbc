import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { assertPageTypes, browserSkip, launchBrowser } from './support/browser.ts';
import type { TempCatalog } from './support/catalog.ts';
import { hubCatalog } from './support/hub-catalog.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

/**
 * A hub's pages in a browser (issue 20): its entity page with the summarised dependents,
 * its relation list and its graph with the grouped dependents: no
 * axe violations, nothing wider than the window, light and dark, desktop and phone.
 */
const HUB = '/catalog/default/component/shared-lib/';
const PAGES = [
  ['the hub page', HUB, '.breakdown'],
  // One of each page type: the relation list's later pages and other relations' lists are
  // the same page (their contents are tested in hubs.test.ts).
  ['the relation list, a later page', `${HUB}relations/dependents/page/3/`, '.pager'],
  ['the hub graph', `${HUB}graph/`, '#groups'],
] as const;

describe('a hub in a browser', { skip: browserSkip }, () => {
  let catalog: TempCatalog;
  let live: TestServer;
  let browser: Browser;
  before(async () => {
    catalog = hubCatalog();
    live = await startTestServer('sqlite', { catalog: catalog.dir, listen: true });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await live?.close();
    catalog?.cleanup();
  });
  for (const scheme of ['light', 'dark'] as const)
    for (const width of [1280, 390])
      test(`no axe violations and no sideways scroll at ${width} px (${scheme})`, async () => {
        const context = await browser.newContext({
          colorScheme: scheme,
          serviceWorkers: 'block',
          viewport: { width, height: 900 },
        });
        await assertPageTypes(await context.newPage(), live.url, PAGES, `${scheme}, ${width} px`);
        await context.close();
      });
});
