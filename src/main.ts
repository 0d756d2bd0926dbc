import { processIO, type Command, type CommandIO } from './cli/io.ts';
import { EXIT_USAGE, toAtriumError } from './platform/errors.ts';

/**
 * The commands, loaded only when run: `sync` and `validate` need no HTTP stack, and a
 * command line that starts fast is a command line people script.
 */
const commands: { name: string; summary: string; load: () => Promise<Command> }[] = [
  {
    name: 'validate',
    summary: 'check a catalog and report problems with file:line:column',
    load: async () => (await import('./cli/validate.ts')).validateCommand,
  },
  {
    name: 'sync',
    summary: 'load a catalog into the store (incremental)',
    load: async () => (await import('./cli/sync.ts')).syncCommand,
  },
  {
    name: 'serve',
    summary: 'sync, watch and serve the portal and its API',
    load: async () => (await import('./cli/serve.ts')).serveCommand,
  },
  {
    name: 'token',
    summary: 'create, list and revoke API tokens for writes',
    load: async () => (await import('./cli/token.ts')).tokenCommand,
  },
  {
    name: 'deploy',
    summary: 'record a deployment or blue/green switch from CI',
    load: async () => (await import('./cli/deploy.ts')).deployCommand,
  },
  {
    name: 'flags',
    summary: 'turn feature flags on or off, or pull a kill switch',
    load: async () => (await import('./cli/flags.ts')).flagsCommand,
  },
  {
    name: 'oncall',
    summary: 'who is on call now; set or remove an on-call override',
    load: async () => (await import('./cli/oncall.ts')).oncallCommand,
  },
  {
    name: 'page',
    summary: "page a service's on-call through a server",
    load: async () => (await import('./cli/page.ts')).pageCommand,
  },
  {
    name: 'incident',
    summary: 'declare, list, show, update, note and resolve incidents; post-mortems and their action items',
    load: async () =>
      (await import('./cli/incident.ts')).incidentCommand(
        (await import('./cli/incident-postmortem.ts')).POSTMORTEM_SUBCOMMANDS,
      ),
  },
  {
    name: 'notify',
    summary: "send a test notification to a team's receivers",
    load: async () => (await import('./cli/notify.ts')).notifyCommand,
  },
  {
    name: 'checks',
    summary: "show synthetic checks' status through a server",
    load: async () => (await import('./cli/checks.ts')).checksCommand,
  },
  {
    name: 'jobs',
    summary: 'run, suspend, resume or cancel a scheduled job through a server',
    load: async () => (await import('./cli/jobs.ts')).jobsCommand,
  },
  {
    name: 'slo',
    summary: 'export SLOs as OpenSLO or Sloth files; generate Prometheus rules',
    load: async () => (await import('./cli/slo.ts')).sloCommand,
  },
  {
    name: 'runner',
    summary: 'run checks and jobs leased from a server (a runner agent)',
    load: async () => (await import('./cli/runner.ts')).runnerCommand,
  },
  {
    name: 'backup',
    summary: "write a checked backup of Atrium's database (SQLite or PostgreSQL)",
    load: async () => (await import('./cli/backup.ts')).backupCommand,
  },
  {
    name: 'restore',
    summary: 'restore a backup written by atrium backup',
    load: async () => (await import('./cli/backup.ts')).restoreCommand,
  },
  {
    name: 'build',
    summary: 'render the portal as a static site (works offline)',
    load: async () => (await import('./cli/build.ts')).buildCommand,
  },
];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `Usage: atrium <command> [options]

Atrium is an internal developer portal that reads Backstage catalog files.

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run \`atrium <command> --help\` for a command's options.
`;
}

/** Runs one CLI invocation and returns its exit status; never throws. */
export async function main(argv: string[], io: CommandIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === '--version') {
    io.out('atrium 0.1.0\n');
    return 0;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    io.err(`atrium: unknown command "${name}"\n\n${usage()}`);
    return EXIT_USAGE;
  }
  try {
    return await (await entry.load()).run(rest, io);
  } catch (err) {
    const error = toAtriumError(err);
    io.err(`atrium ${name}: ${error.message}\n  hint: ${error.hint}\n`);
    // A database fault's message is plain (it may reach HTTP clients); the operator at the terminal needs the driver's own words.
    if (error !== err && error.category !== 'fatal' && err instanceof Error) io.err(`  cause: ${err.message}\n`);
    if (error.category === 'fatal' && err instanceof Error && err.stack) io.err(`${err.stack}\n`);
    return error.exitCode;
  }
}
