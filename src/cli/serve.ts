import { createServer as createHttpServer, type Server } from 'node:http';
import { openCatalog } from '../catalog/load.ts';
import { watchCatalog } from '../catalog/watch.ts';
import { loadConfig, type Config } from '../platform/config.ts';
import { openDatabase } from '../platform/db/connect.ts';
import { AtriumError, UsageError } from '../platform/errors.ts';
import { createLogger, type Logger } from '../platform/log.ts';
import { createServer, type AtriumServer } from '../server.ts';
import { seedDemoHistory } from '../demo/seed.ts';
import { loadAssets } from '../portal/assets.ts';
import { integerOption, parseCommandArgs } from './args.ts';
import type { Command, CommandIO } from './io.ts';

const help = `Usage: atrium serve [--catalog DIR|FILE] [--port N] [--host ADDR] [--database PATH_OR_URL] [--no-watch] [--demo-history]

Syncs the catalog, serves the API, and keeps watching the catalog root: a saved
file is visible in the API about a second later. Stops cleanly on SIGINT/SIGTERM.

  --catalog DIR|FILE       catalog root (default: ATRIUM_CATALOG, atrium.yaml, or .)
  --port N                 port to listen on, 0 for any free one
                           (default: ATRIUM_PORT, PORT, or 7400)
  --host ADDR              address to bind (default: ATRIUM_HOST or 127.0.0.1)
  --database PATH_OR_URL   SQLite file or postgres:// URL
                           (default: ATRIUM_DATABASE, DATABASE_URL, or .atrium/atrium.db)
  --no-watch               sync once at start, do not watch for changes
  --demo-history           when no change is recorded yet, record 90 days of made-up
                           deployments for the catalog's services (for demos: npm start);
                           /readyz says 503 until it is recorded
  -h, --help               show this help

The portal's pages are at / (catalog, entity pages, docs and runbooks, dependency
graphs, problems, search). Endpoints: /api/v1/entities, /api/v1/facets,
/api/v1/problems, /api/v1/search, /api/v1/deployments, /api/v1/changes,
/api/v1/live, /api/v1/metrics/dora, /api/v1/webhooks/github, /api/openapi.json,
/healthz, /readyz, /metrics. Logs are JSON lines on stderr, after one plain line
that says where Atrium is listening.

Exit status: 0 stopped by SIGINT/SIGTERM, 64 bad usage, 75 database down (retry),
78 configuration problem or the port cannot be used.
`;

function listen(server: AtriumServer, host: string, port: number): Promise<Server> {
  const http = createHttpServer(server.listener);
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

async function serveUntilStopped(
  config: Config,
  flags: { noWatch: boolean; demoHistory: boolean },
  logger: Logger,
  io: CommandIO,
  stopped: Promise<void>,
): Promise<void> {
  const database = await openDatabase(config.database, {
    onIdleError: (err) =>
      logger.warn({ component: 'database', err }, 'an idle database connection was lost; it will be replaced'),
  });
  const server = createServer({
    database,
    logger,
    catalog: config.catalog,
    maxFileBytes: config.maxFileBytes,
    assets: await loadAssets(),
    githubWebhookSecret: config.githubWebhookSecret,
    productionEnvironments: config.productionEnvironments,
  });
  // Where other replicas' writes stand, before anything is cached: the polls (below) tell
  // of every write after this. Then listen: /healthz answers at once and /readyz says 503
  // until the first sync (and the demo history) is done.
  const http = await server.changes
    .pollWrites()
    .then(() => listen(server, config.host, config.port))
    .catch(async (err: unknown) => {
      await database.close();
      throw err;
    });
  let watcher: { close(): Promise<void> } | undefined;
  let stopPolling: (() => void) | undefined;
  // Polled from now on, also during the first sync: writes made here wait for a poll to see them.
  const stopWatchingWrites = server.changes.watchWrites(1000, logger);
  let planTimer: NodeJS.Timeout | undefined;
  try {
    const address = http.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    logger.info(
      { component: 'server' },
      `Atrium serving ${config.catalog} on http://${config.host}:${port} (database: ${database.describe})`,
    );
    const startUp = async () => {
      await server.syncCatalog();
      return flags.demoHistory ? seedDemoHistory(server.catalog.store, server.changes, new Date()) : undefined;
    };
    // A demo is ready once its history is recorded, so the first visit shows it. Held from
    // before the sync: the sync's own last steps would otherwise leave a moment of "ready".
    const seeded = await (flags.demoHistory ? server.startingUp('recording the demo history', startUp()) : startUp());
    if (seeded)
      logger.info(
        { component: 'demo' },
        `recorded a demo history: ${seeded.deployments} deployments, ${seeded.switches} traffic switches, ${seeded.changes} other changes`,
      );
    // Parsed DORA history in memory before anyone asks; requests meanwhile wait for it.
    void server.dora
      .warm()
      .catch((err: unknown) =>
        logger.warn({ component: 'dora', err }, 'could not load the deployment history; DORA reads it on demand'),
      );
    const { root } = await openCatalog(config.catalog, config.maxFileBytes);
    const syncAndList = async () => {
      await server.syncCatalog();
      return server.catalogFiles();
    };
    watcher = flags.noWatch
      ? undefined
      : watchCatalog(root.dir, syncAndList, { logger, initialFiles: server.catalogFiles() });
    stopPolling = server.catalog.watchGeneration(1000, logger);
    // Release plans whose milestone's set time has passed are written down (and put on the timeline).
    planTimer = setInterval(
      () =>
        void server.flags
          .tick()
          .catch((err: unknown) => logger.warn({ component: 'flags', err }, 'could not move release plans on')),
      30_000,
    );
    planTimer.unref();
    io.err(`Atrium is serving ${config.catalog} at http://${config.host}:${port}/\n`);
    await stopped;
    logger.info({ component: 'server' }, 'shutting down');
  } finally {
    stopPolling?.();
    stopWatchingWrites();
    clearInterval(planTimer);
    await watcher?.close();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await server.tokens.renewals();
    await database.close();
  }
}

export const serveCommand: Command = {
  name: 'serve',
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs('serve', args, {
      catalog: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      database: { type: 'string' },
      'no-watch': { type: 'boolean' },
      'demo-history': { type: 'boolean' },
    });
    if (values.help) {
      io.out(help);
      return 0;
    }
    if (positionals.length > 0)
      throw new UsageError(`Unexpected argument "${positionals[0]}"`, 'Pass the catalog with --catalog DIR.');
    const config = loadConfig(
      {
        catalog: values.catalog,
        database: values.database,
        host: values.host,
        port: integerOption('port', values.port, 0, 65535),
      },
      io.env,
      io.cwd,
    );
    // A line per request, written asynchronously: logging never blocks an answer.
    const logger = createLogger({ level: config.logLevel, buffered: true });
    // Signals are caught from the start: a stop during a long first sync cleans up once the
    // sync's transaction is done; a second signal stops at once.
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    let stopping = false;
    const onSignal = () => {
      if (stopping) process.exit(130);
      stopping = true;
      stop();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      await serveUntilStopped(
        config,
        { noWatch: values['no-watch'] === true, demoHistory: values['demo-history'] === true },
        logger,
        io,
        stopped,
      );
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    return 0;
  },
};
