import type { Selectable } from 'kysely';
import type { Database } from '../platform/db/connect.ts';
import { type IdempotencyKey, isKeyTaken, priorAnswer, recordAnswer } from '../platform/db/idempotency.ts';
import type { OncallOverridesTable } from '../platform/db/schema.ts';

/** An override as stored and as the API shows it: who, when, and its record (who set it, removed it, why). */
export interface StoredOverride {
  id: number;
  rotation: string;
  user: string;
  from: string;
  until: string;
  reason: string;
  createdBy: string;
  createdAt: string;
  removedBy?: string;
  removedAt?: string;
  removedReason?: string;
}

export interface NewOverride {
  rotationKey: string;
  userKey: string;
  userRef: string;
  from: string;
  until: string;
  reason: string;
  createdBy: string;
  createdAt: string;
}

export type CreateOutcome =
  | { kind: 'written'; override: StoredOverride }
  | { kind: 'replayed'; status: number; body: string }
  | { kind: 'conflict' };

function overrideOf(row: Selectable<OncallOverridesTable>, rotationRef: string): StoredOverride {
  return {
    id: Number(row.id),
    rotation: rotationRef,
    user: row.user_ref,
    from: row.starts_at,
    until: row.ends_at,
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: row.created_at,
    ...(row.removed_at !== null && {
      removedBy: row.removed_by ?? '',
      removedAt: row.removed_at,
      removedReason: row.removed_reason ?? '',
    }),
  };
}

/** The only SQL of on-call: overrides, with their idempotency keys in the shared table. */
export class OnCallStore {
  constructor(private readonly database: Database) {}

  /** Records an override (and its idempotency key, in one transaction); a key seen before replays or conflicts. */
  async create(
    input: NewOverride,
    rotationRef: string,
    idempotency: IdempotencyKey | undefined,
  ): Promise<CreateOutcome> {
    const prior = idempotency && (await priorAnswer(this.database.db, idempotency));
    if (prior) return prior.kind === 'conflict' ? prior : { kind: 'replayed', ...prior.answer };
    try {
      return await this.database.db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('oncall_overrides')
          .values({
            rotation_key: input.rotationKey,
            user_key: input.userKey,
            user_ref: input.userRef,
            starts_at: input.from,
            ends_at: input.until,
            starts_ms: Date.parse(input.from),
            ends_ms: Date.parse(input.until),
            reason: input.reason,
            created_by: input.createdBy,
            created_at: input.createdAt,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const override = overrideOf(row, rotationRef);
        if (idempotency)
          await recordAnswer(trx, idempotency, { status: 201, body: JSON.stringify(override) }, input.createdAt);
        return { kind: 'written', override };
      });
    } catch (err) {
      // Two requests with one key at once: the loser's insert of the key fails; it replays the winner.
      if (idempotency && isKeyTaken(err)) return this.create(input, rotationRef, idempotency);
      throw err;
    }
  }

  /** A rotation's overrides that end after `after` (ISO), removed ones too when asked, oldest first. */
  async list(rotationKey: string, rotationRef: string, after: string, withRemoved: boolean): Promise<StoredOverride[]> {
    let query = this.database.db
      .selectFrom('oncall_overrides')
      .selectAll()
      .where('rotation_key', '=', rotationKey)
      .where('ends_ms', '>', Date.parse(after));
    if (!withRemoved) query = query.where('removed_at', 'is', null);
    const rows = await query.orderBy('id').limit(1000).execute();
    return rows.map((row) => overrideOf(row, rotationRef));
  }

  /** The overrides in force now or later, of several rotations, oldest first (so the newest wins in the schedule). */
  async active(rotationKeys: readonly string[], after: string): Promise<Map<string, StoredOverride[]>> {
    const out = new Map<string, StoredOverride[]>();
    if (rotationKeys.length === 0) return out;
    const rows = await this.database.db
      .selectFrom('oncall_overrides')
      .selectAll()
      .where('rotation_key', 'in', rotationKeys)
      .where('ends_ms', '>', Date.parse(after))
      .where('removed_at', 'is', null)
      .orderBy('id')
      .execute();
    for (const row of rows) {
      const list = out.get(row.rotation_key) ?? [];
      list.push(overrideOf(row, row.rotation_key));
      out.set(row.rotation_key, list);
    }
    return out;
  }

  /** Marks an override removed (it stays, for the record); undefined when there is no such override of that rotation. */
  async remove(
    rotationKey: string,
    rotationRef: string,
    id: number,
    removal: { by: string; at: string; reason: string },
  ): Promise<StoredOverride | undefined> {
    const row = await this.database.db
      .updateTable('oncall_overrides')
      .set({ removed_by: removal.by, removed_at: removal.at, removed_reason: removal.reason })
      .where('id', '=', id)
      .where('rotation_key', '=', rotationKey)
      .where('removed_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (row) return overrideOf(row, rotationRef);
    // Already removed: answer with the record as it stands (a retried DELETE is not an error).
    const prior = await this.database.db
      .selectFrom('oncall_overrides')
      .selectAll()
      .where('id', '=', id)
      .where('rotation_key', '=', rotationKey)
      .executeTakeFirst();
    return prior && overrideOf(prior, rotationRef);
  }
}
