import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../src/platform/log.ts';
import { RunnerAgent } from '../src/runners/agent.ts';
import { httpTransport } from '../src/runners/http-transport.ts';
import type { FinishedRun, RunnerSettings, WorkOrder } from '../src/runners/model.ts';
import { inProcessTransport, type RunnerTransport } from '../src/runners/transport.ts';
import { FILE_SIGNAL_KIND, fileSignalExecutor } from './support/file-signal-executor.ts';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.ts';
import { useTestServer } from './support/test-server.ts';

/**
 * The runner agent against a real server (in-process, and over HTTP through a proxy that can
 * refuse connections): concurrency, cancel, timeout, unknown kinds, shutdown, a report that
 * outlives an outage, and secrets kept out of its logs.
 */

const FIXTURE = fileURLToPath(new URL('./fixtures/notifications/', import.meta.url));
const SETTINGS: RunnerSettings = {
  location: 'eu',
  tags: [],
  allowedPrivateTargets: [],
  allowedCommands: [],
  allowedWorkingDirectories: [],
  allowedEnvironment: [],
};
const SECRET = 'sekret-value-never-logged';

async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('the runner agent', () => {
  const fixture = useTestServer('sqlite', {
    catalog: FIXTURE,
    listen: true,
    runnerLeaseMs: 600,
    runnerLongPollMs: 100,
    secrets: { API_KEY: SECRET },
  });
  const heard: FinishedRun[] = [];
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(line) } });
  let dir = '';
  let proxy: TcpProxy;
  let token = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'atrium-agent-'));
    token = (await fixture.server.tokens.create('agent', ['runner'], null)).token;
    proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(fixture.url).port) });
    fixture.server.runners.handle({
      kind: FILE_SIGNAL_KIND,
      async recorded(run) {
        heard.push(run);
      },
    });
  });
  after(async () => {
    await proxy.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function order(name: string, extra: Partial<WorkOrder> = {}): WorkOrder {
    return {
      kind: FILE_SIGNAL_KIND,
      subject: `job:default/${name}`,
      dedupKey: `job:default/${name}@1`,
      location: 'eu',
      tags: [],
      dueAt: Date.now(),
      timeoutMs: 60_000,
      secrets: ['API_KEY'],
      payload: { dir, name },
      ...extra,
    };
  }

  function agent(
    t: { after(fn: () => Promise<void>): void },
    transport: RunnerTransport,
    concurrency = 2,
  ): RunnerAgent {
    const runner = new RunnerAgent({
      name: `agent-${concurrency}`,
      version: '0.1.0',
      settings: SETTINGS,
      concurrency,
      transport,
      executors: [fileSignalExecutor],
      logger,
      retry: { firstMs: 20, maxMs: 100 },
    });
    const done = runner.run();
    t.after(async () => {
      await runner.stop(0);
      await done;
    });
    return runner;
  }

  const started = (name: string) => readdirSync(dir).some((f) => f.startsWith(`${name}.started.`));
  const heardOf = (name: string) => heard.filter((h) => h.subject === `job:default/${name}`);

  test('runs at most `concurrency` at once; the rest wait in the queue until a slot frees', async (t) => {
    await fixture.server.runners.enqueue(['c1', 'c2', 'c3'].map((n, i) => order(n, { dueAt: Date.now() - 10 + i })));
    const runner = agent(t, inProcessTransport(fixture.server.runners), 2);
    await until('two runs started', () => (started('c1') && started('c2') ? true : undefined));
    assert.equal(runner.running, 2);
    assert.equal((await fixture.server.runners.unfinished('job:default/c3'))[0]?.state, 'queued');
    writeFileSync(join(dir, 'c1.go'), '');
    await until('the third run started', () => (started('c3') ? true : undefined));
    writeFileSync(join(dir, 'c2.go'), '');
    writeFileSync(join(dir, 'c3.go'), '');
    await until('three outcomes', () => (['c1', 'c2', 'c3'].every((n) => heardOf(n).length === 1) ? true : undefined));
    assert.deepEqual(
      ['c1', 'c2', 'c3'].map((n) => heardOf(n)[0]?.outcome.status),
      ['success', 'success', 'success'],
    );
  });

  test('a cancelled run is aborted on its next renewal and not reported; the handler hears the cancel once', async (t) => {
    await fixture.server.runners.enqueue([order('cancel-me')]);
    const runner = agent(t, inProcessTransport(fixture.server.runners), 1);
    await until('the run started', () => (started('cancel-me') ? true : undefined));
    assert.equal(await fixture.server.runners.cancel('job:default/cancel-me', 'suspended by ada'), 1);
    await until('the run aborted', () => (runner.running === 0 ? true : undefined));
    assert.deepEqual(
      heardOf('cancel-me').map((h) => [h.outcome.status, h.outcome.summary]),
      [['cancelled', 'suspended by ada']],
    );
  });

  test('a run past its timeout is aborted and reported as an error; work of an unknown kind is an error too', async (t) => {
    await fixture.server.runners.enqueue([
      order('slow', { timeoutMs: 200 }),
      order('alien', { kind: FILE_SIGNAL_KIND, payload: null, subject: 'job:default/alien' }),
    ]);
    fixture.server.runners.handle({
      kind: 'alien-kind',
      async recorded(run) {
        heard.push(run);
      },
    });
    await fixture.server.runners.enqueue([order('unknown', { kind: 'alien-kind' })]);
    agent(t, inProcessTransport(fixture.server.runners), 3);
    const [slow] = await until('the timed-out outcome', () => (heardOf('slow').length ? heardOf('slow') : undefined));
    assert.deepEqual(slow?.outcome, { status: 'error', summary: 'timed out after 0.2 s', detail: null });
    const [unknown] = await until('the unknown kind', () =>
      heardOf('unknown').length ? heardOf('unknown') : undefined,
    );
    assert.deepEqual(unknown?.outcome, {
      status: 'error',
      summary: 'this runner has no executor for work of kind alien-kind',
      detail: null,
    });
    const [alien] = await until('the failing executor', () => (heardOf('alien').length ? heardOf('alien') : undefined));
    assert.equal(alien?.outcome.status, 'error');
    assert.match(alien?.outcome.summary ?? '', /^the executor failed: /);
  });

  test('stopping hands unfinished work back at once: queued again under the same run id; executors are closed', async (t) => {
    await fixture.server.runners.enqueue([order('handed-back')]);
    let closed = 0;
    const runner = new RunnerAgent({
      name: 'stopping',
      version: '0.1.0',
      settings: SETTINGS,
      concurrency: 1,
      transport: inProcessTransport(fixture.server.runners),
      executors: [
        fileSignalExecutor,
        // What it keeps between runs (a browser) ends with the runner.
        {
          kind: 'keeps-a-browser',
          run: async () => ({ status: 'success', summary: 'ok', detail: null }),
          close: async () => {
            closed++;
          },
        },
      ],
      logger,
    });
    const done = runner.run();
    t.after(() => done);
    await until('the run started', () => (started('handed-back') ? true : undefined));
    const [before] = await fixture.server.runners.unfinished('job:default/handed-back');
    await runner.stop(0);
    await done;
    assert.deepEqual(await fixture.server.runners.unfinished('job:default/handed-back'), [
      { runId: before?.runId, dedupKey: 'job:default/handed-back@1', state: 'queued' },
    ]);
    assert.equal(heardOf('handed-back').length, 0);
    assert.equal(closed, 1, 'closed once the runner stopped');
    // Not for the next test's runner.
    await fixture.server.runners.cancel('job:default/handed-back', 'test over');
  });

  test('a report during an outage is retried until the server is back, and recorded once; secrets stay out of the logs', async (t) => {
    await fixture.server.runners.enqueue([order('outage')]);
    agent(t, httpTransport({ server: `http://127.0.0.1:${proxy.port}`, token, leaseTimeoutMs: 5_000 }), 1);
    await until('the run started', () => (started('outage') ? true : undefined));
    proxy.refuse(true);
    proxy.cut();
    const failuresBefore = logs.filter((l) => l.includes('reporting run')).length;
    writeFileSync(join(dir, 'outage.go'), '');
    await until('two failed report attempts', () =>
      logs.filter((l) => l.includes('reporting run')).length >= failuresBefore + 2 ? true : undefined,
    );
    assert.equal(heardOf('outage').length, 0);
    proxy.refuse(false);
    const [outcome] = await until('the outcome', () => (heardOf('outage').length ? heardOf('outage') : undefined));
    assert.equal(outcome?.outcome.status, 'success');
    assert.equal(heardOf('outage').length, 1);
    assert.ok(logs.length > 0);
    assert.ok(!logs.some((l) => l.includes(SECRET)), 'no log line holds a secret');
  });
});
