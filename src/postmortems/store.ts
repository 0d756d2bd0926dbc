import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database } from '../platform/db/connect.ts';
import {
  type IdempotencyKey,
  isKeyTaken,
  type PriorAnswer,
  priorAnswer,
  recordAnswer,
  type StoredAnswer,
} from '../platform/db/idempotency.ts';
import type { PostmortemActionsTable, Schema } from '../platform/db/schema.ts';
import { MAX_ACTION_ITEMS } from './action-items.ts';
import type { ActionItem, ActionItemFields, ActionStatus, ActionType, PostMortem } from './model.ts';

/** An action item with its post-mortem's publication (undefined while there is none). */
export interface TrackedItem {
  item: ActionItem;
  publishedAt?: string;
}

/** What adding an item came to: added, refused because three count already, or an earlier answer of its key. */
export type AddOutcome =
  | { kind: 'added'; item: ActionItem; response: StoredAnswer }
  | { kind: 'full'; counted: ActionItem[] }
  | PriorAnswer;

export type WriteOutcome<T> = { kind: 'written'; value: T; response: StoredAnswer } | PriorAnswer;

/** Which items to list: any of these owners, statuses or incidents (all when left out). */
export interface ItemFilter {
  owners?: readonly string[];
  statuses?: readonly ActionStatus[];
  incidents?: readonly string[];
}

type ItemRow = Selectable<PostmortemActionsTable>;

/** Attempts at a free slot when replicas add to one incident at once (each loser re-reads). */
const SLOT_ATTEMPTS = 4;
/** Rows one read of a list takes at most; longer lists are read in pages (items' `after`). */
export const MAX_LISTED = 1000;

/**
 * The only SQL of post-mortems: the post-mortem of each incident (Markdown, author,
 * publication, review), its action items (at most three counted, held by a unique slot),
 * and each item's escalations (one row per item and sprint, claimed by insert).
 */
export class PostmortemStore {
  constructor(private readonly database: Database) {}

  private get db(): Kysely<Schema> {
    return this.database.db;
  }

  async postmortem(incidentId: string): Promise<PostMortem | undefined> {
    const row = await this.db
      .selectFrom('postmortems')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .executeTakeFirst();
    return row && postmortemOf(row);
  }

  /**
   * Publishes an incident's post-mortem, or edits it: the first publication sets the author
   * and the publication time (which the escalation clock starts from), an edit only the
   * Markdown and `updatedAt`. With the idempotency key in the same transaction.
   */
  async publish(
    incidentId: string,
    markdown: string,
    author: string,
    at: string,
    respond: (postmortem: PostMortem) => StoredAnswer,
    idempotency: IdempotencyKey | undefined,
  ): Promise<WriteOutcome<PostMortem>> {
    return this.withKey(idempotency, async (trx) => {
      await trx
        .insertInto('postmortems')
        .values({
          incident_id: incidentId,
          markdown,
          author,
          published_at: at,
          updated_at: at,
          reviewed_by: null,
          reviewed_at: null,
        })
        .onConflict((oc) => oc.column('incident_id').doUpdateSet({ markdown, updated_at: at }))
        .execute();
      const row = await trx
        .selectFrom('postmortems')
        .selectAll()
        .where('incident_id', '=', incidentId)
        .executeTakeFirstOrThrow();
      const value = postmortemOf(row);
      const response = respond(value);
      if (idempotency) await recordAnswer(trx, idempotency, response, at);
      return { kind: 'written' as const, value, response };
    });
  }

  /**
   * Where post-mortems stand, as a string that moves with every write: a publication or
   * edit, a review, an item added, done or deprioritised, an escalation. Rows are only
   * added and items only leave `open`, so counts (with the newest edit) are enough; another
   * replica's writes show in it at this one's next poll.
   */
  async mark(): Promise<string> {
    const [postmortems, items, escalations] = await Promise.all([
      this.db
        .selectFrom('postmortems')
        .select((eb) => [
          eb.fn.countAll<number | string>().as('count'),
          eb.fn.count<number | string>('reviewed_at').as('reviewed'),
          eb.fn.max('updated_at').as('edited'),
        ])
        .executeTakeFirstOrThrow(),
      this.db
        .selectFrom('postmortem_actions')
        .select((eb) => [
          eb.fn.countAll<number | string>().as('count'),
          eb.fn.sum<number | string | null>(eb.case().when('status', '=', 'open').then(1).else(0).end()).as('open'),
        ])
        .executeTakeFirstOrThrow(),
      this.db
        .selectFrom('postmortem_escalations')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .executeTakeFirstOrThrow(),
    ]);
    // Counts come back as numbers from SQLite and as text from PostgreSQL: compared as text.
    return [
      postmortems.count,
      postmortems.reviewed,
      postmortems.edited ?? '',
      items.count,
      items.open ?? 0,
      escalations.count,
    ].join('/');
  }

