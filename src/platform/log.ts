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
