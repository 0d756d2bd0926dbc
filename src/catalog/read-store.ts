import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { Database, DialectName } from '../platform/db/connect.ts';
import { chunks } from '../platform/db/chunks.ts';
import type { Schema } from '../platform/db/schema.ts';
import type { Entity } from './model.ts';
import type {
  BrowseItem,
  BrowsePage,
  BrowseSort,
  CatalogReader,
  EntityDescriptor,
  EntityDetail,
  EntityFilters,
  EntityPage,
  FacetCount,
  FacetName,
  Facets,
  ProblemFilters,
  ProblemPage,
  SearchRow,
} from './reader.ts';
import { relationView, type Relation } from './relations.ts';
import { refKeyOrNull, toBrowseItem, toProblem, toSummary } from './rows.ts';
import { identifierTerms, MAX_QUERY_TERMS } from './search-terms.ts';
import type { SnapshotRows } from './snapshot.ts';

/**
 * The catalog's read queries: every question pages and the API ask (CatalogReader, plus
 * the API's cursor-paged list and the snapshot's whole-catalog read), in SQL against
 * entities, relations, tags, problems and the text index (FTS5 on SQLite, a tsvector on
 * PostgreSQL). The sync's writes are in sync-store.ts.
 */

/** Keys per `in (...)` list, and rows per insert where their width does not decide it. */
export const BATCH = 400;

/** The catalog's generation: bumped by every sync that changed something. */
export async function readGeneration(read: Kysely<Schema>): Promise<number> {
  const row = await read.selectFrom('catalog_state').select('generation').where('id', '=', 1).executeTakeFirst();
  return row?.generation ?? 0;
}

const BROWSE_ORDER: Record<BrowseSort, ['name' | 'kind' | 'owner_key' | 'lifecycle' | 'updated_at', 'asc' | 'desc']> = {
  name: ['name', 'asc'],
  kind: ['kind', 'asc'],
  owner: ['owner_key', 'asc'],
  lifecycle: ['lifecycle', 'asc'],
  updated: ['updated_at', 'desc'],
};

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

export class CatalogReadStore implements CatalogReader {
  /** Never queued behind a sync's transaction on SQLite (see Database.read). */
  private readonly read: Kysely<Schema>;
  private readonly dialect: DialectName;

  constructor(database: Database) {
    this.read = database.read;
    this.dialect = database.dialect;
  }

  generation(): Promise<number> {
    return readGeneration(this.read);
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
    if (filters.q !== undefined) query = this.matchText(query, identifierTerms(filters.q).slice(0, MAX_QUERY_TERMS));
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
  async listEntities(filters: EntityFilters, limit: number, after?: string): Promise<EntityPage> {
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

  async browseEntities(filters: EntityFilters, sort: BrowseSort, offset: number, limit: number): Promise<BrowsePage> {
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

  async summariesOf(keys: readonly string[]): Promise<Map<string, BrowseItem>> {
    const out = new Map<string, BrowseItem>();
    for (const batch of chunks([...new Set(keys)], BATCH)) {
      const rows = await this.read.selectFrom('entities').select(SUMMARY_COLUMNS).where('key', 'in', batch).execute();
      for (const row of rows) out.set(row.key, toBrowseItem(row));
    }
    return out;
  }

  /** One query per batch of keys, no relations. */
  async descriptorsOf(keys: readonly string[]): Promise<Map<string, EntityDescriptor>> {
    const out = new Map<string, EntityDescriptor>();
    for (const batch of chunks([...new Set(keys)], BATCH)) {
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

  async relationsTouching(keys: readonly string[]): Promise<Relation[]> {
    const out: Relation[] = [];
    for (const batch of chunks([...new Set(keys)], BATCH)) {
      const rows = await this.read
        .selectFrom('relations')
        .select(['source', 'type', 'target'])
        .where((eb) => eb.or([eb('source_key', 'in', batch), eb('target_key', 'in', batch)]))
        .execute();
      out.push(...(rows as Relation[]));
    }
    return out;
  }

  async searchRows(after: string | undefined, limit: number): Promise<SearchRow[]> {
    let query = this.read
      .selectFrom('entities')
      .select(['key', 'ref', 'kind', 'name', 'title', 'description', 'tags', 'owner_key'])
      .orderBy('key')
      .limit(limit);
    if (after !== undefined) query = query.where('key', '>', after);
    const rows = await query.execute();
    return rows.map((r) => ({
      key: r.key,
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
   * LIKE on the stored body, which ignores ASCII case on both databases; the wildcard
   * characters in a needle simply match any character (callers confirm on the entity).
   */
  async entitiesMentioning(needles: readonly string[]): Promise<EntityDescriptor[]> {
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

  async facetCounts(facet: FacetName): Promise<FacetCount[]> {
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

  async refsAfter(after: string | undefined, limit: number): Promise<{ key: string; ref: string }[]> {
    let query = this.read.selectFrom('entities').select(['key', 'ref']).orderBy('key').limit(limit);
    if (after !== undefined) query = query.where('key', '>', after);
    return query.execute();
  }

  /**
   * The refs of the `limit` entities most often named as a relation's target (a hub's
   * dependents, a team's members and owned entities, an API's consumers), most first, ties
   * by key: the pages most other pages link to, which the portal warms after a sync. The
   * count is read from the target index alone; refs that name no entity are left out.
   */
  async mostLinked(limit: number): Promise<string[]> {
    const linked = this.read
      .selectFrom('relations')
      .select(['target_key', (eb) => eb.fn.countAll<number>().as('links')])
      .groupBy('target_key')
      .orderBy('links', 'desc')
      .orderBy('target_key')
      .limit(limit)
      .as('linked');
    const rows = await this.read
      .selectFrom(linked)
      .innerJoin('entities', 'entities.key', 'linked.target_key')
      .select('entities.ref')
      .orderBy('linked.links', 'desc')
      .orderBy('entities.key')
      .execute();
    return rows.map((r) => r.ref);
  }

  async ownedCounts(ownerKeys: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const batch of chunks([...new Set(ownerKeys)], BATCH)) {
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
  async readAll(): Promise<SnapshotRows & { generation: number }> {
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

  async orphans(limit: number): Promise<BrowsePage> {
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
          eb.or([
            eb('entity_key', '=', key),
            eb.and([eb('file', '=', row.file), eb('entity_key', 'is', null)]),
            // A missing entity's one problem, on the page of every entity that refers to it.
            eb('target_key', 'in', eb.selectFrom('relations').select('target_key').where('source_key', '=', key)),
          ]),
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

  async listProblems(filters: ProblemFilters, limit: number, after?: number, offset = 0): Promise<ProblemPage> {
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
