import type { HeldLease } from '../platform/db/leases.ts';
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
  /**
   * When the first sync started (epoch ms): a file changed since then may have been read
   * before its change, or changed before watching began, so watching starts by looking.
   */
  firstSyncStarted(): number | undefined;
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
        const watcher = watchCatalog(root.dir, watch.sync, {
          logger: watch.logger,
          initialFiles: watch.files(),
          changedSince: watch.firstSyncStarted(),
        });
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        await watcher.close();
      },
    });
  return tasks;
}

/** The catalog syncer's task name; its lease is `taskLeaseName(CATALOG_SYNCER)`. */
export const CATALOG_SYNCER = 'catalog-syncer';

/** Who syncs the catalog now: this replica, under `lease` (absent for a lone process without leases). */
export type SyncerRole = { lease?: HeldLease } | undefined;

/**
 * The catalog syncer: of the replicas sharing a database, only the one holding this
 * task's lease reads the catalog files and writes the catalog (every write fenced by the
 * lease's generation); the others follow the catalog generation. On taking the lease it
 * syncs at once, catching up with whatever changed while nobody held it — unless this
 * replica's first sync took the lease and synced under it (`syncedUnder`): the keeper
 * renewing that lease is no takeover, and the watcher, started from the first sync's files,
 * sees what changed since. Then the watcher's syncs go through it (`role` says whether
 * they may write) until the lease is lost.
 */
export function catalogSyncerTask(syncer: {
  sync(lease: HeldLease | undefined): Promise<unknown>;
  role(role: SyncerRole): void;
  /** Whether this replica has synced under this very lease (its generation) already. */
  syncedUnder(lease: HeldLease): boolean;
  logger: Logger;
}): BackgroundTask {
  return {
    name: CATALOG_SYNCER,
    scope: 'once-across-replicas',
    component: 'catalog-sync',
    failure: 'the catalog syncer stopped',
    async run(signal, lease) {
      const caughtUp = lease !== undefined && syncer.syncedUnder(lease);
      syncer.role({ ...(lease ? { lease } : {}) });
      try {
        if (caughtUp)
          syncer.logger.debug(
            { component: 'catalog-sync' },
            'the syncer lease is the one the first sync took: no catch-up sync',
          );
        else
          await syncer.sync(lease).catch((err: unknown) =>
            // The watcher and the periodic rescan sync again; holding the lease matters more than this one sync.
            syncer.logger.warn(
              { component: 'catalog-sync', err },
              'the catalog sync after taking the syncer lease failed',
            ),
          );
        // An abort that came during the sync has fired already: no listener would hear it.
        if (!signal.aborted)
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      } finally {
        syncer.role(undefined);
      }
    },
    // The first sync's role, when the keeper could not keep that lease before the task ran under it.
    notHeld: () => syncer.role(undefined),
  };
}
