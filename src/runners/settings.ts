import { hostname } from 'node:os';
import { UsageError } from '../platform/errors.ts';
import type { RunnerFileSettings } from '../platform/config.ts';
import type { RunnerSettings } from './model.ts';
import { RUNNER_WORD, RUNNER_WORD_RULE } from './protocol.ts';

/** Runs at once when neither the command line nor atrium.yaml says. */
export const DEFAULT_CONCURRENCY = 4;

/**
 * A runner's policy: the command line's values over atrium.yaml's `runner`. Lists given on
 * the command line replace the file's (an allow-list is read whole, never merged by guess).
 */
export function runnerSettings(
  file: RunnerFileSettings,
  options: Partial<Omit<RunnerSettings, 'location'>> & { location?: string; concurrency?: number },
): RunnerSettings & { concurrency: number } {
  const location = options.location ?? file.location;
  if (location === undefined)
    throw new UsageError(
      'No location given',
      "Pass --location (e.g. --location eu-west-1) or set atrium.yaml's runner.location.",
    );
  const tags = options.tags ?? file.tags ?? [];
  for (const word of [location, ...tags])
    if (!RUNNER_WORD.test(word))
      throw new UsageError(
        `"${word}" is not a location or tag: ${RUNNER_WORD_RULE}`,
        'Name locations and tags like eu-west-1 or linux.',
      );
  return {
    location,
    tags,
    concurrency: options.concurrency ?? file.concurrency ?? DEFAULT_CONCURRENCY,
    allowedPrivateTargets: options.allowedPrivateTargets ?? file.allowedPrivateTargets ?? [],
    allowedCommands: options.allowedCommands ?? file.allowedCommands ?? [],
    allowedWorkingDirectories: options.allowedWorkingDirectories ?? file.allowedWorkingDirectories ?? [],
    allowedEnvironment: options.allowedEnvironment ?? file.allowedEnvironment ?? [],
  };
}

/** This host's name as a runner word (`web-01`), for a runner's default name. */
export function hostRunnerName(suffix: string): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[^A-Za-z0-9]+/, '')
      .slice(0, 40) || 'runner';
  return `${host}-${suffix}`.slice(0, 63);
}
