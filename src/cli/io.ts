/** Where a command writes: results to out, progress and diagnostics to err. Tests pass buffers. */
export interface CommandIO {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Whether err is a terminal: progress lines are shown only then. */
  isTTY?: boolean;
}

export const processIO: CommandIO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  isTTY: process.stderr.isTTY,
};

export interface Command {
  name: string;
  help: string;
  run(args: string[], io: CommandIO): Promise<number>;
}
