import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import type { Database } from '../platform/db/connect.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { AtriumError, toAtriumError } from '../platform/errors.ts';
import type { Logger } from '../platform/log.ts';
import type { BackgroundTasks } from '../platform/tasks.ts';
import type { Readiness } from './health-routes.ts';

export interface StartOptions {
  host: string;
  /** 0 for any free one: `start` resolves with the port it got. */
  port: number;
  /**
   * Work after the first sync that readiness waits for as well, held from before the sync
   * (whose last steps would otherwise leave a moment of "ready"): e.g. recording the demo
   * history, so the first visit shows it.
   */
  startUp?: { what: string; run(): Promise<void> };
  /** Ends the first sync's retries (a stop signal while the database is away): `start` then returns, not ready. */
  signal?: AbortSignal;
}

export interface Lifecycle {
  /**
   * Notes where other replicas' writes stand, listens (/healthz answers at once, /readyz
   * says 503 until start-up is done), starts the `listening` tasks, runs the first catalog
   * sync and the start-up work, then starts the `ready` tasks. When the database goes away
   * during them, they are run again until it is back: the process never ends for that.
   */
  start(options: StartOptions): Promise<{ port: number; metricsPort?: number }>;
  /**
   * Ends every background task (timers cleared, runs in flight awaited, the catalog
   * watcher closed), stops accepting connections and waits for the requests in flight
   * (writes included), then for the work they started in the background. The database
   * is left open: whoever opened it closes it after this.
   */
  stop(): Promise<void>;
}

export interface LifecycleParts {
  listener: RequestListener;
  /** /metrics on an address of its own (`metricsListen`), listening from start() to stop() with the main one. */
  metrics?: { listener: RequestListener; host: string; port: number };
  tasks: BackgroundTasks;
  readiness: Readiness;
  logger: Logger;
  /** The catalog root and the database, for the log line that says what is served. */
  catalog: string;
  database: Database;
  /** The first poll for other replicas' writes: the point every later poll tells of writes after. */
  firstPoll(): Promise<unknown>;
  syncCatalog(): Promise<unknown>;
  /** Background work requests started (token renewals, DORA warming), awaited after the last request. */
  settle(): Promise<unknown>;
}

export function serverLifecycle(parts: LifecycleParts): Lifecycle {
  const { tasks, logger } = parts;
  let http: Server | undefined;
  let metricsHttp: Server | undefined;
  return {
    async start(options) {
      // Before anything is cached: the polls tell of every write after this one.
      await parts.firstPoll();
      http = await listen(parts.listener, options.host, options.port);
      if (parts.metrics) {
        try {
          metricsHttp = await listen(parts.metrics.listener, parts.metrics.host, parts.metrics.port);
        } catch (err) {
          const main = http;
          http = undefined;
          await new Promise<void>((resolve) => main.close(() => resolve()));
          throw err;
        }
      }
      const metricsPort = metricsHttp ? portOf(metricsHttp, parts.metrics?.port ?? 0) : undefined;
      // Polled from now on, also during the first sync: writes made here wait for a poll to see them.
      tasks.start('listening');
      const port = portOf(http, options.port);
      logger.info(
        { component: 'server' },
        `Atrium serving ${parts.catalog} on http://${options.host}:${port} (database: ${parts.database.describe})${metricsPort === undefined ? '' : `, /metrics on http://${parts.metrics?.host}:${metricsPort}/metrics only`}`,
      );
      const { startUp } = options;
      const work = async () => {
        await parts.syncCatalog();
        await startUp?.run();
      };
      const done = () => untilDone(work, logger, options.signal);
      if (!(await (startUp ? parts.readiness.startingUp(startUp.what, done()) : done()))) return { port };
      tasks.start('ready');
      return { port, ...(metricsPort === undefined ? {} : { metricsPort }) };
    },
    async stop() {
      await tasks.stop();
      const servers = [http, metricsHttp];
      http = undefined;
      metricsHttp = undefined;
      await Promise.all(
        servers.map((server) => server && new Promise<void>((resolve) => server.close(() => resolve()))),
      );
      await parts.settle();
    },
  };
}

/** The first wait before the start-up work runs again after the database went away, doubled each time up to the last. */
const START_RETRY_MS = [1_000, 2_000, 4_000, 8_000, 10_000];

/**
 * Runs the start-up work until it finishes, again after each retryable failure (the database
 * went away: a failover, a cut connection), never giving up while the process is meant to
 * run. Other failures (a missing catalog, a refused login) end the start as before. False if
 * `signal` ended it first.
 */
async function untilDone(work: () => Promise<void>, logger: Logger, signal: AbortSignal | undefined): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      await work();
      return true;
    } catch (err) {
      const error = toAtriumError(err);
      if (error.category !== 'retryable' || signal?.aborted) throw err;
      const wait = START_RETRY_MS[Math.min(attempt, START_RETRY_MS.length - 1)] as number;
      logger.warn(
        { component: 'server', code: error.code, attempt: attempt + 1 },
        `start-up could not finish (${error.message}); trying again in ${wait / 1000} s`,
      );
      const stopped = await sleep(wait, false, { signal }).catch(() => true);
      if (stopped) return false;
    }
  }
}

/**
 * A client has this long to send a request's headers, and this long for the whole request:
 * Node's defaults (60 s and 300 s) let a slow sender hold a socket for minutes. Keep-alive
 * connections keep Node's idle timeout, so these bound sending, not waiting between requests.
 */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

/** The port a server got (the one asked for, unless that was 0). */
function portOf(server: Server, asked: number): number {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : asked;
}

function listen(listener: RequestListener, host: string, port: number): Promise<Server> {
  const http = createHttpServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS }, listener);
  http.listen(port, host);
  return new Promise<Server>((resolve, reject) => {
    http.once('listening', () => resolve(http));
    http.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new AtriumError({
          category: 'operator-fixable',
          code: 'listen-failed',
          message: `Cannot listen on ${host}:${port}: ${err.code ?? err.message}`,
          hint:
            err.code === 'EADDRINUSE'
              ? 'Another process uses that port: pass --port with a free one.'
              : 'Check --host and --port.',
        }),
      ),
    );
  });
}
