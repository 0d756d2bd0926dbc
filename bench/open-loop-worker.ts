/**
 * runOpenLoop on a thread of its own (runOpenLoopInWorker): a benchmark whose server runs
 * in the benchmark's own process keeps the load generator off the server's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type OpenLoopOptions, runOpenLoop } from './load-generator.ts';

parentPort?.postMessage(await runOpenLoop((workerData as { data: OpenLoopOptions }).data));
