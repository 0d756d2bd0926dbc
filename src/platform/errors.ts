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

/**
 * Error codes of a dependency that is down, overloaded or busy (network, SQLite, PostgreSQL):
 * retrying later helps, so they are `retryable`, not bugs.
 */
export const TRANSIENT_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'EPIPE',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  '57P01', // admin_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

/** node-postgres reports a lost connection and a pool wait timeout without a code. */
const TRANSIENT_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

export function isTransient(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  if (TRANSIENT_ERROR_CODES.has(String((err as { code?: unknown }).code))) return true;
  return err instanceof Error && TRANSIENT_MESSAGES.test(err.message);
}

/** Anything thrown that is not an AtriumError is a bug until proven otherwise, unless a dependency is merely down. */
export function toAtriumError(err: unknown): AtriumError {
  if (err instanceof AtriumError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (isTransient(err)) {
    return new AtriumError({
      category: 'retryable',
      code: 'dependency-unavailable',
      message: `A dependency is unavailable: ${message}`,
      hint: 'Retry shortly; if it persists, check the database.',
      retryAfter: 1,
      cause: err,
    });
  }
  return new AtriumError({
    category: 'fatal',
    code: 'internal',
    message: `Unexpected failure: ${message}`,
    hint: 'This is a bug in Atrium. Report it with the log line that carries this requestId or stack.',
    cause: err,
  });
}
