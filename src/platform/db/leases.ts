import { sql, type Transaction } from 'kysely';
import { AtriumError } from '../errors.ts';
import type { Database } from './connect.ts';
import type { Schema } from './schema.ts';

/**
 * Leases: which replica holds a piece of work that must run once across replicas (the
 * catalog syncer, a task with scope `once-across-replicas`). One row per lease: its
 * holder, when it expires and a fencing generation that grows each time the lease
 * changes hands. Taking and renewing is one upsert, so two replicas racing for a free
 * lease cannot both win; nothing lives in a session (safe behind PgBouncer in
 * transaction mode). A holder that stops renewing (killed, paused, cut off) loses the
 * lease when it expires; a write made under a lease checks its generation in the write's
 * own transaction (`fence`), so a holder that was paused past its expiry cannot write
 * after another took over.
 *
 * Expiry is measured on the database's clock, the one clock every replica shares, unless
 * a clock is injected (tests).
 */

/** A lease as held: its generation fences the holder's writes. */
export interface HeldLease {
  name: string;
  generation: number;
  expiresAt: number;
}

export class LeaseStore {
  constructor(
    private readonly database: Pick<Database, 'db' | 'dialect'>,
    /** Milliseconds since the epoch; undefined: the database's clock. */
    private readonly clock?: () => number,
  ) {}

  /**
   * Takes `name` for `holder` for `ttlMs`, or renews it when `holder` has it. Undefined
   * when another holder's lease has not expired. Taking over an expired lease, or a free
   * one, moves the generation on; renewing keeps it.
   */
  async hold(name: string, holder: string, ttlMs: number): Promise<HeldLease | undefined> {
    const now = this.now();
    const expires = sql<number>`${now} + cast(${ttlMs} as bigint)`;
    const row = await this.database.db
      .insertInto('task_leases')
      .values({ name, holder, expires_ms: expires, generation: 1 })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({
            holder,
            expires_ms: expires,
            generation: sql<number>`case when task_leases.holder = ${holder} then task_leases.generation else task_leases.generation + 1 end`,
          })
          .where((eb) => eb.or([eb('task_leases.holder', '=', holder), eb('task_leases.expires_ms', '<=', now)])),
      )
      .returning(['generation', 'expires_ms'])
      .executeTakeFirst();
    return row ? { name, generation: Number(row.generation), expiresAt: Number(row.expires_ms) } : undefined;
  }

  /** Gives `name` up at once, if `holder` has it at `generation`: the next replica need not wait for it to expire. */
  async release(name: string, holder: string, generation: number): Promise<void> {
    await this.database.db
      .updateTable('task_leases')
      .set({ expires_ms: 0 })
      .where('name', '=', name)
      .where('holder', '=', holder)
      .where('generation', '=', generation)
      .execute();
  }

  /** Who holds `name` now, if anyone (for /metrics and tests). */
  async holderOf(name: string): Promise<{ holder: string; generation: number } | undefined> {
    const now = this.now();
    const row = await this.database.db
      .selectFrom('task_leases')
      .select(['holder', 'generation'])
      .where('name', '=', name)
      .where('expires_ms', '>', now)
      .executeTakeFirst();
    return row ? { holder: row.holder, generation: Number(row.generation) } : undefined;
  }

  /**
   * In a write's transaction: refuses the write unless `holder` still holds `lease` at its
   * generation and it has not expired. On PostgreSQL the lease row stays locked until the
   * write commits, so a takeover waits for it instead of slipping in between.
   */
  async fence(trx: Transaction<Schema>, holder: string, lease: HeldLease): Promise<void> {
    const now = this.now();
    let query = trx
      .selectFrom('task_leases')
      .select('generation')
      .where('name', '=', lease.name)
      .where('holder', '=', holder)
      .where('generation', '=', lease.generation)
      .where('expires_ms', '>', now);
    if (this.database.dialect === 'postgres') query = query.forUpdate();
    if (!(await query.executeTakeFirst())) throw leaseLost(lease.name);
  }

  /** The clock as a SQL expression: the injected one's value, or the database's own, in milliseconds. */
  private now() {
    if (this.clock) return sql<number>`cast(${this.clock()} as bigint)`;
    return this.database.dialect === 'postgres'
      ? sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`
      : sql<number>`cast(unixepoch('subsec') * 1000 as integer)`;
  }
}

/** A write under a lease another replica has taken since: not an error of the request, the work moved. */
export function leaseLost(name: string): AtriumError {
  return new AtriumError({
    category: 'retryable',
    code: 'lease-lost',
    message: `This replica no longer holds the "${name}" lease: another replica took the work over`,
    hint: 'Nothing was written; the replica holding the lease does the work.',
  });
}
