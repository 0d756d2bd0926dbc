import type { Logger } from '../platform/log.ts';
import { SingleFlightCache } from '../platform/cache.ts';
import type { OnCallApiSettings } from '../platform/config.ts';
import { outbound } from '../notifications/outbound-http.ts';
import { retryAfterMs } from '../notifications/model.ts';
import {
  type EscalationLevel,
  type OnCallPerson,
  type OnCallRead,
  type OnCallSource,
  plainEmail,
  type ReadFailureClass,
} from './model.ts';
import { opsgenieLevels, opsgenieOnCallsPath, opsgenieUsers, parseOpsgenieOnCalls } from './opsgenie-oncalls.ts';
import {
  PAGERDUTY_ACCEPT,
  PAGERDUTY_PAGE_SIZE,
  type PagerDutyOnCall,
  pagerDutyLevels,
  pagerDutyOnCallsQuery,
  parsePagerDutyOnCalls,
  parsePagerDutyServicePolicy,
} from './pagerduty-oncalls.ts';
import { DEFAULT_READ_POLICY, failureMessage, failureOfStatus, holdAfter, type ReadPolicy } from './vendor-read.ts';
import { type VendorTarget, vendorTargetKey } from './vendor-target.ts';

export const PAGERDUTY_API_URL = 'https://api.pagerduty.com';
/** Opsgenie's US instance; the EU one is https://api.eu.opsgenie.com (paging.opsgenie.url). */
export const OPSGENIE_API_URL = 'https://api.opsgenie.com';

type VendorSource = Exclude<OnCallSource, 'atrium'>;
const NAMES: Record<VendorSource, string> = { pagerduty: 'PagerDuty', opsgenie: 'Opsgenie' };

export interface OnCallReadersOptions {
  pagerduty?: OnCallApiSettings;
  opsgenie?: OnCallApiSettings;
  /** Catalog Users by lowercased email, for the people an API names. */
  people: (emails: readonly string[]) => Promise<Map<string, OnCallPerson>>;
  now?: () => Date;
  logger?: Logger;
  policy?: ReadPolicy;
  /** The bound of one request, all of it (default 5 s: a card waits for it). */
  timeoutMs?: number;
  /** The most of one answer read (default 1 MiB: a page of 100 on-calls with users is about 100 KB). */
  maxBytes?: number;
  /** The most pages of /oncalls read for one schedule (default 10, 1,000 entries). */
  maxPages?: number;
}

/** What a read gives: the levels last read (none if never), and where the read stands. */
export interface VendorAnswer {
  source: VendorSource;
  levels: EscalationLevel[];
  read: OnCallRead;
}

type Failed = { ok: false; failure: ReadFailureClass; detail?: string; retryAfterMs?: number };
type Fetched<T> = { ok: true; value: T } | Failed;

type Failure = { class: ReadFailureClass; at: number; message: string };

/** A schedule's state in the cache: the last answer read, and the latest failure since. */
interface ReadState {
  levels?: EscalationLevel[];
  fetchedAt?: number;
  failure?: Failure;
  /** Not read again before this (fresh, or held back after a failure). */
  until: number;
}

/**
 * Reads who is on call from PagerDuty's and Opsgenie's REST APIs with the configured keys:
 * each schedule once a minute at most however many pages ask (single-flight), the last
 * answer kept and shown with its age when a read fails, a rate limit's Retry-After and a
 * refused key honoured for every schedule of that API (the key is shared), every request
 * bounded in time and size. Keys travel only in request headers, never in logs or answers.
 */
export class OnCallReaders {
  private readonly now: () => Date;
  private readonly policy: ReadPolicy;
  private readonly cache: SingleFlightCache<ReadState>;
  /** An API held back as a whole (429, 401/403) until `until`. */
  private readonly holds = new Map<VendorSource, { until: number; failure: Failure }>();
  /** APIs whose refused key was logged (once, until a read succeeds again). */
  private readonly refusedKeys = new Set<VendorSource>();
  private readonly listeners: (() => void)[] = [];

  constructor(private readonly options: OnCallReadersOptions) {
    this.now = options.now ?? (() => new Date());
    this.policy = options.policy ?? DEFAULT_READ_POLICY;
    // Schedules are named by catalog annotations: a few hundred at most in a large organisation.
    this.cache = new SingleFlightCache<ReadState>(2_000, undefined, {
      fresh: (state) => this.now().getTime() < state.until,
    });
  }

  configured(source: OnCallSource): source is VendorSource {
    return source !== 'atrium' && this.options[source] !== undefined;
  }

  /** Called when a read replaced a schedule's answer (pages showing it render afresh). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Who is on call on the target's schedule, as last read (at most `freshMs` old unless the read failed). */
  async read(target: VendorTarget): Promise<VendorAnswer> {
    const api = this.options[target.source];
    const state = api
      ? await this.cache.get(vendorTargetKey(target), (stale) => this.load(target, api, stale))
      : { failure: this.failure(target.source, 'not-configured', undefined, this.now().getTime()), until: 0 };
    return {
      source: target.source,
      levels: state.levels ?? [],
      read: {
        ...(state.fetchedAt !== undefined && { fetchedAt: new Date(state.fetchedAt).toISOString() }),
        ...(state.failure && {
          failure: { ...state.failure, at: new Date(state.failure.at).toISOString() },
        }),
      },
    };
  }

  private failure(source: VendorSource, failure: ReadFailureClass, detail: string | undefined, at: number): Failure {
    return { class: failure, at, message: failureMessage(failure, NAMES[source], detail) };
  }

