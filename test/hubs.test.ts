import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CAPABILITIES_MODULE, entitySections } from '../src/capabilities.ts';
import { CatalogStore } from '../src/catalog/store.ts';
import { exportSite } from '../src/portal/export.ts';
import type { TempCatalog } from './support/catalog.ts';
import { hubCatalog } from './support/hub-catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { expectSafePage } from './support/safe-page.ts';
import { startTestServer, useTestServer } from './support/test-server.ts';

const HUB = '/catalog/default/component/shared-lib/';

/**
 * Issue 20's hubs, small (support/hub-catalog.ts): the hub's page must stay small with exact
 * counts; its own list pages through every dependent; its graph groups them instead of
 * drawing them.
 */

describeEachDatabase('a catalog with a hub', (dialect) => {
  let catalog: TempCatalog;
  before(() => {
    catalog = hubCatalog();
  });
  const fixture = useTestServer(dialect, () => ({ catalog: catalog.dir }));
  after(() => catalog.cleanup());
  const page = async (path: string, status = 200) => {
    const res = await fixture.server.app.request(path);
    assert.equal(res.status, status, `${path} answers ${status}`);
    return status === 200 ? expectSafePage(res, path) : '';
  };

  test("the hub's page stays small, with exact counts by kind, owner and system and the first 25", async () => {
    const body = await page(HUB);
    assert.ok(Buffer.byteLength(body) < 150 * 1024, `${Buffer.byteLength(body)} bytes`);
    // Dependents: 260 services and the gateway through dependsOn (the API's consumers are among them).
    assert.match(body, /<h3>Depended on by <span class="n">261<\/span><\/h3>/);
    assert.match(body, /<dt>By kind<\/dt><dd><ul class="tally"><li>component <span class="n">261<\/span><\/li><\/ul>/);
    // 174 of team-a, 87 of team-b (every third service), platform's gateway: exact, largest first.
    assert.match(
      body,
      />team-a<\/a> <span class="n">173<\/span>.*>team-b<\/a> <span class="n">87<\/span>.*>platform<\/a> <span class="n">1<\/span>/s,
    );
    // Systems: 26 services and the gateway in none.
    assert.match(body, /no system<\/span> <span class="n">27<\/span>/);
    // The first 25 by reference: the gateway, then svc-000 to svc-023.
    assert.equal((body.match(/\/catalog\/default\/component\/svc-\d+\//g) ?? []).length, 24);
    assert.match(body, /\/catalog\/default\/component\/gateway\//);
    assert.match(
      body,
      /<a href="\/catalog\/default\/component\/shared-lib\/relations\/dependents\/">Depended on by: all 261<\/a>/,
    );
    const api = await page('/catalog/default/api/auth-api/');
    assert.match(api, /<h3>Consumed by <span class="n">40<\/span><\/h3>/);
    assert.match(api, /relations\/apiConsumedBy\//);
  });

  test('the relation list pages through every entry once, 100 a page, with the same counts', async () => {
    const seen: string[] = [];
    for (const path of ['', 'page/2/', 'page/3/']) {
      const body = await page(`${HUB}relations/dependents/${path}`);
      assert.match(body, /<h1>Depended on by shared-lib<\/h1>/);
      assert.match(body, />team-a<\/a> <span class="n">173<\/span>/);
      const section = body.slice(body.indexOf('id="entries"'));
      seen.push(
        ...[...section.matchAll(/<li><a href="\/catalog\/default\/component\/([a-z0-9-]+)\/">/g)].map(
          (m) => m[1] as string,
        ),
      );
    }
    assert.equal(seen.length, 261);
    assert.equal(new Set(seen).size, 261);
    assert.ok(seen.includes('gateway'));
    assert.deepEqual(seen, [...seen].sort());
  });

  test('hostile and impossible page numbers and relation names are no page', async () => {
    for (const path of [
      'relations/dependents/page/1/',
      'relations/dependents/page/0/',
      'relations/dependents/page/-1/',
      'relations/dependents/page/4/',
      'relations/dependents/page/abc/',
      'relations/dependents/page/2.5/',
      'relations/dependents/page/1e3/',
      'relations/dependents/page/99999999999999999999/',
      'relations/dependents/page/',
      'relations/dependents/pages/2/',
      'relations/dependents/page/2/extra/',
      'relations/nonsense/',
      'relations/%3Cscript%3E/',
      `relations/${'x'.repeat(300)}/`,
      'relations/',
    ])
      await page(`${HUB}${path}`, 404);
    // The API's consumers are no dependents list of an API.
    await page('/catalog/default/api/auth-api/relations/dependents/', 404);
    await page('/catalog/default/component/missing/relations/dependents/', 404);
    // An unread query parameter changes nothing.
    await page(`${HUB}relations/dependents/?page=-1&x=<script>`);
  });

  test("the hub's graph draws its dependents as one group, counted exactly", async () => {
    const body = await page(`${HUB}graph/`);
    // The graph's dependents are the 261 and the API it provides (which depends on its provider).
    assert.match(
      body,
      /262 entities depend on it within 2 hops: that is the blast radius\. 261 services depend on it directly/,
    );
    assert.match(
      body,
      /<h3>262 dependents of <a href="\/catalog\/default\/component\/shared-lib\/">shared-lib<\/a>, directly<\/h3>/,
    );
    assert.ok(!body.includes('/catalog/default/component/svc-100/'), 'no member drawn');
    // A dependent's graph reaches the hub without drawing or counting its other dependents.
    const member = await page('/catalog/default/component/svc-001/graph/');
    assert.ok(!member.includes('svc-002'), 'siblings are neither drawn nor listed');
  });
});

test('the static export writes every page of a long relation list, and the hub page stays small', async (t) => {
  const catalog = hubCatalog();
  const live = await startTestServer('sqlite', { catalog: catalog.dir });
  const out = mkdtempSync(join(tmpdir(), 'atrium-hubs-export-'));
  t.after(async () => {
    await live.close();
    catalog.cleanup();
    rmSync(out, { recursive: true, force: true });
  });
  await exportSite({
    store: new CatalogStore(live.database),
    out: join(out, 'site'),
    basePath: '/',
    sections: entitySections,
    sectionsModule: CAPABILITIES_MODULE,
    workers: 0,
  });
  const hub = join(out, 'site', 'catalog', 'default', 'component', 'shared-lib');
  assert.ok(statSync(join(hub, 'index.html')).size < 150 * 1024);
  assert.deepEqual(readdirSync(join(hub, 'relations')).sort(), ['dependents']);
  assert.deepEqual(readdirSync(join(hub, 'relations', 'dependents', 'page')).sort(), ['2', '3']);
  const api = join(out, 'site', 'catalog', 'default', 'api', 'auth-api', 'relations', 'apiConsumedBy', 'index.html');
  assert.match(readFileSync(api, 'utf8'), /Entries 1–40 of 40/);
  assert.match(readFileSync(join(hub, 'graph', 'index.html'), 'utf8'), /262 dependents of/);
});
