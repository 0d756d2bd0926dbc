import { chromium } from 'playwright-core';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const base = 'http://127.0.0.1:7411';
const paths = process.argv.slice(2);
for (const scheme of ['light', 'dark']) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: scheme });
  for (const p of paths) {
    await page.goto(base + p);
    await page.screenshot({ path: `/tmp/at1/${p.replace(/[^a-z0-9]+/g, '_')}_${scheme}.png`, fullPage: false });
  }
}
await browser.close();
