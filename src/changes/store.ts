import { type Expression, type ExpressionBuilder, type Selectable, type SqlBool, sql, type Transaction } from 'kysely';
import type { Database } from '../platform/db/connect.ts';
import {
  forgetKeys,
  type IdempotencyKey,
  isKeyTaken,
  keysOf,
  priorAnswer,
  recordAnswer,
  type StoredAnswer,
} from '../platform/db/idempotency.ts';
import { chunks } from '../platform/db/chunks.ts';
import { isDatabaseUnavailable } from '../platform/db/connection-loss.ts';
import { isSqliteBusy } from '../platform/db/database-errors.ts';
import type { AlongsideWrite } from '../platform/db/alongside-write.ts';
import type { ChangeEventsTable, Schema } from '../platform/db/schema.ts';
import type {
  ChangeEvent,
  ChangeKind,
  ChangeLine,
  Commit,
  DeploymentStatus,
  EventType,
  NewChangeEvent,
  Slot,
  Strategy,
} from './model.ts';

export interface TimelineFilter {
  types?: readonly EventType[];
  kinds?: readonly ChangeKind[];
  environments?: readonly string[];
  /** Inclusive lower and exclusive upper bound on `at`, ISO. */
  since?: string;
  until?: string;
}

/** A position in a timeline (newest first): the page after it starts below it. */
export interface TimelineCursor {
  at: string;
  id: number;
}

export type StoredResponse = StoredAnswer;

interface WriteJob {
  events: readonly NewChangeEvent[];
  respond: (saved: ChangeEvent[]) => StoredResponse;
  idempotency?: IdempotencyKey;
  alongside?: AlongsideWrite;
  resolve: (outcome: WriteOutcome) => void;
  reject: (err: unknown) => void;
}

export type WriteOutcome =
  | { kind: 'written'; response: StoredResponse; ids: number[] }
  | { kind: 'replayed'; response: StoredResponse }
  | { kind: 'conflict' };

/** A DORA input row: one deployment, its times as epoch milliseconds (commit times as stored). */
export interface DeploymentRow {
  service: string;
  environment: string;
  status: DeploymentStatus;
  startedAt: number;
  finishedAt: number;
  commits: Commit[];
}

/** Rows per multi-row insert: 18 columns each stays far below both databases' parameter limits. */
const INSERT_CHUNK = 500;
/** Keys per `in (...)` list. */
const KEY_CHUNK = 500;

function toEvent(row: Selectable<ChangeEventsTable>): ChangeEvent {
  return {
    id: Number(row.seq),
    type: row.type as EventType,
    service: row.service_ref,
    at: row.at,
    summary: row.summary ?? '',
    environment: row.environment,
    version: row.version,
    status: row.status as DeploymentStatus | null,
    strategy: row.strategy as Strategy | null,
    slot: row.slot as Slot | null,
    kind: row.kind as ChangeKind | null,
    startedAt: row.started_at,
    url: row.url,
    actor: row.actor,
    commits: row.commits === null ? null : (JSON.parse(row.commits) as Commit[]),
    recordedBy: row.recorded_by,
    recordedAt: row.recorded_at,
  };
}

/** Inclusive lower and exclusive upper bound on `at`, ISO. */
export interface LineWindow {
  since: string;
  until: string;
}

/** Changes of `kind` whose URL ends with `urlEndsWith` (compared exactly, on both databases). */
export interface LineExclusion {
  kind: ChangeKind;
  urlEndsWith: string;
}

/** The columns a timeline line shows (ChangeLine). */
const LINE_COLUMNS = [
  'seq',
  'type',
  'service_ref',
  'at',
  'summary',
  'environment',
  'version',
  'status',
  'slot',
  'kind',
  'url',
  'actor',
  'recorded_by',
] as const;

type LineRow = Pick<Selectable<ChangeEventsTable>, (typeof LINE_COLUMNS)[number]>;

