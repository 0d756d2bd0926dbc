import { createRoute, z } from '@hono/zod-openapi';
import { BEARER_SECURITY, requireScope } from '../auth/middleware.ts';
import type { TokenService } from '../auth/service.ts';
import { AtriumError } from '../platform/errors.ts';
import type { JSONValue } from 'hono/utils/types';
import type { App } from '../platform/http/app.ts';
import { bodyLimit } from '../platform/http/body-limit.ts';
import { describedProblem, problemResponses } from '../platform/http/problem-responses.ts';
import type { Json } from './model.ts';
import { MAX_REPORTS_PER_BATCH, RUNNER_WORD, RUNNER_WORD_RULE } from './protocol.ts';
import type { RunnerService } from './service.ts';

const JSON_TYPE = 'application/json';

/** A report's body: the outcome's detail (timings, assertions, a bounded excerpt) fits well within it. */
export const REPORT_BODY_LIMIT = 256 * 1024;
const SMALL_BODY_LIMIT = 4 * 1024;
/** A batch of reports' body: most outcomes are small (a check's timings and assertions); a batch with large ones is refused (413) and its runner reports each alone. */
export const BATCH_BODY_LIMIT = 4 * 1024 * 1024;

const word = z.string().regex(RUNNER_WORD, RUNNER_WORD_RULE);
const leaseToken = z.string().min(1).max(128).openapi({ description: 'The token the lease answered with.' });
const runId = z.string().regex(/^[0-9a-f-]{36}$/, 'a run id');
const RunParams = z.object({
  runId: runId.openapi({ param: { name: 'runId', in: 'path' }, example: '6f1c2d3e-0a4b-4c5d-8e9f-0a1b2c3d4e5f' }),
});

/**
 * Any JSON value (a request body is JSON, so whatever it holds is). Not a recursive schema:
 * the OpenAPI generator cannot describe one.
 */
const JsonValue = z
  .unknown()
  .refine((v) => v !== undefined, 'required')
  .transform((v) => v as Json)
  .openapi({ description: 'Any JSON value.' });

const LeasedRunSchema = z
  .object({
    runId: z.string(),
    attempt: z
      .number()
      .int()
      .openapi({ description: '1 for the first lease; a lapsed lease comes back with the next.' }),
    leaseToken: z.string(),
    leaseExpiresAt: z.number().int().openapi({ description: "Epoch ms, the server's clock." }),
    leaseMs: z.number().int().openapi({ description: 'How long a lease or renewal holds: renew well within it.' }),
    kind: z.string(),
    subject: z.string(),
    timeoutMs: z.number().int(),
    payload: z.unknown().openapi({ description: "The order's payload, for the executor of its kind." }),
    secrets: z
      .record(z.string(), z.string())
      .openapi({ description: "The server's secrets the order names, resolved. Never log them." }),
  })
  .openapi('LeasedRun');

const RunnerSchema = z
  .object({
    name: z.string(),
    location: z.string(),
    tags: z.array(z.string()),
    version: z.string(),
    capacity: z.number().int(),
    lastSeenAt: z.string().openapi({ description: 'When it last asked for work or renewed a lease (ISO 8601).' }),
    running: z.number().int().openapi({ description: 'Runs leased to it whose lease holds.' }),
  })
  .openapi('Runner');

/** A run's outcome as its runner reports it. */
const Outcome = z
  .object({
    status: z.enum(['success', 'failure', 'error']),
    summary: z.string().max(1000),
    detail: JsonValue,
  })
  .strict();

function body<T extends z.ZodType>(schema: T) {
  return { required: true, content: { [JSON_TYPE]: { schema } } } as const;
}

const leaseRefused = () =>
  new AtriumError({
    category: 'user-fixable',
    code: 'lease-refused',
    status: 409,
    message: 'No lease of this run has that token',
    hint: 'Stop working on the run: another runner has it, or it never was yours. Lease new work.',
  });

/**
 * The runner protocol (scope `runner`): lease (a long poll), renew, report, release; and the
 * list of runners, open as the Runners page is.
 */