  private async load(target: VendorTarget, api: OnCallApiSettings, stale: ReadState | undefined): Promise<ReadState> {
    const last = { levels: stale?.levels, fetchedAt: stale?.fetchedAt };
    const hold = this.holds.get(target.source);
    // Held back (a rate limit, a refused key): no request until then, the last answer stands.
    if (hold && this.now().getTime() < hold.until) return { ...last, failure: hold.failure, until: hold.until };
    const got = target.source === 'pagerduty' ? await this.pagerDuty(target, api) : await this.opsgenie(target, api);
    const at = this.now().getTime();
    let state: ReadState;
    if (got.ok) {
      this.refusedKeys.delete(target.source);
      state = { levels: got.value, fetchedAt: at, until: at + this.policy.freshMs };
    } else {
      const failure = this.failure(target.source, got.failure, got.detail, at);
      const held = holdAfter(got.failure, got.retryAfterMs, this.policy);
      if (held.wholeApi) this.holds.set(target.source, { until: at + held.ms, failure });
      this.report(target, failure);
      state = { ...last, failure, until: at + held.ms };
    }
    for (const listener of this.listeners) listener();
    return state;
  }

  /** A refused key is the operator's to fix: logged once, not at every read. Other failures pass: a warning each (at most one a schedule per retry interval). */
  private report(target: VendorTarget, failure: Failure): void {
    const fields = { component: 'oncall-readers', err: { type: failure.class, message: failure.message } };
    if (failure.class === 'unauthorized') {
      if (this.refusedKeys.has(target.source)) return;
      this.refusedKeys.add(target.source);
      this.options.logger?.error(
        fields,
        `${failure.message}; on-call answers from ${NAMES[target.source]} stay as last read`,
      );
      return;
    }
    this.options.logger?.warn(fields, `${NAMES[target.source]} schedule ${target.id}: ${failure.message}`);
  }

  /** One GET, bounded; a status other than 2xx, a cut or an oversized answer as a failure. */
  private async get(
    source: VendorSource,
    api: OnCallApiSettings,
    path: string,
    headers: Record<string, string>,
  ): Promise<Fetched<string>> {
    const base = (api.url ?? (source === 'pagerduty' ? PAGERDUTY_API_URL : OPSGENIE_API_URL)).replace(/\/+$/, '');
    const result = await outbound({
      method: 'GET',
      url: `${base}${path}`,
      headers,
      timeoutMs: this.options.timeoutMs ?? 5_000,
      maxBytes: this.options.maxBytes ?? 1024 * 1024,
    });
    if (!result.ok) return { ok: false, failure: result.reason === 'timeout' ? 'timeout' : 'unreachable' };
    const { status, text, truncated } = result.response;
    const failure = failureOfStatus(status);
    if (failure)
      return {
        ok: false,
        failure,
        detail: `HTTP ${status}`,
        retryAfterMs: retryAfterMs(result.response.headers.get('retry-after'), this.now()),
      };
    if (truncated) return { ok: false, failure: 'too-large' };
    return { ok: true, value: text };
  }

  private async pagerDuty(target: VendorTarget, api: OnCallApiSettings): Promise<Fetched<EscalationLevel[]>> {
    const headers = { authorization: `Token token=${api.apiKey}`, accept: PAGERDUTY_ACCEPT };
    let by: 'schedule' | 'escalation-policy' = 'schedule';
    let id = target.id;
    if (target.by === 'service') {
      // A service's on-call is its escalation policy's (read each time: a service can be moved to another).
      const got = await this.get('pagerduty', api, `/services/${encodeURIComponent(target.id)}`, headers);
      if (!got.ok) return got;
      const policy = parsePagerDutyServicePolicy(got.value);
      if (!policy.ok) return { ok: false, failure: 'malformed', detail: policy.error };
      by = 'escalation-policy';
      id = policy.id;
    }
    const oncalls: PagerDutyOnCall[] = [];
    for (let page = 0; page < (this.options.maxPages ?? 10); page++) {
      const got = await this.get(
        'pagerduty',
        api,
        `/oncalls?${pagerDutyOnCallsQuery(by, id, page * PAGERDUTY_PAGE_SIZE)}`,
        headers,
      );
      if (!got.ok) return got;
      const parsed = parsePagerDutyOnCalls(got.value);
      if (!parsed.ok) return { ok: false, failure: 'malformed', detail: parsed.error };
      oncalls.push(...parsed.oncalls);
      if (!parsed.more) break;
    }
    const people = await this.people(oncalls.map((o) => o.user.email));
    return { ok: true, value: pagerDutyLevels(oncalls, (email) => people.get(email)) };
  }

  private async opsgenie(target: VendorTarget, api: OnCallApiSettings): Promise<Fetched<EscalationLevel[]>> {
    const by = target.by === 'name' ? 'name' : 'id';
    const got = await this.get('opsgenie', api, opsgenieOnCallsPath(by, target.id), {
      authorization: `GenieKey ${api.apiKey}`,
      accept: 'application/json',
    });
    if (!got.ok) return got;
    const parsed = parseOpsgenieOnCalls(got.value);
    if (!parsed.ok) return { ok: false, failure: 'malformed', detail: parsed.error };
    const people = await this.people(opsgenieUsers(parsed.value).map((u) => u.username));
    return { ok: true, value: opsgenieLevels(parsed.value, (email) => people.get(email)) };
  }

  private people(candidates: readonly (string | undefined)[]): Promise<Map<string, OnCallPerson>> {
    const emails = [...new Set(candidates.map((c) => plainEmail(c)?.toLowerCase()).filter((e) => e !== undefined))];
    return emails.length > 0 ? this.options.people(emails) : Promise.resolve(new Map());
  }
}
