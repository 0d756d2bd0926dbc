import type { Transaction } from 'kysely';
import type { CachedCatalog } from '../catalog/cached-catalog.ts';
import { ServiceDefinitions, serviceEntities } from '../catalog/service-entities.ts';
import type { ChangeInput } from '../changes/model.ts';
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
import { Admission } from '../platform/admission.ts';
import { AtriumError } from '../platform/errors.ts';
import { SHOWN_REFRESH_MS, ShownVersions } from '../platform/shown-versions.ts';
import type { Principal } from '../platform/http/app.ts';
import type { FinishedRun, Json, WorkOrder, WorkOutcomeHandler, WorkQueue } from '../runners/model.ts';
import { catchUpPlan } from './catch-up.ts';
import { actionSecrets, jobDefinition } from './job-definition.ts';
import {
  JOB_WORK_KIND,
  type JobDefinition,
  type JobRun,
  type JobRunItem,
  parseTickDedupKey,
  type RunStatus,
  tickDedupKey,
} from './model.ts';
import {
  compileSchedule,
  MIN_TICK_INTERVAL_MS,
  nextTick,
  nextTicks,
  previousTick,
  type Schedule,
  ticksBetween,
} from './schedule.ts';
import type { JobState, JobStore, NewRun } from './store.ts';

/** The principal failed and missed runs are recorded on timelines as: one of Atrium's own (SYSTEM_RECORDERS). */
export const JOBS_RECORDER = { name: 'scheduled-jobs', scopes: ['changes:write'] } as const;
/** The route job changes are recorded under, with their idempotency keys. */
export const JOBS_ROUTE = '/api/v1/jobs';

/** A tick claimed this long after its time is still on time (the claim loop runs every second; a replica may pause). */
export const DEFAULT_LATE_AFTER_MS = 60_000;
/** Ticks one claim takes at most: a long downtime is claimed (and recorded missed) over several loops. */
export const MAX_TICKS_PER_CLAIM = 1000;
/**
 * Missed ticks of one claim recorded one by one, the newest; older ones are one record. A
 * row per tick made a restart after three hours down write 178 missed runs per per-minute
 * job in its first pass (200 jobs: 35,600 rows, seconds of claim transactions) and push
 * each job's history out of retention.
 */
export const MISSED_LISTED = 10;
/** A heartbeat ping may come this early before its tick (clocks drift) and still belong to it. */
export const EARLY_PING_MS = 60_000;
/** Owed alerts paid per sweep. */
const ALERTS_PER_SWEEP = 50;
/** Jobs claimed per transaction in a pass: a commit per job made a pass over 1,000 jobs take seconds. */
const CLAIM_BATCH = 500;
/** Runs kept per job. */
export const RUNS_KEPT = 500;

export type JobAction = 'run-now' | 'suspend' | 'resume' | 'cancel';
export type PingEvent = 'start' | 'success' | 'fail';

export interface JobServiceOptions {
  /** The clock (ms since the epoch); injected in tests. */
  now?: () => number;
  /** The change timeline runs and actions are recorded on. */
  changes?: Pick<ChangeService, 'recordChanges'>;
  /** Where failed and missed runs alert the owner's receivers. */
  notifications?: Pick<NotificationService, 'notify'>;
  /** The portal's absolute URL of an entity page, for links in messages and timelines. */
  pageUrl?: (ref: string) => string | undefined;
}

/** A job as the list API and pages show it. */
export interface JobSummary {
  key: string;
  namespace: string;
  name: string;
  title?: string;
  service: string;
  owner: string;
  schedule: string;
  timeZone: string;
  action: JobDefinition['action']['type'];
  concurrencyPolicy: JobDefinition['concurrencyPolicy'];
  suspended: boolean;
  nextRunAt?: number;
  lastRun?: JobRun;
}

export interface ActionResult {
  job: string;
  action: JobAction;
  /** The run-now's tick; how many runs a cancel ended. */
  tick?: number;
  cancelled?: number;
  replayed: boolean;
}

export interface PingResult {
  status: number;
  body: string;
  replayed: boolean;
}

/** Ticks of a long downtime recorded as one missed run: from the first until where the claim resumes. */
interface Backlog {
  from: number;
  until: number;
}

