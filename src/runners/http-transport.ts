import { z } from 'zod';
import { AtriumError } from '../platform/errors.ts';
import type { Json, LeasedRun, WorkOutcome } from './model.ts';
import type { RenewAnswer, ReportAnswer, RunnerIntroduction, RunReport } from './protocol.ts';
import { type RunnerTransport, serverUnavailable } from './transport.ts';

export interface HttpTransportOptions {
  /** The server's base URL (`--server`). */
  server: string;
  /** A token with the `runner` scope. */
  token: string;
  /** How long a lease request may take before the runner gives up on it (the server's long poll, plus room). */
  leaseTimeoutMs?: number;
  /** How long a renew, report or release may take. */
  callTimeoutMs?: number;
}

const JsonValue: z.ZodType<Json> = z.lazy(() =>
  z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(JsonValue), z.record(z.string(), JsonValue)]),
);

const LeasesAnswer = z.object({
  items: z.array(
    z.object({
      runId: z.string(),
      attempt: z.number(),
      leaseToken: z.string(),
      leaseExpiresAt: z.number(),
      leaseMs: z.number().positive(),
      kind: z.string(),
      subject: z.string(),
      timeoutMs: z.number().positive(),
      payload: JsonValue,
      secrets: z.record(z.string(), z.string()),
    }),
  ),
});

const RenewAnswerSchema = z.union([
  z.object({ state: z.literal('leased'), leaseExpiresAt: z.number() }),
  z.object({ state: z.enum(['cancelled', 'timed-out', 'lost']) }),
]);
const ReportAnswerSchema = z.object({ state: z.enum(['recorded', 'already-recorded']) });
const ReleaseAnswer = z.object({ released: z.boolean() });
const ReportAnswersSchema = z.object({
  answers: z.array(z.object({ state: z.enum(['recorded', 'already-recorded', 'refused']) })),
});

/**
 * The runner protocol over HTTPS (`atrium runner`): outbound requests only, a Bearer token
 * with the `runner` scope. Unreachable, 429, 5xx and answers that are not the protocol's (a
 * proxy's page) are retryable; 401 and 403 end the runner (its token is wrong).
 */
export function httpTransport(options: HttpTransportOptions): RunnerTransport {
  const base = options.server.replace(/\/+$/, '');
  const leaseTimeoutMs = options.leaseTimeoutMs ?? 60_000;
  const callTimeoutMs = options.callTimeoutMs ?? 15_000;

  async function post<T>(
    path: string,
    body: unknown,
    schema: z.ZodType<T>,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<{ status: 200; body: T } | { status: 409 | 404 }> {
    const timeout = AbortSignal.timeout(timeoutMs);
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw serverUnavailable(`cannot reach ${base}: ${(err as Error).message}`, err);
    }
    const text = await res.text().catch(() => '');
    if (res.status === 409 || res.status === 404) return { status: res.status };
    if (res.status === 401 || res.status === 403)
      throw new AtriumError({
        category: 'operator-fixable',
        code: 'runner-unauthorized',
        message: `${base} refused the runner's token (${res.status})`,
        hint: 'Give the runner a token with the runner scope: atrium token create --scope runner.',
      });
    if (res.status !== 200) {
      if (res.status === 429 || res.status >= 500 || res.status === 408)
        throw serverUnavailable(`${base}${path} answered ${res.status}`);
      throw new AtriumError({
        category: 'fatal',
        code: 'runner-request-refused',
        message: `${base}${path} refused the runner's request (${res.status}): ${text.slice(0, 300)}`,
        hint: 'The runner and the server may be of different versions; run the same version on both.',
      });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw serverUnavailable(`${base}${path} answered 200 with something other than JSON`);
    }
    const checked = schema.safeParse(parsed);
    if (!checked.success) throw serverUnavailable(`${base}${path} answered 200 with something other than the protocol`);
    return { status: 200, body: checked.data };
  }

  const runPath = (runId: string, what: string) => `/api/v1/runners/runs/${encodeURIComponent(runId)}/${what}`;

  return {
    async lease(runner: RunnerIntroduction, signal: AbortSignal): Promise<LeasedRun[]> {
      const answer = await post('/api/v1/runners/lease', runner, LeasesAnswer, leaseTimeoutMs, signal);
      if (answer.status !== 200) throw serverUnavailable(`${base} has no runner endpoint (${answer.status})`);
      return answer.body.items;
    },
    async renew(runId: string, leaseToken: string, runnerName: string): Promise<RenewAnswer> {
      const answer = await post(
        runPath(runId, 'renew'),
        { runner: runnerName, leaseToken },
        RenewAnswerSchema,
        callTimeoutMs,
      );
      return answer.status === 200 ? answer.body : { state: 'lost' };
    },
    async report(runId: string, leaseToken: string, outcome: WorkOutcome): Promise<ReportAnswer> {
      const answer = await post(runPath(runId, 'result'), { leaseToken, outcome }, ReportAnswerSchema, callTimeoutMs);
      return answer.status === 200 ? answer.body : { state: 'refused' };
    },
    async reportMany(reports: readonly RunReport[]): Promise<ReportAnswer[]> {
      const answer = await post('/api/v1/runners/results', { reports }, ReportAnswersSchema, callTimeoutMs);
      // A server without the batch endpoint (an older version): the agent reports each alone.
      if (answer.status !== 200) throw serverUnavailable(`${base} does not take reports together (${answer.status})`);
      return answer.body.answers;
    },
    async release(runId: string, leaseToken: string): Promise<boolean> {
      const answer = await post(runPath(runId, 'release'), { leaseToken }, ReleaseAnswer, callTimeoutMs);
      return answer.status === 200 && answer.body.released;
    },
  };
}
