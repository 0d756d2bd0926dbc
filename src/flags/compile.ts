import { allOf, compileConstraint, type Predicate, type ProblemSink } from './constraints.ts';
import { FlagEngine, variantOf, type CompiledFeature, type CompiledStrategy } from './engine.ts';
import type { Dependency, Feature, FeatureSet, FlagContext, FlagProblem, StrategyDefinition } from './model.ts';
import type { HashEncoding } from './murmur3.ts';
import { compileStrategyBody, type StrategyOptions } from './strategies.ts';
import { compileVariants } from './variants.ts';

export interface FlagEngineOptions {
  /**
   * How identifiers are turned into bytes before hashing; it decides buckets only for
   * identifiers outside ASCII. `utf8` (the default) buckets as Unleash's Rust engine
   * (Yggdrasil: Unleash Edge and the SDKs built on it) does; `node-sdk` as the Node SDK
   * (`unleash-client`) does.
   * A team moving from Unleash picks the one its users were bucketed with.
   */
  hashing?: HashEncoding;
  /** This host's name, for the applicationHostname strategy; without it that strategy is never enabled. */
  hostname?: string;
}

export interface CompiledFeatureSet {
  engine: FlagEngine;
  /** What Unleash would evaluate as never matching (unknown operators, invalid patterns, missing segments, ...). */
  problems: FlagProblem[];
}

const never: Predicate = () => false;
const ALWAYS_ON: CompiledStrategy = Object.freeze({ test: () => true, variants: undefined });

function resolverOf(strategies: readonly CompiledStrategy[]): CompiledFeature['resolve'] {
  if (strategies.length === 0) return () => ALWAYS_ON;
  if (strategies.length === 1) {
    const only = strategies[0] as CompiledStrategy;
    const test = only.test;
    return (context) => (test(context) ? only : undefined);
  }
  return (context) => {
    for (const s of strategies) if (s.test(context)) return s;
    return undefined;
  };
}

/** A parent's requirement, as Unleash checks it: one level only, so a parent that has parents of its own never satisfies. */
function compileDependency(
  dependency: Dependency,
  parent: CompiledFeature | undefined,
  path: string,
  report: ProblemSink,
): Predicate {
  if (parent === undefined) {
    report({
      path: `${path}.feature`,
      code: 'unknown-dependency',
      message: `Depends on ${JSON.stringify(dependency.feature)}, which is not in the feature set: never enabled`,
      hint: 'Add the parent feature or remove the dependency.',
    });
    return never;
  }
  if (parent.hasDependencies) {
    report({
      path: `${path}.feature`,
      code: 'transitive-dependency',
      message: `Depends on ${JSON.stringify(dependency.feature)}, which has dependencies of its own: never enabled (Unleash allows one level)`,
      hint: 'Make the feature depend on a parent that has no dependencies.',
    });
    return never;
  }
  if (dependency.enabled === false) return (context) => parent.resolve(context) === undefined;
  const variants = dependency.variants ?? [];
  if (variants.length === 0) return (context) => parent.resolve(context) !== undefined;
  const wanted = new Set(variants);
  return (context) => {
    const variant = variantOf(parent, context);
    return variant.feature_enabled && wanted.has(variant.name);
  };
}

/** One strategy: its constraints, then its segments' constraints, then its activation test, all required; then its own variants. */
function compileStrategy(
  strategy: StrategyDefinition,
  path: string,
  segments: ReadonlyMap<number, Predicate[]>,
  options: StrategyOptions,
  report: ProblemSink,
): CompiledStrategy {
  const checks = (strategy.constraints ?? []).map((c, k) => compileConstraint(c, `${path}.constraints[${k}]`, report));
  for (const [k, id] of (strategy.segments ?? []).entries()) {
    const segment = segments.get(id);
    if (segment === undefined) {
      report({
        path: `${path}.segments[${k}]`,
        code: 'unknown-segment',
        message: `Segment ${id} is not in the feature set: the strategy is never enabled`,
        hint: "Include the segment in the feature set's segments, or remove it from the strategy.",
      });
      checks.push(never);
    } else {
      checks.push(...segment);
    }
  }
  const body = compileStrategyBody(strategy, path, options, report);
  const parameters = strategy.parameters ?? {};
  const variants = strategy.variants ?? [];
  const stickiness = variants[0]?.stickiness || parameters.stickiness;
  return {
    test: allOf(body === undefined ? checks : [...checks, body]) ?? ALWAYS_ON.test,
    // The SDKs hash strategy variants under the strategy's groupId, "undefined" when it has none.
    variants:
      variants.length === 0
        ? undefined
        : compileVariants(
            variants,
            String(parameters.groupId),
            stickiness == null ? 'default' : String(stickiness),
            options.encoding,
          ),
  };
}

