import type { Logger } from './log.ts';

/** How long a kind of line is counted before the count is logged. */
export const THROTTLE_WINDOW_MS = 10_000;

interface Window {
  /** Lines of this kind since the window opened, not logged yet. */
  count: number;
  /** The latest of them: the summary carries its fields. */
  fields: Record<string, unknown>;
  msg: string;
}

/**
 * Warnings that can come by the thousand a second (refusals while a client ignores
 * Retry-After, every request while the database is down), logged as counts: the first of a
 * kind at once, then at most one line per window saying how many more there were (`count`),
 * with the latest one's fields. A window in which none came closes the kind, so the next
 * one is logged at once again. The log stays readable and cheap however fast they come;
 * metrics count every one.
 *
 * @example
 * const refusals = new ThrottledLog(logger);
 * refusals.warn('overloaded', { component: 'http', status: 429 }, 'request refused: overloaded');
 */
export class ThrottledLog {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly logger: Logger,
    private readonly windowMs = THROTTLE_WINDOW_MS,
  ) {}

  /** Logs a line of `kind` (a small, fixed set: an error code) now, or counts it for the window's summary. */
  warn(kind: string, fields: Record<string, unknown>, msg: string): void {
    const open = this.windows.get(kind);
    if (open) {
      open.count++;
      open.fields = fields;
      open.msg = msg;
      return;
    }
    this.logger.warn({ ...fields, count: 1 }, msg);
    this.open(kind, fields, msg);
  }

  private open(kind: string, fields: Record<string, unknown>, msg: string): void {
    this.windows.set(kind, { count: 0, fields, msg });
    // Counting is no reason to keep a process alive: what a closing process counted last is in the metrics.
    setTimeout(() => this.close(kind), this.windowMs).unref();
  }

  private close(kind: string): void {
    const window = this.windows.get(kind) as Window;
    this.windows.delete(kind);
    if (window.count === 0) return;
    this.logger.warn(
      { ...window.fields, count: window.count },
      `${window.msg} (${window.count} more in the last ${this.windowMs / 1000} s)`,
    );
    this.open(kind, window.fields, window.msg);
  }
}
