import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '../../test/support/databases.ts';
import { DocsSource } from '../docs/docs-source.ts';
import type { Database } from '../platform/db/connect.ts';
import { silentLogger } from '../platform/log.ts';
import { prepareEntries } from '../search/rank.ts';
import { buildSearchIndex } from '../search/search-index.ts';
import { loadAssets } from '../portal/assets.ts';
import { renderPage, type PortalData } from '../portal/site-map.ts';
import type { Site } from '../web/site.ts';
import { CatalogRoot } from './files.ts';
import type { CatalogReader } from './reader.ts';
import { CatalogSnapshot } from './snapshot.ts';
import { CatalogStore } from './store.ts';
import { syncCatalog } from './sync.ts';
import { entitySections } from '../capabilities.ts';

const FIXTURE = fileURLToPath(new URL('../../test/fixtures/portal', import.meta.url));
const DEMO = fileURLToPath(new URL('../../examples/acme', import.meta.url));

/**
 * The static export renders from a CatalogSnapshot, the live server from the store: the
 * same page must come out of both. Every page of two catalogs, in both site modes.
 */
for (const [name, catalog] of [
  ['portal fixture', FIXTURE],
  ['demo organisation', DEMO],
] as const) {
  describe(`CatalogSnapshot answers as the store does (${name})`, () => {
    let testDb: TestDatabase;
    let database: Database;
    let store: CatalogStore;
    let snapshot: CatalogSnapshot;
    let docs: DocsSource;

    before(async () => {
      testDb = await createTestDatabase('sqlite');
      database = await testDb.open();
      store = new CatalogStore(database);
      await syncCatalog(store, { catalog, logger: silentLogger() });
      snapshot = await CatalogSnapshot.load(store);
      docs = new DocsSource(() => CatalogRoot.open(catalog));
    });
    after(async () => {
      await database.close();
      await testDb.drop();
    });

    const data = async (reader: CatalogReader): Promise<PortalData> => {
      const prepared = prepareEntries(await buildSearchIndex(reader, docs));
      return { store: reader, docs, searchIndex: async () => prepared, sections: entitySections };
    };

    test('every query the pages make gives the same answer', async () => {
      const keys = (await store.refsAfter(undefined, 10_000)).map((r) => r.key);
      assert.deepEqual(await snapshot.refsAfter(undefined, 10_000), await store.refsAfter(undefined, 10_000));
      assert.deepEqual(await snapshot.refsAfter(keys[3], 5), await store.refsAfter(keys[3], 5));
      for (const key of keys) {
        const [a, b] = [await snapshot.getEntity(key), await store.getEntity(key)];
        assert.deepEqual(a, b, key);
      }
      assert.deepEqual(await snapshot.summariesOf(keys), await store.summariesOf(keys));
      assert.deepEqual(await snapshot.descriptorsOf(keys.slice(0, 5)), await store.descriptorsOf(keys.slice(0, 5)));
      const sortRelations = (rs: { source: string; type: string; target: string }[]) =>
        rs.map((r) => `${r.source}|${r.type}|${r.target}`).sort();
      assert.deepEqual(
        sortRelations(await snapshot.relationsTouching(keys.slice(0, 7))),
        sortRelations(await store.relationsTouching(keys.slice(0, 7))),
      );
      const filterSets = [
        {},
        { kind: 'Component' },
        { tag: 'java' },
        { owner: 'payments' },
        { owner: 'group:default/checkout' },
        { system: 'checkout' },
        { lifecycle: 'production', type: 'service' },
        { q: 'pay' },
        { q: 'shipment serv' },
        { namespace: 'DEFAULT', kind: 'api' },
      ];
      for (const filters of filterSets) {
        for (const sort of ['name', 'kind', 'owner', 'lifecycle', 'updated'] as const) {
          assert.deepEqual(
            await snapshot.browseEntities(filters, sort, 2, 7),
            await store.browseEntities(filters, sort, 2, 7),
            `${JSON.stringify(filters)} by ${sort}`,
          );
        }
        assert.deepEqual(await snapshot.facets(filters), await store.facets(filters), JSON.stringify(filters));
      }
      for (const facet of ['kind', 'namespace', 'type', 'lifecycle', 'owner', 'system', 'tag'] as const)
        assert.deepEqual(await snapshot.facetCounts(facet), await store.facetCounts(facet), facet);
      for (const filters of [{}, { severity: 'warning' as const }, { severity: 'error' as const }]) {
        assert.deepEqual(await snapshot.listProblems(filters, 2), await store.listProblems(filters, 2));
        assert.deepEqual(
          await snapshot.listProblems(filters, 2, undefined, 1),
          await store.listProblems(filters, 2, undefined, 1),
        );
      }
      assert.deepEqual(await snapshot.orphans(3), await store.orphans(3));
      assert.deepEqual(await snapshot.ownedCounts(keys), await store.ownedCounts(keys));
      assert.deepEqual(await snapshot.searchRows(undefined, 1000), await store.searchRows(undefined, 1000));
      const [, second] = await store.searchRows(undefined, 2);
      if (second) assert.deepEqual(await snapshot.searchRows(second.key, 3), await store.searchRows(second.key, 3));
      assert.deepEqual(
        await snapshot.entitiesMentioning(['atrium.dev/runbook']),
        await store.entitiesMentioning(['atrium.dev/runbook']),
      );
    });

    test('every page renders the same from the snapshot as from the store', async () => {
      const assets = await loadAssets();
      const [live, frozen] = [await data(store), await data(snapshot)];
      const refs = await store.refsAfter(undefined, 10_000);
      for (const mode of ['live', 'static'] as const) {
        const site: Site = { basePath: '/', mode, assets: assets.names };
        const paths = [
          '',
          'catalog/',
          'catalog/page/2/',
          'browse/kind/component/',
          'browse/tag/java/',
          'problems/',
          'search/',
          ...refs.flatMap(({ ref }) => {
            const [kind, rest] = ref.toLowerCase().split(':') as [string, string];
            const [namespace, entity] = rest.split('/') as [string, string];
            const base = `catalog/${namespace}/${kind}/${entity}/`;
            return [base, `${base}graph/`];
          }),
        ];
        for (const path of paths) {
          const search = new URLSearchParams(
            path === 'search/' ? { q: 'ship' } : path === 'catalog/' ? { kind: 'component', sort: 'owner' } : {},
          );
          const [a, b] = [await renderPage(frozen, site, path, search), await renderPage(live, site, path, search)];
          assert.equal(a.status, b.status, path);
          if ('html' in a && 'html' in b) assert.equal(a.html.value, b.html.value, `${mode} ${path}`);
        }
      }
    });
  });
}
