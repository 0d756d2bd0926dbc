import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import {
  DEFAULT_KIND,
  FILTER_FACETS,
  PAGE_SIZE,
  staticCatalogPath,
  staticFacetPossible,
} from '../catalog/pages/catalog-query.ts';
import { PROBLEMS_PAGE_SIZE } from '../catalog/pages/problems-page.ts';
import { loadDependents, longRelationLists } from '../catalog/pages/entity-data.ts';
import { relationListPath } from '../catalog/pages/relation-breakdown.ts';
import { RELATION_PAGE_SIZE, RELATION_SHOWN } from '../catalog/relation-summary.ts';
import { CatalogRoot } from '../catalog/files.ts';
import { keyOfRef } from '../catalog/model.ts';
import type { CatalogReader, EntityFilters } from '../catalog/reader.ts';
import { facetIndexPath } from '../catalog/pages/list-page.ts';
import { CatalogSnapshot } from '../catalog/snapshot.ts';
import type { CatalogStore } from '../catalog/store.ts';
import { DocsSource } from '../docs/docs-source.ts';
import { docPagePath, entitiesWithDocs, runbookPagePath } from '../docs/entity-docs.ts';
import { AtriumError } from '../platform/errors.ts';
import { startTsWorker } from '../platform/ts-worker.ts';
import { packIndex, prepareEntries, type PreparedIndex } from '../search/rank.ts';
import { buildSearchIndex } from '../search/search-index.ts';
import { loadAssets, offlineManifest } from './assets.ts';
import { pageCount } from '../web/components.ts';
import { renderPaths, writerFor } from './export-pages.ts';
import type { ExportWorkerInput } from './export-worker.ts';
import { notFoundView } from '../web/pages/not-found.ts';
import { loadSiteEntities, type PortalData } from './site-map.ts';
import { externalRefs } from '../platform/external-refs.ts';
import { OFFLINE_PAGE_PATH } from '../web/offline-note.ts';
import { offlineView } from '../web/pages/offline.ts';
import { entityPath, type Site } from '../web/site.ts';

/** Marks a folder as an Atrium export, so a rebuild may replace it (and nothing else is ever replaced). */
const EXPORT_MARKER = '.atrium-export';
/** Below this many pages, starting worker threads costs more than it saves. */
const MIN_PAGES_FOR_WORKERS = 2_000;
const MAX_WORKERS = 4;

export interface ExportOptions {
  store: CatalogStore;
  /** The catalog root, to render docs and runbooks from; without it they are left out. */
  catalogDir?: string;
  maxFileBytes?: number;
  /** catalog.externalRefs: missing entities they match are shown as external. */
  externalRefs?: readonly string[];
  out: string;
  basePath: string;
  /** Render threads; default: one per core (up to 4) for large sites, none for small ones. */
  workers?: number;
  /** The capabilities' cards on entity pages (those that need live data show nothing here). */
  sections: PortalData['sections'];
  /** A module exporting the same list as `entitySections`, for the render threads. */
  sectionsModule: string;
  /** Called as pages are written, with the count so far and the total. */
  onProgress?: (done: number, expected: number) => void;
}

export interface ExportReport {
  pages: number;
  files: number;
  bytes: number;
  durationMs: number;
  /** Worker threads that rendered pages (0: all on the main thread). */
  workers: number;
}

/** Refuses an `out` that holds anything but an earlier export: only Atrium's own folders are ever replaced. */
async function checkOut(out: string): Promise<void> {
  const entries: string[] = await readdir(out).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw new AtriumError({
      category: 'operator-fixable',
      code: 'out-unreadable',
      message: `Cannot read ${out}: ${err.code ?? err.message}`,
      hint: 'Pass --out a folder Atrium may write to.',
    });
  });
  if (entries.length > 0 && !entries.includes(EXPORT_MARKER)) {
    throw new AtriumError({
      category: 'user-fixable',
      code: 'out-not-empty',
      message: `${out} is not empty and is not an earlier Atrium export`,
      hint: 'Pass --out an empty or new folder; Atrium only replaces folders it built.',
    });
  }
}

/**
 * Renders every page of the site map into static files under `out`: each page as
 * `<path>/index.html`, so links ending in `/` work on any static file server under the
 * base path. Pages come from the same loaders and views as the live server, reading a
 * CatalogSnapshot (the catalog read once), on worker threads when the site is large. The
 * site is built beside `out` and moved into place at the end: a build that fails leaves
 * the previous export as it was.
 */
