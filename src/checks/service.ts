import { setImmediate } from 'node:timers/promises';
import type { Transaction } from 'kysely';
import type { CachedCatalog } from '../catalog/cached-catalog.ts';
import { ServiceDefinitions, serviceEntities } from '../catalog/service-entities.ts';
import type { ChangeService } from '../changes/service.ts';
import type { NotificationMessage } from '../notifications/model.ts';
import type { NotificationService } from '../notifications/service.ts';
import {
  idempotencyOf,
  isKeyTaken,
  keyReused,
  type PriorAnswer,
  priorAnswer,
  recordAnswer,
} from '../platform/db/idempotency.ts';
import type { Schema } from '../platform/db/schema.ts';
import type { Principal } from '../platform/http/app.ts';
import { parseEntityRef, refKey } from '../platform/entity-ref.ts';
import { AtriumError } from '../platform/errors.ts';
import { SingleFlightCache } from '../platform/cache.ts';
import { SHOWN_REFRESH_MS, ShownVersions } from '../platform/shown-versions.ts';
import type { FinishedRun, WorkOrder, WorkOutcomeHandler, WorkQueue } from '../runners/model.ts';
import { LOCAL_LOCATION } from '../runners/model.ts';
import { windowRange } from '../slo/budget.ts';
import { burnWindowMs } from '../slo/burn.ts';
import type { EventCounts, Measurement, MeasureWindow, SloDataSource, SloDefinition } from '../slo/model.ts';
import { CHECK_RECORDER, CHECK_ROUTE, checkChangeInput, checkChangeKey } from './check-change.ts';
import { readBrowserDetail, readScreenshot } from './browser-detail.ts';
import { checkDefinition } from './check-definition.ts';
import { checkPayload } from './check-payload.ts';
import { MAX_OPEN_WINDOWS, maintenanceWindowOf } from './maintenance-window.ts';
import {
  CHECK_WORK_KIND,
  type CheckDefinition,
  type CheckResult,
  type CheckRunDetail,
  type CheckStatus,
  type CheckStatusView,
  type LocationState,
  type ResponsePoint,
  type RunStatus,
} from './model.ts';
import {
  alertAction,
  maintenanceAt,
  nextLocationState,
  overallStatus,
  dueRound,
  parseRoundKey,
  pendingLocation,
  retryDelayMs,
  retryKey,
  retryLocation,
  roundKey,
  roundStart,
  runStatus,
} from './status.ts';
import { type CheckStore, HOUR_MS, type HourRow, SCREENSHOTS_KEPT, type StoredWindow } from './store.ts';

/** What the checks' outcome handler writes in: the runners' transaction. */
type Trx = Transaction<Schema>;

export interface CheckServiceOptions {
  now?: () => Date;
  /** The runners' queue rounds are ordered into (none: nothing is scheduled). */
  queue?: WorkQueue<Trx>;
  /** Runner locations known to the server, for checks at `all` locations (`local` is always one). */
  runnerLocations?: () => Promise<readonly string[]>;
  /** Where failing checks alert their owner's receivers. */
  notifications?: Pick<NotificationService, 'notify'>;
  /** The service timelines status changes are recorded on. */
  changes?: Pick<ChangeService, 'recordChanges'>;
  /** The portal's absolute URL of an entity page, for links in alerts and on the timeline. */
  pageUrl?: (ref: string) => string | undefined;
}

/** Who queues a check's alerts (the outbox's createdBy). */
export const CHECK_ALERTER = 'check-alerting';
/** Rounds a check's page shows in its grid. */
export const ROUNDS_SHOWN = 20;
/** How long before its due time a round is queued: more than the one second between the rounds task's runs. */
export const ORDER_AHEAD_MS = 2000;
/** Orders written per transaction when rounds are ordered; the event loop turns between them. */
const ORDER_CHUNK = 500;
/** Transitions put on the timeline per call. */
const TRANSITION_BATCH = 100;

interface Definitions {
  checks: CheckDefinition[];
  byKey: Map<string, CheckDefinition>;
  /** The services in the catalog: a dangling service has no timeline. */
  services: Set<string>;
}

const notFound = (key: string) =>
  new AtriumError({
    category: 'user-fixable',
    code: 'check-not-found',
    status: 404,
    message: `No check ${key} in the catalog`,
    hint: 'Checks are catalog entities of kind Check (apiVersion atrium.dev/v1); check the namespace and name.',
  });