/** A claim's runs and work orders, whether it replaces the unfinished run, and how many ticks it skips. */
interface Planned {
  runs: NewRun[];
  orders: WorkOrder[];
  replace: boolean;
  skipped: number;
}

const NOTHING_PLANNED: Planned = { runs: [], orders: [], replace: false, skipped: 0 };
const NO_TOTALS = { claimed: 0, ordered: 0, missed: 0, skipped: 0 };

interface Definitions {
  jobs: JobDefinition[];
  byKey: Map<string, JobDefinition>;
  services: Set<string>;
}

const OUTCOME_STATUS: Record<FinishedRun['outcome']['status'], RunStatus> = {
  success: 'success',
  failure: 'failed',
  error: 'failed',
  missed: 'missed',
  cancelled: 'cancelled',
};

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function notFound(key: string): AtriumError {
  return new AtriumError({
    category: 'user-fixable',
    code: 'job-not-found',
    status: 404,
    message: `No job ${key} in the catalog`,
    hint: 'Jobs are catalog entities of kind Job (apiVersion atrium.dev/v1); check the namespace and name.',
  });
}

function conflict(code: string, message: string, hint: string): AtriumError {
  return new AtriumError({ category: 'user-fixable', code, status: 409, message, hint });
}

/** The output excerpt an executor's detail carries (`output`), if any. */
function outputOf(detail: Json): string | undefined {
  if (detail && typeof detail === 'object' && !Array.isArray(detail)) {
    const output = (detail as { readonly [key: string]: Json }).output;
    if (typeof output === 'string') return output;
  }
  return undefined;
}

/**
 * Scheduled jobs: their definitions from the catalog; the claim loop that orders each tick
 * once across replicas (the database decides, never a timer alone), with catch-up and the
 * concurrency policies; the outcomes runners report, retries with backoff; heartbeat pings
 * and the missed runs they did not send; run now, suspend, resume and cancel; failed and
 * missed runs on the service's timeline and at the owner's receivers.
 */
export class JobService {
  /** Pings and actions wait here past a burst, or are refused with 429 (the route kit's admission). */
  readonly writes = new Admission({ active: 8, queued: 256, maxWaitMs: 1000, maxQueuedMs: 5000 });
  private readonly now: () => number;
  private readonly definitions = new ServiceDefinitions(() => this.readDefinitions());
  private readonly schedules = new Map<string, Schedule>();
  /** What each job's page and each service's Jobs card show, as versions (see shownVersion). */
  private readonly shown: ShownVersions;

  /** Hears of a job run's end on the server, in the transaction that records it. */
  readonly outcomeHandler: WorkOutcomeHandler<Transaction<Schema>>;

  constructor(
    readonly store: JobStore,
    private readonly catalog: Pick<CachedCatalog, 'store' | 'onInvalidate'>,
    private readonly queue: WorkQueue<Transaction<Schema>>,
    private readonly options: JobServiceOptions = {},
  ) {
    this.now = options.now ?? (() => Date.now());
    this.shown = new ShownVersions(this.now, SHOWN_REFRESH_MS);
    catalog.onInvalidate(() => {
      this.definitions.clear();
    });
    this.outcomeHandler = {
      kind: JOB_WORK_KIND,
      recorded: async (run, trx) => {
        await this.recorded(run, trx);
        await this.moved(parseTickDedupKey(run.dedupKey)?.jobKey);
      },
    };
  }

  private readonly movedListeners: (() => void)[] = [];

  /**
   * Calls `listener` after a run ended or was pinged here (pages drop what they cached): a
   * success is no timeline change, so without it a job card would show it only on the hour.
   */
  onMoved(listener: () => void): void {
    this.movedListeners.push(listener);
  }

  /** A run of `jobKey` ended or was pinged here: its page and its service's Jobs card move. */
  private async moved(jobKey: string | undefined): Promise<void> {
    const job = jobKey === undefined ? undefined : await this.definition(jobKey);
    if (job) this.shown.moved(job.key, job.service);
    for (const listener of this.movedListeners) listener();
  }

