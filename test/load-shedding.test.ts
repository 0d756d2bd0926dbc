import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AtriumServer } from '../src/server.ts';
import { component, location, tempCatalog, type TempCatalog } from './support/catalog.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';
import type { RenderLimits } from '../src/server/render-queue.ts';

/**
 * Load shedding of reads: pages and API answers that are not cached wait in a bounded
 * render queue, and a request that finds it full, or would wait too long, gets 503 with
 * Retry-After at once (a busy page that retries itself, or a problem document) — never
 * another 5xx, and never for health, readiness, metrics or the portal's static files.
 */

/** Holds every page render (and the search index) until opened: a slow render, injected. */
function slowRenders(server: AtriumServer) {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const page = server.portal.page.bind(server.portal);
  const searchIndex = server.portal.searchIndex.bind(server.portal);
  server.portal.page = async (path, search) => {
    await opened;
    return page(path, search);
  };
  server.portal.searchIndex = async () => {
    await opened;
    return searchIndex();
  };
  return open;
}

/** Holds the search index (so every search page's render) until opened: a render in flight, injected. */
function slowSearchIndex(server: AtriumServer) {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const searchIndex = server.portal.searchIndex.bind(server.portal);
  server.portal.searchIndex = async () => {
    await opened;
    return searchIndex();
  };
  return open;
}

