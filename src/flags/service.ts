import { createHash } from 'node:crypto';
import { ENVIRONMENT_NAME, ENVIRONMENT_NAME_RULE } from '../platform/environment-name.ts';
import type { CachedCatalog } from '../catalog/cached-catalog.ts';
import { entityTitle } from '../catalog/model.ts';
import type { ChangeService } from '../changes/service.ts';
import { SingleFlightCache } from '../platform/cache.ts';
import { AtriumError } from '../platform/errors.ts';
import type { Principal } from '../platform/http/app.ts';
import { compileFeatureSet } from './compile.ts';
import type { FlagEngine } from './engine.ts';
import { featureOf, type FlagSpec } from './flag-definition.ts';
import { ALL_FEATURES, echoOf, FLAG_PROJECT, matchesFeaturesQuery, type FeaturesQuery } from './features-query.ts';
import type { FeatureSet } from './model.ts';
import { applyPlanAction, nextMoveAt, planAt, type PlanAction, type PlanState } from './release-plan.ts';
import { stalenessOf, type Staleness } from './staleness.ts';
import type { FlagState, FlagStore } from './store.ts';

/** The client-features document of one environment, and its entity tag. */
export interface ClientFeatures {
  body: Buffer;
  etag: string;
}

export interface MetricsReport {
  appName: string;
  bucket: { start: string; stop: string; toggles: Record<string, { yes: number; no: number }> };
}

const HOUR_MS = 3_600_000;

/** A flag's switch in one environment: what its file declares, and what is in force. */
export interface EnvironmentState {
  environment: string;
  declared: boolean;
  enabled: boolean;
  /** What SDKs reported evaluating in the last 7 days (absent: nothing reported). */
  evaluations?: { yes: number; no: number };
  /** Where the release plan stands here (absent: not started). */
  plan?: PlanPosition;
  /** A rollout percentage set at run time (absent: the strategies' own). */
  rollout?: number;
  /** Set at run time (absent: the file decides). */
  setAt?: string;
  setBy?: string;
}

/** A flag in a team's or service's list: what it is, what is in force, and whether it has outlived its purpose. */
export interface FlagSummary {
  ref: string;
  title: string;
  type: FlagSpec['type'];
  service: string;
  environments: { environment: string; enabled: boolean }[];
  staleness: Staleness;
}

/** A release plan's place in one environment, as people read it. */
export interface PlanPosition {
  milestone: number;
  name: string;
  of: number;
  since: string;
  paused: boolean;
}

/** What a switch did. */
export interface SwitchResult {
  flag: string;
  environment: string;
  enabled: boolean;
  previous: boolean;
  changed: boolean;
}

/** An environment name from a request, or a 400 that says what one is. */
function checkEnvironment(environment: string): void {
  if (!ENVIRONMENT_NAME.test(environment)) {
    throw new AtriumError({
      category: 'user-fixable',
      code: 'invalid-request',
      message: `Invalid request: environment: "${environment}" is not an environment name`,
      hint: `Environment names are ${ENVIRONMENT_NAME_RULE}.`,
    });
  }
}

/** The flags of an environment compiled for evaluation, and the features document's ETag they came from. */
export interface CompiledFlags {
  etag: string;
  engine: FlagEngine;
  /** The flags on in this environment. */
  enabled: ReadonlySet<string>;
}

/** Filtered features documents kept (see FlagService.filtered): every app configured alike shares one. */
const FILTERED_DOCUMENTS = 64;
const FILTERED_BYTES = 16 * 1024 * 1024;

/**
 * Feature flags as SDKs see them and teams switch them: the catalog's Flag entities, with
 * the switches set at run time over what their files declare; Unleash's client-features
 * document per environment (cached with the catalog's responses and keyed by the latest
 * change, since every switch is a change); switches that record who, when, from what and
 * to what on the flag's timeline (a component's timeline includes its flags'); and the
 * evaluation counts SDKs report.
 */
export class FlagService {
  /** The change version (one more with every write seen): every switch writes a change, so it keys the features document. */
  private changesVersion = 0;
  /** The ETag of each cached features document (hashing 70 KB per poll would cost more than serving it). */
  private readonly etags = new WeakMap<Buffer, string>();
  /** The compiled flags of each environment, for server-side evaluation (OFREP), by the document's ETag. */
  private readonly engines = new Map<string, CompiledFlags>();
  /**
   * Per environment: when the cached features document's release plans move on by the
   * clock alone (the earliest set time ahead), and how many times that has happened. The
   * count keys the document, so it is rebuilt exactly when a plan moves, not on a timer.
   */
  private readonly clockMoves = new Map<string, { until: number; count: number }>();

