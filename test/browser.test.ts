import assert from 'node:assert/strict';
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { main } from '../src/main.ts';
import { assertAccessible, browserSkip, launchBrowser } from './support/browser.ts';
import { component, group, tempDir, writeFile } from './support/catalog.ts';
import { SEED_NOW, seedHistory } from './support/changes.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';
import { seedDemoHistory, seedDemoSli } from '../src/demo/seed.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/portal', import.meta.url));
const DEMO = fileURLToPath(new URL('../examples/acme', import.meta.url));
const DANGLING = fileURLToPath(new URL('./fixtures/dangling', import.meta.url));
/** Screenshots go to docs/screenshots when asked (`npm run screenshots`); elsewhere they are still taken, to a temp folder. */
const SCREENSHOTS =
  process.env.ATRIUM_SCREENSHOTS === '1' ? fileURLToPath(new URL('../docs/screenshots', import.meta.url)) : undefined;

/**
 * A live server on loopback with a change history: the fixture's known one on a fixed
 * clock, or, for the screenshots only (nothing is asserted about their content), the
 * demo's ending today, so relative times read as they do after `npm start`.
 */
async function serveCatalog(catalog: string, history: 'fixture' | 'demo'): Promise<TestServer> {
  const live = await startTestServer('sqlite', {
    catalog,
    listen: true,
    ...(history === 'fixture' ? { now: () => SEED_NOW } : {}),
  });
  if (history === 'fixture') await seedHistory(live.server);
  else {
    await seedDemoHistory(live.server.catalog.store, live.server.changes, new Date());
    // As `serve --demo-history`: the SLI history, then the first evaluation (the Health card's page alert).
    await seedDemoSli(live.server.slos, new Date());
    await live.server.slos.evaluate();
  }
  return live;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.webmanifest': 'application/manifest+json',
};

/** Any static file server will do; this one knows nothing about Atrium. */
function serveStatic(root: string, base: string): Promise<{ url: string; server: Server }> {
  const server = createHttpServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = path.startsWith(base) ? join(root, path.slice(base.length)) : '';
    if (file && existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    const found = file && existsSync(file) && statSync(file).isFile();
    res.writeHead(found ? 200 : 404, {
      'content-type': TYPES[extname(found ? file : '.html')] ?? 'application/octet-stream',
    });
    createReadStream(found ? file : join(root, '404.html')).pipe(res);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }),
    ),
  );
}

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

/** Pages showing references to entities that are not in the catalog ("not in the catalog" and "external" badges). */
const DANGLING_PAGE_TYPES: [string, string][] = [
  ['catalog list with missing owners', '/catalog/'],
  ['component with missing relations', '/catalog/default/component/invoices/'],
  ['group with external members', '/catalog/default/group/billing-team/'],
  ['graph with missing nodes', '/catalog/default/component/invoices/graph/'],
  ['grouped problems', '/problems/'],
  ['api defined at a URL', '/catalog/default/api/invoices-api/'],
];

