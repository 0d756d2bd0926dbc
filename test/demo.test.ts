import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { seedDemoHistory } from '../src/demo/seed.ts';
import { describeEachDatabase } from './support/databases.ts';
import { useTestServer } from './support/test-server.ts';

const DEMO = fileURLToPath(new URL('../examples/acme', import.meta.url));
const NOW = new Date('2026-03-01T09:30:00Z');

/** What `npm start` shows on first run: the demo organisation with its seeded deploy history. */
describeEachDatabase('demo deploy history', (dialect) => {
  const fixture = useTestServer(dialect, { catalog: DEMO, now: () => NOW });

  test('an empty store is seeded once; a store with changes is left alone', async () => {
    const seeded = await seedDemoHistory(fixture.server.catalog.store, fixture.server.changes, NOW);
    assert.ok(seeded && seeded.deployments > 1000 && seeded.switches > 0 && seeded.changes > 0, JSON.stringify(seeded));
    const count = await fixture.server.changes.store.count();
    assert.equal(count, seeded.deployments + seeded.switches + seeded.changes);
    assert.equal(await seedDemoHistory(fixture.server.catalog.store, fixture.server.changes, NOW), undefined);
    assert.equal(await fixture.server.changes.store.count(), count);
  });

  test('the demo teams tell different stories on their delivery pages', async () => {
    const elite = await (await fixture.server.app.request('/catalog/default/group/checkout/delivery/')).text();
    const struggling = await (
      await fixture.server.app.request('/catalog/default/group/warehouse-systems/delivery/')
    ).text();
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
