import { DISABLED_VARIANT_NAME, type FlagContext, type FlagVariant } from './model.ts';
import type { VariantSelector } from './variants.ts';

/** A strategy ready to run: its constraints, segments and activation test in one predicate. */
export interface CompiledStrategy {
  readonly test: (context: FlagContext) => boolean;
  /** Its own variants, which win over the feature's when this strategy enables the feature. */
  readonly variants: VariantSelector | undefined;
}

/** A feature ready to run. */
export interface CompiledFeature {
  readonly name: string;
  /** The strategy that enables the feature for this context, or undefined when it is off. */
  readonly resolve: (context: FlagContext) => CompiledStrategy | undefined;
  readonly variants: VariantSelector | undefined;
  readonly hasDependencies: boolean;
}

const OFF: FlagVariant = Object.freeze({ name: DISABLED_VARIANT_NAME, enabled: false, feature_enabled: false });
const ON_WITHOUT_VARIANT: FlagVariant = Object.freeze({
  name: DISABLED_VARIANT_NAME,
  enabled: false,
  feature_enabled: true,
});

/** The variant of a compiled feature for a context, in Unleash's order: strategy variants, then feature variants. */
export function variantOf(feature: CompiledFeature, context: FlagContext): FlagVariant {
  const strategy = feature.resolve(context);
  if (strategy === undefined) return OFF;
  const chosen = strategy.variants?.(context) ?? feature.variants?.(context);
  return chosen ?? ON_WITHOUT_VARIANT;
}

/**
 * Answers flag questions from a compiled feature set. Evaluation is pure and synchronous
 * (apart from Unleash's random fallbacks); answers are shared frozen objects, so the hot
 * path allocates nothing. Build one with `compileFeatureSet` or `loadFeatureSet`. The
 * context is trusted as typed: one from a request goes through `validateContext` first,
 * which bounds its sizes (and so the cost of REGEX and STR_* constraints on it).
 *
 * @example
 * const { engine } = compileFeatureSet({ features: [{ name: 'new-nav', enabled: true, strategies: [{ name: 'default' }] }] });
 * engine.isEnabled('new-nav', { userId: '42' }); // true
 */
export class FlagEngine {
  readonly #features: ReadonlyMap<string, CompiledFeature>;

  constructor(features: ReadonlyMap<string, CompiledFeature>) {
    this.#features = features;
  }

  /** Whether the flag is on for this context; false for a flag that does not exist. */
  isEnabled(name: string, context: FlagContext): boolean {
    const feature = this.#features.get(name);
    return feature !== undefined && feature.resolve(context) !== undefined;
  }

  /** The flag's variant for this context: `{ name: 'disabled', enabled: false }` when there is none to give. */
  getVariant(name: string, context: FlagContext): FlagVariant {
    const feature = this.#features.get(name);
    return feature === undefined ? OFF : variantOf(feature, context);
  }

  has(name: string): boolean {
    return this.#features.has(name);
  }

  /** The names of the flags, in the order of the feature set. */
  names(): string[] {
    return [...this.#features.keys()];
  }
}