  /**
   * The version of what the job cards of `key` show — a job's page, a service's Jobs card —
   * for the portal's page cache: it moves when a run of the job (of one of the service's
   * jobs) ends or is pinged here, and once a refresh (SHOWN_REFRESH_MS) for runs another
   * replica recorded; a run of any other job leaves it. Actions and failed or missed runs
   * are changes too (the cards vary with those).
   */
  shownVersion(key: string): string {
    return this.shown.version(key);
  }

  /** Moves whenever a shownVersion moved here. */
  shownMoment(): string {
    return this.shown.moment();
  }

  /**
   * Whether `service` (an entity key) has jobs, as last read: false lets its page skip
   * rendering afresh whenever jobs move; undefined when not read since the catalog changed.
   */
  hasJobs(service: string): boolean | undefined {
    return this.definitions.has(service);
  }

  private loadDefinitions(): Promise<Definitions> {
    return this.definitions.get();
  }

  private async readDefinitions(): Promise<Definitions> {
    const { items, services, owners } = await serviceEntities(this.catalog.store, 'job');
    const jobs = items.map(({ descriptor, serviceKey }) => jobDefinition(descriptor.entity, owners.get(serviceKey)));
    this.shown.setKeys([...jobs.map((j) => j.key), ...services.keys()]);
    return { jobs, byKey: new Map(jobs.map((j) => [j.key, j])), services: new Set(services.keys()) };
  }

  private scheduleOf(job: JobDefinition): Schedule {
    // Shared by the jobs on one schedule (a schedule is pure: croner computes, schedules nothing).
    const id = `${job.timeZone} ${job.schedule}`;
    let schedule = this.schedules.get(id);
    if (!schedule) {
      schedule = compileSchedule(job.schedule, job.timeZone);
      this.schedules.set(id, schedule);
    }
    return schedule;
  }

  async definition(key: string): Promise<JobDefinition | undefined> {
    return (await this.loadDefinitions()).byKey.get(key);
  }

  private async found(key: string): Promise<JobDefinition> {
    const job = await this.definition(key);
    if (!job) throw notFound(key);
    return job;
  }

  /** Every job (or one service's), with its next run and its last run. */
  async list(filter: { service?: string; owner?: string } = {}): Promise<JobSummary[]> {
    const { jobs } = await this.loadDefinitions();
    const matching = jobs.filter(
      (j) => (!filter.service || j.service === filter.service) && (!filter.owner || j.owner === filter.owner),
    );
    const states = await this.store.states(matching.map((j) => j.key));
    const recent = await this.store.recentRuns(
      matching.map((j) => j.key),
      1,
    );
    const now = this.now();
    return matching
      .map((job): JobSummary => {
        const suspended = states.get(job.key)?.suspended ?? job.suspend;
        const next = suspended ? undefined : nextTick(this.scheduleOf(job), now);
        const last = recent.get(job.key)?.[0];
        return {
          key: job.key,
          namespace: job.namespace,
          name: job.name,
          ...(job.title ? { title: job.title } : {}),
          service: job.service,
          owner: job.owner,
          schedule: job.schedule,
          timeZone: job.timeZone,
          action: job.action.type,
          concurrencyPolicy: job.concurrencyPolicy,
          suspended,
          ...(next === undefined ? {} : { nextRunAt: next }),
          ...(last ? { lastRun: last } : {}),
        };
      })
      .sort((a, b) => a.key.localeCompare(b.key));
  }

  /** The next `count` runs of a job (none while suspended). */
  async nextRuns(key: string, count: number): Promise<number[]> {
    const job = await this.found(key);
    const state = (await this.store.states([key])).get(key);
    if (state?.suspended ?? job.suspend) return [];
    return nextTicks(this.scheduleOf(job), this.now(), count);
  }

  /** Whether a job is suspended (through the API, or else its catalog entry). */
  async suspended(key: string): Promise<boolean> {
    const job = await this.found(key);
    return (await this.store.states([key])).get(key)?.suspended ?? job.suspend;
  }

  /** A job's runs, newest first; a queued run a runner holds reads `running`. */
  async runs(key: string, limit: number, beforeTick?: number): Promise<JobRun[]> {
    const job = await this.found(key);
    const runs = await this.store.runs(key, limit, beforeTick);
    if (job.action.type === 'heartbeat' || !runs.some((r) => r.status === 'queued')) return runs;
    const leased = new Set(
      (await this.queue.unfinished(key))
        .filter((u) => u.state === 'leased')
        .map((u) => parseTickDedupKey(u.dedupKey)?.tick),
    );
    return runs.map((r) => (r.status === 'queued' && leased.has(r.tick) ? { ...r, status: 'running' } : r));
  }

