import { createBucketer, VARIANT_SEED } from './bucket.ts';
import { contextReader, type ContextReader } from './context-value.ts';
import type { FlagContext, FlagVariant, VariantDefinition } from './model.ts';
import type { HashEncoding } from './murmur3.ts';
import { variantStickiness } from './stickiness.ts';

/** Picks a variant for a context, or undefined when the definitions give none. */
export type VariantSelector = (context: FlagContext) => FlagVariant | undefined;

/** The answer for a variant definition: built once, frozen, returned to every caller. */
function answerOf(definition: VariantDefinition): FlagVariant {
  const payload = definition.payload
    ? Object.freeze({ type: definition.payload.type, value: definition.payload.value })
    : undefined;
  return Object.freeze(
    payload
      ? { name: definition.name, enabled: true, payload, feature_enabled: true }
      : { name: definition.name, enabled: true, feature_enabled: true },
  );
}

interface CompiledOverride {
  read: ContextReader;
  values: ReadonlySet<string>;
  answer: FlagVariant;
}

/**
 * Compiles variant definitions as Unleash chooses among them: an override matching the
 * context wins (first variant first); otherwise the stickiness identifier's bucket in
 * 1..(sum of weights), hashed with `groupId` and the variant seed, falls in one variant's
 * share, in the order the variants are listed. Undefined when there is nothing to choose
 * from (no variants, or weights summing to 0: then overrides do not apply either).
 *
 * `stickiness` is `default` or a context field name.
 */
export function compileVariants(
  definitions: readonly VariantDefinition[],
  groupId: string,
  stickiness: string,
  encoding: HashEncoding,
): VariantSelector | undefined {
  const total = definitions.reduce((sum, v) => sum + v.weight, 0);
  if (total <= 0) return undefined;
  const overrides: CompiledOverride[] = [];
  const thresholds: number[] = [];
  const answers: FlagVariant[] = [];
  let counter = 0;
  for (const definition of definitions) {
    const answer = answerOf(definition);
    for (const o of definition.overrides ?? [])
      overrides.push({ read: contextReader(o.contextName), values: new Set(o.values), answer });
    // A variant of weight 0 shares the threshold of the one before it, so no bucket reaches it; an override still can.
    counter += definition.weight;
    thresholds.push(counter);
    answers.push(answer);
  }
  const bucket = createBucketer(groupId, total, VARIANT_SEED, encoding);
  const identify = variantStickiness(stickiness);
  const byWeight = (context: FlagContext): FlagVariant | undefined => {
    const target = bucket(identify(context));
    for (let i = 0; i < thresholds.length; i++) if ((thresholds[i] as number) >= target) return answers[i];
    return undefined;
  };
  if (overrides.length === 0) return byWeight;
  return (context) => {
    for (const o of overrides) {
      const v = o.read(context);
      if (v !== undefined && o.values.has(v)) return o.answer;
    }
    return byWeight(context);
  };
}
