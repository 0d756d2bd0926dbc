import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import assert from 'node:assert/strict';
import { createLogger } from '../../src/platform/log.ts';
import { recordDemoHistory } from '../../src/server/demo-history.ts';
import { SEED_NOW, seedHistory } from './changes.ts';
import { startTestServer, type TestServer } from './test-server.ts';

/**
 * Debian's chromium driven by playwright-core (never a downloaded browser). scripts/test.js
 * sets ATRIUM_CHROMIUM to its path, or to '' when it is missing: then browser suites skip,
 * and the run's summary says so.
 */
export const CHROMIUM = process.env.ATRIUM_CHROMIUM ?? '/usr/bin/chromium';
export const browserSkip: string | false = CHROMIUM ? false : 'chromium is not installed (apt-get install -y chromium)';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
}

/** The portal fixture: every kind, docs and hostile content. */
export const PORTAL_FIXTURE = fileURLToPath(new URL('../fixtures/portal', import.meta.url));

/**
 * A live server on loopback with a change history: the fixture's known one on a fixed
 * clock, or, for the screenshots only (nothing is asserted about their content), the
 * demo's ending today, so relative times read as they do after `npm start`.
 */
export async function serveCatalog(catalog: string, history: 'fixture' | 'demo'): Promise<TestServer> {
  const live = await startTestServer('sqlite', {
    catalog,
    listen: true,
    ...(history === 'fixture' ? { now: () => SEED_NOW } : {}),
  });
  if (history === 'fixture') await seedHistory(live.server);
  else await recordDemoHistory(live.server, new Date(), createLogger({ level: 'silent' }));
  return live;
}

/** A new page in `context` that fails the test if a dialog opens (injected script ran), at `url`. */
export async function openPage(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  page.on('dialog', () => assert.fail('a dialog opened: injected script ran'));
  await page.goto(url);
  return page;
}

/** How many pixels the page is wider than its viewport: more than 0 scrolls sideways. */
export function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** What the hostile fixtures' scripts would have set had any of them run. */
export function injectedScriptMark(page: Page): Promise<number | undefined> {
  return page.evaluate(() => (window as unknown as { __xss?: number }).__xss);
}

/** WCAG 2.2 AA by axe-core: the rules of every level up to AA. */
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/**
 * The axe-core that @axe-core/playwright runs (minified), evaluated only if the document
 * has none yet. AxeBuilder evaluates its source twice on every check; parsing and running
 * 580 kB each time was a large part of a check's cost, and a page checked in both colour
 * schemes or at two widths keeps the copy it already has.
 */
const AXE_ONCE = `if (!window.axe) {\n${readFileSync(
  createRequire(createRequire(import.meta.url).resolve('@axe-core/playwright')).resolve('axe-core/axe.min.js'),
  'utf8',
)}\n}`;

export async function assertAccessible(page: Page, label: string): Promise<void> {
  const builder = new AxeBuilder({ page, axeSource: AXE_ONCE })
    // Every violation in full; passes and inapplicable rules are only counted. Before
    // withTags: options() replaces what withTags sets.
    .options({ resultTypes: ['violations'] })
    .withTags(WCAG_TAGS);
  // Runs axe inside the page itself (the pages have no frames): several times faster.
  builder.setLegacyMode(true);
  const results = await builder.analyze();
  const summary = results.violations.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help} — ${v.nodes
        .slice(0, 3)
        .map((n) => n.target.join(' '))
        .join(' | ')}`,
  );
  assert.deepEqual(summary, [], `axe violations on ${label}`);
}

/**
 * Visits each `[label, path, selector]` under `baseUrl`: it answers 200, shows `selector`,
 * has no axe violations and is no wider than the window (no sideways scroll on a phone).
 * `setting` (scheme and width) goes into the messages.
 */
export async function assertPageTypes(
  page: Page,
  baseUrl: string,
  pages: readonly (readonly [label: string, path: string, selector: string])[],
  setting: string,
): Promise<void> {
  for (const [label, path, selector] of pages) {
    const response = await page.goto(baseUrl + path);
    assert.equal(response?.status(), 200, label);
    assert.ok(await page.locator(selector).isVisible(), `${label} shows ${selector}`);
    await assertAccessible(page, `${label} (${setting})`);
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
    }));
    assert.ok(scrollWidth <= innerWidth, `${label}: ${scrollWidth} px wide in a ${innerWidth} px window`);
  }
}
