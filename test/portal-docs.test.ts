import assert from 'node:assert/strict';
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { component, tempCatalog, type TempCatalog } from './support/catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { startTestServer, useTestServer } from './support/test-server.ts';

describeEachDatabase('docs and runbooks on the live server', (dialect) => {
  let catalog: TempCatalog;
  before(() => {
    catalog = tempCatalog({
      'catalog-info.yaml': component('svc', { spec: [] }).replace(
        'metadata:\n',
        'metadata:\n  annotations:\n    backstage.io/techdocs-ref: dir:.\n    atrium.dev/runbook: ./docs/runbook.md\n',
      ),
      'docs/index.md': '# Service\n\nFirst version.\n',
      'docs/runbook.md': '# Runbook\n\nRestart it.\n',
      'docs/odd/100%-uptime #1?.md': '# Odd name\n\nBack to [the start](../index.md).\n',
    });
    // Written an hour ago as far as the sync can tell: a file younger than two seconds gets
    // no stamp, and one stamped by a later sync (on a slow machine) would count as a change.
    const anHourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(join(catalog.dir, 'catalog-info.yaml'), anHourAgo, anHourAgo);
  });
  after(() => catalog.cleanup());
  const fixture = useTestServer(dialect, () => ({ catalog: catalog.dir }));
  const text = async (path: string) => (await fixture.server.app.request(path)).text();

  test('an edited docs page or runbook shows after the next sync, though no descriptor changed', async () => {
    assert.match(await text('/catalog/default/component/svc/docs/'), /First version/);
    assert.match(await text('/catalog/default/component/svc/runbook/'), /Restart it/);
    catalog.write('docs/index.md', '# Service\n\nSecond version, longer.\n');
    assert.equal((await fixture.server.syncCatalog()).changed, false, 'a docs page is no descriptor');
    assert.match(await text('/catalog/default/component/svc/docs/'), /Second version/);
    catalog.write('docs/runbook.md', '# Runbook\n\nFail over first, then restart.\n');
    await fixture.server.syncCatalog();
    assert.match(await text('/catalog/default/component/svc/runbook/'), /Fail over first/);
    assert.ok(fixture.server.catalogFiles().includes('docs/index.md'), 'the watcher is told to watch docs files too');
  });

  test('a page whose file name holds %, # and ? is linked with escapes and renders', async () => {
    const index = await text('/catalog/default/component/svc/docs/');
    const href = /href="([^"]*odd[^"]*)"/.exec(index)?.[1];
    assert.equal(href, '/catalog/default/component/svc/docs/odd/100%25-uptime%20%231%3F/');
    const res = await fixture.server.app.request(href);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /href="\/catalog\/default\/component\/svc\/docs\/"/);
  });
});

test('with the database down, a page answers with an HTML page that says so, not the API’s JSON', async (t) => {
  const catalog = tempCatalog({ 'catalog-info.yaml': component('svc') });
  t.after(() => catalog.cleanup());
  const fixture = await startTestServer('sqlite', { catalog: catalog.dir });
  t.after(() => fixture.close());
  const { server } = fixture;
  await fixture.database.close();
  const res = await server.app.request('/catalog/default/component/svc/');
  assert.ok(res.status >= 500, String(res.status));
  assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  const body = await res.text();
  assert.match(body, /<h1>(The portal cannot answer right now|This page could not be shown)<\/h1>/);
  assert.match(body, /Request id <code>/);
});
