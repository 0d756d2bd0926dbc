import { EntityRefError, keyOfRef, parseEntityRef, refKey } from '../catalog/model.ts';
import type { CatalogReader } from '../catalog/reader.ts';
import { Admission } from '../platform/admission.ts';
import { idempotencyOf, keyReused } from '../platform/db/idempotency.ts';
import { AtriumError } from '../platform/errors.ts';
import type { Principal } from '../platform/http/app.ts';
import {
  advance,
  COMMIT_SETTLE_MS,
  idsToAsk,
  noteLocal,
  START_WINDOW,
  startWatch,
  type CommitWatch,
} from './commit-watch.ts';
import { PROJECT_SLUG_ANNOTATION } from './github.ts';
import { liveEnvironments, slotsOf, type LiveEnvironment } from './live.ts';
import {
  deploymentSummary,
  switchSummary,
  type ChangeEvent,
  type ChangeInput,
  type DeploymentInput,
  type NewChangeEvent,
  type SwitchInput,
} from './model.ts';
import { type FeedEvent, feedScope } from './feed-scope.ts';
import { scopeOf } from './scope.ts';
import type { AlongsideWrite } from '../platform/db/alongside-write.ts';
import type { ChangeStore, StoredResponse, TimelineCursor, TimelineFilter } from './store.ts';

/** A write's answer: what to send, and whether it repeats an earlier one. */
export interface WriteResult {
  status: number;
  body: string;
  replayed: boolean;
}

export interface ChangeServiceOptions {
  now?: () => Date;
  /** Write requests running at once and waiting, before 429 (see platform/admission.ts; the routes admit them). */
  writesActive?: number;
  writesQueued?: number;
  /**
   * Refuse writes while the event loop is this late (default 500 ms); false: never for
   * that reason. Off where the clients share the server's process (the CLI tests run
   * `git` synchronously in it), since its delay is then theirs.
   */
  writesMaxLoopDelayMs?: number | false;
}

/** How far ahead of the server's clock a timestamp may be (CI runners' clocks drift). */
const FUTURE_SLACK_MS = 60 * 60_000;
const EARLIEST = Date.parse('2000-01-01T00:00:00Z');
/** Events a live state is derived from, per service: years of history for most. */
const LIVE_HISTORY = 5_000;
/** A write that would wait longer than this for its turn is refused (429) instead: the client's retry is better than a growing queue. */
const WRITE_MAX_WAIT_MS = 1000;
/**
 * A write still waiting for its turn after this long is refused (429) and never runs: well
 * within a client's patience (`atrium deploy` waits 30 s), so the answer reaches it, and
 * only reached behind writes that hang (a locked or unreachable database), since arrivals
 * are refused once the longest waiter has waited WRITE_MAX_WAIT_MS.
 */
const WRITE_MAX_QUEUED_MS = 5000;
/** Past this event-loop delay the process is saturated: writes are refused (429) until it catches up. Bursts at capacity stay well below it. */
const WRITE_MAX_LOOP_DELAY_MS = 500;
/** Services remembered as existing; past this the memory starts afresh. */
const KNOWN_SERVICES = 50_000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** How long an idempotency key is remembered. */
const KEY_RETENTION_MS = 7 * 86_400_000;
const PRUNE_EVERY_MS = 60 * 60_000;

type FieldError = { field: string; message: string };

function invalid(errors: FieldError[], hint: string): AtriumError {
  const first = errors[0] as FieldError;
  return new AtriumError({
    category: 'user-fixable',
    code: 'invalid-request',
    status: 422,
    message: `Invalid request: ${first.field}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`,
    hint,
    details: { errors },
  });
}

/** A switch or change as stored: what it is, on which service, when, by whom; every field it does not set is null. */
function eventOf(
  type: 'traffic-switch' | 'change',
  service: { key: string; ref: string },
  at: string,
  summary: string,
  input: { url?: string; actor?: string },
  principal: Principal,
  recordedAt: string,
  fields: Partial<Pick<NewChangeEvent, 'environment' | 'version' | 'strategy' | 'slot' | 'kind'>>,
): NewChangeEvent {
  return {
    type,
    serviceKey: service.key,
    service: service.ref,
    at,
    summary,
    environment: null,
    version: null,
    status: null,
    strategy: null,
    slot: null,
    kind: null,
    startedAt: null,
    commits: null,
    ...fields,
    url: input.url ?? null,
    actor: input.actor ?? principal.name,
    recordedBy: principal.name,
    recordedAt,
  };
}

