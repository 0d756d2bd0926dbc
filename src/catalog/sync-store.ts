import type { AlongsideWrite } from '../platform/db/alongside-write.ts';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, DialectName } from '../platform/db/connect.ts';
import { bulkInsert, type BulkTable } from '../platform/db/bulk-insert.ts';
import { chunks } from '../platform/db/chunks.ts';
import type { EntitiesTable, Schema } from '../platform/db/schema.ts';
import { DocumentPool } from './document-pool.ts';
import type { DocumentSummary, FileSummary } from './file-summary.ts';
import { entityName, type Entity, type Problem } from './model.ts';
import { BATCH, readGeneration } from './read-store.ts';
import { storedRelationsOf, type Reference } from './relations.ts';
import type { Claim, StoredEntity } from './resolve.ts';
import { entityRow, problemRow, toProblem, type EntityText } from './rows.ts';

/**
 * What a sync reads and writes: the per-file summaries that make syncs incremental, what
 * is stored of each entity, and one transaction that applies a sync's plan to entities,
 * relations, tags, problems and the text index. The read queries are in read-store.ts.
 */

export interface EntityWrite {
  entity: Entity;
  claim: Claim;
  references: Reference[];
  /** Its row's costly columns, when the parse worked them out already. */
  text?: EntityText;
}

export interface SyncPlan {
  upserts: EntityWrite[];
  /** Entities whose stored version stays but whose stale mark changes. */
  staleMarks: { key: string; stale: boolean }[];
  deletes: string[];
  files: FileSummary[];
  removedFiles: string[];
  /** The full problem list, or undefined when it has not changed. */
  problems?: Problem[];
}

export interface SyncState {
  /** Their documents are the pool's (compact: see document-pool.ts). */
  files: Map<string, FileSummary>;
  stored: Map<string, StoredEntity & { stale: boolean }>;
  /** Shares the strings, targets and paths of `files`' documents and `stored` (document-pool.ts). */
  pool: DocumentPool;
  /** The pool's size when the state last measured it (after resolving), to tell when it has outgrown the catalog. */
  poolBase?: number;
  problemsJson: string;
  generation: number;
  /**
   * This process resolved the catalog into this state, with its own settings. A state read
   * from the store was resolved by some process with settings of its own (externalRefs), so
   * the first sync resolves again even when no file changed.
   */
  resolvedHere?: boolean;
}

/** What a sync needs of a store (CatalogSyncStore, or a CatalogStore, which has one inside). */
export interface CatalogSyncTarget {
  generation(): Promise<number>;
  readSyncState(): Promise<SyncState>;
  /** `fence` runs first in the transaction and throws to write nothing (SyncOptions.fence). */
  applySync(plan: SyncPlan, generation: number, now: string, fence?: AlongsideWrite): Promise<boolean>;
}

/** The tables a sync fills row by row, for bulkInsert: the column order of the rows applySync makes. */
const text = (name: string) => ({ name, type: 'text' }) as const;
const integer = (name: string) => ({ name, type: 'integer' }) as const;
const ENTITIES: BulkTable = {
  name: 'entities',
  columns: [
    ...['key', 'ref', 'kind', 'namespace', 'name', 'title', 'description', 'type', 'lifecycle'].map(text),
    ...['owner_key', 'system_key', 'tags', 'file'].map(text),
    ...['line', 'col'].map(integer),
    text('content_hash'),
    integer('stale'),
    ...['body', 'search_text', 'updated_at'].map(text),
  ],
  conflictKey: 'key',
};
const SEARCH: BulkTable = { name: 'entity_search', columns: [text('key'), text('body')] };
const TAGS: BulkTable = { name: 'entity_tags', columns: [text('key'), text('tag')] };
const RELATIONS: BulkTable = {
  name: 'relations',
  columns: ['origin', 'source_key', 'source', 'type', 'target_key', 'target'].map(text),
};

/**
 * Files whose documents one statement reads while the state is read. A sync state read from
 * the store is always resolved in full (the process did not resolve it: see
 * SyncState.resolvedHere), so every file's documents are needed; read a batch at a time and
 * made compact at once, the JSON text (35 MB at 50,000 entities) is never all in memory.
 */
const DOCUMENT_FILES = 64;

export class CatalogSyncStore implements CatalogSyncTarget {
  /** Writes (the sync's transaction). */
  private readonly db: Kysely<Schema>;
  /** Reads: never queued behind a sync's transaction on SQLite (see Database.read). */
  private readonly read: Kysely<Schema>;
  private readonly dialect: DialectName;

  constructor(database: Database) {
    this.db = database.db;
    this.read = database.read;
    this.dialect = database.dialect;
  }

  generation(): Promise<number> {
    return readGeneration(this.read);
  }

