import { setImmediate as nextTurn } from 'node:timers/promises';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../platform/db/connect.ts';
import { chunks } from '../platform/db/chunks.ts';
import {
  type IdempotencyKey,
  isKeyTaken,
  type PriorAnswer,
  priorAnswer,
  recordAnswer,
  type StoredAnswer,
} from '../platform/db/idempotency.ts';
import type { AlongsideWrite } from '../platform/db/alongside-write.ts';
import type { Schema } from '../platform/db/schema.ts';
import type { StoredAlert } from './alerting.ts';
import type { AlertEvent, AlertSeverity, BurnWindow, EventCounts, SloStatus } from './model.ts';

/** A pushed count at an instant (epoch ms). */
export interface PushedEvent {
  atMs: number;
  good: number;
  total: number;
}

/** A window to sum: an id the caller chose, and its start (epoch ms, inclusive). */
export interface SumWindow {
  id: string;
  start: number;
}

/** One evaluation cycle's writes, committed together. */
export interface EvaluationWrite {
  /** When the evaluation ran (ISO 8601): the cycle's time, and the changed statuses'. */
  at: string;
  /** Every SLO's status (without a time of its own): only those that differ from the stored one are written. */
  statuses: readonly SloStatus[];
  /** Alerts whose state changed (upserted). */
  alerts: readonly { sloKey: string; alert: StoredAlert }[];
  history: readonly (AlertEvent & { service: string })[];
  /** The cycle this is the evaluation of: other replicas read it (evaluatedCycle) to know their pages moved. */
  cycle?: number;
}

/** The slo_cycles row of the last cycle whose evaluation committed (beside the claims' rows). */
const EVALUATED = 'evaluated';

export type EventsOutcome = { kind: 'written'; response: StoredAnswer } | PriorAnswer;

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
/** Minute buckets are kept this long, then summed into hours. */
export const MINUTES_KEPT_MS = 48 * HOUR_MS;
/** Rows per multi-row statement: 4–7 columns each stays far below both databases' parameter limits. */
const ROW_CHUNK = 500;
/** Keys per `in (...)` list. */
const KEY_CHUNK = 500;
/** Statuses compared with the stored ones per turn of the event loop (SQLite's work is synchronous: a cycle yields between slices). */
const COMPARE_SLICE = 500;

interface Counts {
  good: number;
  total: number;
}

/** The sums before one boundary of one SLO (PostgreSQL hands bigint back as numbers: its parser is set in connect.ts). */
interface BeforeRow {
  slo_key: string;
  bound: number | string;
  good: number | string;
  total: number | string;
}

/**
 * The only SQL of SLOs: pushed events in minute and hour buckets (sums, compaction,
 * retention), alert states and their history, the latest statuses, and the claim of an
 * evaluation cycle.
 */
export class SloStore {
  /**
   * The status bodies as of the evaluation of `cycle`, which this store wrote: while that
   * cycle is still the last evaluated one, nothing else has written a status since, and
   * the next evaluation compares with these instead of reading every row back.
   */
  private known: { cycle: number; bodies: Map<string, string> } | undefined;

  constructor(private readonly database: Database) {}

