import { AtriumError } from '../platform/errors.ts';
import type { ExternalRefs } from '../platform/external-refs.ts';
import type { Logger } from '../platform/log.ts';
import type { CatalogRoot } from './files.ts';
import type { FileSummary } from './file-summary.ts';
import { parsedKey, walkCatalog, type CatalogStart, type ScanSummary, type WalkOptions } from './load.ts';
import { openCatalog, type CatalogSpec } from './open-catalog.ts';
import { ParsePool } from './parse-pool.ts';
import type { Entity, Problem } from './model.ts';
import { resolveCatalog } from './resolve.ts';
import type { AlongsideWrite } from '../platform/db/alongside-write.ts';
import { DocumentPool } from './document-pool.ts';
import type { StoredEntity } from './resolve.ts';
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
  /** What scanning a folder left out (other tools' documents, template skeletons); absent when nothing was scanned. */
  skipped?: ScanSummary;
}

export interface SyncOptions {
  /** A folder or file, or everything the command line named (roots, app-configs, URL mappings). */
  catalog: string | CatalogSpec;
  maxFileBytes?: number;
  logger?: Logger;
  /** The clock: the time a sync is stored with, and what files' mtimes are compared with. */
  now?: () => Date;
  /**
   * When the catalog path cannot be read but the store holds a catalog: keep it, stale, with
   * a `catalog-not-found` problem (a long-lived server: the checkout may come back), instead
   * of failing the sync (a one-off `atrium sync`: the path is more likely a typo).
   */
  keepWhenRootMissing?: boolean;
  /** References known to live outside the catalog: listed as external, not as dangling. */
  externalRefs?: ExternalRefs;
  /**
   * Run first in the sync's transaction; throws to write nothing. The server's syncer
   * passes its lease's fence: a replica that lost the syncer lease (paused past its
   * expiry) cannot write the catalog after another took over.
   */
  fence?: AlongsideWrite;
}

/** The code of the problem (and of the error) of a catalog path that cannot be read. */
export const ROOT_MISSING = 'catalog-not-found';

const MAX_ATTEMPTS = 3;

/**
 * Syncs one catalog root into one store, again and again (the server keeps one). Between
 * syncs it keeps what it knows of the store in memory, and reads it again only when the
 * store's generation shows that someone else wrote to it.
 */
export class CatalogSyncer {
  private state?: SyncState;
  private rootProblem?: Problem;

  constructor(
    private readonly store: CatalogSyncTarget,
    private readonly options: SyncOptions,
  ) {}