  /**
   * Documents narrowed by an SDK's filters, kept apart from the catalog's response cache:
   * any flags:read token can ask for endless distinct filters, which must not push the
   * catalog's pages out. Emptied with it when the catalog changes.
   */
  private readonly filtered = new SingleFlightCache<Buffer>(FILTERED_DOCUMENTS, {
    maxBytes: FILTERED_BYTES,
    sizeOf: (body) => body.length,
  });

  constructor(
    private readonly catalog: CachedCatalog,
    readonly store: FlagStore,
    private readonly changes: Pick<ChangeService, 'recordChange' | 'scope'>,
    private readonly now: () => Date = () => new Date(),
  ) {
    catalog.onInvalidate(() => this.filtered.clear());
  }

  /** A change was recorded (here or on another replica): switches may have moved. */
  changesMoved(version: number): void {
    this.changesVersion = version;
  }

  private async flag(key: string): Promise<{ ref: string; spec: FlagSpec }> {
    const found = (await this.catalog.store.descriptorsOf([key])).get(key);
    if (found?.entity.kind.toLowerCase() !== 'flag') {
      throw new AtriumError({
        category: 'user-fixable',
        code: 'flag-not-found',
        status: 404,
        message: `No flag ${key} in the catalog`,
        hint: 'Flags are catalog entities of kind Flag (apiVersion atrium.dev/v1); check the namespace and name.',
      });
    }
    // Stored entities passed the Flag schema.
    return { ref: found.ref, spec: found.entity.spec as unknown as FlagSpec };
  }

  /**
   * Each environment the flag declares, has been switched in, or was evaluated in, with
   * what is in force and what SDKs reported evaluating over the last 7 days.
   */
  async environments(key: string): Promise<EnvironmentState[]> {
    const { ref, spec } = await this.flag(key);
    const states = new Map((await this.store.states([key])).map((s) => [s.environment, s]));
    const since = new Date(Math.floor((this.now().getTime() - 7 * 24 * HOUR_MS) / HOUR_MS) * HOUR_MS).toISOString();
    // SDKs report by the flag's name (their feature name), not its key.
    const totals = await this.store.totals(ref.slice(ref.indexOf('/') + 1), since);
    const names = [...new Set([...Object.keys(spec.environments ?? {}), ...states.keys(), ...totals.keys()])].sort();
    return names.map((environment) => {
      const declared = spec.environments?.[environment]?.enabled ?? false;
      const state = states.get(environment);
      const evaluations = totals.get(environment);
      const plan = state?.plan && spec.releasePlan ? this.position(spec, state.plan) : undefined;
      return {
        environment,
        declared,
        enabled: state?.enabled ?? declared,
        ...(state ? { setAt: state.updatedAt, setBy: state.updatedBy } : {}),
        ...(evaluations ? { evaluations } : {}),
        ...(plan ? { plan } : {}),
        ...(typeof state?.rollout === 'number' ? { rollout: state.rollout } : {}),
      };
    });
  }

  /**
   * Turns a flag on or off in one environment, at once for every SDK's next poll, and
   * records it on the flag's timeline (kind feature-flag) with who, from what and to what.
   * Setting what is already in force changes nothing and records nothing.
   */
  async setEnabled(
    key: string,
    environment: string,
    enabled: boolean,
    principal: Principal,
    reason?: string,
  ): Promise<SwitchResult> {
    checkEnvironment(environment);
    const { ref, spec } = await this.flag(key);
    const current =
      (await this.environments(key)).find((e) => e.environment === environment)?.enabled ??
      spec.environments?.[environment]?.enabled ??
      false;
    if (current === enabled) return { flag: ref, environment, enabled, previous: current, changed: false };
    const at = this.now().toISOString();
    const name = ref.slice(ref.indexOf('/') + 1);
    await this.switched(
      ref,
      { flagKey: key, environment, enabled, updatedAt: at, updatedBy: principal.name },
      `Turned ${name} ${enabled ? 'on' : 'off'} in ${environment} (was ${current ? 'on' : 'off'})${reason ? `: ${reason}` : ''}`,
      principal,
    );
    return { flag: ref, environment, enabled, previous: current, changed: true };
  }

