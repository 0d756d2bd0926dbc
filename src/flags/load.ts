import { AtriumError } from '../platform/errors.ts';
import { compileFeatureSet, type CompiledFeatureSet, type FlagEngineOptions } from './compile.ts';
import type { FlagProblem } from './model.ts';
import { validateFeatureSet } from './validate.ts';

export interface LoadOptions extends FlagEngineOptions {
  /**
   * Refuse what Unleash would evaluate as never matching (unknown operators and strategies,
   * invalid patterns, versions, dates or ranges, missing segments or parents), as the
   * Unleash server refuses it when a flag is saved. Off, such content loads and is
   * reported in `problems`: what an SDK must do with a document a server already accepted.
   */
  strict?: boolean;
}

const MAX_LISTED = 20;

function refuse(problems: FlagProblem[], what: string, hint: string): never {
  const listed = problems.slice(0, MAX_LISTED).map((p) => `${p.path}: ${p.message}`);
  const more = problems.length > MAX_LISTED ? [`... and ${problems.length - MAX_LISTED} more`] : [];
  throw new AtriumError({
    category: 'user-fixable',
    code: 'invalid-feature-set',
    message: `The feature set ${what} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${[...listed, ...more].join('\n')}`,
    hint,
    details: { problems },
  });
}

/**
 * Validates a feature set from untrusted JSON and compiles it: the one call a route or a
 * CLI command needs. Throws a user-fixable AtriumError (code `invalid-feature-set`, every
 * problem in `details.problems`, each with the path of its field).
 *
 * @example
 * const { engine, problems } = loadFeatureSet(JSON.parse(body), { strict: true });
 */
export function loadFeatureSet(input: unknown, options: LoadOptions = {}): CompiledFeatureSet {
  const validated = validateFeatureSet(input);
  if (!validated.ok)
    refuse(
      validated.problems,
      'is malformed',
      "Fix each field named by its path; the format is Unleash's client-features document.",
    );
  const compiled = compileFeatureSet(validated.value, options);
  if (options.strict && compiled.problems.length > 0) {
    refuse(
      compiled.problems,
      'has constraints or strategies that can never match',
      'Fix or remove them; each would leave its strategy off for every user.',
    );
  }
  return compiled;
}
