import type { EntitiesTable, RelationsTable, Schema } from '../platform/db/schema.ts';
import { identifierTerms, MAX_QUERY_TERMS } from './search-terms.ts';
import type { Entity } from './model.ts';
import type {
  BrowseItem,
  BrowsePage,
  BrowseSort,
  CatalogReader,
  EntityDescriptor,
  EntityDetail,
  EntityFilters,
  FacetCount,
  FacetName,
  Facets,
  ProblemFilters,
  ProblemPage,
  SearchRow,
} from './reader.ts';
import { relationView, type Relation } from './relations.ts';
import { refKeyOrNull, toBrowseItem, toProblem } from './rows.ts';

/** What CatalogReadStore.readAll returns: the three tables, rows as stored. */
export interface SnapshotRows {
  entities: EntitiesTable[];
  relations: RelationsTable[];
  problems: Schema['problems'][];
}

const FACET_COLUMNS: Record<
  Exclude<FacetName, 'tag'>,
  'kind' | 'namespace' | 'type' | 'lifecycle' | 'owner_key' | 'system_key'
> = {
  kind: 'kind',
  namespace: 'namespace',
  type: 'type',
  lifecycle: 'lifecycle',
  owner: 'owner_key',
  system: 'system_key',
};
const SORT_COLUMNS: Record<BrowseSort, 'name' | 'kind' | 'owner_key' | 'lifecycle' | 'updated_at'> = {
  name: 'name',
  kind: 'kind',
  owner: 'owner_key',
  lifecycle: 'lifecycle',
  updated: 'updated_at',
};
const FACET_LIMIT = 100;
const OWNED_KINDS = new Set(['component', 'api', 'resource', 'system', 'domain']);

