import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { after, before, test } from 'node:test';
import { CatalogStore } from '../src/catalog/store.ts';
import { CatalogSnapshot } from '../src/catalog/snapshot.ts';
import { CatalogSyncer, syncCatalog } from '../src/catalog/sync.ts';
import type { Problem } from '../src/catalog/model.ts';
import { externalRefs } from '../src/platform/external-refs.ts';
import type { Database } from '../src/platform/db/connect.ts';
import { component, group, location, tempCatalog, type TempCatalog } from './support/catalog.ts';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from './support/databases.ts';

const fixedNow = () => new Date('2026-01-15T10:00:00.000Z');

describeEachDatabase('catalog sync', (dialect) => {
  let testDb: TestDatabase;
  let database: Database;
  let store: CatalogStore;
  let catalog: TempCatalog;
  const sync = () => syncCatalog(store, { catalog: catalog.dir, now: fixedNow });

  before(async () => {
    testDb = await createTestDatabase(dialect, { migrated: true });
    database = await testDb.open();
    store = new CatalogStore(database);
  });
  after(async () => {
    await database.close();
    await testDb.drop();
  });

  test('a cold sync stores every entity with relations in both directions', async () => {
    catalog = tempCatalog({
      'catalog-info.yaml': location(['./teams.yaml', './services/*.yaml']),
      'teams.yaml': group('team-a'),
      'services/checkout.yaml': component('checkout', {
        title: 'Checkout',
        tags: ['java', 'tier-1'],
        dependsOn: ['component:payments'],
      }),
      'services/payments.yaml': component('payments', { tags: ['go'] }),
    });
    const report = await sync();
    assert.equal(report.entities, 4);
    assert.equal(report.parsedFiles, 4);
    assert.equal(report.errors, 0);
    assert.equal(report.changed, true);

    const checkout = await store.getEntity('component:default/checkout');
    assert.ok(checkout);
    assert.equal(checkout.entity.metadata.title, 'Checkout');
    assert.deepEqual(checkout.source, { file: 'services/checkout.yaml', line: 1, column: 1 });
    assert.deepEqual(
      checkout.relations.map((r) => `${r.type} ${r.target}`),
      ['dependsOn component:default/payments', 'ownedBy group:default/team-a'],
    );
    const team = await store.getEntity('group:default/team-a');
    assert.deepEqual(
      team?.relations.map((r) => `${r.type} ${r.target}`),
      ['ownerOf component:default/checkout', 'ownerOf component:default/payments'],
    );
    const payments = await store.getEntity('component:default/payments');
    assert.ok(payments?.relations.some((r) => r.type === 'dependencyOf' && r.target === 'component:default/checkout'));
  });

  test('a re-sync with nothing changed parses nothing and writes nothing', async () => {
    const generation = await store.generation();
    const report = await sync();
    assert.equal(report.changed, false);
    assert.equal(report.parsedFiles, 0);
    assert.equal(report.upserted, 0);
    assert.equal(await store.generation(), generation);
  });

  test('editing one file re-parses and rewrites only that file', async () => {
    catalog.write('services/payments.yaml', component('payments', { title: 'Payments API', tags: ['go'] }));
    const report = await sync();
    assert.equal(report.parsedFiles, 1);
    assert.equal(report.upserted, 1);
    assert.equal((await store.getEntity('component:default/payments'))?.entity.metadata.title, 'Payments API');
  });

  test('entities can be listed with filters, free text and stable cursor pages', async () => {
    const all = await store.listEntities({}, 2);
    assert.equal(all.total, 4);
    assert.deepEqual(
      all.items.map((e) => e.ref),
      ['component:default/checkout', 'component:default/payments'],
    );
    assert.ok(all.nextAfter);
    const next = await store.listEntities({}, 2, all.nextAfter);
    assert.deepEqual(
      next.items.map((e) => e.ref),
      ['group:default/team-a', 'location:default/root'],
    );
    assert.equal(next.nextAfter, undefined);

    assert.deepEqual(
      (await store.listEntities({ kind: 'COMPONENT', tag: 'java' }, 10)).items.map((e) => e.name),
      ['checkout'],
    );
    assert.deepEqual(
      (await store.listEntities({ owner: 'team-a', lifecycle: 'production', type: 'service' }, 10)).total,
      2,
    );
    assert.deepEqual((await store.listEntities({ owner: 'group:default/TEAM-A' }, 10)).total, 2);
    assert.deepEqual(
      (await store.listEntities({ q: 'paym' }, 10)).items.map((e) => e.name),
      ['payments'],
    );
    assert.deepEqual(
      (await store.listEntities({ q: 'payments api' }, 10)).items.map((e) => e.name),
      ['payments'],
    );
    assert.equal((await store.listEntities({ q: 'nothing-like-this' }, 10)).total, 0);
    assert.deepEqual(
      (await store.listEntities({ q: 'ÇHECKOUT' }, 10)).items.map((e) => e.name),
      ['checkout'],
      'accents and case do not matter',
    );
  });

  test('free text that looks like query syntax is treated as words', async () => {
    for (const q of [
      '"',
      "'",
      'NEAR(a b)',
      'a OR b',
      '*',
      '-checkout',
      'check:out',
      '\\',
      '%',
      '_',
      '(((',
      'checkout"; drop table entities; --',
      '🙂',
    ]) {
      const page = await store.listEntities({ q }, 10);
      assert.ok(page.total >= 0, q);
    }
    assert.equal((await store.listEntities({ q: '"checkout"' }, 10)).items[0]?.name, 'checkout');
    assert.equal((await store.listEntities({}, 1)).total, 4, 'nothing was dropped');
  });

  test('facets count the filtered entities per kind, owner, tag and more', async () => {
    const facets = await store.facets({});
    assert.deepEqual(facets.kind, [
      { value: 'component', count: 2 },
      { value: 'group', count: 1 },
      { value: 'location', count: 1 },
    ]);
    assert.deepEqual(facets.owner, [{ value: 'group:default/team-a', count: 2 }]);
    assert.deepEqual(facets.tag, [
      { value: 'go', count: 1 },
      { value: 'java', count: 1 },
      { value: 'tier-1', count: 1 },
    ]);
    assert.deepEqual((await store.facets({ tag: 'go' })).kind, [{ value: 'component', count: 1 }]);
  });

  test('a dangling owner is a warning and the entity still loads', async () => {
    catalog.write('services/orphan.yaml', component('orphan', { owner: 'group:nobody' }));
    catalog.write('catalog-info.yaml', location(['./teams.yaml', './services/*.yaml']));
    const report = await sync();
    assert.equal(report.warnings, 1);
    const orphan = await store.getEntity('component:default/orphan');
    assert.ok(orphan);
    assert.equal(orphan.problems[0]?.code, 'dangling-reference');
    assert.equal(orphan.problems[0]?.line, 8);
    const problems = await store.listProblems({ severity: 'warning' }, 10);
    assert.equal(problems.warnings, 1);
    assert.equal(problems.items[0]?.file, 'services/orphan.yaml');
  });

  test('a removed entity is deleted and stays deleted', async () => {
    catalog.remove('services/orphan.yaml');
    const report = await sync();
    assert.equal(report.deleted, 1);
    assert.equal(await store.getEntity('component:default/orphan'), undefined);
    assert.equal((await store.listProblems({}, 10)).warnings, 0);
    await sync();
    assert.equal(await store.getEntity('component:default/orphan'), undefined);
    const team = await store.getEntity('group:default/team-a');
    assert.ok(!team?.relations.some((r) => r.target === 'component:default/orphan'));
  });

  test('a file that becomes unreadable keeps its last good entities, marked stale with the error', async () => {
    catalog.write('services/payments.yaml', `${component('payments', { title: 'Payments API' })}oops: [\n`);
    const report = await sync();
    assert.equal(report.errors, 1);
    const payments = await store.getEntity('component:default/payments');
    assert.ok(payments, 'the entity must not vanish');
    assert.equal(payments.stale, true);
    assert.equal(payments.entity.metadata.title, 'Payments API');
    assert.equal(payments.problems[0]?.code, 'yaml-syntax');
    assert.equal((await store.listEntities({ q: 'payments' }, 10)).items[0]?.stale, true);

    catalog.write('services/payments.yaml', component('payments', { title: 'Payments v2' }));
    await sync();
    const fixed = await store.getEntity('component:default/payments');
    assert.equal(fixed?.stale, false);
    assert.equal(fixed?.entity.metadata.title, 'Payments v2');
    assert.deepEqual(fixed?.problems, []);
  });

  test('an entity that becomes invalid keeps its last good version, marked stale', async () => {
    catalog.write(
      'services/payments.yaml',
      component('payments', { title: 'Payments v2' }).replace('  lifecycle: production\n', ''),
    );
    await sync();
    const payments = await store.getEntity('component:default/payments');
    assert.equal(payments?.stale, true);
    assert.equal(payments?.entity.metadata.title, 'Payments v2');
    assert.equal(payments?.problems[0]?.code, 'missing-field');
    assert.equal(payments?.problems[0]?.entityRef, 'component:default/payments');
    catalog.write('services/payments.yaml', component('payments', { title: 'Payments v2' }));
    await sync();
    assert.equal((await store.getEntity('component:default/payments'))?.stale, false);
  });

  test('a duplicate entity loses to the first, and takes over when the first is removed', async () => {
    catalog.write('services/zz-copy.yaml', component('CHECKOUT', { title: 'The copy' }));
    const report = await sync();
    assert.equal(report.errors, 1);
    const problems = await store.listProblems({ code: 'duplicate-entity' }, 10);
    assert.equal(problems.items[0]?.file, 'services/zz-copy.yaml');
    assert.equal((await store.getEntity('component:default/checkout'))?.entity.metadata.title, 'Checkout');

    catalog.remove('services/checkout.yaml');
    await sync();
    const checkout = await store.getEntity('component:default/checkout');
    assert.equal(checkout?.entity.metadata.title, 'The copy');
    assert.equal(checkout?.source.file, 'services/zz-copy.yaml');
    assert.equal((await store.listProblems({ code: 'duplicate-entity' }, 10)).items.length, 0);
  });

  test('a change to a substituted file updates the entity that embeds it', async () => {
    catalog.write(
      'apis/orders.yaml',
      [
        'apiVersion: backstage.io/v1alpha1',
        'kind: API',
        'metadata:',
        '  name: orders',
        'spec:',
        '  type: openapi',
        '  lifecycle: production',
        '  owner: team-a',
        '  definition:',
        '    $text: ./orders.openapi.yaml',
        '',
      ].join('\n'),
    );
    catalog.write('apis/orders.openapi.yaml', 'openapi: 3.1.0\n');
    catalog.write('catalog-info.yaml', location(['./teams.yaml', './services/*.yaml', './apis/orders.yaml']));
    await sync();
    assert.equal((await store.getEntity('api:default/orders'))?.entity.spec?.definition, 'openapi: 3.1.0\n');
    catalog.write('apis/orders.openapi.yaml', 'openapi: 3.1.1\n');
    const report = await sync();
    assert.equal(report.upserted, 1);
    assert.equal((await store.getEntity('api:default/orders'))?.entity.spec?.definition, 'openapi: 3.1.1\n');
  });

  test('problems come in pages in file order', async () => {
    catalog.write('services/bad-1.yaml', component('bad_1!'));
    catalog.write('services/bad-2.yaml', component('bad_2!'));
    await sync();
    const first = await store.listProblems({ severity: 'error' }, 1);
    assert.equal(first.items.length, 1);
    assert.equal(first.errors, 2);
    const second = await store.listProblems({ severity: 'error' }, 1, first.nextAfter);
    assert.notEqual(second.items[0]?.file, first.items[0]?.file);
  });

  test('two syncs at once both finish and leave one consistent catalog', async () => {
    catalog.write('services/extra.yaml', component('extra'));
    const [a, b] = await Promise.all([sync(), sync()]);
    assert.ok(a.entities === b.entities);
    assert.ok(await store.getEntity('component:default/extra'));
    const again = await sync();
    assert.equal(again.changed, false);
  });

  after(() => catalog?.cleanup());
});