  /** Syncs once; `fence` (see SyncOptions) is checked in this sync's transaction. */
  async sync(fence?: AlongsideWrite): Promise<SyncReport> {
    const options = fence ? { ...this.options, fence } : this.options;
    for (let attempt = 1; ; attempt++) {
      const state = await this.currentState();
      const outcome = await syncOnce(this.store, options, state);
      if (outcome) {
        this.state = outcome.state;
        this.rootProblem = outcome.rootProblem;
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

  /** Why the last sync could not read the catalog root (it kept the stored catalog, stale), if it could not. */
  unreadableRoot(): Problem | undefined {
    return this.rootProblem;
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

type Outcome = { report: SyncReport; state: SyncState; rootProblem?: Problem };

/** Returns undefined when the store changed under this sync (start again from fresh state). */
async function syncOnce(
  store: CatalogSyncTarget,
  options: SyncOptions,
  state: SyncState,
): Promise<Outcome | undefined> {
  const started = performance.now();
  const now = options.now ?? (() => new Date());
  let opened: Awaited<ReturnType<typeof openCatalog>>;
  try {
    opened = await openCatalog(options.catalog, options.maxFileBytes, () => now().getTime());
  } catch (err) {
    const keep = options.keepWhenRootMissing && state.generation > 0 && state.files.size > 0;
    if (!keep || !(err instanceof AtriumError) || err.code !== ROOT_MISSING) throw err;
    return keepWithoutRoot(store, options, state, err, started);
  }
  const { root, starts, walk } = opened;
  const pool = new ParsePool(root, options.logger);
  try {
    return await planAndApply(store, options, state, root, starts, walk, pool, started);
  } finally {
    await pool.close();
  }
}

/**
 * The catalog path cannot be read, but the store holds a catalog: nothing can say that an
 * entity is gone, so every one stays, marked stale, and the catalog-not-found problem says why.
 * The file summaries stay too, so a root that comes back is checked file by file as usual.
 */
async function keepWithoutRoot(
  store: CatalogSyncTarget,
  options: SyncOptions,
  state: SyncState,
  err: AtriumError,
  started: number,
): Promise<Outcome | undefined> {
  // The path is the server's business: the log has it, the public problem list does not.
  options.logger?.error(
    { component: 'catalog-sync', err },
    'the catalog root cannot be read; keeping the stored catalog, stale',
  );
  const rootProblem: Problem = {
    severity: 'error',
    code: ROOT_MISSING,
    message:
      'The catalog root cannot be read (moved, deleted or not mounted): every entity is kept as last synced, marked stale',
    hint: 'Restore the catalog checkout (or fix the path Atrium was started with); the next sync clears this.',
    file: '.',
    line: 1,
    column: 1,
  };
  const problems = [
    rootProblem,
    ...(JSON.parse(state.problemsJson) as Problem[]).filter((p) => p.code !== ROOT_MISSING),
  ];
  const problemsJson = JSON.stringify(problems);
  const plan: SyncPlan = {
    upserts: [],
    staleMarks: [...state.stored].flatMap(([key, stored]) => (stored.stale ? [] : [{ key, stale: true }])),
    deletes: [],
    files: [],
    removedFiles: [],
    problems: problemsJson === state.problemsJson ? undefined : problems,
  };
  const changed = plan.staleMarks.length > 0 || plan.problems !== undefined;
  const report = reportOf(state.files.size, 0, state.stored.size, 0, 0, problems, started, changed, undefined);
  if (!changed) return { report, state, rootProblem };
  const now = (options.now ?? (() => new Date()))().toISOString();
  if (!(await store.applySync(plan, state.generation, now, options.fence))) return undefined;
  return { report, state: stateAfter(state, plan, [...state.files.values()], problemsJson), rootProblem };
}

async function planAndApply(
  store: CatalogSyncTarget,
  options: SyncOptions,
  state: SyncState,
  root: CatalogRoot,
  starts: readonly CatalogStart[],
  setup: WalkOptions,
  pool: ParsePool,
  started: number,
): Promise<Outcome | undefined> {
  let walk = await walkCatalog(root, starts, { ...setup, previous: state.files, parser: pool.parser });
  // The common case, a re-sync where nothing changed: every file the walk reached is the
  // very summary the store has, and there are no others. Resolving again would only
  // reproduce what is stored, so skip it.
  // Not after a sync that could not read the root, though: its stale marks and problem must go.
  const storedProblems = JSON.parse(state.problemsJson) as Problem[];
  if (
    state.generation > 0 &&
    !storedProblems.some((p) => p.code === ROOT_MISSING) &&
    state.resolvedHere === true &&
    walk.changed.size === 0 &&
    walk.files.length === state.files.size &&
    walk.files.every((f) => state.files.get(f.path) === f) &&
    walkProblemsStored(walk.problems, storedProblems)
  ) {
    const report = reportOf(walk.files.length, 0, state.stored.size, 0, 0, storedProblems, started, false, walk.scan);
    return { report, state };
  }
  let resolution = resolveCatalog(walk.files, walk.problems, state.stored, walk.excluded, options.externalRefs);

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
    const again = await walkCatalog(root, starts, {
      ...setup,
      previous: new Map(walk.files.map((f) => [f.path, f])),
      reparse: needed,
      parser: pool.parser,
    });
    for (const [key, entity] of walk.parsed) if (!again.parsed.has(key)) again.parsed.set(key, entity);
    for (const [key, text] of walk.texts) if (!again.texts.has(key)) again.texts.set(key, text);
    for (const path of walk.changed) again.changed.add(path);
    walk = again;
    resolution = resolveCatalog(walk.files, walk.problems, state.stored, walk.excluded, options.externalRefs);
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
    upserts.push({
      entity,
      claim,
      references: claim.references,
      text: walk.texts.get(parsedKey(claim.file, claim.key)),
    });
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
      walk.scan,
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
  if (!(await store.applySync(plan, state.generation, now, options.fence))) return undefined;
  return { report: report(true), state: stateAfter(state, plan, walk.files, problemsJson) };
}

/** Problems only the walk finds that can come or go while every file it reads stays the same. */
const WALK_ONLY = new Set([
  'catalog-file-unreached',
  'catalog-in-dot-folder',
  'kind-not-allowed',
  'app-config-no-locations',
  'app-config-location-invalid',
  'location-type-unsupported',
]);

/** The walk's problems are those already stored (a file appeared or vanished beside the catalog, rules changed: not). */
function walkProblemsStored(walk: readonly Problem[], stored: readonly Problem[]): boolean {
  const key = (p: Problem) => JSON.stringify([p.severity, p.code, p.file, p.line, p.column, p.message]);
  const storedKeys = new Set(stored.map(key));
  const walkOnly = (problems: readonly Problem[]) => problems.filter((p) => WALK_ONLY.has(p.code)).length;
  return walk.every((p) => storedKeys.has(key(p))) && walkOnly(walk) === walkOnly(stored);
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
  skipped: ScanSummary | undefined,
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
    ...(skipped ? { skipped } : {}),
  };
}

/** What the store holds after `plan` was applied to `state`, without reading it back. */
function stateAfter(state: SyncState, plan: SyncPlan, files: FileSummary[], problemsJson: string): SyncState {
  // Past twice the strings it held when it was made, the pool is mostly names of entities
  // long gone: a new one, made from what is live now, costs one pass over the summaries.
  const pool = state.pool.size > 2 * (state.poolBase ?? state.pool.size) ? new DocumentPool() : state.pool;
  const fresh = pool !== state.pool;
  const stored = new Map<string, StoredEntity & { stale: boolean }>();
  const keep = (key: string, entry: StoredEntity & { stale: boolean }) =>
    stored.set(
      pool.string(key),
      fresh ? { ...entry, file: pool.string(entry.file), contentHash: pool.string(entry.contentHash) } : entry,
    );
  const deleted = new Set(plan.deletes);
  for (const [key, entry] of state.stored) if (!deleted.has(key)) keep(key, entry);
  for (const { claim } of plan.upserts)
    keep(claim.key, { file: pool.string(claim.file), contentHash: pool.string(claim.contentHash ?? ''), stale: false });
  for (const mark of plan.staleMarks) {
    const entry = stored.get(mark.key);
    if (entry) stored.set(mark.key, { ...entry, stale: mark.stale });
  }
  // The files parsed by this sync hold their documents as parsed: kept, they take the pool's form.
  const compact = (f: FileSummary): FileSummary =>
    !fresh && state.files.get(f.path) === f
      ? f
      : { ...f, path: pool.string(f.path), documents: pool.compact(f.documents) };
  return {
    files: new Map(files.map((f) => [f.path, compact(f)])),
    stored,
    pool,
    poolBase: fresh || state.poolBase === undefined ? pool.size : state.poolBase,
    problemsJson,
    generation: state.generation + 1,
    resolvedHere: true,
  };
}
