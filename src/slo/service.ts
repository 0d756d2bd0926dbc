import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { CachedCatalog } from '../catalog/cached-catalog.ts';
import { ServiceDefinitions, serviceEntities } from '../catalog/service-entities.ts';
import type { ChangeService } from '../changes/service.ts';
import { RUNBOOK_ANNOTATION } from '../catalog/operational-links.ts';
import type { NewNotification, NotificationStore } from '../notifications/store.ts';
import type { PageTarget } from '../paging/model.ts';
import { Admission } from '../platform/admission.ts';
import { chunks } from '../platform/db/chunks.ts';
import { idempotencyOf, keyReused } from '../platform/db/idempotency.ts';
import { AtriumError } from '../platform/errors.ts';
import type { Principal } from '../platform/http/app.ts';
import { alertChangeInput, alertChangeKey, SLO_ALERT_RECORDER, SLO_ALERT_ROUTE } from './alert-change.ts';
import { dedupKeyOf, type StoredAlert } from './alerting.ts';
import { budgetRemaining, errorBudget, windowRange } from './budget.ts';
import { alertMessage, type Evaluation, evaluateSlo, MEASURED_WINDOWS } from './evaluation.ts';
import { EventsSource } from './events-source.ts';
import type {
  AlertEvent,
  BudgetPoint,
  Measurement,
  SloAlert,
  SloDataSource,
  SloDefinition,
  SloIndicator,
  SloReader,
  SloStatus,
} from './model.ts';
import { shownOf } from './pages/health-card.ts';
import { STALE_AFTER_MS } from './pages/slo-text.ts';
import { sloDefinition } from './slo-definition.ts';
import { HOUR_MS, type EvaluationWrite, type SloStore } from './store.ts';
import type { AlongsideWrite } from '../platform/db/alongside-write.ts';

/** Where an owning team's alerts go: its receivers (the notify capability resolves them per team). */
export type TeamReceivers = (ownerKey: string) => Promise<readonly PageTarget[]>;

export interface SloServiceOptions {
  now?: () => Date;
  /** This replica's name in cycle claims (a random id by default). */
  holder?: string;
  /** How often evaluation runs (the cycle's length), default 30 s. */
  intervalMs?: number;
  /** Data sources by indicator type, over the defaults (pushed events; checks and Prometheus report why they have no data). */
  sources?: Partial<Record<SloIndicator['type'], SloDataSource>>;
  receivers?: TeamReceivers;
  /** The portal's absolute URL of an entity page, for links in messages (none without a public URL). */
  pageUrl?: (ref: string) => string | undefined;
  /** The portal's absolute URL of a service's runbook page, for a runbook kept as a file in the catalog (none without a public URL). */
  runbookUrl?: (ref: string) => string | undefined;
  /** The change timeline alert transitions are recorded on, with the evaluation that made them. */
  changes?: Pick<ChangeService, 'recordChanges'>;
}

/** A pushed count as the API takes it. */
export interface EventInput {
  at: string;
  good: number;
  total: number;
}

export interface WriteResult {
  status: number;
  body: string;
  replayed: boolean;
}

/** A firing (or resolved) alert with the SLO it belongs to, for GET /api/v1/alerts. */
export interface AlertListItem extends SloAlert {
  slo: string;
  service: string;
  owner: string;
}

export const DEFAULT_EVALUATION_INTERVAL_MS = 30_000;
/** Pushed times may run this far ahead of the server's clock (clients' clocks drift). */
export const FUTURE_SKEW_MS = 5 * 60_000;
const CYCLE = 'slo-evaluation';
/** Sources asked at once for SLOs that have no batched measurement. */
const MEASURE_CONCURRENCY = 8;
const EVALUATOR = 'slo-evaluation';
/** Statuses read at once when following what the Health cards show (each page a slice of the event loop). */
const FOLLOW_PAGE = 500;
/**
 * SLOs measured, and judged, per turn of the event loop: on SQLite every query runs
 * synchronously, and a 2,000-SLO cycle in one query and one loop held the server's requests
 * for 110–220 ms. A hundred SLOs' sums take a few milliseconds (tens with a month of minutes
 * on a busy machine), their rules about as long.
 */
export const EVALUATION_SLICE = 100;