  /**
   * The flags in an entity's scope (a team's and its child teams', a service's, a user's),
   * stale ones first, then by name. A flag's age counts from its last change: its
   * descriptor's last change in the catalog, or its last switch.
   */
  async flagsOf(entityKey: string): Promise<FlagSummary[]> {
    const keys = (await this.changes.scope(entityKey)).members.filter((k) => k.startsWith('flag:'));
    if (keys.length === 0) return [];
    const [summaries, descriptors, states] = await Promise.all([
      this.catalog.store.summariesOf(keys),
      this.catalog.store.descriptorsOf(keys),
      this.store.states(keys),
    ]);
    const now = this.now();
    const out: FlagSummary[] = [];
    for (const [key, d] of descriptors) {
      const spec = d.entity.spec as unknown as FlagSpec;
      const switched = new Map(states.filter((s) => s.flagKey === key).map((s) => [s.environment, s]));
      const names = [...new Set([...Object.keys(spec.environments ?? {}), ...switched.keys()])].sort();
      const environments = names.map((environment) => ({
        environment,
        enabled: switched.get(environment)?.enabled ?? spec.environments?.[environment]?.enabled ?? false,
      }));
      const changedAt = [
        summaries.get(key)?.updatedAt ?? now.toISOString(),
        ...[...switched.values()].map((s) => s.updatedAt),
      ]
        .sort()
        .at(-1) as string;
      out.push({
        ref: d.ref,
        title: entityTitle(d.entity) ?? d.entity.metadata.name,
        type: spec.type,
        service: spec.service,
        environments,
        staleness: stalenessOf(
          spec.type,
          environments.map((e) => e.enabled),
          changedAt,
          now,
        ),
      });
    }
    return out.sort((a, b) => Number(b.staleness.stale) - Number(a.staleness.stale) || (a.ref < b.ref ? -1 : 1));
  }

  private position(spec: FlagSpec, state: PlanState): PlanPosition | undefined {
    const milestones = spec.releasePlan?.milestones ?? [];
    const now = planAt({ milestones }, state, this.now());
    const milestone = milestones[now.milestone];
    return milestone
      ? { milestone: now.milestone, name: milestone.name, of: milestones.length, since: now.since, paused: now.paused }
      : undefined;
  }

  /**
   * Moves a flag's release plan in one environment: start (at the first milestone, and the
   * flag on), advance, roll back, pause, resume. Recorded on the flag's timeline.
   */
  async planAction(
    key: string,
    environment: string,
    action: PlanAction,
    principal: Principal,
    reason?: string,
  ): Promise<PlanPosition> {
    checkEnvironment(environment);
    const { ref, spec } = await this.flag(key);
    if (!spec.releasePlan) {
      throw new AtriumError({
        category: 'user-fixable',
        code: 'no-release-plan',
        status: 409,
        message: `The flag ${ref} has no release plan`,
        hint: "Declare spec.releasePlan.milestones in the flag's file (user guide, section 15.5).",
      });
    }
    const stored = (await this.store.states([key])).find((s) => s.environment === environment);
    const now = this.now();
    const next = applyPlanAction(spec.releasePlan, stored?.plan, action, now);
    if ('error' in next)
      throw new AtriumError({
        category: 'user-fixable',
        code: 'release-plan-conflict',
        status: 409,
        message: `Cannot ${action} the release plan of ${ref} in ${environment}: ${next.error}`,
        hint: 'See where the plan stands with GET /api/v1/flags/{namespace}/{name}.',
      });
    const enabled = action === 'start' ? true : (stored?.enabled ?? spec.environments?.[environment]?.enabled ?? false);
    const position = this.position(spec, next) as PlanPosition;
    const name = ref.slice(ref.indexOf('/') + 1);
    const verbs: Record<PlanAction, string> = {
      start: 'started at',
      advance: 'advanced to',
      rollback: 'rolled back to',
      pause: 'paused at',
      resume: 'resumed at',
    };
    const summary = `Release plan of ${name} in ${environment} ${verbs[action]} "${position.name}" (${position.milestone + 1} of ${position.of})${reason ? `: ${reason}` : ''}`;
    await this.switched(
      ref,
      { flagKey: key, environment, enabled, updatedAt: now.toISOString(), updatedBy: principal.name, plan: next },
      summary,
      principal,
    );
    return position;
  }

