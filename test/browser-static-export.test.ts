import assert from 'node:assert/strict';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { main } from '../src/main.ts';
import { assertAccessible, browserSkip, launchBrowser, PORTAL_FIXTURE } from './support/browser.ts';
import { tempDir } from './support/catalog.ts';

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

describe('the static export in a browser', { skip: browserSkip }, () => {
  let browser: Browser;
  let dir: string;

  before(async () => {
    dir = tempDir({ after });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  test('the static export works under its base path: pages, palette search from the prebuilt index, and the search page', async () => {
    const out = join(dir, 'site');
    const code = await main(
      [
        'build',
        '--catalog',
        PORTAL_FIXTURE,
        '--database',
        join(dir, 'export.db'),
        '--out',
        out,
        '--base-path',
        '/portal/',
      ],
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
      await page.goto(`${url}/portal/browse/kind/api/`);
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
});
