import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, sql, type SqliteDatabase, type SqliteStatement } from 'kysely';
import pg from 'pg';
import { AtriumError, isTransient } from '../errors.ts';
import { ConnectionLossDialect, isDatabaseUnavailable } from './connection-loss.ts';
import { rowsStatementWidth } from './bulk-insert.ts';
import { migrate } from './migrations.ts';
import { type LockWait, REAL_LOCK_WAIT, SqliteLockDialect } from './sqlite-lock.ts';
import type { Schema } from './schema.ts';

export type DialectName = 'sqlite' | 'postgres';

export interface Database {
  /** For writes (and reads that must see this process's own uncommitted work). */
  db: Kysely<Schema>;
  /**
   * For reads. On SQLite a second, read-only connection: Kysely serialises everything on
   * one connection, so without it every API read would wait for a sync's transaction;
   * WAL lets it read the last committed state meanwhile. On PostgreSQL the same pool.
   */
  read: Kysely<Schema>;
  dialect: DialectName;
  /** Where it points, without credentials, for logs and messages. */
  describe: string;
  close(): Promise<void>;
}

export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

// PostgreSQL returns bigint (count(*)) as text by default; our counts fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/**
 * Opens the database named by a SQLite file path or a postgres:// URL and brings its
 * schema up to date. PostgreSQL is used with unnamed statements and no session state,
 * so it is safe behind PgBouncer in transaction mode.
 */
export async function openDatabase(
  target: string,
  options: {
    migrate?: boolean;
    /** Told once per outage (PostgreSQL) that connections to the database are being lost. */
    onConnectionLost?: (err: Error) => void;
    /** SQLite: how statements wait for another process's lock (tests inject a clock and a sleep). */
    lockWait?: Partial<LockWait>;
  } = {},
): Promise<Database> {
  let database: Database;
  const wait: LockWait = { ...REAL_LOCK_WAIT, ...options.lockWait };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target) && !isPostgresUrl(target)) {
    throw new AtriumError({
      category: 'operator-fixable',
      code: 'database-unsupported',
      message: `${target.split('://')[0]}:// databases are not supported`,
      hint: 'Use a SQLite file path or a postgres:// URL.',
    });
  }
  if (isPostgresUrl(target)) {
    const pool = new pg.Pool({ connectionString: target, max: 10, connectionTimeoutMillis: 5000 });
    // A client whose server connection dies (restart, failover, pg_terminate_backend, a cut
    // proxy) emits 'error': on the pool while idle, on the client itself while checked out.
    // Unheard, either would kill the process. The pool drops such a client by itself; its
    // query in flight rejects, and the next one opens a new connection.
    let lost = false;
    const connectionLost = (err: Error) => {
      if (lost) return;
      lost = true;
      options.onConnectionLost?.(err);
    };
    pool.on('error', connectionLost);
    pool.on('connect', (client) => {
      // A new connection made: the database is back, so its next loss is worth telling.
      lost = false;
      client.on('error', connectionLost);
    });
    const db = new Kysely<Schema>({ dialect: new ConnectionLossDialect({ pool }) });
    database = { db, read: db, dialect: 'postgres', describe: redact(target), close: () => db.destroy() };
  } else {
    let sqlite: SQLite.Database;
    try {
      if (target !== ':memory:') mkdirSync(dirname(target), { recursive: true });
      sqlite = new SQLite(target);
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('synchronous = NORMAL');
      sqlite.pragma('foreign_keys = ON');
      // 16 MiB of page cache (default 2 MiB): index building on a cold sync of a large catalog needs it.
      sqlite.pragma('cache_size = -16384');
      // better-sqlite3's default 5 s busy timeout served the pragmas above (before anything is
      // served); from here on no statement waits for a lock on the event loop: SqliteLockDialect
      // waits between its turns instead.
      sqlite.pragma('busy_timeout = 0');
    } catch (err) {
      throw new AtriumError({
        category: 'operator-fixable',
        code: 'database-unavailable',
        message: `Cannot open SQLite database ${target}: ${(err as Error).message}`,
        hint: 'Check that the directory is writable, or pass --database with another path or a postgres:// URL.',
        cause: err,
      });
    }
    const db = new Kysely<Schema>({ dialect: lockWaiting(sqlite, wait) });
    database = { db, read: db, dialect: 'sqlite', describe: target, close: () => db.destroy() };
  }
  if (options.migrate !== false) {
    try {
      // A round trip first, so an unreachable server is reported as such, not as a failed migration.
      await sql`select 1`.execute(database.db);
      await migrate(database.db, database.dialect);
      if (database.dialect === 'sqlite' && target !== ':memory:') database = withReadConnection(database, target, wait);
    } catch (err) {
      await database.close().catch(() => {});
      if (err instanceof AtriumError && !isDatabaseUnavailable(err)) throw err;
      // A database that is down or not yet up is worth retrying; anything else needs an operator.
      const transient = isDatabaseUnavailable(err) || isTransient(err);
      const cause = isDatabaseUnavailable(err) ? err.cause : err;
      throw new AtriumError({
        category: transient ? 'retryable' : 'operator-fixable',
        code: 'database-unavailable',
        message: `Cannot prepare the database at ${database.describe}: ${(cause as Error).message}`,
        hint:
          database.dialect === 'postgres'
            ? 'Check that PostgreSQL is running and the URL (host, port, database, user) is right.'
            : 'Check the file path and permissions.',
        cause,
      });
    }
  }
  return database;
}

