import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Database } from '../src/platform/db/connect.ts';
import { silentLogger } from '../src/platform/log.ts';
import { createServer, type AtriumServer } from '../src/server.ts';
import { loadAssets } from '../src/portal/assets.ts';
import { component, group, location, tempCatalog, type TempCatalog } from './support/catalog.ts';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from './support/databases.ts';

/**
 * Two `serve` replicas on one database, each with its own connections: a flag switched on
 * one reaches the other's SDKs at that one's next poll for writes (ChangeService.pollWrites,
 * which `serve` runs every second), including a write that commits after a newer one.
 */

const flag = (name: string, enabled: boolean) =>
  `apiVersion: atrium.dev/v1\nkind: Flag\nmetadata:\n  name: ${name}\nspec:\n  ${JSON.stringify({ owner: 'payments', service: 'shop', type: 'kill-switch', environments: { production: { enabled } } })}\n`;
const who = { name: 'on-call', scopes: ['flags:write'] };

describeEachDatabase('replicas on one database', (dialect) => {
  let testDb: TestDatabase;
  const databases: Database[] = [];
  let a: AtriumServer;
  let b: AtriumServer;
  let catalog: TempCatalog;
  let token = '';

  const replica = async () => {
    const database = await testDb.open();
    databases.push(database);
    const server = createServer({
      database,
      logger: silentLogger(),
      catalog: catalog.dir,
      defaultMetrics: false,
      assets: await loadAssets(),
    });
    await server.syncCatalog();
    await server.changes.pollWrites(() => 0); // where the events stand, as serve's first poll notes
    return server;
  };
  /** What an Unleash SDK polling this replica gets for the flag. */
  const enabledOn = async (server: AtriumServer, name: string) => {
    const res = await server.app.request('/api/client/features', { headers: { authorization: token } });
    assert.equal(res.status, 200);
    return ((await res.json()) as { features: { name: string; enabled: boolean }[] }).features.find(
      (f) => f.name === name,
    )?.enabled;
  };

  before(async () => {
    catalog = tempCatalog({
      'catalog-info.yaml': location(['./org.yaml', './shop.yaml', './flags.yaml']),
      'org.yaml': group('payments'),
      'shop.yaml': component('shop', { owner: 'payments' }),
      'flags.yaml': [flag('new-checkout', true), flag('dark-launch', false)].join('---\n'),
    });
    testDb = await createTestDatabase(dialect);
    a = await replica();
    b = await replica();
    token = (await a.tokens.create('sdk', ['flags:read'], null, 'production')).token;
  });
  after(async () => {
    for (const database of databases) await database.close();
    await testDb.drop();
    catalog.cleanup();
  });

  test('a kill switch pulled on one replica reaches the other one’s SDKs at its next poll; its own writes are no news to a replica', async () => {
    assert.equal(await enabledOn(a, 'new-checkout'), true);
    assert.equal(await enabledOn(b, 'new-checkout'), true);
    await a.flags.kill('flag:default/new-checkout', who, 'errors after deploy');
    assert.equal(await enabledOn(a, 'new-checkout'), false, 'at once where it was pulled');
    assert.equal(await enabledOn(b, 'new-checkout'), true, 'the other replica still serves its cached document');
    assert.equal(await b.changes.pollWrites(() => 1000), true);
    assert.equal(await enabledOn(b, 'new-checkout'), false, 'after its poll');
    assert.equal(await a.changes.pollWrites(() => 1000), false, 'a replica’s own switch is no news to it');
    assert.equal(await b.changes.pollWrites(() => 2000), false, 'nothing new since');
    // And back on, from the other side.
    await b.flags.setEnabled('flag:default/new-checkout', 'production', true, who);
    assert.equal(await a.changes.pollWrites(() => 3000), true);
    assert.equal(await enabledOn(a, 'new-checkout'), true);
  });

  test('the store reads which ids exist above one and among some, ascending and at most a limit', async () => {
    const store = a.changes.store;
    // Two events of its own (on, then back off as declared), whatever ran before.
    await a.flags.setEnabled('flag:default/dark-launch', 'production', true, who);
    await a.flags.setEnabled('flag:default/dark-launch', 'production', false, who);
    const newest = await store.latestId();
    assert.deepEqual(await store.idsAbove(newest, [], 10), []);
    assert.deepEqual(await store.idsAbove(newest - 2, [], 10), [newest - 1, newest]);
    assert.deepEqual(await store.idsAbove(newest - 2, [], 1), [newest - 1]);
    assert.deepEqual(
      await store.idsAbove(newest, [newest - 1, newest + 7, -3], 10),
      [newest - 1],
      'among: only those that exist',
    );
    assert.deepEqual(await store.idsAbove(newest - 1, [newest - 1], 10), [newest - 1, newest]);
  });

  // Only PostgreSQL lets a write hold an id while a later one commits: SQLite has one
  // writer at a time, so its ids always commit in order.
  if (dialect === 'postgres') {
    test('a write that took an older id and commits after a newer one is still seen by the other replica', async () => {
      assert.ok(databases[0]);
      let release = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      let tookId = () => {};
      const idTaken = new Promise<void>((resolve) => (tookId = resolve));
      // A third replica's change: its event takes an id, then its commit waits.
      const at = '2026-06-01T00:00:00.000Z';
      const late = databases[0].db.transaction().execute(async (trx) => {
        const [row] = await trx
          .insertInto('change_events')
          .values({
            type: 'change',
            service_key: 'flag:default/dark-launch',
            service_ref: 'flag:default/dark-launch',
            at,
            at_ms: Date.parse(at),
            kind: 'feature-flag',
            summary: 'held back',
            recorded_by: 'replica-c',
            recorded_at: at,
          })
          .returning('seq')
          .execute();
        tookId();
        await held;
        return Number(row?.seq);
      });
      await idTaken;
      // B has seen everything before (whatever ran earlier), so what follows is this test's alone.
      await b.changes.pollWrites(() => 9_000);
      assert.equal(await b.changes.pollWrites(() => 9_500), false);
      // Meanwhile A switches a flag on: a newer id, committed first. B sees it at its next poll.
      await a.flags.setEnabled('flag:default/dark-launch', 'production', true, who);
      assert.equal(await b.changes.pollWrites(() => 10_000), true);
      assert.equal(await enabledOn(b, 'dark-launch'), true);
      assert.equal(await b.changes.pollWrites(() => 11_000), false);
      // Now the older id commits: the newest id does not move, and B still sees it.
      const newest = await b.changes.store.latestId();
      release();
      const lateId = await late;
      assert.ok(lateId < newest, `the held write's id ${lateId} is older than the newest ${newest}`);
      assert.equal(await b.changes.store.latestId(), newest);
      assert.equal(await b.changes.pollWrites(() => 12_000), true, 'the late commit is seen');
      assert.equal(await b.changes.pollWrites(() => 13_000), false);
    });
  }
});
