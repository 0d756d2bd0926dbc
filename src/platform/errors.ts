import { classifyDatabaseError, type DatabaseFault, isDatabaseError } from './db/database-errors.ts';

/**
 * The error taxonomy every capability reports through. A category tells the caller
 * whether retrying helps and who can fix it; the code is stable (clients and tests match
 * on it); the hint says what to do next.
 */
export type ErrorCategory = 'user-fixable' | 'retryable' | 'operator-fixable' | 'fatal';

export interface AtriumErrorOptions {
  category: ErrorCategory;
  code: string;
  message: string;
  hint: string;
  /** HTTP status; defaults from the category. */
  status?: number;
  /** Seconds a retryable error asks the caller to wait. */
  retryAfter?: number;
  /** Field-level details, e.g. which query parameter was wrong. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

const defaultStatus: Record<ErrorCategory, number> = {
  'user-fixable': 400,
  retryable: 503,
  'operator-fixable': 500,
  fatal: 500,
};

/** Exit codes follow sysexits(3): 65 data error, 64 usage, 75 temporary, 78 config, 70 software. */
const exitCodes: Record<ErrorCategory, number> = {
  'user-fixable': 65,
  retryable: 75,
  'operator-fixable': 78,
  fatal: 70,
};

export const EXIT_USAGE = 64;

export class AtriumError extends Error {
  readonly category: ErrorCategory;
  readonly code: string;
  readonly hint: string;
  readonly status: number;
  readonly retryAfter?: number;
  readonly details?: Record<string, unknown>;

  constructor(options: AtriumErrorOptions) {
    super(options.message, { cause: options.cause });
    this.name = 'AtriumError';
    this.category = options.category;
    this.code = options.code;
    this.hint = options.hint;
    this.status = options.status ?? defaultStatus[options.category];
    this.retryAfter = options.retryAfter;
    this.details = options.details;
  }

  get exitCode(): number {
    return exitCodes[this.category];
  }
}

/** A usage error on the command line: exit 64 instead of 65. */
export class UsageError extends AtriumError {
  constructor(message: string, hint: string) {
    super({ category: 'user-fixable', code: 'usage', message, hint });
    this.name = 'UsageError';
  }

  override get exitCode(): number {
    return EXIT_USAGE;
  }
}

/** Socket and resolver codes of a dependency that is down or cannot be reached: retrying later helps. */
export const TRANSIENT_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EPIPE',
]);

/** Whether `err` says a dependency is down, overloaded or busy (network, SQLite, PostgreSQL), so retrying helps. */
export function isTransient(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  if (TRANSIENT_ERROR_CODES.has(String((err as { code?: unknown }).code))) return true;
  return classifyDatabaseError(err) === 'retryable';
}

/**
 * A database fault that is not a bug, as the taxonomy's error. Its message and hint are
 * plain: they reach clients, so they name no database, schema, table, user or host (the
 * driver's error is the cause, which the log carries in full).
 */
function databaseFault(fault: DatabaseFault, cause: unknown): AtriumError {
  if (fault === 'retryable') {
    return new AtriumError({
      category: 'retryable',
      code: 'dependency-unavailable',
      message: 'The database is unavailable or busy',
      hint: 'Retry after Retry-After seconds (a write with the same Idempotency-Key is applied once).',
      retryAfter: 1,
      cause,
    });
  }
  return new AtriumError({
    category: 'operator-fixable',
    code: 'database-unavailable',
    message: 'The database is not set up as Atrium needs it',
    hint: 'An operator must act: the log of this request says what the database answered.',
    status: 503,
    cause,
  });
}

/**
 * Anything thrown that is not an AtriumError is a bug until proven otherwise, unless a
 * dependency is merely down or the database is not set up as configured.
 */
export function toAtriumError(err: unknown): AtriumError {
  if (err instanceof AtriumError) return err;
  const fault = classifyDatabaseError(err);
  if (fault) return databaseFault(fault, err);
  if (isTransient(err)) {
    return new AtriumError({
      category: 'retryable',
      code: 'dependency-unavailable',
      message: 'A dependency is unavailable',
      hint: 'Retry shortly; if it persists, check the database.',
      retryAfter: 1,
      cause: err,
    });
  }
  // A query the database refused is a bug too, but its text may name tables and values: that stays in the log.
  const message = isDatabaseError(err)
    ? 'the database refused a query'
    : err instanceof Error
      ? err.message
      : String(err);
  return new AtriumError({
    category: 'fatal',
    code: 'internal',
    message: `Unexpected failure: ${message}`,
    hint: 'This is a bug in Atrium. Report it with the log line that carries this requestId or stack.',
    cause: err,
  });
}
