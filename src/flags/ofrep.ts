import type { FlagEngine } from './engine.ts';
import type { FlagContext } from './model.ts';

/**
 * The OpenFeature Remote Evaluation Protocol (OFREP), as pure functions: an OpenFeature
 * evaluation context as the engine's, and an evaluation as OFREP's answer. Also what the
 * in-process OpenFeature provider evaluates with, so both answer alike.
 */

/** An OpenFeature evaluation context: `targetingKey` and any attributes. */
export type EvaluationContext = Readonly<Record<string, unknown>>;

export interface OfrepSuccess {
  key: string;
  value: boolean;
  /** OpenFeature's standard reasons: the flag is off here, a strategy matched, or none did. */
  reason: 'DISABLED' | 'TARGETING_MATCH' | 'DEFAULT';
  variant?: string;
  metadata?: Record<string, string | number | boolean>;
}

export interface OfrepFailure {
  key: string;
  errorCode: 'FLAG_NOT_FOUND' | 'INVALID_CONTEXT';
  errorDetails: string;
}

const TOP_LEVEL = new Set(['userId', 'sessionId', 'remoteAddress', 'appName', 'currentTime']);
/** Context attributes beyond this are refused: no flag reads that many, and each costs a lookup. */
export const MAX_CONTEXT_FIELDS = 200;
const MAX_VALUE_LENGTH = 10_000;

/**
 * The engine's context of an OpenFeature one: `targetingKey` is the user id (unless
 * `userId` is given), Unleash's own fields keep their names, everything else (strings,
 * numbers, booleans as text, dates as ISO) goes to `properties`. The environment is the
 * caller's (a token's), never the context's. Undefined, with the reason, when the context
 * is unusable.
 */
export function flagContextOf(
  context: EvaluationContext,
  environment: string,
): { context: FlagContext } | { error: string } {
  const entries = Object.entries(context);
  if (entries.length > MAX_CONTEXT_FIELDS)
    return { error: `the context has ${entries.length} fields; at most ${MAX_CONTEXT_FIELDS}` };
  const out: { -readonly [K in keyof FlagContext]: FlagContext[K] } = { environment };
  const properties: Record<string, string> = {};
  for (const [name, raw] of entries) {
    if (raw === undefined || raw === null) continue;
    const value =
      raw instanceof Date
        ? raw.toISOString()
        : typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean'
          ? String(raw)
          : undefined;
    if (value === undefined) return { error: `context field "${name}" is not a string, number, boolean or date` };
    if (value.length > MAX_VALUE_LENGTH)
      return { error: `context field "${name}" is longer than ${MAX_VALUE_LENGTH} characters` };
    if (name === 'targetingKey') out.userId ??= value;
    else if (name === 'userId') out.userId = value;
    else if (TOP_LEVEL.has(name)) (out as Record<string, string>)[name] = value;
    else if (name !== 'environment') properties[name] = value;
  }
  out.properties = properties;
  return { context: out };
}

/** One flag evaluated, as OFREP answers it. */
export function evaluateOfrep(
  engine: FlagEngine,
  enabledHere: (key: string) => boolean,
  key: string,
  context: FlagContext,
): OfrepSuccess | OfrepFailure {
  if (!engine.has(key))
    return { key, errorCode: 'FLAG_NOT_FOUND', errorDetails: `No flag "${key}" in this environment` };
  if (!enabledHere(key)) return { key, value: false, reason: 'DISABLED' };
  const value = engine.isEnabled(key, context);
  const variant = engine.getVariant(key, context);
  return {
    key,
    value,
    reason: value ? 'TARGETING_MATCH' : 'DEFAULT',
    ...(variant.enabled
      ? {
          variant: variant.name,
          ...(variant.payload
            ? { metadata: { payloadType: variant.payload.type, payload: variant.payload.value } }
            : {}),
        }
      : {}),
  };
}
