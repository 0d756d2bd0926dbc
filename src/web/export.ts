import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { FILTER_FACETS, PAGE_SIZE, staticCatalogPath, staticFacetPossible } from '../catalog/pages/catalog-query.ts';
import { PROBLEMS_PAGE_SIZE } from '../catalog/pages/problems-page.ts';
import { keyOfRef } from '../catalog/model.ts';
import type { CatalogReader } from '../catalog/reader.ts';
import { CatalogSnapshot } from '../catalog/snapshot.ts';
import type { CatalogStore } from '../catalog/store.ts';
import type { DocsSource } from '../docs/docs-source.ts';
import { docPagePath, entitiesWithDocs, runbookPagePath } from '../docs/entity-docs.ts';
import { AtriumError } from '../platform/errors.ts';
import { packIndex, prepareEntries, type PreparedIndex } from '../search/rank.ts';
import { buildSearchIndex } from '../search/search-index.ts';
import { loadAssets, offlineManifest } from './assets.ts';
import { pageCount } from './components.ts';
import { notFoundView } from './pages/not-found.ts';
import { renderPage, type PortalData } from './site-map.ts';
import { entityPath, type Site } from './site.ts';

/** Marks a folder as an Atrium export, so a rebuild may replace it (and nothing else is ever replaced). */
const EXPORT_MARKER = '.atrium-export';
/** Pages in flight: enough for file writes on the thread pool to overlap with rendering. */
const CONCURRENCY = 16;
const REFS_BATCH = 1000;

export interface ExportOptions {
  store: CatalogStore;
  docs?: DocsSource;
  out: string;
  basePath: string;
  /** Called after every page with the count so far and the total expected. */
  onProgress?: (done: number, expected: number) => void;
}

export interface ExportReport {
  pages: number;
  files: number;
  bytes: number;
  durationMs: number;
}

/** Refuses an `out` that holds anything but an earlier export: only Atrium's own folders are ever replaced. */
async function checkOut(out: string): Promise<void> {
  const entries: string[] = await readdir(out).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw new AtriumError({ category: 'operator-fixable', code: 'out-unreadable', message: `Cannot read ${out}: ${err.code ?? err.message}`, hint: 'Pass --out a folder Atrium may write to.' });
  });
  if (entries.length > 0 && !entries.includes(EXPORT_MARKER)) {
    throw new AtriumError({ category: 'user-fixable', code: 'out-not-empty', message: `${out} is not empty and is not an earlier Atrium export`, hint: 'Pass --out an empty or new folder; Atrium only replaces folders it built.' });
  }
}

/**
 * Renders every page of the site map into static files under `out`: each page as
 * `<path>/index.html`, so links ending in `/` work on any static file server under the
 * base path. Pages come from the same loaders and views as the live server. The site is
 * built beside `out` and moved into place at the end: a build that fails leaves the
 * previous export as it was.
 */
