import { AtriumError } from '../platform/errors.ts';
import type { ExternalRefs } from '../platform/external-refs.ts';
import type { Logger } from '../platform/log.ts';
import type { CatalogRoot } from './files.ts';
import type { FileSummary } from './file-summary.ts';
import { openCatalog, parsedKey, walkCatalog } from './load.ts';
import { ParsePool } from './parse-pool.ts';
import type { Entity, Problem } from './model.ts';
import { resolveCatalog } from './resolve.ts';
import type { CatalogSyncTarget, EntityWrite, SyncPlan, SyncState } from './sync-store.ts';

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
  /** References known to live outside the catalog: listed as external, not as dangling. */
  externalRefs?: ExternalRefs;
}

const MAX_ATTEMPTS = 3;

/**
 * Syncs one catalog root into one store, again and again (the server keeps one). Between
 * syncs it keeps what it knows of the store in memory, and reads it again only when the
 * store's generation shows that someone else wrote to it.
 */
export class CatalogSyncer {
  private state?: SyncState;

  constructor(
    private readonly store: CatalogSyncTarget,
    private readonly options: SyncOptions,
  ) {}

  async sync(): Promise<SyncReport> {
    for (let attempt = 1; ; attempt++) {
      const state = await this.currentState();
      const outcome = await syncOnce(this.store, this.options, state);
      if (outcome) {
        this.state = outcome.state;
        return outcome.report;
      }
      this.state = undefined;
      this.options.logger?.warn(
        { component: 'catalog-sync' },
        `another sync changed the store meanwhile; retrying (attempt ${attempt})`,
      );
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

  /** Every file the last sync read (descriptors and the files they substitute), root-relative. */
  files(): string[] {
    return [...(this.state?.files.values() ?? [])].flatMap((f) => [f.path, ...f.dependencies.map((d) => d.path)]);
  }

  private async currentState(): Promise<SyncState> {
    if (this.state && this.state.generation === (await this.store.generation())) return this.state;
    return this.store.readSyncState();
  }
}

/** One sync of a catalog root into a store. */
export function syncCatalog(store: CatalogSyncTarget, options: SyncOptions): Promise<SyncReport> {
  return new CatalogSyncer(store, options).sync();
}

/** Returns undefined when the store changed under this sync (start again from fresh state). */
async function syncOnce(
  store: CatalogSyncTarget,
  options: SyncOptions,
  state: SyncState,
): Promise<{ report: SyncReport; state: SyncState } | undefined> {
  const started = performance.now();
  const { root, rootFile } = await openCatalog(options.catalog, options.maxFileBytes);
  const pool = new ParsePool(root, options.logger);
  try {
    return await planAndApply(store, options, state, root, rootFile, pool, started);
  } finally {
    await pool.close();
  }
}

async function planAndApply(
  store: CatalogSyncTarget,
  options: SyncOptions,
  state: SyncState,
  root: CatalogRoot,
  rootFile: string | undefined,
  pool: ParsePool,
  started: number,
): Promise<{ report: SyncReport; state: SyncState } | undefined> {
  let walk = await walkCatalog(root, rootFile, { previous: state.files, parser: pool.parser });
  // The common case, a re-sync where nothing changed: every file the walk reached is the
  // very summary the store has, and there are no others. Resolving again would only
  // reproduce what is stored, so skip it (and the reading of every summary it would need).
  if (
    state.generation > 0 &&
    state.resolvedHere === true &&
    walk.changed.size === 0 &&
    walk.files.length === state.files.size &&
    walk.files.every((f) => state.files.get(f.path) === f)
  ) {
    const report = reportOf(
      walk.files.length,
      0,
      state.stored.size,
      0,
      0,
      JSON.parse(state.problemsJson) as Problem[],
      started,
      false,
    );
    return { report, state };
  }
  let resolution = resolveCatalog(walk.files, walk.problems, state.stored, options.externalRefs);

  // An unchanged file may now provide an entity the store does not hold from it (it lost a
  // duplicate contest before, say): parse those files again to get their entities.
  const needed = new Set<string>();
  for (const claim of resolution.claims.values()) {
    if (claim.stale || walk.parsed.has(parsedKey(claim.file, claim.key))) continue;
    const stored = state.stored.get(claim.key);
    if (stored?.file !== claim.file || stored.contentHash !== claim.contentHash) needed.add(claim.file);
  }
  if (needed.size > 0) {
    // Start from the first walk's summaries, so only the `needed` files are parsed again.
    const again = await walkCatalog(root, rootFile, {
      previous: new Map(walk.files.map((f) => [f.path, f])),
      reparse: needed,
      parser: pool.parser,
    });
    for (const [key, entity] of walk.parsed) if (!again.parsed.has(key)) again.parsed.set(key, entity);
    for (const path of walk.changed) again.changed.add(path);
    walk = again;
    resolution = resolveCatalog(walk.files, walk.problems, state.stored, options.externalRefs);
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
    // Cannot happen when the walk is consistent; if it does, keep what is stored rather than fail the sync.
    if (!entity) {
      options.logger?.error(
        { component: 'catalog-sync', entityRef: claim.ref },
        `entity ${claim.ref} from ${claim.file} was claimed but not parsed; keeping the stored version`,
      );
      continue;
    }
    upserts.push({ entity, claim, references: claim.references });
  }
  const deletes = [...state.stored.keys()].filter((key) => !resolution.claims.has(key));

  const reached = new Set(walk.files.map((f) => f.path));
  const files: FileSummary[] = walk.files.filter((f) => state.files.get(f.path) !== f);
  const removedFiles = [...state.files.keys()].filter((path) => !reached.has(path));
  const problemsJson = JSON.stringify(resolution.problems);
  const problems: Problem[] | undefined = problemsJson === state.problemsJson ? undefined : resolution.problems;

  const report = (changed: boolean): SyncReport =>
    reportOf(
      walk.files.length,
      walk.changed.size,
      resolution.claims.size,
      upserts.length,
      deletes.length,
      resolution.problems,
      started,
      changed,
    );

  const nothingChanged =
    upserts.length === 0 &&
    staleMarks.length === 0 &&
    deletes.length === 0 &&
    files.length === 0 &&
    removedFiles.length === 0 &&
    problems === undefined;
  if (nothingChanged && state.generation > 0) return { report: report(false), state: { ...state, resolvedHere: true } };

  const plan: SyncPlan = { upserts, staleMarks, deletes, files, removedFiles, problems };
  const now = (options.now ?? (() => new Date()))().toISOString();
  if (!(await store.applySync(plan, state.generation, now))) return undefined;
  return { report: report(true), state: stateAfter(state, plan, walk.files, problemsJson) };
}

function reportOf(
  files: number,
  parsedFiles: number,
  entities: number,
  upserted: number,
  deleted: number,
  problems: readonly Problem[],
  started: number,
  changed: boolean,
): SyncReport {
  return {
    files,
    parsedFiles,
    entities,
    upserted,
    deleted,
    errors: problems.filter((p) => p.severity === 'error').length,
    warnings: problems.filter((p) => p.severity === 'warning').length,
    durationMs: Math.round(performance.now() - started),
    changed,
  };
}

/** What the store holds after `plan` was applied to `state`, without reading it back. */
function stateAfter(state: SyncState, plan: SyncPlan, files: FileSummary[], problemsJson: string): SyncState {
  const stored = new Map(state.stored);
  for (const key of plan.deletes) stored.delete(key);
  for (const { claim } of plan.upserts)
    stored.set(claim.key, { file: claim.file, contentHash: claim.contentHash ?? '', stale: false });
  for (const mark of plan.staleMarks) {
    const entry = stored.get(mark.key);
    if (entry) stored.set(mark.key, { ...entry, stale: mark.stale });
  }
  return {
    files: new Map(files.map((f) => [f.path, f])),
    stored,
    problemsJson,
    generation: state.generation + 1,
    resolvedHere: true,
  };
}
