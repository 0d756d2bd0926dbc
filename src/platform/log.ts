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
    (options.destination ?? process.stderr) as DestinationStream,
  );
}

/** A logger that drops everything: for tests and pure code paths that accept a logger. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