/** The idempotency key of a request, checked: printable ASCII, up to 255. */
export function idempotencyKeyOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!KEY_PATTERN.test(header)) {
    throw new AtriumError({
      category: 'user-fixable',
      code: 'invalid-idempotency-key',
      message: 'The Idempotency-Key header must be 1 to 255 printable ASCII characters',
      hint: 'Send a fresh UUID per logical write, and the same one when retrying it.',
    });
  }
  return header;
}

/** Ids a poll reads at most; more are read by the next one (a poll asks above the last). */
const POLL_LIMIT = 50_000;
/** Entities whose last change is remembered (scopeVersion); past this, every scope moves once and the memory starts afresh. */
const MOVED_KEPT = 100_000;
/** Members of the timelines' scopes remembered in all (a team's may hold thousands); past this the memory starts afresh. */
const SCOPE_MEMBERS_KEPT = 1_000_000;

/** A timeline's scope as last read, and its version as last computed (at `seen`, the service's version then). */
interface KnownScope {
  members: readonly string[];
  version: number;
  seen: number;
}

/**
 * Change events: records deployments, switches and changes (validated against the
 * catalog and the clock, idempotent, atomic, admitted within capacity), and reads them
 * back as timelines and live state for any entity's scope.
 */
export class ChangeService {
  private readonly now: () => Date;
  readonly writes: Admission;
  private readonly listeners: ((version: number, written?: readonly NewChangeEvent[]) => void)[] = [];
  /** Counts the writes seen, here and by polling: a cache key that moves with every one. */
  private version = 0;
  /** Where polling for other replicas' writes stands (undefined until it starts). */
  private watch: CommitWatch | undefined;
  /** A poll in flight, which the next one waits for rather than asking the same twice. */
  private polling: Promise<boolean> | undefined;
  private lastPrune = 0;
  /** Services already found in the catalog (key to reference), so a write need not ask again; forgotten whenever the catalog changes. */
  private readonly knownServices = new Map<string, string>();
  /** Per entity key, the version at which a change recorded on it was last seen (here or by polling). */
  private readonly moved = new Map<string, number>();
  /** The version every scope is at least at: `moved` was forgotten then. */
  private movedFloor = 0;
  /** Timelines' scopes (`hops:key`) as their last read found them; forgotten whenever the catalog changes. */
  private readonly scopes = new Map<string, KnownScope>();
  private scopeMembers = 0;

  constructor(
    readonly store: ChangeStore,
    private readonly catalog: Pick<CatalogReader, 'summariesOf' | 'relationsTouching' | 'entitiesMentioning'>,
    options: ChangeServiceOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.writes = new Admission({
      active: options.writesActive ?? 8,
      queued: options.writesQueued ?? 256,
      maxWaitMs: WRITE_MAX_WAIT_MS,
      maxQueuedMs: WRITE_MAX_QUEUED_MS,
      maxLoopDelayMs:
        options.writesMaxLoopDelayMs === false ? undefined : (options.writesMaxLoopDelayMs ?? WRITE_MAX_LOOP_DELAY_MS),
    });
  }

  /**
   * Calls `listener` after every write seen: with a version that is new each time (for
   * cache keys) and the events written (a write here), or without them (another
   * replica's, seen by polling).
   */
  onWrite(listener: (version: number, written?: readonly NewChangeEvent[]) => void): void {
    this.listeners.push(listener);
  }

  /** A write seen: the version moves, and with it that of every entity the write recorded a change on. */
  private notify(on: Iterable<string>, written?: readonly NewChangeEvent[]): void {
    this.version++;
    for (const key of on) this.moved.set(key, this.version);
    if (this.moved.size > MOVED_KEPT) {
      this.moved.clear();
      this.movedFloor = this.version;
    }
    for (const listener of this.listeners) listener(this.version, written);
  }

  /** Moves with every write seen, here or by polling: whenever any scopeVersion may have. */
  get writesSeen(): number {
    return this.version;
  }

  /**
   * The version of the timeline of `entityKey` over `hops`: the last write seen (here, or on
   * another replica by polling) that recorded a change on an entity of its scope. Undefined
   * until a timeline of it was read since the catalog last changed (the scope is the
   * catalog's). Synchronous, for page cache keys: a scope's version is computed again only
   * after a write.
   */
  scopeVersion(entityKey: string, hops: number): string | undefined {
    const scope = this.scopes.get(`${hops}:${entityKey}`);
    if (!scope) return undefined;
    if (scope.seen !== this.version) {
      let version = this.movedFloor;
      for (const member of scope.members) version = Math.max(version, this.moved.get(member) ?? 0);
      scope.version = version;
      scope.seen = this.version;
    }
    return String(scope.version);
  }

