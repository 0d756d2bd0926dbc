import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import { chunks } from '../platform/db/chunks.ts';
import type { Database } from '../platform/db/connect.ts';
import { type JsonColumnType, jsonRows } from '../platform/db/json-rows.ts';
import {
  type IdempotencyKey,
  isKeyTaken,
  type PriorAnswer,
  priorAnswer,
  recordAnswer,
  type StoredAnswer,
} from '../platform/db/idempotency.ts';
import type { JobRunsTable, Schema } from '../platform/db/schema.ts';
import { FINAL_STATUSES, type JobRun, type RunStatus, tailOf } from './model.ts';

/**
 * What a batch of claims writes for the claims it won (their runs and work orders), in the
 * claims' transaction: it runs once, given the keys won, after the claim rows moved.
 */
export type ClaimWrite = (trx: Transaction<Schema>, won: ReadonlySet<string>) => Promise<void>;

/** Where a write goes: the database, or a caller's transaction (a runner outcome's). */
export type Executor = Kysely<Schema>;

/** One job's claim in a pass: its claim row moves from `expectedLast` (as read) to `newLast`, its last due tick. */
export interface JobClaim {
  key: string;
  expectedLast: number;
  newLast: number;
}

export interface JobState {
  lastTick: number;
  /** Set through the API (suspend/resume); undefined: as the catalog says. */
  suspended: boolean | undefined;
}

/** A run as first written. */
export type NewRun = Pick<JobRun, 'jobKey' | 'tick' | 'status' | 'trigger'> &
  Partial<Pick<JobRun, 'startedAt' | 'finishedAt' | 'summary' | 'runner'>> & {
    /** A missed run that owes no alert (another run of the same claim speaks for it). */
    quiet?: boolean;
  };

/** What a change to a run sets. */
export type RunPatch = Partial<
  Pick<JobRun, 'status' | 'startedAt' | 'finishedAt' | 'runner' | 'attempt' | 'summary' | 'output'>
>;

/** A failed or missed run whose alert is owed. */
export interface OwedAlert extends JobRun {
  id: number;
}

export type PingOutcome = { kind: 'written'; response: StoredAnswer } | PriorAnswer;

/** Keys per `in (...)` list. */
const KEY_CHUNK = 500;
/** A run row's columns as a claim writes them (the id is the database's). */
const RUN_COLUMNS = {
  job_key: 'text',
  tick_ms: 'bigint',
  status: 'text',
  trigger: 'text',
  attempt: 'integer',
  started_ms: 'bigint',
  finished_ms: 'bigint',
  runner: 'text',
  summary: 'text',
  output: 'text',
  alerted: 'integer',
  updated_ms: 'bigint',
} as const satisfies Record<string, JsonColumnType>;
const RUN_COLUMN_NAMES = Object.keys(RUN_COLUMNS) as (keyof typeof RUN_COLUMNS)[];
const ALERTED_STATUSES: readonly RunStatus[] = ['failed', 'missed'];

type RunRow = Selectable<JobRunsTable>;

function runOf(row: RunRow): JobRun {
  return {
    jobKey: row.job_key,
    tick: Number(row.tick_ms),
    status: row.status as RunStatus,
    trigger: row.trigger as JobRun['trigger'],
    attempt: Number(row.attempt),
    ...(row.started_ms === null ? {} : { startedAt: Number(row.started_ms) }),
    ...(row.finished_ms === null ? {} : { finishedAt: Number(row.finished_ms) }),
    ...(row.runner === null ? {} : { runner: row.runner }),
    ...(row.summary === null ? {} : { summary: row.summary }),
    ...(row.output === null ? {} : { output: row.output }),
  };
}

function rowOf(run: NewRun, now: number) {
  return {
    job_key: run.jobKey,
    tick_ms: run.tick,
    status: run.status,
    trigger: run.trigger,
    attempt: 1,
    started_ms: run.startedAt ?? null,
    finished_ms: run.finishedAt ?? null,
    runner: run.runner ?? null,
    summary: run.summary === undefined ? null : run.summary.slice(0, 500),
    output: null,
    alerted: ALERTED_STATUSES.includes(run.status) && !run.quiet ? 0 : 1,
    updated_ms: now,
  };
}