describeEachDatabase('catalog sync, one file with two definitions', (dialect) => {
  test('the first definition in a file is the one stored, not a later duplicate', async (t) => {
    const testDb = await createTestDatabase(dialect, { migrated: true });
    const database = await testDb.open();
    const catalog = tempCatalog({
      'catalog-info.yaml': `${component('svc', { title: 'First' })}---\n${component('SVC', { title: 'Second' })}`,
    });
    t.after(async () => {
      await database.close();
      await testDb.drop();
      catalog.cleanup();
    });
    const store = new CatalogStore(database);
    const report = await syncCatalog(store, { catalog: catalog.dir });
    assert.equal(report.errors, 1);
    const svc = await store.getEntity('component:default/svc');
    assert.equal(svc?.entity.metadata.title, 'First');
    assert.equal(svc?.entity.metadata.name, 'svc');
  });
});

describeEachDatabase('a long-lived syncer', (dialect) => {
  test('keeps its state between syncs and reloads it when another process has synced', async (t) => {
    const testDb = await createTestDatabase(dialect, { migrated: true });
    const database = await testDb.open();
    const catalog = tempCatalog({
      'catalog-info.yaml': location(['./a.yaml', './b.yaml']),
      'a.yaml': component('a'),
      'b.yaml': component('b'),
    });
    t.after(async () => {
      await database.close();
      await testDb.drop();
      catalog.cleanup();
    });
    const store = new CatalogStore(database);
    // A fixed clock: whether a file's stamp is trusted (see files.ts) must not depend on how fast the test runs.
    const mine = new CatalogSyncer(store, { catalog: catalog.dir, now: fixedNow });
    const theirs = new CatalogSyncer(store, { catalog: catalog.dir, now: fixedNow });
    assert.equal((await mine.sync()).entities, 3);
    assert.equal((await mine.sync()).changed, false);

    catalog.remove('b.yaml');
    catalog.write('catalog-info.yaml', location(['./a.yaml']));
    assert.equal((await theirs.sync()).deleted, 1);

    // Had `mine` trusted its memory, it would try to delete b again or miss the new state.
    catalog.write('a.yaml', component('a', { title: 'A' }));
    const report = await mine.sync();
    assert.deepEqual(
      { upserted: report.upserted, deleted: report.deleted, entities: report.entities },
      { upserted: 1, deleted: 0, entities: 2 },
    );
    assert.equal((await store.getEntity('component:default/a'))?.entity.metadata.title, 'A');
    assert.equal(await store.getEntity('component:default/b'), undefined);
    assert.equal((await mine.sync()).changed, false);
  });
});

