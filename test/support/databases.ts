import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import pg from 'pg';
import { openDatabase, type Database, type DialectName } from '../../src/platform/db/connect.ts';

/**
 * Every store test runs on SQLite and on PostgreSQL. Each test gets a database of its
 * own: a fresh SQLite file, or a fresh PostgreSQL schema (selected through the
 * connection's startup options, so nothing depends on session state), dropped afterwards.
 * A test that needs the schema but does not test migrations asks for a `migrated` one: on
 * PostgreSQL that is a database cloned from a migrated template (30 ms instead of 300 ms
 * of migrations, many times over in a run). Runs twice or in parallel never collide.
 */

const postgresUrl = process.env.ATRIUM_TEST_POSTGRES_URL;

export interface TestDatabase {
  dialect: DialectName;
  /** What `--database` would be given: a file path or a postgres:// URL. */
  target: string;
  open(): Promise<Database>;
  drop(): Promise<void>;
}

let counter = 0;

export interface TestDatabaseOptions {
  /**
   * The database already has every migration (opening it migrates nothing): for tests of
   * stores and servers, never for tests of migrating itself.
   */
  migrated?: boolean;
}

/** A PostgreSQL URL naming another database on the same server. */
function databaseUrl(name: string): string {
  const url = new URL(postgresUrl as string);
  url.pathname = `/${name}`;
  return url.toString();
}

/** `work` with a client of its own on `connectionString`, closed afterwards whatever happens. */
export async function withClient<T>(connectionString: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const withAdmin = <T>(work: (admin: pg.Client) => Promise<T>): Promise<T> => withClient(postgresUrl as string, work);

let template: Promise<string> | undefined;

/**
 * The migrated template database, named after the migrations' source so that a change to
 * them makes a new one: built once on the server by whichever test process asks first
 * (the others wait on an advisory lock held by that process's own admin connection, then
 * find it), under a temporary name renamed when complete, so no one clones a half-built one.
 */
function migratedTemplate(): Promise<string> {
  template ??= (async () => {
    const source = readFileSync(new URL('../../src/platform/db/migrations.ts', import.meta.url));
    const name = `atrium_template_${createHash('sha1').update(source).digest('hex').slice(0, 16)}`;
    return withAdmin(async (admin) => {
      await admin.query('select pg_advisory_lock(hashtext($1))', [name]);
      try {
        const found = await admin.query('select 1 from pg_database where datname = $1', [name]);
        if (found.rowCount) return name;
        const building = `${name}_${process.pid}`;
        await admin.query(`drop database if exists "${building}"`);
        await admin.query(`create database "${building}"`);
        const database = await openDatabase(databaseUrl(building));
        await database.close();
        await admin.query(`alter database "${building}" rename to "${name}"`);
        // Templates of earlier migrations would pile up on a machine that runs the tests often.
        const stale = await admin.query<{ datname: string }>(
          "select datname from pg_database where datname like 'atrium\\_template\\_%' and datname <> $1",
          [name],
        );
        for (const { datname } of stale.rows)
          await admin.query(`drop database if exists "${datname}"`).catch(() => undefined);
        return name;
      } finally {
        await admin.query('select pg_advisory_unlock(hashtext($1))', [name]);
      }
    });
  })();
  return template;
}

export async function createTestDatabase(
  dialect: DialectName,
  options: TestDatabaseOptions = {},
): Promise<TestDatabase> {
  const unique = `${process.pid}_${Date.now().toString(36)}_${counter++}_${Math.random().toString(36).slice(2, 8)}`;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'atrium-db-'));
    const target = join(dir, 'atrium.db');
    return {
      dialect,
      target,
      open: () => openDatabase(target),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (!postgresUrl) throw new Error('PostgreSQL is not configured (ATRIUM_TEST_POSTGRES_URL)');
  if (options.migrated) {
    const name = `atrium_test_${unique}`;
    const from = await migratedTemplate();
    await withAdmin((admin) => admin.query(`create database "${name}" template "${from}"`));
    const target = databaseUrl(name);
    return {
      dialect,
      target,
      open: () => openDatabase(target),
      drop: () =>
        withAdmin(async (admin) => void (await admin.query(`drop database if exists "${name}" with (force)`))),
    };
  }
  const schema = `atrium_test_${unique}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`create schema "${schema}"`);
  await admin.end();
  const url = new URL(postgresUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const target = url.toString();
  return {
    dialect,
    target,
    open: () => openDatabase(target),
    drop: async () => {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    },
  };
}

/** An open database of its own for one test, closed and dropped after it (`t.after`). */
export async function openTestDatabase(
  t: { after(fn: () => Promise<void>): void },
  dialect: DialectName,
  options: TestDatabaseOptions = {},
): Promise<Database> {
  const testDb = await createTestDatabase(dialect, options);
  const database = await testDb.open();
  t.after(async () => {
    await database.close();
    await testDb.drop();
  });
  return database;
}

/**
 * An open database for the tests of the suite this is called in: opened by a `before`
 * hook, closed and dropped by an `after` hook; `database` is there from the first test on.
 */
export function useTestDatabase(
  dialect: DialectName,
  options: TestDatabaseOptions = {},
): { readonly database: Database } {
  let testDb: TestDatabase | undefined;
  let database: Database | undefined;
  before(async () => {
    testDb = await createTestDatabase(dialect, options);
    database = await testDb.open();
  });
  after(async () => {
    await database?.close();
    await testDb?.drop();
  });
  return {
    get database(): Database {
      if (!database) throw new Error('the test database opens in the suite’s before hook: use it in tests');
      return database;
    },
  };
}

/**
 * Declares the same suite once per database. Without PostgreSQL the PostgreSQL half is
 * reported as skipped, with the reason, never silently dropped.
 */
export function describeEachDatabase(title: string, body: (dialect: DialectName) => void): void {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    const skip =
      dialect === 'postgres' && !postgresUrl
        ? 'PostgreSQL unavailable: set ATRIUM_TEST_POSTGRES_URL (npm test does when it can connect)'
        : false;
    describe(`${title} [${dialect}]`, { skip }, () => body(dialect));
  }
}
