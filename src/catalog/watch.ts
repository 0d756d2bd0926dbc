import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from '../platform/log.ts';

export interface WatchOptions {
  /** Quiet time after the last change before syncing: editors write files in bursts. */
  debounceMs?: number;
  /** A full re-sync at this interval catches anything the file watcher missed. */
  rescanMs?: number;
  logger: Logger;
}

/**
 * Runs `sync` whenever something under `dir` changes, never two at once: a change during
 * a sync schedules exactly one more sync after it.
 */
export function watchCatalog(dir: string, sync: () => Promise<void>, options: WatchOptions): { close(): Promise<void> } {
  const debounceMs = options.debounceMs ?? 100;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;

  const run = (): void => {
    timer = undefined;
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = sync()
      .catch((err: unknown) => options.logger.error({ component: 'catalog-watch', err }, 'catalog sync failed'))
      .finally(() => {
        running = undefined;
        if (again && !closed) {
          again = false;
          schedule();
        }
      });
  };
  const schedule = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(run, debounceMs);
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { recursive: true }, (_event, file) => {
      // Our own database may live under the catalog root (the default .atrium/); ignore dot-paths.
      if (file && String(file).split(/[\\/]/).some((part) => part.startsWith('.') || part === 'node_modules')) return;
      schedule();
    });
    watcher.on('error', (err) => options.logger.warn({ component: 'catalog-watch', err }, 'file watcher failed; relying on periodic rescans'));
  } catch (err) {
    options.logger.warn({ component: 'catalog-watch', err }, 'cannot watch the catalog; relying on periodic rescans');
  }
  const rescan = setInterval(schedule, options.rescanMs ?? 60_000);
  rescan.unref();

  return {
    async close() {
      closed = true;
      watcher?.close();
      clearInterval(rescan);
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
