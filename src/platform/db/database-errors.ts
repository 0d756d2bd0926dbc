/**
 * Which database faults are not bugs, and who can fix them. A database error that is
 * neither is left unclassified (a wrong query is a bug in Atrium).
 *
 * - `retryable`: the database is down, starting, overloaded, or a transaction lost a race;
 *   the same request later may well succeed.
 * - `operator-fixable`: the database is there but not as configured: it does not exist,
 *   refuses the credentials, lacks Atrium's tables (migrations not run) or the rights to
 *   them, or (SQLite) cannot be opened, written or read back.
 */
export type DatabaseFault = 'retryable' | 'operator-fixable';

/** PostgreSQL SQLSTATE classes (first two characters) that are retryable as a whole. */
const RETRYABLE_PG_CLASSES = new Set([
  '08', // connection exception
  '53', // insufficient resources: too many connections, out of memory or disk
]);

/** PostgreSQL SQLSTATEs that are retryable one by one. */
const RETRYABLE_PG_CODES = new Set([
  '57P01', // admin_shutdown: pg_terminate_backend, a fast shutdown, a failover
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up, shutting down, in recovery
  '57P05', // idle_session_timeout
  '55006', // object_in_use: e.g. the database is being accessed by other users
  // Neither is retried inside Atrium (the change store and the sync run their own
  // transactions once): the client retries, with its Idempotency-Key.
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

/**
 * 55000 (object_not_in_prerequisite_state) is retryable when it means the server takes no
 * connections yet ("the database system is not accepting connections"); otherwise it is a
 * misuse of an object, i.e. a bug.
 */
const NOT_ACCEPTING_CONNECTIONS = /not accepting connections/i;

/** PostgreSQL SQLSTATE classes an operator must fix. */
const OPERATOR_PG_CLASSES = new Set([
  '28', // invalid authorization specification: wrong user or password, pg_hba.conf
]);

/** PostgreSQL SQLSTATEs an operator must fix. */
const OPERATOR_PG_CODES = new Set([
  '3D000', // invalid_catalog_name: the database does not exist
  '57P04', // database_dropped: it was dropped under a live connection; no retry brings it back
  '3F000', // invalid_schema_name: the schema of the URL's search_path does not exist
  '42P01', // undefined_table: migrations not run, or the tables were dropped
  '42501', // insufficient_privilege
]);

/** node-postgres reports a lost connection, a dead client and a pool wait timeout without a code. */
export const CONNECTION_LOST_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

/** SQLite primary result codes; better-sqlite3 reports extended ones as `<primary>_<detail>`. */
const RETRYABLE_SQLITE = ['SQLITE_BUSY', 'SQLITE_LOCKED'];
const OPERATOR_SQLITE = [
  'SQLITE_CANTOPEN',
  'SQLITE_READONLY',
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
  'SQLITE_FULL',
  'SQLITE_IOERR',
  'SQLITE_PERM',
  'SQLITE_AUTH',
];

/** SQLite's "table missing" is a plain SQLITE_ERROR: the same fault as PostgreSQL's 42P01. */
const SQLITE_NO_TABLE = /^no such table: /;

const isSqlite = (code: string, primaries: string[]) =>
  primaries.some((primary) => code === primary || code.startsWith(`${primary}_`));

/**
 * Whether `err` is SQLite's "another connection holds the lock" (SQLITE_BUSY, or an extended
 * code of it: _SNAPSHOT, _RECOVERY, _TIMEOUT): a statement outside a transaction that
 * fails so did nothing, and may run again.
 */
export function isSqliteBusy(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && isSqlite(code, ['SQLITE_BUSY']);
}

/**
 * The fault `err` reports, if it is a database fault that is not a bug. Socket errors are
 * not database faults as such (any dependency has them): see `isTransient` in errors.ts.
 */
export function classifyDatabaseError(err: unknown): DatabaseFault | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const raw = (err as { code?: unknown }).code;
  const code = typeof raw === 'string' ? raw : '';
  const message = err instanceof Error ? err.message : '';
  if (code.startsWith('SQLITE_')) {
    if (isSqlite(code, RETRYABLE_SQLITE)) return 'retryable';
    if (isSqlite(code, OPERATOR_SQLITE)) return 'operator-fixable';
    return code === 'SQLITE_ERROR' && SQLITE_NO_TABLE.test(message) ? 'operator-fixable' : undefined;
  }
  if (/^[0-9A-Z]{5}$/.test(code)) {
    const pgClass = code.slice(0, 2);
    if (RETRYABLE_PG_CLASSES.has(pgClass) || RETRYABLE_PG_CODES.has(code)) return 'retryable';
    if (code === '55000' && NOT_ACCEPTING_CONNECTIONS.test(message)) return 'retryable';
    if (OPERATOR_PG_CLASSES.has(pgClass) || OPERATOR_PG_CODES.has(code)) return 'operator-fixable';
    return undefined;
  }
  return CONNECTION_LOST_MESSAGES.test(message) ? 'retryable' : undefined;
}

/**
 * Whether `err` is an error the database itself answered (a PostgreSQL SQLSTATE with its
 * severity, or a SQLite result code), whose message may name tables, columns or values.
 */
export function isDatabaseError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, severity } = err as { code?: unknown; severity?: unknown };
  if (typeof code !== 'string') return false;
  return code.startsWith('SQLITE_') || (/^[0-9A-Z]{5}$/.test(code) && typeof severity === 'string');
}
