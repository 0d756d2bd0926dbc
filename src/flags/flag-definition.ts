import { compileFeatureSet } from './compile.ts';
import type { Feature } from './model.ts';
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
}

/** The flag as Unleash serves it to an SDK in one environment (off where it is not declared). */
export function featureOf(name: string, spec: FlagSpec, environment: string): Feature {
  const env = spec.environments?.[environment];
  return {
    name,
    type: spec.type,
    enabled: env?.enabled ?? false,
    strategies: (env?.strategies ?? spec.strategies ?? [{ name: 'default', parameters: {} }]) as Feature['strategies'],
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
  // Feature 0 is the flag itself; feature 1 + i the strategies of environment i, checked alone.
  const features = [
    { name, enabled: true, strategies: spec.strategies ?? [], variants: spec.variants ?? [], dependencies: spec.dependencies ?? [] },
    ...environments.map(([env, value]) => ({ name: `${name}@${env}`, enabled: value.enabled, strategies: value.strategies ?? [] })),
  ];
  const where = (enginePath: string): (string | number)[] => {
    const [head, index, ...rest] = segmentsOf(enginePath);
    if (head !== 'features' || typeof index !== 'number') return [];
    return index === 0 ? rest : ['environments', environments[index - 1]?.[0] ?? '', ...rest];
  };
  const validated = validateFeatureSet({ version: 2, features });
  if (!validated.ok) return validated.problems.map((p) => ({ path: where(p.path), code: 'invalid-flag', message: p.message, hint: p.hint }));
  return compileFeatureSet(validated.value)
    .problems.filter((p) => p.code !== 'unknown-dependency' && p.code !== 'transitive-dependency')
    .map((p) => ({ path: where(p.path), code: 'invalid-flag', message: p.message, hint: p.hint }));
}
