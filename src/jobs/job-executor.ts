import type { ExecutionContext, Json, WorkExecutor, WorkOutcome } from '../runners/model.ts';
import { runCommandAction } from './command-action.ts';
import { runHttpAction } from './http-action.ts';
import { type CommandAction, type HttpAction, JOB_WORK_KIND } from './model.ts';

/**
 * The runner's side of a job: the order's action (http or command) run within the runner's
 * own settings. A payload it cannot read is an `error` outcome, never a crash: orders come
 * over the network.
 */

/** The timeout a payload carries, bounded (the order's own is enforced by the runner too). */
const MAX_TIMEOUT_MS = 24 * 3_600_000;

function actionOf(payload: Json): { action: HttpAction | CommandAction; timeoutMs: number } | undefined {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return undefined;
  const { action, timeoutMs } = payload as { readonly [key: string]: Json };
  if (!action || typeof action !== 'object' || Array.isArray(action)) return undefined;
  const a = action as { readonly [key: string]: Json };
  const timeout = typeof timeoutMs === 'number' && timeoutMs > 0 ? Math.min(timeoutMs, MAX_TIMEOUT_MS) : MAX_TIMEOUT_MS;
  const strings = (v: Json | undefined) =>
    v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string')
      ? (v as Record<string, string>)
      : undefined;
  if (a.type === 'http' && typeof a.method === 'string' && typeof a.url === 'string') {
    const headers = strings(a.headers ?? {});
    if (!headers || (a.body !== undefined && typeof a.body !== 'string')) return undefined;
    return {
      action: {
        type: 'http',
        method: a.method,
        url: a.url,
        headers,
        ...(typeof a.body === 'string' ? { body: a.body } : {}),
      },
      timeoutMs: timeout,
    };
  }
  if (
    a.type === 'command' &&
    Array.isArray(a.args) &&
    a.args.length > 0 &&
    a.args.every((x) => typeof x === 'string')
  ) {
    const environment = strings(a.environment ?? {});
    if (!environment || (a.workingDirectory !== undefined && typeof a.workingDirectory !== 'string')) return undefined;
    return {
      action: {
        type: 'command',
        args: a.args as string[],
        ...(typeof a.workingDirectory === 'string' ? { workingDirectory: a.workingDirectory } : {}),
        environment,
        shell: a.shell === true,
      },
      timeoutMs: timeout,
    };
  }
  return undefined;
}

export const jobExecutor: WorkExecutor = {
  kind: JOB_WORK_KIND,
  async run(payload: Json, context: ExecutionContext): Promise<WorkOutcome> {
    const read = actionOf(payload);
    if (!read)
      return {
        status: 'error',
        summary: 'The order carries no http or command action this runner can read',
        detail: null,
      };
    return read.action.type === 'http'
      ? runHttpAction(read.action, read.timeoutMs, context)
      : runCommandAction(read.action, read.timeoutMs, context);
  },
};