describeEachDatabase('grouped dangling references', (dialect) => {
  let testDb: TestDatabase;
  let database: Database;
  let catalog: TempCatalog;

  before(async () => {
    testDb = await createTestDatabase(dialect, { migrated: true });
    database = await testDb.open();
  });
  after(async () => {
    await database.close();
    await testDb.drop();
    catalog.cleanup();
  });

  test('one stored problem per missing target keeps its referrers and count, in the store and in a snapshot, and shows on every referrer; external targets are none', async () => {
    const store = new CatalogStore(database);
    catalog = tempCatalog({
      'a.yaml': component('a', { owner: 'ghost', dependsOn: ['user:jane'] }),
      'b.yaml': component('b', { owner: 'ghost' }),
    });
    const report = await syncCatalog(store, {
      catalog: catalog.dir,
      now: fixedNow,
      externalRefs: externalRefs(['user:*']),
    });
    assert.equal(report.warnings, 1);
    const page = await store.listProblems({}, 10);
    const expected = {
      target: 'group:default/ghost',
      count: 2,
      referrers: ['component:default/a spec.owner a.yaml:8:10', 'component:default/b spec.owner b.yaml:8:10'],
    };
    const brief = (p: Problem | undefined) => ({
      target: p?.target,
      count: p?.count,
      referrers: p?.referrers?.map((r) => `${r.entityRef} ${r.field} ${r.file}:${r.line}:${r.column}`),
    });
    assert.equal(page.items.length, 1);
    assert.deepEqual(brief(page.items[0]), expected);
    const snapshot = await CatalogSnapshot.load(store);
    assert.deepEqual(brief((await snapshot.listProblems({}, 10)).items[0]), expected);
    for (const key of ['component:default/a', 'component:default/b']) {
      assert.deepEqual((await store.getEntity(key))?.problems.map(brief), [expected], `${key}, from the store`);
      assert.deepEqual((await snapshot.getEntity(key))?.problems.map(brief), [expected], `${key}, from a snapshot`);
    }
  });
});