/**
 * A Kysely dialect over `connection` (opened with busy_timeout 0) whose statements wait for
 * another connection's lock off the event loop, and whose transactions take the write lock
 * at BEGIN.
 */
function lockWaiting(connection: SQLite.Database, wait: LockWait): SqliteLockDialect {
  return new SqliteLockDialect({
    database: reusingStatements(connection),
    inTransaction: () => connection.inTransaction,
    wait,
  });
}

function withReadConnection(database: Database, target: string, wait: LockWait): Database {
  // WAL readers are not blocked by writers, but can meet a lock briefly (a checkpoint that
  // resets the log, recovery after a crash): they wait off the event loop too.
  const reader = new SQLite(target, { readonly: true, fileMustExist: true, timeout: 0 });
  const read = new Kysely<Schema>({ dialect: lockWaiting(reader, wait) });
  return { ...database, read, close: async () => void (await Promise.all([read.destroy(), database.db.destroy()])) };
}

/** Distinct SQL texts whose prepared statements are kept per connection. */
const STATEMENTS_KEPT = 1_000;

/**
 * A SQLite connection that prepares each distinct SQL text once. Kysely asks the driver to
 * prepare every statement on every call, which cost a page render about as much as running
 * its queries. Kept statements are only ever run to completion (`all`/`run`; Atrium never
 * streams), so sharing one between calls is safe; SQLite re-prepares them itself after a
 * schema change.
 */
export function reusingStatements(connection: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => connection.close(),
    prepare(text: string) {
      let statement = statements.get(text);
      if (statement) {
        statements.delete(text); // most recently used last
      } else {
        const width = rowsStatementWidth(text);
        statement = width === undefined ? connection.prepare(text) : eachRow(connection.prepare(text), width);
        if (statements.size >= STATEMENTS_KEPT) statements.delete(statements.keys().next().value as string);
      }
      statements.set(text, statement);
      return statement;
    },
  };
}

/**
 * A one-row statement run once per row of the parameters it is given (bulk-insert.ts's
 * SQLite form): one call through Kysely for thousands of rows, each stored by the same
 * prepared statement, in the caller's transaction.
 */
function eachRow(statement: SQLite.Statement, width: number): SqliteStatement {
  return {
    reader: false,
    all: () => {
      throw new Error('a statement run per row returns no rows');
    },
    iterate: () => {
      throw new Error('a statement run per row returns no rows');
    },
    run(parameters) {
      let changes = 0;
      let lastInsertRowid: number | bigint = 0;
      for (let i = 0; i < parameters.length; i += width) {
        const result = statement.run(parameters.slice(i, i + width));
        changes += result.changes;
        lastInsertRowid = result.lastInsertRowid;
      }
      return { changes, lastInsertRowid };
    },
  };
}