  /**
   * One pass of the claim loop: for every job, the ticks due since its claim row's last
   * tick are claimed by a conditional update, so across replicas each tick is claimed once;
   * the claim writes the ticks' runs and queues their work orders in one transaction. The
   * statements are set-based (store.claimAll): per batch one update of the claim rows, one
   * insert of runs and one of work orders, whatever the number of jobs due together.
   */
  async tick(): Promise<{ claimed: number; ordered: number; missed: number; skipped: number }> {
    const { jobs } = await this.loadDefinitions();
    const now = this.now();
    const states = await this.store.states(jobs.map((j) => j.key));
    const totals = { ...NO_TOTALS };
    // A job seen for the first time starts now: its earlier ticks were never due here.
    await this.store.initStates(
      jobs.filter((j) => !states.has(j.key)).map((j) => j.key),
      now,
      now,
    );
    // Jobs on one schedule whose claims stand at one tick are due at the same ticks: worked out once a pass.
    const between = new Map<string, { ticks: number[]; more: boolean }>();
    const dueAfter = (schedule: Schedule, after: number) => {
      const id = `${schedule.timeZone} ${schedule.expression} ${after}`;
      let found = between.get(id);
      if (!found) {
        found = ticksBetween(schedule, after, now, MAX_TICKS_PER_CLAIM);
        between.set(id, found);
      }
      return found;
    };
    const due: { job: JobDefinition; state: JobState; ticks: number[]; newLast: number; backlog?: Backlog }[] = [];
    for (const job of jobs) {
      const state = states.get(job.key);
      if (!state) continue;
      const schedule = this.scheduleOf(job);
      const found = dueAfter(schedule, state.lastTick);
      let ticks = found.ticks;
      let backlog: Backlog | undefined;
      let newLast = ticks.at(-1);
      if (found.more) {
        // A backlog too long to list (a long downtime of a frequent job): one record says it was
        // missed, and the claim goes on from a window that holds at most MAX_TICKS_PER_CLAIM ticks.
        const resumeFrom = now - MAX_TICKS_PER_CLAIM * MIN_TICK_INTERVAL_MS;
        backlog = { from: found.ticks[0] as number, until: resumeFrom };
        ticks = dueAfter(schedule, resumeFrom).ticks;
        newLast = ticks.at(-1) ?? resumeFrom;
      }
      if (newLast !== undefined) due.push({ job, state, ticks, newLast, ...(backlog ? { backlog } : {}) });
    }
    // Forbid asks whether a run is unfinished: one query for every such job due in the pass.
    const busy = await this.queue.busy(
      due
        .filter(({ job, state }) => job.concurrencyPolicy === 'Forbid' && !(state.suspended ?? job.suspend))
        .map(({ job }) => job.key),
    );
    // Claims commit in batches of CLAIM_BATCH jobs, each batch a few set-based statements.
    // Only the claims a replica won are planned and written: a replica that lost the race does no more.
    for (let i = 0; i < due.length; i += CLAIM_BATCH) {
      const batch = due.slice(i, i + CLAIM_BATCH);
      const counted = { ...NO_TOTALS };
      await this.store.claimAll(
        batch.map(({ job, state, newLast }) => ({ key: job.key, expectedLast: state.lastTick, newLast })),
        now,
        async (trx, won) => {
          const planned = batch
            .filter(({ job }) => won.has(job.key))
            .map(({ job, state, ticks, backlog }) => {
              // A suspended job's ticks pass unrecorded: resuming it does not flood it with catch-up.
              const plan =
                (state.suspended ?? job.suspend) ? NOTHING_PLANNED : this.plan(job, ticks, backlog, now, busy);
              counted.claimed += ticks.length;
              counted.ordered += plan.orders.length;
              counted.missed += plan.runs.filter((r) => r.status === 'missed').length;
              counted.skipped += plan.skipped;
              return { key: job.key, plan };
            });
          await this.store.insertRuns(
            trx,
            planned.flatMap((p) => p.plan.runs),
            now,
          );
          for (const { key, plan } of planned)
            if (plan.replace)
              await this.queue.cancel(key, 'Replaced by the next tick (concurrencyPolicy: Replace)', trx);
          const orders = planned.flatMap((p) => p.plan.orders);
          if (orders.length > 0) await this.queue.enqueue(orders, trx);
        },
      );
      totals.claimed += counted.claimed;
      totals.ordered += counted.ordered;
      totals.missed += counted.missed;
      totals.skipped += counted.skipped;
    }
    return totals;
  }

