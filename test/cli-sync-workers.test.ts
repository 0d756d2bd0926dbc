import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { ParsePool } from '../src/catalog/parse-pool.ts';
import type { SyncReport } from '../src/catalog/sync.ts';
import type { Database } from '../src/platform/db/connect.ts';
import { component, location, tempCatalog } from './support/catalog.ts';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from './support/databases.ts';

/**
 * `atrium sync` as users run it, bin/atrium.js in a process of its own, on a catalog of
 * enough files to be parsed on worker threads: from the CLI bundle when it is current
 * (scripts/test.js builds it first), so the bundle's workers, the kinds they import and
 * the bulk writes are exercised together, on both databases.
 */
const repo = join(import.meta.dirname, '..');
const FILES = ParsePool.MIN_BATCH + 4;
const PER_FILE = 30;

describeEachDatabase('atrium sync in a process of its own, on parse worker threads', (dialect) => {
  let testDb: TestDatabase;
  let database: Database;
  const names = Array.from({ length: FILES }, (_, f) => Array.from({ length: PER_FILE }, (_, i) => `svc-${f}-${i}`));
  const catalog = tempCatalog({
    'catalog-info.yaml': location(['./services/*.yaml']),
    ...Object.fromEntries(
      names.map((file, f) => [
        `services/file-${f}.yaml`,
        file
          .map((name, i) => component(name, { tags: ['bulk'], dependsOn: [`component:${file[(i + 1) % PER_FILE]}`] }))
          .join('---\n'),
      ]),
    ),
  });

  before(async () => {
    testDb = await createTestDatabase(dialect);
    database = await testDb.open();
  });
  after(async () => {
    await database.close();
    await testDb.drop();
    catalog.cleanup();
  });

  const sync = async (): Promise<SyncReport> => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['bin/atrium.js', 'sync', '--catalog', catalog.dir, '--database', testDb.target, '--format', 'json'],
      { cwd: repo },
    );
    return JSON.parse(stdout) as SyncReport;
  };

  test('a cold sync stores every entity, tag and relation; a second one changes nothing', async () => {
    const cold = await sync();
    const total = FILES * PER_FILE + 1;
    assert.equal(cold.parsedFiles, FILES + 1);
    assert.equal(cold.upserted, total);
    assert.equal(cold.errors, 0);
    const stored = await database.db.selectFrom('entities').select(['key', 'search_text', 'body']).execute();
    assert.equal(stored.length, total);
    const one = stored.find((e) => e.key === 'component:default/svc-3-7');
    assert.match(one?.search_text ?? '', /svc/);
    assert.equal((JSON.parse(one?.body ?? '{}') as { metadata: { name: string } }).metadata.name, 'svc-3-7');
    const dependsOn = await database.db
      .selectFrom('relations')
      .select('origin')
      .where('type', '=', 'dependsOn')
      .execute();
    assert.equal(dependsOn.length, FILES * PER_FILE);
    const tags = await database.db.selectFrom('entity_tags').select('key').where('tag', '=', 'bulk').execute();
    assert.equal(tags.length, FILES * PER_FILE);

    const again = await sync();
    assert.equal(again.parsedFiles, 0);
    assert.equal(again.upserted, 0);
  });
});
