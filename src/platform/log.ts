import { pino, type Logger, type DestinationStream } from 'pino';

/**
 * JSON lines with one fixed vocabulary of field names, no synonyms:
 * time, level, msg, component, requestId, method, path, status, durationMs, entityRef, err.
 */
export type { Logger };

export interface LogOptions {
  level?: string;
  /** Where lines go; the CLI sends them to stderr so stdout stays for results. */
  destination?: DestinationStream | NodeJS.WritableStream;
  /**
   * Write to stderr asynchronously (the default destination only): a line written while a
   * write is under way goes out with the next one, instead of one blocking write per
   * request. What a server wants; pino flushes what is left when the process exits.
   */
  buffered?: boolean;
}

export function createLogger(options: LogOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.ATRIUM_LOG_LEVEL ?? 'info',
      base: undefined,
      messageKey: 'msg',
      errorKey: 'err',
      // An Error in full (type, message, stack); a BriefError as it is, without the empty stack pino would add.
      serializers: { err: (err: unknown) => (err instanceof Error ? pino.stdSerializers.err(err) : err) },
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    (options.destination ??
      (options.buffered ? pino.destination({ dest: 2, sync: false }) : process.stderr)) as DestinationStream,
  );
}

/** A logger that drops everything: for tests and pure code paths that accept a logger. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** An error as a log line's `err` without stacks: for expected failures, whose stack says nothing. */
export interface BriefError {
  type: string;
  message: string;
  code?: string;
  cause?: BriefError;
}

/**
 * `err` without its stack (or its cause's): type, message, code, and the cause that says
 * what a dependency answered (`connect ECONNREFUSED 127.0.0.1:5432`). Formatting a stack
 * is the dearest part of logging an error, and for a refusal or an outage it is the same
 * useless stack every time.
 */
export function briefError(err: unknown, depth = 0): BriefError {
  if (!(err instanceof Error)) return { type: typeof err, message: String(err) };
  const code = (err as { code?: unknown }).code;
  return {
    type: err.name,
    message: err.message,
    ...(typeof code === 'string' ? { code } : {}),
    // Two levels say what failed and why; a longer chain is a bug's, and bugs are logged in full.
    ...(err.cause !== undefined && depth < 1 ? { cause: briefError(err.cause, depth + 1) } : {}),
  };
}