  /**
   * Adds pushed events to their buckets (sums: a bucket pushed twice holds both): minute
   * buckets, or the hour bucket for a time this SLO's minutes were already compacted past.
   * The running totals of every later bucket move with them. The idempotency key is
   * written last in the same transaction: a retry fails on it, rolls back and answers the
   * first response (or a conflict, for another body with the same key).
   */
  async addEvents(
    sloKey: string,
    events: readonly PushedEvent[],
    respond: () => StoredAnswer,
    idempotency: IdempotencyKey | undefined,
    now: Date,
  ): Promise<EventsOutcome> {
    let good = 0;
    let total = 0;
    for (const e of events) {
      good += e.good;
      total += e.total;
    }
    try {
      return await this.database.db.transaction().execute(async (trx) => {
        // First the SLO's totals row: on PostgreSQL its row lock makes this SLO's other pushes and compaction wait to commit.
        const totals = await trx
          .insertInto('slo_event_totals')
          .values({ slo_key: sloKey, good, total, hours_before: 0 })
          .onConflict((oc) =>
            oc.column('slo_key').doUpdateSet((eb) => ({
              good: eb('slo_event_totals.good', '+', eb.ref('excluded.good')),
              total: eb('slo_event_totals.total', '+', eb.ref('excluded.total')),
            })),
          )
          .returning(['good', 'total', 'hours_before'])
          .executeTakeFirstOrThrow();
        const hoursBefore = Number(totals.hours_before);
        // One row per bucket: PostgreSQL refuses an upsert that touches a row twice in one statement.
        const buckets = { slo_minutes: new Map<number, Counts>(), slo_hours: new Map<number, Counts>() };
        for (const e of events) {
          const minute = e.atMs - (e.atMs % MINUTE_MS);
          const [table, bucket] =
            minute < hoursBefore
              ? (['slo_hours', minute - (minute % HOUR_MS)] as const)
              : (['slo_minutes', minute] as const);
          const sum = buckets[table].get(bucket) ?? { good: 0, total: 0 };
          sum.good += e.good;
          sum.total += e.total;
          buckets[table].set(bucket, sum);
        }
        for (const table of ['slo_minutes', 'slo_hours'] as const)
          for (const chunk of chunks([...buckets[table]], ROW_CHUNK))
            await trx
              .insertInto(table)
              .values(
                chunk.map(([bucket, c]) => ({ slo_key: sloKey, bucket_ms: bucket, good: c.good, total: c.total })),
              )
              .onConflict((oc) =>
                oc.columns(['slo_key', 'bucket_ms']).doUpdateSet((eb) => ({
                  good: eb(`${table}.good`, '+', eb.ref('excluded.good')),
                  total: eb(`${table}.total`, '+', eb.ref('excluded.total')),
                })),
              )
              .execute();
        const from = Math.min(...buckets.slo_hours.keys(), ...buckets.slo_minutes.keys());
        if (Number.isFinite(from))
          await this.runningTotals(trx, sloKey, from, hoursBefore, {
            good: Number(totals.good),
            total: Number(totals.total),
          });
        const response = respond();
        if (idempotency) await recordAnswer(trx, idempotency, response, now.toISOString());
        return { kind: 'written' as const, response };
      });
    } catch (err) {
      if (idempotency && isKeyTaken(err)) {
        const prior = await priorAnswer(this.database.db, idempotency);
        if (prior) return prior;
      }
      throw err;
    }
  }

  /**
   * Sets the running totals of an SLO's buckets from `from` on: everything before a bucket
   * is the grand total less that bucket and all after it (a suffix sum), so only the
   * buckets at and after the earliest pushed one are read and written — one or two for a
   * push of the current minute.
   */
  private async runningTotals(
    trx: Kysely<Schema>,
    sloKey: string,
    from: number,
    hoursBefore: number,
    grand: Counts,
  ): Promise<void> {
    const tables = from < hoursBefore ? (['slo_hours', 'slo_minutes'] as const) : (['slo_minutes'] as const);
    for (const table of tables)
      await sql`update ${sql.table(table)} set cum_good = after.cum_good, cum_total = after.cum_total from (
          select bucket_ms, ${grand.good} - sum(good) over w as cum_good, ${grand.total} - sum(total) over w as cum_total from (
            select bucket_ms, good, total from slo_hours where slo_key = ${sloKey} and bucket_ms >= ${from}
            union all
            select bucket_ms, good, total from slo_minutes where slo_key = ${sloKey} and bucket_ms >= ${from}
          ) buckets window w as (order by bucket_ms desc rows unbounded preceding)
        ) after where ${sql.ref(`${table}.slo_key`)} = ${sloKey} and ${sql.ref(`${table}.bucket_ms`)} = after.bucket_ms`.execute(
        trx,
      );
  }

