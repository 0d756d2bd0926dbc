import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import type { CommandIO } from '../src/cli/io.ts';
import { main } from '../src/main.ts';
import { component, group, tempCatalog } from './support/catalog.ts';
import { createTestDatabase, describeEachDatabase } from './support/databases.ts';

/**
 * `atrium backup` and `atrium restore` through the command line, on both databases: a
 * backup taken while the database is open holds what was written, a restore brings it
 * back, and every way a backup can be unusable is refused before anything is touched.
 */

const workDir = mkdtempSync(join(tmpdir(), 'atrium-backup-'));
const catalog = tempCatalog({
  'catalog-info.yaml': [
    group('team-a'),
    component('checkout', { owner: 'team-a' }),
    component('ledger', { owner: 'team-a' }),
  ].join('---\n'),
});
after(() => {
  catalog.cleanup();
  rmSync(workDir, { recursive: true, force: true });
});

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CommandIO = { out: (t) => void (out += t), err: (t) => void (err += t), env: {}, cwd: workDir };
  const code = await main(args, io);
  return { code, out, err };
}

let files = 0;
const newFile = (name: string) => join(workDir, `${files++}-${name}`);

describeEachDatabase('backup and restore', (dialect) => {
  test('a backup taken with the database open restores what was written, and is checked', async (t) => {
    const database = await createTestDatabase(dialect);
    t.after(() => database.drop());
    assert.equal((await run(['sync', '--catalog', catalog.dir, '--database', database.target])).code, 0);
    const open = await database.open();
    t.after(() => open.close());
    const count = async () =>
      Number(
        (
          await open.db
            .selectFrom('entities')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    assert.equal(before, 3);

    const file = newFile('atrium.backup');
    const made = await run(['backup', '--out', file, '--database', database.target, '--format', 'json']);
    assert.equal(made.code, 0, made.err);
    const report = JSON.parse(made.out) as { dialect: string; bytes: number };
    assert.equal(report.dialect, dialect);
    assert.ok(report.bytes > 0);

    // Never over another backup.
    const again = await run(['backup', '--out', file, '--database', database.target]);
    assert.equal(again.code, 64);
    assert.match(again.err, /already exists/);

    if (dialect === 'sqlite') {
      const target = newFile('restored.db');
      const restored = await run(['restore', '--from', file, '--database', target]);
      assert.equal(restored.code, 0, restored.err);
      assert.match(restored.out, /^Restored .* into /);
      const copy = await createTestDatabaseAt(target);
      t.after(() => copy.close());
      const names = await copy.db.selectFrom('entities').select('name').orderBy('name').execute();
      assert.deepEqual(
        names.map((r) => r.name),
        ['checkout', 'ledger', 'team-a'],
      );
      // An existing database is replaced only when asked.
      const refused = await run(['restore', '--from', file, '--database', target]);
      assert.equal(refused.code, 64);
      assert.match(refused.err, /--replace/);
    } else {
      await sql`delete from entities`.execute(open.db);
      assert.equal(await count(), 0);
      await open.close();
      const restored = await run(['restore', '--from', file, '--database', database.target]);
      assert.equal(restored.code, 0, restored.err);
      const reopened = await database.open();
      t.after(() => reopened.close());
      const n = await reopened.db
        .selectFrom('entities')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(n.n), before);
    }
  });

  test('an unusable backup is refused before the database is touched', async (t) => {
    const database = await createTestDatabase(dialect);
    t.after(() => database.drop());
    assert.equal((await run(['sync', '--catalog', catalog.dir, '--database', database.target])).code, 0);

    const garbage = newFile('garbage.backup');
    writeFileSync(garbage, Buffer.alloc(8192, 0x41));
    const refused = await run(['restore', '--from', garbage, '--database', database.target, '--replace']);
    assert.equal(refused.code, 78, refused.err);
    assert.doesNotMatch(refused.err, /\n\s+at /, 'no stack trace for an expected failure');

    const missing = await run(['restore', '--from', newFile('nothing'), '--database', database.target]);
    assert.equal(missing.code, 64);
    assert.match(missing.err, /There is no backup/);

    const usage = await run(['backup', '--database', database.target]);
    assert.equal(usage.code, 64);
    assert.match(usage.err, /--out is required/);

    const open = await database.open();
    t.after(() => open.close());
    const n = await open.db
      .selectFrom('entities')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(n.n), 3, 'the refused restores left the database as it was');
  });
});

test('a SQLite file that is not an Atrium database, or a cut-short copy, is not a backup', async () => {
  const { default: SQLite } = await import('better-sqlite3');
  const foreign = newFile('foreign.db');
  const other = new SQLite(foreign);
  other.exec('create table notes (body text); insert into notes values (1)');
  other.close();
  const refused = await run(['restore', '--from', foreign, '--database', newFile('target.db')]);
  assert.equal(refused.code, 78);
  assert.match(refused.err, /no atrium_migrations table/);

  const database = newFile('source.db');
  assert.equal((await run(['sync', '--catalog', catalog.dir, '--database', database])).code, 0);
  const file = newFile('whole.backup');
  assert.equal((await run(['backup', '--out', file, '--database', database])).code, 0);
  const cut = newFile('cut.backup');
  const bytes = readFileSync(file);
  writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
  const cutShort = await run(['restore', '--from', cut, '--database', newFile('target.db')]);
  assert.equal(cutShort.code, 78, cutShort.err);
  assert.match(cutShort.err, /not a usable Atrium database/);

  const noDatabase = await run(['backup', '--out', newFile('x.backup'), '--database', newFile('absent.db')]);
  assert.equal(noDatabase.code, 78);
  assert.match(noDatabase.err, /There is no database/);
});

async function createTestDatabaseAt(path: string) {
  const { openDatabase } = await import('../src/platform/db/connect.ts');
  return openDatabase(path);
}
