import { compileFeatureSet } from './compile.ts';
import type { Feature } from './model.ts';
import type { ReleasePlan } from './release-plan.ts';
import { validateFeatureSet } from './validate.ts';

/**
 * Flags declared as code: the catalog's `Flag` kind (`apiVersion: atrium.dev/v1`), and how
 * its spec becomes an Unleash feature per environment. Pure.
 *
 * @example
 * // spec: { owner: payments, service: checkout, type: release,
 * //         strategies: [{ name: flexibleRollout, parameters: { rollout: '10' } }],
 * //         environments: { production: { enabled: true }, staging: { enabled: true, strategies: [{ name: default }] } } }
 * featureOf('new-checkout', spec, 'production'); // { name: 'new-checkout', enabled: true, strategies: [the 10% rollout], ... }
 */

export const FLAG_API_VERSION = 'atrium.dev/v1';
export const FLAG_TYPES = ['release', 'experiment', 'operational', 'kill-switch', 'permission'] as const;
export type FlagType = (typeof FLAG_TYPES)[number];

/** A Flag's spec as written (after the catalog's schema has checked its shape). */
export interface FlagSpec {
  owner: string;
  service: string;
  type: FlagType;
  /** Per environment: on or off, and strategies that replace the flag's own there. */
  environments?: Record<string, { enabled: boolean; strategies?: unknown[] }>;
  strategies?: unknown[];
  variants?: unknown[];
  dependencies?: unknown[];
  impressionData?: boolean;
  /** Milestones to roll out through, each with its strategies (section 15.5 of the user guide). */
  releasePlan?: ReleasePlan;
}

/** The gradual-rollout strategies and the parameter holding their percentage. */
const ROLLOUT_PARAMETER: Readonly<Record<string, string>> = {
  flexibleRollout: 'rollout',
  gradualRolloutUserId: 'percentage',
  gradualRolloutSessionId: 'percentage',
  gradualRolloutRandom: 'percentage',
};

/** The strategies with every gradual rollout's percentage replaced (a run-time rollout). */
export function withRollout(strategies: readonly unknown[], percent: number): unknown[] {
  return strategies.map((s) => {
    const strategy = (typeof s === 'object' && s !== null ? s : {}) as {
      name?: unknown;
      parameters?: Record<string, unknown>;
    };
    const parameter = typeof strategy.name === 'string' ? ROLLOUT_PARAMETER[strategy.name] : undefined;
    return parameter ? { ...strategy, parameters: { ...strategy.parameters, [parameter]: String(percent) } } : s;
  });
}

/**
 * The flag as Unleash serves it to an SDK in one environment (off where it is not
 * declared); with a release plan under way there, the current milestone's strategies;
 * with a rollout set at run time, every gradual rollout at that percentage.
 */
export function featureOf(
  name: string,
  spec: FlagSpec,
  environment: string,
  milestone?: number,
  rollout?: number,
): Feature {
  const env = spec.environments?.[environment];
  const planned = milestone === undefined ? undefined : spec.releasePlan?.milestones[milestone]?.strategies;
  const strategies = planned ?? env?.strategies ?? spec.strategies ?? [{ name: 'default', parameters: {} }];
  return {
    name,
    type: spec.type,
    enabled: env?.enabled ?? false,
    strategies: (rollout === undefined ? strategies : withRollout(strategies, rollout)) as Feature['strategies'],
    variants: (spec.variants ?? []) as Feature['variants'],
    dependencies: (spec.dependencies ?? []) as Feature['dependencies'],
    impressionData: spec.impressionData ?? false,
  };
}

export interface FlagSpecIssue {
  /** Inside the spec, e.g. ['strategies', 0, 'constraints', 1, 'operator']. */
  path: (string | number)[];
  code: string;
  message: string;
  hint: string;
}

/** `features[1].strategies[0].constraints[2]` (the engine's paths) as segments. */
function segmentsOf(path: string): (string | number)[] {
  return path
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((s) => s !== '')
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/**
 * What is wrong with a Flag spec's Unleash parts (strategies, constraints, variants,
 * dependencies, per-environment strategies), checked by the flag engine itself: the
 * structure, and what would make a strategy never match (an unknown operator or
 * strategy, an invalid regex, a bad version or date). A parent flag is another entity,
 * so an unknown dependency is not reported here.
 */
export function flagSpecIssues(name: string, spec: FlagSpec): FlagSpecIssue[] {
  const environments = Object.entries(spec.environments ?? {});
  const milestones = spec.releasePlan?.milestones ?? [];
  // Feature 0 is the flag itself; then the strategies of each environment, then of each milestone, each checked alone.
  const features = [
    {
      name,
      enabled: true,
      strategies: spec.strategies ?? [],
      variants: spec.variants ?? [],
      dependencies: spec.dependencies ?? [],
    },
    ...environments.map(([env, value]) => ({
      name: `${name}@${env}`,
      enabled: value.enabled,
      strategies: value.strategies ?? [],
    })),
    ...milestones.map((m, i) => ({ name: `${name}#${i}`, enabled: true, strategies: m.strategies })),
  ];
  const where = (enginePath: string): (string | number)[] => {
    const [head, index, ...rest] = segmentsOf(enginePath);
    if (head !== 'features' || typeof index !== 'number') return [];
    if (index === 0) return rest;
    if (index <= environments.length) return ['environments', environments[index - 1]?.[0] ?? '', ...rest];
    return ['releasePlan', 'milestones', index - 1 - environments.length, ...rest];
  };
  const validated = validateFeatureSet({ version: 2, features });
  if (!validated.ok)
    return validated.problems.map((p) => ({
      path: where(p.path),
      code: 'invalid-flag',
      message: p.message,
      hint: p.hint,
    }));
  return compileFeatureSet(validated.value)
    .problems.filter((p) => p.code !== 'unknown-dependency' && p.code !== 'transitive-dependency')
    .map((p) => ({ path: where(p.path), code: 'invalid-flag', message: p.message, hint: p.hint }));
}
