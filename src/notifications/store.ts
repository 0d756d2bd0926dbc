import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import type { Database } from '../platform/db/connect.ts';
import { type IdempotencyKey, isKeyTaken, priorAnswer, recordAnswer } from '../platform/db/idempotency.ts';
import type { NotificationsTable, Schema } from '../platform/db/schema.ts';
import type { AttemptUpdate, NotificationMessage, NotificationStatus, OutboxEntry } from './model.ts';

/** A message to queue: who asked, about what, for which receiver. */
export interface NewNotification {
  receiver: string;
  subjectKey: string;
  message: NotificationMessage;
  dedupKey: string;
  /** The request's Idempotency-Key: a retry answers the first entry instead; another request with it is refused. */
  idempotency?: IdempotencyKey;
  /**
   * Makes the row unique (stored in its `idempotency` column): a second message with the same
   * value is refused (enqueueAll) or skipped (enqueueWithin), so a retried cycle or test sends once.
   */
  unique?: string;
  createdBy: string;
}

/**
 * Where a write goes: the database, or a transaction another store opened (Kysely's
 * `Transaction` is a `Kysely`), so a caller's own rows and its messages commit together.
 */
export type Executor = Kysely<Schema>;

/** What the outbox page and API filter by; `before` is the id the previous page ended at. */
export interface NotificationFilter {
  status?: NotificationStatus;
  receiver?: string;
  before?: number;
}

function messageOf(payload: string): NotificationMessage {
  // Rows queued before messages had an action were all triggers.
  const message = JSON.parse(payload) as Partial<NotificationMessage>;
  return { ...message, action: message.action ?? 'trigger' } as NotificationMessage;
}

export type EnqueueOutcome = { kind: 'queued' | 'replayed'; entry: OutboxEntry } | { kind: 'conflict' };

/** A queued message's row: every way of queueing writes the same one. */
function newRow(input: NewNotification, at: string): Insertable<NotificationsTable> {
  return {
    receiver: input.receiver,
    subject_key: input.subjectKey,
    payload: JSON.stringify(input.message),
    dedup_key: input.dedupKey,
    idempotency: input.unique ?? null,
    status: 'queued',
    attempts: 0,
    next_attempt_at: at,
    last_error: null,
    answer: null,
    created_by: input.createdBy,
    created_at: at,
    sent_at: null,
  };
}

function entryOf(row: Selectable<NotificationsTable>): OutboxEntry {
  return {
    id: Number(row.id),
    receiver: row.receiver,
    subjectKey: row.subject_key,
    message: messageOf(row.payload),
    dedupKey: row.dedup_key,
    status: row.status as OutboxEntry['status'],
    attempts: Number(row.attempts),
    nextAttemptAt: row.next_attempt_at,
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
    ...(row.answer === null ? {} : { answer: row.answer }),
    createdBy: row.created_by,
    createdAt: row.created_at,
    ...(row.sent_at === null ? {} : { sentAt: row.sent_at }),
  };
}

/** The only SQL of the outbox. */
export class NotificationStore {
  constructor(private readonly database: Database) {}

  /**
   * Queues a message, due at once; with its idempotency key already used, the entry that
   * key queued (`replayed`), or `conflict` when it came with another request. The insert
   * and the key commit together: once it returns, the message survives a restart.
   */
  async enqueue(input: NewNotification, now: Date): Promise<EnqueueOutcome> {
    const at = now.toISOString();
    const { idempotency } = input;
    const prior = idempotency && (await priorAnswer(this.database.db, idempotency));
    if (prior) return prior.kind === 'conflict' ? prior : this.replay(prior.answer.body);
    try {
      const entry = await this.database.db.transaction().execute(async (trx) => {
        const queued = await this.insert(trx, input, now);
        if (idempotency)
          await recordAnswer(trx, idempotency, { status: 202, body: JSON.stringify({ id: queued.id }) }, at);
        return queued;
      });
      return { kind: 'queued', entry };
    } catch (err) {
      // Two retries racing: the loser's key fails on the primary key; it answers as the winner did.
      if (idempotency && isKeyTaken(err)) return this.enqueue(input, now);
      throw err;
    }
  }

  /**
   * Queues messages inside another store's transaction (an SLO alert's change of state): they
   * commit with it or not at all, so a crash between the change and the send loses nothing.
   * A message whose idempotency is already stored is skipped (the change was applied before).
   */
  async enqueueWithin(trx: Transaction<Schema>, inputs: readonly NewNotification[], now: Date): Promise<void> {
    const at = now.toISOString();
    for (const input of inputs)
      await trx
        .insertInto('notifications')
        .values(newRow(input, at))
        .onConflict((oc) => oc.column('idempotency').doNothing())
        .execute();
  }

