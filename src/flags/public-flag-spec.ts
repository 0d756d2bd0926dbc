import type { FlagSpec } from './flag-definition.ts';

/**
 * A Flag's spec as a reader without a token sees it: the state per environment, the
 * strategies' names and rollouts, the constraints' fields and operators, the segments'
 * ids, the variants' names and weights, the release plan's milestones; never a
 * constraint's values, a strategy's user ids, IPs or host names, a segment's constraints,
 * a variant's payload or overrides.
 * Pure.
 *
 * It is built from an allow-list, not by deleting the known secrets: a key added to the
 * spec later (or an unknown one a loose schema let through) stays out until it is listed
 * here on purpose.
 *
 * @example
 * publicFlagSpec({ ..., strategies: [{ name: 'userWithId', parameters: { userIds: 'u-1,u-2' } }] });
 * // { ..., strategies: [{ name: 'userWithId', parameters: {} }] }
 */

/** Strategy parameters that say how much, not whom: the rollout and how users are bucketed. */
const PUBLIC_PARAMETERS = ['rollout', 'percentage', 'stickiness', 'groupId'] as const;

const recordOf = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

const listOf = <T>(value: unknown, item: (v: unknown) => T): T[] => (Array.isArray(value) ? value.map(item) : []);

/** The keys of `source` named in `keys` whose values are strings, numbers or booleans. */
function scalars(source: Record<string, unknown>, keys: readonly string[]): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const key of keys) {
    const value = source[key];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
  }
  return out;
}

function publicConstraint(value: unknown): Record<string, string | number | boolean> {
  return scalars(recordOf(value), ['contextName', 'operator', 'inverted', 'caseInsensitive']);
}

function publicVariant(value: unknown): Record<string, string | number | boolean> {
  return scalars(recordOf(value), ['name', 'weight', 'weightType', 'stickiness']);
}

function publicStrategy(value: unknown): Record<string, unknown> {
  const strategy = recordOf(value);
  return {
    ...scalars(strategy, ['name', 'sortOrder']),
    parameters: scalars(recordOf(strategy.parameters), PUBLIC_PARAMETERS),
    ...(Array.isArray(strategy.constraints) ? { constraints: listOf(strategy.constraints, publicConstraint) } : {}),
    // A segment's id says nothing of whom it holds; its constraints live elsewhere.
    ...(Array.isArray(strategy.segments)
      ? { segments: strategy.segments.filter((id): id is number => typeof id === 'number') }
      : {}),
    ...(Array.isArray(strategy.variants) ? { variants: listOf(strategy.variants, publicVariant) } : {}),
  };
}

/** The spec without targeting details (whatever it holds: it is read from files, and may be hostile). */
export function publicFlagSpec(spec: unknown): FlagSpec {
  const s = recordOf(spec);
  const environments = Object.entries(recordOf(s.environments)).map(([name, value]) => {
    const env = recordOf(value);
    return [
      name,
      {
        enabled: env.enabled === true,
        ...(Array.isArray(env.strategies) ? { strategies: listOf(env.strategies, publicStrategy) } : {}),
      },
    ] as const;
  });
  const plan = recordOf(s.releasePlan);
  return {
    ...(scalars(s, ['owner', 'service', 'type', 'impressionData']) as Pick<FlagSpec, 'owner' | 'service' | 'type'>),
    ...(s.environments !== undefined ? { environments: Object.fromEntries(environments) } : {}),
    ...(Array.isArray(s.strategies) ? { strategies: listOf(s.strategies, publicStrategy) } : {}),
    ...(Array.isArray(s.variants) ? { variants: listOf(s.variants, publicVariant) } : {}),
    ...(Array.isArray(s.dependencies)
      ? { dependencies: listOf(s.dependencies, (d) => scalars(recordOf(d), ['feature', 'enabled'])) }
      : {}),
    ...(Array.isArray(plan.milestones)
      ? {
          releasePlan: {
            milestones: listOf(plan.milestones, (m) => {
              const milestone = recordOf(m);
              return {
                name: typeof milestone.name === 'string' ? milestone.name : '',
                strategies: listOf(milestone.strategies, publicStrategy),
                ...(typeof milestone.after === 'string' ? { after: milestone.after } : {}),
              };
            }),
          },
        }
      : {}),
  } as FlagSpec;
}