function lineOf(row: LineRow): ChangeLine {
  return {
    id: Number(row.seq),
    type: row.type as EventType,
    service: row.service_ref,
    at: row.at,
    summary: row.summary ?? '',
    environment: row.environment,
    version: row.version,
    status: row.status as DeploymentStatus | null,
    slot: row.slot as Slot | null,
    kind: row.kind as ChangeKind | null,
    url: row.url,
    actor: row.actor,
    recordedBy: row.recorded_by,
  };
}

/** The services' events in the window, without `without`'s (NULL-safe: a null kind or URL is never left out). */
function inWindow(
  eb: ExpressionBuilder<Schema, 'change_events'>,
  keys: readonly string[],
  window: LineWindow,
  without?: LineExclusion,
): Expression<SqlBool> {
  const all = [eb('service_key', 'in', [...keys]), eb('at', '>=', window.since), eb('at', '<', window.until)];
  if (without)
    all.push(
      eb.or([
        eb('type', '!=', 'change'),
        eb('kind', 'is', null),
        eb('kind', '!=', without.kind),
        eb('url', 'is', null),
        // The URL's end, by characters: LIKE is case-insensitive on SQLite and not on PostgreSQL, and its % and _ are wildcards.
        eb(
          sql<string>`substr(url, length(url) - ${sql.lit(without.urlEndsWith.length - 1)})`,
          '!=',
          without.urlEndsWith,
        ),
      ]),
    );
  return eb.and(all);
}

/** The only SQL of change events: writes with idempotency, timelines, live state and DORA inputs. */
export class ChangeStore {
  constructor(private readonly database: Database) {}

  /** Writes waiting for the next group commit. */
  private pending: WriteJob[] = [];