  /**
   * Queues several messages in one transaction: `into` when the caller has one open (its
   * own writes and these commit together or not at all), else a transaction of their own.
   * Idempotencies are not looked up first: a repeated one fails the whole write.
   */
  async enqueueAll(inputs: readonly NewNotification[], now: Date, into?: Executor): Promise<OutboxEntry[]> {
    const write = async (executor: Executor) => {
      const entries: OutboxEntry[] = [];
      for (const input of inputs) entries.push(await this.insert(executor, input, now));
      return entries;
    };
    if (into) return write(into);
    return this.database.db.transaction().execute(write);
  }

  private async insert(executor: Executor, input: NewNotification, now: Date): Promise<OutboxEntry> {
    const row = await executor
      .insertInto('notifications')
      .values(newRow(input, now.toISOString()))
      .returningAll()
      .executeTakeFirstOrThrow();
    return entryOf(row);
  }

  async byIdempotencies(idempotencies: readonly string[]): Promise<OutboxEntry[]> {
    if (idempotencies.length === 0) return [];
    const rows = await this.database.db
      .selectFrom('notifications')
      .selectAll()
      .where('idempotency', 'in', idempotencies)
      .execute();
    const byKey = new Map(rows.map((r) => [r.idempotency, entryOf(r)]));
    return idempotencies.map((i) => byKey.get(i)).filter((e): e is OutboxEntry => e !== undefined);
  }

  /** The entry a key queued, as it stands now (its delivery may have moved on). */
  private async replay(stored: string): Promise<EnqueueOutcome> {
    const { id } = JSON.parse(stored) as { id: number };
    const entry = await this.byId(Number(id));
    if (!entry) throw new Error(`idempotency key names notification ${id}, which does not exist`);
    return { kind: 'replayed', entry };
  }

  async byId(id: number): Promise<OutboxEntry | undefined> {
    const row = await this.database.db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
    return row && entryOf(row);
  }

  /** The newest messages about an entity, newest first. */
  async recentFor(subjectKey: string, limit: number): Promise<OutboxEntry[]> {
    const rows = await this.database.db
      .selectFrom('notifications')
      .selectAll()
      .where('subject_key', '=', subjectKey)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(entryOf);
  }

  /**
   * The newest messages first, `limit` of them, after the filter; with `before`, those older
   * than that id (the next page).
   */
  async list(filter: NotificationFilter, limit: number): Promise<OutboxEntry[]> {
    let query = this.database.read.selectFrom('notifications').selectAll();
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (filter.receiver !== undefined) query = query.where('receiver', '=', filter.receiver);
    if (filter.before !== undefined) query = query.where('id', '<', filter.before);
    const rows = await query.orderBy('id', 'desc').limit(limit).execute();
    return rows.map(entryOf);
  }

  /**
   * Queued messages due at `now`, the longest-waiting first. A message waits while an
   * earlier one to its receiver with its dedup key is still queued, so a resolve never
   * overtakes its trigger (even one backing off). With `only`, among those ids alone.
   */
  async due(now: Date, limit: number, only?: readonly number[]): Promise<OutboxEntry[]> {
    if (only?.length === 0) return [];
    let query = this.database.db
      .selectFrom('notifications as n')
      .selectAll('n')
      .where('n.status', '=', 'queued')
      .where('n.next_attempt_at', '<=', now.toISOString())
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('notifications as earlier')
              .select('earlier.id')
              .whereRef('earlier.receiver', '=', 'n.receiver')
              .whereRef('earlier.dedup_key', '=', 'n.dedup_key')
              .where('earlier.status', '=', 'queued')
              .whereRef('earlier.id', '<', 'n.id'),
          ),
        ),
      )
      .orderBy('n.next_attempt_at')
      .orderBy('n.id')
      .limit(limit);
    if (only !== undefined) query = query.where('n.id', 'in', only);
    return (await query.execute()).map(entryOf);
  }

  /**
   * Takes a due entry for one attempt: its next attempt moves to `leaseUntil`, only if no one
   * else moved it first. Another replica's delivery task then skips it; a process that dies
   * mid-attempt leaves it due again when the lease ends (at least once, never lost).
   */
  async claim(entry: OutboxEntry, leaseUntil: Date): Promise<boolean> {
    const result = await this.database.db
      .updateTable('notifications')
      .set({ next_attempt_at: leaseUntil.toISOString() })
      .where('id', '=', entry.id)
      .where('status', '=', 'queued')
      .where('next_attempt_at', '=', entry.nextAttemptAt)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async record(id: number, update: AttemptUpdate): Promise<void> {
    await this.database.db
      .updateTable('notifications')
      .set({
        status: update.status,
        attempts: update.attempts,
        next_attempt_at: update.nextAttemptAt,
        last_error: update.lastError,
        answer: update.answer,
        sent_at: update.sentAt,
      })
      .where('id', '=', id)
      .execute();
  }
}