  /**
   * The runs and orders of a claim: catch-up decides which ticks run, the concurrency policy
   * whether they start (`busy`: the jobs with a run unfinished).
   */
  private plan(
    job: JobDefinition,
    ticks: readonly number[],
    backlog: Backlog | undefined,
    now: number,
    busy: ReadonlySet<string>,
  ): Planned {
    const plan = catchUpPlan(ticks, job.catchUp, now, job.startingDeadlineMs ?? DEFAULT_LATE_AFTER_MS, MISSED_LISTED);
    // One record for the ticks missed before those listed: the backlog beyond the claim's window, and the unlisted.
    const spanFrom = backlog?.from ?? plan.unlisted?.first;
    const spanUntil = plan.unlisted ? (plan.missed[0] as number) : backlog?.until;
    const missed = [
      ...(spanFrom !== undefined && spanUntil !== undefined
        ? [{ tick: spanFrom, summary: `Not run, nor any tick until ${iso(spanUntil)}: Atrium was not running` }]
        : []),
      ...plan.missed.map((tick) => ({
        tick,
        summary: 'Not run: Atrium was not running at its time, and catchUp leaves it out',
      })),
    ];
    const runs: NewRun[] = missed.map((m, i) => ({
      jobKey: job.key,
      tick: m.tick,
      status: 'missed',
      trigger: 'schedule',
      finishedAt: now,
      summary: m.summary,
      // One alert for a backlog: the last missed tick of the claim speaks for the others.
      quiet: i < missed.length - 1,
    }));
    const toRun = [
      ...plan.caughtUp.map((tick) => ({ tick, trigger: 'catch-up' as const, dueAt: now })),
      ...plan.onTime.map((tick) => ({ tick, trigger: 'schedule' as const, dueAt: tick })),
    ];
    if (job.action.type === 'heartbeat') {
      // The job runs elsewhere: its runs wait for pings.
      for (const r of toRun) runs.push({ jobKey: job.key, tick: r.tick, status: 'queued', trigger: r.trigger });
      return { runs, orders: [], replace: false, skipped: 0 };
    }
    let starting = toRun;
    let skipped = 0;
    const skip = (summary: string) => (r: (typeof toRun)[number]) => {
      skipped++;
      runs.push({ jobKey: job.key, tick: r.tick, status: 'skipped', trigger: r.trigger, finishedAt: now, summary });
    };
    if (job.concurrencyPolicy === 'Forbid' && toRun.length > 0) {
      const isBusy = busy.has(job.key);
      // One run at a time: with a run unfinished none starts; of several due together, the last.
      const keep = isBusy ? [] : toRun.slice(-1);
      toRun
        .slice(0, toRun.length - keep.length)
        .forEach(
          skip(
            isBusy
              ? 'Skipped: the previous run had not finished (concurrencyPolicy: Forbid)'
              : 'Skipped: a later tick was due at the same time (concurrencyPolicy: Forbid)',
          ),
        );
      starting = keep;
    } else if (job.concurrencyPolicy === 'Replace' && toRun.length > 1) {
      toRun.slice(0, -1).forEach(skip('Skipped: a later tick was due at the same time (concurrencyPolicy: Replace)'));
      starting = toRun.slice(-1);
    }
    for (const r of starting) runs.push({ jobKey: job.key, tick: r.tick, status: 'queued', trigger: r.trigger });
    return {
      runs,
      orders: starting.map((r) => this.orderOf(job, r.tick, 0, r.dueAt)),
      replace: job.concurrencyPolicy === 'Replace' && starting.length > 0,
      skipped,
    };
  }