/** A maintenance window as the API lists it: the catalog's (no id) and the API's. */
export interface MaintenanceView {
  id: string | null;
  source: 'catalog' | 'api';
  start: string;
  end: string;
  reason: string | null;
  createdBy: string | null;
  open: boolean;
}

/** The route maintenance writes are recorded under, with their idempotency keys. */
const MAINTENANCE_ROUTE = `${CHECK_ROUTE}/maintenance`;

const iso = (ms: number) => new Date(ms).toISOString();

/** How long a page of the check list is answered from memory at most (see CheckService.listed). */
export const LIST_FRESH_MS = 1000;

/** A page of the check list and how many match in all. */
export interface CheckPage {
  items: CheckStatusView[];
  total: number;
}

function windowView(
  w: { start: number; end: number; reason?: string },
  now: number,
  stored?: StoredWindow,
): MaintenanceView {
  return {
    id: stored ? String(stored.id) : null,
    source: stored ? 'api' : 'catalog',
    start: iso(w.start),
    end: iso(w.end),
    reason: w.reason ?? null,
    createdBy: stored?.createdBy ?? null,
    open: w.start <= now && now < w.end,
  };
}

const windowNotFound = (key: string, id: string) =>
  new AtriumError({
    category: 'user-fixable',
    code: 'maintenance-window-not-found',
    status: 404,
    message: `The check ${key} has no maintenance window ${id.slice(0, 40)} added through the API`,
    hint: 'List its windows (GET …/maintenance) for their ids; windows written in the catalog are removed there.',
  });

