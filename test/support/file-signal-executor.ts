import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Json, WorkExecutor } from '../../src/runners/model.ts';

/** The kind of work the runner tests order: no capability orders it. */
export const FILE_SIGNAL_KIND = 'test-file-signal';

/**
 * A real executor for tests of runners: it writes `<dir>/<name>.started.<pid>` when it
 * starts, then waits (polling, until its signal aborts) for `<dir>/<name>.go`, and answers
 * success naming the process that ran it. A test sees a run start, kills or lets its runner
 * finish, and knows which process did the work.
 */
export const fileSignalExecutor: WorkExecutor = {
  kind: FILE_SIGNAL_KIND,
  async run(payload: Json, context) {
    const { dir, name } = payload as { dir: string; name: string };
    writeFileSync(join(dir, `${name}.started.${process.pid}`), String(context.now()));
    while (!existsSync(join(dir, `${name}.go`))) await sleep(20, undefined, { signal: context.signal });
    return { status: 'success', summary: `ran in ${process.pid}`, detail: { pid: process.pid } };
  },
};
