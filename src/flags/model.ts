/**
 * The feature flag vocabulary, in Unleash's wire format: a feature set as `GET
 * /api/client/features` serves it, the context a flag is evaluated against, and the
 * variant an evaluation answers with. Pure types and constants: nothing here does I/O.
 *
 * Field names are Unleash's own, so an Unleash export or a client-features response loads
 * unchanged and Atrium can serve the same document to Unleash SDKs.
 */

/** The constraint operators Unleash defines. An operator outside this list never matches, as in Unleash. */
export const OPERATORS = [
  'IN',
  'NOT_IN',
  'STR_STARTS_WITH',
  'STR_ENDS_WITH',
  'STR_CONTAINS',
  'NUM_EQ',
  'NUM_GT',
  'NUM_GTE',
  'NUM_LT',
  'NUM_LTE',
  'DATE_AFTER',
  'DATE_BEFORE',
  'SEMVER_EQ',
  'SEMVER_GT',
  'SEMVER_GTE',
  'SEMVER_LT',
  'SEMVER_LTE',
  'REGEX',
  'IN_CIDR',
] as const;

/** The built-in activation strategies. A strategy outside this list is never enabled, as in an Unleash SDK without that custom strategy. */
export const STRATEGIES = [
  'default',
  'userWithId',
  'gradualRolloutUserId',
  'gradualRolloutSessionId',
  'gradualRolloutRandom',
  'remoteAddress',
  'applicationHostname',
  'flexibleRollout',
] as const;

export interface Constraint {
  /** A context field: `userId`, `sessionId`, `remoteAddress`, `environment`, `appName`, `currentTime`, or a key of `properties`. */
  contextName: string;
  /** One of {@link OPERATORS}; kept as a string so a newer server's operator loads (and never matches). */
  operator: string;
  /** The list operators' values (IN, NOT_IN, STR_*, IN_CIDR). */
  values?: string[] | null;
  /** The single-value operators' value (NUM_*, DATE_*, SEMVER_*, REGEX). */
  value?: string | null;
  inverted?: boolean | null;
  caseInsensitive?: boolean | null;
}

export interface Payload {
  /** `string`, `json`, `csv` or `number`; the value is always a string. */
  type: string;
  value: string;
}

export interface Override {
  contextName: string;
  values: string[];
}

export interface VariantDefinition {
  name: string;
  /** Relative weight; the server makes a feature's weights sum to 1000. */
  weight: number;
  /** `variable` or `fix`: how the server shared out the weights. Evaluation only reads `weight`. */
  weightType?: string | null;
  /** Which context field keeps a user on one variant; `default` (or absent) means userId, sessionId, remoteAddress, then random. */
  stickiness?: string | null;
  payload?: Payload | null;
  overrides?: Override[] | null;
}

export interface StrategyDefinition {
  name: string;
  /** Unleash sends every parameter as a string; old servers sent some numbers. */
  parameters?: Record<string, string | number> | null;
  constraints?: Constraint[] | null;
  /** Ids of the feature set's segments; every constraint of each must hold. */
  segments?: number[] | null;
  /** Strategy variants: when this strategy enables the feature, they win over the feature's variants. */
  variants?: VariantDefinition[] | null;
  sortOrder?: number | null;
}

export interface Dependency {
  /** The parent feature's name. */
  feature: string;
  /** `false` asks for the parent to be disabled; absent or `true`, enabled. */
  enabled?: boolean | null;
  /** The parent's variant must be one of these (when non-empty). */
  variants?: string[] | null;
}

export interface Feature {
  name: string;
  enabled: boolean;
  strategies: StrategyDefinition[];
  variants?: VariantDefinition[] | null;
  dependencies?: Dependency[] | null;
  type?: string | null;
  project?: string | null;
  description?: string | null;
  stale?: boolean | null;
  impressionData?: boolean | null;
}

export interface Segment {
  id: number;
  name?: string | null;
  constraints: Constraint[];
}

/** The body of `GET /api/client/features`. */
export interface FeatureSet {
  version?: number;
  features: Feature[];
  segments?: Segment[] | null;
}

/** What a flag is evaluated against. Unleash's context, field for field. */
export interface FlagContext {
  userId?: string;
  sessionId?: string;
  remoteAddress?: string;
  environment?: string;
  appName?: string;
  /** An ISO-8601 timestamp (or a Date): what DATE_AFTER / DATE_BEFORE compare; the present when absent. */
  currentTime?: string | Date;
  /** Custom fields; a number is compared as its decimal string, null means absent. */
  properties?: Readonly<Record<string, string | number | null | undefined>>;
}

/** The answer of `getVariant`, in Unleash's shape. */
export interface FlagVariant {
  readonly name: string;
  readonly enabled: boolean;
  readonly payload?: Readonly<Payload>;
  /** Whether the feature itself is enabled for this context (a feature can be on with no variant). */
  readonly feature_enabled: boolean;
}

/** The variant name Unleash answers with when there is no variant to give. */
export const DISABLED_VARIANT_NAME = 'disabled';

/** The top-level context fields; a constraint on any other name reads `properties`. */
export const CONTEXT_FIELDS = [
  'userId',
  'sessionId',
  'remoteAddress',
  'environment',
  'appName',
  'currentTime',
] as const;

/**
 * Something wrong with a feature set, located by the path of the field (for example
 * `features[3].strategies[0].constraints[1].value`). Validation reports what makes the set
 * unusable; compilation reports what Unleash would evaluate as never matching.
 */
export interface FlagProblem {
  path: string;
  code: string;
  message: string;
  hint: string;
}
