import { murmurPrefix, murmurResume, type HashEncoding } from './murmur3.ts';

/**
 * Unleash's bucketing: an identifier lands in bucket `murmur3("groupId:id", seed) % n + 1`
 * (1..n). Rollout percentages use seed 0 and n = 100; variants use seed 86028157 and n =
 * the sum of the variants' weights, so a user's variant does not follow from their rollout
 * bucket. Keeping these numbers is what keeps every user in the same bucket when a team
 * moves its flags from Unleash to Atrium.
 */

export const STRATEGY_SEED = 0;
export const VARIANT_SEED = 86028157;

/**
 * The bucket (1..normalizer) of `id` within `groupId`.
 *
 * @example
 * normalizedValue('122', 'AB12A'); // 23: inside a 50% rollout
 */
export function normalizedValue(
  id: string,
  groupId: string,
  normalizer = 100,
  seed = STRATEGY_SEED,
  encoding: HashEncoding = 'utf8',
): number {
  return (murmurResume(murmurPrefix(`${groupId}:`, seed, encoding), id) % normalizer) + 1;
}

/** {@link normalizedValue} for one constant group: the `groupId:` prefix is hashed once, here. */
export function createBucketer(
  groupId: string,
  normalizer: number,
  seed: number,
  encoding: HashEncoding,
): (id: string) => number {
  const prefix = murmurPrefix(`${groupId}:`, seed, encoding);
  return (id) => (murmurResume(prefix, id) % normalizer) + 1;
}
