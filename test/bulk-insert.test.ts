import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CatalogStore } from '../src/catalog/store.ts';
import { syncCatalog } from '../src/catalog/sync.ts';
import {
  bulkInsert,
  ROWS_PER_POSTGRES_STATEMENT,
  ROWS_PER_SQLITE_CALL,
  type BulkTable,
} from '../src/platform/db/bulk-insert.ts';
import { component, location, tempCatalog } from './support/catalog.ts';
import { describeEachDatabase, useTestDatabase } from './support/databases.ts';

const RELATIONS: BulkTable = {
  name: 'relations',
  columns: ['origin', 'source_key', 'source', 'type', 'target_key', 'target'].map((name) => ({ name, type: 'text' })),
};
const TAGS: BulkTable = {
  name: 'entity_tags',
  columns: [
    { name: 'key', type: 'text' },
    { name: 'tag', type: 'text' },
  ],
};

/** Text an array literal or a statement could get wrong: quotes, braces, commas, backslashes, the word NULL, non-ASCII. */
const AWKWARD = ['a "quoted" {brace}, comma', 'back\\slash', 'NULL', '', 'ünï ☃ 𝄞', "it's"];

describeEachDatabase('bulkInsert', (dialect) => {
  const fixture = useTestDatabase(dialect, { migrated: true });

  test('stores every row of more than one statement, exactly, inside the caller’s transaction', async () => {
    const per = dialect === 'sqlite' ? ROWS_PER_SQLITE_CALL : ROWS_PER_POSTGRES_STATEMENT;
    const count = 2 * per + 7; // two full statements and the rest
    const rows = Array.from({ length: count }, (_, i) => {
      const text = `${AWKWARD[i % AWKWARD.length]}-${i}`;
      return [
        `origin-${String(i).padStart(6, '0')}`,
        'src',
        text,
        'dependsOn',
        'target',
        AWKWARD[i % AWKWARD.length] ?? '',
      ];
    });
    await fixture.database.db.transaction().execute((trx) => bulkInsert(trx, dialect, RELATIONS, rows));
    const stored = await fixture.database.db
      .selectFrom('relations')
      .select(['origin', 'source_key', 'source', 'type', 'target_key', 'target'])
      .orderBy('origin')
      .execute();
    assert.deepEqual(
      stored.map((r) => [r.origin, r.source_key, r.source, r.type, r.target_key, r.target]),
      rows,
    );
  });

  test('a failed statement writes nothing of the transaction', async () => {
    await fixture.database.db.deleteFrom('entity_tags').execute();
    // The same (key, tag) twice breaks the primary key in the second statement.
    const per = dialect === 'sqlite' ? ROWS_PER_SQLITE_CALL : ROWS_PER_POSTGRES_STATEMENT;
    const rows = [...Array.from({ length: per }, (_, i) => [`k${i}`, 't']), ['k0', 't']];
    await assert.rejects(fixture.database.db.transaction().execute((trx) => bulkInsert(trx, dialect, TAGS, rows)));
    assert.deepEqual(await fixture.database.db.selectFrom('entity_tags').selectAll().execute(), []);
  });

  test('nothing to insert runs no statement', async () => {
    await bulkInsert(
      {
        executeQuery: () => {
          throw new Error('no statement expected');
        },
      },
      dialect,
      TAGS,
      [],
    );
  });
});

describeEachDatabase('catalog sync through bulk inserts', (dialect) => {
  const fixture = useTestDatabase(dialect, { migrated: true });

  test('a catalog of hundreds of entities stores each entity, tag and relation, and replaces them on a change', async () => {
    const count = 250;
    const names = Array.from({ length: count }, (_, i) => `svc-${String(i).padStart(4, '0')}`);
    const describe = (title: (n: string) => string) =>
      names
        .map((name, i) =>
          component(name, {
            title: JSON.stringify(title(name)),
            tags: ['bulk', `t${i % 3}`],
            dependsOn: [`component:${names[(i + 1) % count]}`],
          }),
        )
        .join('---\n');
    const catalog = tempCatalog({ 'catalog-info.yaml': location(['./all.yaml']), 'all.yaml': describe((n) => n) });
    const store = new CatalogStore(fixture.database);
    const now = () => new Date('2026-01-15T10:00:00.000Z');
    const first = await syncCatalog(store, { catalog: catalog.dir, now });
    assert.equal(first.upserted, count + 1);
    const relations = async () =>
      (await fixture.database.db.selectFrom('relations').select(['origin', 'type', 'target_key']).execute())
        .map((r) => `${r.origin} ${r.type} ${r.target_key}`)
        .sort();
    const before = await relations();
    assert.equal(before.filter((r) => r.includes(' dependsOn ')).length, count);
    const tags = await fixture.database.db.selectFrom('entity_tags').selectAll().execute();
    assert.equal(tags.length, 2 * count);

    catalog.write(
      'all.yaml',
      describe((n) => `${n} "renamed", {x}`),
    );
    const second = await syncCatalog(store, { catalog: catalog.dir, now });
    assert.equal(second.upserted, count);
    const titles = await fixture.database.db
      .selectFrom('entities')
      .select(['name', 'title', 'body'])
      .where('kind', '=', 'component')
      .orderBy('name')
      .execute();
    assert.deepEqual(
      titles.map((r) => r.title),
      names.map((n) => `${n} "renamed", {x}`),
    );
    assert.equal(
      (JSON.parse(titles[0]?.body ?? '{}') as { metadata: { title: string } }).metadata.title,
      `${names[0]} "renamed", {x}`,
    );
    assert.deepEqual(await relations(), before, 'relations are replaced, not added again');
    catalog.cleanup();
  });
});
