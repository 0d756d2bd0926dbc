import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ExecutionContext, RunnerSettings } from '../runners/model.ts';
import { MAX_STREAM_BYTES, planCommand, runCommandAction } from './command-action.ts';
import type { CommandAction } from './model.ts';

/** Real programs in a temporary directory, run as a runner would: the allow-lists hold, whatever the job says. */

const root = mkdtempSync(join(tmpdir(), 'atrium-command-'));
after(() => rmSync(root, { recursive: true, force: true }));
const bin = join(root, 'bin');
const work = join(root, 'work');
const elsewhere = join(root, 'elsewhere');
for (const dir of [bin, work, elsewhere, join(work, 'sub')]) mkdirSync(dir, { recursive: true });
function script(path: string, body: string): string {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}
const echo = script(
  join(bin, 'echo-args'),
  'for a in "$@"; do printf "%s\\n" "$a"; done; pwd; printf "%s\\n" "$MODE:$SECRET_HOME"',
);
const failing = script(join(bin, 'fail'), 'echo "broken" >&2; exit 3');
const sleeper = script(join(bin, 'sleeper'), 'sleep 30');
const noisy = script(join(bin, 'noisy'), `head -c ${3 * MAX_STREAM_BYTES} /dev/zero | tr '\\0' 'x'; echo END`);
const forbidden = script(join(elsewhere, 'evil'), 'echo pwned');
symlinkSync(forbidden, join(bin, 'link-to-evil'));

const settings = (over: Partial<RunnerSettings> = {}): RunnerSettings => ({
  location: 'local',
  tags: [],
  allowedPrivateTargets: [],
  allowedCommands: [echo, failing, sleeper, noisy, join(bin, 'link-to-evil-not-listed')],
  allowedWorkingDirectories: [work],
  allowedEnvironment: ['MODE', 'PATH'],
  ...over,
});
const context = (over: Partial<RunnerSettings> = {}, signal = new AbortController().signal): ExecutionContext => ({
  signal,
  secrets: {},
  settings: settings(over),
  now: () => Date.now(),
});
const command = (args: string[], over: Partial<CommandAction> = {}): CommandAction => ({
  type: 'command',
  args,
  environment: {},
  shell: false,
  ...over,
});
const runnerEnv = { PATH: `${bin}:/usr/bin:/bin`, SECRET_HOME: '/root/.ssh', MODE: 'runner' };

describe('planCommand: nothing outside the allow-lists', () => {
  it('refuses programs not listed, whatever their spelling', async () => {
    for (const program of [
      forbidden,
      join(bin, '..', 'elsewhere', 'evil'),
      join(bin, 'link-to-evil'),
      '../elsewhere/evil',
      'evil',
      '/bin/sh',
      'sh',
      '',
      `${echo}; rm -rf /`,
      `${echo}\0`,
    ]) {
      const plan = await planCommand(command([program]), settings(), runnerEnv);
      assert.ok('refused' in plan, program);
    }
  });

  it('accepts a listed program by its path, by another spelling of it, and by name on PATH', async () => {
    for (const program of [echo, join(bin, '.', 'echo-args'), join(work, '..', 'bin', 'echo-args'), 'echo-args']) {
      const plan = await planCommand(command([program]), settings({ allowedCommands: [echo] }), runnerEnv);
      assert.ok(!('refused' in plan), program);
    }
  });

  it('keeps working directories inside the allowed ones, through `..` and symlinks alike', async () => {
    symlinkSync(elsewhere, join(work, 'escape'));
    for (const dir of [
      elsewhere,
      join(work, '..'),
      join(work, 'escape'),
      join(work, 'sub', '..', '..', 'elsewhere'),
      '/',
      'relative',
      join(work, 'missing'),
    ]) {
      const plan = await planCommand(command([echo], { workingDirectory: dir }), settings(), runnerEnv);
      assert.ok('refused' in plan, dir);
    }
    const inside = await planCommand(command([echo], { workingDirectory: join(work, 'sub') }), settings(), runnerEnv);
    assert.ok(!('refused' in inside));
  });

  it('passes only allowed environment names, and refuses a job that sets another', async () => {
    const plan = await planCommand(command([echo], { environment: { MODE: 'job' } }), settings(), runnerEnv);
    assert.ok(!('refused' in plan));
    if (!('refused' in plan)) assert.deepEqual(plan.env, { MODE: 'job', PATH: runnerEnv.PATH });
    for (const name of ['LD_PRELOAD', 'NODE_OPTIONS', 'SECRET_HOME', 'BASH_ENV']) {
      const refused = await planCommand(command([echo], { environment: { [name]: '/tmp/x' } }), settings(), runnerEnv);
      assert.ok('refused' in refused, name);
    }
  });

  it('runs a shell only when the job asks and the runner lists it', async () => {
    assert.ok('refused' in (await planCommand(command(['echo hi'], { shell: true }), settings(), runnerEnv)));
    const plan = await planCommand(
      command(['echo "$1"', 'a b'], { shell: true }),
      settings({ allowedCommands: ['/bin/sh'] }),
      runnerEnv,
    );
    assert.ok(!('refused' in plan));
    if (!('refused' in plan)) assert.deepEqual(plan.args, ['-c', 'echo "$1"', 'sh', 'a b']);
  });
});

