import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import { silentLogger } from '../src/platform/log.ts';
import { RunnerAgent } from '../src/runners/agent.ts';
import type { LeasedRun, RunnerSettings, WorkOutcome } from '../src/runners/model.ts';
import type { ReportAnswer, RunReport } from '../src/runners/protocol.ts';
import type { RunnerTransport } from '../src/runners/transport.ts';

/**
 * The agent's batched reports, against a transport of the test's own (no server, no clock):
 * a report goes at once when none is in flight, those finishing meanwhile go together next,
 * and a batch that fails is reported run by run as before.
 */

const SETTINGS: RunnerSettings = {
  location: 'eu',
  tags: [],
  allowedPrivateTargets: [],
  allowedCommands: [],
  allowedWorkingDirectories: [],
  allowedEnvironment: [],
};
const OK: WorkOutcome = { status: 'success', summary: 'ok', detail: null };

function leased(runId: string): LeasedRun {
  return {
    runId,
    attempt: 1,
    leaseToken: `token-${runId}`,
    leaseExpiresAt: 0,
    leaseMs: 3_600_000,
    kind: 'test',
    subject: 'job:default/a',
    timeoutMs: 3_600_000,
    payload: runId,
    secrets: {},
  };
}

/** Four runs leased once; each finishes when the test says; the reports each transport call carried. */
function fixture(reportMany: (reports: readonly RunReport[], call: number) => Promise<ReportAnswer[]>) {
  const finish = new Map<string, () => void>();
  const batches: string[][] = [];
  const alone: string[] = [];
  let handed = false;
  const transport: RunnerTransport = {
    async lease(_runner, signal) {
      if (handed) {
        if (!signal.aborted) await once(signal, 'abort');
        return [];
      }
      handed = true;
      return ['r1', 'r2', 'r3', 'r4'].map(leased);
    },
    renew: async () => ({ state: 'leased', leaseExpiresAt: 0 }),
    async report(runId) {
      alone.push(runId);
      return { state: 'recorded' };
    },
    reportMany(reports) {
      batches.push(reports.map((r) => r.runId));
      return reportMany(reports, batches.length);
    },
    release: async () => true,
  };
  const agent = new RunnerAgent({
    name: 'batch',
    version: 'test',
    settings: SETTINGS,
    concurrency: 4,
    transport,
    executors: [
      {
        kind: 'test',
        run: (payload) => new Promise<WorkOutcome>((resolve) => finish.set(String(payload), () => resolve(OK))),
      },
    ],
    logger: silentLogger(),
    retry: { firstMs: 1, maxMs: 1 },
  });
  const done = agent.run();
  return { agent, done, finish, batches, alone };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await turn();
}

test('a report goes at once; those finishing while it is in flight go together next, each answered once', async () => {
  let release = () => {};
  const inFlight = new Promise<void>((resolve) => {
    release = resolve;
  });
  const { agent, done, finish, batches, alone } = fixture(async (reports, call) => {
    if (call === 1) await inFlight;
    return reports.map(() => ({ state: 'recorded' }));
  });
  try {
    await settle();
    assert.equal(agent.running, 4);
    finish.get('r1')?.();
    await settle();
    assert.deepEqual(batches, [['r1']], 'the first report went alone, at once');
    for (const id of ['r2', 'r3', 'r4']) finish.get(id)?.();
    await settle();
    assert.deepEqual(batches, [['r1']], 'the others wait for the report in flight');
    release();
    await settle();
    assert.deepEqual(batches, [['r1'], ['r2', 'r3', 'r4']]);
    assert.deepEqual(alone, []);
    assert.equal(agent.running, 0);
  } finally {
    await agent.stop(0);
    await done;
  }
});

test('a batch that fails, or answers short, is reported run by run', async () => {
  let release = () => {};
  const inFlight = new Promise<void>((resolve) => {
    release = resolve;
  });
  const { agent, done, finish, batches, alone } = fixture(async (reports, call) => {
    if (call === 1) throw new Error('server down');
    if (call === 2) {
      await inFlight;
      return [];
    }
    return reports.map(() => ({ state: 'recorded' }));
  });
  try {
    await settle();
    finish.get('r1')?.();
    await settle();
    assert.deepEqual(alone, ['r1'], 'the failed batch: reported alone');
    finish.get('r2')?.();
    await settle();
    finish.get('r3')?.();
    await settle();
    release();
    await settle();
    assert.deepEqual(batches, [['r1'], ['r2'], ['r3']]);
    assert.deepEqual(alone, ['r1', 'r2'], 'the batch answered short: reported alone');
    assert.equal(agent.running, 1);
  } finally {
    await agent.stop(0);
    await done;
  }
});
