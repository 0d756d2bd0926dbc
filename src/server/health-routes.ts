import type { Context, TypedResponse } from 'hono';
import { createRoute, z } from '@hono/zod-openapi';
import { AtriumError } from '../platform/errors.ts';
import type { MiddlewareHandler } from 'hono';
import { BEARER_SECURITY } from '../auth/middleware.ts';
import type { App, AppEnv } from '../platform/http/app.ts';
import { problemResponse } from '../platform/http/problem.ts';
import { problemResponses } from '../platform/http/problem-responses.ts';
import type { Logger } from '../platform/log.ts';
import type { Metrics } from '../platform/metrics.ts';
import { VERSION } from './version.ts';

/** What /readyz waits for besides the database: the first catalog sync and start-up work. */
export class Readiness {
  /** Set once a catalog sync has finished in this process. */
  synced = false;
  /** Start-up work readiness waits for (one entry per call, so two with one name do not end each other). */
  private readonly starting = new Set<{ what: string }>();
  /** What works but not as it should, by source: reported by /readyz, which stays 200 (see `degrade`). */
  private readonly degradations = new Map<string, Degradation>();

  /** Holds readiness until `work` settles; returns `work`. */
  startingUp<T>(what: string, work: Promise<T>): Promise<T> {
    const entry = { what };
    this.starting.add(entry);
    return work.finally(() => this.starting.delete(entry));
  }

  /**
   * Whether there is no catalog to show yet: the first sync in this process has not
   * finished and the database holds none from an earlier one (`generation` 0).
   */
  loading(generation: number): boolean {
    return !this.synced && generation === 0;
  }

  /**
   * Sets (or with undefined, clears) what `source` reports as degraded. A degraded server
   * still answers every request from what it has, so /readyz stays 200 and lists it: taking
   * every replica that shares a catalog checkout out of rotation would turn a stale catalog
   * into an outage.
   */
  degrade(source: string, degradation: Degradation | undefined): void {
    if (degradation) this.degradations.set(source, degradation);
    else this.degradations.delete(source);
  }

  degraded(): Degradation[] {
    return [...this.degradations.values()];
  }

  /** The start-up work still running, by name. */
  pending(): string[] {
    return [...this.starting].map((s) => s.what);
  }

  /** The reason of the last "not ready" answer that was logged, until a "ready" one. */
  private waitingFor: string | undefined;

  /**
   * Notes the answer a probe got; returns what is news for the log: a reason not logged
   * since the last "ready", or "ready" after a logged wait. A prober asking every second
   * during a long start-up makes one line per reason, not one per probe.
   */
  news(answer: { ready: true } | { ready: false; reason: string }): string | undefined {
    if (answer.ready) {
      const wasWaiting = this.waitingFor !== undefined;
      this.waitingFor = undefined;
      return wasWaiting ? 'ready' : undefined;
    }
    if (this.waitingFor === answer.reason) return undefined;
    this.waitingFor = answer.reason;
    return `not ready: ${answer.reason}`;
  }
}

export interface Degradation {
  code: string;
  message: string;
}

/** /healthz (liveness) and /readyz (readiness); /metrics is registerMetricsRoute's, on this app or its own listener. */
export function registerHealthRoutes(
  app: App,
  readiness: Readiness,
  sources: { generation(): Promise<number>; dialect: string; logger: Logger },
): void {
  const note = (answer: Parameters<Readiness['news']>[0]) => {
    const news = readiness.news(answer);
    if (news) sources.logger.info({ component: 'health' }, news);
  };
  // Not being ready yet is what a start-up looks like, not a fault: answered without going
  // through the error handler, which logs every retryable error at warn with its stack.
  const notReady = (c: Context<AppEnv>, message: string, hint: string) => {
    note({ ready: false, reason: message });
    const error = new AtriumError({ category: 'retryable', code: 'not-ready', message, hint, retryAfter: 1 });
    // Hono's TypedResponse is a type-level brand over Response: the cast restates the route's 503.
    return problemResponse(c, error, c.get('requestId')) as unknown as TypedResponse<{ code: string }, 503, 'json'>;
  };
  app.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      tags: ['Operations'],
      summary: 'Liveness',
      description: 'The process is up and serving.',
      responses: {
        200: {
          description: 'Alive',
          content: { 'application/json': { schema: z.object({ status: z.literal('ok'), version: z.string() }) } },
        },
      },
    }),
    (c) => c.json({ status: 'ok' as const, version: VERSION }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/readyz',
      tags: ['Operations'],
      summary: 'Readiness',
      description:
        'The database answers, the first catalog sync is done, and so is start-up work such as recording the demo history. `degraded` lists what still works but not as it should (e.g. `catalog-not-found`: the catalog root cannot be read, the last synced catalog is served, stale); it does not make the server unready.',
      responses: {
        200: {
          description: 'Ready',
          content: {
            'application/json': {
              schema: z.object({
                status: z.literal('ready'),
                database: z.string(),
                generation: z.number().int(),
                degraded: z.array(z.object({ code: z.string(), message: z.string() })),
              }),
            },
          },
        },
        503: {
          description: 'Not ready (retry later)',
          content: { 'application/problem+json': { schema: z.object({ code: z.string() }) } },
        },
      },
    }),
    async (c) => {
      let generation: number;
      try {
        generation = await sources.generation();
      } catch (err) {
        throw new AtriumError({
          category: 'retryable',
          code: 'database-unavailable',
          // The driver's words may name the database, a table or the host: they go to the log (as the cause), not to the prober.
          message: 'The database does not answer',
          hint: 'Check the database; this check recovers by itself once it answers.',
          retryAfter: 5,
          cause: err,
        });
      }
      if (readiness.loading(generation))
        return notReady(
          c,
          'The first catalog sync has not finished',
          'Wait for the first sync; it is logged when done.',
        );
      const pending = readiness.pending();
      if (pending.length > 0)
        return notReady(
          c,
          `Still starting: ${pending.join(', ')}`,
          'Wait a moment; start-up work is logged when done.',
        );
      note({ ready: true });
      return c.json(
        { status: 'ready' as const, database: sources.dialect, generation, degraded: readiness.degraded() },
        200,
      );
    },
  );
}

/**
 * /metrics (Prometheus), open or behind `guard` (a `metrics:read` token). Served on the
 * main app, or on an app of its own that only the metrics listener serves.
 */
export function registerMetricsRoute(app: App, metrics: Metrics, guard?: MiddlewareHandler<AppEnv>): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/metrics',
      tags: ['Operations'],
      summary: 'Prometheus metrics',
      description:
        'HTTP request counts and durations by route, catalog size, problems and sync duration, and Node.js process metrics, in the Prometheus text format. Open by default; with `metricsToken` it needs a token with `metrics:read`, and with `metricsListen` it is served only on that address (user guide 10.4).',
      ...(guard ? { middleware: [guard] as const, security: BEARER_SECURITY } : {}),
      responses: {
        200: { description: 'Metrics', content: { 'text/plain': { schema: z.string() } } },
        ...(guard ? problemResponses(401, 403) : {}),
      },
    }),
    async (c) => c.text(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }),
  );
}
