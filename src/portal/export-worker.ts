import { parentPort, workerData } from 'node:worker_threads';
import { CatalogRoot } from '../catalog/files.ts';
import { CatalogSnapshot, type SnapshotRows } from '../catalog/snapshot.ts';
import { DocsSource } from '../docs/docs-source.ts';
import { prepareEntries, type PreparedIndex } from '../search/rank.ts';
import { buildSearchIndex } from '../search/search-index.ts';
import { loadAssets } from './assets.ts';
import { renderPaths, writerFor } from './export-pages.ts';
import { loadSiteEntities, type PortalData } from './site-map.ts';
import { externalRefs } from '../platform/external-refs.ts';

/**
 * A worker thread of `atrium build`: renders its share of the site's paths from its own
 * snapshot of the rows its parent read. Reports progress every 100 pages and its totals
 * at the end.
 */
export interface ExportWorkerInput {
  rows: SnapshotRows;
  basePath: string;
  out: string;
  paths: string[];
  /** The module exporting `entitySections` (functions cannot be sent to a thread; a module can be imported). */
  sectionsModule: string;
  /** The catalog root, when docs and runbooks are rendered. */
  catalogDir?: string;
  maxFileBytes?: number;
  /** catalog.externalRefs, as patterns (a thread cannot receive the compiled matcher). */
  externalRefs: readonly string[];
}

const input = (workerData as { data: ExportWorkerInput }).data;
const port = parentPort;
if (!port) throw new Error('export-worker.ts runs only as a worker thread');

try {
  const store = CatalogSnapshot.fromRows(input.rows);
  const docs =
    input.catalogDir === undefined
      ? undefined
      : new DocsSource(() => CatalogRoot.open(input.catalogDir as string, input.maxFileBytes));
  const { entitySections } = (await import(input.sectionsModule)) as { entitySections: PortalData['sections'] };
  let index: PreparedIndex | undefined;
  const data: PortalData = {
    store,
    docs,
    searchIndex: async () => (index ??= prepareEntries(await buildSearchIndex(store, docs))),
    sections: entitySections,
  };
  const assets = await loadAssets();
  const writer = writerFor(input.out);
  let done = 0;
  await renderPaths(
    data,
    {
      basePath: input.basePath,
      mode: 'static',
      assets: assets.names,
      entities: await loadSiteEntities(store, externalRefs(input.externalRefs)),
    },
    writer,
    input.paths,
    () => {
      if (++done % 100 === 0) port.postMessage({ progress: 100 });
    },
  );
  port.postMessage({ progress: done % 100, files: writer.files, bytes: writer.bytes, pages: done });
} catch (err) {
  port.postMessage({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
}
