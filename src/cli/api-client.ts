import { randomUUID } from 'node:crypto';
import { AtriumError, UsageError } from '../platform/errors.ts';

export interface ApiTarget {
  /** The server's base URL, e.g. https://atrium.example.com */
  server: string;
  /** Empty for a read, which needs none. */
  token: string;
}

export interface PostOptions {
  /** One key for every attempt, so a retry never writes twice. */
  idempotencyKey?: string;
  /** Attempts in all (429, 503 and network errors are retried). */
  attempts?: number;
  /** Injected in tests: waits the given milliseconds. */
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (message: string) => void;
}

/** The server and token from options, then ATRIUM_URL and ATRIUM_TOKEN; a usage error names what is missing (a read needs no token). */
export function apiTarget(
  server: string | undefined,
  token: string | undefined,
  env: NodeJS.ProcessEnv,
  command: string,
  needsToken = true,
): ApiTarget {
  const base = server ?? env.ATRIUM_URL;
  const secret = token ?? env.ATRIUM_TOKEN;
  if (!base)
    throw new UsageError(
      'No server given',
      `Pass --server https://atrium.example.com or set ATRIUM_URL (see \`atrium ${command} --help\`).`,
    );
  if (!/^https?:\/\//i.test(base) || !URL.canParse(base))
    throw new UsageError(
      `--server must be an http(s) URL, not "${base}"`,
      'For example --server https://atrium.example.com',
    );
  if (!secret && needsToken)
    throw new UsageError(
      'No token given',
      'Set ATRIUM_TOKEN to a token with the right scope (`atrium token create`); --token works too but shows in process lists.',
    );
  return { server: base.replace(/\/+$/, ''), token: secret ?? '' };
}

const MAX_WAIT_MS = 30_000;

/**
 * Sends JSON (POST, PUT or PATCH; a GET or DELETE without a body) to the Atrium API with the token, retrying what is worth
 * retrying (429 and 503 after their Retry-After, network errors with backoff) under one
 * Idempotency-Key. Returns the parsed body of a 2xx; throws an AtriumError carrying the
 * server's problem.
 */
export async function sendJson(
  target: ApiTarget,
  method: 'POST' | 'PUT' | 'PATCH' | 'GET' | 'DELETE',
  path: string,
  body: unknown,
  options: PostOptions = {},
): Promise<unknown> {
  const attempts = options.attempts ?? 5;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const key = options.idempotencyKey ?? randomUUID();
  let lastError: AtriumError | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let res: Response;
    try {
      res = await fetch(`${target.server}${path}`, {
        method,
        headers: {
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...(target.token && { authorization: `Bearer ${target.token}` }),
          'idempotency-key': key,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      lastError = new AtriumError({
        category: 'retryable',
        code: 'server-unreachable',
        message: `Cannot reach ${target.server}: ${(err as Error).message}`,
        hint: 'Check --server / ATRIUM_URL and that the server is up.',
        cause: err,
      });
      if (attempt < attempts) {
        options.onRetry?.(`${lastError.message}; retrying`);
        await sleep(Math.min(MAX_WAIT_MS, 500 * 2 ** (attempt - 1)));
      }
      continue;
    }
    const text = await res.text();
    if (res.ok) return text ? (JSON.parse(text) as unknown) : undefined;
    let problem: { code?: string; detail?: string; hint?: string; errors?: { field: string; message: string }[] } = {};
    try {
      problem = JSON.parse(text) as typeof problem;
    } catch {
      // not a problem document: report the status alone
    }
    const retryable = res.status === 429 || res.status === 503;
    const fields = problem.errors?.length
      ? `\n  ${problem.errors.map((e) => `${e.field}: ${e.message}`).join('\n  ')}`
      : '';
    lastError = new AtriumError({
      category: retryable ? 'retryable' : res.status >= 500 ? 'fatal' : 'user-fixable',
      code: problem.code ?? `http-${res.status}`,
      status: res.status,
      message: `${res.status} ${problem.detail ?? res.statusText}${fields}`,
      hint: problem.hint ?? 'See the server logs.',
    });
    if (!retryable || attempt === attempts) throw lastError;
    const after = Number(res.headers.get('retry-after'));
    const waitMs = Math.min(MAX_WAIT_MS, Number.isFinite(after) && after >= 0 ? after * 1000 : 1000);
    options.onRetry?.(`${res.status} ${problem.code ?? ''}: retrying in ${waitMs / 1000} s`);
    await sleep(waitMs);
  }
  throw lastError ?? new Error('unreachable');
}