  /**
   * Good and total per SLO over each window up to `end` (exclusive): the running total
   * at the window's end less the one at its start, looked up per SLO and boundary in one
   * query (a bucket counts when it starts within the window; hours exist only past 48 h,
   * where windows are days long). SLOs without events in any window are absent.
   */
  async windowSums(
    windows: readonly SumWindow[],
    end: number,
    keys?: readonly string[],
  ): Promise<Map<string, Map<string, EventCounts>>> {
    const bounds = [...new Set([end, ...windows.map((w) => w.start)])];
    const out = new Map<string, Map<string, EventCounts>>();
    for (const batch of keys ? chunks(keys, KEY_CHUNK) : [undefined]) {
      const before = new Map<string, Counts[]>();
      for (const row of await this.before(bounds, batch)) {
        let list = before.get(row.slo_key);
        if (!list) before.set(row.slo_key, (list = []));
        list[Number(row.bound)] = { good: Number(row.good), total: Number(row.total) };
      }
      for (const [key, list] of before) {
        const atEnd = list[0] as Counts;
        const sums = new Map<string, EventCounts>();
        for (const w of windows) {
          const atStart = list[bounds.indexOf(w.start)] as Counts;
          const total = atEnd.total - atStart.total;
          if (total > 0) sums.set(w.id, { good: atEnd.good - atStart.good, total });
        }
        if (sums.size > 0) out.set(key, sums);
      }
    }
    return out;
  }

  /**
   * Per SLO (all, or those of `keys`) and boundary (its index in `bounds`), the sums of
   * every bucket that starts before the boundary: the running totals of the first bucket
   * at or after it (an hour bucket's when the boundary lies in the hours), or the grand
   * totals when none is. One index seek per SLO and boundary, each returning both sums.
   */
  private async before(bounds: readonly number[], keys: readonly string[] | undefined): Promise<BeforeRow[]> {
    const only = keys ? sql`where t.slo_key in (${sql.join(keys.map((k) => sql`${k}`))})` : sql``;
    const boundaries = sql.join(
      bounds.map((x, i) => sql`select ${sql.lit(i)} as bound, cast(${x} as bigint) as x`),
      sql` union all `,
    );
    if (this.database.dialect === 'postgres') {
      const result = await sql<BeforeRow>`select t.slo_key, b.bound,
          coalesce(h.cum_good, m.cum_good, t.good) as good, coalesce(h.cum_total, m.cum_total, t.total) as total
        from slo_event_totals t cross join (${boundaries}) b
        left join lateral (
          select cum_good, cum_total from slo_hours
          where slo_key = t.slo_key and bucket_ms >= b.x and b.x < t.hours_before order by bucket_ms limit 1
        ) h on true
        left join lateral (
          select cum_good, cum_total from slo_minutes
          where slo_key = t.slo_key and bucket_ms >= b.x and h.cum_good is null order by bucket_ms limit 1
        ) m on true ${only}`.execute(this.database.read);
      return result.rows;
    }
    // SQLite has no LATERAL: the first bucket's start by a min() seek, then its row by primary key.
    // `firsts` is materialized, else SQLite inlines it and seeks the hours twice per row.
    const result = await sql<BeforeRow>`with firsts as materialized (
        select t.slo_key, b.bound, b.x, t.good, t.total,
          case when b.x < t.hours_before then (select min(h.bucket_ms) from slo_hours h where h.slo_key = t.slo_key and h.bucket_ms >= b.x) end as hour
        from slo_event_totals t cross join (${boundaries}) b ${only}
      ), positions as (
        select f.*, case when f.hour is null then (select min(m.bucket_ms) from slo_minutes m where m.slo_key = f.slo_key and m.bucket_ms >= f.x) end as minute
        from firsts f
      )
      select p.slo_key, p.bound, coalesce(h.cum_good, m.cum_good, p.good) as good, coalesce(h.cum_total, m.cum_total, p.total) as total
      from positions p
      left join slo_hours h on h.slo_key = p.slo_key and h.bucket_ms = p.hour
      left join slo_minutes m on m.slo_key = p.slo_key and m.bucket_ms = p.minute`.execute(this.database.read);
    return result.rows;
  }

  /** Good and total per hour of one SLO from `start` to `end` (minute buckets summed into their hours), oldest first. */
  async hourly(sloKey: string, start: number, end: number): Promise<{ hour: number; good: number; total: number }[]> {
    const result = await sql<{
      hour: number;
      good: number;
      total: number;
    }>`select hour, sum(good) as good, sum(total) as total from (
        select bucket_ms - (bucket_ms % ${sql.lit(HOUR_MS)}) as hour, good, total from slo_minutes where slo_key = ${sloKey} and bucket_ms >= ${start} and bucket_ms < ${end}
        union all
        select bucket_ms as hour, good, total from slo_hours where slo_key = ${sloKey} and bucket_ms >= ${start} and bucket_ms < ${end}
      ) buckets group by hour order by hour`.execute(this.database.read);
    return result.rows.map((r) => ({ hour: Number(r.hour), good: Number(r.good), total: Number(r.total) }));
  }