  /** The catalog changed: services may have gone, scopes may differ (called from the catalog's invalidation). */
  forgetServices(): void {
    this.knownServices.clear();
    this.scopes.clear();
    this.scopeMembers = 0;
  }

  /**
   * One poll for other replicas' writes, timed by `clock` (monotonic ms): tells the
   * listeners (without events) when any committed since the last poll, including one
   * that took an older id and committed late (commit-watch.ts). The first poll notes where
   * the events stand: anything cached before it may miss what committed before it. True
   * when the listeners were told.
   */
  async pollWrites(clock: () => number = () => performance.now(), settleMs = COMMIT_SETTLE_MS): Promise<boolean> {
    while (this.polling) await this.polling.catch(() => undefined);
    const poll = (async () => {
      if (!this.watch) {
        const latest = await this.store.latestId();
        const present = await this.store.idsAbove(latest - START_WINDOW, [], START_WINDOW);
        this.watch = startWatch(
          latest,
          present.map((row) => row.id),
          clock(),
        );
        return false;
      }
      const ask = idsToAsk(this.watch);
      const seen = await this.store.idsAbove(ask.above, ask.missing, POLL_LIMIT);
      // The watch as it is now: writes made here during the query are noted in it already.
      const { moved, watch } = advance(
        this.watch,
        seen.map((row) => row.id),
        clock(),
        settleMs,
      );
      this.watch = watch;
      // Every entity of the rows read moves (a write made here among them only once more).
      if (moved) this.notify(new Set(seen.map((row) => row.serviceKey)));
      return moved;
    })();
    this.polling = poll;
    try {
      return await poll;
    } finally {
      if (this.polling === poll) this.polling = undefined;
    }
  }

  async recordDeployments(
    route: string,
    inputs: readonly DeploymentInput[],
    principal: Principal,
    key: string | undefined,
    batch: boolean,
  ): Promise<WriteResult> {
    const recordedAt = this.now().toISOString();
    const prefix = (i: number) => (batch ? `deployments.${i}.` : '');
    const services = await this.resolveServices(
      inputs.map((d, i) => ({ ref: d.service, field: `${prefix(i)}service` })),
    );
    const errors: FieldError[] = [];
    const events = inputs.map((d, i): NewChangeEvent => {
      const startedAt = this.time(d.startedAt, `${prefix(i)}startedAt`, errors);
      const finishedAt = this.time(d.finishedAt, `${prefix(i)}finishedAt`, errors);
      const commits = d.commits.map((c, j) => ({
        sha: c.sha.toLowerCase(),
        committedAt: this.time(c.committedAt, `${prefix(i)}commits.${j}.committedAt`, errors),
      }));
      const service = services.get(i) as { key: string; ref: string };
      return {
        type: 'deployment',
        serviceKey: service.key,
        service: service.ref,
        at: finishedAt,
        summary: deploymentSummary({
          version: d.version,
          environment: d.environment,
          status: d.status,
          strategy: d.strategy ?? null,
          slot: d.slot ?? null,
        }),
        environment: d.environment,
        version: d.version,
        status: d.status,
        strategy: d.strategy ?? null,
        slot: d.slot ?? null,
        kind: null,
        startedAt,
        url: d.url ?? null,
        actor: d.actor ?? principal.name,
        commits,
        recordedBy: principal.name,
        recordedAt,
      };
    });
    if (errors.length > 0)
      throw invalid(
        errors,
        'Times are ISO-8601 with an offset, after 2000 and not in the future; nothing was written.',
      );
    return this.write(route, { inputs }, events, principal, key, (saved) => ({
      status: 201,
      body: JSON.stringify(batch ? { items: saved } : saved[0]),
    }));
  }