/**
 * Compiles a feature set once into a {@link FlagEngine}: constraint values into sets and
 * parsed numbers, dates, versions, ranges and RE2 programs, segments into shared
 * predicates, `groupId:` hash prefixes into precomputed states, parents into direct
 * references. Never throws on content Unleash tolerates; it reports it in `problems` and
 * compiles it as Unleash evaluates it.
 *
 * @example
 * const { engine, problems } = compileFeatureSet(featureSet, { hashing: 'utf8' });
 * engine.getVariant('checkout', { userId: 'u-17' }); // { name: 'blue', enabled: true, feature_enabled: true, payload: ... }
 */
export function compileFeatureSet(set: FeatureSet, options: FlagEngineOptions = {}): CompiledFeatureSet {
  const problems: FlagProblem[] = [];
  const strategyOptions: StrategyOptions = { encoding: options.hashing ?? 'utf8', hostname: options.hostname };
  const reportIn =
    (where: string): ProblemSink =>
    (p) =>
      problems.push({ ...p, message: `${p.message} (${where})` });

  const segments = new Map<number, Predicate[]>();
  (set.segments ?? []).forEach((segment, i) => {
    const report = reportIn(`segment ${segment.id}`);
    segments.set(
      segment.id,
      segment.constraints.map((c, j) => compileConstraint(c, `segments[${i}].constraints[${j}]`, report)),
    );
  });

  const compiled = new Map<string, CompiledFeature>();
  const withDependencies: { feature: Feature; index: number; base: CompiledFeature }[] = [];
  set.features.forEach((feature, i) => {
    const path = `features[${i}]`;
    const report = reportIn(`feature ${JSON.stringify(feature.name)}`);
    if (compiled.has(feature.name)) {
      report({
        path: `${path}.name`,
        code: 'duplicate-feature',
        message: 'A feature of this name comes earlier in the set; this later one replaces it, as in Unleash',
        hint: 'Give every feature a unique name.',
      });
    }
    const strategies = feature.strategies.map((strategy, j) =>
      compileStrategy(strategy, `${path}.strategies[${j}]`, segments, strategyOptions, report),
    );
    const variants = feature.variants ?? [];
    const base: CompiledFeature = {
      name: feature.name,
      resolve: feature.enabled ? resolverOf(strategies) : () => undefined,
      // Feature variants: hashed under the feature's name, sticky on the first variant's stickiness.
      variants: compileVariants(variants, feature.name, variants[0]?.stickiness ?? 'default', strategyOptions.encoding),
      hasDependencies: (feature.dependencies ?? []).length > 0,
    };
    compiled.set(feature.name, base);
    if (base.hasDependencies) withDependencies.push({ feature, index: i, base });
  });

  // Parents are wired in a second pass: a parent may come after its child in the set.
  for (const { feature, index, base } of withDependencies) {
    if (compiled.get(feature.name) !== base) continue; // replaced by a later feature of the same name
    const report = reportIn(`feature ${JSON.stringify(feature.name)}`);
    const checks = (feature.dependencies ?? []).map((d, j) =>
      compileDependency(d, compiled.get(d.feature), `features[${index}].dependencies[${j}]`, report),
    );
    const parentsSatisfied = allOf(checks) as Predicate;
    const own = base.resolve;
    compiled.set(feature.name, {
      ...base,
      resolve: (context: FlagContext) => (parentsSatisfied(context) ? own(context) : undefined),
    });
  }
  return { engine: new FlagEngine(compiled), problems };
}