export async function exportSite(options: ExportOptions): Promise<ExportReport> {
  const started = performance.now();
  const out = resolve(options.out);
  await checkOut(out);
  const staging = join(dirname(out), `.${basename(out)}.atrium-building-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    const report = await build(options, staging);
    await writeFile(
      join(staging, EXPORT_MARKER),
      'This folder was written by `atrium build` and is replaced by the next build.\n',
    );
    const previous = `${staging}.previous`;
    await rename(out, previous).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    await rename(staging, out);
    await rm(previous, { recursive: true, force: true });
    return { ...report, durationMs: Math.round(performance.now() - started) };
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}

async function build(options: ExportOptions, out: string): Promise<Omit<ExportReport, 'durationMs'>> {
  const rows = await options.store.readAll();
  const store = CatalogSnapshot.fromRows(rows);
  const docs =
    options.catalogDir === undefined
      ? undefined
      : new DocsSource(() => CatalogRoot.open(options.catalogDir as string, options.maxFileBytes));
  const assets = await loadAssets();
  const site: Site = {
    basePath: options.basePath,
    mode: 'static',
    assets: assets.names,
    entities: await loadSiteEntities(store, externalRefs(options.externalRefs ?? [])),
  };
  const entries = await buildSearchIndex(store, docs);
  const withDocs = docs ? await entitiesWithDocs(store, docs) : [];
  const docPaths = new Map(
    withDocs.map((d) => [
      keyOfRef(d.ref),
      [
        ...(d.runbook !== undefined ? [runbookPagePath(d.ref)] : []),
        ...(d.tree?.pages ?? []).map((p) => docPagePath(d.ref, p)),
      ],
    ]),
  );
  const paths = [...(await fixedPaths(store))];
  for (const { key, ref } of await store.refsAfter(undefined, Number.MAX_SAFE_INTEGER))
    paths.push(
      entityPath(ref),
      `${entityPath(ref)}graph/`,
      ...(docPaths.get(key) ?? []),
      ...(await relationListPaths(store, key)),
    );

  let done = 0;
  const progress = (pages: number) => {
    done += pages;
    options.onProgress?.(done, paths.length);
  };
  const workers = Math.min(
    options.workers ?? (paths.length >= MIN_PAGES_FOR_WORKERS ? Math.min(MAX_WORKERS, availableParallelism()) : 0),
    paths.length,
  );
  const writer = writerFor(out);
  let files = 0;
  let bytes = 0;
  if (workers > 1) {
    const shares = Array.from({ length: workers }, (_, w) => paths.filter((_p, i) => i % workers === w));
    const totals = await Promise.all(
      shares.map((share) =>
        renderOnWorker(
          {
            rows,
            basePath: options.basePath,
            out,
            paths: share,
            sectionsModule: options.sectionsModule,
            catalogDir: options.catalogDir,
            maxFileBytes: options.maxFileBytes,
            externalRefs: options.externalRefs ?? [],
          },
          progress,
        ),
      ),
    );
    for (const t of totals) {
      files += t.files;
      bytes += t.bytes;
    }
  } else {
    let prepared: PreparedIndex | undefined;
    const data: PortalData = {
      store,
      docs,
      searchIndex: async () => (prepared ??= prepareEntries(entries)),
      sections: options.sections,
    };
    await renderPaths(data, site, writer, paths, () => progress(1));
  }

  await writer.write('404.html', notFoundView(site).value);
  await writer.write(`${OFFLINE_PAGE_PATH}index.html`, offlineView(site).value);
  for (const [path, file] of assets.files) await writer.write(path, file.body);
  await writer.write('search-index.json', JSON.stringify(packIndex(entries)));
  await writer.write(
    'offline.json',
    offlineManifest(
      assets,
      withDocs.filter((d) => d.runbook !== undefined).map((d) => runbookPagePath(d.ref)),
    ),
  );
  return { pages: done, files: files + writer.files, bytes: bytes + writer.bytes, workers: workers > 1 ? workers : 0 };
}

/** Runs one worker over its share of the paths; rejects with the worker's own error. */
function renderOnWorker(
  input: ExportWorkerInput,
  progress: (pages: number) => void,
): Promise<{ files: number; bytes: number }> {
  return new Promise((resolvePromise, reject) => {
    const worker = startTsWorker(new URL('./export-worker.ts', import.meta.url), input);
    worker.on('message', (message: { progress?: number; files?: number; bytes?: number; error?: string }) => {
      if (message.error) {
        reject(new Error(`An export worker failed: ${message.error}`));
        void worker.terminate();
        return;
      }
      if (message.progress) progress(message.progress);
      if (message.files !== undefined) {
        resolvePromise({ files: message.files, bytes: message.bytes ?? 0 });
        void worker.terminate();
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (code !== 0 && code !== 1) reject(new Error(`An export worker stopped with code ${code}`));
    });
  });
}

/** Every page of each relation list the entity's page summarises (those longer than it shows in place). */
async function relationListPaths(store: CatalogReader, key: string): Promise<string[]> {
  const detail = await store.getEntity(key);
  if (!detail) return [];
  const long = longRelationLists(detail, await loadDependents(store, detail), RELATION_SHOWN);
  return [...long].flatMap(([name, total]) =>
    Array.from({ length: pageCount(total, RELATION_PAGE_SIZE) }, (_, i) => relationListPath(detail.ref, name, i + 1)),
  );
}

/**
 * Home, search, every list view (the components as `catalog/`, every kind, each facet
 * value; every page, and a first page even when empty), each facet's index of values and
 * every problems page.
 */
async function fixedPaths(store: CatalogReader): Promise<string[]> {
  const paths = new Set(['', 'search/']);
  const pagesOf = async (filters: EntityFilters, count?: number) => {
    const total = count ?? (await store.browseEntities(filters, 'name', 0, 1)).total;
    for (let p = 1; p <= pageCount(total, PAGE_SIZE); p++)
      paths.add(staticCatalogPath({ filters, sort: 'name', page: p }));
  };
  await pagesOf({ kind: DEFAULT_KIND });
  await pagesOf({});
  for (const facet of FILTER_FACETS) {
    paths.add(facetIndexPath(facet));
    for (const { value, count } of await store.facetCounts(facet)) {
      if (!staticFacetPossible(value)) continue; // linked as the whole list instead (see catalogUrl)
      await pagesOf({ [facet]: value }, count);
    }
  }
  const problems = await store.listProblems({}, 1);
  for (let p = 1; p <= pageCount(problems.errors + problems.warnings, PROBLEMS_PAGE_SIZE); p++)
    paths.add(p === 1 ? 'problems/' : `problems/page/${p}/`);
  return [...paths];
}
