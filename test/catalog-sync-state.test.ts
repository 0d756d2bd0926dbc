import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FileSummary } from '../src/catalog/file-summary.ts';
import { walkCatalog } from '../src/catalog/load.ts';
import { openCatalog } from '../src/catalog/open-catalog.ts';
import { resolveCatalog } from '../src/catalog/resolve.ts';
import { CatalogStore } from '../src/catalog/store.ts';
import { CatalogSyncer } from '../src/catalog/sync.ts';
import type { Database } from '../src/platform/db/connect.ts';
import { component, group, location, tempCatalog, type TempCatalog } from './support/catalog.ts';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from './support/databases.ts';

const fixedNow = () => new Date('2026-01-15T10:00:00.000Z');

/**
 * The sync state read back from the store holds its document summaries in the compact form
 * (document-pool.ts): resolving from it must decide exactly what resolving from freshly
 * parsed files decides: the same claims, references, dangling targets and problems.
 */
describeEachDatabase('catalog sync state', (dialect) => {
  let testDb: TestDatabase;
  let database: Database;
  let store: CatalogStore;
  let catalog: TempCatalog;

  before(async () => {
    testDb = await createTestDatabase(dialect, { migrated: true });
    database = await testDb.open();
    store = new CatalogStore(database);
    catalog = tempCatalog({
      'catalog-info.yaml': location(['./teams.yaml', './services/*.yaml']),
      'teams.yaml': group('team-a'),
      'services/checkout.yaml': [
        component('checkout', { dependsOn: ['component:payments', 'component:ghost'], system: 'shop' }),
        component('cart', { owner: 'team-b', dependsOn: ['component:payments'] }),
      ].join('---\n'),
      'services/payments.yaml': component('payments', { owner: 'team-b', dependsOn: ['resource:ghost-db'] }),
      // A duplicate of checkout (loses to the first) and an invalid document.
      'services/zz-copy.yaml': [component('checkout'), 'apiVersion: backstage.io/v1alpha1\nkind: Component\n'].join(
        '---\n',
      ),
    });
  });
  after(async () => {
    catalog.cleanup();
    await database.close();
    await testDb.drop();
  });

  test('resolving from the compact state read from the store decides what resolving freshly parsed files does', async () => {
    await new CatalogSyncer(store, { catalog: catalog.dir, now: fixedNow }).sync();
    const state = await store.readSyncState();

    const { root, starts, walk: setup } = await openCatalog(catalog.dir);
    const fresh = await walkCatalog(root, starts, setup);
    const again = await walkCatalog(root, starts, { ...setup, previous: state.files });
    assert.equal(again.changed.size, 0, 'every file unchanged: the walk parses none, it takes the stored summaries');

    // As stored (JSON): a fresh parse's `entityRef: undefined` is no field once written.
    const json = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
    const files = (list: readonly FileSummary[]) => json(list);
    assert.deepEqual(files(again.files), files(fresh.files), 'the same documents, field for field');

    const fromStore = resolveCatalog(again.files, again.problems, state.stored, again.excluded);
    const fromParse = resolveCatalog(fresh.files, fresh.problems, state.stored, fresh.excluded);
    assert.deepEqual(json([...fromStore.claims.entries()]), json([...fromParse.claims.entries()]));
    assert.deepEqual(json(fromStore.problems), json(fromParse.problems));
    assert.deepEqual(
      fromStore.problems.filter((p) => p.code === 'dangling-reference').map((p) => [p.target, p.count]),
      [
        ['system:default/shop', 1],
        ['component:default/ghost', 1],
        ['group:default/team-b', 2],
        ['resource:default/ghost-db', 1],
      ],
    );
    assert.ok(fromStore.problems.some((p) => p.code === 'duplicate-entity'));

    // Compact: one target object for team-b however many documents name it, keys shared with `stored`.
    const owners = [...state.files.values()]
      .flatMap((f) => f.documents)
      .flatMap((d) => d.references)
      .filter((r) => r.target.name === 'team-b')
      .map((r) => r.target);
    assert.equal(owners.length, 2);
    assert.equal(owners[0], owners[1]);
    assert.equal(new Set(owners).size, 1);
  });

  test('a sync after an edit starts from the compact state and gives what a cold sync of the same files gives', async () => {
    const syncer = new CatalogSyncer(store, { catalog: catalog.dir, now: fixedNow });
    await syncer.sync();
    catalog.write('services/payments.yaml', component('payments', { owner: 'team-a' }));
    const edited = await syncer.sync();
    assert.equal(edited.parsedFiles, 1);
    assert.equal(edited.upserted, 1);

    const cold = await createTestDatabase(dialect, { migrated: true });
    const coldDatabase = await cold.open();
    try {
      const coldStore = new CatalogStore(coldDatabase);
      await new CatalogSyncer(coldStore, { catalog: catalog.dir, now: fixedNow }).sync();
      const problems = async (s: CatalogStore) => (await s.listProblems({}, 100)).items;
      assert.deepEqual(await problems(store), await problems(coldStore));
      const refs = async (s: CatalogStore) => {
        const state = await s.readSyncState();
        return [...state.stored.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
      };
      assert.deepEqual(await refs(store), await refs(coldStore));
    } finally {
      await coldDatabase.close();
      await cold.drop();
    }
  });
});
