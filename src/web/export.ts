import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { parseCatalogQuery, PAGE_SIZE, FILTER_FACETS, staticCatalogPath } from '../catalog/pages/catalog-query.ts';
import { PROBLEMS_PAGE_SIZE } from '../catalog/pages/problems-page.ts';
import { keyOfRef } from '../catalog/model.ts';
import { operationsOf, RUNBOOK_ANNOTATION } from '../catalog/operations.ts';
import type { CatalogStore } from '../catalog/store.ts';
import { docSlug, type DocsSource } from '../docs/docs-source.ts';
import { AtriumError } from '../platform/errors.ts';
import { packIndex, prepareEntries, type PreparedEntry, type SearchEntry } from '../search/rank.ts';
import { buildSearchIndex } from '../search/search-index.ts';
import { loadAssets, offlineManifest } from './assets.ts';
import { renderPage, type PortalData } from './site-map.ts';
import { entityPath, type Site } from './site.ts';

/** Marks a folder as an Atrium export, so a rebuild may empty it (and nothing else is ever emptied). */
const EXPORT_MARKER = '.atrium-export';
const CONCURRENCY = 8;
const REFS_BATCH = 1000;

export interface ExportOptions {
  store: CatalogStore;
  docs?: DocsSource;
  out: string;
  basePath: string;
  /** Called after every page with the count so far and the total known so far. */
  onProgress?: (done: number, known: number) => void;
}

export interface ExportReport {
  pages: number;
  files: number;
  bytes: number;
  durationMs: number;
}

/** Refuses to write into a folder that holds anything but an earlier export; empties an earlier export. */
async function prepareOut(out: string): Promise<void> {
  const entries: string[] = await readdir(out).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw new AtriumError({ category: 'operator-fixable', code: 'out-unreadable', message: `Cannot read ${out}: ${err.code ?? err.message}`, hint: 'Pass --out a folder Atrium may write to.' });
  });
  if (entries.length > 0 && !entries.includes(EXPORT_MARKER)) {
    throw new AtriumError({ category: 'user-fixable', code: 'out-not-empty', message: `${out} is not empty and is not an earlier Atrium export`, hint: 'Pass --out an empty or new folder; Atrium only replaces folders it built.' });
  }
  for (const entry of entries) await rm(join(out, entry), { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  await writeFile(join(out, EXPORT_MARKER), 'This folder was written by `atrium build` and is replaced by the next build.\n');
}

/**
 * Renders every page of the site map into static files under `out`: each page as
 * `<path>/index.html`, so links ending in `/` work on any static file server under the
 * base path. Pages come from the same loaders and views as the live server.
 */
export async function exportSite(options: ExportOptions): Promise<ExportReport> {
  const started = performance.now();
  const out = resolve(options.out);
  await prepareOut(out);
  const assets = await loadAssets();
  const site: Site = { basePath: options.basePath, mode: 'static', assets: assets.names };
  let index: Promise<SearchEntry[]> | undefined;
  const entries = () => (index ??= buildSearchIndex(options.store, options.docs));
  let prepared: Promise<PreparedEntry[]> | undefined;
  const data: PortalData = { store: options.store, docs: options.docs, searchIndex: () => (prepared ??= entries().then(prepareEntries)) };

  let files = 0;
  let bytes = 0;
  const write = async (path: string, body: string | Buffer) => {
    const file = resolve(out, path);
    if (file !== out && !file.startsWith(out + sep)) throw new Error(`Refusing to write outside the export: ${path}`);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, body);
    files++;
    bytes += Buffer.byteLength(body);
  };

  let done = 0;
  const render = async (path: string) => {
    const result = await renderPage(data, site, path, new URLSearchParams());
    if (result.status !== 200) throw new Error(`The site map produced ${path}, which renders as ${result.status}`);
    await write(join(...path.split('/').filter(Boolean).map(decodeURIComponent), 'index.html'), result.html.value);
    done++; // not inside the call below: `?.` skips evaluating its arguments
    options.onProgress?.(done, expected);
  };
  /** A few pages in flight at once: the store's queries overlap with rendering and writing. */
  const renderAll = async (paths: readonly string[]) => {
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < paths.length) await render(paths[next++] as string);
    }));
  };

  const fixed = await fixedPaths(options.store);
  const extras = await fileBackedPaths(options.store, options.docs);
  const entityCount = (await options.store.browseEntities({}, 'name', 0, 1)).total;
  const expected = fixed.length + entityCount * 2 + [...extras.values()].reduce((n, paths) => n + paths.length, 0);
  await renderAll(fixed);
  // Entity pages go a batch at a time, so the list of 50,000 paths is never held at once.
  let after: string | undefined;
  for (let refs = await options.store.refsAfter(after, REFS_BATCH); refs.length > 0; refs = await options.store.refsAfter(after, REFS_BATCH)) {
    await renderAll(refs.flatMap(({ key, ref }) => [entityPath(ref), `${entityPath(ref)}graph/`, ...(extras.get(key) ?? [])]));
    after = refs.at(-1)?.key;
  }

  const notFound = await renderPage(data, site, '404/', new URLSearchParams());
  if (notFound.status === 404) await write('404.html', notFound.html.value);
  for (const [path, file] of assets.files) await write(path, file.body);
  await write('search-index.json', JSON.stringify(packIndex(await entries())));
  const runbooks = (await entries()).filter((e) => e.type === 'runbook').map((e) => e.path);
  await write('offline.json', offlineManifest(assets, runbooks));
  return { pages: done, files, bytes, durationMs: Math.round(performance.now() - started) };
}