export function registerRunnerRoutes(app: App, runners: RunnerService, tokens: TokenService): void {
  const runner = requireScope(tokens, 'runner');
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/runners/lease',
      tags: ['Runners'],
      summary: 'Lease work (long poll)',
      description:
        'A runner asks for up to `capacity` runs that fit its location and tags. The answer comes at once when work is due, else as soon as some is queued, else empty after the long poll (25 s by default): ask again. Each run comes with its lease token, the secrets its order names and how long the lease holds; renew it well within that. The request also introduces the runner to the Runners page.',
      security: BEARER_SECURITY,
      middleware: [
        runner,
        bodyLimit(SMALL_BODY_LIMIT, 'Send {"name", "location", "tags", "version", "capacity"}.'),
      ] as const,
      request: {
        body: body(
          z
            .object({
              name: word,
              location: word,
              tags: z.array(word).max(50).default([]),
              version: z.string().min(1).max(64),
              capacity: z.number().int().min(1).max(256),
            })
            .strict(),
        ),
      },
      responses: {
        200: {
          description: 'The runs leased (none when the long poll ended without work)',
          content: { [JSON_TYPE]: { schema: z.object({ items: z.array(LeasedRunSchema) }).openapi('Leases') } },
        },
        ...problemResponses(400, 401, 403, 413, 500),
      },
    }),
    async (c) => {
      const items = await runners.lease(c.req.valid('json'), c.req.raw.signal);
      // Hono's JSON type has mutable arrays; the contract's are read-only: the same values.
      return c.json({ items: items.map((run) => ({ ...run, payload: run.payload as JSONValue })) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/runners/runs/{runId}/renew',
      tags: ['Runners'],
      summary: 'Renew a lease',
      description:
        'Extends the lease while the run is within its timeout. `state` says what to do: `leased` (go on, until `leaseExpiresAt`), `cancelled` (abort; the server recorded it), `timed-out` (abort and report an error), `lost` (abort: the lease lapsed and another runner has the run, or the run ended).',
      security: BEARER_SECURITY,
      middleware: [runner, bodyLimit(SMALL_BODY_LIMIT, 'Send {"runner", "leaseToken"}.')] as const,
      request: { params: RunParams, body: body(z.object({ runner: word, leaseToken }).strict()) },
      responses: {
        200: {
          description: 'What became of the lease',
          content: {
            [JSON_TYPE]: {
              schema: z
                .object({
                  state: z.enum(['leased', 'cancelled', 'timed-out', 'lost']),
                  leaseExpiresAt: z.number().int().optional(),
                })
                .openapi('Renewal'),
            },
          },
        },
        ...problemResponses(400, 401, 403, 413, 500),
      },
    }),
    async (c) => {
      const { runId } = c.req.valid('param');
      const { runner: name, leaseToken: token } = c.req.valid('json');
      return c.json(await runners.renew(runId, token, name), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/runners/runs/{runId}/result',
      tags: ['Runners'],
      summary: "Report a run's outcome",
      description:
        "The first report of a run, from its current lease or an earlier one that lapsed, is its outcome, recorded once with the ordering capability's own records. A later report answers `already-recorded` and changes nothing, so a runner retries a report until it gets an answer. 409 `lease-refused`: no lease of the run had the token; stop retrying.",
      security: BEARER_SECURITY,
      middleware: [
        runner,
        bodyLimit(REPORT_BODY_LIMIT, 'Bound the outcome: summary one line, detail with excerpts, not whole bodies.'),
      ] as const,
      request: {
        params: RunParams,
        body: body(
          z
            .object({
              leaseToken,
              outcome: Outcome,
            })
            .strict(),
        ),
      },
      responses: {
        200: {
          description: 'Recorded, or recorded before',
          content: {
            [JSON_TYPE]: {
              schema: z.object({ state: z.enum(['recorded', 'already-recorded']) }).openapi('ReportAnswer'),
            },
          },
        },
        ...problemResponses(400, 401, 403, 413, 500),
        409: describedProblem('No lease of this run had the token (`lease-refused`)'),
      },
    }),
    async (c) => {
      const { runId } = c.req.valid('param');
      const { leaseToken: token, outcome } = c.req.valid('json');
      const answer = await runners.report(runId, token, outcome);
      if (answer.state === 'refused') throw leaseRefused();
      return c.json({ state: answer.state }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/runners/results',
      tags: ['Runners'],
      summary: "Report many runs' outcomes at once",
      description: `What \`…/runs/{runId}/result\` does for each report, in one transaction, answered in the reports' order: \`recorded\`, \`already-recorded\` (a later report of a recorded run), or \`refused\` (no lease of the run had the token: stop retrying it). At most ${MAX_REPORTS_PER_BATCH} reports. A runner whose batch is refused or fails reports each run alone.`,
      security: BEARER_SECURITY,
      middleware: [
        runner,
        bodyLimit(BATCH_BODY_LIMIT, 'Send fewer reports at once, or report the runs with large outcomes alone.'),
      ] as const,
      request: {
        body: body(
          z
            .object({
              reports: z
                .array(z.object({ runId, leaseToken, outcome: Outcome }).strict())
                .min(1)
                .max(MAX_REPORTS_PER_BATCH),
            })
            .strict(),
        ),
      },
      responses: {
        200: {
          description: "Each report's answer, in order",
          content: {
            [JSON_TYPE]: {
              schema: z
                .object({
                  answers: z.array(z.object({ state: z.enum(['recorded', 'already-recorded', 'refused']) })),
                })
                .openapi('ReportAnswers'),
            },
          },
        },
        ...problemResponses(400, 401, 403, 413, 500),
      },
    }),
    async (c) => {
      const answers = await runners.reportMany(c.req.valid('json').reports);
      return c.json({ answers: answers.map((a) => ({ state: a.state })) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/runners/runs/{runId}/release',
      tags: ['Runners'],
      summary: 'Hand a leased run back',
      description:
        'A runner that stops before it finished a run hands it back: the run is queued at once under the same id, for the next lease.',
      security: BEARER_SECURITY,
      middleware: [runner, bodyLimit(SMALL_BODY_LIMIT, 'Send {"leaseToken"}.')] as const,
      request: { params: RunParams, body: body(z.object({ leaseToken }).strict()) },
      responses: {
        200: {
          description: 'Whether the lease was still this token’s (and is now released)',
          content: { [JSON_TYPE]: { schema: z.object({ released: z.boolean() }).openapi('Release') } },
        },
        ...problemResponses(400, 401, 403, 413, 500),
      },
    }),
    async (c) => {
      const { runId } = c.req.valid('param');
      return c.json({ released: await runners.release(runId, c.req.valid('json').leaseToken) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/runners',
      tags: ['Runners'],
      summary: 'The runners that have asked for work',
      description:
        'By location, then name: each runner as it last introduced itself (location, tags, version, capacity), when it was last seen and how many runs it holds a lease on.',
      responses: {
        200: {
          description: 'The runners',
          content: { [JSON_TYPE]: { schema: z.object({ items: z.array(RunnerSchema) }).openapi('Runners') } },
        },
        ...problemResponses(500),
      },
    }),
    async (c) => {
      const items = (await runners.runners()).map((r) => ({
        ...r,
        tags: [...r.tags],
        lastSeenAt: new Date(r.lastSeenAt).toISOString(),
      }));
      return c.json({ items }, 200);
    },
  );
}
