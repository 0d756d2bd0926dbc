import { workExecutors } from '../../src/capabilities.ts';
import { processIO } from '../../src/cli/io.ts';
import { runnerCommandWith } from '../../src/cli/runner.ts';
import { toAtriumError } from '../../src/platform/errors.ts';
import { fileSignalExecutor } from './file-signal-executor.ts';

// `atrium runner` as a real process, with the capabilities' executors and the tests' own:
// `node --import tsx test/support/runner-main.ts --server URL --location L …`.
try {
  process.exitCode = await runnerCommandWith([...workExecutors, fileSignalExecutor]).run(
    process.argv.slice(2),
    processIO,
  );
} catch (err) {
  const error = toAtriumError(err);
  process.stderr.write(`atrium runner: ${error.message}\n`);
  process.exitCode = error.exitCode;
}
