import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { classifyDatabaseError, type DatabaseFault, isDatabaseError, isSqliteBusy } from './database-errors.ts';

/** An error as node-postgres builds it from the server's ErrorResponse. */
function pgError(code: string, message: string): pg.DatabaseError {
  const err = new pg.DatabaseError(message, message.length, 'error');
  err.code = code;
  err.severity = 'ERROR';
  return err;
}

const postgres: [code: string, message: string, want: DatabaseFault | undefined][] = [
  // Connection and availability: retryable.
  ['08000', 'connection exception', 'retryable'],
  ['08001', 'could not connect to server', 'retryable'],
  ['08003', 'connection does not exist', 'retryable'],
  ['08004', 'server rejected the connection', 'retryable'],
  ['08006', 'connection failure', 'retryable'],
  ['08P01', 'protocol violation', 'retryable'],
  ['57P01', 'terminating connection due to administrator command', 'retryable'],
  ['57P02', 'terminating connection because of crash of another server process', 'retryable'],
  ['57P03', 'the database system is starting up', 'retryable'],
  ['57P05', 'terminating connection due to idle-session timeout', 'retryable'],
  ['53000', 'insufficient resources', 'retryable'],
  ['53100', 'could not extend file: No space left on device', 'retryable'],
  ['53200', 'out of memory', 'retryable'],
  ['53300', 'sorry, too many clients already', 'retryable'],
  ['55000', 'the database system is not accepting connections', 'retryable'],
  ['55006', 'database "atrium" is being accessed by other users', 'retryable'],
  ['40001', 'could not serialize access due to concurrent update', 'retryable'],
  ['40P01', 'deadlock detected', 'retryable'],
  // Configuration: an operator must act.
  ['3D000', 'database "atrium_prod" does not exist', 'operator-fixable'],
  ['57P04', 'terminating connection because the database was dropped', 'operator-fixable'],
  ['3F000', 'schema "tenant_a" does not exist', 'operator-fixable'],
  ['28000', 'no pg_hba.conf entry for host "10.0.0.5", user "atrium"', 'operator-fixable'],
  ['28P01', 'password authentication failed for user "atrium"', 'operator-fixable'],
  ['42P01', 'relation "entities" does not exist', 'operator-fixable'],
  ['42501', 'permission denied for table entities', 'operator-fixable'],
  // Anything else is a bug in Atrium's query or a state it should not reach.
  ['55000', 'cannot execute nextval() in a read-only transaction', undefined],
  ['42703', 'column "nmae" does not exist', undefined],
  ['42601', 'syntax error at or near "selec"', undefined],
  ['23505', 'duplicate key value violates unique constraint "entities_pkey"', undefined],
  ['22P02', 'invalid input syntax for type integer', undefined],
  ['57014', 'canceling statement due to statement timeout', undefined],
];

const sqlite: [code: string, message: string, want: DatabaseFault | undefined][] = [
  ['SQLITE_BUSY', 'database is locked', 'retryable'],
  ['SQLITE_BUSY_SNAPSHOT', 'database is locked', 'retryable'],
  ['SQLITE_LOCKED', 'database table is locked', 'retryable'],
  ['SQLITE_LOCKED_SHAREDCACHE', 'database table is locked', 'retryable'],
  ['SQLITE_CANTOPEN', 'unable to open database file', 'operator-fixable'],
  ['SQLITE_READONLY', 'attempt to write a readonly database', 'operator-fixable'],
  ['SQLITE_READONLY_DBMOVED', 'attempt to write a readonly database', 'operator-fixable'],
  ['SQLITE_CORRUPT', 'database disk image is malformed', 'operator-fixable'],
  ['SQLITE_NOTADB', 'file is not a database', 'operator-fixable'],
  ['SQLITE_FULL', 'database or disk is full', 'operator-fixable'],
  ['SQLITE_IOERR_WRITE', 'disk I/O error', 'operator-fixable'],
  ['SQLITE_ERROR', 'no such table: entities', 'operator-fixable'],
  ['SQLITE_ERROR', 'no such column: nmae', undefined],
  ['SQLITE_CONSTRAINT_PRIMARYKEY', 'UNIQUE constraint failed: entities.ref', undefined],
  ['SQLITE_MISMATCH', 'datatype mismatch', undefined],
];

describe('classifyDatabaseError', () => {
  for (const [code, message, want] of postgres) {
    test(`PostgreSQL ${code} (${message}) is ${want ?? 'a bug'}`, () => {
      assert.equal(classifyDatabaseError(pgError(code, message)), want);
      assert.equal(isDatabaseError(pgError(code, message)), true);
    });
  }
  for (const [code, message, want] of sqlite) {
    test(`SQLite ${code} (${message}) is ${want ?? 'a bug'}`, () => {
      assert.equal(classifyDatabaseError(new SQLite.SqliteError(message, code)), want);
      assert.equal(isDatabaseError(new SQLite.SqliteError(message, code)), true);
    });
  }

  const coded = (code: string, message: string) => Object.assign(new Error(message), { code });
  const lost: [what: string, err: unknown][] = [
    ['a connection node-postgres lost', new Error('Connection terminated unexpectedly')],
    ['a pool wait that timed out', new Error('timeout exceeded when trying to connect')],
    ['a client that had already failed', new Error('Client has encountered a connection error and is not queryable')],
  ];
  for (const [what, err] of lost) {
    test(`${what} is retryable`, () => assert.equal(classifyDatabaseError(err), 'retryable'));
  }

  const notDatabase: [what: string, err: unknown][] = [
    ['a TypeError', new TypeError('x is undefined')],
    ['a socket error (any dependency has them)', coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['a Node error code', coded('ERR_INVALID_ARG_TYPE', 'bad argument')],
    ['a string', '3D000'],
    ['null', null],
    ['undefined', undefined],
    ['an object with a numeric code', { code: 53300 }],
  ];
  for (const [what, err] of notDatabase) {
    test(`${what} is not a database fault`, () => {
      assert.equal(classifyDatabaseError(err), undefined);
      assert.equal(isDatabaseError(err), false);
    });
  }
});

describe('isSqliteBusy', () => {
  const busy = ['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_BUSY_TIMEOUT'];
  for (const code of busy) {
    test(`${code} is the lock held elsewhere`, () => {
      assert.equal(isSqliteBusy(new SQLite.SqliteError('database is locked', code)), true);
    });
  }
  const other: [what: string, err: unknown][] = [
    [
      'SQLITE_LOCKED (a conflict inside this connection, not another process)',
      new SQLite.SqliteError('locked', 'SQLITE_LOCKED'),
    ],
    ['a code that only starts alike', new SQLite.SqliteError('x', 'SQLITE_BUSYNESS')],
    ['PostgreSQL 55P03 (lock_not_available)', pgError('55P03', 'could not obtain lock')],
    ['a message without a code', new Error('database is locked')],
    ['a numeric code', { code: 5 }],
    ['null', null],
    ['a string', 'SQLITE_BUSY'],
  ];
  for (const [what, err] of other) {
    test(`${what} is not`, () => assert.equal(isSqliteBusy(err), false));
  }
});