/** "30s", "5m", "1h": an interval as its shortest word. */
export function intervalText(ms: number): string {
  if (ms % HOUR_MS === 0) return `${ms / HOUR_MS}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * Synthetic checks: their definitions from the catalog, a round of work orders per interval
 * and location (one per round whichever replica orders it: the queue keeps one order per
 * dedup key), each run's outcome recorded with the status it moves to and the alert it
 * opens or resolves (in the runners' transaction), status changes on the service timeline,
 * and what pages, the API and SLOs read.
 */
export class CheckService {
  private readonly now: () => Date;
  private readonly definitions = new ServiceDefinitions(() => this.readDefinitions());
  /** The last round each check was ordered for by this process: the next tick need not ask again. */
  private readonly ordered = new Map<string, number>();
  private readonly movedListeners: (() => void)[] = [];
  /** What each check's page and each service's Checks card show, as versions (see shownVersion). */
  private readonly shown: ShownVersions;
  /**
   * Pages of the check list as answered, for LIST_FRESH_MS of real time and until a status
   * or failure moves here: under a thousand list requests a second, each page is read from
   * the store about once a second instead of with every request. Passing runs' times (and
   * other replicas' runs) show in a list within that second.
   */
  private readonly listed = new SingleFlightCache<{ atMs: number; moment: string; page: CheckPage }>(256, undefined, {
    fresh: (v) => performance.now() - v.atMs < LIST_FRESH_MS && v.moment === this.shown.moment(),
  });

  constructor(
    readonly store: CheckStore,
    private readonly catalog: Pick<CachedCatalog, 'store' | 'onInvalidate'>,
    private readonly options: CheckServiceOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.shown = new ShownVersions(() => this.now().getTime(), SHOWN_REFRESH_MS);
    catalog.onInvalidate(() => {
      this.definitions.clear();
      this.listed.clear();
    });
  }

  /** Calls `listener` after a run's outcome moved a check (pages drop what they cached). */
  onMoved(listener: () => void): void {
    this.movedListeners.push(listener);
  }

  /**
   * The version of what the check cards of `key` show — a check's page, a service's Checks
   * card — for the portal's page cache: it moves when a run recorded here changes a
   * location's status or last failure, and once a refresh (SHOWN_REFRESH_MS), which brings
   * the runs that changed neither (their times and response times) and what other
   * replicas recorded. A page per run would render ten thousand check pages 167 times a
   * second; each key's refresh falls at its own moment in the interval, so they do not all
   * render afresh in the same second either.
   */
  shownVersion(key: string): string {
    return this.shown.version(key);
  }

  /** Moves whenever a shownVersion moved here. */
  shownMoment(): string {
    return this.shown.moment();
  }

  /**
   * Whether `service` (an entity key) has checks, as last read: false lets its page skip
   * rendering afresh whenever checks move; undefined when not read since the catalog changed.
   */
  hasChecks(service: string): boolean | undefined {
    return this.definitions.has(service);
  }

  private loadDefinitions(): Promise<Definitions> {
    return this.definitions.get();
  }

  private async readDefinitions(): Promise<Definitions> {
    const { items, services, owners } = await serviceEntities(this.catalog.store, 'check');
    const checks = items
      .map(({ descriptor, serviceKey }) => checkDefinition(descriptor.entity, owners.get(serviceKey)))
      .sort((a, b) => a.key.localeCompare(b.key));
    this.shown.setKeys([...checks.map((c) => c.key), ...services.keys()]);
    return { checks, byKey: new Map(checks.map((c) => [c.key, c])), services: new Set(services.keys()) };
  }

  async definition(key: string): Promise<CheckDefinition | undefined> {
    return (await this.loadDefinitions()).byKey.get(key);
  }

  /** The locations a check runs at now: its list, or every known runner location and `local`. */
  private async locationsOf(check: CheckDefinition): Promise<readonly string[]> {
    if (check.locations !== 'all') return check.locations;
    const known = (await this.options.runnerLocations?.()) ?? [];
    return [...new Set([LOCAL_LOCATION, ...known])].sort();
  }

  /**
   * Orders the rounds of every check that this process has not ordered yet: the round last
   * due (late, when this process starts mid-interval) and the one due within ORDER_AHEAD_MS,
   * queued ahead so a runner starts it at its due time although this runs once a second.
   * A round runs at the check's fixed offset within its interval (status.ts's checkOffset),
   * so rounds spread across the interval instead of all falling due at its start. One order
   * per location, keyed by check, location and round (the interval boundary, so every
   * replica computes the same keys and the queue keeps one). A run not started within one
   * interval of its due time is missed. Orders are written ORDER_CHUNK at a time, each its
   * own transaction, yielding between them: a burst (a start with ten thousand checks) does
   * not hold the event loop. Answers how many orders were new.
   */
  async schedule(): Promise<number> {
    const queue = this.options.queue;
    if (!queue) return 0;
    const now = this.now().getTime();
    const { checks } = await this.loadDefinitions();
    // Each check's orders are written together: a check counts as ordered once all of them committed.
    const batches: { checks: { key: string; roundMs: number }[]; orders: WorkOrder[] }[] = [];
    for (const check of checks) {
      const last = this.ordered.get(check.key);
      const current = dueRound(now, check.intervalMs, check.offsetMs);
      const upcoming = dueRound(now + ORDER_AHEAD_MS, check.intervalMs, check.offsetMs);
      const rounds = (upcoming.roundMs === current.roundMs ? [current] : [current, upcoming]).filter(
        (r) => last === undefined || r.roundMs > last,
      );
      if (rounds.length === 0) continue;
      const payload = checkPayload(check);
      const retries = payload.retries;
      // The whole run: every attempt and the waits between them, never beyond the round.
      const budget = check.timeoutMs * (retries.count + 1) + retries.delayMs * retries.count * (retries.count + 1);
      const locations = await this.locationsOf(check);
      let batch = batches.at(-1);
      if (!batch || batch.orders.length >= ORDER_CHUNK) {
        batch = { checks: [], orders: [] };
        batches.push(batch);
      }
      batch.checks.push({ key: check.key, roundMs: upcoming.roundMs });
      for (const { roundMs, dueMs } of rounds)
        for (const location of locations)
          batch.orders.push({
            kind: CHECK_WORK_KIND,
            subject: check.key,
            dedupKey: roundKey(check.key, location, roundMs),
            location,
            tags: [],
            dueAt: dueMs,
            deadlineAt: dueMs + check.intervalMs,
            timeoutMs: Math.min(budget, check.intervalMs),
            secrets: check.secrets,
            payload,
          });
    }
    let added = 0;
    for (const [i, batch] of batches.entries()) {
      if (i > 0) await setImmediate();
      // Not ordered on failure: the next tick tries the same rounds again (the dedup keys make that safe).
      added += await queue.enqueue(batch.orders);
      for (const { key, roundMs } of batch.checks) this.ordered.set(key, roundMs);
    }
    return added;
  }

  /** The handler the runners call once per finished check run, inside the transaction that records it. */
  outcomeHandler(): WorkOutcomeHandler<Trx> {
    return { kind: CHECK_WORK_KIND, recorded: (run, trx) => this.recordOutcome(run, trx) };
  }

  /**
   * Records a run at its location and moves the location's and the check's status, in `trx`.
   * A status change is queued for the timeline; a check turning failing (outside maintenance)
   * alerts its owner's receivers, and one no longer failing resolves that alert. A run id
   * recorded before changes nothing.
   */
  async recordOutcome(run: FinishedRun, trx: Trx): Promise<void> {
    const round = parseRoundKey(run.dedupKey);
    if (!round) return;
    const check = (await this.loadDefinitions()).byKey.get(round.check);
    const detail = (run.outcome.status === 'success' || run.outcome.status === 'failure'
      ? run.outcome.detail
      : null) as unknown as Partial<CheckRunDetail> | null;
    const facts = {
      outcome: run.outcome.status,
      ...(typeof detail?.responseTimeMs === 'number' ? { responseTimeMs: detail.responseTimeMs } : {}),
    };
    const status: RunStatus = runStatus(facts, check ?? {});
    const at = new Date(run.finishedAt).toISOString();
    const reason =
      status === 'failing' && run.outcome.status === 'success'
        ? `response time ${detail?.responseTimeMs} ms above maxResponseTime ${check?.maxMs} ms`
        : run.outcome.summary;
    const browser = readBrowserDetail(detail?.browser);
    const screenshot = readScreenshot(detail?.screenshot);
    const recorded = await this.store.recordRun(trx, {
      runId: run.runId,
      check: round.check,
      location: round.location,
      roundMs: round.roundMs,
      atMs: run.finishedAt,
      status,
      ...(facts.responseTimeMs === undefined ? {} : { responseTimeMs: facts.responseTimeMs }),
      ...(detail?.timings ? { timings: detail.timings } : {}),
      assertions: Array.isArray(detail?.assertions) ? detail.assertions : [],
      ...(typeof detail?.excerpt === 'string' && status === 'failing' ? { excerpt: detail.excerpt } : {}),
      ...(status === 'failing' ? { error: reason } : {}),
      ...(run.runner === undefined ? {} : { runner: run.runner }),
      ...(browser ? { browser } : {}),
      ...(screenshot !== undefined && status === 'failing' ? { screenshot } : {}),
    });
    if (!recorded || !check) return;
    // Failing with retries left elsewhere: the retry's verdict, not this one, moves the location.
    if (status === 'failing' && (await this.retryElsewhere(check, run, round, trx))) return;
    await this.store.lock(trx, check.key, at);
    const locations = new Map((await this.store.locations(trx, check.key)).map((l) => [l.location, l]));
    const next = nextLocationState(
      locations.get(round.location) ?? pendingLocation(round.location),
      { status, at, reason },
      check.thresholds,
    );
    const before = locations.get(round.location);
    await this.store.saveLocation(trx, check.key, next);
    locations.set(round.location, next);
    // The check's page and its service's Checks card show each location's status and the
    // last failure at once; a run that changes neither shows with the page's next refresh.
    if (
      before?.status !== next.status ||
      before.lastFailureAt !== next.lastFailureAt ||
      before.lastFailureReason !== next.lastFailureReason
    )
      this.shown.moved(check.key, check.service);
    const configured = await this.locationsOf(check);
    const states = [...new Set([...configured, ...(check.locations === 'all' ? locations.keys() : [])])].map(
      (l) => locations.get(l) ?? pendingLocation(l),
    );
    const overall = overallStatus(states, check.failingLocations);
    const previous = (await this.store.state(trx, check.key)) ?? {
      status: 'pending' as CheckStatus,
      alertOpen: false,
      changedAt: at,
    };
    let inMaintenance = maintenanceAt(check.maintenance, run.finishedAt) !== undefined;
    // The API's windows are read only when one could hold an alert back: most runs open none.
    if (!inMaintenance && overall === 'failing' && !previous.alertOpen)
      inMaintenance =
        maintenanceAt(await this.store.maintenance(trx, check.key, run.finishedAt), run.finishedAt) !== undefined;
    const action = alertAction(overall, previous.alertOpen, inMaintenance);
    if (overall === previous.status && action === undefined) return;
    const failingReason = states.find((s) => s.status === 'failing')?.lastFailureReason ?? reason;
    if (overall !== previous.status)
      await this.store.addTransition(trx, {
        check: check.key,
        service: check.service,
        from: previous.status,
        to: overall,
        at,
        reason: overall === 'failing' || overall === 'degraded' ? failingReason : 'all locations pass',
      });
    let alertOpen = previous.alertOpen;
    if (action && (await this.alert(check, action, states, failingReason, trx))) alertOpen = action === 'trigger';
    await this.store.saveState(trx, check.key, {
      status: overall,
      alertOpen,
      changedAt: overall === previous.status ? previous.changedAt : at,
    });
    for (const listener of this.movedListeners) listener();
  }

  /**
   * For a check retrying at other locations (`retries.sameLocation: false`): orders the next
   * retry of a failing run at the next other location, in `trx`, after the strategy's wait
   * and within the round. Answers whether it did (then the location waits for its verdict).
   */
  private async retryElsewhere(
    check: CheckDefinition,
    run: FinishedRun,
    round: { location: string; roundMs: number; retry: number },
    trx: Trx,
  ): Promise<boolean> {
    const queue = this.options.queue;
    const n = round.retry + 1;
    if (!queue || check.retries.sameLocation || n > check.retries.count) return false;
    const location = retryLocation(await this.locationsOf(check), round.location, n);
    const dueAt = run.finishedAt + retryDelayMs(check.retries, n);
    const deadlineAt = round.roundMs + check.offsetMs + check.intervalMs;
    if (location === undefined || dueAt >= deadlineAt) return false;
    await queue.enqueue(
      [
        {
          kind: CHECK_WORK_KIND,
          subject: check.key,
          dedupKey: retryKey(roundKey(check.key, round.location, round.roundMs), n),
          location,
          tags: [],
          dueAt,
          deadlineAt,
          timeoutMs: check.timeoutMs,
          secrets: check.secrets,
          payload: checkPayload(check),
        },
      ],
      trx,
    );
    return true;
  }

  /** Records a finished run in a transaction of its own (the demo's history; a runner's outcome comes with the runners' transaction). */
  async recordAlone(run: FinishedRun): Promise<void> {
    await this.store.db.transaction().execute((trx) => this.recordOutcome(run, trx));
  }

  /** Queues the alert's trigger or resolve to the owner's receivers, in `trx`; false when there is no one to tell. */
  private async alert(
    check: CheckDefinition,
    action: 'trigger' | 'resolve',
    states: readonly LocationState[],
    reason: string,
    trx: Trx,
  ): Promise<boolean> {
    const notifications = this.options.notifications;
    if (!notifications) return false;
    const failing = states.filter((s) => s.status === 'failing').map((s) => s.location);
    const name = check.title ?? check.name;
    const url = this.options.pageUrl?.(check.key);
    const message: NotificationMessage = {
      action,
      summary:
        action === 'trigger'
          ? `Check ${name} failing from ${failing.length} of ${states.length} locations: ${reason}`.slice(0, 1024)
          : `Check ${name} passes again`,
      severity: 'critical',
      source: check.key,
      component: check.service,
      class: 'synthetic-check',
      ...(check.owner ? { owner: check.owner } : {}),
      details: { locations: failing.join(', '), reason: reason.slice(0, 500) },
      links: url ? [{ href: url, text: 'Check page' }] : [],
    };
    try {
      await notifications.notify(
        {
          to: check.owner || check.service,
          subject: check.key,
          message,
          dedupKey: `${check.key}:failing`,
          createdBy: CHECK_ALERTER,
        },
        trx,
      );
      return true;
    } catch (err) {
      // No owner to reach (a dangling service, a team-less one): the status still moves; nobody is paged.
      if (err instanceof AtriumError && err.category === 'user-fixable') return false;
      throw err;
    }
  }

  /**
   * Puts status changes waiting in the store on their services' timelines, each once (its
   * idempotency key per transition), marking them in the same transaction. Answers how many.
   */
  async publishTransitions(): Promise<number> {
    const changes = this.options.changes;
    if (!changes) return 0;
    const pending = await this.store.unrecordedTransitions(TRANSITION_BATCH);
    if (pending.length === 0) return 0;
    const { byKey, services } = await this.loadDefinitions();
    const at = this.now().toISOString();
    const onTimeline = pending.filter((t) => services.has(t.service));
    const mark = (trx: Trx) =>
      this.store.markRecorded(
        trx,
        pending.map((t) => t.id),
        at,
      );
    if (onTimeline.length === 0) {
      await this.store.db.transaction().execute(mark);
      return 0;
    }
    await changes.recordChanges(
      CHECK_ROUTE,
      onTimeline.map((t) => {
        const check = byKey.get(t.check);
        return checkChangeInput(t, { name: check?.title ?? check?.name ?? t.check }, this.options.pageUrl?.(t.check));
      }),
      CHECK_RECORDER,
      onTimeline.length === 1
        ? checkChangeKey(onTimeline[0] as (typeof onTimeline)[number])
        : `check-transitions:${pending[0]?.id}-${pending.at(-1)?.id}`,
      mark,
    );
    return onTimeline.length;
  }

  /** Forgets runs past retention. */
  prune(): Promise<number> {
    return this.store.prune(this.now().getTime());
  }

  private async views(checks: readonly CheckDefinition[]): Promise<CheckStatusView[]> {
    const stored = await this.store.states(checks.map((c) => c.key));
    const now = this.now().getTime();
    const apiMaintenance = await this.store.inMaintenance(
      checks.map((c) => c.key),
      now,
    );
    const out: CheckStatusView[] = [];
    for (const check of checks) {
      const found = stored.get(check.key);
      const byLocation = new Map((found?.locations ?? []).map((l) => [l.location, l]));
      const names =
        check.locations === 'all'
          ? [...new Set([...(await this.locationsOf(check)), ...byLocation.keys()])].sort()
          : check.locations;
      out.push({
        key: check.key,
        namespace: check.namespace,
        name: check.name,
        ...(check.title ? { title: check.title } : {}),
        service: check.service,
        owner: check.owner,
        type: check.request.type,
        interval: intervalText(check.intervalMs),
        status: found?.state?.status ?? 'pending',
        inMaintenance: maintenanceAt(check.maintenance, now) !== undefined || apiMaintenance.has(check.key),
        locations: names.map((location) => {
          const l = byLocation.get(location);
          return {
            location,
            status: l?.status ?? 'pending',
            lastRunAt: l?.lastRunAt ?? null,
            lastFailureAt: l?.lastFailureAt ?? null,
            lastFailureReason: l?.lastFailureReason ?? null,
          };
        }),
      });
    }
    return out;
  }

  /** Checks filtered by service, owner and status, one page, in key order. */
  async list(
    filter: { service?: string; owner?: string; status?: CheckStatus },
    limit: number,
    offset: number,
  ): Promise<CheckPage> {
    const key = JSON.stringify([filter.service, filter.owner, filter.status, limit, offset]);
    const listed = await this.listed.get(key, async () => {
      const moment = this.shown.moment();
      return { atMs: performance.now(), moment, page: await this.listNow(filter, limit, offset) };
    });
    return listed.page;
  }

  /** `list` as the store has it now. */
  private async listNow(
    filter: { service?: string; owner?: string; status?: CheckStatus },
    limit: number,
    offset: number,
  ): Promise<CheckPage> {
    const { checks } = await this.loadDefinitions();
    const matching = checks.filter(
      (c) => (!filter.service || c.service === filter.service) && (!filter.owner || c.owner === filter.owner),
    );
    if (!filter.status) {
      // The page's views only: a check's status is read from the store, so a page of 50 of
      // 10,000 checks reads 50 states, not 10,000 (the list stays in definition order).
      return { items: await this.views(matching.slice(offset, offset + limit)), total: matching.length };
    }
    const views = (await this.views(matching)).filter((v) => v.status === filter.status);
    return { items: views.slice(offset, offset + limit), total: views.length };
  }

  async forService(serviceKey: string): Promise<CheckStatusView[]> {
    // Not through the list's cache: a service's whole list can be ten thousand views, and its
    // card is cached with the page.
    return (await this.listNow({ service: serviceKey }, Number.MAX_SAFE_INTEGER, 0)).items;
  }

  async status(key: string): Promise<CheckStatusView | undefined> {
    const check = await this.definition(key);
    return check && (await this.views([check]))[0];
  }

  /** A check's status, or a 404 naming it. */
  async found(key: string): Promise<CheckStatusView> {
    const view = await this.status(key);
    if (!view) throw notFound(key);
    return view;
  }

  /** A check's maintenance windows not yet ended, the catalog's and the API's, the earliest start first. */
  async maintenance(key: string): Promise<MaintenanceView[]> {
    const check = await this.definition(key);
    if (!check) throw notFound(key);
    const now = this.now().getTime();
    const stored = await this.store.maintenance(this.store.db, key, now);
    return [
      ...check.maintenance.filter((w) => w.end > now).map((w) => windowView(w, now)),
      ...stored.map((w) => windowView(w, now, w)),
    ].sort((a, b) => a.start.localeCompare(b.start));
  }

  /**
   * Adds a maintenance window to a check: like the catalog's, it holds alerts and keeps
   * data. Checked by maintenanceWindowOf; at most MAX_OPEN_WINDOWS not yet ended per check.
   * With an Idempotency-Key, a retry answers the first response without adding again.
   */
  async addMaintenance(
    key: string,
    input: { start: string; end: string; reason?: string | undefined },
    principal: Principal,
    idempotencyKey: string | undefined,
  ): Promise<{ window: MaintenanceView; replayed: boolean }> {
    const idempotency = idempotencyOf(principal.name, MAINTENANCE_ROUTE, idempotencyKey, [key, 'add', input]);
    const prior = idempotency && (await priorAnswer(this.store.db, idempotency));
    if (prior) return { window: this.replayed(prior, idempotencyKey), replayed: true };
    const check = await this.definition(key);
    if (!check) throw notFound(key);
    const now = this.now().getTime();
    const window = maintenanceWindowOf(input, now);
    try {
      const view = await this.store.db.transaction().execute(async (trx) => {
        if ((await this.store.maintenance(trx, key, now)).length >= MAX_OPEN_WINDOWS)
          throw new AtriumError({
            category: 'user-fixable',
            code: 'too-many-maintenance-windows',
            status: 409,
            message: `The check ${key} has ${MAX_OPEN_WINDOWS} maintenance windows not yet ended`,
            hint: 'Remove windows no longer needed, or merge neighbouring ones.',
          });
        const stored = { check: key, ...window, createdBy: principal.name };
        const id = await this.store.addMaintenance(trx, { ...stored, createdAt: iso(now) });
        const added = windowView(window, now, { ...stored, id });
        if (idempotency) await recordAnswer(trx, idempotency, { status: 201, body: JSON.stringify(added) }, iso(now));
        return added;
      });
      this.maintenanceMoved(check);
      return { window: view, replayed: false };
    } catch (err) {
      // The same key sent twice at once: the other request added it; answer as it did.
      const again = idempotency && isKeyTaken(err) ? await priorAnswer(this.store.db, idempotency) : undefined;
      if (again) return { window: this.replayed(again, idempotencyKey), replayed: true };
      throw err;
    }
  }

  /** Removes a maintenance window added through the API (a 404 for another check's, or the catalog's). */
  async removeMaintenance(
    key: string,
    id: string,
    principal: Principal,
    idempotencyKey: string | undefined,
  ): Promise<{ replayed: boolean }> {
    const idempotency = idempotencyOf(principal.name, MAINTENANCE_ROUTE, idempotencyKey, [key, 'remove', id]);
    const prior = idempotency && (await priorAnswer(this.store.db, idempotency));
    if (prior) {
      if (prior.kind === 'conflict') throw keyReused(idempotencyKey ?? '');
      return { replayed: true };
    }
    const check = await this.definition(key);
    if (!check) throw notFound(key);
    if (!/^[1-9]\d{0,15}$/.test(id)) throw windowNotFound(key, id);
    const now = this.now().getTime();
    try {
      await this.store.db.transaction().execute(async (trx) => {
        if (!(await this.store.removeMaintenance(trx, key, Number(id)))) throw windowNotFound(key, id);
        if (idempotency) await recordAnswer(trx, idempotency, { status: 204, body: '' }, iso(now));
      });
    } catch (err) {
      const again = idempotency && isKeyTaken(err) ? await priorAnswer(this.store.db, idempotency) : undefined;
      if (again?.kind === 'replayed') return { replayed: true };
      throw err;
    }
    this.maintenanceMoved(check);
    return { replayed: false };
  }

  /** A maintenance window of check `key` was added or removed here: its cards and its service's show it. */
  private maintenanceMoved(check: CheckDefinition): void {
    this.shown.moved(check.key, check.service);
    for (const listener of this.movedListeners) listener();
  }

  private replayed(prior: PriorAnswer, idempotencyKey: string | undefined): MaintenanceView {
    if (prior.kind === 'conflict') throw keyReused(idempotencyKey ?? '');
    return JSON.parse(prior.answer.body) as MaintenanceView;
  }

  /** A check's runs, newest first, a page at a time (the cursor is the last run's time and id). */
  async results(key: string, limit: number, before?: { atMs: number; runId: string }): Promise<CheckResult[]> {
    if (!(await this.definition(key))) throw notFound(key);
    return this.store.results(key, limit, before);
  }

  /** A failing browser run's screenshot; 404 when the check, the run or its screenshot is not kept. */
  async screenshot(key: string, runId: string): Promise<{ mediaType: string; data: Buffer }> {
    if (!(await this.definition(key))) throw notFound(key);
    const found = await this.store.screenshot(key, runId);
    if (!found)
      throw new AtriumError({
        category: 'user-fixable',
        code: 'not-found',
        status: 404,
        message: `Run ${runId} of ${key} has no screenshot`,
        hint: `Screenshots are taken of failing browser runs; each check keeps its newest ${SCREENSHOTS_KEPT} for 14 days.`,
      });
    return found;
  }

  /** The recent rounds' verdicts per location (the page's grid), the newest `ROUNDS_SHOWN` rounds. */
  async recentRounds(
    key: string,
  ): Promise<{ rounds: number[]; cells: { location: string; roundMs: number; status: RunStatus }[] }> {
    const check = await this.definition(key);
    if (!check) return { rounds: [], cells: [] };
    const now = this.now().getTime();
    const cells = await this.store.rounds(key, roundStart(now, check.intervalMs) - ROUNDS_SHOWN * check.intervalMs);
    const rounds = [...new Set(cells.map((c) => c.roundMs))].sort((a, b) => a - b).slice(-ROUNDS_SHOWN);
    const kept = new Set(rounds);
    return { rounds, cells: cells.filter((c) => kept.has(c.roundMs)) };
  }

  /** Response times per location and hour over the last `hours` hours (the page's chart), oldest first. */
  async responseSeries(key: string, hours: number): Promise<ResponsePoint[]> {
    const now = this.now().getTime();
    const rows: HourRow[] = await this.store.hours(key, now - hours * HOUR_MS, now + 1);
    return rows.map((r) => ({
      at: new Date(r.hourMs).toISOString(),
      location: r.location,
      meanMs: r.runs > 0 ? Math.round((r.responseSum / r.runs) * 10) / 10 : 0,
      maxMs: r.responseMax,
      runs: r.runs,
      failing: r.failing,
    }));
  }

  /** Status changes of a check, newest first. */
  transitions(key: string, limit: number) {
    return this.store.transitions(key, limit);
  }

  /**
   * The SLO data source of indicator type `checks`: good = passing and degraded runs, total =
   * every run, of the named checks (names in the SLO's namespace, or `namespace/name`), over
   * each window.
   */
  sloSource(): SloDataSource {
    return {
      measure: async (slo: SloDefinition, windows: readonly MeasureWindow[], at: Date): Promise<Measurement> => {
        if (slo.indicator.type !== 'checks') return { state: 'no-data' };
        const keys = slo.indicator.checks.map((name) =>
          refKey(parseEntityRef(name, { defaultKind: 'Check', defaultNamespace: slo.namespace })),
        );
        const now = at.getTime();
        const out: Partial<Record<MeasureWindow, EventCounts>> = {};
        let any = false;
        for (const window of windows) {
          const start = window === 'slo' ? windowRange(slo.window, now).start : now - burnWindowMs(window);
          const counts = await this.store.counts(keys, start, now + 1, now);
          if (counts.total > 0) {
            out[window] = counts;
            any = true;
          }
        }
        return any
          ? { state: 'ok', windows: out }
          : { state: 'no-data', detail: `No runs of ${keys.join(', ')} have been recorded yet.` };
      },
    };
  }
}