  /** Everything a sync needs to know about what is stored, to do only the work that changed. */
  async readSyncState(): Promise<SyncState> {
    // The reads are separate statements (on PostgreSQL, maybe separate connections): a sync
    // committed between them would mix two states. The generation before and after tells.
    for (;;) {
      const generation = await this.generation();
      const [files, entities, problems] = await Promise.all([
        this.read.selectFrom('catalog_files').select(['path', 'summary']).execute(),
        this.read.selectFrom('entities').select(['key', 'file', 'content_hash', 'stale']).execute(),
        this.read.selectFrom('problems').selectAll().orderBy('seq').execute(),
      ]);
      const pool = new DocumentPool();
      const summaries = new Map<string, FileSummary>();
      for (const f of files) summaries.set(f.path, JSON.parse(f.summary) as FileSummary);
      for (const paths of chunks([...summaries.keys()], DOCUMENT_FILES)) {
        const rows = await this.read
          .selectFrom('catalog_files')
          .select(['path', 'documents'])
          .where('path', 'in', paths)
          .execute();
        for (const row of rows) {
          const summary = summaries.get(row.path);
          // A row written before 0002 holds its documents in its summary.
          const documents =
            row.documents === null ? summary?.documents : (JSON.parse(row.documents) as DocumentSummary[]);
          if (summary) summary.documents = pool.compact(documents ?? []);
        }
      }
      if ((await this.generation()) !== generation) continue;
      return {
        files: summaries,
        // One copy of each key, file path and hash, shared with the documents.
        stored: new Map(
          entities.map((e) => [
            pool.string(e.key),
            { file: pool.string(e.file), contentHash: pool.string(e.content_hash), stale: e.stale === 1 },
          ]),
        ),
        pool,
        problemsJson: JSON.stringify(problems.map(toProblem)),
        generation,
      };
    }
  }

  /**
   * Applies a sync plan in one transaction, if nobody else synced since `generation` was
   * read (returns false then, and the caller syncs again from fresh state).
   */
  async applySync(plan: SyncPlan, generation: number, now: string, fence?: AlongsideWrite): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      if (this.dialect === 'postgres') await sql`select pg_advisory_xact_lock(74000001)`.execute(trx);
      await fence?.(trx);
      const bumped = await trx
        .updateTable('catalog_state')
        .set({ generation: generation + 1, synced_at: now })
        .where('id', '=', 1)
        .where('generation', '=', generation)
        .executeTakeFirst();
      if (Number(bumped.numUpdatedRows) !== 1) return false;

      const removed = [...plan.deletes, ...plan.upserts.map((u) => u.claim.key)];
      for (const keys of chunks(removed, BATCH)) {
        await trx.deleteFrom('relations').where('origin', 'in', keys).execute();
        await trx.deleteFrom('entity_tags').where('key', 'in', keys).execute();
        await this.unindex(trx, keys);
      }
      for (const keys of chunks(plan.deletes, BATCH))
        await trx.deleteFrom('entities').where('key', 'in', keys).execute();

      const rows = plan.upserts.map((u) => entityRow(u.entity, u.claim, now, u.text));
      await bulkInsert(
        trx,
        this.dialect,
        ENTITIES,
        rows.map((row) => ENTITIES.columns.map((c) => row[c.name as keyof EntitiesTable])),
      );
      // PostgreSQL derives its tsvector from search_text by itself (a generated column).
      if (this.dialect === 'sqlite') {
        await bulkInsert(
          trx,
          this.dialect,
          SEARCH,
          rows.map((r) => [r.key, r.search_text]),
        );
      }
      const tags = plan.upserts.flatMap((u) =>
        [...new Set(u.entity.metadata.tags ?? [])].map((tag) => [u.claim.key, tag]),
      );
      await bulkInsert(trx, this.dialect, TAGS, tags);
      const relations = plan.upserts.flatMap((u) =>
        storedRelationsOf(entityName(u.entity), u.references).map((r) => [
          u.claim.key,
          r.source.toLowerCase(),
          r.source,
          r.type,
          r.target.toLowerCase(),
          r.target,
        ]),
      );
      await bulkInsert(trx, this.dialect, RELATIONS, relations);

      for (const mark of plan.staleMarks) {
        await trx
          .updateTable('entities')
          .set({ stale: mark.stale ? 1 : 0 })
          .where('key', '=', mark.key)
          .execute();
      }
      for (const paths of chunks(plan.removedFiles, BATCH))
        await trx.deleteFrom('catalog_files').where('path', 'in', paths).execute();
      for (const batch of chunks(plan.files, 100)) {
        await trx
          .insertInto('catalog_files')
          .values(
            batch.map(({ documents, ...head }) => ({
              path: head.path,
              hash: head.hash,
              summary: JSON.stringify(head),
              documents: JSON.stringify(documents),
            })),
          )
          .onConflict((oc) =>
            oc.column('path').doUpdateSet((eb) => ({
              hash: eb.ref('excluded.hash'),
              summary: eb.ref('excluded.summary'),
              documents: eb.ref('excluded.documents'),
            })),
          )
          .execute();
      }
      if (plan.problems) {
        await trx.deleteFrom('problems').execute();
        const problemRows = plan.problems.map(problemRow);
        for (const batch of chunks(problemRows, BATCH)) await trx.insertInto('problems').values(batch).execute();
      }
      return true;
    });
  }

  private async unindex(trx: Transaction<Schema>, keys: string[]): Promise<void> {
    if (this.dialect === 'sqlite') await trx.deleteFrom('entity_search').where('key', 'in', keys).execute();
  }
}