  /**
   * Writes the events in one transaction, with the response `respond` makes from them.
   * With an idempotency key already applied, writes nothing and returns the first
   * response (or `conflict` when the key came with another request).
   *
   * Writes that arrive together (in one turn of the event loop) share a transaction: under
   * load many do, and one commit for many writes is what lets single-event requests keep up
   * with bursts. If anything in a shared transaction fails (a retried key, a constraint),
   * it rolls back and each write runs alone, so one bad write never takes others with it.
   * `alongside` runs in the same transaction, first.
   */
  write(
    events: readonly NewChangeEvent[],
    respond: (saved: ChangeEvent[]) => StoredResponse,
    idempotency?: IdempotencyKey,
    alongside?: AlongsideWrite,
  ): Promise<WriteOutcome> {
    return new Promise<WriteOutcome>((resolve, reject) => {
      this.pending.push({ events, respond, idempotency, alongside, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    let jobs = this.pending;
    this.pending = [];
    if (jobs.length > 1) {
      try {
        const outcomes = await this.database.db.transaction().execute(async (trx) => {
          const keys = new Set<string>();
          const out: WriteOutcome[] = [];
          for (const job of jobs) {
            const key =
              job.idempotency &&
              JSON.stringify([job.idempotency.principal, job.idempotency.route, job.idempotency.key]);
            // Two requests with one key in one group: the second must see the first's response, which only a later transaction can.
            if (key !== undefined && keys.has(key)) throw new Error('duplicate idempotency key in a group');
            if (key !== undefined) keys.add(key);
            out.push(await this.insert(trx, job));
          }
          return out;
        });
        jobs.forEach((job, i) => job.resolve(outcomes[i] as WriteOutcome));
        return;
      } catch (err) {
        // SQLite's lock held by another process past the deadline: nothing ran, and each
        // write alone would only wait for it again. All are refused (503, Retry-After).
        if (isSqliteBusy(err)) {
          for (const job of jobs) job.reject(err);
          return;
        }
        // The connection lost: whether the group committed is unknown. A write with an
        // idempotency key can run again (a committed one replays); one without is refused
        // (503, Retry-After), for running it again could record it twice.
        if (isDatabaseUnavailable(err)) {
          for (const job of jobs) if (!job.idempotency) job.reject(err);
          jobs = jobs.filter((job) => job.idempotency);
        }
        // fall through: each write alone
      }
    }
    for (const job of jobs) await this.writeAlone(job).then(job.resolve, job.reject);
  }

  /**
   * One write in its own transaction. The idempotency key is not looked up first: a retry
   * (rare) fails on the key's primary key at the end of its transaction, which rolls back,
   * and then replays the stored response. The same holds for two racing requests with one
   * key. A write that is not a retry (nearly all) costs one query less.
   */
  private async writeAlone(job: WriteJob): Promise<WriteOutcome> {
    try {
      return await this.database.db.transaction().execute((trx) => this.insert(trx, job));
    } catch (err) {
      if (job.idempotency && isKeyTaken(err)) {
        const prior = await priorAnswer(this.database.db, job.idempotency);
        if (prior) return prior.kind === 'conflict' ? prior : { kind: 'replayed', response: prior.answer };
      }
      throw err;
    }
  }

  private async insert(
    trx: Transaction<Schema>,
    { events, respond, idempotency, alongside }: WriteJob,
  ): Promise<WriteOutcome> {
    await alongside?.(trx);
    const saved: ChangeEvent[] = [];
    for (const chunk of chunks(events, INSERT_CHUNK)) {
      const rows = await trx
        .insertInto('change_events')
        .values(
          chunk.map((e) => ({
            type: e.type,
            service_key: e.serviceKey,
            service_ref: e.service,
            at: e.at,
            at_ms: Date.parse(e.at),
            environment: e.environment,
            version: e.version,
            status: e.status,
            strategy: e.strategy,
            slot: e.slot,
            kind: e.kind,
            summary: e.summary,
            started_at: e.startedAt,
            started_ms: e.startedAt === null ? null : Date.parse(e.startedAt),
            url: e.url,
            actor: e.actor,
            commits: e.commits === null ? null : JSON.stringify(e.commits),
            recorded_by: e.recordedBy,
            recorded_at: e.recordedAt,
          })),
        )
        .returning('seq')
        .execute();
      rows.forEach((row, i) => {
        const { serviceKey: _key, ...event } = chunk[i] as NewChangeEvent;
        saved.push({ ...event, id: Number(row.seq) });
      });
    }
    const response = respond(saved);
    if (idempotency) await recordAnswer(trx, idempotency, response, events[0]?.recordedAt ?? new Date().toISOString());
    return { kind: 'written', response, ids: saved.map((e) => e.id) };
  }

  /** The idempotency keys `principal` sent (and not yet forgotten) with writes to `route`. */
  keysOf(principal: string, route: string): Promise<string[]> {
    return keysOf(this.database.db, principal, route);
  }

  /** Forgets idempotency keys (every write's) recorded before `before` (ISO). */
  pruneKeys(before: string): Promise<number> {
    return forgetKeys(this.database.db, before);
  }

  /** The services' events, newest first, filtered, one page after `cursor`. */
  async timeline(
    serviceKeys: readonly string[],
    filter: TimelineFilter,
    limit: number,
    cursor?: TimelineCursor,
  ): Promise<ChangeEvent[]> {
    const rows: Selectable<ChangeEventsTable>[] = [];
    for (const batch of chunks([...new Set(serviceKeys)], KEY_CHUNK)) {
      let query = this.database.read.selectFrom('change_events').selectAll().where('service_key', 'in', batch);
      if (filter.types?.length) query = query.where('type', 'in', [...filter.types]);
      if (filter.kinds?.length) query = query.where('kind', 'in', [...filter.kinds]);
      if (filter.environments?.length) query = query.where('environment', 'in', [...filter.environments]);
      if (filter.since) query = query.where('at', '>=', filter.since);
      if (filter.until) query = query.where('at', '<', filter.until);
      if (cursor)
        query = query.where((eb) =>
          eb.or([eb('at', '<', cursor.at), eb.and([eb('at', '=', cursor.at), eb('seq', '<', cursor.id)])]),
        );
      rows.push(...(await query.orderBy('at', 'desc').orderBy('seq', 'desc').limit(limit).execute()));
    }
    // Each batch is sorted; together they need one more sort, then the page.
    rows.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : Number(b.seq) - Number(a.seq)));
    return rows.slice(0, limit).map(toEvent);
  }

  /**
   * The services' events in [since, until), newest first, at most `limit` after skipping
   * `offset`, as timeline lines: an incident's timeline. Only the columns a line shows are
   * read, and the database orders and limits (one query up to KEY_CHUNK services): for
   * 10,000 events the whole rows and a sort in JavaScript took longer than the target
   * allows. `without` leaves out changes of a kind whose URL ends so (an incident's own).
   */
  async lines(
    serviceKeys: readonly string[],
    window: LineWindow,
    limit: number,
    options: { offset?: number; without?: LineExclusion } = {},
  ): Promise<ChangeLine[]> {
    const offset = options.offset ?? 0;
    const batches = chunks([...new Set(serviceKeys)], KEY_CHUNK);
    const out: ChangeLine[] = [];
    for (const batch of batches) {
      let query = this.database.read
        .selectFrom('change_events')
        .select(LINE_COLUMNS)
        .where((eb) => inWindow(eb, batch, window, options.without))
        .orderBy('at', 'desc')
        .orderBy('seq', 'desc');
      // Several batches: each must hold every row the merged page could need, so none skips any.
      query = batches.length < 2 ? query.limit(limit).offset(offset) : query.limit(offset + limit);
      for (const row of await query.execute()) out.push(lineOf(row));
    }
    if (batches.length < 2) return out;
    // More services than one query names: each batch came sorted; together they need one more sort.
    out.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : b.id - a.id));
    return out.slice(offset, offset + limit);
  }