  async recordSwitch(
    route: string,
    input: SwitchInput,
    principal: Principal,
    key: string | undefined,
  ): Promise<WriteResult> {
    const recordedAt = this.now().toISOString();
    const service = (await this.resolveServices([{ ref: input.service, field: 'service' }])).get(0) as {
      key: string;
      ref: string;
    };
    const errors: FieldError[] = [];
    const at = this.time(input.at, 'at', errors);
    if (errors.length > 0) throw invalid(errors, 'Nothing was written.');
    const history = (await this.store.deploymentsAndSwitches(service.key, LIVE_HISTORY, input.environment)).filter(
      (e) => e.at <= at,
    );
    const slots = slotsOf(history, input.environment);
    const toVersion = slots.versions.get(input.slot);
    if (toVersion === undefined) {
      throw invalid(
        [
          {
            field: 'slot',
            message: `no successful blue/green deployment of ${service.ref} to the ${input.slot} slot of ${input.environment} is recorded before ${at}`,
          },
        ],
        'Record the deployment to that slot first (strategy blue-green, slot blue or green); nothing was written.',
      );
    }
    const summary =
      switchSummary({
        environment: input.environment,
        from: slots.live === input.slot ? null : slots.live,
        to: input.slot,
        fromVersion: slots.live ? (slots.versions.get(slots.live) ?? null) : null,
        toVersion,
      }) + (input.reason ? `: ${input.reason}` : '');
    const event = eventOf('traffic-switch', service, at, summary, input, principal, recordedAt, {
      environment: input.environment,
      version: toVersion,
      strategy: 'blue-green',
      slot: input.slot,
    });
    return this.write(route, input, [event], principal, key, (saved) => ({
      status: 201,
      body: JSON.stringify(saved[0]),
    }));
  }

  /** Records a change; `alongside` (another store's write) commits with it or not at all. */
  async recordChange(
    route: string,
    input: ChangeInput,
    principal: Principal,
    key: string | undefined,
    alongside?: AlongsideWrite,
  ): Promise<WriteResult> {
    return this.recordChanges(route, [input], principal, key, alongside);
  }

  /**
   * Records several changes in one write (one idempotency key for them all), with
   * `alongside` in the same transaction: an SLO evaluation's alert transitions with the
   * alerts' new state. The answer is the first change's, as recordChange's.
   */
  async recordChanges(
    route: string,
    inputs: readonly ChangeInput[],
    principal: Principal,
    key: string | undefined,
    alongside?: AlongsideWrite,
  ): Promise<WriteResult> {
    const recordedAt = this.now().toISOString();
    const services = await this.resolveServices(
      inputs.map((input, i) => ({ ref: input.service, field: inputs.length === 1 ? 'service' : `${i}.service` })),
    );
    const errors: FieldError[] = [];
    const events = inputs.map((input, i) => {
      const at = this.time(input.at, inputs.length === 1 ? 'at' : `${i}.at`, errors);
      return eventOf(
        'change',
        services.get(i) as { key: string; ref: string },
        at,
        input.summary,
        input,
        principal,
        recordedAt,
        {
          environment: input.environment ?? null,
          kind: input.kind,
        },
      );
    });
    if (errors.length > 0) throw invalid(errors, 'Nothing was written.');
    return this.write(
      route,
      inputs.length === 1 ? inputs[0] : inputs,
      events,
      principal,
      key,
      (saved) => ({ status: 201, body: JSON.stringify(saved[0]) }),
      alongside,
    );
  }

  /** Writes `events`, or replays the answer to `principal`'s earlier request with `key` (keys are the principal's own). */
  private async write(
    route: string,
    request: unknown,
    events: NewChangeEvent[],
    principal: Principal,
    key: string | undefined,
    respond: (saved: ChangeEvent[]) => StoredResponse,
    alongside?: AlongsideWrite,
  ): Promise<WriteResult> {
    const idempotency = idempotencyOf(principal.name, route, key, request);
    const outcome = await this.store.write(events, respond, idempotency, alongside);
    if (outcome.kind === 'conflict') throw keyReused(key ?? '');
    if (outcome.kind === 'written') {
      if (this.watch) this.watch = noteLocal(this.watch, outcome.ids);
      this.notify(
        events.map((e) => e.serviceKey),
        events,
      );
      await this.pruneKeys();
    }
    return { ...outcome.response, replayed: outcome.kind === 'replayed' };
  }

  private async pruneKeys(): Promise<void> {
    const now = this.now().getTime();
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    await this.store.pruneKeys(new Date(now - KEY_RETENTION_MS).toISOString());
  }

