import { AtriumError } from '../platform/errors.ts';
import type { Logger } from '../platform/log.ts';
import { openCatalog, parsedKey, walkCatalog, type FileSummary } from './load.ts';
import type { Entity, Problem } from './model.ts';
import { resolveCatalog } from './resolve.ts';
import type { CatalogStore, EntityWrite, SyncPlan } from './store.ts';

/**
 * Brings the store in line with a catalog root, doing only the work that changed: files
 * whose bytes (and substituted files) are unchanged are not parsed; entities whose content
 * is unchanged are not written; entities no longer reached are deleted. A file that has
 * become invalid keeps its last good entities, marked stale, until it is fixed.
 */

export interface SyncReport {
  files: number;
  parsedFiles: number;
  entities: number;
  upserted: number;
  deleted: number;
  errors: number;
  warnings: number;
  durationMs: number;
  /** False when nothing at all changed and the store was left untouched. */
  changed: boolean;
}

export interface SyncOptions {
  catalog: string;
  maxFileBytes?: number;
  logger?: Logger;
  now?: () => Date;
}

const MAX_ATTEMPTS = 3;

export async function syncCatalog(store: CatalogStore, options: SyncOptions): Promise<SyncReport> {
  for (let attempt = 1; ; attempt++) {
    const report = await syncOnce(store, options);
    if (report) return report;
    options.logger?.warn({ component: 'catalog-sync' }, `another sync changed the store meanwhile; retrying (attempt ${attempt})`);
    if (attempt >= MAX_ATTEMPTS) {
      throw new AtriumError({
        category: 'retryable',
        code: 'sync-contended',
        message: `The catalog store changed under this sync ${MAX_ATTEMPTS} times; another process is syncing continuously`,
        hint: 'Run one syncing process per store (`atrium serve` syncs by itself); retry later.',
        retryAfter: 5,
      });
    }
  }
}

async function syncOnce(store: CatalogStore, options: SyncOptions): Promise<SyncReport | undefined> {
  const started = performance.now();
  const state = await store.readSyncState();
  const { root, rootFile } = await openCatalog(options.catalog, options.maxFileBytes);
  let walk = await walkCatalog(root, rootFile, { previous: state.files });
  let resolution = resolveCatalog(walk.files, walk.problems, state.stored);

  // An unchanged file may now provide an entity the store does not hold from it (it lost a
  // duplicate contest before, say): parse those files again to get their entities.
  const needed = new Set<string>();
  for (const claim of resolution.claims.values()) {
    if (claim.stale || walk.parsed.has(parsedKey(claim.file, claim.key))) continue;
    const stored = state.stored.get(claim.key);
    if (stored?.file !== claim.file || stored.contentHash !== claim.contentHash) needed.add(claim.file);
  }
  if (needed.size > 0) {
    const again = await walkCatalog(root, rootFile, { previous: state.files, reparse: needed });
    walk = again;
    resolution = resolveCatalog(walk.files, walk.problems, state.stored);
  }

  const upserts: EntityWrite[] = [];
  const staleMarks: SyncPlan['staleMarks'] = [];
  for (const claim of resolution.claims.values()) {
    const stored = state.stored.get(claim.key);
    if (claim.stale) {
      if (stored && !stored.stale) staleMarks.push({ key: claim.key, stale: true });
      continue;
    }
    const entity: Entity | undefined = walk.parsed.get(parsedKey(claim.file, claim.key));
    const unchanged = stored && stored.file === claim.file && stored.contentHash === claim.contentHash;
    if (unchanged) {
      if (stored.stale) staleMarks.push({ key: claim.key, stale: false });
      continue;
    }
    if (!entity) throw new Error(`Internal: entity ${claim.ref} from ${claim.file} was not parsed`);
    upserts.push({ entity, claim, references: claim.references });
  }
  const deletes = [...state.stored.keys()].filter((key) => !resolution.claims.has(key));

  const reached = new Set(walk.files.map((f) => f.path));
  const files: FileSummary[] = walk.files.filter((f) => state.files.get(f.path) !== f);
  const removedFiles = [...state.files.keys()].filter((path) => !reached.has(path));
  const problemsJson = JSON.stringify(resolution.problems);
  const problems: Problem[] | undefined = problemsJson === state.problemsJson ? undefined : resolution.problems;

  const report = (changed: boolean): SyncReport => ({
    files: walk.files.length,
    parsedFiles: walk.changed.size,
    entities: resolution.claims.size,
    upserted: upserts.length,
    deleted: deletes.length,
    errors: resolution.problems.filter((p) => p.severity === 'error').length,
    warnings: resolution.problems.filter((p) => p.severity === 'warning').length,
    durationMs: Math.round(performance.now() - started),
    changed,
  });

  const nothingChanged =
    upserts.length === 0 && staleMarks.length === 0 && deletes.length === 0 && files.length === 0 && removedFiles.length === 0 && problems === undefined;
  if (nothingChanged && state.generation > 0) return report(false);

  const plan: SyncPlan = { upserts, staleMarks, deletes, files, removedFiles, problems };
  const now = (options.now ?? (() => new Date()))().toISOString();
  if (!(await store.applySync(plan, state.generation, now))) return undefined;
  return report(true);
}
