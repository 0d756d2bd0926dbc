import type { Selectable } from 'kysely';
import type { Database } from '../platform/db/connect.ts';
import { type IdempotencyKey, isKeyTaken, priorAnswer, recordAnswer } from '../platform/db/idempotency.ts';
import type { NotificationsTable } from '../platform/db/schema.ts';
import type { AttemptUpdate, NotificationMessage, OutboxEntry } from './model.ts';

/** A message to queue: who asked, about what, for which receiver. */
export interface NewNotification {
  receiver: string;
  subjectKey: string;
  message: NotificationMessage;
  dedupKey: string;
  /** The request's Idempotency-Key: a retry answers the first entry instead; another request with it is refused. */
  idempotency?: IdempotencyKey;
  createdBy: string;
}

export type EnqueueOutcome = { kind: 'queued' | 'replayed'; entry: OutboxEntry } | { kind: 'conflict' };

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
        const row = await trx
          .insertInto('notifications')
          .values({
            receiver: input.receiver,
            subject_key: input.subjectKey,
            payload: JSON.stringify(input.message),
            dedup_key: input.dedupKey,
            idempotency: null,
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
        if (idempotency)
          await recordAnswer(trx, idempotency, { status: 202, body: JSON.stringify({ id: row.id }) }, at);
        return entryOf(row);
      });
      return { kind: 'queued', entry };
    } catch (err) {
      // Two retries racing: the loser's key fails on the primary key; it answers as the winner did.
      if (idempotency && isKeyTaken(err)) return this.enqueue(input, now);
      throw err;
    }
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