export async function exportSite(options: ExportOptions): Promise<ExportReport> {
  const started = performance.now();
  const out = resolve(options.out);
  await checkOut(out);
  const staging = join(dirname(out), `.${basename(out)}.atrium-building-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    const report = await render(options, staging);
    await writeFile(join(staging, EXPORT_MARKER), 'This folder was written by `atrium build` and is replaced by the next build.\n');
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

async function render(options: ExportOptions, out: string): Promise<Omit<ExportReport, 'durationMs'>> {
  const { docs } = options;
  // Every page of every entity: one read of the whole catalog, then memory (see CatalogSnapshot).
  const store = await CatalogSnapshot.load(options.store);
  const assets = await loadAssets();
  const site: Site = { basePath: options.basePath, mode: 'static', assets: assets.names };
  const entries = await buildSearchIndex(store, docs);
  let prepared: PreparedIndex | undefined;
  const data: PortalData = { store, docs, searchIndex: async () => (prepared ??= prepareEntries(entries)) };
  const withDocs = docs ? await entitiesWithDocs(store, docs) : [];
  const docPaths = new Map(withDocs.map((d) => [keyOfRef(d.ref), [...(d.runbook !== undefined ? [runbookPagePath(d.ref)] : []), ...(d.tree?.pages ?? []).map((p) => docPagePath(d.ref, p))]]));

  let files = 0;
  let bytes = 0;
  // Each folder is made once, by one plain mkdir after its parent: a recursive mkdir per
  // page would stat every ancestor again, tens of thousands of times.
  const made = new Map<string, Promise<void>>([[out, Promise.resolve()]]);
  const makeDir = (dir: string): Promise<void> => {
    let pending = made.get(dir);
    if (!pending) {
      pending = makeDir(dirname(dir)).then(() => mkdir(dir).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      }));
      made.set(dir, pending);
    }
    return pending;
  };
  const write = async (path: string, body: string | Buffer) => {
    const file = resolve(out, path);
    if (!file.startsWith(out + sep)) throw new Error(`Refusing to write outside the export: ${path}`);
    await makeDir(dirname(file));
    await writeFile(file, body);
    files++;
    bytes += Buffer.byteLength(body);
  };

  const fixed = await fixedPaths(store);
  const entityCount = (await store.browseEntities({}, 'name', 0, 1)).total;
  const expected = fixed.length + entityCount * 2 + [...docPaths.values()].reduce((n, paths) => n + paths.length, 0);
  let done = 0;
  const renderOne = async (path: string) => {
    const result = await renderPage(data, site, path, new URLSearchParams());
    if (result.status !== 200) throw new Error(`The site map produced ${path}, which renders as ${result.status}`);
    await write(join(...path.split('/').filter(Boolean).map(decodeURIComponent), 'index.html'), result.html.value);
    done++;
    options.onProgress?.(done, expected);
  };
  /** A few pages in flight at once: the store's queries overlap with rendering and writing. */
  const renderAll = async (paths: readonly string[]) => {
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < paths.length) await renderOne(paths[next++] as string);
    }));
  };

  await renderAll(fixed);
  // Entity pages go a batch at a time, so the list of 50,000 paths is never held at once.
  let after: string | undefined;
  for (let refs = await store.refsAfter(after, REFS_BATCH); refs.length > 0; refs = await store.refsAfter(after, REFS_BATCH)) {
    await renderAll(refs.flatMap(({ key, ref }) => [entityPath(ref), `${entityPath(ref)}graph/`, ...(docPaths.get(key) ?? [])]));
    after = refs.at(-1)?.key;
  }

  await write('404.html', notFoundView(site).value);
  for (const [path, file] of assets.files) await write(path, file.body);
  await write('search-index.json', JSON.stringify(packIndex(entries)));
  await write('offline.json', offlineManifest(assets, withDocs.filter((d) => d.runbook !== undefined).map((d) => runbookPagePath(d.ref))));
  return { pages: done, files, bytes };
}

/** Home, search, every list view (the whole catalog and each facet value, every page) and every problems page. */
async function fixedPaths(store: CatalogReader): Promise<string[]> {
  const paths = ['', 'search/'];
  const all = await store.browseEntities({}, 'name', 0, 1);
  for (let p = 1; p <= pageCount(all.total, PAGE_SIZE); p++) paths.push(staticCatalogPath({ filters: {}, sort: 'name', page: p }));
  for (const facet of FILTER_FACETS) {
    for (const { value, count } of await store.facetCounts(facet)) {
      if (!staticFacetPossible(value)) continue; // linked as the whole list instead (see catalogUrl)
      for (let p = 1; p <= pageCount(count, PAGE_SIZE); p++) paths.push(staticCatalogPath({ filters: { [facet]: value }, sort: 'name', page: p }));
    }
  }
  const problems = await store.listProblems({}, 1);
  for (let p = 1; p <= pageCount(problems.errors + problems.warnings, PROBLEMS_PAGE_SIZE); p++) paths.push(p === 1 ? 'problems/' : `problems/page/${p}/`);
  return paths;
}