  /**
   * Records the milestones plans have reached by themselves (their set time passed):
   * every read already sees them; this writes them down, with a timeline entry each.
   * The server runs it every half minute (flags/tasks.ts).
   */
  async tick(): Promise<number> {
    const states = (await this.store.states()).filter((s) => s.plan && !s.plan.paused);
    let moved = 0;
    for (const state of states) {
      const { ref, spec } = await this.flag(state.flagKey).catch(() => ({ ref: '', spec: undefined }));
      if (!spec?.releasePlan || !state.plan) continue;
      const now = planAt(spec.releasePlan, state.plan, this.now());
      if (now.milestone === state.plan.milestone) continue;
      const position = this.position(spec, now) as PlanPosition;
      const name = ref.slice(ref.indexOf('/') + 1);
      const summary = `Release plan of ${name} in ${state.environment} moved on to "${position.name}" (${position.milestone + 1} of ${position.of}) after its set time`;
      await this.switched(ref, { ...state, plan: now }, summary, { name: 'release-plan', scopes: [] }, now.since);
      moved++;
    }
    return moved;
  }

  /**
   * Sets the rollout percentage of every gradual rollout of a flag in one environment (null:
   * back to the strategies' own), at once for the SDKs' next poll; recorded on its timeline.
   */
  async setRollout(
    key: string,
    environment: string,
    percent: number | null,
    principal: Principal,
    reason?: string,
  ): Promise<{ flag: string; environment: string; rollout: number | null; previous: number | null; changed: boolean }> {
    checkEnvironment(environment);
    const { ref, spec } = await this.flag(key);
    const stored = (await this.store.states([key])).find((s) => s.environment === environment);
    const previous = typeof stored?.rollout === 'number' ? stored.rollout : null;
    if (previous === percent) return { flag: ref, environment, rollout: percent, previous, changed: false };
    const at = this.now().toISOString();
    const name = ref.slice(ref.indexOf('/') + 1);
    const text = (p: number | null) => (p === null ? "the strategies' own" : `${p}%`);
    const summary = `Rollout of ${name} in ${environment} set to ${text(percent)} (was ${text(previous)})${reason ? `: ${reason}` : ''}`;
    await this.switched(
      ref,
      {
        flagKey: key,
        environment,
        enabled: stored?.enabled ?? spec.environments?.[environment]?.enabled ?? false,
        updatedAt: at,
        updatedBy: principal.name,
        rollout: percent,
      },
      summary,
      principal,
    );
    return { flag: ref, environment, rollout: percent, previous, changed: true };
  }

  /**
   * Writes a flag's new state and its `feature-flag` change on the flag's timeline in one
   * transaction: the audit trail has every switch in force, and nothing that was not.
   */
  private async switched(
    ref: string,
    state: FlagState,
    summary: string,
    principal: Principal,
    at = state.updatedAt,
  ): Promise<void> {
    await this.changes.recordChange(
      '/api/v1/flags',
      { service: ref, kind: 'feature-flag', summary, at, environment: state.environment },
      principal,
      undefined,
      (trx) => this.store.setState(state, trx),
    );
  }

  /** The kill switch: off in every environment where it is on, each recorded. */
  async kill(key: string, principal: Principal, reason?: string): Promise<SwitchResult[]> {
    const results: SwitchResult[] = [];
    for (const env of await this.environments(key)) {
      if (env.enabled)
        results.push(await this.setEnabled(key, env.environment, false, principal, reason ?? 'kill switch'));
    }
    return results;
  }

  /**
   * `GET /api/client/features` for an environment: every flag, with the switch in force
   * there, or those the SDK's filters keep (features-query.ts; cached per filter).
   */
  async clientFeatures(environment: string, query: FeaturesQuery = ALL_FEATURES): Promise<ClientFeatures> {
    const key = this.featuresKey(environment, query);
    const build = () => this.featuresDocument(environment, query);
    // The whole document is cached with the catalog's responses; a filtered one apart (see `filtered`).
    const body =
      query.key === ''
        ? await this.catalog.cachedJson(key, build)
        : await this.filtered.get(key, async () => Buffer.from(JSON.stringify(await build())));
    return { body, etag: this.etagOf(body) };
  }

