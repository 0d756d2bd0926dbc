import type { Logger } from '../platform/log.ts';
import type { BackgroundTask } from '../platform/tasks.ts';
import type { CachedCatalog } from './cached-catalog.ts';
import { openCatalog, type CatalogSpec } from './open-catalog.ts';
import { watchCatalog } from './watch.ts';

export interface CatalogWatch {
  /** The catalog root (directory or file) and the size limit it is read with. */
  catalog: string | CatalogSpec;
  maxFileBytes?: number;
  /** Syncs the catalog (serialised by the watcher) and returns the root-relative files it read. */
  sync(): Promise<Iterable<string>>;
  /** The files the first sync read: watching starts from them. */
  files(): Iterable<string>;
  logger: Logger;
}

/**
 * Polls the catalog generation every second, so a replica that does not sync itself still
 * sees changes; and, with `watch`, watches the catalog root's files and syncs after a change.
 */
export function catalogTasks(
  catalog: Pick<CachedCatalog, 'refreshGeneration'>,
  watch?: CatalogWatch,
): BackgroundTask[] {
  const tasks: BackgroundTask[] = [
    {
      name: 'catalog-generation',
      scope: 'each-replica',
      intervalMs: 1000,
      component: 'catalog',
      failure: 'could not read the catalog generation',
      run: () => catalog.refreshGeneration(),
    },
  ];
  // Every replica watches its own checkout: docs and runbooks are read from it at render time.
  if (watch)
    tasks.push({
      name: 'catalog-watch',
      scope: 'each-replica',
      component: 'catalog-watch',
      failure: 'cannot watch the catalog',
      async run(signal) {
        const { root } = await openCatalog(watch.catalog, watch.maxFileBytes);
        if (signal.aborted) return;
        const watcher = watchCatalog(root.dir, watch.sync, { logger: watch.logger, initialFiles: watch.files() });
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        await watcher.close();
      },
    });
  return tasks;
}
