import {
  ErrorCode,
  OpenFeatureEventEmitter,
  ProviderEvents,
  type EvaluationContext,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
} from '@openfeature/server-sdk';
import { compileFeatureSet } from './compile.ts';
import type { FlagEngine } from './engine.ts';
import type { FeatureSet } from './model.ts';
import { evaluateOfrep, flagContextOf } from './ofrep.ts';

export interface AtriumProviderOptions {
  /** Atrium's base URL, e.g. https://atrium.example.com */
  url: string;
  /** A token with flags:read: its environment is the one evaluated. */
  token: string;
  /** How often to ask for changes (a 304 when none), ms; default 15 s. */
  pollIntervalMs?: number;
  /** `utf8` (Unleash's Rust engine, the newer SDKs) or `node-sdk` (unleash-client). */
  hashing?: 'utf8' | 'node-sdk';
}

/**
 * An OpenFeature provider for `@openfeature/server-sdk` that evaluates in process: it keeps
 * a snapshot of the environment's flags from Atrium's `/api/client/features`, refreshed by
 * ETag polling (a 304 costs nothing), and evaluates with Atrium's engine — nanoseconds per
 * flag, and no network on the request path. Booleans are whether a flag is on; strings are
 * its variant's name; numbers and objects its variant's payload.
 *
 * @example
 * await OpenFeature.setProviderAndWait(new AtriumProvider({ url: 'https://atrium.example.com', token: process.env.ATRIUM_FLAGS_TOKEN! }));
 * await OpenFeature.getClient().getBooleanValue('one-page-checkout', false, { targetingKey: 'user-42' });
 */
export class AtriumProvider implements Provider {
  readonly metadata = { name: 'atrium' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  private snapshot: { etag: string; engine: FlagEngine; enabled: ReadonlySet<string>; environment: string } | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: AtriumProviderOptions) {}

  async initialize(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      this.refresh().catch((err: unknown) =>
        this.events.emit(ProviderEvents.Stale, { message: `Atrium unreachable: ${(err as Error).message}` }),
      );
    }, this.options.pollIntervalMs ?? 15_000);
    this.timer.unref();
  }

  async onClose(): Promise<void> {
    clearInterval(this.timer);
  }

  /** Fetches the flags unless unchanged (ETag); tells OpenFeature when they changed. */
  async refresh(): Promise<void> {
    const res = await fetch(`${this.options.url.replace(/\/+$/, '')}/api/client/features`, {
      headers: { authorization: this.options.token, ...(this.snapshot ? { 'if-none-match': this.snapshot.etag } : {}) },
      signal: AbortSignal.timeout(10_000),
    });
    if (res.status === 304) return;
    if (!res.ok) throw new Error(`GET /api/client/features answered ${res.status}`);
    const set = (await res.json()) as FeatureSet & { query?: { environment?: string } };
    const first = this.snapshot === undefined;
    this.snapshot = {
      etag: res.headers.get('etag') ?? '',
      engine: compileFeatureSet(set, { hashing: this.options.hashing ?? 'utf8' }).engine,
      enabled: new Set(set.features.filter((f) => f.enabled).map((f) => f.name)),
      environment: set.query?.environment ?? 'production',
    };
    if (!first)
      this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: set.features.map((f) => f.name) });
  }

  private evaluate<T>(
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
    pick: (result: { value: boolean; variant?: string; payload?: { type: string; value: string } }) => T | undefined,
  ): ResolutionDetails<T> {
    const snapshot = this.snapshot;
    if (!snapshot) return { value: defaultValue, reason: 'ERROR', errorCode: ErrorCode.PROVIDER_NOT_READY };
    const mapped = flagContextOf(context, snapshot.environment);
    if ('error' in mapped)
      return { value: defaultValue, reason: 'ERROR', errorCode: ErrorCode.INVALID_CONTEXT, errorMessage: mapped.error };
    const result = evaluateOfrep(snapshot.engine, (k) => snapshot.enabled.has(k), flagKey, mapped.context);
    if ('errorCode' in result)
      return {
        value: defaultValue,
        reason: 'ERROR',
        errorCode: ErrorCode.FLAG_NOT_FOUND,
        errorMessage: result.errorDetails,
      };
    const payload = result.metadata
      ? { type: String(result.metadata.payloadType), value: String(result.metadata.payload) }
      : undefined;
    const value = pick({ value: result.value, variant: result.variant, payload });
    if (value === undefined)
      return {
        value: defaultValue,
        reason: result.reason === 'DISABLED' ? 'DISABLED' : 'DEFAULT',
        ...(result.variant ? { variant: result.variant } : {}),
      };
    return { value, reason: result.reason, ...(result.variant ? { variant: result.variant } : {}) };
  }

  async resolveBooleanEvaluation(
    flagKey: string,
    defaultValue: boolean,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<boolean>> {
    return this.evaluate(flagKey, defaultValue, context, (r) => r.value);
  }

  async resolveStringEvaluation(
    flagKey: string,
    defaultValue: string,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<string>> {
    return this.evaluate(flagKey, defaultValue, context, (r) => (r.value ? r.variant : undefined));
  }

  async resolveNumberEvaluation(
    flagKey: string,
    defaultValue: number,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<number>> {
    return this.evaluate(flagKey, defaultValue, context, (r) => {
      const n = r.value && r.payload?.type === 'number' ? Number(r.payload.value) : NaN;
      return Number.isFinite(n) ? n : undefined;
    });
  }

  async resolveObjectEvaluation<T extends JsonValue>(
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<T>> {
    return this.evaluate(flagKey, defaultValue, context, (r) => {
      if (!r.value || r.payload?.type !== 'json') return undefined;
      try {
        return JSON.parse(r.payload.value) as T;
      } catch {
        return undefined;
      }
    });
  }
}
