import { watch, type FSWatcher } from 'node:fs';
import { join, posix } from 'node:path';
import type { Logger } from '../platform/log.ts';

export interface WatchOptions {
  /** Quiet time after the last change before syncing: editors write files in bursts. */
  debounceMs?: number;
  /** A full re-sync at this interval catches anything the file watcher missed. */
  rescanMs?: number;
  /** The files already read (a first sync has run): watching starts from them, with no sync. */
  initialFiles?: Iterable<string>;
  logger: Logger;
}

/**
 * Runs `sync` whenever a file the catalog reads may have changed, never two syncs at once:
 * a change during a sync schedules exactly one more sync after it.
 *
 * It watches the directories of the files the catalog reached (and their parents up to
 * the root), not the whole tree: a catalog root is often a monorepo checkout, and Node's
 * recursive watcher would walk `.git` and `node_modules` and spend one inotify watch per
 * file there. `sync` returns the root-relative files it read; the set is renewed after
 * every sync, and the periodic rescan covers what appears where nothing was watched.
 */
export function watchCatalog(
  rootDir: string,
  sync: () => Promise<Iterable<string>>,
  options: WatchOptions,
): { close(): Promise<void> } {
  const debounceMs = options.debounceMs ?? 100;
  const watchers = new Map<string, FSWatcher>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;

  const schedule = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(run, debounceMs);
  };

  const watchDirectories = (files: Iterable<string>): void => {
    const wanted = new Set<string>(['.']);
    for (const file of files) {
      for (let dir = posix.dirname(file); dir !== '.' && !wanted.has(dir); dir = posix.dirname(dir)) wanted.add(dir);
    }
    for (const [dir, watcher] of watchers) {
      if (!wanted.has(dir)) {
        watcher.close();
        watchers.delete(dir);
      }
    }
    for (const dir of wanted) {
      if (watchers.has(dir)) continue;
      try {
        const watcher = watch(join(rootDir, dir), schedule);
        watcher.on('error', () => {
          watcher.close();
          watchers.delete(dir);
        });
        watchers.set(dir, watcher);
      } catch (err) {
        options.logger.debug({ component: 'catalog-watch', err }, `cannot watch ${dir}; the periodic rescan covers it`);
      }
    }
  };

  const run = (): void => {
    timer = undefined;
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = sync()
      .then((files) => {
        if (!closed) watchDirectories(files);
      })
      .catch((err: unknown) => options.logger.error({ component: 'catalog-watch', err }, 'catalog sync failed'))
      .finally(() => {
        running = undefined;
        if (again && !closed) {
          again = false;
          schedule();
        }
      });
  };

  const rescan = setInterval(schedule, options.rescanMs ?? 60_000);
  rescan.unref();
  if (options.initialFiles) watchDirectories(options.initialFiles);
  else run(); // a first sync names the files to watch

  return {
    async close() {
      closed = true;
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
      clearInterval(rescan);
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
