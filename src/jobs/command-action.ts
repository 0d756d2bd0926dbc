import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join, sep } from 'node:path';
import type { ExecutionContext, RunnerSettings, WorkOutcome } from '../runners/model.ts';
import type { CommandAction } from './model.ts';

/**
 * A job's command action, on a runner, within the runner's own allow-lists (its settings,
 * never the server's word): the program must be one the runner lists, resolved to a real
 * path (so `../`, another absolute path or a symlink to an allowed program's name cannot
 * reach anything else); arguments go to it as they are, with no shell, unless the job asks
 * for one and the runner lists the shell (`/bin/sh`) as a program it allows; the working
 * directory must lie inside one the runner allows (real paths again); the environment holds
 * only the names the runner allows, from its own environment or the job's values. stdout
 * and stderr are kept bounded (their tails); the timeout kills the process group.
 */

/** Each stream's tail kept: enough to read why a job failed. */
export const MAX_STREAM_BYTES = 64 * 1024;
/** After SIGTERM, this long before SIGKILL. */
const KILL_GRACE_MS = 5000;
/** The shell a `shell: true` job runs through, when the runner lists it. */
export const SHELL = '/bin/sh';

/** Why a command may not run here, or the program, directory and environment it runs with. */
export type CommandPlan =
  | { refused: string }
  | { file: string; args: string[]; cwd: string; env: Record<string, string> };

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The real path of a program named on PATH (the runner's), or undefined. */
async function onPath(name: string, path: string | undefined): Promise<string | undefined> {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return realpath(candidate);
  }
  return undefined;
}

/** The real path of an allow-list entry or a job's program (absolute, or a bare name on PATH); undefined when there is none. */
async function resolveProgram(program: string, path: string | undefined): Promise<string | undefined> {
  if (program.includes('/')) {
    if (!isAbsolute(program)) return undefined;
    try {
      const real = await realpath(program);
      return (await isExecutable(real)) ? real : undefined;
    } catch {
      return undefined;
    }
  }
  return onPath(program, path);
}

async function realOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch {
    return undefined;
  }
}

/**
 * Checks a command against the runner's settings. `environment` is the runner's own
 * process environment (PATH for bare names, and the allowed names' values).
 */
export async function planCommand(
  action: CommandAction,
  settings: RunnerSettings,
  environment: Readonly<Record<string, string | undefined>>,
): Promise<CommandPlan> {
  const [program = '', ...rest] = action.args;
  const allowed = new Set(
    (await Promise.all(settings.allowedCommands.map((c) => resolveProgram(c, environment.PATH)))).filter(
      (p): p is string => p !== undefined,
    ),
  );
  let file: string;
  let args: string[];
  if (action.shell) {
    const shell = await resolveProgram(SHELL, environment.PATH);
    if (!shell || !allowed.has(shell))
      return { refused: `shell: true needs ${SHELL} among this runner's allowed commands; it is not` };
    file = shell;
    // The script is the first argument; the others are its positional parameters ($1 …), never spliced into it.
    args = ['-c', program, 'sh', ...rest];
  } else {
    // The program must be listed, and no spelling of it may reach another file: it is compared and run by its real path.
    const real = program === '' ? undefined : await resolveProgram(program, environment.PATH);
    if (!real || !allowed.has(real))
      return {
        refused: `${JSON.stringify(program.slice(0, 200))} is not a program this runner allows (allowedCommands)`,
      };
    file = real;
    args = rest;
  }
  const cwd = await realOrUndefined(action.workingDirectory ?? tmpdir());
  if (!cwd) return { refused: 'The working directory does not exist on this runner' };
  if (action.workingDirectory !== undefined) {
    const roots = (await Promise.all(settings.allowedWorkingDirectories.map(realOrUndefined))).filter(
      (p): p is string => p !== undefined,
    );
    if (!roots.some((root) => cwd === root || cwd.startsWith(root.endsWith(sep) ? root : root + sep)))
      return { refused: `The working directory is outside those this runner allows (allowedWorkingDirectories)` };
  }
  const env: Record<string, string> = {};
  for (const name of settings.allowedEnvironment) {
    const value = environment[name];
    if (value !== undefined) env[name] = value;
  }
  for (const [name, value] of Object.entries(action.environment)) {
    if (!settings.allowedEnvironment.includes(name))
      return {
        refused: `The environment variable ${name.slice(0, 100)} is not one this runner allows (allowedEnvironment)`,
      };
    env[name] = value;
  }
  return { file, args, cwd, env };
}

/** A stream's last `max` bytes, kept as they come. */
class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly max: number) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.byteLength;
    while (this.size > this.max) {
      const first = this.chunks[0] as Buffer;
      const excess = this.size - this.max;
      this.truncated = true;
      if (first.byteLength <= excess) {
        this.chunks.shift();
        this.size -= first.byteLength;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
      }
    }
  }
  text(): string {
    const text = Buffer.concat(this.chunks).toString('utf8');
    return this.truncated ? `…${text}` : text;
  }
}

export async function runCommandAction(
  action: CommandAction,
  timeoutMs: number,
  context: ExecutionContext,
  environment: Readonly<Record<string, string | undefined>> = process.env,
): Promise<WorkOutcome> {
  const plan = await planCommand(action, context.settings, environment);
  if ('refused' in plan) return { status: 'error', summary: plan.refused, detail: { output: plan.refused } };
  const started = context.now();
  return new Promise<WorkOutcome>((resolve) => {
    const stdout = new Tail(MAX_STREAM_BYTES);
    const stderr = new Tail(MAX_STREAM_BYTES);
    // Its own process group, so a timeout ends the children it started too.
    const child = spawn(plan.file, plan.args, {
      cwd: plan.cwd,
      env: plan.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stopped: string | undefined;
    let killer: NodeJS.Timeout | undefined;
    const stop = (why: string) => {
      if (stopped || child.exitCode !== null || child.pid === undefined) return;
      stopped = why;
      const group = -child.pid;
      try {
        process.kill(group, 'SIGTERM');
      } catch {
        // Gone already.
      }
      killer = setTimeout(() => {
        try {
          process.kill(group, 'SIGKILL');
        } catch {
          // Gone already.
        }
      }, KILL_GRACE_MS);
    };
    const timer = setTimeout(() => stop(`timed out after ${timeoutMs} ms`), timeoutMs);
    const onAbort = () => stop('cancelled');
    context.signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const finish = (outcome: WorkOutcome) => {
      clearTimeout(timer);
      if (killer) clearTimeout(killer);
      context.signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    child.on('error', (err) =>
      finish({
        status: 'error',
        summary: `Could not start the program: ${err.message}`,
        detail: { output: err.message },
      }),
    );
    child.on('close', (code, signal) => {
      const out = stdout.text();
      const err = stderr.text();
      const output = [err && `stderr:\n${err}`, out && `stdout:\n${out}`].filter(Boolean).join('\n');
      const durationMs = context.now() - started;
      const summary = stopped
        ? `Killed: ${stopped}`
        : code === 0
          ? `exit code 0 in ${durationMs} ms`
          : code === null
            ? `killed by ${signal}`
            : `exit code ${code}`;
      finish({
        status: stopped === 'cancelled' ? 'error' : code === 0 && !stopped ? 'success' : 'failure',
        summary,
        detail: { exitCode: code, signal, durationMs, stdout: out, stderr: err, output },
      });
    });
  });
}