describe('portal in a browser', { skip: browserSkip }, () => {
  let browser: Browser;
  let live: TestServer;
  let dangling: TestServer;
  let dir: string;

  before(async () => {
    dir = tempDir({ after });
    browser = await launchBrowser();
    live = await serveCatalog(FIXTURE, 'fixture');
    dangling = await startTestServer('sqlite', { catalog: DANGLING, listen: true, externalRefs: ['user:*'] });
  });
  after(async () => {
    await browser?.close();
    await live?.close();
    await dangling?.close();
  });

  async function open(
    path: string,
    options: { colorScheme?: 'light' | 'dark'; context?: BrowserContext } = {},
  ): Promise<Page> {
    const context =
      options.context ??
      (await browser.newContext({ colorScheme: options.colorScheme ?? 'light', serviceWorkers: 'block' }));
    const page = await context.newPage();
    page.on('dialog', () => assert.fail('a dialog opened: injected script ran'));
    await page.goto(live.url + path);
    return page;
  }

  for (const scheme of ['light', 'dark'] as const) {
    test(`every page type has no axe violations (WCAG 2.2 AA) in the ${scheme} scheme`, async () => {
      for (const [label, path] of PAGE_TYPES) {
        const page = await open(path, { colorScheme: scheme });
        await assertAccessible(page, `${label} (${path}, ${scheme})`);
        assert.equal(
          await page.evaluate(() => (window as unknown as { __xss?: number }).__xss),
          undefined,
          `no injected script ran on ${path}`,
        );
        await page.context().close();
      }
    });
  }

  test("times read absolute in the reader's zone next to the relative time, UTC in the title; the footer switches to UTC", async () => {
    const context = await browser.newContext({ timezoneId: 'Europe/Paris', serviceWorkers: 'block' });
    const page = await open('/catalog/default/component/ledger/changes/', { context });
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
    const page = await open('/catalog/default/component/payment-service/graph/', { context });
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

  test('missing and external entities are badges in words with no axe violations, light and dark, at 1280 and 390 px', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      for (const width of [1280, 390]) {
        const context = await browser.newContext({
          colorScheme: scheme,
          serviceWorkers: 'block',
          viewport: { width, height: 844 },
        });
        for (const [label, path] of DANGLING_PAGE_TYPES) {
          const page = await context.newPage();
          await page.goto(dangling.url + path);
          await assertAccessible(page, `${label} (${path}, ${scheme}, ${width} px)`);
          const overflow = await page.evaluate(
            () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
          );
          assert.equal(overflow, 0, `${label} (${path}, ${scheme}, ${width} px) scrolls sideways`);
          await page.close();
        }
        await context.close();
      }
    }
    const page = await open('/');
    await page.goto(`${dangling.url}/catalog/default/component/invoices/`);
    const badge = page.locator('.entity-missing', { hasText: 'tax-engine' }).first();
    assert.equal(
      (await badge.textContent())?.replace(/\s+/g, ' '),
      'tax-engine not in the catalog',
      'the badge is text, not colour alone',
    );
    assert.equal(await badge.locator('a').count(), 0);
    await page.context().close();
  });

  test('no page type scrolls sideways on a 390 px phone, in either scheme, and the header takes two rows', async () => {
    const wide: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      const context = await browser.newContext({
        colorScheme: scheme,
        serviceWorkers: 'block',
        viewport: { width: 390, height: 844 },
      });
      for (const [label, path] of PAGE_TYPES) {
        const page = await open(path, { context });
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        if (overflow > 0) wide.push(`${label} (${path}, ${scheme}): ${overflow} px wider than the phone`);
        // Two rows (brand and search, then the sections), not three: the page starts above the fold.
        const header = await page.evaluate(() => document.querySelector('header')?.getBoundingClientRect().height ?? 0);
        if (header > 96) wide.push(`${label} (${path}, ${scheme}): the header is ${header} px tall`);
        await page.close();
      }
      await context.close();
    }
    assert.deepEqual(wide, []);
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

  test('the flag switch: nothing chosen, the last choice kept after a change, the kill switch confirmed on its own', async () => {
    const { token } = await live.server.tokens.create('browser-switch', ['flags:write'], null);
    const page = await open('/catalog/default/flag/instant-refunds/');
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
      const page = await open('/catalog/default/api/payments-api/', { context });
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
    for (const scheme of ['light', 'dark'] as const)
      for (const width of [1280, 390]) {
        const context = await browser.newContext({
          colorScheme: scheme,
          serviceWorkers: 'block',
          viewport: { width, height: 900 },
        });
        for (const path of ['/catalog/default/flag/instant-refunds/', '/catalog/default/api/payments-api/']) {
          const page = await open(path, { context });
          await assertAccessible(page, `${path} at ${width} px, ${scheme}`);
          const clipped = await page.evaluate(() =>
            [...document.querySelectorAll('table')]
              .filter((t) => !t.closest('.table-scroll') && t.getBoundingClientRect().right > innerWidth)
              .map((t) => t.outerHTML.slice(0, 80)),
          );
          assert.deepEqual(clipped, [], `${path} at ${width} px: every wide table scrolls in its own box`);
          await page.close();
        }
        await context.close();
      }
  });

  test('the skip link is the first stop of the keyboard and moves focus to the content', async () => {
    const page = await open('/catalog/default/component/payment-service/');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
    assert.notEqual(outline, 'none', 'focus is visible');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => location.hash), '#main');
    await page.context().close();
  });

  test('headings go in order on every page type, with one h1 and one main landmark; table cells keep their case', async () => {
    for (const [label, path] of PAGE_TYPES) {
      const page = await open(path);
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
      await page.context().close();
    }
  });

  test('the command palette opens with / and Ctrl-K, and works with the keyboard alone', async () => {
    const page = await open('/problems/');
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
    const page = await open('/');
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
    const page = await open('/');
    await page.keyboard.press('Control+k');
    const input = page.getByRole('combobox', { name: 'Search the portal' });
    await input.fill('zzz-nothing');
    await page.getByText('Nothing matches “zzz-nothing”. Enter searches all pages.').waitFor();
    await Promise.all([page.waitForURL(/\/search\/\?q=zzz-nothing$/), page.keyboard.press('Enter')]);
    await page.context().close();
  });

  test('typing / in a search box types a slash instead of opening the palette', async () => {
    const page = await open('/');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'home-q', 'the home search has focus');
    await page.keyboard.type('a/b');
    assert.equal(await page.inputValue('#home-q'), 'a/b');
    assert.equal(await page.getByRole('combobox', { name: 'Search the portal' }).isVisible(), false);
    await page.context().close();
  });

  test('reduced motion turns smooth scrolling off', async () => {
    const context = await browser.newContext({ reducedMotion: 'reduce', serviceWorkers: 'block' });
    const page = await open('/', { context });
    assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).scrollBehavior), 'auto');
    await context.close();
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
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
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

  test('the static export works under its base path: pages, palette search from the prebuilt index, and the search page', async () => {
    const out = join(dir, 'site');
    const code = await main(
      ['build', '--catalog', FIXTURE, '--database', join(dir, 'export.db'), '--out', out, '--base-path', '/portal/'],
      { out: () => {}, err: () => {}, env: {}, cwd: dir },
    );
    assert.equal(code, 0);
    const { url, server } = await serveStatic(out, '/portal/');
    try {
      const context = await browser.newContext({ serviceWorkers: 'block' });
      const page = await context.newPage();
      await page.goto(`${url}/portal/`);
      await assertAccessible(page, 'static home');
      await page.keyboard.press('Control+k');
      await page.getByRole('combobox', { name: 'Search the portal' }).fill('refunds stuck');
      await page.getByRole('option').first().waitFor();
      assert.match((await page.getByRole('option').first().textContent()) ?? '', /runbook/i);
      await Promise.all([
        // The result lands on the section that matched, not only on the runbook.
        page.waitForURL(/\/portal\/catalog\/default\/component\/payment-service\/runbook\/#refunds-stuck$/),
        page.keyboard.press('Enter'),
      ]);
      await page.goto(`${url}/portal/search/?q=ledger`);
      await page.locator('.results li').first().waitFor();
      assert.match((await page.locator('.results li').first().textContent()) ?? '', /Ledger/);
      await assertAccessible(page, 'static search results');
      await page.goto(`${url}/portal/browse/kind/component/`);
      await assertAccessible(page, 'static facet page');
      // On call now is computed again by the portal's script from the plan the page carries.
      await page.goto(`${url}/portal/catalog/default/component/payment-service/`);
      await page.locator('[data-oncall-computed]', { hasText: 'in your browser' }).waitFor();
      assert.match(
        (await page.locator('[data-oncall-levels] li').first().textContent()) ?? '',
        /Level 1 · Payments primary/,
      );
      assert.match((await page.locator('[data-oncall-levels] li').first().textContent()) ?? '', /Ada/);
      await assertAccessible(page, 'static component page with On call now');
      await context.close();
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  test('screenshots of the main pages, light and dark, on the demo organisation', async () => {
    const shots = SCREENSHOTS ?? join(dir, 'screenshots');
    mkdirSync(shots, { recursive: true });
    const demo = await serveCatalog(DEMO, 'demo');
    try {
      const pages: [string, string][] = [
        ['home', '/'],
        ['catalog', '/catalog/?kind=component'],
        ['component', '/catalog/default/component/shipment-service/'],
        ['api', '/catalog/default/api/shipments-api/'],
        ['graph', '/catalog/default/component/shipment-service/graph/'],
        ['runbook', '/catalog/default/component/shipment-service/runbook/'],
        ['delivery', '/catalog/default/group/checkout/delivery/'],
        ['timeline', '/catalog/default/group/warehouse-systems/changes/'],
        ['slo', '/catalog/default/slo/shipments-availability/'],
      ];
      for (const scheme of ['light', 'dark'] as const) {
        const context = await browser.newContext({
          colorScheme: scheme,
          viewport: { width: 1280, height: 860 },
          serviceWorkers: 'block',
        });
        const page = await context.newPage();
        for (const [name, path] of pages) {
          await page.goto(demo.url + path);
          await page.screenshot({ path: join(shots, `${name}-${scheme}.png`) });
          assert.ok(statSync(join(shots, `${name}-${scheme}.png`)).size > 10_000);
        }
        // The Health card alone: it heads the service page's "When it breaks".
        await page.goto(`${demo.url}/catalog/default/component/shipment-service/`);
        await page
          .locator('section[aria-labelledby="health"]')
          .screenshot({ path: join(shots, `health-${scheme}.png`) });
        assert.ok(statSync(join(shots, `health-${scheme}.png`)).size > 5_000);
        await context.close();
      }
    } finally {
      await demo.close();
    }
  });
});
