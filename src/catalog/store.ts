import type { AlongsideWrite } from '../platform/db/alongside-write.ts';
import type { Database } from '../platform/db/connect.ts';
import { CatalogReadStore } from './read-store.ts';
import { CatalogSyncStore, type CatalogSyncTarget, type SyncPlan, type SyncState } from './sync-store.ts';

/**
 * The catalog's tables as one object, for the server and the commands that both sync and
 * read: it answers every read question (CatalogReadStore) and is a sync's target (its
 * CatalogSyncStore). Code that only reads should ask for a CatalogReader; the only SQL
 * of the catalog is in read-store.ts and sync-store.ts.
 */
export class CatalogStore extends CatalogReadStore implements CatalogSyncTarget {
  private readonly syncs: CatalogSyncStore;

  constructor(database: Database) {
    super(database);
    this.syncs = new CatalogSyncStore(database);
  }

  readSyncState(): Promise<SyncState> {
    return this.syncs.readSyncState();
  }

  applySync(plan: SyncPlan, generation: number, now: string, fence?: AlongsideWrite): Promise<boolean> {
    return this.syncs.applySync(plan, generation, now, fence);
  }
}