/** Home, search, every list view (the whole catalog and each facet value, every page) and every problems page. */
async function fixedPaths(store: CatalogStore): Promise<string[]> {
  const paths = ['', 'search/'];
  const pages = (total: number, size: number) => Math.max(1, Math.ceil(total / size));
  const all = await store.browseEntities({}, 'name', 0, 1);
  for (let p = 1; p <= pages(all.total, PAGE_SIZE); p++) paths.push(staticCatalogPath({ filters: {}, sort: 'name', page: p }));
  for (const facet of FILTER_FACETS) {
    for (const value of await store.facetValues(facet)) {
      const query = parseCatalogQuery(new URLSearchParams({ [facet]: value })).query;
      const { total } = await store.browseEntities(query.filters, 'name', 0, 1);
      for (let p = 1; p <= pages(total, PAGE_SIZE); p++) paths.push(staticCatalogPath({ ...query, page: p }));
    }
  }
  const problems = await store.listProblems({}, 1);
  const problemPages = pages(problems.errors + problems.warnings, PROBLEMS_PAGE_SIZE);
  for (let p = 1; p <= problemPages; p++) paths.push(p === 1 ? 'problems/' : `problems/page/${p}/`);
  return paths;
}

/** The runbook and docs pages of entities whose files are in the catalog root, by entity key. */
async function fileBackedPaths(store: CatalogStore, docs: DocsSource | undefined): Promise<Map<string, string[]>> {
  const byKey = new Map<string, string[]>();
  if (!docs) return byKey;
  for (const { ref, entity, file } of await store.entitiesMentioning(['backstage.io/techdocs-ref', RUNBOOK_ANNOTATION])) {
    const ops = operationsOf(entity, file);
    const paths: string[] = [];
    if (ops.runbooks.some((r) => r.path !== undefined)) paths.push(`${entityPath(ref)}runbook/`);
    const dir = ops.docs.find((d) => d.path !== undefined)?.path;
    const tree = dir === undefined ? undefined : await docs.tree(dir);
    for (const page of tree?.pages ?? []) paths.push(`${entityPath(ref)}docs/${docSlug(page)}`);
    byKey.set(keyOfRef(ref), [...new Set(paths)]);
  }
  return byKey;
}
