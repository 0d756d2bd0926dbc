import { z } from 'zod';
import { FLAG_LIMITS as L } from './limits.ts';
import type { FeatureSet, FlagContext, FlagProblem } from './model.ts';

/**
 * The shape of a feature set and of a context arriving as untrusted JSON: types, sizes
 * (see {@link L}) and names free of control characters and unpaired surrogates. Keys
 * Atrium does not read are dropped, so a newer server's fields load. What is well formed
 * but cannot match (an unknown operator, an invalid pattern, a missing segment) is not an
 * error here: Unleash evaluates it as never matching, and `compileFeatureSet` reports it.
 */

export type Validation<T> = { ok: true; value: T } | { ok: false; problems: FlagProblem[] };

// C0 and C1 controls, DEL, and UTF-16 surrogates that are not part of a pair.
const UNSAFE_IN_NAME =
  /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const name = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, { error: `${what} must not be empty` })
    .max(L.nameLength, { error: `${what} is longer than ${L.nameLength} characters` })
    .refine((s) => !UNSAFE_IN_NAME.test(s), { error: `${what} contains a control character or an unpaired surrogate` });

const text = (what: string, max: number) =>
  z.string({ error: `${what} must be a string` }).max(max, { error: `${what} is longer than ${max} characters` });
const list = <T extends z.ZodType>(item: T, what: string, max: number) =>
  z.array(item, { error: `${what} must be an array` }).max(max, { error: `more than ${max} ${what}` });
const flag = (what: string) => z.boolean({ error: `${what} must be true or false` }).nullish();

const constraint = z.object({
  contextName: name('contextName'),
  operator: name('operator'),
  values: list(text('a constraint value', L.valueLength), 'values', L.valuesPerConstraint)
    .refine((values) => values.reduce((n, v) => n + v.length, 0) <= L.constraintCharacters, {
      error: `values hold more than ${L.constraintCharacters} characters in all`,
    })
    .nullish(),
  value: text('a constraint value', L.valueLength).nullish(),
  inverted: flag('inverted'),
  caseInsensitive: flag('caseInsensitive'),
});

const variant = z.object({
  name: name('variant name'),
  weight: z
    .number({ error: 'weight must be a number' })
    .int({ error: 'weight must be a whole number' })
    .min(0, { error: 'weight must not be negative' })
    .max(L.variantWeight, { error: `weight is above ${L.variantWeight}` }),
  weightType: text('weightType', L.nameLength).nullish(),
  stickiness: text('stickiness', L.nameLength).nullish(),
  payload: z.object({ type: name('payload type'), value: text('payload value', L.payloadLength) }).nullish(),
  overrides: list(
    z.object({
      contextName: name('override contextName'),
      values: list(text('an override value', L.valueLength), 'override values', L.valuesPerConstraint),
    }),
    'overrides',
    L.overridesPerVariant,
  ).nullish(),
});

const parameters = z
  .record(
    name('parameter name'),
    z.union([text('a parameter', L.parameterLength), z.number()], { error: 'a parameter must be a string' }),
  )
  .refine((p) => Object.keys(p).length <= L.parametersPerStrategy, {
    error: `more than ${L.parametersPerStrategy} parameters`,
  });

const strategy = z.object({
  name: name('strategy name'),
  parameters: parameters.nullish(),
  constraints: list(constraint, 'constraints', L.constraintsPerStrategy).nullish(),
  segments: list(
    z.number({ error: 'a segment id must be a number' }).int({ error: 'a segment id must be a whole number' }),
    'segments',
    L.segmentsPerStrategy,
  ).nullish(),
  variants: list(variant, 'variants', L.variantsPerFeature).nullish(),
  sortOrder: z.number({ error: 'sortOrder must be a number' }).nullish(),
});

const feature = z.object({
  name: name('feature name'),
  enabled: z.boolean({ error: 'enabled must be true or false' }),
  strategies: list(strategy, 'strategies', L.strategiesPerFeature),
  variants: list(variant, 'variants', L.variantsPerFeature).nullish(),
  dependencies: list(
    z.object({
      feature: name('parent feature name'),
      enabled: flag('enabled'),
      variants: list(name('variant name'), 'variants', L.variantsPerFeature).nullish(),
    }),
    'dependencies',
    L.dependenciesPerFeature,
  ).nullish(),
  type: text('type', L.nameLength).nullish(),
  project: text('project', L.nameLength).nullish(),
  description: text('description', L.parameterLength).nullish(),
  stale: flag('stale'),
  impressionData: flag('impressionData'),
});