  /**
   * Sums minute buckets older than 48 hours (whole hours before `now` − 48 h) into hour
   * buckets, a few hundred SLOs per transaction: a pushed minute counts once, in one table
   * or the other, and each SLO's hours end where its minutes begin. Answers how many
   * minute rows were folded.
   */
  async compact(now: number): Promise<number> {
    const cutoff = Math.floor((now - MINUTES_KEPT_MS) / HOUR_MS) * HOUR_MS;
    const due = await this.database.db
      .selectFrom('slo_event_totals')
      .select('slo_key')
      .where('hours_before', '<', cutoff)
      .execute();
    let folded = 0;
    for (const batch of chunks(
      due.map((r) => r.slo_key),
      KEY_CHUNK,
    ))
      folded += await this.database.db.transaction().execute(async (trx) => {
        // The totals rows first, as a push takes them: a push to one of these SLOs waits for this fold, and this fold for it.
        await trx
          .updateTable('slo_event_totals')
          .set({ hours_before: cutoff })
          .where('slo_key', 'in', batch)
          .where('hours_before', '<', cutoff)
          .execute();
        // An hour's running totals are its first minute's: counts are never negative, so that is the least.
        // No hour bucket exists yet at these minutes' hours (hours end where minutes begin): a clash would be a bug, and fails.
        await sql`insert into slo_hours (slo_key, bucket_ms, good, total, cum_good, cum_total)
          select slo_key, hour, sum(good), sum(total), min(cum_good), min(cum_total) from (
            select slo_key, bucket_ms - (bucket_ms % ${sql.lit(HOUR_MS)}) as hour, good, total, cum_good, cum_total
            from slo_minutes where slo_key in (${sql.join(batch.map((k) => sql`${k}`))}) and bucket_ms < ${cutoff}
          ) minutes group by slo_key, hour`.execute(trx);
        const deleted = await trx
          .deleteFrom('slo_minutes')
          .where('slo_key', 'in', batch)
          .where('bucket_ms', '<', cutoff)
          .executeTakeFirst();
        return Number(deleted.numDeletedRows);
      });
    return folded;
  }

  /**
   * Deletes the buckets of `keys` that started before `before` (two SLO windows ago). The
   * running totals of later buckets keep counting them, which is right: a window's sum is
   * a difference of two running totals, and no window reaches back that far.
   */
  async prune(keys: readonly string[], before: number): Promise<number> {
    let deleted = 0;
    for (const batch of chunks(keys, KEY_CHUNK))
      for (const table of ['slo_minutes', 'slo_hours'] as const) {
        const result = await this.database.db
          .deleteFrom(table)
          .where('slo_key', 'in', batch)
          .where('bucket_ms', '<', before)
          .executeTakeFirst();
        deleted += Number(result.numDeletedRows);
      }
    return deleted;
  }

  /** Every SLO's alerts (those that ever fired), by SLO key. */
  async alerts(): Promise<Map<string, StoredAlert[]>> {
    const rows = await this.database.db.selectFrom('slo_alerts').selectAll().execute();
    const out = new Map<string, StoredAlert[]>();
    for (const row of rows) {
      const list = out.get(row.slo_key) ?? [];
      list.push({
        severity: row.severity as AlertSeverity,
        state: row.state as StoredAlert['state'],
        since: row.since,
        long: row.long_window as BurnWindow,
        short: row.short_window as BurnWindow,
        factor: row.factor,
      });
      out.set(row.slo_key, list);
    }
    return out;
  }

  /**
   * Writes a cycle's changed statuses, changed alerts and their history, and `alongside`
   * (the notifications of the changes), in one transaction: an alert's change and its
   * message are stored together or not at all. Answers how many status rows it wrote.
   */
  async saveEvaluation(write: EvaluationWrite, alongside?: AlongsideWrite): Promise<number> {
    return this.database.db.transaction().execute((trx) => this.writeEvaluation(trx, write, alongside));
  }