  /** How many events `lines` has in the window (without `without`'s): an incident timeline's length. */
  async countLines(serviceKeys: readonly string[], window: LineWindow, without?: LineExclusion): Promise<number> {
    let total = 0;
    for (const batch of chunks([...new Set(serviceKeys)], KEY_CHUNK)) {
      const row = await this.database.read
        .selectFrom('change_events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where((eb) => inWindow(eb, batch, window, without))
        .executeTakeFirst();
      total += Number(row?.n ?? 0);
    }
    return total;
  }

  /**
   * The newest `perGroup` events in [since, until) of each group of one type, kind, status
   * and environment, of the services, as lines, newest first; kinds in `withoutKinds` left
   * out. An incident's suspect candidates (incidents/suspects.ts says why they suffice):
   * the database ranks the window, and only the few candidates travel.
   */
  async newestOfEach(
    serviceKeys: readonly string[],
    window: LineWindow,
    perGroup: number,
    withoutKinds: readonly ChangeKind[],
  ): Promise<ChangeLine[]> {
    const out: ChangeLine[] = [];
    for (const batch of chunks([...new Set(serviceKeys)], KEY_CHUNK)) {
      const ranked = this.database.read
        .selectFrom('change_events')
        .select([
          ...LINE_COLUMNS,
          sql<number>`row_number() over (partition by type, kind, status, environment order by at desc, seq desc)`.as(
            'nth',
          ),
        ])
        .where((eb) => {
          const where = inWindow(eb, batch, window);
          return withoutKinds.length === 0
            ? where
            : eb.and([where, eb.or([eb('kind', 'is', null), eb('kind', 'not in', [...withoutKinds])])]);
        });
      const rows = await this.database.read
        .selectFrom(ranked.as('ranked'))
        .select(LINE_COLUMNS)
        .where('nth', '<=', perGroup)
        .orderBy('at', 'desc')
        .orderBy('seq', 'desc')
        .execute();
      for (const row of rows) out.push(lineOf(row));
    }
    out.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : b.id - a.id));
    return out;
  }

  /**
   * The newest events across every service (the organisation's feed on the home page):
   * those of `types`, and changes of `changeKinds`, newest first, at most `limit`.
   */
  async newest(types: readonly EventType[], changeKinds: readonly ChangeKind[], limit: number): Promise<ChangeEvent[]> {
    const rows = await this.database.read
      .selectFrom('change_events')
      .selectAll()
      .where((eb) => {
        const either = [];
        if (types.length > 0) either.push(eb('type', 'in', [...types]));
        if (changeKinds.length > 0)
          either.push(eb.and([eb('type', '=', 'change'), eb('kind', 'in', [...changeKinds])]));
        return eb.or(either);
      })
      .orderBy('at', 'desc')
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toEvent);
  }

  /** One service's deployments and switches, newest first, up to `limit` (what its live state is derived from). */
  async deploymentsAndSwitches(serviceKey: string, limit: number, environment?: string): Promise<ChangeEvent[]> {
    let query = this.database.read
      .selectFrom('change_events')
      .selectAll()
      .where('service_key', '=', serviceKey)
      .where('type', 'in', ['deployment', 'traffic-switch']);
    if (environment !== undefined) query = query.where('environment', '=', environment);
    const rows = await query.orderBy('at', 'desc').orderBy('seq', 'desc').limit(limit).execute();
    return rows.map(toEvent);
  }

  /**
   * Deployments to the given environments of the services (of every service without
   * `serviceKeys`), that finished before `before` when given: DORA's input, in no
   * particular order (the rules sort).
   */
  async deploymentsTo(
    serviceKeys: readonly string[] | undefined,
    environments: readonly string[],
    before?: string,
  ): Promise<DeploymentRow[]> {
    const out: DeploymentRow[] = [];
    for (const batch of serviceKeys === undefined ? [undefined] : chunks([...new Set(serviceKeys)], KEY_CHUNK)) {
      let query = this.database.read
        .selectFrom('change_events')
        .select(['service_key', 'environment', 'status', 'started_ms', 'at_ms', 'commits'])
        .where('type', '=', 'deployment')
        .where('environment', 'in', [...environments]);
      if (batch !== undefined) query = query.where('service_key', 'in', batch);
      if (before !== undefined) query = query.where('at', '<', before);
      const rows = await query.execute();
      for (const r of rows) {
        out.push({
          service: r.service_key,
          environment: r.environment ?? '',
          status: r.status as DeploymentStatus,
          startedAt: Number(r.started_ms ?? r.at_ms),
          finishedAt: Number(r.at_ms),
          commits: r.commits ? (JSON.parse(r.commits) as Commit[]) : [],
        });
      }
    }
    return out;
  }

  /** How many deployments to the given environments there are (what loading them all would cost). */
  async countDeploymentsTo(environments: readonly string[]): Promise<number> {
    const row = await this.database.read
      .selectFrom('change_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('type', '=', 'deployment')
      .where('environment', 'in', [...environments])
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** The newest event's id (0 when none): where watching other replicas' writes starts. */
  async latestId(): Promise<number> {
    const row = await this.database.read
      .selectFrom('change_events')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirst();
    return Number(row?.seq ?? 0);
  }

  /**
   * Which of these ids exist: those above `above` and those in `among` (see
   * commit-watch.ts), ascending, at most `limit` (a later call asks above the last), each
   * with the entity its change was recorded on (whose timelines it moves).
   */
  async idsAbove(
    above: number,
    among: readonly number[],
    limit: number,
  ): Promise<{ id: number; serviceKey: string }[]> {
    const rows = await this.database.read
      .selectFrom('change_events')
      .select(['seq', 'service_key'])
      .where((eb) =>
        among.length > 0 ? eb.or([eb('seq', '>', above), eb('seq', 'in', [...among])]) : eb('seq', '>', above),
      )
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: Number(r.seq), serviceKey: r.service_key }));
  }

  async count(type?: EventType): Promise<number> {
    let query = this.database.read.selectFrom('change_events').select((eb) => eb.fn.countAll<number>().as('n'));
    if (type) query = query.where('type', '=', type);
    return Number((await query.executeTakeFirst())?.n ?? 0);
  }
}