/**
 * The only SQL of scheduled jobs: each job's claim row (the last tick claimed, advanced by a
 * conditional update so one replica claims each tick, as graphile-worker's known_crontabs),
 * its runs, heartbeat pings with their idempotency keys, and the alerts owed for failed and
 * missed runs.
 */
export class JobStore {
  constructor(private readonly database: Database) {}

  get db(): Kysely<Schema> {
    return this.database.db;
  }

  /** The claim rows of `keys` (jobs never seen have none). */
  async states(keys: readonly string[]): Promise<Map<string, JobState>> {
    const out = new Map<string, JobState>();
    for (const chunk of chunks(keys, KEY_CHUNK)) {
      if (chunk.length === 0) continue;
      const rows = await this.db
        .selectFrom('job_state')
        .select(['job_key', 'last_tick_ms', 'suspended'])
        .where('job_key', 'in', chunk)
        .execute();
      for (const row of rows)
        out.set(row.job_key, {
          lastTick: Number(row.last_tick_ms),
          suspended: row.suspended === null ? undefined : Number(row.suspended) === 1,
        });
    }
    return out;
  }

  /** Claim rows for jobs seen for the first time, starting at `lastTick` (their ticks before were never due here); another replica's rows win. */
  async initStates(keys: readonly string[], lastTick: number, now: number): Promise<void> {
    for (const chunk of chunks(keys, KEY_CHUNK))
      if (chunk.length > 0)
        await this.db
          .insertInto('job_state')
          .values(chunk.map((key) => ({ job_key: key, last_tick_ms: lastTick, suspended: null, updated_ms: now })))
          .onConflict((oc) => oc.column('job_key').doNothing())
          .execute();
  }

  /**
   * Claims several jobs' due ticks in one transaction with one statement, set-based: every
   * claim row still at the tick this replica read (`expectedLast`) moves to its `newLast`,
   * and the statement answers the rows it moved, so a claim another replica won is left out
   * and the others still commit. The claims travel as one JSON parameter (jsonRows): one
   * short statement whatever the number of jobs, and whatever ticks they stand at. `write`
   * then writes what the won claims order (their runs and work orders; a replica that won
   * nothing writes nothing) in the same transaction. On PostgreSQL the statement moves only
   * the rows no other replica holds (`FOR UPDATE … SKIP LOCKED`): replicas passing together
   * split the jobs instead of waiting for each other (a row skipped here is claimed by the
   * replica holding it, or on the next pass). On SQLite the transaction holds the write lock
   * from its start, so the rows read are the rows moved. A failing `write` rolls the whole
   * batch back: its jobs are claimed on the next pass. Answers the keys claimed.
   */
  async claimAll(claims: readonly JobClaim[], now: number, write: ClaimWrite): Promise<Set<string>> {
    if (claims.length === 0) return new Set();
    const wanted = jsonRows(
      this.database.dialect,
      { job_key: 'text', expected: 'bigint', next: 'bigint' },
      claims.map((c) => ({ job_key: c.key, expected: c.expectedLast, next: c.newLast })),
    );
    const claim =
      this.database.dialect === 'postgres'
        ? sql<{ job_key: string }>`with wanted as (${wanted}),
            free as (
              select s.job_key, wanted.next from job_state s
              join wanted on wanted.job_key = s.job_key and s.last_tick_ms = wanted.expected
              for update of s skip locked)
            update job_state set last_tick_ms = free.next, updated_ms = ${now}
            from free where job_state.job_key = free.job_key
            returning job_state.job_key`
        : sql<{ job_key: string }>`update job_state set last_tick_ms = wanted.next, updated_ms = ${now}
            from (${wanted}) as wanted
            where job_state.job_key = wanted.job_key and job_state.last_tick_ms = wanted.expected
            returning job_state.job_key`;
    return this.db.transaction().execute(async (trx) => {
      const won = new Set((await claim.execute(trx)).rows.map((row) => row.job_key));
      if (won.size > 0) await write(trx, won);
      return won;
    });
  }

  /** Runs as first written (a claim's, in its transaction), in one statement; a tick's existing run stays. */
  async insertRuns(into: Executor, runs: readonly NewRun[], now: number): Promise<void> {
    if (runs.length === 0) return;
    await into
      .insertInto('job_runs')
      .columns(RUN_COLUMN_NAMES)
      .expression(
        jsonRows(
          this.database.dialect,
          RUN_COLUMNS,
          runs.map((r) => rowOf(r, now)),
        ),
      )
      .onConflict((oc) => oc.columns(['job_key', 'tick_ms']).doNothing())
      .execute();
  }

