import { validateCommand } from './cli/validate.ts';
import { syncCommand } from './cli/sync.ts';
import { serveCommand } from './cli/serve.ts';


import { processIO, type Command, type CommandIO } from './cli/io.ts';
import { EXIT_USAGE, toAtriumError } from './platform/errors.ts';

const commands: Command[] = [validateCommand, syncCommand, serveCommand];

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
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`atrium: unknown command "${name}"\n\n${usage()}`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    const error = toAtriumError(err);
    io.err(`atrium ${name}: ${error.message}\n  hint: ${error.hint}\n`);
    if (error.category === 'fatal' && err instanceof Error && err.stack) io.err(`${err.stack}\n`);
    return error.exitCode;
  }
}