/** A metric's value from /metrics (which is never queued, so it answers while the queue is full). */
async function metric(url: string, line: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return Number(found?.slice(line.length + 1) ?? Number.NaN);
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

const PAGE = { accept: 'text/html' };

describe('load shedding', () => {
  let catalog: TempCatalog;
  before(() => {
    catalog = tempCatalog({
      'catalog-info.yaml': location(['./a.yaml', './b.yaml']),
      'a.yaml': component('checkout', { owner: 'payments' }),
      'b.yaml': component('billing', { owner: 'payments' }),
    });
  });
  after(() => catalog.cleanup());

  const serve = async (
    t: { after(fn: () => Promise<void>): void },
    renderLimits: RenderLimits,
  ): Promise<TestServer> => {
    const live = await startTestServer('sqlite', { catalog: catalog.dir, listen: true, renderLimits });
    t.after(() => live.close());
    return live;
  };

  test('a saturated server refuses past the queue with 503 + Retry-After, finishes what it queued, and answers health, readiness, metrics and assets', async (t) => {
    const live = await serve(t, { active: 2, queued: 2, maxWaitMs: 600_000 });
    const open = slowRenders(live.server);
    const paths = [
      '/',
      '/catalog/',
      '/problems/',
      '/catalog/default/component/checkout/',
      '/catalog/default/component/billing/',
      '/catalog/?kind=component',
      '/catalog/?kind=group',
      '/catalog/?kind=api',
    ];
    const answers = paths.map((path) => fetch(live.url + path, { headers: PAGE }));
    await until(
      async () => (await metric(live.url, 'atrium_render_refusals')) === paths.length - 4,
      'the requests past 2 running and 2 waiting to be refused',
    );
    assert.equal(await metric(live.url, 'atrium_renders_in_flight{state="running"}'), 2);
    assert.equal(await metric(live.url, 'atrium_renders_in_flight{state="waiting"}'), 2);
    // Never shed: a load balancer's checks, the scrape, and what the busy page itself loads.
    assert.equal((await fetch(`${live.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${live.url}/readyz`)).status, 200);
    const stylesheet = [...live.server.portal.assets.files.keys()].find((p) => p.endsWith('.css'));
    assert.equal((await fetch(`${live.url}/${stylesheet}`)).status, 200);
    // The API is shed too, as a problem document.
    const api = await fetch(`${live.url}/api/v1/search?q=checkout`);
    assert.equal(api.status, 503);
    assert.equal(api.headers.get('retry-after'), '1');
    assert.equal(api.headers.get('content-type'), 'application/problem+json');
    const problem = await api.json();
    assert.equal(problem.code, 'overloaded');
    assert.equal(problem.category, 'retryable');
    open();
    const settled = await Promise.all(answers);
    const statuses = settled.map((r) => r.status);
    assert.deepEqual(
      statuses.filter((s) => s === 200),
      [200, 200, 200, 200],
      `the 2 running and the 2 queued finish: ${statuses}`,
    );
    for (const refused of settled.filter((r) => r.status !== 200)) {
      assert.equal(refused.status, 503, 'no other 5xx');
      assert.equal(refused.headers.get('retry-after'), '1');
      assert.equal(refused.headers.get('cache-control'), 'no-store');
      assert.match(refused.headers.get('content-type') ?? '', /^text\/html/);
      const body = await refused.text();
      assert.match(body, /<h1>The portal is busy<\/h1>/);
      assert.match(body, /data-reload-after="1"/);
    }
    await Promise.all(settled.filter((r) => !r.bodyUsed).map((r) => r.body?.cancel()));
    // Once the queue drains, the same requests are answered.
    assert.equal((await fetch(`${live.url}/api/v1/search?q=checkout`)).status, 200);
    assert.equal(await metric(live.url, 'atrium_renders_in_flight{state="waiting"}'), 0);
  });

  test('a request that would wait longer than the limit is refused at its deadline, however short the queue', async (t) => {
    const live = await serve(t, { active: 1, queued: 100, maxWaitMs: 50 });
    const open = slowRenders(live.server);
    const running = fetch(`${live.url}/`, { headers: PAGE });
    await until(
      async () => (await metric(live.url, 'atrium_renders_in_flight{state="running"}')) === 1,
      'the first render to hold the slot',
    );
    // The queue has room for 100, but this one would wait past 50 ms: refused at its deadline.
    const waited = await fetch(`${live.url}/catalog/`, { headers: PAGE });
    assert.equal(waited.status, 503);
    assert.equal(waited.headers.get('retry-after'), '1');
    await waited.body?.cancel();
    open();
    assert.equal((await running).status, 200);
  });

  test('the limits are the server options: generous ones shed nothing under the same burst', async (t) => {
    const live = await serve(t, { active: 2, queued: 100, maxWaitMs: 600_000 });
    const open = slowRenders(live.server);
    const answers = Array.from({ length: 12 }, (_, i) => fetch(`${live.url}/catalog/?q=${i}`, { headers: PAGE }));
    await until(
      async () => (await metric(live.url, 'atrium_renders_in_flight{state="waiting"}')) === 10,
      'the burst to be queued',
    );
    open();
    const statuses = (await Promise.all(answers)).map((r) => r.status);
    assert.deepEqual(statuses, Array(12).fill(200));
    assert.equal(await metric(live.url, 'atrium_render_refusals'), 0);
  });

  test('identical requests share the render in flight without queue places: a stampede is answered by one render while the queue stays full for distinct ones', async (t) => {
    // No queue place at all: whatever is not the one running render or sharing it is refused.
    const live = await serve(t, { active: 1, queued: 0, maxWaitMs: 600_000 });
    const open = slowSearchIndex(live.server);
    const rendersBefore = live.server.portal.renders;
    const first = fetch(`${live.url}/search/?q=checkout`, { headers: PAGE });
    await until(
      async () => live.server.portal.rendering('/search/', '?q=checkout') !== undefined,
      'the first search to be rendering',
    );
    const stampede = Array.from({ length: 40 }, () => fetch(`${live.url}/search/?q=checkout`, { headers: PAGE }));
    await until(
      async () => (await metric(live.url, 'atrium_renders_in_flight{state="sharing"}')) === 40,
      'the identical requests to share the render',
    );
    const distinct = await fetch(`${live.url}/search/?q=billing`, { headers: PAGE });
    assert.equal(distinct.status, 503, 'a distinct render finds the queue full');
    assert.equal(distinct.headers.get('retry-after'), '1');
    await distinct.body?.cancel();
    open();
    const answers = await Promise.all([first, ...stampede]);
    assert.deepEqual(
      answers.map((r) => r.status),
      Array(41).fill(200),
    );
    assert.equal(new Set(await Promise.all(answers.map((r) => r.text()))).size, 1, 'one body for all');
    assert.equal(live.server.portal.renders - rendersBefore, 1, 'one render');
    assert.equal(await metric(live.url, 'atrium_render_refusals'), 1, 'only the distinct request was refused');
    assert.equal(await metric(live.url, 'atrium_renders_in_flight{state="sharing"}'), 0);
  });

  test('sharing a render is bounded by the same wait: past it the sharer is refused with 503 + Retry-After', async (t) => {
    const live = await serve(t, { active: 1, queued: 0, maxWaitMs: 50 });
    const open = slowSearchIndex(live.server);
    const first = fetch(`${live.url}/search/?q=checkout`, { headers: PAGE });
    await until(
      async () => live.server.portal.rendering('/search/', '?q=checkout') !== undefined,
      'the first search to be rendering',
    );
    const sharer = await fetch(`${live.url}/search/?q=checkout`, { headers: PAGE });
    assert.equal(sharer.status, 503);
    assert.equal(sharer.headers.get('retry-after'), '1');
    assert.match(await sharer.text(), /<h1>The portal is busy<\/h1>/);
    open();
    assert.equal((await first).status, 200);
  });
});