  /** An ISO input time as UTC ISO, or a field error: unparseable, before 2000 or in the future. */
  private time(value: string, field: string, errors: FieldError[]): string {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) errors.push({ field, message: 'is not a date and time' });
    else if (ms < EARLIEST) errors.push({ field, message: 'is before 2000' });
    else if (ms > this.now().getTime() + FUTURE_SLACK_MS)
      errors.push({ field, message: `is in the future (${value}; the server's time is ${this.now().toISOString()})` });
    return Number.isNaN(ms) ? value : new Date(ms).toISOString();
  }

  /** Each input's service as a catalog entity (a bare name is a Component), or 422 naming every unknown one. */
  private async resolveServices(
    refs: readonly { ref: string; field: string }[],
  ): Promise<Map<number, { key: string; ref: string }>> {
    const errors: FieldError[] = [];
    const keys = refs.map(({ ref, field }) => {
      try {
        return refKey(parseEntityRef(ref, { defaultKind: 'Component', defaultNamespace: 'default' }));
      } catch (err) {
        if (!(err instanceof EntityRefError)) throw err;
        errors.push({ field, message: err.message });
        return undefined;
      }
    });
    const unknown = [...new Set(keys.filter((k): k is string => k !== undefined && !this.knownServices.has(k)))];
    if (unknown.length > 0) {
      if (this.knownServices.size + unknown.length > KNOWN_SERVICES) this.knownServices.clear();
      for (const [key, summary] of await this.catalog.summariesOf(unknown)) this.knownServices.set(key, summary.ref);
    }
    const out = new Map<number, { key: string; ref: string }>();
    keys.forEach((key, i) => {
      if (key === undefined) return;
      const found = this.knownServices.get(key);
      if (found) out.set(i, { key, ref: found });
      else errors.push({ field: refs[i]?.field ?? 'service', message: `no entity ${key} in the catalog` });
    });
    if (errors.length > 0)
      throw invalid(
        errors,
        'Use the entity reference of a service in the catalog (e.g. component:default/checkout, or just checkout); nothing was written.',
      );
    return out;
  }

  /**
   * The catalog entities whose `github.com/project-slug` is `repository` (GitHub names are
   * case-insensitive), as references; `requested` picks one when several share it.
   */
  async servicesOfRepository(repository: string, requested: string | undefined): Promise<string[]> {
    const slug = repository.toLowerCase();
    const found = (await this.catalog.entitiesMentioning([repository]))
      .filter((e) => e.entity.metadata.annotations?.[PROJECT_SLUG_ANNOTATION]?.toLowerCase() === slug)
      .map((e) => e.ref);
    if (requested === undefined || found.length <= 1) return found;
    const wanted = refKey(parseEntityRef(requested, { defaultKind: 'Component', defaultNamespace: 'default' }));
    return found.filter((ref) => ref.toLowerCase() === wanted);
  }

  /**
   * The merged timeline of an entity's scope (a team's includes its child teams' services;
   * a system's its components' and their flags'), and for a service what it depends on up
   * to `hops` away (feed-scope.ts); each event says why it is there.
   */
  async timeline(
    entityKey: string,
    filter: TimelineFilter,
    limit: number,
    cursor?: TimelineCursor,
    hops = 0,
  ): Promise<FeedEvent[]> {
    const { origins } = await feedScope(this.catalog, entityKey, hops);
    const members = [...origins.keys()];
    this.rememberScope(`${hops}:${entityKey}`, members);
    const events = await this.store.timeline(members, filter, limit, cursor);
    return events.map((e) => {
      const key = keyOfRef(e.service);
      return { ...e, origin: origins.get(key) ?? { relation: 'self', ref: e.service, depth: 0 } };
    });
  }

  /** Keeps a timeline's scope for scopeVersion, within SCOPE_MEMBERS_KEPT members in all. */
  private rememberScope(id: string, members: readonly string[]): void {
    const old = this.scopes.get(id);
    if (old) this.scopeMembers -= old.members.length;
    if (this.scopeMembers + members.length > SCOPE_MEMBERS_KEPT) {
      this.scopes.clear();
      this.scopeMembers = 0;
    }
    // Computed on first ask: `seen` below any version.
    this.scopes.set(id, { members, version: 0, seen: -1 });
    this.scopeMembers += members.length;
  }

  /**
   * The organisation's newest deployments (failed and rolled back ones included), blue/green
   * switches and flag switches, across every service: the home page's feed.
   */
  async organisationFeed(limit: number): Promise<ChangeEvent[]> {
    return this.store.newest(['deployment', 'traffic-switch'], ['feature-flag'], limit);
  }

  /** What is live in each environment of one service. */
  async live(serviceKey: string): Promise<LiveEnvironment[]> {
    return liveEnvironments(await this.store.deploymentsAndSwitches(serviceKey, LIVE_HISTORY));
  }

  scope(entityKey: string) {
    return scopeOf(this.catalog, entityKey);
  }
}