  /** The client-features document of an environment (narrowed by `query`), as an object. */
  private async featuresDocument(environment: string, query: FeaturesQuery): Promise<unknown> {
    const now = this.now();
    let until = Infinity;
    const keys: string[] = [];
    let after: string | undefined;
    do {
      const page = await this.catalog.store.listEntities({ kind: 'flag' }, 500, after);
      keys.push(...page.items.map((e) => `flag:${e.namespace}/${e.name}`.toLowerCase()));
      after = page.nextAfter;
    } while (after !== undefined);
    const descriptors = await this.catalog.store.descriptorsOf(keys);
    const switched = new Map<string, FlagState>(
      (await this.store.states(keys)).filter((s) => s.environment === environment).map((s) => [s.flagKey, s]),
    );
    const features = [...descriptors]
      .filter(([, d]) =>
        matchesFeaturesQuery({ name: d.entity.metadata.name, tags: d.entity.metadata.tags ?? [] }, query),
      )
      .map(([key, d]) => {
        const spec = d.entity.spec as unknown as FlagSpec;
        const state = switched.get(key);
        const milestone =
          state?.plan && spec.releasePlan ? planAt(spec.releasePlan, state.plan, now).milestone : undefined;
        if (state?.plan && spec.releasePlan)
          until = Math.min(until, nextMoveAt(spec.releasePlan, state.plan, now) ?? Infinity);
        const feature = featureOf(
          d.entity.metadata.name,
          spec,
          environment,
          milestone,
          typeof state?.rollout === 'number' ? state.rollout : undefined,
        );
        return {
          ...feature,
          enabled: state ? state.enabled : feature.enabled,
          description: d.entity.metadata.description ?? null,
          project: FLAG_PROJECT,
          stale: false,
        };
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const moves = this.clockMoves.get(environment) ?? { until: Infinity, count: 0 };
    // The earliest wins: a document built concurrently for an older version costs one rebuild at most.
    this.clockMoves.set(environment, { until: Math.min(moves.until, until), count: moves.count });
    return { version: 2, features, query: echoOf(query, environment) };
  }

  /** The features document of an environment if it is cached and current, without loading: for the listener's fast path. */
  peekClientFeatures(environment: string, query: FeaturesQuery = ALL_FEATURES): ClientFeatures | undefined {
    const key = this.featuresKey(environment, query);
    const body = query.key === '' ? this.catalog.peekJson(key) : this.filtered.peek(key);
    return body && { body, etag: this.etagOf(body) };
  }

  private featuresKey(environment: string, query: FeaturesQuery): string {
    // Keyed by the clock's moves too: a release plan reaches its next milestone with no change recorded yet.
    const moves = this.clockMoves.get(environment);
    if (moves && this.now().getTime() >= moves.until)
      this.clockMoves.set(environment, { until: Infinity, count: moves.count + 1 });
    const key = `unleash-features:${environment}:${this.changesVersion}:${this.clockMoves.get(environment)?.count ?? 0}`;
    return query.key === '' ? key : `${key}:${query.key}`;
  }

  private etagOf(body: Buffer): string {
    let etag = this.etags.get(body);
    if (etag === undefined) {
      etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      this.etags.set(body, etag);
    }
    return etag;
  }

  /**
   * The flags of an environment compiled for evaluation here (OFREP), rebuilt only when the
   * features document changes. Buckets as Unleash's UTF-8 engines do (Edge, the newer SDKs).
   */
  async engineFor(environment: string): Promise<CompiledFlags> {
    const { body, etag } = await this.clientFeatures(environment);
    const cached = this.engines.get(environment);
    if (cached?.etag === etag) return cached;
    const set = JSON.parse(body.toString()) as FeatureSet;
    const compiled = {
      etag,
      engine: compileFeatureSet(set, { hashing: 'utf8' }).engine,
      enabled: new Set(set.features.filter((f) => f.enabled).map((f) => f.name)),
    };
    this.engines.set(environment, compiled);
    return compiled;
  }

  /** The compiled flags of an environment if they are current, without loading: for the listener's fast path. */
  peekEngine(environment: string): CompiledFlags | undefined {
    const features = this.peekClientFeatures(environment);
    const cached = this.engines.get(environment);
    return features && cached?.etag === features.etag ? cached : undefined;
  }

  /** Adds an SDK's metrics bucket (its start a valid time: the route checks) to the counts of its environment, by the hour it started in. */
  async recordMetrics(environment: string, report: MetricsReport): Promise<number> {
    const hour = new Date(Math.floor(Date.parse(report.bucket.start) / HOUR_MS) * HOUR_MS).toISOString();
    const counts = Object.entries(report.bucket.toggles)
      .filter(([, c]) => c.yes + c.no > 0)
      .map(([flag, c]) => ({ flag, environment, appName: report.appName, hour, yes: c.yes, no: c.no }));
    await this.store.addEvaluations(counts);
    return counts.length;
  }
}