describe('runCommandAction', () => {
  it('passes shell metacharacters as plain arguments and runs where it is told', async () => {
    const hostile = ['$(touch pwned)', '`id`', '; rm -rf /', '| cat /etc/passwd', '&& echo x', "'quoted'", '*'];
    const outcome = await runCommandAction(
      command([echo, ...hostile], { workingDirectory: work, environment: { MODE: 'job' } }),
      10_000,
      context(),
      runnerEnv,
    );
    assert.equal(outcome.status, 'success', outcome.summary);
    const stdout = (outcome.detail as { stdout: string }).stdout;
    assert.equal(
      stdout,
      `${[...hostile, work, 'job:'].join('\n')}\n`,
      'each argument as written, the runner’s secret variable absent',
    );
  });

  it('reports a failing exit code with stderr', async () => {
    const outcome = await runCommandAction(command([failing]), 10_000, context(), runnerEnv);
    assert.equal(outcome.status, 'failure');
    assert.equal(outcome.summary, 'exit code 3');
    assert.match((outcome.detail as { output: string }).output, /broken/);
  });

  it('kills the process at its timeout', async () => {
    const started = Date.now();
    const outcome = await runCommandAction(command([sleeper]), 300, context(), runnerEnv);
    assert.equal(outcome.status, 'failure');
    assert.match(outcome.summary, /timed out after 300 ms/);
    assert.ok(Date.now() - started < 10_000);
  });

  it('stops when the run is cancelled', async () => {
    const abort = new AbortController();
    const running = runCommandAction(command([sleeper]), 60_000, context({}, abort.signal), runnerEnv);
    setTimeout(() => abort.abort(), 100);
    const outcome = await running;
    assert.equal(outcome.status, 'error');
    assert.match(outcome.summary, /cancelled/);
  });

  it('keeps each stream bounded, its tail', async () => {
    const outcome = await runCommandAction(command([noisy]), 10_000, context(), runnerEnv);
    const stdout = (outcome.detail as { stdout: string }).stdout;
    assert.ok(stdout.length <= MAX_STREAM_BYTES + 1, String(stdout.length));
    assert.match(stdout, /END\n$/);
    assert.ok(stdout.startsWith('…'));
  });

  it('answers a refusal as an error outcome without running anything', async () => {
    const outcome = await runCommandAction(command([forbidden]), 10_000, context(), runnerEnv);
    assert.equal(outcome.status, 'error');
    assert.match(outcome.summary, /not a program this runner allows/);
  });
});