  /** The work order of a tick's attempt: one per tick and retry, ever (the dedup key). */
  private orderOf(job: JobDefinition, tick: number, retry: number, dueAt: number): WorkOrder {
    return {
      kind: JOB_WORK_KIND,
      subject: job.key,
      dedupKey: tickDedupKey(job.key, tick, retry),
      ...(job.location === undefined ? {} : { location: job.location }),
      tags: job.tags,
      dueAt,
      ...(job.startingDeadlineMs === undefined ? {} : { deadlineAt: dueAt + job.startingDeadlineMs }),
      timeoutMs: job.timeoutMs,
      secrets: actionSecrets(job.action),
      payload: { job: job.key, tick, timeoutMs: job.timeoutMs, action: job.action as unknown as Json },
    };
  }

  /**
   * A run's end as the runner service records it (once per run id, in its transaction):
   * the run's record, or a retry after backoff when attempts are left.
   */
  private async recorded(run: FinishedRun, trx: Transaction<Schema>): Promise<void> {
    const parsed = parseTickDedupKey(run.dedupKey);
    if (!parsed) return;
    const now = this.now();
    const status = OUTCOME_STATUS[run.outcome.status];
    const job = await this.definition(parsed.jobKey);
    const attempt = parsed.retry + 1;
    const output = outputOf(run.outcome.detail);
    if (status === 'failed' && job && parsed.retry < job.retries.count) {
      // Exponential backoff from the job's base: 1×, 2×, 4×, …
      const delay = job.retries.backoffMs * 2 ** parsed.retry;
      await this.store.updateRun(
        parsed.jobKey,
        parsed.tick,
        {
          attempt: attempt + 1,
          runner: run.runner ?? '',
          summary: `Attempt ${attempt} failed (${run.outcome.summary}); retrying at ${iso(run.finishedAt + delay)}`,
          ...(output === undefined ? {} : { output }),
        },
        ['queued', 'running'],
        now,
        trx,
      );
      await this.queue.enqueue([this.orderOf(job, parsed.tick, parsed.retry + 1, run.finishedAt + delay)], trx);
      return;
    }
    await this.store.updateRun(
      parsed.jobKey,
      parsed.tick,
      {
        status,
        attempt,
        ...(run.runner === undefined ? {} : { runner: run.runner }),
        ...(status === 'missed' || status === 'cancelled' ? {} : { startedAt: run.startedAt }),
        finishedAt: run.finishedAt,
        summary: run.outcome.summary,
        ...(output === undefined ? {} : { output }),
      },
      ['queued', 'running'],
      now,
      trx,
    );
  }

  /**
   * A heartbeat ping. `start` begins the run of the job's latest tick (a ping up to a
   * minute early belongs to the coming one); `success` and `fail` end the running run, or
   * that tick's. A ping with no tick near is recorded as a run of its own (manual).
   */
  async ping(
    key: string,
    event: PingEvent,
    log: string | undefined,
    principal: Principal,
    idempotencyKey: string | undefined,
  ): Promise<PingResult> {
    const job = await this.found(key);
    if (job.action.type !== 'heartbeat')
      throw conflict(
        'not-a-heartbeat-job',
        `The job ${key} runs on runners (${job.action.type}); it takes no pings`,
        'Only jobs with action: { heartbeat: { grace } } are pinged.',
      );
    const now = this.now();
    const running =
      event === 'start' ? undefined : (await this.store.runs(key, 20)).find((r) => r.status === 'running');
    const scheduled = previousTick(this.scheduleOf(job), now + EARLY_PING_MS);
    const recent = scheduled !== undefined && now - scheduled <= job.action.graceMs + job.timeoutMs;
    const tick = running?.tick ?? (recent ? scheduled : now);
    const trigger = running?.trigger ?? (recent ? 'schedule' : 'manual');
    const idempotency = idempotencyOf(principal.name, `${JOBS_ROUTE}/runs`, idempotencyKey, [key, event, log ?? null]);
    const outcome = await this.store.ping(
      key,
      tick,
      trigger,
      event,
      log,
      now,
      (run) => ({ status: 202, body: JSON.stringify({ job: key, event, run: run ? runItemOf(run) : null }) }),
      idempotency,
    );
    if (outcome.kind === 'conflict') throw keyReused(idempotencyKey ?? '');
    if (outcome.kind !== 'replayed') await this.moved(key);
    return outcome.kind === 'replayed'
      ? { ...outcome.answer, replayed: true }
      : { ...outcome.response, replayed: false };
  }

