import { type Kysely, sql } from 'kysely';
import type { Database } from '../platform/db/connect.ts';
import type { Schema } from '../platform/db/schema.ts';
import type {
  AssertionResult,
  BrowserRunDetail,
  CheckResult,
  CheckStatus,
  LocationState,
  RunStatus,
  Timings,
} from './model.ts';

/** Where a store write runs: the database, or a transaction another capability opened (the runners' outcome). */
export type Executor = Kysely<Schema>;

export const HOUR_MS = 3_600_000;
/** Single runs are kept this long; hourly sums much longer. */
export const RESULTS_KEPT_MS = 14 * 24 * HOUR_MS;
export const HOURS_KEPT_MS = 400 * 24 * HOUR_MS;
/** Screenshots of failing runs each check keeps (the newest): enough to compare, bounded in size. */
export const SCREENSHOTS_KEPT = 20;
/** Keys per `in (...)` list. */
const KEY_CHUNK = 500;

/** A run as recorded. */
export interface RunRow {
  runId: string;
  check: string;
  location: string;
  roundMs: number;
  atMs: number;
  status: RunStatus;
  responseTimeMs?: number;
  timings?: Timings;
  assertions: readonly AssertionResult[];
  excerpt?: string;
  error?: string;
  runner?: string;
  browser?: BrowserRunDetail;
  /** A failing browser run's screenshot (JPEG, base64). */
  screenshot?: string;
}

/** A maintenance window added through the API (epoch ms, start inclusive, end exclusive). */
export interface StoredWindow {
  id: number;
  check: string;
  start: number;
  end: number;
  reason?: string;
  /** The token's name that added it. */
  createdBy: string;
}

/** A check's stored status and alert. */
export interface StoredState {
  status: CheckStatus;
  alertOpen: boolean;
  changedAt: string;
}

export interface Transition {
  id: number;
  check: string;
  service: string;
  from: CheckStatus;
  to: CheckStatus;
  at: string;
  reason: string;
}

/** An hour of runs at a location. */
export interface HourRow {
  location: string;
  hourMs: number;
  runs: number;
  passing: number;
  degraded: number;
  failing: number;
  responseSum: number;
  responseMax: number;
}

/** Good (passing + degraded) and total runs of some checks over a span. */
export interface RunCounts {
  good: number;
  total: number;
}

const num = (v: number | string | bigint | null | undefined): number => (v === null || v === undefined ? 0 : Number(v));

function chunked<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += KEY_CHUNK) out.push(items.slice(i, i + KEY_CHUNK));
  return out;
}

/**
 * The only SQL of checks: runs (each recorded once, by run id) with their hourly sums,
 * each location's state, each check's status and alert, status transitions waiting for the
 * timeline, the reads of pages, the API and SLOs, and retention.
 */
export class CheckStore {
  constructor(private readonly database: Database) {}

  get db(): Kysely<Schema> {
    return this.database.db;
  }

