import { workExecutors } from '../capabilities.ts';
import { UsageError } from '../platform/errors.ts';
import { createLogger } from '../platform/log.ts';
import { RunnerAgent } from '../runners/agent.ts';
import { httpTransport } from '../runners/http-transport.ts';
import type { WorkExecutor } from '../runners/model.ts';
import { RUNNER_WORD, RUNNER_WORD_RULE } from '../runners/protocol.ts';
import { hostRunnerName, runnerSettings } from '../runners/settings.ts';
import { VERSION } from '../server/version.ts';
import { apiTarget } from './api-client.ts';
import { integerOption } from './args.ts';
import { defineCommand } from './command.ts';
import type { Command } from './io.ts';

const help = `Usage: atrium runner --server URL --location NAME [--token TOKEN] [--tags a,b]
                     [--concurrency N] [--name NAME] [--allow-private-target HOST]...
                     [--allow-command PATH]... [--allow-workdir DIR]... [--allow-env NAME]...
                     [--ca-file PEM] [--shutdown-grace SECONDS]

A runner agent: leases checks and jobs from an Atrium server over HTTPS (outbound
only: a long poll), runs them here, renews their leases while they run and reports
the outcome. A runner that is killed or cut off loses its leases; the server hands
its work to another runner under the same run id, and records one outcome.

  --server URL             the Atrium server (default: ATRIUM_URL)
  --token TOKEN            a token with the runner scope (default: ATRIUM_TOKEN; prefer
                           the variable: options show in process lists)
  --location NAME          where this runner runs, e.g. eu-west-1 (default: atrium.yaml
                           runner.location); work for another location is not leased
  --tags a,b               tags work may ask for (default: atrium.yaml runner.tags)
  --concurrency N          runs at once, 1-256 (default: atrium.yaml runner.concurrency, or 4)
  --name NAME              this runner's name on the Runners page (default: host-location)
  --allow-private-target HOST  a host or CIDR checks may reach although private or
                           link-local (repeatable; default: atrium.yaml runner.allowedPrivateTargets)
  --allow-command PATH     an executable command jobs may run (repeatable; none by default)
  --allow-workdir DIR      a working directory command jobs may use (repeatable)
  --allow-env NAME         an environment variable passed to command jobs (repeatable)
  --ca-file PEM            certificate authorities trusted beside the system's for https
                           and tls checks and job http actions (default: atrium.yaml
                           runner.caFile); an unreadable file or one with no certificate
                           stops the runner (exit 78)
  --shutdown-grace SECONDS on SIGTERM/SIGINT: stop leasing, let running work finish this
                           long, then hand the rest back to the server (default 30)
  -h, --help               show this help

Allow-lists are the runner's own: the server cannot widen them. Logs are JSON lines
on stderr; secrets a run receives are never logged.

Exit status: 0 stopped by SIGTERM/SIGINT, 64 bad usage, 78 the server refused the
token (it needs the runner scope) or the CA file cannot be used.
`;

function list(values: string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** `atrium runner` with these executors: the capabilities' (main.ts), or those and a test's own. */
export function runnerCommandWith(executors: readonly WorkExecutor[]): Command {
  return defineCommand({
    name: 'runner',
    help,
    options: {
      server: { type: 'string' },
      token: { type: 'string' },
      location: { type: 'string' },
      tags: { type: 'string' },
      concurrency: { type: 'string' },
      name: { type: 'string' },
      'allow-private-target': { type: 'string', multiple: true },
      'allow-command': { type: 'string', multiple: true },
      'allow-workdir': { type: 'string', multiple: true },
      'allow-env': { type: 'string', multiple: true },
      'shutdown-grace': { type: 'string' },
      'ca-file': { type: 'string' },
    },
    async run({ values, positionals, io, loadConfig }) {
      if (positionals.length > 0)
        throw new UsageError(`Unexpected argument "${positionals[0]}"`, 'See `atrium runner --help`.');
      const target = apiTarget(values.server, values.token, io.env, 'runner');
      const config = loadConfig();
      const settings = runnerSettings(config.runner, {
        location: values.location,
        tags: list(values.tags === undefined ? undefined : [values.tags]),
        concurrency: integerOption('concurrency', values.concurrency, 1, 256),
        allowedPrivateTargets: list(values['allow-private-target']),
        allowedCommands: values['allow-command'],
        allowedWorkingDirectories: values['allow-workdir'],
        allowedEnvironment: list(values['allow-env']),
        caFile: values['ca-file'],
      });
      const name = values.name ?? hostRunnerName(settings.location);
      if (!RUNNER_WORD.test(name))
        throw new UsageError(`--name "${name}" is not a runner name`, `Runner names are ${RUNNER_WORD_RULE}.`);
      const graceMs = (integerOption('shutdown-grace', values['shutdown-grace'], 0, 3600) ?? 30) * 1000;
      const logger = createLogger({ level: config.logLevel });
      const agent = new RunnerAgent({
        name,
        version: VERSION,
        settings,
        concurrency: settings.concurrency,
        transport: httpTransport({ server: target.server, token: target.token }),
        executors,
        logger,
      });
      let stopping: Promise<void> | undefined;
      const onSignal = () => {
        // A second signal stops at once: leases lapse and the server hands the work on.
        if (stopping) process.exit(130);
        logger.info({ component: 'runner' }, 'stopping: no more leases; running work finishes or is handed back');
        stopping = agent.stop(graceMs);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      io.err(`Atrium runner ${name} at ${settings.location} is leasing work from ${target.server}\n`);
      try {
        await agent.run();
        await stopping;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      return 0;
    },
  });
}

export const runnerCommand = runnerCommandWith(workExecutors);
