import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Transaction } from 'kysely';
import { CatalogStore } from '../src/catalog/store.ts';
import { CatalogSyncer } from '../src/catalog/sync.ts';
import { CATALOG_SYNCER } from '../src/catalog/tasks.ts';
import { LeaseStore } from '../src/platform/db/leases.ts';
import type { Schema } from '../src/platform/db/schema.ts';
import { LEASE_TTL_MS, taskLeaseName } from '../src/platform/tasks.ts';
import { component, group, tempCatalog } from './support/catalog.ts';
import { createTestDatabase, describeEachDatabase } from './support/databases.ts';
import { startTestServer } from './support/test-server.ts';
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from '../src/server.ts';
import { loadAssets } from '../src/portal/assets.ts';
import { createLogger } from '../src/platform/log.ts';

/**
 * One catalog syncer across replicas: the replica holding the syncer lease writes the
 * catalog, fenced by the lease's generation, so a leader paused past its lease cannot
 * write after another took over; a replica that starts while another holds the lease
 * follows its catalog; when the syncer stops, another takes the lease and syncs what
 * changed meanwhile, losing nothing.
 */

const teamA = group('team-a');
const services = (names: string[]) => [teamA, ...names.map((n) => component(n, { owner: 'team-a' }))].join('---\n');

async function until(condition: () => Promise<boolean>, what: string, turns = 400): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`never happened: ${what}`);
}

