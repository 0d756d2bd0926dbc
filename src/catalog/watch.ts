import { statSync, watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Logger } from '../platform/log.ts';

export interface WatchOptions {
  /** Quiet time after the last change before syncing: editors write files in bursts. */
  debounceMs?: number;
  /**
   * The longest a change waits for its files to be stable (the same size, mtime and inode
   * over one quiet period, and not empty) before it is synced anyway: a save caught
   * half-way is then a problem of the sync's (its entities stay, stale), not a deletion.
   */
  maxWaitMs?: number;
  /** A full re-sync at this interval catches anything the file watcher missed. */
  rescanMs?: number;
  /** The files already read (a first sync has run): watching starts from them, with no sync. */
  initialFiles?: Iterable<string>;
  /**
   * With `initialFiles`: when the sync that read them started (epoch ms). Watching begins
   * after it ended, so a change in between has no event: the files (and their folders, for
   * files added or removed) are looked at once, and one changed since then (or gone) is
   * synced. Only then is a start-up with nothing changed free of a second sync.
   */
  changedSince?: number;
  logger: Logger;
}

/**
 * Runs `sync` whenever a file the catalog reads may have changed, never two syncs at once:
 * a change during a sync schedules exactly one more sync after it. A change is synced once
 * the files it named are stable — unchanged over one more quiet period, and not empty
 * (editors truncate, then write) — or after `maxWaitMs`, whichever comes first.
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
  const maxWaitMs = options.maxWaitMs ?? 2000;
  const watchers = new Map<string, FSWatcher>();
  /** Files named by events since the last sync, with what was last seen of them (undefined: not yet looked at). */
  const changed = new Map<string, string | undefined>();
  let waitingSince: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;
  let rootIdentity = identityOf(rootDir);

  const schedule = (): void => {
    waitingSince ??= Date.now();
    if (timer) clearTimeout(timer);
    // A file written without pause must not put its sync off for ever: past the longest wait, no more quiet is waited for.
    timer = setTimeout(settle, overdue() ? 0 : debounceMs);
  };

  const overdue = (): boolean => waitingSince !== undefined && Date.now() - waitingSince >= maxWaitMs;

  const changedIn =
    (dir: string) =>
    (_event: string, name: string | Buffer | null): void => {
      if (name !== null) changed.set(posix.join(dir, name.toString()), undefined);
      schedule();
    };

  /** After a quiet period: sync if every changed file looks the same as a period ago and is not empty. */
  const settle = (): void => {
    timer = undefined;
    if (closed) return;
    void Promise.all(
      [...changed.keys()].map(async (path) => {
        const seen = await stat(join(rootDir, path)).then(
          (s) => (s.size === 0 ? undefined : `${s.size}:${s.mtimeMs}:${s.ino}`),
          () => 'absent',
        );
        const stable = seen !== undefined && changed.get(path) === seen;
        if (changed.has(path)) changed.set(path, seen);
        return stable;
      }),
    ).then((stable) => {
      if (closed || (timer && !overdue())) return; // a new event restarted the quiet period
      clearTimeout(timer);
      if (stable.every(Boolean) || overdue()) run();
      else timer = setTimeout(settle, debounceMs);
    });
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
        const watcher = watch(join(rootDir, dir), changedIn(dir));
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
    changed.clear();
    waitingSince = undefined;
    running = sync()
      .then((files) => {
        // A root that vanished (or was replaced) leaves watchers on a dead tree: drop them, so the
        // next sync that finds the root watches it again (the periodic rescan brings that sync).
        const identity = identityOf(rootDir);
        if (identity !== rootIdentity) {
          for (const watcher of watchers.values()) watcher.close();
          watchers.clear();
          rootIdentity = identity;
        }
        if (!closed && identity !== undefined) watchDirectories(files);
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
  if (options.initialFiles) {
    const initial = [...options.initialFiles];
    watchDirectories(initial);
    if (options.changedSince !== undefined)
      void changedAfter(rootDir, [...initial, ...watchers.keys()], options.changedSince).then((changedFiles) => {
        if (changedFiles.length === 0 || closed) return;
        for (const path of changedFiles) changed.set(path, undefined);
        schedule();
      });
  } else run(); // a first sync names the files to watch

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

/**
 * Some file systems keep modification times to the second (or two): a change this close
 * before `since` may belong after it, and counts as after.
 */
const MTIME_SLACK_MS = 2000;

/** The root-relative paths (files or folders) modified at or after `since`, or gone. */
async function changedAfter(rootDir: string, paths: readonly string[], since: number): Promise<string[]> {
  const found: string[] = [];
  // In slices: a catalog of 50,000 files is not 50,000 stats queued at once.
  for (let at = 0; at < paths.length; at += 256) {
    const slice = paths.slice(at, at + 256);
    const times = await Promise.all(
      slice.map((path) =>
        stat(join(rootDir, path)).then(
          (s) => s.mtimeMs,
          () => Number.POSITIVE_INFINITY,
        ),
      ),
    );
    times.forEach((mtime, i) => {
      if (mtime >= since - MTIME_SLACK_MS) found.push(slice[i] as string);
    });
  }
  return found;
}

/** Which directory is at a path (device and inode), or undefined when none is. */
function identityOf(dir: string): string | undefined {
  try {
    const s = statSync(dir);
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
}
