import { Worker, type ResourceLimits } from 'node:worker_threads';
import { loadableModule, RUNS_BUNDLED } from './source-tree.ts';

/**
 * Starts a worker thread running a TypeScript module: from the sources, the worker
 * registers tsx's loader itself (a worker does not inherit the parent's loader hooks),
 * then imports `entry`; from the CLI bundle, it runs the bundle's entry point built from
 * `entry` directly (source-tree.ts). The module reads its input from `workerData.data`.
 */
export function startTsWorker(entry: URL, data: unknown, resourceLimits?: ResourceLimits): Worker {
  const options = { execArgv: [], ...(resourceLimits ? { resourceLimits } : {}) };
  if (RUNS_BUNDLED) return new Worker(loadableModule(entry), { ...options, workerData: { data } });
  return new Worker(BOOTSTRAP, { ...options, eval: true, workerData: { tsx: TSX_API, entry: entry.href, data } });
}

const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
import(workerData.tsx).then((api) => { api.register(); return import(workerData.entry); });
`;
const TSX_API = import.meta.resolve('tsx/esm/api');
