import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { Database } from '../platform/db/connect.ts';
import { chunks } from '../platform/db/chunks.ts';
import { type JsonColumnType, type JsonRow, jsonRows } from '../platform/db/json-rows.ts';
import type { Schema, WorkRunsTable } from '../platform/db/schema.ts';
import type { FinishedRun, Json, RunState, WorkOrder } from './model.ts';
import type { RenewAnswer, ReportAnswer, RunnerIntroduction, RunnerView } from './protocol.ts';

/** A lease a run had before its current one: its report still counts if it comes first. */
interface EarlierLease {
  token: string;
  runner: string;
  location: string;
  attempt: number;
  startedMs: number;
}

/** A run just leased, with the names of the secrets its order may read (the service resolves them). */
export interface ClaimedRun {
  runId: string;
  attempt: number;
  leaseToken: string;
  leaseExpiresAt: number;
  kind: string;
  subject: string;
  timeoutMs: number;
  payload: Json;
  secretNames: readonly string[];
}

/** What a lease took: the runs, and how many of them had a lease that lapsed (for the expiries counter). */
export interface Claimed {
  runs: ClaimedRun[];
  lapsed: number;
}

/** Hears of a run's recorded end inside the transaction that records it. */
export type RecordedListener = (run: FinishedRun, trx: Transaction<Schema>) => Promise<void>;

/** Runs per state, as the metrics show them. */
export type RunCounts = Record<'queued' | 'leased', number>;

const ENDED: readonly RunState[] = ['finished', 'cancelled', 'missed'];
const UNFINISHED = ['queued', 'leased'] as const;

/** Keys per `in (...)` list and tag rows per insert: far inside both databases' parameter limits. */
const INSERT_CHUNK = 500;

/** How many due runs a lease considers per claimed slot: some may be taken by a concurrent lease first. */
const CANDIDATES_PER_SLOT = 2;

/** A runner's row is written at least this often while it asks for work (its last seen time and capacity). */
const INTRODUCE_EVERY_MS = 5000;

