import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread running a TypeScript module: the worker registers tsx's loader
 * itself (a worker does not inherit the parent's loader hooks), then imports `entry`.
 * The module reads its input from `workerData.data`.
 */
export function startTsWorker(entry: URL, data: unknown): Worker {
  return new Worker(BOOTSTRAP, { eval: true, execArgv: [], workerData: { tsx: TSX_API, entry: entry.href, data } });
}

const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
import(workerData.tsx).then((api) => { api.register(); return import(workerData.entry); });
`;
const TSX_API = import.meta.resolve('tsx/esm/api');
