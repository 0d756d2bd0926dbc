import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import {
  assertAccessible,
  browserSkip,
  injectedScriptMark,
  launchBrowser,
  sidewaysOverflow,
} from './support/browser.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/incidents/', import.meta.url));

/** The incident page types (the list, an incident, the service page with its banner and form), kept small: one server, one context per scheme and width. */
describe('incident pages in a browser', { skip: browserSkip }, () => {
  let browser: Browser;
  let live: TestServer;
  let id = 0;
  before(async () => {
    live = await startTestServer('sqlite', { catalog: FIXTURE, listen: true, writesMaxLoopDelayMs: false });
    const at = new Date(Date.now() - 20 * 60_000).toISOString();
    await live.server.changes.recordChange(
      '/seed',
      {
        service: 'flag:default/new-card-flow',
        kind: 'feature-flag',
        summary: 'Turned new-card-flow on in production',
        at,
        environment: 'production',
      },
      { name: 'ci', scopes: ['changes:write'] },
      undefined,
    );
    const { incident } = await live.server.incidents.declare(
      {
        service: 'checkout',
        severity: 'SEV2',
        title: '<img src=x onerror="window.__xss=1"> card payments fail',
        customerImpact: 'Customers cannot pay by card.',
        lead: 'Grace',
        startedAt: new Date(Date.now() - 10 * 60_000).toISOString(),
      },
      'ada',
    );
    id = incident.id;
    await live.server.incidents.addNote(id, '<script>window.__xss=1</script> Turned **new-card-flow** off', 'Lin');
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
        for (const [path, heading] of [
          [`/incidents/${id}/`, 'Suspected changes'],
          ['/incidents/', 'Incidents'],
          ['/catalog/default/component/checkout/', 'Open incident'],
        ] as const) {
          await page.goto(live.url + path);
          assert.ok((await page.content()).includes(heading), `${path} shows ${heading}`);
          await assertAccessible(page, `${path} (${scheme}, ${width} px)`);
          const wide = await page.evaluate(() =>
            [...document.querySelectorAll('body *')]
              .filter(
                (e) =>
                  e.getBoundingClientRect().right > document.documentElement.clientWidth ||
                  e.scrollWidth > e.clientWidth + 1,
              )
              .slice(0, 8)
              .map(
                (e) =>
                  `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)} ${e.scrollWidth}/${e.clientWidth}`,
              )
              .join(' | '),
          );
          assert.equal(await sidewaysOverflow(page), 0, `${path} scrolls sideways at ${width} px: ${wide}`);
          assert.equal(await injectedScriptMark(page), undefined);
        }
        await context.close();
      });
});
