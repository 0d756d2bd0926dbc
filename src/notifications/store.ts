import type { Selectable, Transaction } from 'kysely';
import type { Database } from '../platform/db/connect.ts';
import type { NotificationsTable, Schema } from '../platform/db/schema.ts';
import type { AttemptUpdate, NotificationMessage, OutboxEntry } from './model.ts';

/** A message to queue: who asked, about what, for which receiver. */
export interface NewNotification {
  receiver: string;
  subjectKey: string;
  message: NotificationMessage;
  dedupKey: string;
  /** `principal route key`: a second insert with it answers the first entry instead. */
  idempotency?: string;
  createdBy: string;
}

function entryOf(row: Selectable<NotificationsTable>): OutboxEntry {
  return {
    id: Number(row.id),
    receiver: row.receiver,
    subjectKey: row.subject_key,
    message: JSON.parse(row.payload) as NotificationMessage,
    dedupKey: row.dedup_key,
    status: row.status as OutboxEntry['status'],
    attempts: Number(row.attempts),
    nextAttemptAt: row.next_attempt_at,
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
    createdBy: row.created_by,
    createdAt: row.created_at,
    ...(row.sent_at === null ? {} : { sentAt: row.sent_at }),
  };
}

/** The only SQL of the outbox. */
export class NotificationStore {
  constructor(private readonly database: Database) {}

  /**
   * Queues a message, due at once; with an idempotency already stored, the stored entry
   * (`replayed`). The insert is the request's write: once it returns, the message survives
   * a restart.
   */
  async enqueue(input: NewNotification, now: Date): Promise<{ entry: OutboxEntry; replayed: boolean }> {
    const at = now.toISOString();
    if (input.idempotency !== undefined) {
      const existing = await this.byIdempotency(input.idempotency);
      if (existing) return { entry: existing, replayed: true };
    }
    try {
      const row = await this.database.db
        .insertInto('notifications')
        .values({
          receiver: input.receiver,
          subject_key: input.subjectKey,
          payload: JSON.stringify(input.message),
          dedup_key: input.dedupKey,
          idempotency: input.idempotency ?? null,
          status: 'queued',
          attempts: 0,
          next_attempt_at: at,
          last_error: null,
          created_by: input.createdBy,
          created_at: at,
          sent_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { entry: entryOf(row), replayed: false };
    } catch (err) {
      // Two retries racing: the loser's insert fails on the unique key and answers the winner's entry.
      const winner = input.idempotency === undefined ? undefined : await this.byIdempotency(input.idempotency);
      if (winner) return { entry: winner, replayed: true };
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
        .values({
          receiver: input.receiver,
          subject_key: input.subjectKey,
          payload: JSON.stringify(input.message),
          dedup_key: input.dedupKey,
          idempotency: input.idempotency ?? null,
          status: 'queued',
          attempts: 0,
          next_attempt_at: at,
          last_error: null,
          created_by: input.createdBy,
          created_at: at,
          sent_at: null,
        })
        .onConflict((oc) => oc.column('idempotency').doNothing())
        .execute();
  }

  private async byIdempotency(idempotency: string): Promise<OutboxEntry | undefined> {
    const row = await this.database.db
      .selectFrom('notifications')
      .selectAll()
      .where('idempotency', '=', idempotency)
      .executeTakeFirst();
    return row && entryOf(row);
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

  /** Queued messages due at `now`, the longest-waiting first. */
  async due(now: Date, limit: number): Promise<OutboxEntry[]> {
    const rows = await this.database.db
      .selectFrom('notifications')
      .selectAll()
      .where('status', '=', 'queued')
      .where('next_attempt_at', '<=', now.toISOString())
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(entryOf);
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
        sent_at: update.sentAt,
      })
      .where('id', '=', id)
      .execute();
  }
}
