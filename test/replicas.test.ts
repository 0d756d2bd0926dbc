import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AtriumServer } from '../src/server.ts';
import { component, group, location, tempCatalog, type TempCatalog } from './support/catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { useTestServer } from './support/test-server.ts';

/**
 * Two `serve` replicas on one database, each with its own connections: a flag switched on
 * one reaches the other's SDKs at that one's next poll for writes (ChangeService.pollWrites,
 * which `serve` runs every second), including a write that commits after a newer one.
 */

const flag = (name: string, enabled: boolean) =>
  `apiVersion: atrium.dev/v1\nkind: Flag\nmetadata:\n  name: ${name}\nspec:\n  ${JSON.stringify({ owner: 'payments', service: 'shop', type: 'kill-switch', environments: { production: { enabled } } })}\n`;
const who = { name: 'on-call', scopes: ['flags:write'] };

describeEachDatabase('replicas on one database', (dialect) => {
  let a: AtriumServer;
  let b: AtriumServer;
  let catalog: TempCatalog;
  let token = '';

  /** Notes where the events stand, as serve's first poll does. */
  const polled = async (server: AtriumServer) => {
    await server.changes.pollWrites(() => 0);
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

  before(() => {
    catalog = tempCatalog({
      'catalog-info.yaml': location(['./org.yaml', './shop.yaml', './flags.yaml']),
      'org.yaml': group('payments'),
      'shop.yaml': component('shop', { owner: 'payments' }),
      'flags.yaml': [flag('new-checkout', true), flag('dark-launch', false)].join('---\n'),
    });
  });
  after(() => catalog.cleanup());
  const fixture = useTestServer(dialect, () => ({ catalog: catalog.dir }));
  before(async () => {
    a = await polled(fixture.server);
    b = await polled(await fixture.replica());
    token = (await a.tokens.create('sdk', ['flags:read'], null, 'production')).token;
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

  test('the store reads which ids exist above one and among some, ascending and at most a limit, with their entities', async () => {
    const store = a.changes.store;
    // Two events of its own (on, then back off as declared), whatever ran before.
    await a.flags.setEnabled('flag:default/dark-launch', 'production', true, who);
    await a.flags.setEnabled('flag:default/dark-launch', 'production', false, who);
    const newest = await store.latestId();
    const ids = async (above: number, among: number[], limit: number) =>
      (await store.idsAbove(above, among, limit)).map((row) => row.id);
    assert.deepEqual(await ids(newest, [], 10), []);
    assert.deepEqual(await ids(newest - 2, [], 10), [newest - 1, newest]);
    assert.deepEqual(await ids(newest - 2, [], 1), [newest - 1]);
    assert.deepEqual(await ids(newest, [newest - 1, newest + 7, -3], 10), [newest - 1], 'among: only those that exist');
    assert.deepEqual(await ids(newest - 1, [newest - 1], 10), [newest - 1, newest]);
    // Each with the entity its change is on: the timelines it moves.
    assert.deepEqual(
      (await store.idsAbove(newest - 2, [], 10)).map((row) => row.serviceKey),
      ['flag:default/dark-launch', 'flag:default/dark-launch'],
    );
  });

  // Only PostgreSQL lets a write hold an id while a later one commits: SQLite has one
  // writer at a time, so its ids always commit in order.
  if (dialect === 'postgres') {
    test('a write that took an older id and commits after a newer one is still seen by the other replica', async () => {
      let release = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      let tookId = () => {};
      const idTaken = new Promise<void>((resolve) => (tookId = resolve));
      // A third replica's change: its event takes an id, then its commit waits.
      const at = '2026-06-01T00:00:00.000Z';
      const late = fixture.database.db.transaction().execute(async (trx) => {
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
