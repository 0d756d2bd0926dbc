import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createLogger } from './log.ts';
import { BackgroundTasks, type BackgroundTask } from './tasks.ts';

interface Line {
  level: string;
  component?: string;
  msg: string;
  count?: number;
  err?: { message?: string; code?: string; stack?: string };
}

/** The server's logger, keeping its lines, to see what a failed run logs. */
function recordingLogger() {
  const lines: Line[] = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  });
  return { logger, lines };
}

/** A promise with its resolve, to hold a run open. */
function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const task = (overrides: Partial<BackgroundTask> & Pick<BackgroundTask, 'run'>): BackgroundTask => ({
  name: 'test',
  scope: 'each-replica',
  intervalMs: 1000,
  component: 'test',
  failure: 'the test task failed',
  ...overrides,
});

/** Lets the runs a tick started get going (they start from a microtask). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function fakeTimers(t: TestContext) {
  t.mock.timers.enable({ apis: ['setInterval'] });
  return (ms: number) => t.mock.timers.tick(ms);
}

test('a task runs every interval, from one interval after its stage starts', async (t) => {
  const tick = fakeTimers(t);
  const tasks = new BackgroundTasks(recordingLogger().logger);
  const runs: string[] = [];
  tasks.add(
    task({ name: 'early', startAt: 'listening', run: async () => void runs.push('early') }),
    task({ name: 'late', run: async () => void runs.push('late') }),
  );
  tasks.start('listening');
  tick(999);
  await settle();
  assert.deepEqual(runs, []);
  tick(1);
  await settle();
  assert.deepEqual(runs, ['early'], 'only the listening stage has started');
  tasks.start('ready');
  tick(1000);
  await settle();
  assert.deepEqual(runs, ['early', 'early', 'late']);
  await tasks.stop();
});

test('a task without an interval runs once, when its stage starts', async () => {
  const tasks = new BackgroundTasks(recordingLogger().logger);
  let runs = 0;
  tasks.add(task({ intervalMs: undefined, run: async () => void runs++ }));
  tasks.start('listening');
  await settle();
  assert.equal(runs, 0);
  tasks.start('ready');
  await settle();
  assert.equal(runs, 1);
  await tasks.stop();
});

test('never two runs of one task at once: a tick during a run is skipped', async (t) => {
  const tick = fakeTimers(t);
  const tasks = new BackgroundTasks(recordingLogger().logger);
  const slow = gate();
  let started = 0;
  let running = 0;
  let most = 0;
  tasks.add(
    task({
      async run() {
        started++;
        most = Math.max(most, ++running);
        if (started === 1) await slow.opened;
        running--;
      },
    }),
  );
  tasks.start('ready');
  for (let i = 0; i < 5; i++) {
    tick(1000);
    await settle();
  }
  assert.equal(started, 1, 'the ticks while the first run was going started nothing');
  slow.open();
  await settle();
  tick(1000);
  await settle();
  assert.equal(started, 2, 'the next tick after it runs again');
  assert.equal(most, 1);
  await tasks.stop();
});

test('a failed run is logged with its component and message, and the task keeps running (a repeat is counted, not logged)', async (t) => {
  const tick = fakeTimers(t);
  const { logger, lines } = recordingLogger();
  const tasks = new BackgroundTasks(logger);
  let runs = 0;
  tasks.add(
    task({
      component: 'flags',
      failure: 'could not move release plans on',
      async run() {
        runs++;
        throw new Error('database gone');
      },
    }),
    task({
      name: 'throws-at-once',
      intervalMs: undefined,
      run: () => {
        throw new Error('before any await');
      },
    }),
  );
  tasks.start('ready');
  tick(1000);
  await settle();
  tick(1000);
  await settle();
  assert.equal(runs, 2);
  assert.deepEqual(
    lines.map((l) => [l.level, l.component, l.msg]),
    [
      ['warn', 'test', 'the test task failed'],
      ['warn', 'flags', 'could not move release plans on'],
    ],
  );
  await tasks.stop();
});

test('a task that keeps failing logs when it starts, then a count a minute, then once when it recovers; an outage without a stack, a bug with it', async (t) => {
  const tick = fakeTimers(t);
  let now = 0;
  const { logger, lines } = recordingLogger();
  const tasks = new BackgroundTasks(logger, () => now);
  let failure: Error | undefined = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
    code: 'ECONNREFUSED',
  });
  tasks.add(
    task({
      name: 'other-replicas-writes',
      component: 'changes',
      failure: 'could not read the newest change ids',
      async run() {
        if (failure) throw failure;
      },
    }),
  );
  tasks.start('ready');
  const seconds = async (n: number) => {
    for (let i = 0; i < n; i++) {
      now += 1000;
      tick(1000);
      await settle();
    }
  };
  // A database outage of 150 s, a run a second; a count a minute.
  await seconds(150);
  failure = undefined;
  await seconds(5);
  assert.deepEqual(
    lines.map((l) => [l.level, l.msg, l.count]),
    [
      ['warn', 'could not read the newest change ids', undefined],
      ['warn', 'could not read the newest change ids (still failing: 60 more failures, 61 since it started)', 60],
      ['warn', 'could not read the newest change ids (still failing: 60 more failures, 121 since it started)', 60],
      ['info', 'other-replicas-writes recovered after 150 failures', 150],
    ],
  );
  for (const line of lines.slice(0, 3)) {
    assert.equal(line.component, 'changes');
    assert.equal(line.err?.message, 'connect ECONNREFUSED 127.0.0.1:5432');
    assert.equal(line.err?.code, 'ECONNREFUSED');
    assert.equal(line.err?.stack, undefined, 'an expected failure is logged without its stack');
  }
  // A new failure starts a new streak, logged at once; a bug's is logged with its stack.
  failure = new TypeError("Cannot read properties of undefined (reading 'seq')");
  await seconds(1);
  assert.equal(lines.length, 5);
  assert.match(lines[4]?.err?.stack ?? '', /TypeError: Cannot read properties/);
  await tasks.stop();
});

test('stop() ends the timers, aborts the signal and waits for the runs in flight', async (t) => {
  const tick = fakeTimers(t);
  const tasks = new BackgroundTasks(recordingLogger().logger);
  const slow = gate();
  let periodic = 0;
  let workerClosed = false;
  tasks.add(
    task({
      async run() {
        periodic++;
        await slow.opened;
      },
    }),
    task({
      name: 'worker',
      intervalMs: undefined,
      async run(signal) {
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        workerClosed = true;
      },
    }),
  );
  tasks.start('ready');
  tick(1000);
  await settle();
  assert.equal(periodic, 1);
  let stopped = false;
  const stopping = tasks.stop().then(() => (stopped = true));
  await settle();
  assert.equal(workerClosed, true, 'the worker saw the signal');
  assert.equal(stopped, false, 'a run is still in flight');
  slow.open();
  await stopping;
  assert.equal(stopped, true);
  tick(5000);
  await settle();
  assert.equal(periodic, 1, 'no run after stop');
  tasks.start('ready');
  await settle();
  assert.equal(periodic, 1, 'a stopped runner starts nothing');
});
