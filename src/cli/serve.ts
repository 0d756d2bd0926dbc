import { describeCatalog } from '../catalog/open-catalog.ts';
import { recordDemoHistory } from '../server/demo-history.ts';
import { hostPort, publicBaseUrl } from '../platform/config.ts';
import { favourMemoryOverSpeed, MEMORY_BUDGET_RANGE } from '../platform/memory-budget.ts';
import { UsageError } from '../platform/errors.ts';
import { createLogger } from '../platform/log.ts';
import { createServer } from '../server.ts';
import { loadAssets } from '../portal/assets.ts';
import { byteSizeOption, integerOption } from './args.ts';
import { CATALOG_OPTIONS, CATALOG_OPTIONS_HELP, catalogOverrides, catalogSpec } from './catalog-options.ts';
import { defineCommand, withDatabase } from './command.ts';
import { workExecutors } from '../capabilities.ts';
import { RunnerAgent } from '../runners/agent.ts';
import { LOCAL_LOCATION } from '../runners/model.ts';
import { hostRunnerName, runnerSettings } from '../runners/settings.ts';
import { inProcessTransport } from '../runners/transport.ts';
import { VERSION } from '../server/version.ts';

/** How long serve's lease requests and embedded runner wait to take or report several runs at once (ms). */
const RUNNER_GATHER_MS = 50;