  /** A run outside a claim (run now), in `into` when given; false when its tick has a run already. */
  async addRun(run: NewRun, now: number, into: Executor = this.db): Promise<boolean> {
    const inserted = await into
      .insertInto('job_runs')
      .values(rowOf(run, now))
      .onConflict((oc) => oc.columns(['job_key', 'tick_ms']).doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  /** Ends a job's queued and running runs as cancelled (a heartbeat job's: no runner holds them). Answers how many. */
  async cancelUnfinished(key: string, summary: string, now: number, into: Executor = this.db): Promise<number> {
    const result = await into
      .updateTable('job_runs')
      .set({ status: 'cancelled', summary, finished_ms: now, updated_ms: now })
      .where('job_key', '=', key)
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Suspends or resumes a job through the API (over the catalog's `suspend`), in `into` when given. */
  async setSuspended(key: string, suspended: boolean, now: number, into: Executor = this.db): Promise<void> {
    await into
      .insertInto('job_state')
      .values({ job_key: key, last_tick_ms: now, suspended: suspended ? 1 : 0, updated_ms: now })
      .onConflict((oc) => oc.column('job_key').doUpdateSet({ suspended: suspended ? 1 : 0, updated_ms: now }))
      .execute();
  }

  /**
   * Changes a run, only while its status is one of `from` (a run that has ended is not
   * changed by a late report). Answers whether it changed.
   */
  async updateRun(
    key: string,
    tick: number,
    patch: RunPatch,
    from: readonly RunStatus[],
    now: number,
    into: Executor = this.db,
  ): Promise<boolean> {
    const result = await into
      .updateTable('job_runs')
      .set({
        ...(patch.status === undefined
          ? {}
          : { status: patch.status, alerted: ALERTED_STATUSES.includes(patch.status) ? 0 : 1 }),
        ...(patch.startedAt === undefined ? {} : { started_ms: patch.startedAt }),
        ...(patch.finishedAt === undefined ? {} : { finished_ms: patch.finishedAt }),
        ...(patch.runner === undefined ? {} : { runner: patch.runner }),
        ...(patch.attempt === undefined ? {} : { attempt: patch.attempt }),
        ...(patch.summary === undefined ? {} : { summary: patch.summary.slice(0, 500) }),
        ...(patch.output === undefined ? {} : { output: tailOf(patch.output) }),
        updated_ms: now,
      })
      .where('job_key', '=', key)
      .where('tick_ms', '=', tick)
      .where('status', 'in', [...from])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async run(key: string, tick: number, into: Executor = this.db): Promise<JobRun | undefined> {
    const row = await into
      .selectFrom('job_runs')
      .selectAll()
      .where('job_key', '=', key)
      .where('tick_ms', '=', tick)
      .executeTakeFirst();
    return row && runOf(row);
  }

  /** A job's runs, newest tick first, `limit` of them, before `beforeTick` when given. */
  async runs(key: string, limit: number, beforeTick?: number): Promise<JobRun[]> {
    let query = this.db.selectFrom('job_runs').selectAll().where('job_key', '=', key);
    if (beforeTick !== undefined) query = query.where('tick_ms', '<', beforeTick);
    return (await query.orderBy('tick_ms', 'desc').limit(limit).execute()).map(runOf);
  }

  /** The newest `perJob` runs of each of `keys` (for cards and lists). */
  async recentRuns(keys: readonly string[], perJob: number): Promise<Map<string, JobRun[]>> {
    const out = new Map<string, JobRun[]>();
    for (const key of keys) out.set(key, await this.runs(key, perJob));
    return out;
  }

  /**
   * Heartbeat runs no start ping came for within their grace: `queued` runs of `key` whose
   * tick is at or before `dueBefore` become `missed`. The conditional update makes one
   * replica the one that marks each; answers the ticks it marked.
   */
  async markMissed(key: string, dueBefore: number, summary: string, now: number): Promise<number[]> {
    const rows = await this.db
      .updateTable('job_runs')
      .set({ status: 'missed', alerted: 0, summary, finished_ms: now, updated_ms: now })
      .where('job_key', '=', key)
      .where('status', '=', 'queued')
      .where('tick_ms', '<=', dueBefore)
      .returning('tick_ms')
      .execute();
    const ticks = rows.map((r) => Number(r.tick_ms)).sort((a, b) => a - b);
    // Several missed at once (the check did not run meanwhile): the latest speaks for them all.
    if (ticks.length > 1)
      await this.db
        .updateTable('job_runs')
        .set({ alerted: 1 })
        .where('job_key', '=', key)
        .where('tick_ms', 'in', ticks.slice(0, -1))
        .execute();
    return ticks;
  }

  /** Heartbeat runs started but not ended by `startedBefore`: they failed (no end ping). */
  async markStalled(key: string, startedBefore: number, summary: string, now: number): Promise<number[]> {
    const rows = await this.db
      .updateTable('job_runs')
      .set({ status: 'failed', alerted: 0, summary, finished_ms: now, updated_ms: now })
      .where('job_key', '=', key)
      .where('status', '=', 'running')
      .where('started_ms', '<=', startedBefore)
      .returning('tick_ms')
      .execute();
    return rows.map((r) => Number(r.tick_ms));
  }

  /** Failed and missed runs whose alert is still owed, oldest first. */
  async owedAlerts(limit: number): Promise<OwedAlert[]> {
    const rows = await this.db
      .selectFrom('job_runs')
      .selectAll()
      .where('alerted', '=', 0)
      .where('status', 'in', [...ALERTED_STATUSES])
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ ...runOf(row), id: Number(row.id) }));
  }

  /** Marks an owed alert paid, in the transaction that pays it; false when another replica did. */
  async markAlerted(id: number, into: Executor): Promise<boolean> {
    const result = await into
      .updateTable('job_runs')
      .set({ alerted: 1 })
      .where('id', '=', id)
      .where('alerted', '=', 0)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * A heartbeat ping: the tick's run is created if the claim has not made it yet, then
   * started or ended (an end also after a `missed`: the job ran late, and the record says
   * so). With an Idempotency-Key, a retry answers the first response.
   */
  async ping(
    key: string,
    tick: number,
    trigger: JobRun['trigger'],
    event: 'start' | 'success' | 'fail',
    log: string | undefined,
    now: number,
    respond: (run: JobRun | undefined) => StoredAnswer,
    idempotency: IdempotencyKey | undefined,
  ): Promise<PingOutcome> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        await this.insertRuns(trx, [{ jobKey: key, tick, status: 'queued', trigger }], now);
        if (event === 'start')
          await this.updateRun(key, tick, { status: 'running', startedAt: now }, ['queued', 'missed'], now, trx);
        else {
          const status = event === 'success' ? 'success' : 'failed';
          await trx
            .updateTable('job_runs')
            .set((eb) => ({
              status,
              alerted: status === 'failed' ? 0 : 1,
              started_ms: eb.fn.coalesce('started_ms', eb.val(now)),
              finished_ms: now,
              summary: status === 'success' ? 'Reported success' : 'Reported failure',
              ...(log === undefined ? {} : { output: tailOf(log) }),
              updated_ms: now,
            }))
            .where('job_key', '=', key)
            .where('tick_ms', '=', tick)
            .where('status', 'in', ['queued', 'running', 'missed'])
            .execute();
        }
        const response = respond(await this.run(key, tick, trx));
        if (idempotency) await recordAnswer(trx, idempotency, response, new Date(now).toISOString());
        return { kind: 'written' as const, response };
      });
    } catch (err) {
      if (idempotency && isKeyTaken(err)) {
        const prior = await priorAnswer(this.db, idempotency);
        if (prior) return prior;
      }
      throw err;
    }
  }

  /** A job's ended runs beyond its newest `keep` are removed (retention); runs still owed an alert stay. */
  async prune(key: string, keep: number): Promise<number> {
    const cutoff = await this.db
      .selectFrom('job_runs')
      .select('tick_ms')
      .where('job_key', '=', key)
      .orderBy('tick_ms', 'desc')
      .offset(keep)
      .limit(1)
      .executeTakeFirst();
    if (!cutoff) return 0;
    const result = await this.db
      .deleteFrom('job_runs')
      .where('job_key', '=', key)
      .where('tick_ms', '<=', Number(cutoff.tick_ms))
      .where('status', 'in', [...FINAL_STATUSES])
      .where('alerted', '=', 1)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
