import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { rootCertificates } from 'node:tls';
import { AtriumError, UsageError } from '../platform/errors.ts';
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
  options: Partial<Omit<RunnerSettings, 'location' | 'caCertificates'>> & {
    location?: string;
    concurrency?: number;
    caFile?: string;
  },
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
    ...caOf(options.caFile ?? file.caFile),
  };
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of `--ca-file` (read once, at start): a file that cannot be read or holds none stops the runner. */
function caOf(path: string | undefined): { caCertificates?: string[] } {
  if (path === undefined) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AtriumError({
      category: 'operator-fixable',
      code: 'ca-file-unreadable',
      message: `The CA file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      hint: 'Give --ca-file (or runner.caFile) a readable PEM file of CA certificates.',
    });
  }
  const certificates = text.match(PEM_CERTIFICATE) ?? [];
  if (certificates.length === 0)
    throw new AtriumError({
      category: 'operator-fixable',
      code: 'ca-file-empty',
      message: `The CA file ${path} holds no PEM certificate`,
      hint: 'It should hold one or more -----BEGIN CERTIFICATE----- blocks.',
    });
  return { caCertificates: certificates };
}

/**
 * The authorities a TLS connection trusts: undefined (Node's default, the system's) without
 * extra ones; with them, the system's and the extra ones, since a `ca` option replaces the
 * default list rather than adding to it.
 */
export function trustedCertificates(extra: readonly string[] | undefined): string[] | undefined {
  return extra?.length ? [...rootCertificates, ...extra] : undefined;
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