  /**
   * Heartbeat jobs' runs whose ping did not come: no start within the grace after the tick
   * is a missed run; a start without an end within the timeout is a failed one. Each
   * replica may run it: the conditional updates mark each run once.
   */
  async checkHeartbeats(): Promise<{ missed: number; stalled: number }> {
    const { jobs } = await this.loadDefinitions();
    const now = this.now();
    let missed = 0;
    let stalled = 0;
    for (const job of jobs) {
      if (job.action.type !== 'heartbeat') continue;
      const grace = job.action.graceMs;
      missed += (
        await this.store.markMissed(
          job.key,
          now - grace,
          `No ping within ${Math.round(grace / 1000)} s of its time`,
          now,
        )
      ).length;
      stalled += (
        await this.store.markStalled(
          job.key,
          now - job.timeoutMs,
          `Started, but no end ping within its timeout (${Math.round(job.timeoutMs / 1000)} s)`,
          now,
        )
      ).length;
    }
    return { missed, stalled };
  }

  /** Retention: each job keeps its newest RUNS_KEPT runs (runs still owed an alert stay). Answers how many went. */
  async prune(): Promise<number> {
    const { jobs } = await this.loadDefinitions();
    let removed = 0;
    for (const job of jobs) removed += await this.store.prune(job.key, RUNS_KEPT);
    return removed;
  }

  /**
   * Failed and missed runs go on their service's timeline and to the owner's receivers, each
   * once: the run's "alerted" mark is set in the timeline write's transaction, and the
   * change's idempotency key makes a second replica's attempt a replay.
   */
  async sendAlerts(): Promise<number> {
    const owed = await this.store.owedAlerts(ALERTS_PER_SWEEP);
    const { byKey, services } = await this.loadDefinitions();
    let sent = 0;
    for (const run of owed) {
      const job = byKey.get(run.jobKey);
      const pay = async (trx: Transaction<Schema>) => {
        if (!(await this.store.markAlerted(run.id, trx)) || !job) return;
        if (job.owner && this.options.notifications)
          await this.options.notifications.notify(
            {
              to: job.owner,
              subject: job.key,
              message: this.alertMessage(job, run),
              dedupKey: `job:${job.key.slice('job:'.length)}`,
              createdBy: JOBS_RECORDER.name,
            },
            trx,
          );
      };
      if (job && this.options.changes && services.has(job.service))
        await this.options.changes.recordChanges(
          JOBS_ROUTE,
          [this.runChange(job, run)],
          JOBS_RECORDER,
          `job-run:${job.key}@${run.tick}:${run.status}`,
          pay,
        );
      else await this.store.db.transaction().execute(pay);
      sent++;
    }
    return sent;
  }

  private runChange(job: JobDefinition, run: JobRun): ChangeInput {
    const url = this.options.pageUrl?.(job.key);
    const what = run.status === 'missed' ? 'missed its run' : 'failed';
    return {
      service: job.service,
      kind: 'other',
      summary: `Job ${job.title || job.name} ${what} of ${iso(run.tick)}${run.summary ? `: ${run.summary}` : ''}`.slice(
        0,
        500,
      ),
      at: iso(run.finishedAt ?? this.now()),
      actor: 'Scheduled jobs',
      ...(url === undefined ? {} : { url }),
    };
  }

  private alertMessage(job: JobDefinition, run: JobRun): NotificationMessage {
    const url = this.options.pageUrl?.(job.key);
    return {
      action: 'trigger',
      summary:
        `Job ${job.title || job.name} ${run.status === 'missed' ? 'missed its run' : 'failed'} of ${iso(run.tick)}${run.summary ? `: ${run.summary}` : ''}`.slice(
          0,
          1024,
        ),
      severity: run.status === 'missed' ? 'warning' : 'error',
      source: job.key,
      component: job.service,
      ...(job.owner ? { owner: job.owner } : {}),
      class: 'scheduled-job',
      details: {
        schedule: `${job.schedule} (${job.timeZone})`,
        tick: iso(run.tick),
        status: run.status,
        attempt: String(run.attempt),
        ...(run.runner ? { runner: run.runner } : {}),
      },
      links: url === undefined ? [] : [{ href: url, text: 'Job page' }],
    };
  }