describeEachDatabase('the catalog list’s free text and identifiers', (dialect) => {
  test('`shipment create` finds ShipmentCreate-like names, as the search page does; the joined word still does', async (t) => {
    const testDb = await createTestDatabase(dialect, { migrated: true });
    const database = await testDb.open();
    const catalog = tempCatalog({
      'catalog-info.yaml': location(['./a.yaml', './b.yaml', './c.yaml']),
      'a.yaml': component('ShipmentCreateHandler'),
      'b.yaml': component('shipment_create_worker', { title: 'Create worker' }),
      'c.yaml': component('shipments', { title: 'Shipment store' }),
    });
    t.after(async () => {
      await database.close();
      await testDb.drop();
      catalog.cleanup();
    });
    const store = new CatalogStore(database);
    await syncCatalog(store, { catalog: catalog.dir, now: fixedNow });
    const snapshot = await CatalogSnapshot.load(store);
    const names = async (q: string) => {
      const stored = (await store.listEntities({ q }, 10)).items.map((e) => e.name);
      const browsed = (await snapshot.browseEntities({ q }, 'name', 0, 10)).items.map((e) => e.name);
      assert.deepEqual(browsed.sort(), [...stored].sort(), `the snapshot agrees on ${q}`);
      return stored.sort();
    };
    assert.deepEqual(await names('shipment create'), ['ShipmentCreateHandler', 'shipment_create_worker']);
    assert.deepEqual(await names('ShipmentCreate'), ['ShipmentCreateHandler', 'shipment_create_worker']);
    assert.deepEqual(await names('create handler'), ['ShipmentCreateHandler']);
    assert.deepEqual(await names('shipmentcreate'), ['ShipmentCreateHandler'], 'the identifier whole');
    assert.deepEqual(await names('shipment_create_worker'), ['shipment_create_worker']);
    assert.deepEqual(await names('shipment creat'), ['ShipmentCreateHandler', 'shipment_create_worker']);

    // What migration 0008 does to a database synced before identifiers were split: the next sync rewrites every row.
    await sql`update entities set content_hash = ''`.execute(database.db);
    const report = await syncCatalog(store, { catalog: catalog.dir, now: fixedNow });
    assert.equal(report.upserted, report.entities);
    assert.deepEqual(await names('create handler'), ['ShipmentCreateHandler']);
  });
});
