/**
 * Bounds on what a feature set and a context may hold. Each is well above what an Unleash
 * server produces with its default resource limits (a few dozen constraints per strategy,
 * at most a thousand values per constraint or segment, variant weights summing to 1,000),
 * so a real export fits; they exist so that a hostile or broken document is refused
 * instead of costing memory at load or time at every evaluation.
 */
export const FLAG_LIMITS = {
  features: 20_000,
  segments: 10_000,
  /** Names of features, strategies, variants, segments, context fields and parameters. */
  nameLength: 255,
  strategiesPerFeature: 100,
  constraintsPerStrategy: 100,
  segmentsPerStrategy: 100,
  constraintsPerSegment: 100,
  valuesPerConstraint: 10_000,
  valueLength: 4_096,
  /** All the values of one constraint together: what a STR_* operator may scan at each evaluation. */
  constraintCharacters: 100_000,
  parametersPerStrategy: 100,
  /** A parameter holds a whole list (userWithId's `userIds`, remoteAddress's `IPs`). */
  parameterLength: 100_000,
  variantsPerFeature: 100,
  overridesPerVariant: 100,
  variantWeight: 1_000_000,
  payloadLength: 65_536,
  dependenciesPerFeature: 20,
  /** A REGEX constraint's pattern, in characters. */
  regexLength: 2_048,
  /**
   * RE2's own cost measure of a compiled pattern (about one unit per instruction: `^cat$`
   * is 7, `.{1000}` is 1,002). RE2 matches in time linear in the input, so no pattern
   * can backtrack catastrophically; this bounds the factor of that line.
   */
  regexProgramSize: 5_000,
  contextProperties: 100,
  contextValueLength: 4_096,
} as const;