  /**
   * Records a run and adds it to its hour, in `into` (the caller's transaction). Answers
   * false, writing nothing, when the run id was recorded before.
   */
  async recordRun(into: Executor, run: RunRow): Promise<boolean> {
    const inserted = await into
      .insertInto('check_results')
      .values({
        run_id: run.runId,
        check_key: run.check,
        location: run.location,
        round_ms: run.roundMs,
        at_ms: run.atMs,
        at: new Date(run.atMs).toISOString(),
        status: run.status,
        response_ms: run.responseTimeMs ?? null,
        detail: JSON.stringify({
          ...(run.timings ? { timings: run.timings } : {}),
          assertions: run.assertions,
          ...(run.excerpt === undefined ? {} : { excerpt: run.excerpt }),
          ...(run.browser ? { browser: run.browser } : {}),
        }),
        error: run.error ?? null,
        runner: run.runner ?? null,
      })
      .onConflict((oc) => oc.column('run_id').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return false;
    if (run.screenshot !== undefined) await this.saveScreenshot(into, run, run.screenshot);
    const response = run.responseTimeMs ?? 0;
    await into
      .insertInto('check_hours')
      .values({
        check_key: run.check,
        location: run.location,
        hour_ms: run.atMs - (run.atMs % HOUR_MS),
        runs: 1,
        passing: run.status === 'passing' ? 1 : 0,
        degraded: run.status === 'degraded' ? 1 : 0,
        failing: run.status === 'failing' ? 1 : 0,
        response_sum: response,
        response_max: response,
      })
      .onConflict((oc) =>
        oc.columns(['check_key', 'location', 'hour_ms']).doUpdateSet({
          runs: sql`check_hours.runs + 1`,
          passing: sql`check_hours.passing + excluded.passing`,
          degraded: sql`check_hours.degraded + excluded.degraded`,
          failing: sql`check_hours.failing + excluded.failing`,
          response_sum: sql`check_hours.response_sum + excluded.response_sum`,
          response_max: sql`case when excluded.response_max > check_hours.response_max then excluded.response_max else check_hours.response_max end`,
        }),
      )
      .execute();
    return true;
  }

  /** The states of a check's locations (those that ever ran), in `from` (the caller's transaction, to read its own writes). */
  async locations(from: Executor, check: string): Promise<LocationState[]> {
    const rows = await from
      .selectFrom('check_locations')
      .select(['body'])
      .where('check_key', '=', check)
      .orderBy('location')
      .execute();
    return rows.map((r) => JSON.parse(r.body) as LocationState);
  }

  async saveLocation(into: Executor, check: string, state: LocationState): Promise<void> {
    const body = JSON.stringify(state);
    await into
      .insertInto('check_locations')
      .values({ check_key: check, location: state.location, body })
      .onConflict((oc) => oc.columns(['check_key', 'location']).doUpdateSet({ body }))
      .execute();
  }

  /**
   * Takes the check's row lock for the rest of `trx` (an upsert of its state row that changes
   * nothing), so outcomes of one check arriving together are applied one after the other:
   * each then reads the locations the one before it committed. SQLite runs one writer at a
   * time anyway.
   */
  async lock(trx: Executor, check: string, at: string): Promise<void> {
    await trx
      .insertInto('check_states')
      .values({ check_key: check, status: 'pending', alert_open: 0, changed_at: at })
      .onConflict((oc) => oc.column('check_key').doUpdateSet({ check_key: check }))
      .execute();
  }

  async state(from: Executor, check: string): Promise<StoredState | undefined> {
    const row = await from.selectFrom('check_states').selectAll().where('check_key', '=', check).executeTakeFirst();
    return (
      row && { status: row.status as CheckStatus, alertOpen: num(row.alert_open) === 1, changedAt: row.changed_at }
    );
  }

  async saveState(into: Executor, check: string, state: StoredState): Promise<void> {
    const values = { status: state.status, alert_open: state.alertOpen ? 1 : 0, changed_at: state.changedAt };
    await into
      .insertInto('check_states')
      .values({ check_key: check, ...values })
      .onConflict((oc) => oc.column('check_key').doUpdateSet(values))
      .execute();
  }

  async addTransition(into: Executor, t: Omit<Transition, 'id'>): Promise<void> {
    await into
      .insertInto('check_transitions')
      .values({
        check_key: t.check,
        service_key: t.service,
        from_status: t.from,
        to_status: t.to,
        at: t.at,
        reason: t.reason,
        recorded_at: null,
      })
      .execute();
  }

  /** Transitions not yet on the timeline, oldest first. */
  async unrecordedTransitions(limit: number): Promise<Transition[]> {
    const rows = await this.database.db
      .selectFrom('check_transitions')
      .selectAll()
      .where('recorded_at', 'is', null)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: num(r.id),
      check: r.check_key,
      service: r.service_key,
      from: r.from_status as CheckStatus,
      to: r.to_status as CheckStatus,
      at: r.at,
      reason: r.reason,
    }));
  }

  /** Marks transitions as on the timeline, in the transaction that put them there. */
  async markRecorded(into: Executor, ids: readonly number[], at: string): Promise<void> {
    for (const part of chunked(ids))
      await into.updateTable('check_transitions').set({ recorded_at: at }).where('id', 'in', part).execute();
  }

  /** Status transitions of a check, newest first (its page's history). */
  async transitions(check: string, limit: number): Promise<Transition[]> {
    const rows = await this.database.read
      .selectFrom('check_transitions')
      .selectAll()
      .where('check_key', '=', check)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: num(r.id),
      check: r.check_key,
      service: r.service_key,
      from: r.from_status as CheckStatus,
      to: r.to_status as CheckStatus,
      at: r.at,
      reason: r.reason,
    }));
  }

  /** Stored statuses and location states of many checks (pages, lists). */
  async states(checks: readonly string[]): Promise<Map<string, { state?: StoredState; locations: LocationState[] }>> {
    const out = new Map<string, { state?: StoredState; locations: LocationState[] }>();
    for (const key of checks) out.set(key, { locations: [] });
    for (const part of chunked(checks)) {
      const [states, locations] = await Promise.all([
        this.database.read.selectFrom('check_states').selectAll().where('check_key', 'in', part).execute(),
        this.database.read
          .selectFrom('check_locations')
          .selectAll()
          .where('check_key', 'in', part)
          .orderBy('check_key')
          .orderBy('location')
          .execute(),
      ]);
      for (const s of states) {
        const entry = out.get(s.check_key);
        if (entry)
          entry.state = {
            status: s.status as CheckStatus,
            alertOpen: num(s.alert_open) === 1,
            changedAt: s.changed_at,
          };
      }
      for (const l of locations) out.get(l.check_key)?.locations.push(JSON.parse(l.body) as LocationState);
    }
    return out;
  }

  /** Keeps a run's screenshot and forgets the check's beyond the newest SCREENSHOTS_KEPT. */
  private async saveScreenshot(into: Executor, run: RunRow, data: string): Promise<void> {
    await into
      .insertInto('check_screenshots')
      .values({ run_id: run.runId, check_key: run.check, at_ms: run.atMs, media_type: 'image/jpeg', data })
      .onConflict((oc) => oc.column('run_id').doNothing())
      .execute();
    const kept = await into
      .selectFrom('check_screenshots')
      .select('at_ms')
      .where('check_key', '=', run.check)
      .orderBy('at_ms', 'desc')
      .offset(SCREENSHOTS_KEPT - 1)
      .limit(1)
      .executeTakeFirst();
    if (kept)
      await into
        .deleteFrom('check_screenshots')
        .where('check_key', '=', run.check)
        .where('at_ms', '<', num(kept.at_ms))
        .execute();
  }

  /** A run's screenshot (media type and bytes), if it is kept. */
  async screenshot(check: string, runId: string): Promise<{ mediaType: string; data: Buffer } | undefined> {
    const row = await this.database.read
      .selectFrom('check_screenshots')
      .select(['media_type', 'data'])
      .where('run_id', '=', runId)
      .where('check_key', '=', check)
      .executeTakeFirst();
    return row ? { mediaType: row.media_type, data: Buffer.from(row.data, 'base64') } : undefined;
  }

  /** A check's runs, newest first, `limit` of them before the cursor (a run's `at_ms` and id). */
  async results(check: string, limit: number, before?: { atMs: number; runId: string }): Promise<CheckResult[]> {
    let query = this.database.read.selectFrom('check_results').selectAll().where('check_key', '=', check);
    if (before)
      query = query.where((eb) =>
        eb.or([
          eb('at_ms', '<', before.atMs),
          eb.and([eb('at_ms', '=', before.atMs), eb('run_id', '<', before.runId)]),
        ]),
      );
    const rows = await query.orderBy('at_ms', 'desc').orderBy('run_id', 'desc').limit(limit).execute();
    const pictured = new Set<string>();
    const failing = rows.filter((r) => r.status === 'failing').map((r) => r.run_id);
    for (const ids of chunked(failing))
      for (const r of await this.database.read
        .selectFrom('check_screenshots')
        .select('run_id')
        .where('run_id', 'in', ids)
        .execute())
        pictured.add(r.run_id);
    return rows.map((r) => {
      const detail = JSON.parse(r.detail) as {
        timings?: Timings;
        assertions: AssertionResult[];
        excerpt?: string;
        browser?: BrowserRunDetail;
      };
      return {
        runId: r.run_id,
        check: r.check_key,
        location: r.location,
        round: new Date(num(r.round_ms)).toISOString(),
        at: r.at,
        status: r.status as RunStatus,
        ...(r.response_ms === null ? {} : { responseTimeMs: num(r.response_ms) }),
        ...(detail.timings ? { timings: detail.timings } : {}),
        assertions: detail.assertions,
        ...(detail.excerpt === undefined ? {} : { excerpt: detail.excerpt }),
        ...(r.error === null ? {} : { error: r.error }),
        ...(r.runner === null ? {} : { runner: r.runner }),
        ...(detail.browser ? { browser: detail.browser } : {}),
        ...(pictured.has(r.run_id) ? { screenshot: true } : {}),
      };
    });
  }

  /** Each run's location, round and verdict since `fromMs` (the page's grid of rounds). */
  async rounds(
    check: string,
    fromMs: number,
  ): Promise<{ location: string; roundMs: number; status: RunStatus; responseTimeMs?: number }[]> {
    const rows = await this.database.read
      .selectFrom('check_results')
      .select(['location', 'round_ms', 'status', 'response_ms'])
      .where('check_key', '=', check)
      .where('at_ms', '>=', fromMs)
      .orderBy('round_ms')
      .execute();
    return rows.map((r) => ({
      location: r.location,
      roundMs: num(r.round_ms),
      status: r.status as RunStatus,
      ...(r.response_ms === null ? {} : { responseTimeMs: num(r.response_ms) }),
    }));
  }

  /** Hourly sums of a check per location in [fromMs, toMs), oldest first. */
  async hours(check: string, fromMs: number, toMs: number): Promise<HourRow[]> {
    const rows = await this.database.read
      .selectFrom('check_hours')
      .selectAll()
      .where('check_key', '=', check)
      .where('hour_ms', '>=', fromMs - (fromMs % HOUR_MS))
      .where('hour_ms', '<', toMs)
      .orderBy('hour_ms')
      .orderBy('location')
      .execute();
    return rows.map((r) => ({
      location: r.location,
      hourMs: num(r.hour_ms),
      runs: num(r.runs),
      passing: num(r.passing),
      degraded: num(r.degraded),
      failing: num(r.failing),
      responseSum: num(r.response_sum),
      responseMax: num(r.response_max),
    }));
  }

  /**
   * Good and total runs of `checks` together since `fromMs` (until `toMs`): single runs while
   * they are kept (exact to the run), hourly sums for older spans (exact to the hour).
   */
  async counts(checks: readonly string[], fromMs: number, toMs: number, now: number): Promise<RunCounts> {
    if (checks.length === 0) return { good: 0, total: 0 };
    let good = 0;
    let total = 0;
    for (const part of chunked(checks)) {
      if (fromMs >= now - RESULTS_KEPT_MS) {
        const row = await this.database.read
          .selectFrom('check_results')
          .select([
            sql<number>`count(*)`.as('total'),
            sql<number>`sum(case when status = 'failing' then 0 else 1 end)`.as('good'),
          ])
          .where('check_key', 'in', part)
          .where('at_ms', '>=', fromMs)
          .where('at_ms', '<', toMs)
          .executeTakeFirst();
        good += num(row?.good);
        total += num(row?.total);
      } else {
        const row = await this.database.read
          .selectFrom('check_hours')
          .select([sql<number>`sum(runs)`.as('total'), sql<number>`sum(passing + degraded)`.as('good')])
          .where('check_key', 'in', part)
          .where('hour_ms', '>=', fromMs - (fromMs % HOUR_MS))
          .where('hour_ms', '<', toMs)
          .executeTakeFirst();
        good += num(row?.good);
        total += num(row?.total);
      }
    }
    return { good, total };
  }

  /** Forgets runs and hours past their retention. Answers how many runs went. */
  /** Adds a maintenance window of a check (in `into`, with its idempotency key); answers its id. */
  async addMaintenance(into: Executor, window: Omit<StoredWindow, 'id'> & { createdAt: string }): Promise<number> {
    const row = await into
      .insertInto('check_maintenance')
      .values({
        check_key: window.check,
        start_ms: window.start,
        end_ms: window.end,
        reason: window.reason ?? null,
        created_by: window.createdBy,
        created_at: window.createdAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  /** A check's API windows that end after `after` (epoch ms), the earliest start first; `from` reads a transaction's own writes. */
  async maintenance(from: Executor, check: string, after: number): Promise<StoredWindow[]> {
    const rows = await from
      .selectFrom('check_maintenance')
      .selectAll()
      .where('check_key', '=', check)
      .where('end_ms', '>', after)
      .orderBy('start_ms')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: Number(r.id),
      check: r.check_key,
      start: Number(r.start_ms),
      end: Number(r.end_ms),
      ...(r.reason === null ? {} : { reason: r.reason }),
      createdBy: r.created_by,
    }));
  }

  /** Which of `checks` have an API window open at `at` (epoch ms). */
  async inMaintenance(checks: readonly string[], at: number): Promise<Set<string>> {
    const open = new Set<string>();
    for (const slice of chunked(checks)) {
      if (slice.length === 0) continue;
      const rows = await this.database.read
        .selectFrom('check_maintenance')
        .select('check_key')
        .distinct()
        .where('check_key', 'in', slice)
        .where('start_ms', '<=', at)
        .where('end_ms', '>', at)
        .execute();
      for (const r of rows) open.add(r.check_key);
    }
    return open;
  }

  /** Removes a check's API window (in `into`); false when the check has no window with that id. */
  async removeMaintenance(into: Executor, check: string, id: number): Promise<boolean> {
    const result = await into
      .deleteFrom('check_maintenance')
      .where('check_key', '=', check)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async prune(now: number): Promise<number> {
    const results = await this.database.db
      .deleteFrom('check_results')
      .where('at_ms', '<', now - RESULTS_KEPT_MS)
      .executeTakeFirst();
    await this.database.db
      .deleteFrom('check_screenshots')
      .where('at_ms', '<', now - RESULTS_KEPT_MS)
      .execute();
    await this.database.db
      .deleteFrom('check_hours')
      .where('hour_ms', '<', now - HOURS_KEPT_MS)
      .execute();
    await this.database.db
      .deleteFrom('check_transitions')
      .where('recorded_at', 'is not', null)
      .where('at', '<', new Date(now - HOURS_KEPT_MS).toISOString())
      .execute();
    // Windows are kept as long as the runs they explain.
    await this.database.db
      .deleteFrom('check_maintenance')
      .where('end_ms', '<', now - RESULTS_KEPT_MS)
      .execute();
    return Number(results.numDeletedRows);
  }
}
