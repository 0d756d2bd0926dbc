import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { FinishedRun } from '../src/runners/model.ts';
import { describeEachDatabase } from './support/databases.ts';
import { FILE_SIGNAL_KIND } from './support/file-signal-executor.ts';
import { useTestServer } from './support/test-server.ts';

/**
 * Real runner processes (`atrium runner` with the tests' file-signal executor) against a
 * server on loopback: one is killed mid-run, its lease lapses on the server's clock, another
 * runner takes the run under the same id, and the outcome is recorded once.
 */

const FIXTURE = fileURLToPath(new URL('./fixtures/notifications/', import.meta.url));
const ENTRY = fileURLToPath(new URL('./support/runner-main.ts', import.meta.url));
const REPO = fileURLToPath(new URL('..', import.meta.url));
const T0 = Date.parse('2026-12-07T12:00:00Z');
const LEASE_MS = 3_000;

/**
 * Polls `check` every 25 ms until it answers something, failing after `ms`. The limits are
 * generous on purpose: a runner process starts with the TypeScript loader, which on a loaded
 * 2-core machine took over 20 s; a runner that died fails at once through `alive`.
 */
async function until<T>(what: string, ms: number, check: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describeEachDatabase('a runner process killed mid-run', (dialect) => {
  const clock = { now: T0 };
  const heard: FinishedRun[] = [];
  const fixture = useTestServer(dialect, {
    catalog: FIXTURE,
    listen: true,
    runnerNow: () => clock.now,
    runnerLeaseMs: LEASE_MS,
    runnerLongPollMs: 500,
  });
  let token = '';
  before(async () => {
    token = (await fixture.server.tokens.create('runners', ['runner'], null)).token;
    fixture.server.runners.handle({
      kind: FILE_SIGNAL_KIND,
      async recorded(run) {
        heard.push(run);
      },
    });
  });

  function runner(t: { after(fn: () => void): void }, name: string, cwd: string): ChildProcessWithoutNullStreams {
    // From the repository, where --import tsx resolves (it has no atrium.yaml to read).
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', ENTRY, '--server', fixture.url, '--location', 'eu', '--name', name, '--concurrency', '1'],
      { cwd, env: { ...process.env, ATRIUM_TOKEN: token, ATRIUM_LOG_LEVEL: 'warn' }, stdio: 'pipe' },
    );
    child.stderr.setEncoding('utf8');
    t.after(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    return child;
  }

  test('the lease lapses, another runner runs it under the same run id, and one outcome is recorded', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'atrium-runner-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    await fixture.server.runners.enqueue([
      {
        kind: FILE_SIGNAL_KIND,
        subject: 'job:default/killed',
        dedupKey: 'job:default/killed@1',
        location: 'eu',
        tags: [],
        dueAt: T0,
        timeoutMs: 120_000,
        secrets: [],
        payload: { dir, name: 'work' },
      },
    ]);
    const started = (child: ChildProcessWithoutNullStreams) => {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`the runner exited (${child.exitCode ?? child.signalCode}) before starting the run`);
      return readdirSync(dir).includes(`work.started.${child.pid}`) ? true : undefined;
    };

    const first = runner(t, 'runner-a', REPO);
    await until('the first runner to start the run', 120_000, () => started(first));
    const [{ runId } = { runId: '' }] = await fixture.server.runners.unfinished('job:default/killed');
    assert.equal((await fixture.server.runners.run(runId))?.attempt, 1);
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));

    // The server's clock passes the lease: the run is due again, for the next runner.
    clock.now = T0 + LEASE_MS + 1;
    const second = runner(t, 'runner-b', REPO);
    await until('the second runner to start the same run', 120_000, () => started(second));
    assert.deepEqual(await fixture.server.runners.unfinished('job:default/killed'), [
      { runId, dedupKey: 'job:default/killed@1', state: 'leased' },
    ]);
    assert.equal((await fixture.server.runners.run(runId))?.attempt, 2);

    writeFileSync(join(dir, 'work.go'), '');
    // The handler hears of the outcome inside the transaction that records it: wait for the commit too.
    const [finished] = await until('the outcome, committed', 120_000, async () =>
      heard.length > 0 && (await fixture.server.runners.run(runId))?.state === 'finished' ? heard : undefined,
    );
    assert.equal(heard.length, 1);
    assert.equal(finished?.runId, runId);
    assert.equal(finished?.attempt, 2);
    assert.equal(finished?.runner, 'runner-b');
    assert.deepEqual(finished?.outcome, {
      status: 'success',
      summary: `ran in ${second.pid}`,
      detail: { pid: second.pid ?? null },
    });
    assert.equal((await fixture.server.runners.run(runId))?.state, 'finished');

    // SIGTERM: it stops leasing and exits cleanly, with nothing in hand.
    const exited = new Promise<number | null>((resolve) => second.once('exit', (code) => resolve(code)));
    second.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.equal(heard.length, 1, 'still one outcome');
  });
});
