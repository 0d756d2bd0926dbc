import { parentPort, workerData } from 'node:worker_threads';
import { CatalogRoot } from './files.ts';
import { parseFile, type ParseJob } from './load.ts';
import type { UrlMap } from './repository-urls.ts';
import { loadableModule } from '../platform/source-tree.ts';

/**
 * A worker thread of the parse pool: parses the files it is sent, under the same root
 * rules. A pool lives for one sync, so the files its root remembers (readShared) do too.
 */
interface WorkerConfig {
  rootDir: string;
  maxFileBytes: number;
  urls: UrlMap;
  /** The modules that registered the parent's extra kinds (kinds.ts): importing them registers the same kinds here. */
  kindModules: readonly string[];
}

const config = (workerData as { data: WorkerConfig }).data;
for (const module of config.kindModules) await import(loadableModule(new URL(module)).href);
/** The parent's clock at the job being parsed (one job at a time per worker). */
let now = Date.now();
const root = await CatalogRoot.open(config.rootDir, config.maxFileBytes, config.urls, () => now);
const port = parentPort;
if (!port) throw new Error('parse-worker.ts runs only as a worker thread');

port.on('message', (message: { id: number; job: ParseJob; now: number }) => {
  now = message.now;
  parseFile(root, message.job).then(
    (result) => port.postMessage({ id: message.id, result }),
    (err: unknown) =>
      port.postMessage({ id: message.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
port.postMessage({ ready: true });