  /** saveEvaluation's writes, for a transaction another store opens (the change timeline's, with the alerts' changes). */
  evaluationWrite(write: EvaluationWrite, alongside?: AlongsideWrite): AlongsideWrite {
    return async (trx) => {
      await this.writeEvaluation(trx, write, alongside);
    };
  }

  private async writeEvaluation(
    trx: Transaction<Schema>,
    write: EvaluationWrite,
    alongside: AlongsideWrite | undefined,
  ): Promise<number> {
    // Most statuses are as the last cycle left them: only those that differ are written.
    const stored = await this.storedBodies(trx);
    const changed: { slo_key: string; body: string; changed_at: string }[] = [];
    for (const [i, s] of write.statuses.entries()) {
      if (i > 0 && i % COMPARE_SLICE === 0) await nextTurn();
      const body = JSON.stringify(s);
      if (stored.get(s.key) !== body) changed.push({ slo_key: s.key, body, changed_at: write.at });
    }
    for (const { slo_key, body } of changed) stored.set(slo_key, body);
    for (const [i, chunk] of chunks(changed, ROW_CHUNK).entries()) {
      // Other requests' turn between statements (a transaction's reads wait for none of it on SQLite's read connection).
      if (i > 0) await nextTurn();
      await trx
        .insertInto('slo_status')
        .values(chunk)
        .onConflict((oc) =>
          oc.column('slo_key').doUpdateSet((eb) => ({
            body: eb.ref('excluded.body'),
            changed_at: eb.ref('excluded.changed_at'),
          })),
        )
        .execute();
    }
    for (const chunk of chunks(write.alerts, ROW_CHUNK))
      await trx
        .insertInto('slo_alerts')
        .values(
          chunk.map(({ sloKey, alert }) => ({
            slo_key: sloKey,
            severity: alert.severity,
            state: alert.state,
            since: alert.since,
            long_window: alert.long,
            short_window: alert.short,
            factor: alert.factor,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['slo_key', 'severity']).doUpdateSet((eb) => ({
            state: eb.ref('excluded.state'),
            since: eb.ref('excluded.since'),
            long_window: eb.ref('excluded.long_window'),
            short_window: eb.ref('excluded.short_window'),
            factor: eb.ref('excluded.factor'),
          })),
        )
        .execute();
    for (const chunk of chunks(write.history, ROW_CHUNK))
      await trx
        .insertInto('slo_alert_history')
        .values(
          chunk.map((e) => ({
            slo_key: e.slo,
            service_key: e.service,
            severity: e.severity,
            state: e.state,
            at: e.at,
            long_window: e.long,
            short_window: e.short,
            factor: e.factor,
          })),
        )
        .execute();
    if (write.cycle !== undefined)
      await trx
        .insertInto('slo_cycles')
        .values({ name: EVALUATED, cycle: write.cycle, holder: '', expires_ms: 0, evaluated_at: write.at })
        .onConflict((oc) => oc.column('name').doUpdateSet({ cycle: write.cycle, evaluated_at: write.at }))
        .execute();
    await alongside?.(trx);
    // Known only once committed: until then the last evaluated cycle is another, and `known` not used.
    if (write.cycle !== undefined) this.known = { cycle: write.cycle, bodies: stored };
    return changed.length;
  }

  /** Every stored status body: those this store knows while they are current (see `known`), else read back. */
  private async storedBodies(trx: Transaction<Schema>): Promise<Map<string, string>> {
    const known = this.known;
    // From here the bodies change: a write that does not commit must not leave them known.
    this.known = undefined;
    if (known) {
      const last = await trx.selectFrom('slo_cycles').select('cycle').where('name', '=', EVALUATED).executeTakeFirst();
      if (last && Number(last.cycle) === known.cycle) return known.bodies;
    }
    const bodies = new Map<string, string>();
    for (const row of await trx.selectFrom('slo_status').select(['slo_key', 'body']).execute())
      bodies.set(row.slo_key, row.body);
    return bodies;
  }

  /** The last cycle whose evaluation committed (-1 before the first): one primary-key read, cheap to poll. */
  async evaluatedCycle(): Promise<number> {
    const row = await this.database.db
      .selectFrom('slo_cycles')
      .select('cycle')
      .where('name', '=', EVALUATED)
      .executeTakeFirst();
    return row ? Number(row.cycle) : -1;
  }

  /** The last cycle whose evaluation committed and when it ran (undefined before the first): one primary-key read. */
  async lastEvaluation(): Promise<{ cycle: number; at: string } | undefined> {
    const row = await this.database.db
      .selectFrom('slo_cycles')
      .select(['cycle', 'evaluated_at'])
      .where('name', '=', EVALUATED)
      .executeTakeFirst();
    return row?.evaluated_at ? { cycle: Number(row.cycle), at: row.evaluated_at } : undefined;
  }

  /**
   * The statuses written by evaluations that ran after `after` (every one without it), by
   * SLO key from just after `fromKey`, at most `limit`: a replica follows what its pages
   * show a page at a time (a later call asks from the last key).
   */
  async statusesChangedAfter(after: string | undefined, fromKey: string, limit: number): Promise<SloStatus[]> {
    let query = this.database.db
      .selectFrom('slo_status')
      .select(['slo_key', 'body'])
      .where('slo_key', '>', fromKey)
      .orderBy('slo_key')
      .limit(limit);
    if (after !== undefined) query = query.where('changed_at', '>', after);
    return (await query.execute()).map((row) => JSON.parse(row.body) as SloStatus);
  }

  /** The latest statuses of `keys` (those evaluated at least once), each with the last evaluated cycle's time. */
  async statuses(keys: readonly string[]): Promise<Map<string, SloStatus>> {
    const out = new Map<string, SloStatus>();
    const cycle = await this.database.read
      .selectFrom('slo_cycles')
      .select('evaluated_at')
      .where('name', '=', EVALUATED)
      .executeTakeFirst();
    // Every SLO is evaluated each cycle, so each status holds as of the last one (a body from before 0019 has its own time).
    const time = cycle?.evaluated_at ? { evaluatedAt: cycle.evaluated_at } : {};
    for (const batch of chunks([...new Set(keys)], KEY_CHUNK)) {
      const rows = await this.database.read
        .selectFrom('slo_status')
        .select(['slo_key', 'body'])
        .where('slo_key', 'in', batch)
        .execute();
      for (const row of rows) out.set(row.slo_key, { ...(JSON.parse(row.body) as SloStatus), ...time });
    }
    return out;
  }

  /** An SLO's alert changes, newest first. */
  async alertHistory(sloKey: string, limit: number): Promise<AlertEvent[]> {
    const rows = await this.database.read
      .selectFrom('slo_alert_history')
      .selectAll()
      .where('slo_key', '=', sloKey)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      slo: r.slo_key,
      severity: r.severity as AlertSeverity,
      state: r.state as AlertEvent['state'],
      at: r.at,
      factor: r.factor,
      long: r.long_window as BurnWindow,
      short: r.short_window as BurnWindow,
    }));
  }

  /**
   * Takes evaluation cycle `cycle` of `name` for `holder` until `expiresAt`: only if no one
   * took it or a later one, and the last holder's lease has ended (or it is this holder).
   * One atomic UPDATE … WHERE, no session state, so it works through PgBouncer's
   * transaction pooling; the row is made on first use.
   */
  async claimCycle(name: string, cycle: number, holder: string, now: number, expiresAt: number): Promise<boolean> {
    await this.database.db
      .insertInto('slo_cycles')
      .values({ name, cycle: -1, holder: '', expires_ms: 0 })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const result = await this.database.db
      .updateTable('slo_cycles')
      .set({ cycle, holder, expires_ms: expiresAt })
      .where('name', '=', name)
      .where('cycle', '<', cycle)
      .where((eb) => eb.or([eb('expires_ms', '<=', now), eb('holder', '=', holder)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Ends `holder`'s lease of `name` (its cycle is done), so another replica may take the next one at once. */
  async releaseCycle(name: string, holder: string, now: number): Promise<void> {
    await this.database.db
      .updateTable('slo_cycles')
      .set({ expires_ms: now })
      .where('name', '=', name)
      .where('holder', '=', holder)
      .execute();
  }
}
