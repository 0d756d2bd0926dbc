import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { AtriumError } from '../errors.ts';
import type { Schema } from './schema.ts';

/**
 * Idempotency keys of every write that takes one (changes, on-call overrides, pages), in
 * one table: the key is its sender's (a token's name) and its route's, and carries a hash
 * of the request, so a retry replays the stored answer and the same key with another body
 * is refused (422), as Stripe and draft-ietf-httpapi-idempotency-key-header have it. The
 * key's row is written in the write's own transaction, so the write and its key commit
 * together or not at all.
 */

export interface IdempotencyKey {
  /** Who sent the key (a token's name): another principal's same key is another write. */
  principal: string;
  route: string;
  key: string;
  /** A hash of the request: the same key with another body is a client bug, not a retry. */
  fingerprint: string;
}

export interface StoredAnswer {
  status: number;
  body: string;
}

export type PriorAnswer = { kind: 'replayed'; answer: StoredAnswer } | { kind: 'conflict' };

/** The key of a request (undefined without a header): `request` is what "the same body" compares, as JSON. */
export function idempotencyOf(
  principal: string,
  route: string,
  key: string | undefined,
  request: unknown,
): IdempotencyKey | undefined {
  if (key === undefined) return undefined;
  return { principal, route, key, fingerprint: createHash('sha256').update(JSON.stringify(request)).digest('hex') };
}

/** What the key answered before: the stored answer, `conflict` when it came with another request, undefined when it is new. */
export async function priorAnswer(db: Kysely<Schema>, idempotency: IdempotencyKey): Promise<PriorAnswer | undefined> {
  const row = await db
    .selectFrom('idempotency_keys')
    .select(['fingerprint', 'status', 'response'])
    .where('principal', '=', idempotency.principal)
    .where('route', '=', idempotency.route)
    .where('key', '=', idempotency.key)
    .executeTakeFirst();
  if (!row) return undefined;
  if (row.fingerprint !== idempotency.fingerprint) return { kind: 'conflict' };
  return { kind: 'replayed', answer: { status: row.status, body: row.response } };
}

/**
 * Records the key with the write's answer, inside the write's transaction (last, so a
 * retry that gets this far rolls everything back): a key already recorded fails on the
 * primary key, which `isKeyTaken` recognises.
 */
export async function recordAnswer(
  trx: Transaction<Schema>,
  idempotency: IdempotencyKey,
  answer: StoredAnswer,
  at: string,
): Promise<void> {
  await trx
    .insertInto('idempotency_keys')
    .values({
      principal: idempotency.principal,
      route: idempotency.route,
      key: idempotency.key,
      fingerprint: idempotency.fingerprint,
      status: answer.status,
      response: answer.body,
      created_at: at,
    })
    .execute();
}

/** Whether a write failed on a unique key (its idempotency key recorded meanwhile): then it replays. */
export function isKeyTaken(err: unknown): boolean {
  return err instanceof Error && /unique|duplicate/i.test(err.message);
}

/** The documented 422 for a key reused with another request. */
export function keyReused(key: string): AtriumError {
  return new AtriumError({
    category: 'user-fixable',
    code: 'idempotency-key-reused',
    status: 422,
    message: `The Idempotency-Key "${key}" was already used for a different request`,
    hint: 'Use a fresh key for each new write, and the same key only to retry the identical request.',
  });
}

/** The keys `principal` sent (and not yet forgotten) with writes to `route`. */
export async function keysOf(db: Kysely<Schema>, principal: string, route: string): Promise<string[]> {
  const rows = await db
    .selectFrom('idempotency_keys')
    .select('key')
    .where('principal', '=', principal)
    .where('route', '=', route)
    .execute();
  return rows.map((row) => row.key);
}

/** Forgets keys recorded before `before` (ISO): a retry comes within minutes, not weeks. */
export async function forgetKeys(db: Kysely<Schema>, before: string): Promise<number> {
  const result = await db.deleteFrom('idempotency_keys').where('created_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