function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Compares tokens in constant time (digests first, so lengths do not leak either). */
function sameToken(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

function earlierOf(row: Pick<Selectable<WorkRunsTable>, 'earlier_leases'>): EarlierLease[] {
  return JSON.parse(row.earlier_leases) as EarlierLease[];
}

/** Lapsed leases before a run is recorded as an error, unless its order or the server says otherwise. */
export const DEFAULT_MAX_LEASE_LAPSES = 3;

/** A work run's columns as an order first writes them. */
const ORDER_COLUMNS = {
  run_id: 'text',
  kind: 'text',
  subject: 'text',
  dedup_key: 'text',
  location: 'text',
  tags: 'text',
  due_ms: 'bigint',
  deadline_ms: 'bigint',
  timeout_ms: 'bigint',
  secrets: 'text',
  payload: 'text',
  state: 'text',
  attempt: 'integer',
  lease_token: 'text',
  earlier_leases: 'text',
  lease_expires_ms: 'bigint',
  runner_name: 'text',
  runner_location: 'text',
  started_ms: 'bigint',
  finished_ms: 'bigint',
  outcome: 'text',
  created_ms: 'bigint',
  lapses: 'integer',
  max_lapses: 'integer',
} as const satisfies Record<keyof WorkRunsTable, JsonColumnType>;
const ORDER_COLUMN_NAMES = Object.keys(ORDER_COLUMNS) as (keyof typeof ORDER_COLUMNS)[];

function orderRow(order: WorkOrder, now: number, maxLapses: number): JsonRow<keyof typeof ORDER_COLUMNS> {
  return {
    run_id: randomUUID(),
    kind: order.kind,
    subject: order.subject,
    dedup_key: order.dedupKey,
    location: order.location ?? null,
    tags: JSON.stringify([...new Set(order.tags)]),
    due_ms: order.dueAt,
    deadline_ms: order.deadlineAt ?? null,
    timeout_ms: order.timeoutMs,
    secrets: JSON.stringify(order.secrets),
    payload: JSON.stringify(order.payload),
    state: 'queued',
    attempt: 0,
    lease_token: null,
    earlier_leases: '[]',
    lease_expires_ms: null,
    runner_name: null,
    runner_location: null,
    started_ms: null,
    finished_ms: null,
    outcome: null,
    created_ms: now,
    lapses: 0,
    max_lapses: order.maxLeaseLapses ?? maxLapses,
  };
}

/**
 * The only SQL of the runners: the work queue and the runners that ask it for work. Every
 * change of a run's state is one conditional UPDATE (compare and set on its state, attempt
 * or token), so replicas and runners racing on one database never both win: a run is leased
 * to one live lease at a time, and its end is recorded once. Times are epoch ms from the
 * caller's clock (the server's, injected in tests), never the database's.
 */
export class RunnerStore {
  /** What each runner last said of itself, and when that was written (this process's writes only). */
  private readonly introduced = new Map<string, { said: string; at: number }>();

  /** @param maxLeaseLapses lapsed leases before a run whose order names no limit is recorded as an error. */
  constructor(
    private readonly database: Database,
    private readonly maxLeaseLapses = DEFAULT_MAX_LEASE_LAPSES,
  ) {}

  /**
   * Inserts orders whose dedup key is new (in `trx` when given), in one statement whatever
   * their number (the rows travel as one JSON parameter: jsonRows), then the tags of those
   * that were new. Answers how many were new.
   */
  async enqueue(orders: readonly WorkOrder[], now: number, trx?: Kysely<Schema>): Promise<number> {
    if (orders.length === 0) return 0;
    const rows = orders.map((order) => orderRow(order, now, this.maxLeaseLapses));
    const write = async (executor: Kysely<Schema>) => {
      const added = await executor
        .insertInto('work_runs')
        .columns(ORDER_COLUMN_NAMES)
        .expression(jsonRows(this.database.dialect, ORDER_COLUMNS, rows))
        .onConflict((oc) => oc.column('dedup_key').doNothing())
        .returning('run_id')
        .execute();
      const tagsOf = new Map(rows.map((row, i) => [row.run_id, orders[i]?.tags ?? []]));
      const tags = added.flatMap((r) => [...new Set(tagsOf.get(r.run_id))].map((tag) => ({ run_id: r.run_id, tag })));
      for (const tagSlice of chunks(tags, INSERT_CHUNK))
        await executor.insertInto('work_run_tags').values(tagSlice).execute();
      return added.length;
    };
    return trx ? write(trx) : this.database.db.transaction().execute(write);
  }

  /**
   * Leases up to `runner.capacity` due runs that fit the runner (its location, or none asked;
   * every tag the run asks among the runner's), the longest due first. A run whose lease
   * lapsed counts as queued and comes back with the next attempt number under the same id.
   * Each run is taken by a conditional update on its attempt, so two runners leasing at once
   * never both get it; a run lost to the other is replaced by the next candidate.
   */
  async lease(runner: RunnerIntroduction, leaseMs: number, now: number): Promise<Claimed> {
    await this.introduce(runner, now);
    const claimed: Claimed = { runs: [], lapsed: 0 };
    const skip = new Set<string>();
    for (let round = 0; round < 3 && claimed.runs.length < runner.capacity; round++) {
      const wanted = runner.capacity - claimed.runs.length;
      const candidates = await this.candidates(runner, now, wanted * CANDIDATES_PER_SLOT, [...skip]);
      if (candidates.length === 0) break;
      // One transaction for the claims of a request: one commit, not one per run (SQLite's commit is most of a claim's cost).
      await this.database.db.transaction().execute(async (trx) => {
        for (const row of candidates) {
          if (claimed.runs.length >= runner.capacity) break;
          skip.add(row.run_id);
          const run = await this.claim(trx, row, runner, leaseMs, now);
          if (!run) continue;
          claimed.runs.push(run);
          if (row.state === 'leased') claimed.lapsed++;
        }
      });
    }
    return claimed;
  }

  private async introduce(runner: RunnerIntroduction, now: number): Promise<void> {
    // A runner asks for work many times a second under load: its row is written when what it
    // says of itself changed, or INTRODUCE_EVERY_MS after the last write (last seen, capacity).
    const said = JSON.stringify([runner.location, runner.tags, runner.version]);
    const last = this.introduced.get(runner.name);
    if (last && last.said === said && now - last.at < INTRODUCE_EVERY_MS && now >= last.at) return;
    const values = {
      location: runner.location,
      tags: JSON.stringify(runner.tags),
      version: runner.version,
      capacity: runner.capacity,
      last_seen_ms: now,
    };
    await this.database.db
      .insertInto('runners')
      .values({ name: runner.name, ...values })
      .onConflict((oc) => oc.column('name').doUpdateSet(values))
      .execute();
    this.introduced.set(runner.name, { said, at: now });
  }

  /**
   * Due runs that fit the runner, the longest due first: queued ones and lapsed leases asked
   * apart, each in the order of its index (state, then due time or lease expiry), so a query
   * reads `limit` rows however long the queue is, instead of every due run sorted (which,
   * once a queue fell behind, made each lease slower than the last).
   */
  private async candidates(runner: RunnerIntroduction, now: number, limit: number, skip: readonly string[]) {
    const fitting = (state: 'queued' | 'leased') => {
      let query = this.database.db
        .selectFrom('work_runs as r')
        .selectAll('r')
        .where('r.state', '=', state)
        .where('r.due_ms', '<=', now)
        .where((eb) => eb.or([eb('r.deadline_ms', 'is', null), eb('r.deadline_ms', '>', now)]))
        .where((eb) => eb.or([eb('r.location', 'is', null), eb('r.location', '=', runner.location)]))
        .where(({ not, exists, selectFrom }) => {
          let missing = selectFrom('work_run_tags as t').select('t.tag').whereRef('t.run_id', '=', 'r.run_id');
          if (runner.tags.length > 0) missing = missing.where('t.tag', 'not in', runner.tags);
          return not(exists(missing));
        });
      if (skip.length > 0) query = query.where('r.run_id', 'not in', skip);
      return query;
    };
    const [queued, lapsed] = await Promise.all([
      fitting('queued').orderBy('r.due_ms').orderBy('r.run_id').limit(limit).execute(),
      fitting('leased').where('r.lease_expires_ms', '<=', now).orderBy('r.lease_expires_ms').limit(limit).execute(),
    ]);
    return [...queued, ...lapsed]
      .sort((a, b) => Number(a.due_ms) - Number(b.due_ms) || (a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : 0))
      .slice(0, limit);
  }

  private async claim(
    trx: Kysely<Schema>,
    row: Selectable<WorkRunsTable>,
    runner: RunnerIntroduction,
    leaseMs: number,
    now: number,
  ): Promise<ClaimedRun | undefined> {
    // A lease that lapsed counts against the run's limit; the one that reaches it is not
    // leased again but recorded as an error by the expiry task (which has the capability's handler).
    const lapsed = row.state === 'leased';
    if (lapsed && Number(row.lapses) + 1 >= Number(row.max_lapses)) return undefined;
    const token = newToken();
    const earlier = earlierOf(row);
    if (row.lease_token !== null && row.runner_name !== null && row.started_ms !== null)
      earlier.push({
        token: row.lease_token,
        runner: row.runner_name,
        location: row.runner_location ?? '',
        attempt: row.attempt,
        startedMs: row.started_ms,
      });
    const attempt = row.attempt + 1;
    const result = await trx
      .updateTable('work_runs')
      .set({
        state: 'leased',
        attempt,
        lease_token: token,
        earlier_leases: JSON.stringify(earlier),
        lease_expires_ms: now + leaseMs,
        runner_name: runner.name,
        runner_location: runner.location,
        started_ms: now,
        lapses: Number(row.lapses) + (lapsed ? 1 : 0),
      })
      .where('run_id', '=', row.run_id)
      .where('attempt', '=', row.attempt)
      .where((eb) =>
        eb.or([eb('state', '=', 'queued'), eb.and([eb('state', '=', 'leased'), eb('lease_expires_ms', '<=', now)])]),
      )
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return undefined;
    return {
      runId: row.run_id,
      attempt,
      leaseToken: token,
      leaseExpiresAt: now + leaseMs,
      kind: row.kind,
      subject: row.subject,
      timeoutMs: Number(row.timeout_ms),
      payload: JSON.parse(row.payload) as Json,
      secretNames: JSON.parse(row.secrets) as string[],
    };
  }

  /**
   * Extends the lease with `token` by `leaseMs`, while the run is within its timeout. A lease
   * that lapsed but that no other runner took is taken back (a brief outage of the server or
   * the network is survived); one another runner took is `lost`.
   */
  async renew(runId: string, token: string, leaseMs: number, now: number, runnerName: string): Promise<RenewAnswer> {
    const row = await this.database.db
      .selectFrom('work_runs')
      .selectAll()
      .where('run_id', '=', runId)
      .executeTakeFirst();
    if (!row || row.lease_token === null || !sameToken(row.lease_token, token)) return { state: 'lost' };
    if (row.state === 'cancelled') return { state: 'cancelled' };
    if (row.state !== 'leased' && row.state !== 'queued') return { state: 'lost' };
    if (row.started_ms !== null && now >= Number(row.started_ms) + Number(row.timeout_ms))
      return { state: 'timed-out' };
    const result = await this.database.db
      .updateTable('work_runs')
      .set({ state: 'leased', lease_expires_ms: now + leaseMs })
      .where('run_id', '=', runId)
      .where('lease_token', '=', row.lease_token)
      .where('state', 'in', UNFINISHED)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return this.renew(runId, token, leaseMs, now, runnerName);
    await this.database.db.updateTable('runners').set({ last_seen_ms: now }).where('name', '=', runnerName).execute();
    return { state: 'leased', leaseExpiresAt: now + leaseMs };
  }

  /**
   * Puts a leased run back in the queue at once (its runner is stopping before it ran it to
   * the end), under the same id; the next lease is the next attempt. Answers whether it did.
   */
  async release(runId: string, token: string, now: number): Promise<boolean> {
    const row = await this.database.db
      .selectFrom('work_runs')
      .select(['lease_token'])
      .where('run_id', '=', runId)
      .executeTakeFirst();
    if (!row?.lease_token || !sameToken(row.lease_token, token)) return false;
    const result = await this.database.db
      .updateTable('work_runs')
      .set({ state: 'queued', lease_expires_ms: now })
      .where('run_id', '=', runId)
      .where('lease_token', '=', row.lease_token)
      .where('state', '=', 'leased')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Records a run's outcome as reported by the lease with `token`: the current lease or an
   * earlier one (a runner that lost its lease but finished anyway). The first report of a
   * run is its outcome, recorded with `listener` in one transaction; any later one is
   * acknowledged as `already-recorded` and changes nothing.
   */
  async report(
    runId: string,
    token: string,
    outcome: FinishedRun['outcome'],
    now: number,
    listener: RecordedListener,
  ): Promise<ReportAnswer> {
    return this.database.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('work_runs').selectAll().where('run_id', '=', runId).executeTakeFirst();
      return this.recordReport(trx, row, token, outcome, now, listener);
    });
  }

  /**
   * Records many reports as report() does each, in one transaction (one commit for them all:
   * a runner's reports arriving together). Answers each report's answer, in order. A
   * listener's failure rolls them all back and is thrown: the caller then records them one
   * by one, so one outcome that cannot be recorded does not hold the others back.
   */
  async reportMany(
    reports: readonly { runId: string; token: string; outcome: FinishedRun['outcome'] }[],
    now: number,
    listener: RecordedListener,
  ): Promise<ReportAnswer[]> {
    if (reports.length === 0) return [];
    return this.database.db.transaction().execute(async (trx) => {
      const rows = new Map<string, Selectable<WorkRunsTable>>();
      for (const ids of chunks([...new Set(reports.map((r) => r.runId))], INSERT_CHUNK))
        for (const row of await trx.selectFrom('work_runs').selectAll().where('run_id', 'in', ids).execute())
          rows.set(row.run_id, row);
      const answers: ReportAnswer[] = [];
      for (const report of reports)
        answers.push(await this.recordReport(trx, rows.get(report.runId), report.token, report.outcome, now, listener));
      return answers;
    });
  }

  /** A report of the run `row` (read in `trx`; undefined: no such run) by the lease with `token`: see report(). */
  private async recordReport(
    trx: Transaction<Schema>,
    row: Selectable<WorkRunsTable> | undefined,
    token: string,
    outcome: FinishedRun['outcome'],
    now: number,
    listener: RecordedListener,
  ): Promise<ReportAnswer> {
    if (!row) return { state: 'refused' };
    const lease =
      row.lease_token !== null && sameToken(row.lease_token, token)
        ? {
            runner: row.runner_name ?? '',
            location: row.runner_location ?? '',
            attempt: row.attempt,
            startedMs: Number(row.started_ms),
          }
        : earlierOf(row).find((e) => sameToken(e.token, token));
    if (!lease) return { state: 'refused' };
    if (ENDED.includes(row.state as RunState)) return { state: 'already-recorded' };
    // Conditional on the run being unfinished: a second report of it in the same batch (or another writer) changes nothing.
    const ended = await this.end(trx, row, 'finished', outcome, now);
    if (!ended) return { state: 'already-recorded' };
    await listener(
      {
        ...finishedOf(row, outcome, now),
        runner: lease.runner,
        runnerLocation: lease.location,
        attempt: lease.attempt,
        startedAt: lease.startedMs,
      },
      trx,
    );
    return { state: 'recorded' };
  }

  /** Moves an unfinished run to an end state, once: false when another writer ended it first. */
  private async end(
    trx: Kysely<Schema>,
    row: Selectable<WorkRunsTable>,
    state: 'finished' | 'cancelled' | 'missed',
    outcome: FinishedRun['outcome'],
    now: number,
  ): Promise<boolean> {
    const result = await trx
      .updateTable('work_runs')
      .set({ state, outcome: JSON.stringify(outcome), finished_ms: now })
      .where('run_id', '=', row.run_id)
      .where('state', 'in', UNFINISHED)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Cancels a subject's queued and leased runs (in `trx` when given), each heard by `listener`. Answers how many. */
  async cancel(
    subject: string,
    reason: string,
    now: number,
    listener: RecordedListener,
    trx?: Transaction<Schema>,
  ): Promise<number> {
    const write = async (executor: Transaction<Schema>) => {
      const rows = await executor
        .selectFrom('work_runs')
        .selectAll()
        .where('subject', '=', subject)
        .where('state', 'in', UNFINISHED)
        .orderBy('due_ms')
        .execute();
      let cancelled = 0;
      for (const row of rows) {
        const outcome = { status: 'cancelled' as const, summary: reason, detail: null };
        if (!(await this.end(executor, row, 'cancelled', outcome, now))) continue;
        await listener(serverEnded(row, outcome, now), executor);
        cancelled++;
      }
      return cancelled;
    };
    return trx ? write(trx) : this.database.db.transaction().execute(write);
  }

  /** A subject's queued and leased runs, the oldest due first. */
  async unfinished(subject: string): Promise<{ runId: string; dedupKey: string; state: 'queued' | 'leased' }[]> {
    const rows = await this.database.db
      .selectFrom('work_runs')
      .select(['run_id', 'dedup_key', 'state'])
      .where('subject', '=', subject)
      .where('state', 'in', UNFINISHED)
      .orderBy('due_ms')
      .orderBy('created_ms')
      .orderBy('run_id')
      .execute();
    return rows.map((r) => ({ runId: r.run_id, dedupKey: r.dedup_key, state: r.state as 'queued' | 'leased' }));
  }

  /** The earliest due time after `now` of a queued run (orders queued ahead: checks' rounds, retries after backoff). */
  async nextDue(now: number): Promise<number | undefined> {
    const row = await this.database.db
      .selectFrom('work_runs')
      .select((eb) => eb.fn.min('due_ms').as('due'))
      .where('state', '=', 'queued')
      .where('due_ms', '>', now)
      .executeTakeFirst();
    return row?.due === null || row?.due === undefined ? undefined : Number(row.due);
  }

  /** Which of `subjects` have queued or leased runs. */
  async busy(subjects: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const chunk of chunks(subjects, INSERT_CHUNK)) {
      if (chunk.length === 0) continue;
      const rows = await this.database.db
        .selectFrom('work_runs')
        .select('subject')
        .distinct()
        .where('subject', 'in', chunk)
        .where('state', 'in', UNFINISHED)
        .execute();
      for (const row of rows) out.add(row.subject);
    }
    return out;
  }

  /**
   * Runs not started before their deadline (queued, or their lease lapsed) become `missed`,
   * each in a transaction of its own with `listener`. Safe on several replicas at once: each
   * run ends once. Answers how many, at most `limit` per call.
   */
  async expireDeadlines(now: number, listener: RecordedListener, limit = 500): Promise<number> {
    const rows = await this.database.db
      .selectFrom('work_runs')
      .selectAll()
      .where('deadline_ms', '<=', now)
      .where((eb) =>
        eb.or([eb('state', '=', 'queued'), eb.and([eb('state', '=', 'leased'), eb('lease_expires_ms', '<=', now)])]),
      )
      .orderBy('deadline_ms')
      .limit(limit)
      .execute();
    let missed = 0;
    for (const row of rows) {
      const outcome = { status: 'missed' as const, summary: 'not started before its deadline', detail: null };
      const ended = await this.database.db.transaction().execute(async (trx) => {
        if (!(await this.end(trx, row, 'missed', outcome, now))) return false;
        await listener(serverEnded(row, outcome, now), trx);
        return true;
      });
      if (ended) missed++;
    }
    return missed;
  }

  /**
   * Leases that lapsed go back to `queued` (their token kept, so the runner may still take
   * them back), each lapse counted. A run whose lapses reach its limit (its work crashes
   * every runner that takes it) is recorded instead as an error, "lease lapsed N times",
   * with `listener` in a transaction of its own, so the capability that ordered it hears of
   * it. Answers how many went back to the queue and how many ended.
   */
  async requeueLapsed(now: number, listener: RecordedListener): Promise<{ requeued: number; exhausted: number }> {
    const lastLapse = sql<boolean>`lapses + 1 >= max_lapses`;
    const rows = await this.database.db
      .selectFrom('work_runs')
      .selectAll()
      .where('state', '=', 'leased')
      .where('lease_expires_ms', '<=', now)
      .where(lastLapse)
      .orderBy('lease_expires_ms')
      .limit(500)
      .execute();
    let exhausted = 0;
    for (const row of rows) {
      const lapses = Number(row.lapses) + 1;
      const outcome = {
        status: 'error' as const,
        summary: `lease lapsed ${lapses} times: each runner that took it stopped renewing (crashed or cut off)`,
        detail: null,
      };
      const ended = await this.database.db.transaction().execute(async (trx) => {
        // Only while still lapsed: a runner that renewed meanwhile keeps it.
        const result = await trx
          .updateTable('work_runs')
          .set({ state: 'finished', outcome: JSON.stringify(outcome), finished_ms: now, lapses })
          .where('run_id', '=', row.run_id)
          .where('state', '=', 'leased')
          .where('attempt', '=', row.attempt)
          .where('lease_expires_ms', '<=', now)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) return false;
        await listener(
          {
            ...finishedOf(row, outcome, now),
            runner: row.runner_name ?? undefined,
            runnerLocation: row.runner_location ?? undefined,
            attempt: Number(row.attempt),
            startedAt: row.started_ms === null ? now : Number(row.started_ms),
          },
          trx,
        );
        return true;
      });
      if (ended) exhausted++;
    }
    const result = await this.database.db
      .updateTable('work_runs')
      .set({ state: 'queued', lapses: sql<number>`lapses + 1` })
      .where('state', '=', 'leased')
      .where('lease_expires_ms', '<=', now)
      .where(sql<boolean>`lapses + 1 < max_lapses`)
      .executeTakeFirst();
    return { requeued: Number(result.numUpdatedRows), exhausted };
  }

  /**
   * Deletes at most `limit` ended runs (finished, cancelled, missed) due before `before`,
   * with their tags, in one transaction; answers how many. Their outcomes live on in the
   * capabilities' own tables (check results, job runs): a row here only answers a late
   * second report ("already recorded") and holds its dedup key against being ordered
   * again, and neither happens a day after a run was due.
   */
  async pruneEnded(before: number, limit: number): Promise<number> {
    return this.database.db.transaction().execute(async (trx) => {
      const ids = (
        await trx
          .selectFrom('work_runs')
          .select('run_id')
          .where('state', 'in', ENDED)
          .where('due_ms', '<', before)
          .limit(limit)
          .execute()
      ).map((r) => r.run_id);
      for (const slice of chunks(ids, INSERT_CHUNK)) {
        await trx.deleteFrom('work_run_tags').where('run_id', 'in', slice).execute();
        await trx.deleteFrom('work_runs').where('run_id', 'in', slice).execute();
      }
      return ids.length;
    });
  }

  /** The run's state, attempt and recorded outcome (for tests and the API). */
  async run(
    runId: string,
  ): Promise<{ state: RunState; attempt: number; outcome: FinishedRun['outcome'] | undefined } | undefined> {
    const row = await this.database.db
      .selectFrom('work_runs')
      .select(['state', 'attempt', 'outcome'])
      .where('run_id', '=', runId)
      .executeTakeFirst();
    return (
      row && {
        state: row.state as RunState,
        attempt: Number(row.attempt),
        outcome: row.outcome === null ? undefined : (JSON.parse(row.outcome) as FinishedRun['outcome']),
      }
    );
  }

  /** Queued (including lapsed) and live leased runs. */
  async counts(now: number): Promise<RunCounts> {
    const rows = await this.database.read
      .selectFrom('work_runs')
      .select((eb) => [
        'state',
        eb.fn.countAll<number>().as('n'),
        eb.fn.sum<number>(eb.case().when('lease_expires_ms', '<=', now).then(1).else(0).end()).as('lapsed'),
      ])
      .where('state', 'in', UNFINISHED)
      .groupBy('state')
      .execute();
    const counts: RunCounts = { queued: 0, leased: 0 };
    for (const row of rows) {
      const lapsed = row.state === 'leased' ? Number(row.lapsed) : 0;
      counts.queued += row.state === 'queued' ? Number(row.n) : lapsed;
      counts.leased += row.state === 'leased' ? Number(row.n) - lapsed : 0;
    }
    return counts;
  }

  /** Forgets runners not seen since `seenSince` (one that comes back introduces itself again). Answers how many. */
  async forgetRunners(seenSince: number): Promise<number> {
    const result = await this.database.db
      .deleteFrom('runners')
      .where('last_seen_ms', '<', seenSince)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Every runner seen (asking for work, renewing a lease) since `seenSince`, by location then name, with its live leases. */
  async runners(now: number, seenSince: number): Promise<RunnerView[]> {
    const rows = await this.database.read
      .selectFrom('runners')
      .selectAll()
      .where('last_seen_ms', '>=', seenSince)
      .orderBy('location')
      .orderBy('name')
      .execute();
    const running = await this.database.read
      .selectFrom('work_runs')
      .select((eb) => ['runner_name', eb.fn.countAll<number>().as('n')])
      .where('state', '=', 'leased')
      .where('lease_expires_ms', '>', now)
      .groupBy('runner_name')
      .execute();
    const byRunner = new Map(running.map((r) => [r.runner_name, Number(r.n)]));
    return rows.map((r) => ({
      name: r.name,
      location: r.location,
      tags: JSON.parse(r.tags) as string[],
      version: r.version,
      capacity: Number(r.capacity),
      lastSeenAt: Number(r.last_seen_ms),
      running: byRunner.get(r.name) ?? 0,
    }));
  }
}

function finishedOf(
  row: Selectable<WorkRunsTable>,
  outcome: FinishedRun['outcome'],
  now: number,
): Omit<FinishedRun, 'runner' | 'runnerLocation' | 'attempt' | 'startedAt'> {
  return {
    runId: row.run_id,
    kind: row.kind,
    subject: row.subject,
    dedupKey: row.dedup_key,
    location: row.location ?? undefined,
    finishedAt: now,
    outcome,
  };
}

/** A run the server ended (cancelled, missed): no runner; it started when it was last leased, or now. */
function serverEnded(row: Selectable<WorkRunsTable>, outcome: FinishedRun['outcome'], now: number): FinishedRun {
  return {
    ...finishedOf(row, outcome, now),
    runner: undefined,
    runnerLocation: undefined,
    attempt: Number(row.attempt),
    startedAt: row.started_ms === null ? now : Number(row.started_ms),
  };
}
