import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import assert from 'node:assert/strict';

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

/** WCAG 2.2 AA by axe-core: the rules of every level up to AA. */
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

export async function assertAccessible(page: Page, label: string): Promise<void> {
  const builder = new AxeBuilder({ page }).withTags(WCAG_TAGS);
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