  /**
   * Run now, suspend, resume or cancel, on the service's timeline with the action's own
   * write in one transaction. With an Idempotency-Key, a retry is answered without acting again.
   */
  async act(
    key: string,
    action: JobAction,
    principal: Principal,
    idempotencyKey: string | undefined,
  ): Promise<ActionResult> {
    const job = await this.found(key);
    const { services } = await this.loadDefinitions();
    const now = this.now();
    const result: ActionResult = { job: key, action, replayed: false };
    let write: (trx: Transaction<Schema>) => Promise<void>;
    let summary: string;
    if (action === 'run-now') {
      if (job.action.type === 'heartbeat')
        throw conflict(
          'heartbeat-runs-elsewhere',
          `The job ${key} runs elsewhere and pings Atrium; Atrium cannot start it`,
          'Run it where it runs; its pings record the run.',
        );
      result.tick = now;
      summary = `Job ${job.title || job.name} run now by ${principal.name}`;
      write = async (trx) => {
        await this.store.addRun({ jobKey: key, tick: now, status: 'queued', trigger: 'manual' }, now, trx);
        if (job.concurrencyPolicy === 'Replace') await this.queue.cancel(key, 'Replaced by a run now', trx);
        await this.queue.enqueue([this.orderOf(job, now, 0, now)], trx);
      };
    } else if (action === 'suspend' || action === 'resume') {
      summary = `Job ${job.title || job.name} ${action === 'suspend' ? 'suspended' : 'resumed'} by ${principal.name}`;
      write = (trx) => this.store.setSuspended(key, action === 'suspend', now, trx);
    } else {
      summary = `Job ${job.title || job.name}'s unfinished runs cancelled by ${principal.name}`;
      write = async (trx) => {
        result.cancelled =
          job.action.type === 'heartbeat'
            ? await this.store.cancelUnfinished(key, `Cancelled by ${principal.name}`, now, trx)
            : await this.queue.cancel(key, `Cancelled by ${principal.name}`, trx);
      };
    }
    const idempotency = idempotencyOf(principal.name, `${JOBS_ROUTE}/${action}`, idempotencyKey, [key, action]);
    const prior = idempotency && (await priorAnswer(this.store.db, idempotency));
    if (prior) return this.replay(prior, idempotencyKey);
    // The action, its idempotency key and its timeline entry commit together.
    const act = async (trx: Transaction<Schema>) => {
      await write(trx);
      if (idempotency) await recordAnswer(trx, idempotency, { status: 200, body: JSON.stringify(result) }, iso(now));
    };
    try {
      if (this.options.changes && services.has(job.service)) {
        const url = this.options.pageUrl?.(key);
        await this.options.changes.recordChanges(
          `${JOBS_ROUTE}/${action}`,
          [
            {
              service: job.service,
              kind: 'other',
              summary,
              at: iso(now),
              actor: principal.name,
              ...(url === undefined ? {} : { url }),
            },
          ],
          principal,
          undefined,
          act,
        );
      } else await this.store.db.transaction().execute(act);
    } catch (err) {
      // The same key sent twice at once: the other request acted; answer as it did.
      const again = idempotency && isKeyTaken(err) ? await priorAnswer(this.store.db, idempotency) : undefined;
      if (again) return this.replay(again, idempotencyKey);
      throw err;
    }
    return result;
  }

  private replay(prior: PriorAnswer, idempotencyKey: string | undefined): ActionResult {
    if (prior.kind === 'conflict') throw keyReused(idempotencyKey ?? '');
    return { ...(JSON.parse(prior.answer.body) as ActionResult), replayed: true };
  }
}

/** A run as the runs API answers it (the issue's fixed names first). */
export function runItemOf(run: JobRun): JobRunItem {
  return {
    tick: iso(run.tick),
    status: run.status,
    startedAt: run.startedAt === undefined ? null : iso(run.startedAt),
    finishedAt: run.finishedAt === undefined ? null : iso(run.finishedAt),
    runner: run.runner ?? null,
    attempt: run.attempt,
    trigger: run.trigger,
    summary: run.summary ?? null,
    output: run.output ?? null,
  };
}
