import { contextReader } from './context-value.ts';
import type { FlagContext } from './model.ts';

/**
 * Which identifier a rollout or a variant hashes, and what happens without one. Unleash's
 * two rules differ and both are kept: a flexible rollout's `default` stickiness tries
 * userId then sessionId, a variant's also remoteAddress; a rollout on a custom field that
 * is absent is off, a variant on one falls back to a random identifier. The random
 * identifiers are drawn as the Unleash SDKs draw them.
 */

/** Draws a gradualRolloutRandom bucket, 1..100. */
export const randomPercentage = (): number => Math.floor(Math.random() * 100) + 1;

const randomRolloutId = (): string => `${Math.round(Math.random() * 10000) + 1}`;
const randomVariantId = (): string => String(Math.round(Math.random() * 100000));

/** The identifier a flexibleRollout hashes, or undefined when the strategy is off for lack of one. */
export function rolloutStickiness(stickiness: string): (context: FlagContext) => string | undefined {
  if (stickiness === 'default') return (context) => context.userId || context.sessionId || randomRolloutId();
  if (stickiness === 'random') return randomRolloutId;
  const read = contextReader(stickiness);
  return (context) => read(context) || undefined;
}

/** The identifier a variant choice hashes: never absent, random at worst. */
export function variantStickiness(stickiness: string): (context: FlagContext) => string {
  if (stickiness === 'default') {
    return (context) => context.userId || context.sessionId || context.remoteAddress || randomVariantId();
  }
  const read = contextReader(stickiness);
  return (context) => read(context) || randomVariantId();
}