  /** Records a review; false when there is no post-mortem. */
  async review(incidentId: string, by: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('postmortems')
      .set({ reviewed_by: by, reviewed_at: at })
      .where('incident_id', '=', incidentId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Post-mortems nobody has reviewed, published before `before`, oldest first. */
  async unreviewed(before: string, limit: number): Promise<PostMortem[]> {
    const rows = await this.db
      .selectFrom('postmortems')
      .selectAll()
      .where('reviewed_at', 'is', null)
      .where('published_at', '<', before)
      .orderBy('published_at')
      .orderBy('incident_id')
      .limit(limit)
      .execute();
    return rows.map(postmortemOf);
  }

  /**
   * Adds an item when fewer than three count: it takes the lowest free slot, and the unique
   * slot index refuses a second replica taking the same one, which then reads again. With
   * the idempotency key last in the same transaction.
   */
  async addItem(
    incidentId: string,
    fields: ActionItemFields,
    by: string,
    at: string,
    respond: (item: ActionItem) => StoredAnswer,
    idempotency: IdempotencyKey | undefined,
  ): Promise<AddOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.database.db.transaction().execute(async (trx) => {
          const counted = await trx
            .selectFrom('postmortem_actions')
            .selectAll()
            .where('incident_id', '=', incidentId)
            .where('slot', 'is not', null)
            .orderBy('slot')
            .execute();
          if (counted.length >= MAX_ACTION_ITEMS)
            return { kind: 'full' as const, counted: counted.map((r) => itemOf(r, [])) };
          const taken = new Set(counted.map((r) => r.slot));
          let slot = 1;
          while (taken.has(slot)) slot++;
          const row = await trx
            .insertInto('postmortem_actions')
            .values({
              incident_id: incidentId,
              slot,
              title: fields.title,
              owner_key: fields.owner,
              deadline: fields.deadline,
              type: fields.type,
              ticket: fields.ticket ?? null,
              status: 'open',
              created_at: at,
              created_by: by,
              done_at: null,
              done_by: null,
              deprioritised_reason: null,
              deprioritised_by: null,
              deprioritised_at: null,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          const item = itemOf(row, []);
          const response = respond(item);
          if (idempotency) await recordAnswer(trx, idempotency, response, at);
          return { kind: 'added' as const, item, response };
        });
      } catch (err) {
        if (!isKeyTaken(err)) throw err;
        if (idempotency) {
          const prior = await priorAnswer(this.db, idempotency);
          if (prior) return prior;
        }
        // Another replica took the slot first: read again (it may now be full).
        if (attempt >= SLOT_ATTEMPTS) throw err;
      }
    }
  }

  async item(id: number): Promise<ActionItem | undefined> {
    const row = await this.db.selectFrom('postmortem_actions').selectAll().where('id', '=', id).executeTakeFirst();
    return row && itemOf(row, await this.sprintsOf([id]).then((m) => m.get(id) ?? []));
  }

  /** Marks an open item done (false when it is not open). */
  async complete(id: number, by: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('postmortem_actions')
      .set({ status: 'done', done_at: at, done_by: by })
      .where('id', '=', id)
      .where('status', '=', 'open')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Deprioritises an open item with a reason and who decided, freeing its slot (false when it is not open). */
  async deprioritise(id: number, reason: string, by: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('postmortem_actions')
      .set({
        status: 'deprioritised',
        slot: null,
        deprioritised_reason: reason,
        deprioritised_by: by,
        deprioritised_at: at,
      })
      .where('id', '=', id)
      .where('status', '=', 'open')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Items matching `filter`, with their post-mortem's publication, by id: those after item
   * `page.after`, at most `page.limit` (MAX_LISTED by default). A list longer than one read
   * is read page by page, each after the last id of the one before.
   */
  async items(filter: ItemFilter = {}, page: { after?: number; limit?: number } = {}): Promise<TrackedItem[]> {
    if (filter.owners?.length === 0 || filter.statuses?.length === 0 || filter.incidents?.length === 0) return [];
    let query = this.db
      .selectFrom('postmortem_actions as a')
      .leftJoin('postmortems as p', 'p.incident_id', 'a.incident_id')
      .selectAll('a')
      .select('p.published_at');
    if (filter.owners) query = query.where('a.owner_key', 'in', filter.owners);
    if (filter.statuses) query = query.where('a.status', 'in', filter.statuses);
    if (filter.incidents) query = query.where('a.incident_id', 'in', filter.incidents);
    if (page.after !== undefined) query = query.where('a.id', '>', page.after);
    const rows = await query
      .orderBy('a.id')
      .limit(page.limit ?? MAX_LISTED)
      .execute();
    const sprints = await this.sprintsOf(rows.map((r) => r.id));
    return rows.map((row) => ({
      item: itemOf(row, sprints.get(row.id) ?? []),
      ...(row.published_at ? { publishedAt: row.published_at } : {}),
    }));
  }

  /**
   * Claims an item's escalation in a sprint and, when this call won it, runs `deliver` in
   * the same transaction (the notification's outbox rows): the (item, sprint) primary key
   * lets exactly one replica win, and its claim and messages commit together. True when
   * this call escalated.
   */
  async escalate(
    itemId: number,
    sprint: number,
    at: string,
    target: { notified?: string; problem?: string },
    deliver: (trx: Kysely<Schema>) => Promise<void>,
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx
        .insertInto('postmortem_escalations')
        .values({
          item_id: itemId,
          sprint,
          escalated_at: at,
          notified: target.notified ?? null,
          problem: target.problem ?? null,
        })
        .onConflict((oc) => oc.columns(['item_id', 'sprint']).doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) return false;
      await deliver(trx);
      return true;
    });
  }

  /** The escalations of items, as stored: who was notified in which sprint. */
  async escalations(
    itemIds: readonly number[],
  ): Promise<{ itemId: number; sprint: number; at: string; notified?: string; problem?: string }[]> {
    if (itemIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('postmortem_escalations')
      .selectAll()
      .where('item_id', 'in', itemIds)
      .orderBy('item_id')
      .orderBy('sprint')
      .execute();
    return rows.map((r) => ({
      itemId: Number(r.item_id),
      sprint: r.sprint,
      at: r.escalated_at,
      ...(r.notified ? { notified: r.notified } : {}),
      ...(r.problem ? { problem: r.problem } : {}),
    }));
  }

  private async sprintsOf(itemIds: readonly number[]): Promise<Map<number, { sprint: number; at: string }[]>> {
    const out = new Map<number, { sprint: number; at: string }[]>();
    for (const e of await this.escalations(itemIds)) {
      const list = out.get(e.itemId) ?? [];
      list.push({ sprint: e.sprint, at: e.at });
      out.set(e.itemId, list);
    }
    return out;
  }

  private async withKey<T>(
    idempotency: IdempotencyKey | undefined,
    write: (trx: Transaction<Schema>) => Promise<T>,
  ): Promise<T | PriorAnswer> {
    try {
      return await this.db.transaction().execute(write);
    } catch (err) {
      if (idempotency && isKeyTaken(err)) {
        const prior = await priorAnswer(this.db, idempotency);
        if (prior) return prior;
      }
      throw err;
    }
  }
}

function postmortemOf(row: Selectable<Schema['postmortems']>): PostMortem {
  return {
    incidentId: row.incident_id,
    markdown: row.markdown,
    author: row.author,
    publishedAt: row.published_at,
    updatedAt: row.updated_at,
    ...(row.reviewed_by ? { reviewedBy: row.reviewed_by } : {}),
    ...(row.reviewed_at ? { reviewedAt: row.reviewed_at } : {}),
  };
}

function itemOf(row: ItemRow, escalations: readonly { sprint: number; at: string }[]): ActionItem {
  const last = escalations.at(-1);
  return {
    id: Number(row.id),
    incidentId: row.incident_id,
    title: row.title,
    owner: row.owner_key,
    deadline: row.deadline,
    type: row.type as ActionType,
    ...(row.ticket ? { ticket: row.ticket } : {}),
    status: row.status as ActionStatus,
    createdAt: row.created_at,
    createdBy: row.created_by,
    ...(row.done_at ? { doneAt: row.done_at } : {}),
    ...(row.done_by ? { doneBy: row.done_by } : {}),
    ...(row.deprioritised_reason ? { deprioritisedReason: row.deprioritised_reason } : {}),
    ...(row.deprioritised_by ? { deprioritisedBy: row.deprioritised_by } : {}),
    ...(row.deprioritised_at ? { deprioritisedAt: row.deprioritised_at } : {}),
    ...(last ? { escalatedAt: last.at } : {}),
    escalatedSprints: escalations.map((e) => e.sprint),
  };
}
