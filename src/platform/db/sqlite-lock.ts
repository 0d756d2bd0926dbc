import { setTimeout as delay } from 'node:timers/promises';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SqliteDialect,
  type SqliteDialectConfig,
} from 'kysely';
import { isSqliteBusy } from './database-errors.ts';
import { LOCK_BACKOFF, type LockBackoffPolicy, lockBackoff } from './lock-backoff.ts';

/** How a connection waits for SQLite's lock: the policy, and the clock and sleep (injected by tests). */
export interface LockWait {
  policy: LockBackoffPolicy;
  sleep(ms: number): Promise<void>;
  /** Monotonic milliseconds. */
  now(): number;
  /** In [0, 1): the jitter. */
  random(): number;
}

export const REAL_LOCK_WAIT: LockWait = {
  policy: LOCK_BACKOFF,
  sleep: (ms) => delay(ms),
  now: () => performance.now(),
  random: Math.random,
};

/**
 * Runs `attempt` until it does not fail with SQLITE_BUSY, waiting between tries without
 * holding the event loop; past the policy's deadline the last SQLITE_BUSY is thrown (which
 * the error taxonomy answers as 503 `dependency-unavailable` with Retry-After).
 */
async function waitingForLock<T>(attempt: () => Promise<T>, wait: LockWait): Promise<T> {
  const started = wait.now();
  for (let failures = 1; ; failures++) {
    try {
      return await attempt();
    } catch (err) {
      if (!isSqliteBusy(err)) throw err;
      const ms = lockBackoff(wait.policy, failures, wait.now() - started, wait.random());
      if (ms === undefined) throw err;
      await wait.sleep(ms);
    }
  }
}

/** SQLite: a COMMIT that met a lock leaves its transaction open, and may be run again. */
const COMMIT = /^\s*(commit|end)(\s+transaction)?\s*;?\s*$/i;

export interface SqliteLockDialectConfig extends SqliteDialectConfig {
  /** Whether the connection is inside a transaction (better-sqlite3's `inTransaction`). */
  inTransaction(): boolean;
  wait: LockWait;
}

/**
 * A connection whose statements that meet another connection's lock are tried again later.
 * Only where SQLite says that is safe: outside a transaction (a statement that failed so
 * did nothing; this includes BEGIN IMMEDIATE) and at COMMIT. Inside a transaction no
 * statement waits: transactions begin IMMEDIATE, taking the write lock up front, so in WAL
 * mode nothing after BEGIN meets it (and if one did, its transaction rolls back and fails
 * as busy, never half-applied).
 */
class LockWaitingConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly config: SqliteLockDialectConfig,
  ) {}

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    if (this.config.inTransaction() && !COMMIT.test(compiledQuery.sql))
      return this.inner.executeQuery<R>(compiledQuery);
    return waitingForLock(() => this.inner.executeQuery<R>(compiledQuery), this.config.wait);
  }

  streamQuery<R>(compiledQuery: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(compiledQuery, chunkSize);
  }
}

const inner = (connection: DatabaseConnection) => (connection as LockWaitingConnection).inner;

/**
 * Kysely's SQLite driver with transactions begun IMMEDIATE (Kysely's plain BEGIN is
 * deferred: the lock would be met at the first write, after reads, where SQLite forbids
 * retrying the statement and a stale snapshot gives SQLITE_BUSY_SNAPSHOT) and every
 * statement's wait for the lock made off the event loop. Atrium uses no savepoints, so
 * this driver has none (Kysely then refuses them plainly).
 */
class LockWaitingDriver implements Driver {
  constructor(
    private readonly driver: Driver,
    private readonly config: SqliteLockDialectConfig,
  ) {}

  init(): Promise<void> {
    return this.driver.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new LockWaitingConnection(await this.driver.acquireConnection(), this.config);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.driver.rollbackTransaction(inner(connection));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.driver.releaseConnection(inner(connection));
  }

  destroy(): Promise<void> {
    return this.driver.destroy();
  }
}

/**
 * SqliteDialect for a connection opened with busy_timeout 0: it never waits for a lock on
 * the event loop (better-sqlite3 is synchronous, so SQLite's busy timeout would stall every
 * request), but retries asynchronously with backoff up to a deadline (`LockWait`).
 */
export class SqliteLockDialect extends SqliteDialect {
  constructor(private readonly lockConfig: SqliteLockDialectConfig) {
    super(lockConfig);
  }

  override createDriver(): Driver {
    return new LockWaitingDriver(super.createDriver(), this.lockConfig);
  }
}
