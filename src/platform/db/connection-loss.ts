import {
  PostgresDialect,
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import { AtriumError } from '../errors.ts';
import { CONNECTION_LOST_MESSAGES } from './database-errors.ts';

/**
 * PostgreSQL error codes of a server that is gone, going or not taking connections
 * (class 08 connection exceptions, 57P0x shutdowns, too many connections), and the socket
 * codes of a connection cut on the way.
 */
const CONNECTION_LOSS_CODES = new Set([
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01', // admin_shutdown: pg_terminate_backend, a fast shutdown, a failover
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or in recovery
  '53300', // too_many_connections
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** Whether `err` says the database went away or cannot be reached (not that a query was wrong). */
export function isConnectionLoss(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  if (CONNECTION_LOSS_CODES.has(String((err as { code?: unknown }).code))) return true;
  return err instanceof Error && CONNECTION_LOST_MESSAGES.test(err.message);
}

/**
 * The error every query, transaction and connection wait rejects with while the database is
 * unreachable: the documented `dependency-unavailable` (HTTP 503, Retry-After 1, exit 75),
 * with no database internals in its message; the driver's own error is its cause, for the log.
 */
export function databaseUnavailable(cause: unknown): AtriumError {
  return new AtriumError({
    category: 'retryable',
    code: 'dependency-unavailable',
    message: 'The connection to the database was lost or could not be made',
    hint: 'Retry after Retry-After seconds (a write with the same Idempotency-Key is applied once); Atrium reconnects by itself once the database answers.',
    retryAfter: 1,
    cause,
  });
}

/** Whether `err` is the error of `databaseUnavailable`. */
export function isDatabaseUnavailable(err: unknown): err is AtriumError {
  return err instanceof AtriumError && err.code === 'dependency-unavailable' && isConnectionLoss(err.cause);
}

function reported<T>(work: Promise<T>): Promise<T> {
  return work.catch((err: unknown) => {
    throw isConnectionLoss(err) ? databaseUnavailable(err) : err;
  });
}

/** A connection of the driver below, whose failures are reported. */
class ReportingConnection implements DatabaseConnection {
  constructor(readonly inner: DatabaseConnection) {}

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    return reported(this.inner.executeQuery<R>(compiledQuery));
  }

  streamQuery<R>(compiledQuery: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(compiledQuery, chunkSize);
  }
}

const inner = (connection: DatabaseConnection) => (connection as ReportingConnection).inner;

/**
 * Kysely's PostgreSQL driver, with a lost or unreachable server reported as
 * `databaseUnavailable` wherever it shows: acquiring a connection, a query, a transaction's
 * begin, commit or rollback. The driver's own connection (which Kysely releases and marks
 * for discard through private methods) is what the driver below gets back. Atrium uses no
 * savepoints, so this driver has none (Kysely then refuses them plainly).
 */
class ReportingDriver implements Driver {
  constructor(private readonly driver: Driver) {}

  init(): Promise<void> {
    return reported(this.driver.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new ReportingConnection(await reported(this.driver.acquireConnection()));
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return reported(this.driver.beginTransaction(inner(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return reported(this.driver.commitTransaction(inner(connection)));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return reported(this.driver.rollbackTransaction(inner(connection)));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.driver.releaseConnection(inner(connection));
  }

  destroy(): Promise<void> {
    return this.driver.destroy();
  }
}

/** PostgresDialect whose driver reports connection loss as `databaseUnavailable`. */
export class ConnectionLossDialect extends PostgresDialect {
  override createDriver(): Driver {
    return new ReportingDriver(super.createDriver());
  }
}