/** SQLite's order: NULL first, then by code unit (BINARY collation). */
function compareNullable(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

const byCountThenValue = (a: { value: string; count: number }, b: { value: string; count: number }) =>
  b.count - a.count || compareNullable(a.value, b.value);

/**
 * The whole catalog in memory, read once, answering the questions pages ask (CatalogReader)
 * with the same answers as the store's SQL on SQLite. The static export renders every page
 * of the site: asking the database per page would cost it most of its time.
 */
export class CatalogSnapshot implements CatalogReader {
  private readonly byKey = new Map<string, EntitiesTable>();
  private readonly outgoing = new Map<string, RelationsTable[]>();
  private readonly incoming = new Map<string, RelationsTable[]>();
  private readonly bodies = new Map<string, Entity>();
  private readonly tags = new Map<string, string[]>();
  private readonly problemsByEntity = new Map<string, Schema['problems'][]>();
  /** Problems of a file that belong to no entity (a YAML error), shown on every entity of that file. */
  private readonly problemsByFile = new Map<string, Schema['problems'][]>();
  /** A missing entity's one problem, by its key: shown on the page of every entity that refers to it. */
  private readonly problemsByTarget = new Map<string, Schema['problems'][]>();
  private readonly filtered = new Map<string, EntitiesTable[]>();
  private readonly sorted = new Map<string, EntitiesTable[]>();
  /** Rows by the value of one column (or tag), built on first use: most pages filter by one facet. */
  private readonly byValue = new Map<string, Map<string, EntitiesTable[]>>();
  private readonly facetMemo = new Map<string, Facets>();

  private constructor(
    /** In key order. */
    private readonly rows: EntitiesTable[],
    relations: RelationsTable[],
    private readonly problems: Schema['problems'][],
  ) {
    for (const row of rows) this.byKey.set(row.key, row);
    for (const r of relations) {
      push(this.outgoing, r.source_key, r);
      push(this.incoming, r.target_key, r);
    }
    for (const p of problems) {
      if (p.entity_key !== null) push(this.problemsByEntity, p.entity_key, p);
      else push(this.problemsByFile, p.file, p);
      if (p.target_key !== null) push(this.problemsByTarget, p.target_key, p);
    }
  }

  static async load(store: { readAll(): Promise<SnapshotRows> }): Promise<CatalogSnapshot> {
    return CatalogSnapshot.fromRows(await store.readAll());
  }

  /** From rows already read (a worker thread gets them from its parent). */
  static fromRows(rows: SnapshotRows): CatalogSnapshot {
    return new CatalogSnapshot(rows.entities, rows.relations, rows.problems);
  }

  private body(row: EntitiesTable): Entity {
    let entity = this.bodies.get(row.key);
    if (!entity) {
      entity = JSON.parse(row.body) as Entity;
      this.bodies.set(row.key, entity);
    }
    return entity;
  }

  private tagsOf(row: EntitiesTable): string[] {
    let tags = this.tags.get(row.key);
    if (!tags) {
      tags = [...new Set(JSON.parse(row.tags) as string[])];
      this.tags.set(row.key, tags);
    }
    return tags;
  }

  private index(
    column: 'kind' | 'namespace' | 'type' | 'lifecycle' | 'owner_key' | 'system_key' | 'tag',
  ): Map<string, EntitiesTable[]> {
    let map = this.byValue.get(column);
    if (!map) {
      map = new Map();
      for (const row of this.rows) {
        for (const value of column === 'tag' ? this.tagsOf(row) : [row[column]])
          if (value !== null) push(map, value, row);
      }
      this.byValue.set(column, map);
    }
    return map;
  }

  private matching(filters: EntityFilters): EntitiesTable[] {
    const memoKey = filterKey(filters);
    let rows = this.filtered.get(memoKey);
    if (rows) return rows;
    const owner = filters.owner ? (refKeyOrNull(filters.owner, 'group', 'default') ?? '') : undefined;
    const system = filters.system ? (refKeyOrNull(filters.system, 'system', 'default') ?? '') : undefined;
    const terms = filters.q !== undefined ? identifierTerms(filters.q).slice(0, MAX_QUERY_TERMS) : [];
    // Start from the rows an exact-match filter allows (in key order, as indexed), then check the rest.
    const start = filters.kind
      ? (this.index('kind').get(filters.kind.toLowerCase()) ?? [])
      : owner !== undefined
        ? (this.index('owner_key').get(owner) ?? [])
        : system !== undefined
          ? (this.index('system_key').get(system) ?? [])
          : filters.tag
            ? (this.index('tag').get(filters.tag) ?? [])
            : this.rows;
    rows = start.filter((row) => {
      if (filters.kind && row.kind !== filters.kind.toLowerCase()) return false;
      if (filters.namespace && row.namespace !== filters.namespace.toLowerCase()) return false;
      if (filters.lifecycle && row.lifecycle !== filters.lifecycle) return false;
      if (filters.type && row.type !== filters.type) return false;
      if (owner !== undefined && row.owner_key !== owner) return false;
      if (system !== undefined && row.system_key !== system) return false;
      if (filters.tag && !this.tagsOf(row).includes(filters.tag)) return false;
      if (terms.length) {
        const words = row.search_text.split(' ');
        if (!terms.every((t) => words.some((w) => w.startsWith(t)))) return false;
      }
      return true;
    });
    this.filtered.set(memoKey, rows);
    return rows;
  }

  async getEntity(key: string): Promise<EntityDetail | undefined> {
    const row = this.byKey.get(key);
    if (!row) return undefined;
    const stored = (r: RelationsTable) => ({ source: r.source, type: r.type, target: r.target });
    return {
      ref: row.ref,
      entity: JSON.parse(row.body) as Entity, // a copy: callers may keep it
      relations: relationView(
        (this.outgoing.get(key) ?? []).map(stored) as Relation[],
        (this.incoming.get(key) ?? []).map(stored),
      ),
      source: { file: row.file, line: row.line, column: row.col },
      stale: row.stale === 1,
      problems: [
        ...new Set([
          ...(this.problemsByEntity.get(key) ?? []),
          ...(this.problemsByFile.get(row.file) ?? []),
          ...(this.outgoing.get(key) ?? []).flatMap((r) => this.problemsByTarget.get(r.target_key) ?? []),
        ]),
      ]
        .sort((a, b) => a.seq - b.seq)
        .map(toProblem),
      updatedAt: row.updated_at,
    };
  }

  async summariesOf(keys: readonly string[]): Promise<Map<string, BrowseItem>> {
    const out = new Map<string, BrowseItem>();
    for (const key of keys) {
      const row = this.byKey.get(key);
      if (row) out.set(key, toBrowseItem(row));
    }
    return out;
  }

  async descriptorsOf(keys: readonly string[]): Promise<Map<string, EntityDescriptor>> {
    const out = new Map<string, EntityDescriptor>();
    for (const key of keys) {
      const row = this.byKey.get(key);
      if (row) out.set(key, { ref: row.ref, entity: this.body(row), file: row.file });
    }
    return out;
  }

  async relationsTouching(keys: readonly string[]): Promise<Relation[]> {
    const rows = new Set<RelationsTable>();
    for (const key of new Set(keys)) {
      for (const r of this.outgoing.get(key) ?? []) rows.add(r);
      for (const r of this.incoming.get(key) ?? []) rows.add(r);
    }
    return [...rows].map((r) => ({ source: r.source, type: r.type, target: r.target }) as Relation);
  }

  async browseEntities(filters: EntityFilters, sort: BrowseSort, offset: number, limit: number): Promise<BrowsePage> {
    const memoKey = `${sort} ${filterKey(filters)}`;
    let sorted = this.sorted.get(memoKey);
    if (!sorted) {
      const column = SORT_COLUMNS[sort];
      const direction = sort === 'updated' ? -1 : 1;
      sorted = this.matching(filters)
        .slice()
        .sort((a, b) => direction * compareNullable(a[column], b[column]) || compareNullable(a.key, b.key));
      this.sorted.set(memoKey, sorted);
    }
    return { items: sorted.slice(offset, offset + limit).map(toBrowseItem), total: sorted.length };
  }

  async facets(filters: EntityFilters): Promise<Facets> {
    const memoKey = filterKey(filters);
    const memo = this.facetMemo.get(memoKey);
    if (memo) return memo;
    const rows = this.matching(filters);
    const count = (values: Iterable<string | null>) => {
      const counts = new Map<string, number>();
      for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
      return [...counts]
        .map(([value, n]) => ({ value, count: n }))
        .sort(byCountThenValue)
        .slice(0, FACET_LIMIT);
    };
    const facets = {
      ...(Object.fromEntries(
        Object.entries(FACET_COLUMNS).map(([facet, column]) => [facet, count(rows.map((r) => r[column]))]),
      ) as Omit<Facets, 'tag'>),
      tag: count(rows.flatMap((r) => this.tagsOf(r))),
    };
    this.facetMemo.set(memoKey, facets);
    return facets;
  }

  async facetCounts(facet: FacetName): Promise<FacetCount[]> {
    const counts = new Map<string, number>();
    for (const row of this.rows) {
      const values = facet === 'tag' ? this.tagsOf(row) : [row[FACET_COLUMNS[facet]]];
      for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    return [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => compareNullable(a.value, b.value));
  }

  async listProblems(filters: ProblemFilters, limit: number, after?: number, offset = 0): Promise<ProblemPage> {
    const others = this.problems.filter(
      (p) =>
        (!filters.code || p.code === filters.code) &&
        (!filters.file || p.file === filters.file) &&
        (!filters.entity || p.entity_key === filters.entity.toLowerCase()),
    );
    const rows = others
      .filter((p) => (!filters.severity || p.severity === filters.severity) && (after === undefined || p.seq > after))
      .slice(offset, offset + limit + 1);
    const page = rows.slice(0, limit);
    return {
      items: page.map(toProblem),
      nextAfter: rows.length > limit ? page.at(-1)?.seq : undefined,
      errors: others.filter((p) => p.severity === 'error').length,
      warnings: others.filter((p) => p.severity === 'warning').length,
    };
  }

  async orphans(limit: number): Promise<BrowsePage> {
    const rows = this.rows.filter(
      (r) => OWNED_KINDS.has(r.kind) && (r.owner_key === null || !this.byKey.has(r.owner_key)),
    );
    return { items: rows.slice(0, limit).map(toBrowseItem), total: rows.length };
  }

  async ownedCounts(ownerKeys: readonly string[]): Promise<Map<string, number>> {
    const wanted = new Set(ownerKeys);
    const out = new Map<string, number>();
    for (const row of this.rows)
      if (row.owner_key !== null && wanted.has(row.owner_key))
        out.set(row.owner_key, (out.get(row.owner_key) ?? 0) + 1);
    return out;
  }

  async searchRows(after: string | undefined, limit: number): Promise<SearchRow[]> {
    const start = after === undefined ? 0 : this.rows.findIndex((r) => r.key > after);
    return (start === -1 ? [] : this.rows.slice(start, start + limit)).map((r) => ({
      key: r.key,
      ref: r.ref,
      kind: r.kind,
      name: r.name,
      title: r.title,
      description: r.description,
      tags: this.tagsOf(r),
      owner: r.owner_key,
    }));
  }

  async entitiesMentioning(needles: readonly string[]): Promise<EntityDescriptor[]> {
    // LIKE on SQLite ignores ASCII case; so does this.
    const lower = needles.map((n) => n.toLowerCase());
    return this.rows
      .filter((r) => lower.some((n) => r.body.toLowerCase().includes(n)))
      .map((r) => ({ ref: r.ref, entity: JSON.parse(r.body) as Entity, file: r.file }));
  }

  async refsAfter(after: string | undefined, limit: number): Promise<{ key: string; ref: string }[]> {
    const start = after === undefined ? 0 : this.rows.findIndex((r) => r.key > after);
    return start === -1 ? [] : this.rows.slice(start, start + limit).map((r) => ({ key: r.key, ref: r.ref }));
  }
}

/** The same key for the same filters, whatever their order or undefined members. */
function filterKey(filters: EntityFilters): string {
  return JSON.stringify(
    Object.entries(filters)
      .filter(([, v]) => v !== undefined)
      .sort(),
  );
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
