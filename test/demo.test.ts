import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
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

  test('search: an alert name lands on its runbook section, a typo finds the service, a document counts once', async () => {
    const search = async (q: string) => {
      const res = await fixture.server.app.request(`/api/v1/search?${new URLSearchParams({ q, limit: '20' })}`);
      assert.equal(res.status, 200);
      return ((await res.json()) as { items: { type: string; name: string; path: string; section?: object }[] }).items;
    };
    const [alert] = await search('ShipmentCreateErrorRateHigh');
    assert.deepEqual(
      { type: alert?.type, path: alert?.path, section: alert?.section },
      {
        type: 'runbook',
        path: 'catalog/default/component/shipment-service/runbook/',
        section: { anchor: 'alerts-and-symptoms', heading: 'Alerts and symptoms' },
      },
    );
    assert.equal((await search('shipment create error'))[0]?.path, alert?.path);
    assert.equal((await search('shipmnt'))[0]?.name, 'shipment-service');
    const paths = (await search('shipment runbook')).map((i) => i.path);
    assert.equal(new Set(paths).size, paths.length, 'one result per page');
    assert.ok(
      !paths.includes('catalog/default/component/shipment-service/docs/runbook/'),
      'the runbook is not also a doc',
    );
    const html = await (await fixture.server.app.request('/search/?q=ShipmentCreateErrorRateHigh')).text();
    assert.match(
      html,
      /<a href="\/catalog\/default\/component\/shipment-service\/runbook\/#alerts-and-symptoms"><span class="result-title">Shipment Service — Runbook › Alerts and symptoms<\/span><\/a>/,
    );
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

/** `serve --demo-history` killed while it seeds: the next start completes the history. */
describeEachDatabase('an interrupted demo seed', (dialect) => {
  const fixture = useTestServer(dialect, { catalog: DEMO, now: () => NOW });

  test('is completed by the next seed, with no event recorded twice', async (t) => {
    const store = fixture.server.changes.store;
    const write = store.write.bind(store);
    // The process dies after the first deployment batch and a few switches.
    let writes = 0;
    t.mock.method(store, 'write', (...args: Parameters<typeof store.write>) => {
      if (++writes > 5) return Promise.reject(new Error('killed'));
      return write(...args);
    });
    await assert.rejects(seedDemoHistory(fixture.server.catalog.store, fixture.server.changes, NOW), /killed/);
    t.mock.restoreAll();
    const partial = await store.count();
    assert.ok(partial > 0);

    // The next start is another day: the history is still the one the first seed began.
    const later = new Date(NOW.getTime() + 86_400_000);
    const seeded = await seedDemoHistory(fixture.server.catalog.store, fixture.server.changes, later);
    assert.ok(seeded, 'the partial history was left incomplete');
    const total = seeded.deployments + seeded.switches + seeded.changes;
    assert.ok(total > partial);
    assert.equal(await store.count(), total);
    const { rows } = await sql<{ n: number }>`
      select count(*) as n from (
        select type, service_ref, at, summary from change_events
        group by type, service_ref, at, summary, environment, version having count(*) > 1
      ) as twice`.execute(fixture.database.db);
    assert.equal(Number(rows[0]?.n), 0);
    assert.equal(await seedDemoHistory(fixture.server.catalog.store, fixture.server.changes, later), undefined);
    assert.equal(await store.count(), total);
  });
});
