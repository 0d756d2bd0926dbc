import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { entitySections } from '../src/capabilities.ts';
import type { EntitySection } from '../src/catalog/pages/entity-sections.ts';
import type { EntitySubpage } from '../src/catalog/pages/entity-subpages.ts';
import { CatalogStore } from '../src/catalog/store.ts';
import { syncCatalog } from '../src/catalog/sync.ts';
import type { Database } from '../src/platform/db/connect.ts';
import { silentLogger } from '../src/platform/log.ts';
import { loadAssets } from '../src/portal/assets.ts';
import { canonicalQuery, type PortalData, renderPage } from '../src/portal/site-map.ts';
import { prepareEntries } from '../src/search/rank.ts';
import { html } from '../src/web/html.ts';
import { layout } from '../src/web/layout.ts';
import type { Site } from '../src/web/site.ts';
import { createTestDatabase, type TestDatabase } from './support/databases.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/portal', import.meta.url));

/**
 * The recipe of docs/architecture.md: a capability's card is one object in its list; the
 * portal is not edited. This one shows a note per entity key from its own source (absent,
 * as in a static export, when `notes` is undefined).
 */
const noteSection = (
  id: string,
  order: number,
  slot: 'lead' | 'body',
  notes?: ReadonlyMap<string, string>,
): EntitySection<unknown, string> => ({
  id,
  kinds: ['Component'],
  slot,
  order,
  async load(_sources, { key }) {
    return notes?.get(key);
  },
  view(_site, note) {
    return html`<section class="card" aria-labelledby="${id}"><h2 id="${id}">${id}</h2><p>${note}</p></section>`;
  },
});

describe('entity-page sections from a capability', () => {
  let testDb: TestDatabase;
  let database: Database;
  let store: CatalogStore;
  let site: Site;

  before(async () => {
    testDb = await createTestDatabase('sqlite');
    database = await testDb.open();
    store = new CatalogStore(database);
    await syncCatalog(store, { catalog: FIXTURE, logger: silentLogger() });
    site = { basePath: '/', mode: 'static', assets: (await loadAssets()).names };
  });
  after(async () => {
    await database.close();
    await testDb.drop();
  });

  const page = async (path: string, sections: PortalData['sections']): Promise<string> => {
    const data: PortalData = { store, searchIndex: async () => prepareEntries([]), sections };
    const result = await renderPage(data, site, path, new URLSearchParams());
    assert.equal(result.status, 200, path);
    return 'html' in result ? String(result.html) : '';
  };

  test('a new provider shows on its kinds in its slot and order, escaped, and nowhere else', async () => {
    const notes = new Map([['component:default/payment-service', 'Paged at <3 AM> & "fine"']]);
    const sections = [
      ...entitySections,
      noteSection('second-note', 2, 'lead', notes),
      noteSection('first-note', 1, 'lead', notes),
    ];
    const service = await page('catalog/default/component/payment-service/', sections);
    const first = service.indexOf('id="first-note"');
    const second = service.indexOf('id="second-note"');
    assert.ok(first > service.indexOf('id="incident"'), 'lead cards come after "When it breaks"');
    assert.ok(first > 0 && first < second, 'lower order first');
    assert.ok(second < service.indexOf('id="about"'), 'lead cards come before "About"');
    assert.ok(service.includes('Paged at &lt;3 AM&gt; &amp; &quot;fine&quot;'), 'what a provider shows is escaped');

    const ledger = await page('catalog/default/component/ledger/', sections);
    assert.ok(!ledger.includes('first-note'), 'nothing loaded, nothing shown');
    const team = await page('catalog/default/group/payments/', sections);
    assert.ok(!team.includes('first-note'), 'other kinds do not get it');
  });

  test('without its source (a static export) a provider adds nothing, and the page is as it was', async () => {
    const plain = await page('catalog/default/component/payment-service/', entitySections);
    const withSection = await page('catalog/default/component/payment-service/', [
      ...entitySections,
      noteSection('note', 1, 'body'),
    ]);
    assert.equal(withSection, plain);
  });

  test('a new subpage is routed under entity pages, read with only its parameters, and a 404 without its data', async () => {
    const notes = new Map([['component:default/payment-service', 'Paged at <3 AM>']]);
    const notesPage: EntitySubpage<unknown> = {
      segment: 'notes',
      parameters: ['page'],
      async render(_sources, _reader, key, search, site) {
        const note = notes.get(key);
        return note
          ? layout({
              site,
              title: 'Notes',
              section: 'catalog',
              main: html`<h1>Notes</h1><p>${note} ${search.get('page')}</p>`,
            })
          : undefined;
      },
    };
    const data: PortalData = {
      store,
      searchIndex: async () => prepareEntries([]),
      sections: [],
      subpages: [notesPage],
    };
    const path = 'catalog/default/component/payment-service/notes/';
    const query = canonicalQuery(path, new URLSearchParams('x=1&page=2&y=2'), data.subpages);
    assert.equal(String(query), 'page=2', 'anything else in the query is ignored');
    const found = await renderPage(data, { ...site, mode: 'live' }, path, query);
    assert.equal(found.status, 200);
    assert.ok('html' in found && String(found.html).includes('Paged at &lt;3 AM&gt; 2'));
    assert.equal((await renderPage(data, site, 'catalog/default/component/ledger/notes/', query)).status, 404);
    assert.equal((await renderPage(data, site, `${path}deeper/`, query)).status, 404, 'only the segment itself');
    const without = { ...data, subpages: [] };
    assert.equal((await renderPage(without, site, path, query)).status, 404, 'unknown segments are not pages');
  });
});
