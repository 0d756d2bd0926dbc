import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { assertPageTypes, browserSkip, launchBrowser } from './support/browser.ts';
import { component, group, tempCatalog } from './support/catalog.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

/**
 * The Jobs card and a job's page in a browser, with runs on a fixed clock (a heartbeat
 * job that succeeded with a log and then missed a run): no axe violations, nothing wider
 * than the window, light and dark, desktop and phone.
 */

const START = Date.parse('2026-03-28T23:50:00.000Z');
let nowMs = START;
const catalog = tempCatalog({
  'catalog-info.yaml': [
    component('billing-db', { owner: 'billing' }),
    '---',
    group('billing'),
    '---',
    'apiVersion: atrium.dev/v1',
    'kind: Job',
    'metadata: { name: nightly-backup, title: Nightly backup }',
    'spec:',
    '  service: component:billing-db',
    '  schedule: "*/30 * * * *"',
    '  timeZone: Europe/Berlin',
    '  action: { heartbeat: { grace: 5m } }',
    '---',
    'apiVersion: atrium.dev/v1',
    'kind: Job',
    'metadata: { name: rate-import-with-a-rather-long-name-to-wrap }',
    'spec:',
    '  service: component:billing-db',
    '  schedule: "30 2 * * 1-5"',
    '  timeZone: America/New_York',
    '  concurrencyPolicy: Forbid',
    '  action: { http: { method: POST, url: "http://127.0.0.1:9/import" } }',
    '',
  ].join('\n'),
});
const PAGES: [string, string, string][] = [
  ['the Jobs card', '/catalog/default/component/billing-db/', '#jobs'],
  ['the job page', '/catalog/default/job/nightly-backup/', '#job-history'],
];

describe('the Jobs card and a job page in a browser', { skip: browserSkip }, () => {
  let browser: Browser;
  let live: TestServer;
  before(async () => {
    live = await startTestServer('sqlite', {
      catalog: catalog.dir,
      listen: true,
      runnerNow: () => nowMs,
      now: () => new Date(nowMs),
    });
    const jobs = live.server.jobs;
    const cron = { name: 'cron-host', scopes: ['jobs:write'] };
    await jobs.tick();
    nowMs = Date.parse('2026-03-29T00:00:10.000Z');
    await jobs.tick();
    await jobs.ping('job:default/nightly-backup', 'start', undefined, cron, undefined);
    nowMs += 95_000;
    await jobs.ping(
      'job:default/nightly-backup',
      'success',
      `${'pg_dump: dumping table rates\n'.repeat(40)}done, 2.3 GB`,
      cron,
      undefined,
    );
    nowMs = Date.parse('2026-03-29T00:40:00.000Z');
    await jobs.tick();
    await jobs.checkHeartbeats();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await live?.close();
    catalog.cleanup();
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
        await assertPageTypes(page, live.url, PAGES, `${scheme}, ${width} px`);
        const history = (await page.locator('section[aria-labelledby="job-history"]').textContent()) ?? '';
        assert.match(history, /missed/);
        assert.match(history, /1 min 35 s/);
        await context.close();
      });
});
