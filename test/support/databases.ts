import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'node:test';
import pg from 'pg';
import { openDatabase, type Database, type DialectName } from '../../src/platform/db/connect.ts';

/**
 * Every store test runs on SQLite and on PostgreSQL. Each test gets a database of its
 * own: a fresh SQLite file, or a fresh PostgreSQL schema (selected through the
 * connection's startup options, so nothing depends on session state), dropped afterwards.
 * Runs twice or in parallel never collide.
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

export async function createTestDatabase(dialect: DialectName): Promise<TestDatabase> {
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
