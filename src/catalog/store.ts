import { sql, type Kysely, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { Database, DialectName } from '../platform/db/connect.ts';
import type { EntitiesTable, RelationsTable, Schema } from '../platform/db/schema.ts';
import type { DocumentSummary, FileSummary } from './load.ts';
import { entityName, parseEntityRef, refKey, type Entity, type Problem } from './model.ts';
import { relationView, storedRelationsOf, type Reference, type Relation } from './relations.ts';
import type { Claim, StoredEntity } from './resolve.ts';
import { MAX_QUERY_TERMS, searchTerms } from './search-terms.ts';

/**
 * The only SQL of the catalog: entities, their relations and tags, the problems of the
 * last sync, the per-file summaries that make syncs incremental, and the text index
 * (FTS5 on SQLite, a tsvector on PostgreSQL) behind one interface.
 */

export interface EntityWrite {
  entity: Entity;
  claim: Claim;
  references: Reference[];
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
  files: Map<string, FileSummary>;
  stored: Map<string, StoredEntity & { stale: boolean }>;
  problemsJson: string;
  generation: number;
}

export interface EntityFilters {
  kind?: string;
  namespace?: string;
  owner?: string;
  lifecycle?: string;
  type?: string;
  system?: string;
  tag?: string;
  q?: string;
}

export interface EntitySummary {
  ref: string;
  kind: string;
  namespace: string;
  name: string;
  title: string | null;
  description: string | null;
  type: string | null;
  lifecycle: string | null;
  owner: string | null;
  system: string | null;
  tags: string[];
  stale: boolean;
}

export interface EntityDetail {
  ref: string;
  entity: Entity;
  relations: Relation[];
  source: { file: string; line: number; column: number };
  stale: boolean;
  problems: Problem[];
  updatedAt: string;
}

export type FacetName = 'kind' | 'namespace' | 'type' | 'lifecycle' | 'owner' | 'system' | 'tag';
export type Facets = Record<FacetName, { value: string; count: number }[]>;

const BATCH = 400;
/** Bound parameters per statement, under SQLite's limit of 32,766 (PostgreSQL allows 65,535). */
const MAX_PARAMETERS = 30_000;
/** Rows per multi-row insert: as many as the parameter limit allows, so big syncs take few statements. */
const batchFor = (row: object | undefined): number =>
  row ? Math.max(1, Math.floor(MAX_PARAMETERS / Object.keys(row).length)) : BATCH;
const chunks = <T>(items: readonly T[], size = BATCH): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

export function refKeyOrNull(value: unknown, defaultKind: string, defaultNamespace: string): string | null {
  if (typeof value !== 'string') return null;
  try {
    return refKey(parseEntityRef(value, { defaultKind, defaultNamespace }));
  } catch {
    return null;
  }
}

function entityRow(write: EntityWrite, now: string): EntitiesTable {
  const { entity, claim } = write;
  const name = entityName(entity);
  const spec = entity.spec ?? {};
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const tags = entity.metadata.tags ?? [];
  const searchText = [
    name.name,
    entity.metadata.title,
    entity.metadata.description,
    name.kind,
    str(spec.type),
    str(spec.owner),
    str(spec.system),
    ...tags,
  ]
    .filter((v): v is string => typeof v === 'string')
    .flatMap(searchTerms)
    .join(' ');
  return {
    key: claim.key,
    ref: claim.ref,
    kind: name.kind.toLowerCase(),
    namespace: name.namespace.toLowerCase(),
    name: name.name,
    title: str(entity.metadata.title),
    description: str(entity.metadata.description),
    type: str(spec.type),
    lifecycle: str(spec.lifecycle),
    owner_key: refKeyOrNull(spec.owner, 'group', name.namespace),
    system_key: refKeyOrNull(spec.system, 'system', name.namespace),
    tags: JSON.stringify(tags),
    file: claim.file,
    line: claim.line,
    col: claim.column,
    content_hash: claim.contentHash ?? '',
    stale: claim.stale ? 1 : 0,
    body: JSON.stringify(entity),
    search_text: searchText,
    updated_at: now,
  };
}

/**
 * A stored FileSummary whose documents are parsed on first use: a re-sync that finds every
 * file unchanged reads only the Location files' documents, not the whole catalog's.
 */
function fileSummary(summary: string, documents: string | null): FileSummary {
  if (documents === null) return JSON.parse(summary) as FileSummary; // a row written before 0002
  let json: string | undefined = documents;
  let parsed: DocumentSummary[] = [];
  return Object.defineProperty(JSON.parse(summary) as FileSummary, 'documents', {
    enumerable: true,
    get: () => {
      if (json !== undefined) {
        parsed = JSON.parse(json) as DocumentSummary[];
        json = undefined; // keep one copy, not the text and the objects
      }
      return parsed;
    },
  });
}

export type BrowseSort = 'name' | 'kind' | 'owner' | 'lifecycle' | 'updated';
const BROWSE_ORDER: Record<BrowseSort, ['name' | 'kind' | 'owner_key' | 'lifecycle' | 'updated_at', 'asc' | 'desc']> = {
  name: ['name', 'asc'],
  kind: ['kind', 'asc'],
  owner: ['owner_key', 'asc'],
  lifecycle: ['lifecycle', 'asc'],
  updated: ['updated_at', 'desc'],
};

/** A summary with the time its descriptor last changed, for lists people browse. */
export interface BrowseItem extends EntitySummary {
  key: string;
  updatedAt: string;
}

const SUMMARY_COLUMNS = [
  'key',
  'ref',
  'kind',
  'namespace',
  'name',
  'title',
  'description',
  'type',
  'lifecycle',
  'owner_key',
  'system_key',
  'tags',
  'stale',
  'updated_at',
] as const;
type SummaryRow = Pick<
  EntitiesTable,
  | 'ref'
  | 'kind'
  | 'namespace'
  | 'name'
  | 'title'
  | 'description'
  | 'type'
  | 'lifecycle'
  | 'owner_key'
  | 'system_key'
  | 'tags'
  | 'stale'
>;

function toSummary(r: SummaryRow): EntitySummary {
  return {
    ref: r.ref,
    kind: r.kind,
    namespace: r.namespace,
    name: r.name,
    title: r.title,
    description: r.description,
    type: r.type,
    lifecycle: r.lifecycle,
    owner: r.owner_key,
    system: r.system_key,
    tags: JSON.parse(r.tags) as string[],
    stale: r.stale === 1,
  };
}

export const toBrowseItem = (r: SummaryRow & Pick<EntitiesTable, 'key' | 'updated_at'>): BrowseItem => ({
  ...toSummary(r),
  key: r.key,
  updatedAt: r.updated_at,
});

export function toProblem(row: Schema['problems']): Problem {
  return {
    severity: row.severity as Problem['severity'],
    code: row.code,
    message: row.message,
    hint: row.hint,
    file: row.file,
    line: row.line,
    column: row.col,
    ...(row.entity_ref ? { entityRef: row.entity_ref } : {}),
  };
}

export class CatalogStore {
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

  async generation(): Promise<number> {
    const row = await this.read.selectFrom('catalog_state').select('generation').where('id', '=', 1).executeTakeFirst();
    return row?.generation ?? 0;
  }

  /** Everything a sync needs to know about what is stored, to do only the work that changed. */
  async readSyncState(): Promise<SyncState> {
    // The reads are separate statements (on PostgreSQL, maybe separate connections): a sync
    // committed between them would mix two states. The generation before and after tells.
    for (;;) {
      const generation = await this.generation();
      const [files, entities, problems] = await Promise.all([
        this.read.selectFrom('catalog_files').select(['path', 'summary', 'documents']).execute(),
        this.read.selectFrom('entities').select(['key', 'file', 'content_hash', 'stale']).execute(),
        this.read.selectFrom('problems').selectAll().orderBy('seq').execute(),
      ]);
      if ((await this.generation()) !== generation) continue;
      return {
        files: new Map(files.map((f) => [f.path, fileSummary(f.summary, f.documents)])),
        stored: new Map(
          entities.map((e) => [e.key, { file: e.file, contentHash: e.content_hash, stale: e.stale === 1 }]),
        ),
        problemsJson: JSON.stringify(problems.map(toProblem)),
        generation,
      };
    }
  }

  /**
   * Applies a sync plan in one transaction, if nobody else synced since `generation` was
   * read (returns false then, and the caller syncs again from fresh state).
   */
  async applySync(plan: SyncPlan, generation: number, now: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      if (this.dialect === 'postgres') await sql`select pg_advisory_xact_lock(74000001)`.execute(trx);
      const bumped = await trx
        .updateTable('catalog_state')
        .set({ generation: generation + 1, synced_at: now })
        .where('id', '=', 1)
        .where('generation', '=', generation)
        .executeTakeFirst();
      if (Number(bumped.numUpdatedRows) !== 1) return false;

      const removed = [...plan.deletes, ...plan.upserts.map((u) => u.claim.key)];
      for (const keys of chunks(removed)) {
        await trx.deleteFrom('relations').where('origin', 'in', keys).execute();
        await trx.deleteFrom('entity_tags').where('key', 'in', keys).execute();
        await this.unindex(trx, keys);
      }
      for (const keys of chunks(plan.deletes)) await trx.deleteFrom('entities').where('key', 'in', keys).execute();

      const rows = plan.upserts.map((u) => entityRow(u, now));
      for (const batch of chunks(rows, batchFor(rows[0]))) {
        await trx
          .insertInto('entities')
          .values(batch)
          .onConflict((oc) =>
            oc.column('key').doUpdateSet((eb) => {
              const columns = Object.keys(batch[0] as object).filter((c) => c !== 'key') as (keyof EntitiesTable)[];
              return Object.fromEntries(columns.map((c) => [c, eb.ref(`excluded.${c}`)]));
            }),
          )
          .execute();
        await this.index(trx, batch);
      }
      const tags = plan.upserts.flatMap((u) =>
        [...new Set(u.entity.metadata.tags ?? [])].map((tag) => ({ key: u.claim.key, tag })),
      );
      for (const batch of chunks(tags, batchFor(tags[0]))) await trx.insertInto('entity_tags').values(batch).execute();
      const relations = plan.upserts.flatMap((u) =>
        storedRelationsOf(entityName(u.entity), u.references).map((r) => ({
          origin: u.claim.key,
          source_key: r.source.toLowerCase(),
          source: r.source,
          type: r.type,
          target_key: r.target.toLowerCase(),
          target: r.target,
        })),
      );
      for (const batch of chunks(relations, batchFor(relations[0])))
        await trx.insertInto('relations').values(batch).execute();

      for (const mark of plan.staleMarks) {
        await trx
          .updateTable('entities')
          .set({ stale: mark.stale ? 1 : 0 })
          .where('key', '=', mark.key)
          .execute();
      }
      for (const paths of chunks(plan.removedFiles))
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
        const problemRows = plan.problems.map((p, seq) => ({
          seq,
          severity: p.severity,
          code: p.code,
          message: p.message,
          hint: p.hint,
          file: p.file,
          line: p.line,
          col: p.column,
          entity_key: p.entityRef ? p.entityRef.toLowerCase() : null,
          entity_ref: p.entityRef ?? null,
        }));
        for (const batch of chunks(problemRows)) await trx.insertInto('problems').values(batch).execute();
      }
      return true;
    });
  }

  private async index(trx: Transaction<Schema>, rows: EntitiesTable[]): Promise<void> {
    // PostgreSQL derives its tsvector from search_text by itself (a generated column).
    if (this.dialect === 'sqlite') {
      await trx
        .insertInto('entity_search')
        .values(rows.map((r) => ({ key: r.key, body: r.search_text })))
        .execute();
    }
  }

  private async unindex(trx: Transaction<Schema>, keys: string[]): Promise<void> {
    if (this.dialect === 'sqlite') await trx.deleteFrom('entity_search').where('key', 'in', keys).execute();
  }

  private filtered(filters: EntityFilters) {
    let query = this.read.selectFrom('entities');
    if (filters.kind) query = query.where('kind', '=', filters.kind.toLowerCase());
    if (filters.namespace) query = query.where('namespace', '=', filters.namespace.toLowerCase());
    if (filters.lifecycle) query = query.where('lifecycle', '=', filters.lifecycle);
    if (filters.type) query = query.where('type', '=', filters.type);
    if (filters.owner) query = query.where('owner_key', '=', refKeyOrNull(filters.owner, 'group', 'default') ?? '');
    if (filters.system) query = query.where('system_key', '=', refKeyOrNull(filters.system, 'system', 'default') ?? '');
    if (filters.tag) {
      const tag = filters.tag;
      query = query.where('key', 'in', (eb) => eb.selectFrom('entity_tags').select('key').where('tag', '=', tag));
    }
    if (filters.q !== undefined) query = this.matchText(query, searchTerms(filters.q).slice(0, MAX_QUERY_TERMS));
    return query;
  }

  private matchText<O>(
    query: SelectQueryBuilder<Schema, 'entities', O>,
    terms: string[],
  ): SelectQueryBuilder<Schema, 'entities', O> {
    if (terms.length === 0) return query;
    if (this.dialect === 'sqlite') {
      const match = terms.map((t) => `"${t}"*`).join(' AND ');
      return query.where('key', 'in', (eb) =>
        eb.selectFrom('entity_search').select('key').where(sql<boolean>`entity_search match ${match}`),
      );
    }
    const tsquery = terms.map((t) => `${t}:*`).join(' & ');
    return query.where(sql<boolean>`search @@ to_tsquery('simple', ${tsquery})`);
  }

  /** One page of entities in stable key order; `after` is the last key of the previous page. */
  async listEntities(
    filters: EntityFilters,
    limit: number,
    after?: string,
  ): Promise<{ items: EntitySummary[]; total: number; nextAfter?: string }> {
    let page = this.filtered(filters)
      .select([
        'key',
        'ref',
        'kind',
        'namespace',
        'name',
        'title',
        'description',
        'type',
        'lifecycle',
        'owner_key',
        'system_key',
        'tags',
        'stale',
      ])
      .orderBy('key')
      .limit(limit + 1);
    if (after !== undefined) page = page.where('key', '>', after);
    const [rows, count] = await Promise.all([
      page.execute(),
      this.filtered(filters)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirst(),
    ]);
    const more = rows.length > limit;
    const items = rows.slice(0, limit);
    return {
      items: items.map(toSummary),
      total: Number(count?.n ?? 0),
      nextAfter: more ? items.at(-1)?.key : undefined,
    };
  }

  /** One page of entities in the order a person browsing asks for; ties broken by key so pages never overlap. */
  async browseEntities(
    filters: EntityFilters,
    sort: BrowseSort,
    offset: number,
    limit: number,
  ): Promise<{ items: BrowseItem[]; total: number }> {
    const [column, direction] = BROWSE_ORDER[sort];
    const [rows, count] = await Promise.all([
      this.filtered(filters)
        .select(SUMMARY_COLUMNS)
        .orderBy(column, direction)
        .orderBy('key')
        .offset(offset)
        .limit(limit)
        .execute(),
      this.filtered(filters)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirst(),
    ]);
    return { items: rows.map(toBrowseItem), total: Number(count?.n ?? 0) };
  }

  /** Summaries of the given entity keys (missing keys are left out), for labelling links to them. */
  async summariesOf(keys: readonly string[]): Promise<Map<string, BrowseItem>> {
    const out = new Map<string, BrowseItem>();
    for (const batch of chunks([...new Set(keys)])) {
      const rows = await this.read.selectFrom('entities').select(SUMMARY_COLUMNS).where('key', 'in', batch).execute();
      for (const row of rows) out.set(row.key, toBrowseItem(row));
    }
    return out;
  }

  /** The descriptors of the given keys with their source files (missing keys are left out): one query, no relations. */
  async descriptorsOf(keys: readonly string[]): Promise<Map<string, { ref: string; entity: Entity; file: string }>> {
    const out = new Map<string, { ref: string; entity: Entity; file: string }>();
    for (const batch of chunks([...new Set(keys)])) {
      const rows = await this.read
        .selectFrom('entities')
        .select(['key', 'ref', 'body', 'file'])
        .where('key', 'in', batch)
        .execute();
      for (const row of rows)
        out.set(row.key, { ref: row.ref, entity: JSON.parse(row.body) as Entity, file: row.file });
    }
    return out;
  }

  /** Every relation starting or ending at one of the keys, as stored (one direction each). */
  async relationsTouching(keys: readonly string[]): Promise<Relation[]> {
    const out: Relation[] = [];
    for (const batch of chunks([...new Set(keys)])) {
      const rows = await this.read
        .selectFrom('relations')
        .select(['source', 'type', 'target'])
        .where((eb) => eb.or([eb('source_key', 'in', batch), eb('target_key', 'in', batch)]))
        .execute();
      out.push(...(rows as Relation[]));
    }
    return out;
  }

  /** Every entity's searchable fields, in key order (for the portal's search index). */
  async searchRows(): Promise<
    {
      ref: string;
      kind: string;
      name: string;
      title: string | null;
      description: string | null;
      tags: string[];
      owner: string | null;
    }[]
  > {
    const rows = await this.read
      .selectFrom('entities')
      .select(['ref', 'kind', 'name', 'title', 'description', 'tags', 'owner_key'])
      .orderBy('key')
      .execute();
    return rows.map((r) => ({
      ref: r.ref,
      kind: r.kind,
      name: r.name,
      title: r.title,
      description: r.description,
      tags: JSON.parse(r.tags) as string[],
      owner: r.owner_key,
    }));
  }

  /**
   * Entities whose descriptor mentions an annotation among `needles` (a cheap text match
   * on the stored body, ignoring ASCII case on both databases; callers confirm on the
   * parsed entity, so the wildcard characters in a needle simply match any character). Keeps the docs index from
   * parsing every descriptor of a large catalog.
   */
  async entitiesMentioning(needles: readonly string[]): Promise<{ ref: string; entity: Entity; file: string }[]> {
    if (needles.length === 0) return [];
    const rows = await this.read
      .selectFrom('entities')
      .select(['ref', 'body', 'file'])
      .where((eb) =>
        eb.or(
          needles.map((n) =>
            eb('body', this.dialect === 'postgres' ? 'ilike' : 'like', `%${n.replace(/[\\%_]/g, '_')}%`),
          ),
        ),
      )
      .orderBy('key')
      .execute();
    return rows.map((r) => ({ ref: r.ref, entity: JSON.parse(r.body) as Entity, file: r.file }));
  }

  /** Every value of a facet with its count, by value (for the static export, which needs a page per value). */
  async facetCounts(facet: FacetName): Promise<{ value: string; count: number }[]> {
    if (facet === 'tag') {
      const rows = await this.read
        .selectFrom('entity_tags')
        .select(['tag as value', (eb) => eb.fn.countAll<number>().as('count')])
        .groupBy('tag')
        .orderBy('tag')
        .execute();
      return rows.map((r) => ({ value: r.value, count: Number(r.count) }));
    }
    const column = facet === 'owner' ? 'owner_key' : facet === 'system' ? 'system_key' : facet;
    const rows = await this.read
      .selectFrom('entities')
      .select([`${column} as value`, (eb) => eb.fn.countAll<number>().as('count')])
      .where(column, 'is not', null)
      .groupBy(column)
      .orderBy(column)
      .execute();
    return rows.map((r) => ({ value: String(r.value), count: Number(r.count) }));
  }

  /** Entity refs in key order, a page at a time (`after` is the last key of the previous page). */
  async refsAfter(after: string | undefined, limit: number): Promise<{ key: string; ref: string }[]> {
    let query = this.read.selectFrom('entities').select(['key', 'ref']).orderBy('key').limit(limit);
    if (after !== undefined) query = query.where('key', '>', after);
    return query.execute();
  }

  /** How many entities each of the given owners (entity keys) owns. */
  async ownedCounts(ownerKeys: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const batch of chunks([...new Set(ownerKeys)])) {
      const rows = await this.read
        .selectFrom('entities')
        .select(['owner_key', (eb) => eb.fn.countAll<number>().as('n')])
        .where('owner_key', 'in', batch)
        .groupBy('owner_key')
        .execute();
      for (const row of rows) if (row.owner_key !== null) out.set(row.owner_key, Number(row.n));
    }
    return out;
  }

  /**
   * The whole catalog in three reads, for work that visits every entity (the static
   * export): see CatalogSnapshot. The generation before and after tells a sync apart.
   */
  async readAll(): Promise<{
    entities: EntitiesTable[];
    relations: RelationsTable[];
    problems: Schema['problems'][];
    generation: number;
  }> {
    for (;;) {
      const generation = await this.generation();
      const [entities, relations, problems] = await Promise.all([
        this.read.selectFrom('entities').selectAll().orderBy('key').execute(),
        this.read.selectFrom('relations').selectAll().execute(),
        this.read.selectFrom('problems').selectAll().orderBy('seq').execute(),
      ]);
      if ((await this.generation()) === generation) return { entities, relations, problems, generation };
    }
  }

  /** Owned kinds whose owner is not in the catalog, with how many there are. */
  async orphans(limit: number): Promise<{ items: BrowseItem[]; total: number }> {
    const base = this.read
      .selectFrom('entities')
      .where('kind', 'in', ['component', 'api', 'resource', 'system', 'domain'])
      .where((eb) =>
        eb.or([
          eb('owner_key', 'is', null),
          eb('owner_key', 'not in', eb.selectFrom('entities as owners').select('owners.key')),
        ]),
      );
    const [rows, count] = await Promise.all([
      base.select(SUMMARY_COLUMNS).orderBy('key').limit(limit).execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
    ]);
    return { items: rows.map(toBrowseItem), total: Number(count?.n ?? 0) };
  }

  async getEntity(key: string): Promise<EntityDetail | undefined> {
    const row = await this.read.selectFrom('entities').selectAll().where('key', '=', key).executeTakeFirst();
    if (!row) return undefined;
    const [outgoing, incoming, problems] = await Promise.all([
      this.read.selectFrom('relations').select(['source', 'type', 'target']).where('source_key', '=', key).execute(),
      this.read.selectFrom('relations').select(['source', 'type', 'target']).where('target_key', '=', key).execute(),
      this.read
        .selectFrom('problems')
        .selectAll()
        .where((eb) =>
          eb.or([eb('entity_key', '=', key), eb.and([eb('file', '=', row.file), eb('entity_key', 'is', null)])]),
        )
        .orderBy('seq')
        .execute(),
    ]);
    return {
      ref: row.ref,
      entity: JSON.parse(row.body) as Entity,
      relations: relationView(outgoing as Relation[], incoming),
      source: { file: row.file, line: row.line, column: row.col },
      stale: row.stale === 1,
      problems: problems.map(toProblem),
      updatedAt: row.updated_at,
    };
  }

  async facets(filters: EntityFilters): Promise<Facets> {
    const base = this.filtered(filters);
    const column = async (col: 'kind' | 'namespace' | 'type' | 'lifecycle' | 'owner_key' | 'system_key') => {
      const rows = await base
        .select([`${col} as value`, (eb) => eb.fn.countAll<number>().as('count')])
        .where(col, 'is not', null)
        .groupBy(col)
        .orderBy('count', 'desc')
        .orderBy(col)
        .limit(100)
        .execute();
      return rows.map((r) => ({ value: String(r.value), count: Number(r.count) }));
    };
    const tagRows = await this.read
      .selectFrom('entity_tags')
      .select(['tag as value', (eb) => eb.fn.countAll<number>().as('count')])
      .where('key', 'in', base.select('key'))
      .groupBy('tag')
      .orderBy('count', 'desc')
      .orderBy('tag')
      .limit(100)
      .execute();
    const [kind, namespace, type, lifecycle, owner, system] = await Promise.all([
      column('kind'),
      column('namespace'),
      column('type'),
      column('lifecycle'),
      column('owner_key'),
      column('system_key'),
    ]);
    return {
      kind,
      namespace,
      type,
      lifecycle,
      owner,
      system,
      tag: tagRows.map((r) => ({ value: r.value, count: Number(r.count) })),
    };
  }

  /**
   * Problems in file order; `after` is the seq of the last problem of the previous page
   * (the API's cursor), or `offset` skips that many (numbered pages).
   */
  async listProblems(
    filters: { severity?: Problem['severity']; code?: string; file?: string; entity?: string },
    limit: number,
    after?: number,
    offset = 0,
  ) {
    let query = this.read
      .selectFrom('problems')
      .selectAll()
      .orderBy('seq')
      .limit(limit + 1)
      .offset(offset);
    if (filters.severity) query = query.where('severity', '=', filters.severity);
    if (filters.code) query = query.where('code', '=', filters.code);
    if (filters.file) query = query.where('file', '=', filters.file);
    if (filters.entity) query = query.where('entity_key', '=', filters.entity.toLowerCase());
    if (after !== undefined) query = query.where('seq', '>', after);
    const rows = await query.execute();
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    // Counts per severity for the other filters, so a client can show both tabs at once.
    let countQuery = this.read
      .selectFrom('problems')
      .select(['severity', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('severity');
    if (filters.code) countQuery = countQuery.where('code', '=', filters.code);
    if (filters.file) countQuery = countQuery.where('file', '=', filters.file);
    if (filters.entity) countQuery = countQuery.where('entity_key', '=', filters.entity.toLowerCase());
    const counts = await countQuery.execute();
    return {
      items: page.map(toProblem),
      nextAfter: more ? page.at(-1)?.seq : undefined,
      errors: Number(counts.find((c) => c.severity === 'error')?.n ?? 0),
      warnings: Number(counts.find((c) => c.severity === 'warning')?.n ?? 0),
    };
  }
}