/** A source for what has no data yet: checks until the checks capability lands. */
const noData = (detail: string): SloDataSource => ({ measure: async () => ({ state: 'no-data', detail }) });
const down = (detail: string): SloDataSource => ({ measure: async () => ({ state: 'source-down', detail }) });

/** How long pushed events are kept: two SLO windows (two of the longest months for a calendar window). */
export function retentionMs(slo: SloDefinition): number {
  return 2 * (slo.window.kind === 'rolling' ? slo.window.days : 31) * 24 * HOUR_MS;
}

/** `items` grouped by `keyOf`, in their order: each appended in place (copying a group per item is quadratic at 10,000 SLOs). */
function groupBy<K, T>(items: readonly T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

interface Definitions {
  slos: SloDefinition[];
  byKey: Map<string, SloDefinition>;
  /** The services in the catalog (an SLO's dangling service has no timeline to record on). */
  services: Set<string>;
  /** The services with SLOs and the teams owning them: the pages that show SLO cards. */
  shownOn: Set<string>;
  runbooks: Map<string, string>;
}

/**
 * SLOs: their definitions from the catalog, pushed events in, evaluation on a schedule
 * (claimed so each cycle runs once across replicas) with alert changes and their
 * notifications committed together, and the statuses pages and the API read.
 */
export class SloService implements SloReader {
  readonly writes: Admission;
  private readonly now: () => Date;
  private readonly holder: string;
  private readonly intervalMs: number;
  private readonly sources: Record<SloIndicator['type'], SloDataSource>;
  private readonly definitions = new ServiceDefinitions(
    () => this.readDefinitions(),
    (d) => d.shownOn,
  );
  private lastCompaction = 0;
  private readonly evaluatedListeners: ((cycle: number) => void)[] = [];
  private seenCycle = -1;
  /** When the last evaluation seen ran (epoch ms): the Health cards turn stale STALE_AFTER_MS after it. */
  private evaluatedAtMs: number | undefined;
  /** What each SLO's Health card shows (shownOf), as last followed. */
  private readonly shown = new Map<string, string>();
  /** Per service and owner key, `shownMoves` when one of its SLOs last showed something new. */
  private readonly shownVersions = new Map<string, number>();
  private shownMoves = 0;
  /** The time of the last evaluation whose statuses were followed (undefined: none yet, so all are read). */
  private followedAt: string | undefined;
  /** Following in flight: the next one waits for it (both would read the same rows). */
  private following: Promise<void> = Promise.resolve();

  constructor(
    readonly store: SloStore,
    private readonly catalog: Pick<CachedCatalog, 'store' | 'onInvalidate'>,
    private readonly notifications: Pick<NotificationStore, 'enqueueWithin'>,
    private readonly options: SloServiceOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.holder = options.holder ?? randomUUID();
    this.intervalMs = options.intervalMs ?? DEFAULT_EVALUATION_INTERVAL_MS;
    const prometheus = down('No Prometheus data source is configured.');
    this.sources = {
      events: new EventsSource(store),
      checks: noData('Synthetic checks have not landed yet: this SLO has no data until they do.'),
      ratio: prometheus,
      latency: prometheus,
      ...options.sources,
    };
    this.writes = new Admission({ active: 8, queued: 256, maxWaitMs: 1000, maxQueuedMs: 5000 });
    catalog.onInvalidate(() => {
      this.definitions.clear();
    });
  }

  /**
   * Whether `key` (a service's or a team's entity key) has SLOs or owns some, as last read:
   * false lets its page skip rendering afresh whenever SLOs move; undefined when not read
   * since the catalog changed.
   */
  hasSlos(key: string): boolean | undefined {
    return this.definitions.has(key);
  }

  /**
   * The version of what the SLO cards of `key` show — a service's Health card, a team's
   * error-budget burn: it moves when a status the card shows changed (a cycle that changes
   * nothing leaves it), and says when the card is stale (no evaluation seen for
   * STALE_AFTER_MS: the card then says so instead of its last green). Other replicas'
   * evaluations move it when pollEvaluated sees them.
   */
  shownVersion(key: string): string {
    return `${this.shownVersions.get(key) ?? 0}${this.stale() ? 'x' : ''}`;
  }

  /** Moves whenever any shownVersion may have. */
  shownMoment(): string {
    return `${this.shownMoves}${this.stale() ? 'x' : ''}`;
  }

  /** As healthOf judges a status stale, for the last evaluation seen here. */
  private stale(): boolean {
    const at = this.evaluatedAtMs ?? Number.NaN;
    return !(this.now().getTime() - at <= STALE_AFTER_MS);
  }

  /**
   * Reads the statuses written since the last evaluation followed, a page at a time, and
   * moves the version of each service one of whose SLOs now shows something else. Pages
   * are read by key from where the last ended, so one slice of the event loop handles at
   * most FOLLOW_PAGE; a page that reads statuses of a later evaluation only reads them
   * again next time (what a card shows is compared, so nothing moves twice). Evaluations
   * run in claimed cycles stamped by their replica's clock, so replicas whose clocks agree
   * within a cycle see later evaluations at later times.
   */
  private follow(evaluatedAt: string): Promise<void> {
    const run = this.following.then(async () => {
      if (this.followedAt !== undefined && evaluatedAt <= this.followedAt) return;
      let from = '';
      for (;;) {
        const page = await this.store.statusesChangedAfter(this.followedAt, from, FOLLOW_PAGE);
        for (const status of page) {
          const shown = shownOf(status);
          if (this.shown.get(status.key) === shown) continue;
          this.shown.set(status.key, shown);
          // Its service's Health card and its owner's budget-burn card (the same badge, bar and burns) both show it.
          this.shownMoves++;
          this.shownVersions.set(status.service, this.shownMoves);
          this.shownVersions.set(status.owner, this.shownMoves);
        }
        if (page.length < FOLLOW_PAGE) break;
        from = (page[page.length - 1] as SloStatus).key;
        await nextTurn();
      }
      this.followedAt = evaluatedAt;
    });
    // A failed read is read again by the next follow (followedAt did not move).
    this.following = run.catch(() => undefined);
    return run;
  }

  /** Every SLO of the catalog, read once per catalog generation. */
  private loadDefinitions(): Promise<Definitions> {
    return this.definitions.get();
  }

  private async readDefinitions(): Promise<Definitions> {
    const { items, services, owners } = await serviceEntities(this.catalog.store, 'slo');
    const runbooks = new Map<string, string>();
    for (const [key, service] of services) {
      const runbook = service.entity.metadata.annotations?.[RUNBOOK_ANNOTATION];
      // A URL is linked as it is; a file of the catalog through the portal's runbook page.
      const url = !runbook ? undefined : /^https?:\/\//.test(runbook) ? runbook : this.options.runbookUrl?.(key);
      if (url) runbooks.set(key, url);
    }
    const slos = items.map(({ descriptor, serviceKey }) => sloDefinition(descriptor.entity, owners.get(serviceKey)));
    return {
      slos,
      byKey: new Map(slos.map((s) => [s.key, s])),
      runbooks,
      services: new Set(services.keys()),
      shownOn: new Set(slos.flatMap((s) => [s.service, s.owner])),
    };
  }

  async definition(key: string): Promise<SloDefinition | undefined> {
    return (await this.loadDefinitions()).byKey.get(key);
  }

  private async found(key: string): Promise<SloDefinition> {
    const slo = await this.definition(key);
    if (!slo)
      throw new AtriumError({
        category: 'user-fixable',
        code: 'slo-not-found',
        status: 404,
        message: `No SLO ${key} in the catalog`,
        hint: 'SLOs are catalog entities of kind SLO (apiVersion atrium.dev/v1); check the namespace and name.',
      });
    return slo;
  }

  /**
   * Adds pushed good/total counts to an `events` SLO. Times may not lie beyond a small skew
   * ahead of the server's clock nor before the SLO's retention (two windows). With an
   * Idempotency-Key, a retry by the same principal answers the first response.
   */
  async recordEvents(
    key: string,
    route: string,
    events: readonly EventInput[],
    principal: Principal,
    idempotencyKey: string | undefined,
  ): Promise<WriteResult> {
    const slo = await this.found(key);
    if (slo.indicator.type !== 'events')
      throw new AtriumError({
        category: 'user-fixable',
        code: 'not-an-events-slo',
        status: 409,
        message: `The SLO ${key} reads ${slo.indicator.type}, not pushed events`,
        hint: 'Push events only to SLOs declared with indicator: { events: {} }.',
      });
    const now = this.now().getTime();
    const earliest = now - retentionMs(slo);
    const errors: { field: string; message: string }[] = [];
    const parsed = events.map((e, i) => {
      const atMs = Date.parse(e.at);
      if (atMs > now + FUTURE_SKEW_MS)
        errors.push({
          field: `events.${i}.at`,
          message: `is in the future (the server's time is ${new Date(now).toISOString()})`,
        });
      else if (atMs < earliest)
        errors.push({
          field: `events.${i}.at`,
          message: `is older than this SLO keeps events (${new Date(earliest).toISOString()})`,
        });
      return { atMs, good: e.good, total: e.total };
    });
    if (errors.length > 0)
      throw new AtriumError({
        category: 'user-fixable',
        code: 'invalid-request',
        status: 422,
        message: `Invalid request: ${errors[0]?.field}: ${errors[0]?.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`,
        hint: 'Nothing was written. Send times within the SLO window, in UTC ISO 8601.',
        details: { errors: errors.slice(0, 100) },
      });
    const idempotency = idempotencyOf(principal.name, route, idempotencyKey, [key, events]);
    const outcome = await this.store.addEvents(
      slo.key,
      parsed,
      () => ({ status: 202, body: JSON.stringify({ slo: slo.key, accepted: events.length }) }),
      idempotency,
      new Date(now),
    );
    if (outcome.kind === 'conflict') throw keyReused(idempotencyKey ?? '');
    return outcome.kind === 'replayed'
      ? { ...outcome.answer, replayed: true }
      : { ...outcome.response, replayed: false };
  }

  /**
   * One evaluation cycle, if this replica claims it: every SLO measured through its source,
   * its status computed, alert changes applied and the owning team's receivers notified,
   * all in one transaction. Once an hour, minute buckets are compacted and old ones pruned.
   */
  async evaluate(): Promise<{ claimed: boolean; evaluated: number; fired: number; resolved: number }> {
    const at = this.now();
    const now = at.getTime();
    const cycle = Math.floor(now / this.intervalMs);
    // A lease of two cycles: a slow cycle is not run beside it, a dead holder's ends soon.
    if (!(await this.store.claimCycle(CYCLE, cycle, this.holder, now, now + 2 * this.intervalMs)))
      return { claimed: false, evaluated: 0, fired: 0, resolved: 0 };
    try {
      const { slos, byKey, runbooks, services } = await this.loadDefinitions();
      const measurements = await this.measureAll(slos, at);
      const alerts = await this.store.alerts();
      const write: {
        statuses: SloStatus[];
        alerts: EvaluationWrite['alerts'][number][];
        history: EvaluationWrite['history'][number][];
      } = {
        statuses: [],
        alerts: [],
        history: [],
      };
      const changed: { slo: SloDefinition; evaluation: Evaluation; alert: StoredAlert }[] = [];
      for (const [i, slo] of slos.entries()) {
        if (i > 0 && i % EVALUATION_SLICE === 0) await nextTurn();
        const evaluation = evaluateSlo(slo, measurements.get(slo.key) as Measurement, alerts.get(slo.key) ?? [], at);
        write.statuses.push(evaluation.status);
        for (const t of evaluation.transitions) {
          if (!t.changed) continue;
          write.alerts.push({ sloKey: slo.key, alert: t.alert });
          write.history.push({
            slo: slo.key,
            service: slo.service,
            severity: t.alert.severity,
            state: t.alert.state,
            at: t.alert.since,
            factor: t.alert.factor,
            long: t.alert.long,
            short: t.alert.short,
          });
          changed.push({ slo, evaluation, alert: t.alert });
        }
      }
      const messages = await this.messagesOf(changed, runbooks);
      const evaluated = { ...write, at: at.toISOString(), cycle };
      const notify = (trx: Parameters<AlongsideWrite>[0]) => this.notifications.enqueueWithin(trx, messages, at);
      // Transitions go on their services' timelines in the evaluation's transaction: both or neither.
      const timeline = write.history.flatMap((event) => {
        const slo = byKey.get(event.slo);
        return slo && services.has(slo.service)
          ? [{ input: alertChangeInput(event, slo, this.options.pageUrl?.(slo.key)), key: alertChangeKey(event) }]
          : [];
      });
      if (this.options.changes && timeline.length > 0)
        await this.options.changes.recordChanges(
          SLO_ALERT_ROUTE,
          timeline.map((t) => t.input),
          SLO_ALERT_RECORDER,
          // The changes store runs a write again when it cannot tell whether it committed: the key makes a committed one replay.
          timeline.length === 1 ? timeline[0]?.key : `slo-alerts:cycle:${cycle}`,
          this.store.evaluationWrite(evaluated, notify),
        );
      else await this.store.saveEvaluation(evaluated, notify);
      await this.follow(evaluated.at);
      this.noteEvaluated(cycle, now);
      if (now - this.lastCompaction >= HOUR_MS) {
        this.lastCompaction = now;
        await this.store.compact(now);
        const byRetention = groupBy(slos, (slo) => now - retentionMs(slo));
        for (const [before, group] of byRetention)
          await this.store.prune(
            group.map((slo) => slo.key),
            before,
          );
      }
      return {
        claimed: true,
        evaluated: slos.length,
        fired: changed.filter((c) => c.alert.state === 'firing').length,
        resolved: changed.filter((c) => c.alert.state === 'resolved').length,
      };
    } finally {
      await this.store.releaseCycle(CYCLE, this.holder, this.now().getTime());
    }
  }

  /** Calls `listener` with each cycle whose evaluation committed, here or (seen by pollEvaluated) on another replica. */
  onEvaluated(listener: (cycle: number) => void): void {
    this.evaluatedListeners.push(listener);
  }

  /**
   * Reads the last evaluated cycle (one primary-key read); when it moved, follows the
   * statuses it wrote (what the Health cards show) and tells the listeners.
   */
  async pollEvaluated(): Promise<void> {
    const last = await this.store.lastEvaluation();
    if (!last || last.cycle <= this.seenCycle) return;
    await this.follow(last.at);
    this.noteEvaluated(last.cycle, Date.parse(last.at));
  }

  private noteEvaluated(cycle: number, atMs: number): void {
    if (cycle <= this.seenCycle) return;
    this.seenCycle = cycle;
    this.evaluatedAtMs = Math.max(this.evaluatedAtMs ?? atMs, atMs);
    for (const listener of this.evaluatedListeners) listener(cycle);
  }

  /** Each SLO's measurement: batched where its source can, else a few at a time; a failing source is `source-down`. */
  private async measureAll(slos: readonly SloDefinition[], at: Date): Promise<Map<string, Measurement>> {
    const out = new Map<string, Measurement>();
    const failed = (err: unknown): Measurement => ({
      state: 'source-down',
      detail: `The data source failed: ${(err as Error).message.split('\n')[0]?.slice(0, 200)}`,
    });
    for (const [type, group] of groupBy(slos, (slo) => slo.indicator.type)) {
      const source = this.sources[type];
      if (source.measureMany) {
        for (const [i, slice] of chunks(group, EVALUATION_SLICE).entries()) {
          if (i > 0) await nextTurn();
          try {
            for (const [key, m] of await source.measureMany(slice, MEASURED_WINDOWS, at)) out.set(key, m);
          } catch (err) {
            for (const slo of slice) out.set(slo.key, failed(err));
          }
        }
        continue;
      }
      let next = 0;
      const worker = async () => {
        while (next < group.length) {
          const slo = group[next++] as SloDefinition;
          out.set(slo.key, await source.measure(slo, MEASURED_WINDOWS, at).catch(failed));
        }
      };
      await Promise.all(Array.from({ length: MEASURE_CONCURRENCY }, worker));
    }
    for (const slo of slos) if (!out.has(slo.key)) out.set(slo.key, { state: 'no-data' });
    return out;
  }

  private async messagesOf(
    changed: readonly { slo: SloDefinition; evaluation: Evaluation; alert: StoredAlert }[],
    runbooks: ReadonlyMap<string, string>,
  ): Promise<NewNotification[]> {
    const receivers = this.options.receivers;
    if (!receivers || changed.length === 0) return [];
    const byOwner = new Map<string, readonly PageTarget[]>();
    const messages: NewNotification[] = [];
    for (const { slo, evaluation, alert } of changed) {
      if (!slo.owner) continue;
      let targets = byOwner.get(slo.owner);
      if (!targets) byOwner.set(slo.owner, (targets = await receivers(slo.owner)));
      const dedupKey = dedupKeyOf(slo.key, alert.severity);
      const message = alertMessage(slo, evaluation.status, alert, {
        sloPage: this.options.pageUrl?.(slo.key),
        runbook: runbooks.get(slo.service),
      });
      for (const target of targets)
        messages.push({
          receiver: target.receiver,
          subjectKey: slo.key,
          message: target.routingKey ? { ...message, routingKey: target.routingKey } : message,
          dedupKey,
          // One message per change and receiver, however often the cycle is retried.
          unique: JSON.stringify([EVALUATOR, dedupKey, alert.state, alert.since, target.receiver]),
          createdBy: EVALUATOR,
        });
    }
    return messages;
  }

  /** Statuses of `slos`, worst budget first; one not evaluated yet says so. */
  private async statusesOf(slos: readonly SloDefinition[]): Promise<SloStatus[]> {
    const stored = await this.store.statuses(slos.map((s) => s.key));
    return slos
      .map(
        (slo): SloStatus =>
          stored.get(slo.key) ?? {
            key: slo.key,
            namespace: slo.namespace,
            name: slo.name,
            service: slo.service,
            owner: slo.owner,
            objective: slo.objective,
            window: slo.window,
            indicator: slo.indicator.type,
            dataState: 'no-data',
            burnRates: {},
            alerts: [],
            detail: 'Not evaluated yet.',
          },
      )
      .sort((a, b) => (a.budgetRemaining ?? Infinity) - (b.budgetRemaining ?? Infinity) || a.key.localeCompare(b.key));
  }

  /** SLOs filtered by service and owner (entity keys), one page, worst budget first. */
  async list(
    filter: { service?: string; owner?: string },
    limit: number,
    offset: number,
  ): Promise<{ items: SloStatus[]; total: number }> {
    const { slos } = await this.loadDefinitions();
    const matching = slos.filter(
      (s) => (!filter.service || s.service === filter.service) && (!filter.owner || s.owner === filter.owner),
    );
    const all = await this.statusesOf(matching);
    return { items: all.slice(offset, offset + limit), total: all.length };
  }

  async forService(serviceKey: string): Promise<SloStatus[]> {
    return (await this.list({ service: serviceKey }, Number.MAX_SAFE_INTEGER, 0)).items;
  }

  async forOwner(groupKey: string): Promise<SloStatus[]> {
    return (await this.list({ owner: groupKey }, Number.MAX_SAFE_INTEGER, 0)).items;
  }

  async status(sloKey: string): Promise<SloStatus | undefined> {
    const slo = await this.definition(sloKey);
    return slo && (await this.statusesOf([slo]))[0];
  }

  /** Alerts in `state` (firing by default) across every SLO. */
  async alerts(state: SloAlert['state'] = 'firing'): Promise<AlertListItem[]> {
    const { byKey } = await this.loadDefinitions();
    const out: AlertListItem[] = [];
    for (const [key, alerts] of await this.store.alerts()) {
      const slo = byKey.get(key);
      if (!slo) continue;
      for (const a of alerts)
        if (a.state === state)
          out.push({ ...a, dedupKey: dedupKeyOf(key, a.severity), slo: key, service: slo.service, owner: slo.owner });
    }
    return out.sort((a, b) => (a.since < b.since ? 1 : a.since > b.since ? -1 : a.slo.localeCompare(b.slo)));
  }

  /** The budget left from the window's start to each hour since, at most `points` points (the last always). */
  async budgetHistory(sloKey: string, points: number): Promise<BudgetPoint[]> {
    const slo = await this.definition(sloKey);
    if (!slo || points < 1) return [];
    const now = this.now().getTime();
    const { start } = windowRange(slo.window, now);
    const budget = errorBudget(slo.objective);
    let good = 0;
    let total = 0;
    const series: BudgetPoint[] = [];
    for (const hour of await this.store.hourly(slo.key, start, now + 1)) {
      good += hour.good;
      total += hour.total;
      const remaining = budgetRemaining({ good, total }, budget);
      if (remaining !== undefined)
        series.push({ at: new Date(Math.min(hour.hour + HOUR_MS, now)).toISOString(), budgetRemaining: remaining });
    }
    if (series.length <= points) return series;
    const step = series.length / points;
    return Array.from(
      { length: points },
      (_, i) => series[Math.min(series.length - 1, Math.round((i + 1) * step) - 1)] as BudgetPoint,
    );
  }

  alertHistory(sloKey: string, limit: number): Promise<AlertEvent[]> {
    return this.store.alertHistory(sloKey, limit);
  }
}
