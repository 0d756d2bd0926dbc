import { loadConfig, type Config } from '../platform/config.ts';
import { openDatabase, type Database } from '../platform/db/connect.ts';
import type { Logger } from '../platform/log.ts';
import { parseCommandArgs, type Options } from './args.ts';
import type { Command, CommandIO } from './io.ts';

/** What a command's `run` gets: its parsed arguments, where to write, and its configuration on demand. */
export interface CommandContext<T extends Options> {
  values: ReturnType<typeof parseCommandArgs<T>>['values'];
  positionals: string[];
  io: CommandIO;
  /**
   * The configuration: `overrides` (from options) over the environment, atrium.yaml and
   * the defaults. Loaded when asked, so a usage error is reported before a bad atrium.yaml.
   */
  loadConfig(overrides?: Partial<Config>): Config;
}

export interface CommandDefinition<T extends Options> {
  name: string;
  help: string;
  /** The options besides `-h, --help`, which every command has. */
  options: T;
  run(context: CommandContext<T>): Promise<number>;
}

/** The frame every command shares: arguments parsed (errors are usage errors), `--help` printed, then `run`. */
export function defineCommand<T extends Options>(definition: CommandDefinition<T>): Command {
  const { name, help } = definition;
  return {
    name,
    help,
    async run(args, io) {
      const { values, positionals } = parseCommandArgs(name, args, definition.options);
      // parseArgs's result type stays unresolved for a generic T: `help` is there, added by parseCommandArgs.
      if ((values as { help?: boolean }).help) {
        io.out(help);
        return 0;
      }
      return definition.run({
        values,
        positionals,
        io,
        loadConfig: (overrides) => loadConfig(overrides, io.env, io.cwd),
      });
    },
  };
}

/**
 * Opens the configured database, runs `work` with it and closes it, whatever happens.
 * With a logger, losing connections to the database (PostgreSQL) is logged as a warning, once per outage.
 */
export async function withDatabase<T>(
  config: Pick<Config, 'database'>,
  work: (database: Database) => Promise<T>,
  logger?: Logger,
): Promise<T> {
  const database = await openDatabase(
    config.database,
    logger
      ? {
          onConnectionLost: (err) =>
            logger.warn(
              { component: 'database', err },
              'a database connection was lost: requests that needed it answer 503 with Retry-After; the next ones reconnect',
            ),
        }
      : {},
  );
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}