const help = `Usage: atrium serve [--catalog DIR|FILE]... [--app-config FILE]... [--strict-urls] [--port N]
                    [--host ADDR] [--database PATH_OR_URL] [--no-watch] [--demo-history]
                    [--max-file-size SIZE] [--metrics-listen HOST:PORT] [--metrics-token]
                    [--no-runner] [--memory-budget SIZE] [--public-url URL]
                    [--render-concurrency N] [--render-queue N] [--render-max-wait MS]

Syncs the catalog, serves the API, and keeps watching the catalog root: a saved
file is visible in the API about a second later. Stops cleanly on SIGINT/SIGTERM.

${CATALOG_OPTIONS_HELP}
  --port N                 port to listen on, 0 for any free one
                           (default: ATRIUM_PORT, PORT, or 7400)
  --host ADDR              address to bind (default: ATRIUM_HOST or 127.0.0.1)
  --database PATH_OR_URL   SQLite file or postgres:// URL
                           (default: ATRIUM_DATABASE, DATABASE_URL, or .atrium/atrium.db)
  --no-watch               sync once at start, do not watch for changes
  --demo-history           when no change is recorded yet, record 90 days of made-up
                           deployments for the catalog's services (for demos: npm start);
                           /readyz says 503 until it is recorded
  --metrics-listen HOST:PORT  serve /metrics only there, not on the main port
                           (default: ATRIUM_METRICS_LISTEN, atrium.yaml metricsListen)
  --metrics-token          /metrics needs a token with metrics:read
                           (default: ATRIUM_METRICS_TOKEN=true, atrium.yaml metricsToken)
  --no-runner              run no embedded runner: checks and jobs for location
                           \`local\` wait for an \`atrium runner --location local\`
  --public-url URL         where people reach this portal (https://atrium.example.com/):
                           alerts and notifications link its pages only with it
                           (default: ATRIUM_PUBLIC_URL, atrium.yaml publicUrl)
  --memory-budget SIZE     memory this process may use, e.g. 300MiB or 1GiB (128MiB to
                           64GiB); what is left after Node and the catalog's state
                           (200 MiB reserved) sizes the page and API caches
                           (default: ATRIUM_MEMORY_BUDGET_MB, atrium.yaml memoryBudgetMb,
                           or 300MiB, which fits 50,000 entities)
  --render-concurrency N   pages and API reads rendered at once (default:
                           ATRIUM_RENDER_CONCURRENCY, atrium.yaml renderConcurrency, 32)
  --render-queue N         reads waiting for a render slot at most; the next gets
                           503 + Retry-After (default: ATRIUM_RENDER_QUEUE,
                           atrium.yaml renderQueue, 1000)
  --render-max-wait MS     the longest a read waits for a slot before 503 +
                           Retry-After (default: ATRIUM_RENDER_MAX_WAIT_MS,
                           atrium.yaml renderMaxWaitMs, 1000). Cached pages and
                           answers, /healthz, /readyz and /metrics never wait
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

export const serveCommand = defineCommand({
  name: 'serve',
  help,
  options: {
    ...CATALOG_OPTIONS,
    port: { type: 'string' },
    host: { type: 'string' },
    database: { type: 'string' },
    'no-watch': { type: 'boolean' },
    'demo-history': { type: 'boolean' },
    'metrics-listen': { type: 'string' },
    'metrics-token': { type: 'boolean' },
    'no-runner': { type: 'boolean' },
    'memory-budget': { type: 'string' },
    'public-url': { type: 'string' },
    'render-concurrency': { type: 'string' },
    'render-queue': { type: 'string' },
    'render-max-wait': { type: 'string' },
  },
  async run({ values, positionals, io, loadConfig }) {
    if (positionals.length > 0)
      throw new UsageError(`Unexpected argument "${positionals[0]}"`, 'Pass the catalog with --catalog DIR.');
    const config = loadConfig({
      ...catalogOverrides(values),
      database: values.database,
      host: values.host,
      port: integerOption('port', values.port, 0, 65535),
      metricsListen: values['metrics-listen'],
      metricsToken: values['metrics-token'],
      memoryBudgetMb: memoryBudgetMb(values['memory-budget']),
      publicUrl: values['public-url'],
      renderConcurrency: integerOption('render-concurrency', values['render-concurrency'], 1, 10_000),
      renderQueue: integerOption('render-queue', values['render-queue'], 0, 1_000_000),
      renderMaxWaitMs: integerOption('render-max-wait', values['render-max-wait'], 1, 600_000),
    });
    const metricsListen = config.metricsListen === undefined ? undefined : hostPort(config.metricsListen);
    if (config.metricsListen !== undefined && metricsListen === undefined)
      throw new UsageError(
        `--metrics-listen ${config.metricsListen} is not host:port`,
        'Pass an address and a port, e.g. --metrics-listen 127.0.0.1:9464.',
      );
    if (config.publicUrl !== undefined && publicBaseUrl(config.publicUrl) === undefined)
      throw new UsageError(
        `--public-url ${config.publicUrl} is not an http(s) URL without credentials, query or fragment`,
        'Pass where people reach the portal, e.g. --public-url https://atrium.example.com/.',
      );
    const spec = catalogSpec(config, values['strict-urls'], io.cwd, values.catalog !== undefined);
    // The budget is what this process may use: its heap is kept near what is live.
    favourMemoryOverSpeed();
    // A line per request, written asynchronously: logging never blocks an answer.
    const logger = createLogger({ level: config.logLevel, buffered: true });
    // Signals are caught from the start: a stop during a long first sync cleans up once the
    // sync's transaction is done; a second signal stops at once.
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    // Also ends the first sync's retries while the database is away.
    const stopping = new AbortController();
    const onSignal = () => {
      if (stopping.signal.aborted) process.exit(130);
      stopping.abort();
      stop();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      await withDatabase(
        config,
        async (database) => {
          const server = createServer({
            database,
            logger,
            catalog: spec,
            maxFileBytes: config.maxFileBytes,
            externalRefs: config.externalRefs,
            assets: await loadAssets(),
            githubWebhookSecret: config.githubWebhookSecret,
            productionEnvironments: config.productionEnvironments,
            watch: values['no-watch'] !== true,
            metricsAccess: { listen: metricsListen, token: config.metricsToken },
            receivers: config.receivers,
            teamReceivers: config.teamReceivers,
            paging: config.paging,
            incidents: config.incidents,
            sloEvaluationMs: config.sloEvaluationSeconds * 1000,
            prometheusSources: config.prometheusSources,
            postmortems: config.postmortems,
            secrets: config.secrets,
            memoryBudgetBytes: config.memoryBudgetMb * 2 ** 20,
            publicUrl: config.publicUrl,
            runnerQueue: config.runners,
            // Runs spread over an interval are leased a few at a time, not one lease per run (issue 18's 10,000 checks a minute).
            runnerGatherMs: RUNNER_GATHER_MS,
            renderLimits: {
              active: config.renderConcurrency,
              queued: config.renderQueue,
              maxWaitMs: config.renderMaxWaitMs,
            },
          });
          // The embedded runner: location local, the capabilities' executors, atrium.yaml's allow-lists.
          const runner =
            values['no-runner'] === true
              ? undefined
              : (() => {
                  const settings = runnerSettings(config.runner, { location: LOCAL_LOCATION });
                  return new RunnerAgent({
                    name: hostRunnerName(LOCAL_LOCATION),
                    version: VERSION,
                    settings,
                    concurrency: settings.concurrency,
                    transport: inProcessTransport(server.runners),
                    executors: workExecutors,
                    logger,
                    // In process a report is recorded before the next run ends: waiting a little records several per transaction.
                    reportBatchWaitMs: RUNNER_GATHER_MS,
                  });
                })();
          let runnerDone: Promise<void> | undefined;
          try {
            const { port, metricsPort } = await server.start({
              host: config.host,
              port: config.port,
              signal: stopping.signal,
              startUp: values['demo-history']
                ? {
                    what: 'recording the demo history',
                    run: () => recordDemoHistory(server, new Date(), logger),
                  }
                : undefined,
            });
            runnerDone = runner?.run().catch((err: unknown) => {
              logger.error({ component: 'runner', err }, 'the embedded runner stopped');
            });
            io.err(
              `Atrium is serving ${describeCatalog(spec)} at http://${config.host}:${port}/${metricsPort === undefined ? '' : ` (/metrics at http://${metricsListen?.host}:${metricsPort}/metrics)`}\n`,
            );
            await stopped;
            logger.info({ component: 'server' }, 'shutting down');
          } finally {
            // Running work finishes or is handed back before the server it reports to stops.
            await runner?.stop(10_000);
            await runnerDone;
            await server.stop();
          }
        },
        logger,
      );
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    return 0;
  },
});

/** `--memory-budget SIZE` in whole MiB (atrium.yaml and the environment say MiB). */
function memoryBudgetMb(value: string | undefined): number | undefined {
  const bytes = byteSizeOption('memory-budget', value, { ...MEMORY_BUDGET_RANGE, example: '300MiB' });
  return bytes === undefined ? undefined : Math.floor(bytes / 2 ** 20);
}
