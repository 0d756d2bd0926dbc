import { type Kysely, sql } from 'kysely';
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
/** Windows summed by one query (two columns each). */
const WINDOWS_PER_QUERY = 24;
/** Keys per `in (...)` list. */
const KEY_CHUNK = 500;

/** Bucket rows as stored: both databases hand bigint sums back as numbers (pg's parser is set in connect.ts). */
interface SumRow {
  slo_key: string;
  [column: string]: string | number | null;
}

/**
 * The only SQL of SLOs: pushed events in minute and hour buckets (sums, compaction,
 * retention), alert states and their history, the latest statuses, and the claim of an
 * evaluation cycle.
 */
export class SloStore {
  constructor(private readonly database: Database) {}

  /**
   * Adds pushed events to their minute buckets (sums: a bucket pushed twice holds both),
   * with the idempotency key last in the same transaction: a retry fails on it, rolls back
   * and answers the first response (or a conflict, for another body with the same key).
   */
  async addEvents(
    sloKey: string,
    events: readonly PushedEvent[],
    respond: () => StoredAnswer,
    idempotency: IdempotencyKey | undefined,
    now: Date,
  ): Promise<EventsOutcome> {
    // One row per minute: PostgreSQL refuses an upsert that touches a row twice in one statement.
    const minutes = new Map<number, { good: number; total: number }>();
    for (const e of events) {
      const bucket = e.atMs - (e.atMs % MINUTE_MS);
      const sum = minutes.get(bucket) ?? { good: 0, total: 0 };
      sum.good += e.good;
      sum.total += e.total;
      minutes.set(bucket, sum);
    }
    try {
      return await this.database.db.transaction().execute(async (trx) => {
        for (const chunk of chunks([...minutes], ROW_CHUNK))
          await trx
            .insertInto('slo_minutes')
            .values(chunk.map(([bucket, s]) => ({ slo_key: sloKey, bucket_ms: bucket, good: s.good, total: s.total })))
            .onConflict((oc) =>
              oc.columns(['slo_key', 'bucket_ms']).doUpdateSet((eb) => ({
                good: eb('slo_minutes.good', '+', eb.ref('excluded.good')),
                total: eb('slo_minutes.total', '+', eb.ref('excluded.total')),
              })),
            )
            .execute();
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
   * Good and total per SLO over each window up to `end` (exclusive), from minute and hour
   * buckets, summed in SQL: one query for every SLO (or those of `keys`) and up to 24
   * windows. An hour bucket counts when it starts within the window (hours exist only past
   * 48 h, where windows are days long). SLOs without a bucket in any window are absent.
   */
  async windowSums(
    windows: readonly SumWindow[],
    end: number,
    keys?: readonly string[],
  ): Promise<Map<string, Map<string, EventCounts>>> {
    const out = new Map<string, Map<string, EventCounts>>();
    for (const group of chunks(windows, WINDOWS_PER_QUERY)) {
      const earliest = Math.min(...group.map((w) => w.start));
      for (const batch of keys ? chunks(keys, KEY_CHUNK) : [undefined]) {
        const rows = await this.sums(this.database.read, group, earliest, end, batch);
        for (const row of rows) {
          let sums = out.get(row.slo_key);
          if (!sums) out.set(row.slo_key, (sums = new Map()));
          group.forEach((w, i) => {
            const total = Number(row[`t${i}`] ?? 0);
            if (total > 0) sums.set(w.id, { good: Number(row[`g${i}`] ?? 0), total });
          });
        }
      }
    }
    return out;
  }

  private async sums(
    db: Kysely<Schema>,
    windows: readonly SumWindow[],
    earliest: number,
    end: number,
    keys: readonly string[] | undefined,
  ): Promise<SumRow[]> {
    const only = keys ? sql`and slo_key in (${sql.join(keys.map((k) => sql`${k}`))})` : sql``;
    const columns = windows.map(
      (w, i) =>
        sql`sum(case when bucket_ms >= ${w.start} then good else 0 end) as ${sql.ref(`g${i}`)}, sum(case when bucket_ms >= ${w.start} then total else 0 end) as ${sql.ref(`t${i}`)}`,
    );
    const result = await sql<SumRow>`select slo_key, ${sql.join(columns)} from (
        select slo_key, bucket_ms, good, total from slo_minutes where bucket_ms >= ${earliest} and bucket_ms < ${end} ${only}
        union all
        select slo_key, bucket_ms, good, total from slo_hours where bucket_ms >= ${earliest} and bucket_ms < ${end} ${only}
      ) buckets group by slo_key`.execute(db);
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
   * buckets, in one transaction: a pushed minute counts once, in one table or the other.
   * Answers how many minute rows were folded.
   */
  async compact(now: number): Promise<number> {
    const cutoff = Math.floor((now - MINUTES_KEPT_MS) / HOUR_MS) * HOUR_MS;
    return this.database.db.transaction().execute(async (trx) => {
      // `where` keeps SQLite from reading `on conflict` as a join's (its documented parsing ambiguity).
      await sql`insert into slo_hours (slo_key, bucket_ms, good, total)
        select slo_key, hour, sum(good), sum(total) from (
          select slo_key, bucket_ms - (bucket_ms % ${sql.lit(HOUR_MS)}) as hour, good, total from slo_minutes where bucket_ms < ${cutoff}
        ) minutes where true group by slo_key, hour
        on conflict (slo_key, bucket_ms) do update set good = slo_hours.good + excluded.good, total = slo_hours.total + excluded.total`.execute(
        trx,
      );
      const deleted = await trx.deleteFrom('slo_minutes').where('bucket_ms', '<', cutoff).executeTakeFirst();
      return Number(deleted.numDeletedRows);
    });
  }

  /** Deletes the buckets of `keys` that started before `before` (two SLO windows ago). */
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
   * Writes a cycle's statuses, changed alerts and their history, and `alongside` (the
   * notifications of the changes), in one transaction: an alert's change and its message
   * are stored together or not at all.
   */
  async saveEvaluation(write: EvaluationWrite, alongside?: AlongsideWrite): Promise<void> {
    await this.database.db.transaction().execute(this.evaluationWrite(write, alongside));
  }

  /** saveEvaluation's writes, for a transaction another store opens (the change timeline's, with the alerts' changes). */
  evaluationWrite(write: EvaluationWrite, alongside?: AlongsideWrite): AlongsideWrite {
    return async (trx) => {
      for (const chunk of chunks(write.statuses, ROW_CHUNK))
        await trx
          .insertInto('slo_status')
          .values(chunk.map((s) => ({ slo_key: s.key, body: JSON.stringify(s), evaluated_at: s.evaluatedAt ?? '' })))
          .onConflict((oc) =>
            oc.column('slo_key').doUpdateSet((eb) => ({
              body: eb.ref('excluded.body'),
              evaluated_at: eb.ref('excluded.evaluated_at'),
            })),
          )
          .execute();
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
          .values({ name: EVALUATED, cycle: write.cycle, holder: '', expires_ms: 0 })
          .onConflict((oc) => oc.column('name').doUpdateSet({ cycle: write.cycle }))
          .execute();
      await alongside?.(trx);
    };
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

  /** The latest statuses of `keys` (those evaluated at least once). */
  async statuses(keys: readonly string[]): Promise<Map<string, SloStatus>> {
    const out = new Map<string, SloStatus>();
    for (const batch of chunks([...new Set(keys)], KEY_CHUNK)) {
      const rows = await this.database.read
        .selectFrom('slo_status')
        .select(['slo_key', 'body'])
        .where('slo_key', 'in', batch)
        .execute();
      for (const row of rows) out.set(row.slo_key, JSON.parse(row.body) as SloStatus);
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
