import type { Database } from '../platform/db/connect.ts';

/** A stored token as the rest of Atrium sees it: everything but the secret's hash. */
export interface TokenRecord {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  /** The environment an SDK token (flags:read) reads flags of. */
  environment: string | null;
}

export interface NewToken {
  id: string;
  name: string;
  secretHash: string;
  scopes: readonly string[];
  createdAt: string;
  expiresAt: string | null;
  environment: string | null;
}

/** The only SQL of API tokens. */
export class TokenStore {
  constructor(private readonly database: Database) {}

  /** False when a live token already has this name (the unique index says so, atomically). */
  async insert(token: NewToken): Promise<boolean> {
    const taken = await this.database.db
      .selectFrom('api_tokens')
      .select('id')
      .where('name', '=', token.name)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (taken) return false;
    try {
      await this.database.db
        .insertInto('api_tokens')
        .values({
          id: token.id,
          name: token.name,
          secret_hash: token.secretHash,
          scopes: JSON.stringify(token.scopes),
          created_at: token.createdAt,
          expires_at: token.expiresAt,
          revoked_at: null,
          last_used_at: null,
          environment: token.environment,
        })
        .execute();
      return true;
    } catch (err) {
      // Another process took the name between the check and the insert.
      if (/unique|duplicate/i.test((err as Error).message)) return false;
      throw err;
    }
  }

  async list(): Promise<TokenRecord[]> {
    const rows = await this.database.db
      .selectFrom('api_tokens')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toRecord);
  }

  /** The token and its secret's hash, by id (reads the primary connection: a revocation is seen at once). */
  async find(id: string): Promise<(TokenRecord & { secretHash: string }) | undefined> {
    const row = await this.database.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? { ...toRecord(row), secretHash: row.secret_hash } : undefined;
  }

  /** Revokes the live token with this name; false when there is none. */
  async revoke(name: string, at: string): Promise<boolean> {
    const result = await this.database.db
      .updateTable('api_tokens')
      .set({ revoked_at: at })
      .where('name', '=', name)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async touch(id: string, at: string): Promise<void> {
    await this.database.db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  }
}

function toRecord(row: {
  id: string;
  name: string;
  scopes: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  environment: string | null;
}): TokenRecord {
  return {
    id: row.id,
    name: row.name,
    scopes: JSON.parse(row.scopes) as string[],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
    environment: row.environment,
  };
}