describeEachDatabase('the catalog syncer', (dialect) => {
  test('a leader paused past its lease writes nothing after another took over', async (t) => {
    const database = await createTestDatabase(dialect, { migrated: true });
    t.after(() => database.drop());
    const db = await database.open();
    t.after(() => db.close());
    const catalog = tempCatalog({ 'catalog-info.yaml': services(['checkout']) });
    t.after(() => catalog.cleanup());
    let now = 1_000_000;
    const leases = new LeaseStore(db, () => now);
    const store = new CatalogStore(db);
    const fence = (holder: string, lease: Awaited<ReturnType<LeaseStore['hold']>>) => (trx: Transaction<Schema>) =>
      leases.fence(trx, holder, lease as NonNullable<typeof lease>);

    const name = taskLeaseName(CATALOG_SYNCER);
    const first = await leases.hold(name, 'old-leader', LEASE_TTL_MS);
    const oldLeader = new CatalogSyncer(store, { catalog: catalog.dir });
    await oldLeader.sync(fence('old-leader', first));
    assert.equal(await store.generation(), 1);

    // The old leader stalls (a long GC pause, a frozen VM) past its lease; a new leader takes over and syncs.
    now += LEASE_TTL_MS + 1;
    const second = await leases.hold(name, 'new-leader', LEASE_TTL_MS);
    assert.equal(second?.generation, 2);
    catalog.write('catalog-info.yaml', services(['checkout', 'payments']));
    const newLeader = new CatalogSyncer(store, { catalog: catalog.dir });
    const report = await newLeader.sync(fence('new-leader', second));
    assert.equal(report.upserted, 1);
    assert.equal(await store.generation(), 2);

    // The old leader wakes up with a different view of the files and tries to write it.
    catalog.write('catalog-info.yaml', services(['checkout']));
    await assert.rejects(oldLeader.sync(fence('old-leader', first)), { code: 'lease-lost' });
    assert.equal(await store.generation(), 2, 'nothing written under the lost lease');
    const names = (await db.db.selectFrom('entities').select('name').orderBy('name').execute()).map((r) => r.name);
    assert.deepEqual(names, ['checkout', 'payments', 'team-a']);
  });

  test('start-up syncs once and builds the search index before ready; a change right after ready is still synced', async (t) => {
    const catalog = tempCatalog({ 'catalog-info.yaml': services(['checkout']) });
    t.after(() => catalog.cleanup());
    // Files older than the start: the watcher finds nothing changed since the first sync began.
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(join(catalog.dir, 'catalog-info.yaml'), hourAgo, hourAgo);
    const database = await createTestDatabase(dialect, { migrated: true });
    t.after(() => database.drop());
    const db = await database.open();
    t.after(() => db.close());
    const lines: { msg: string }[] = [];
    const server = createServer({
      catalog: catalog.dir,
      database: db,
      logger: createLogger({
        level: 'debug',
        destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
      }),
      assets: await loadAssets(),
      defaultMetrics: false,
      replica: 'only',
    });
    await server.start({ host: '127.0.0.1', port: 0 });
    t.after(() => server.stop());
    assert.equal((await server.app.request('/readyz')).status, 200);
    const metrics = async () => await (await server.app.request('/metrics')).text();
    // Built by start-up, not by a search: none has been made.
    assert.match(await metrics(), /^atrium_search_index_builds 1$/m);
    await until(
      async () => lines.some((l) => /no catch-up sync/.test(l.msg)),
      'the syncer task to start under the lease the first sync took',
    );
    const synced = () => lines.filter((l) => /^synced \d+ entities/.test(l.msg)).length;
    assert.equal(synced(), 1, 'one sync at start-up');
    assert.match(await metrics(), /^atrium_catalog_syncs 1$/m);

    // Written at once after ready: the watcher, started from the first sync's files, syncs it.
    catalog.write('catalog-info.yaml', services(['checkout', 'payments']));
    await until(async () => (await server.catalog.store.generation()) === 2, 'the change to be synced');
    // And the search index of the new catalog is built ahead, again without a search.
    await until(async () => /^atrium_search_index_builds 2$/m.test(await metrics()), 'the next index to be built');
  });

  test('one replica syncs, the other follows; when the syncer stops the other takes over and syncs what changed', async (t) => {
    const catalog = tempCatalog({ 'catalog-info.yaml': services(['checkout']) });
    t.after(() => catalog.cleanup());
    const fixture = await startTestServer(dialect, { catalog: catalog.dir, sync: false, watch: false, replica: 'a' });
    t.after(() => fixture.close());
    const a = fixture.server;
    await a.start({ host: '127.0.0.1', port: 0 });
    const aRunning = { stopped: false };
    t.after(() => (aRunning.stopped ? undefined : a.stop()));
    const leases = new LeaseStore(fixture.database);
    const name = taskLeaseName(CATALOG_SYNCER);
    assert.equal((await leases.holderOf(name))?.holder, 'a');
    assert.equal(await a.catalog.store.generation(), 1);

    const db = await fixture.testDb.open();
    t.after(() => db.close());
    const { createServer } = await import('../src/server.ts');
    const { loadAssets } = await import('../src/portal/assets.ts');
    const { createLogger } = await import('../src/platform/log.ts');
    const b = createServer({
      catalog: catalog.dir,
      database: db,
      logger: createLogger({ level: 'silent' }),
      assets: await loadAssets(),
      defaultMetrics: false,
      watch: false,
      replica: 'b',
    });
    await b.start({ host: '127.0.0.1', port: 0 });
    t.after(() => b.stop());
    const ready = await b.app.request('/readyz');
    assert.equal(ready.status, 200, 'b is ready on the catalog a synced');
    assert.equal(await b.catalog.store.generation(), 1, 'b wrote nothing');
    assert.equal((await leases.holderOf(name))?.holder, 'a');

    // a stops (releasing the lease); the catalog changes while no replica syncs; b takes the lease over and syncs the change.
    await a.stop();
    aRunning.stopped = true;
    catalog.write('catalog-info.yaml', services(['checkout', 'payments']));
    await until(async () => (await leases.holderOf(name))?.holder === 'b', 'b holds the syncer lease');
    await until(async () => (await b.catalog.store.generation()) === 2, 'b synced the change');
    const names = (await db.db.selectFrom('entities').select('name').orderBy('name').execute()).map((r) => r.name);
    assert.deepEqual(names, ['checkout', 'payments', 'team-a']);
  });
});