const segment = z.object({
  id: z.number({ error: 'a segment id must be a number' }).int({ error: 'a segment id must be a whole number' }),
  name: text('segment name', L.nameLength).nullish(),
  constraints: list(constraint, 'constraints', L.constraintsPerSegment),
});

const featureSet = z
  .object(
    {
      version: z.number({ error: 'version must be a number' }).optional(),
      features: list(feature, 'features', L.features),
      segments: list(segment, 'segments', L.segments).nullish(),
    },
    { error: 'a feature set must be an object with a features array' },
  )
  .superRefine((set, ctx) => {
    const firstOf = new Map<string, number>();
    set.features.forEach((f, i) => {
      const first = firstOf.get(f.name);
      if (first === undefined) firstOf.set(f.name, i);
      else
        ctx.addIssue({
          code: 'custom',
          path: ['features', i, 'name'],
          message: `duplicates the name of features[${first}]`,
        });
    });
    const ids = new Map<number, number>();
    (set.segments ?? []).forEach((s, i) => {
      const first = ids.get(s.id);
      if (first === undefined) ids.set(s.id, i);
      else
        ctx.addIssue({
          code: 'custom',
          path: ['segments', i, 'id'],
          message: `duplicates the id of segments[${first}]`,
        });
    });
  });

const contextValue = text('a context value', L.contextValueLength).optional();
const context = z.object(
  {
    userId: contextValue,
    sessionId: contextValue,
    remoteAddress: contextValue,
    environment: contextValue,
    appName: contextValue,
    currentTime: contextValue,
    properties: z
      .record(
        name('property name'),
        z.union([text('a property value', L.contextValueLength), z.number(), z.null()], {
          error: 'a property value must be a string',
        }),
      )
      .refine((p) => Object.keys(p).length <= L.contextProperties, {
        error: `more than ${L.contextProperties} properties`,
      })
      .optional(),
  },
  { error: 'a context must be an object' },
);

/** `features[3].strategies[0].name`: the path as a reader would write it. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out === '' ? '(root)' : out;
}

/** The feature's name, when the path runs through one, so a problem says which flag it is in. */
function featureNameAt(input: unknown, path: readonly PropertyKey[]): string | undefined {
  if (path[0] !== 'features' || typeof path[1] !== 'number' || typeof input !== 'object' || input === null)
    return undefined;
  const features = (input as { features?: unknown }).features;
  const f = Array.isArray(features) ? (features[path[1]] as unknown) : undefined;
  const n = typeof f === 'object' && f !== null ? (f as { name?: unknown }).name : undefined;
  return typeof n === 'string' ? n.slice(0, 80) : undefined;
}

function problemsOf(error: z.ZodError, input: unknown, hint: string): FlagProblem[] {
  return error.issues.map((issue) => {
    const featureName = featureNameAt(input, issue.path);
    // A bad record key is reported by zod as a wrapper around the key's own issue, which says what is wrong.
    const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    return {
      path: formatPath(issue.path),
      code: issue.code === 'too_big' ? 'too-large' : 'invalid-field',
      message: featureName === undefined ? message : `${message} (feature ${JSON.stringify(featureName)})`,
      hint,
    };
  });
}

/**
 * Checks a feature set from untrusted JSON (a `GET /api/client/features` body or an
 * Unleash export).
 *
 * @example
 * const result = validateFeatureSet(JSON.parse(body));
 * if (!result.ok) console.log(result.problems); // [{ path: 'features[0].enabled', code: 'invalid-field', ... }]
 */
export function validateFeatureSet(input: unknown): Validation<FeatureSet> {
  const result = featureSet.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    problems: problemsOf(
      result.error,
      input,
      "Fix the field named by the path; the format is Unleash's client-features document.",
    ),
  };
}

/** Checks an evaluation context from untrusted JSON (a request body or query). */
export function validateContext(input: unknown): Validation<FlagContext> {
  const result = context.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    problems: problemsOf(
      result.error,
      input,
      'Send the context as Unleash SDKs do: userId, sessionId, remoteAddress, environment, appName, currentTime as strings, custom fields under properties.',
    ),
  };
}
