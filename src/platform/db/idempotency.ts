import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Schema } from './schema.ts';

/**
 * Idempotency keys of ingestion endpoints (deployments, changes, SLO events), shared by the
 * stores that write them. The key's row is inserted last in the write's own transaction,
 * never looked up first: a retry fails on the primary key, rolls back, and replays the
 * stored answer (isKeyCollision, then findIdempotencyKey).
 */

export interface Idempotency {
  /** Who sent the key (a token's name): another principal's same key is another write (Stripe scopes keys per account alike). */
  principal: string;
  route: string;
  key: string;
  /** A hash of the request: the same key with another body is a client bug, not a retry. */
  fingerprint: string;
}

export interface StoredResponse {
  status: number;
  body: string;
}

/** A request's fingerprint: the hash of its JSON, so the same key with another body is told apart. */
export function requestFingerprint(request: unknown): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

/** What an earlier request with the same key came to: its answer, or a conflict (another body). */
export type PriorRequest = { kind: 'replayed'; response: StoredResponse } | { kind: 'conflict' };

/** Records the key with the answer, in the write's transaction (last, so a retry fails on it). */
export async function recordIdempotencyKey(
  trx: Transaction<Schema>,
  idempotency: Idempotency,
  response: StoredResponse,
  createdAt: string,
): Promise<void> {
  await trx
    .insertInto('idempotency_keys')
    .values({
      principal: idempotency.principal,
      route: idempotency.route,
      key: idempotency.key,
      fingerprint: idempotency.fingerprint,
      status: response.status,
      response: response.body,
      created_at: createdAt,
    })
    .execute();
}

/** The earlier request with this key, if one committed. */
export async function findIdempotencyKey(
  db: Kysely<Schema>,
  idempotency: Idempotency,
): Promise<PriorRequest | undefined> {
  const row = await db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('principal', '=', idempotency.principal)
    .where('route', '=', idempotency.route)
    .where('key', '=', idempotency.key)
    .executeTakeFirst();
  if (!row) return undefined;
  if (row.fingerprint !== idempotency.fingerprint) return { kind: 'conflict' };
  return { kind: 'replayed', response: { status: row.status, body: row.response } };
}

/** Whether a write failed on a unique key (both databases' wording): with a key, maybe a retry. */
export function isKeyCollision(err: unknown): boolean {
  return /unique|duplicate/i.test((err as Error).message);
}
