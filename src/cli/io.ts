/** Where a command writes: results to out, progress and diagnostics to err. Tests pass buffers. */
export interface CommandIO {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export const processIO: CommandIO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
};

export interface Command {
  name: string;
  help: string;
  run(args: string[], io: CommandIO): Promise<number>;
}
