import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { component, tempCatalog } from './support/catalog.ts';
import { startTestServer, useTestServer } from './support/test-server.ts';

const catalog = tempCatalog({ 'catalog-info.yaml': component('checkout') });
after(() => catalog.cleanup());

describe('/metrics behind a token (metricsToken)', () => {
  const fixture = useTestServer('sqlite', { catalog: catalog.dir, metricsAccess: { token: true } });
  const scrape = (token?: string) =>
    fixture.server.app.request('/metrics', token ? { headers: { authorization: `Bearer ${token}` } } : {});

  test('401 without a token, 403 with another scope, 200 with metrics:read', async () => {
    const { tokens } = fixture.server;
    const anonymous = await scrape();
    assert.equal(anonymous.status, 401);
    assert.doesNotMatch(await anonymous.text(), /http_requests|process_/);
    assert.equal((await scrape((await tokens.create('deployer', ['deployments:write'], null)).token)).status, 403);
    const scraper = await scrape((await tokens.create('prometheus', ['metrics:read'], null)).token);
    assert.equal(scraper.status, 200);
    assert.match(await scraper.text(), /# TYPE /);
    // Health checks stay open: a load balancer has no token.
    assert.equal((await fixture.server.app.request('/healthz')).status, 200);
  });
});

test('/metrics on its own address (metricsListen) is not served on the main one', async (t) => {
  const fixture = await startTestServer('sqlite', {
    catalog: catalog.dir,
    sync: false,
    metricsAccess: { listen: { host: '127.0.0.1', port: 0 } },
  });
  t.after(() => fixture.close());
  const { port, metricsPort } = await fixture.server.start({ host: '127.0.0.1', port: 0 });
  t.after(() => fixture.server.stop());
  assert.ok(metricsPort !== undefined && metricsPort !== port);
  const main = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(main.status, 404);
  assert.doesNotMatch(await main.text(), /# TYPE /);
  const own = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  assert.equal(own.status, 200);
  assert.match(await own.text(), /# TYPE /);
  assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/catalog/`)).status, 404, 'only /metrics there');
  assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
});
