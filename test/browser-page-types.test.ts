import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  assertAccessible,
  browserSkip,
  injectedScriptMark,
  launchBrowser,
  openPage,
  PORTAL_FIXTURE,
  serveCatalog,
  sidewaysOverflow,
} from './support/browser.ts';
import type { TestServer } from './support/test-server.ts';

/** Every page type of the portal, on the fixture that holds every kind, docs and hostile content. */
const PAGE_TYPES: [string, string][] = [
  ['home', '/'],
  ['catalog list', '/catalog/'],
  ['catalog list, every kind', '/catalog/?kind=all'],
  ['component', '/catalog/default/component/payment-service/'],
  ['hostile component', '/catalog/default/component/hostile/'],
  ['api (OpenAPI)', '/catalog/default/api/payments-api/'],
  ['api (gRPC)', '/catalog/default/api/fraud-api/'],
  ['group', '/catalog/default/group/payments/'],
  ['user', '/catalog/default/user/ada/'],
  ['system', '/catalog/default/system/checkout/'],
  ['domain', '/catalog/default/domain/commerce/'],
  ['resource', '/catalog/default/resource/payments-db/'],
  ['location', '/catalog/default/location/portal-fixture/'],
  ['flag', '/catalog/default/flag/instant-refunds/'],
  ['rotation', '/catalog/default/rotation/payments-primary/'],
  ['docs', '/catalog/default/component/payment-service/docs/'],
  ['runbook', '/catalog/default/component/payment-service/runbook/'],
  ['hostile runbook', '/catalog/default/component/hostile/runbook/'],
  ['dependency graph', '/catalog/default/component/ledger/graph/'],
  ['problems', '/problems/'],
  ['search', '/search/?q=payment'],
  ['not found', '/catalog/default/component/missing/'],
  ['timeline', '/catalog/default/component/ledger/changes/'],
  ['hostile timeline', '/catalog/default/component/hostile/changes/'],
  ['team delivery (DORA)', '/catalog/default/group/payments/delivery/'],
  ['service delivery (DORA)', '/catalog/default/component/payment-service/delivery/?days=14'],
];

const DESKTOP = { width: 1280, height: 720 };
const PHONE = { width: 390, height: 844 };

/**
 * Each page type is loaded once per colour scheme and every check is made on that one
 * load: axe at 1280 px, the document's structure, then (the layout follows the viewport
 * through CSS alone: no script reads the width) the phone checks at 390 px.
 */
describe('every page type in a browser', { skip: browserSkip }, () => {
  let browser: Browser;
  let live: TestServer;

  before(async () => {
    [browser, live] = await Promise.all([launchBrowser(), serveCatalog(PORTAL_FIXTURE, 'fixture')]);
  });
  after(async () => {
    await browser?.close();
    await live?.close();
  });

  for (const scheme of ['light', 'dark'] as const) {
    test(`in the ${scheme} scheme: no axe violations (WCAG 2.2 AA) at 1280 px; headings in order with one h1 and one main landmark, table cells keep their case; at 390 px no sideways scroll and a two-row header`, async () => {
      const context = await browser.newContext({ colorScheme: scheme, serviceWorkers: 'block', viewport: DESKTOP });
      const page = await openPage(context, 'about:blank');
      const wide: string[] = [];
      for (const [label, path] of PAGE_TYPES) {
        await page.setViewportSize(DESKTOP);
        await page.goto(live.url + path);
        await assertAccessible(page, `${label} (${path}, ${scheme})`);
        assert.equal(await injectedScriptMark(page), undefined, `no injected script ran on ${path}`);

        // Header and data cells hold case-sensitive identifiers (parameters, flag keys, environments).
        const shouted = await page.evaluate(() =>
          [...document.querySelectorAll('th, td, th *, td *')]
            .filter((cell) => getComputedStyle(cell).textTransform !== 'none')
            .map((cell) => cell.textContent ?? ''),
        );
        assert.deepEqual(shouted, [], `${label}: no table text is case-transformed`);
        const levels = await page.evaluate(() =>
          [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => Number(h.tagName[1])),
        );
        assert.equal(levels.filter((l) => l === 1).length, 1, `${label}: one h1`);
        levels.forEach((level, i) =>
          assert.ok(i === 0 || level <= (levels[i - 1] as number) + 1, `${label}: h${level} follows h${levels[i - 1]}`),
        );
        assert.equal(await page.locator('main').count(), 1);

        await page.setViewportSize(PHONE);
        const overflow = await sidewaysOverflow(page);
        if (overflow > 0) wide.push(`${label} (${path}, ${scheme}): ${overflow} px wider than the phone`);
        // Two rows (brand and search, then the sections), not three: the page starts above the fold.
        const header = await page.evaluate(() => document.querySelector('header')?.getBoundingClientRect().height ?? 0);
        if (header > 96) wide.push(`${label} (${path}, ${scheme}): the header is ${header} px tall`);
      }
      await context.close();
      assert.deepEqual(wide, []);
    });
  }
});
