import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Database } from '../src/platform/db/connect.ts';
import { silentLogger } from '../src/platform/log.ts';
import { createServer, type AtriumServer } from '../src/server.ts';
import { loadAssets } from '../src/portal/assets.ts';
import { component, tempCatalog, type TempCatalog } from './support/catalog.ts';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from './support/databases.ts';

describeEachDatabase('docs and runbooks on the live server', (dialect) => {
  let testDb: TestDatabase;
  let database: Database;
  let server: AtriumServer;
  let catalog: TempCatalog;
  const text = async (path: string) => (await server.app.request(path)).text();

  before(async () => {
    catalog = tempCatalog({
      'catalog-info.yaml': component('svc', { spec: [] }).replace(
        'metadata:\n',
        'metadata:\n  annotations:\n    backstage.io/techdocs-ref: dir:.\n    atrium.dev/runbook: ./docs/runbook.md\n',
      ),
      'docs/index.md': '# Service\n\nFirst version.\n',
      'docs/runbook.md': '# Runbook\n\nRestart it.\n',
      'docs/odd/100%-uptime #1?.md': '# Odd name\n\nBack to [the start](../index.md).\n',
    });
    testDb = await createTestDatabase(dialect);
    database = await testDb.open();
    server = createServer({
      database,
      logger: silentLogger(),
      catalog: catalog.dir,
      defaultMetrics: false,
      assets: await loadAssets(),
    });
    await server.syncCatalog();
  });
  after(async () => {
    await database.close();
    await testDb.drop();
    catalog.cleanup();
  });

  test('an edited docs page or runbook shows after the next sync, though no descriptor changed', async () => {
    assert.match(await text('/catalog/default/component/svc/docs/'), /First version/);
    assert.match(await text('/catalog/default/component/svc/runbook/'), /Restart it/);
    catalog.write('docs/index.md', '# Service\n\nSecond version, longer.\n');
    assert.equal((await server.syncCatalog()).changed, false, 'a docs page is no descriptor');
    assert.match(await text('/catalog/default/component/svc/docs/'), /Second version/);
    catalog.write('docs/runbook.md', '# Runbook\n\nFail over first, then restart.\n');
    await server.syncCatalog();
    assert.match(await text('/catalog/default/component/svc/runbook/'), /Fail over first/);
    assert.ok(server.catalogFiles().includes('docs/index.md'), 'the watcher is told to watch docs files too');
  });

  test('a page whose file name holds %, # and ? is linked with escapes and renders', async () => {
    const index = await text('/catalog/default/component/svc/docs/');
    const href = /href="([^"]*odd[^"]*)"/.exec(index)?.[1];
    assert.equal(href, '/catalog/default/component/svc/docs/odd/100%25-uptime%20%231%3F/');
    const res = await server.app.request(href);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /href="\/catalog\/default\/component\/svc\/docs\/"/);
  });
});

test('with the database down, a page answers with an HTML page that says so, not the API’s JSON', async (t) => {
  const catalog = tempCatalog({ 'catalog-info.yaml': component('svc') });
  const testDb = await createTestDatabase('sqlite');
  const database = await testDb.open();
  t.after(async () => {
    await testDb.drop();
    catalog.cleanup();
  });
  const server = createServer({
    database,
    logger: silentLogger(),
    catalog: catalog.dir,
    defaultMetrics: false,
    assets: await loadAssets(),
  });
  await server.syncCatalog();
  await database.close();
  const res = await server.app.request('/catalog/default/component/svc/');
  assert.ok(res.status >= 500, String(res.status));
  assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  const body = await res.text();
  assert.match(body, /<h1>(The portal cannot answer right now|This page could not be shown)<\/h1>/);
  assert.match(body, /Request id <code>/);
});
