import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { assertPageTypes, browserSkip, launchBrowser } from './support/browser.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

/**
 * The post-mortem page (with its forms and items, one overdue and escalated, one
 * deprioritised), the overdue-actions dashboard and the team page's card in a browser: no
 * axe violations, nothing wider than the window, light and dark, desktop and phone.
 */

const FIXTURE = fileURLToPath(new URL('./fixtures/postmortems/', import.meta.url));

describe('the post-mortem pages in a browser', { skip: browserSkip }, () => {
  let clock = new Date('2026-01-07T10:00:00Z');
  let browser: Browser;
  let live: TestServer;
  let pages: [string, string, string][] = [];
  before(async () => {
    live = await startTestServer('sqlite', { catalog: FIXTURE, listen: true, now: () => clock });
    const { incident } = await live.server.incidents.declare(
      { service: 'component:default/checkout-service', severity: 'SEV2', title: 'Card payments failed' },
      'ada',
    );
    const id = String(incident.id);
    const pm = live.server.postmortems;
    const add = async (title: string, owner: string) =>
      (
        JSON.parse(
          (
            await pm.addItem(
              id,
              { title, owner, deadline: '2026-01-21', type: 'prevent', ticket: 'https://tickets.example/OPS-7' },
              'ada',
              'test',
              undefined,
            )
          ).body,
        ) as { id: number }
      ).id;
    await add('Alert on payment queue depth before it backs up into checkout', 'group:default/checkout');
    await pm.deprioritise(
      await add('Rewrite the retry client', 'user:default/jane'),
      'Covered by the queue alert',
      'ann',
    );
    await pm.publish(id, await pm.template(id), 'ada', 'test', undefined);
    clock = new Date('2026-02-02T09:00:00Z');
    assert.equal(await pm.escalate(), 1);
    pages = [
      ['the post-mortem page', `/incidents/${id}/postmortem/`, '#actions'],
      ['the dashboard', '/postmortems/', '#overdue'],
      ['the team page', '/catalog/default/group/checkout/', '#postmortem-actions'],
    ];
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
        await assertPageTypes(page, live.url, pages, `${scheme}, ${width} px`);
        await context.close();
      });
});
