import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { seedDemoHistory } from '../src/demo/seed.ts';
import type { Database } from '../src/platform/db/connect.ts';
import { silentLogger } from '../src/platform/log.ts';
import { createServer, type AtriumServer } from '../src/server.ts';
import { loadAssets } from '../src/portal/assets.ts';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from './support/databases.ts';

const DEMO = fileURLToPath(new URL('../examples/acme', import.meta.url));
const NOW = new Date('2026-03-01T09:30:00Z');

/** What `npm start` shows on first run: the demo organisation with its seeded deploy history. */
describeEachDatabase('demo deploy history', (dialect) => {
  let testDb: TestDatabase;
  let database: Database;
  let server: AtriumServer;

  before(async () => {
    testDb = await createTestDatabase(dialect);
    database = await testDb.open();
    server = createServer({
      database,
      logger: silentLogger(),
      catalog: DEMO,
      defaultMetrics: false,
      assets: await loadAssets(),
      now: () => NOW,
    });
    await server.syncCatalog();
  });
  after(async () => {
    await database.close();
    await testDb.drop();
  });

  test('an empty store is seeded once; a store with changes is left alone', async () => {
    const seeded = await seedDemoHistory(server.catalog.store, server.changes, NOW);
    assert.ok(seeded && seeded.deployments > 1000 && seeded.switches > 0 && seeded.changes > 0, JSON.stringify(seeded));
    const count = await server.changes.store.count();
    assert.equal(count, seeded.deployments + seeded.switches + seeded.changes);
    assert.equal(await seedDemoHistory(server.catalog.store, server.changes, NOW), undefined);
    assert.equal(await server.changes.store.count(), count);
  });

  test('the demo teams tell different stories on their delivery pages', async () => {
    const elite = await (await server.app.request('/catalog/default/group/checkout/delivery/')).text();
    const struggling = await (await server.app.request('/catalog/default/group/warehouse-systems/delivery/')).text();
    assert.match(
      elite,
      /<h2 id="lead-time">Lead time for changes<\/h2>\s*<p class="metric-value">[^<]+<span class="badge badge-ok">elite<\/span>/,
    );
    assert.match(
      struggling,
      /<h2 id="failure-rate">Change failure rate<\/h2>\s*<p class="metric-value">[^<]+<span class="badge badge-error">low<\/span>/,
    );
  });
});
