import type { Entity, Problem } from './model.ts';
import type { Relation } from './relations.ts';

/**
 * What pages read from the catalog: the questions and the shapes of their answers. The
 * live server asks the read store (SQL, one query per question, always current); the
 * static export asks a CatalogSnapshot (the whole catalog loaded once, answered from
 * memory), because it asks every question for every entity. Both give the same answers.
 */

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
  /** The owner's entity key. */
  owner: string | null;
  /** The system's entity key. */
  system: string | null;
  tags: string[];
  stale: boolean;
}

/** A summary with the time its descriptor last changed, for lists people browse. */
export interface BrowseItem extends EntitySummary {
  key: string;
  updatedAt: string;
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

/** A descriptor as written, with the file it came from. */
export interface EntityDescriptor {
  ref: string;
  entity: Entity;
  file: string;
}

export type BrowseSort = 'name' | 'kind' | 'owner' | 'lifecycle' | 'updated';

export type FacetName = 'kind' | 'namespace' | 'type' | 'lifecycle' | 'owner' | 'system' | 'tag';
export interface FacetCount {
  value: string;
  count: number;
}
export type Facets = Record<FacetName, FacetCount[]>;

/** One page of a list, and how many there are in all. */
export interface BrowsePage {
  items: BrowseItem[];
  total: number;
}

/** One page of the API's entity list; `nextAfter` is the cursor of the next page. */
export interface EntityPage {
  items: EntitySummary[];
  total: number;
  nextAfter?: string;
}

export interface ProblemFilters {
  severity?: Problem['severity'];
  code?: string;
  file?: string;
  /** An entity key. */
  entity?: string;
}

/** One page of problems; `errors` and `warnings` count every problem the other filters (all but severity) match. */
export interface ProblemPage {
  items: Problem[];
  /** The cursor of the next page (the seq of this page's last problem). */
  nextAfter: number | undefined;
  errors: number;
  warnings: number;
}

/** An entity's searchable fields. */
export interface SearchRow {
  /** The entity's key: where the next page starts after this row. */
  key: string;
  ref: string;
  kind: string;
  name: string;
  title: string | null;
  description: string | null;
  tags: string[];
  owner: string | null;
}

export interface CatalogReader {
  /** One entity with its relations (both directions), source position and problems (its own and its file's). */
  getEntity(key: string): Promise<EntityDetail | undefined>;
  /** Summaries of the given entity keys (missing keys are left out), for labelling links to them. */
  summariesOf(keys: readonly string[]): Promise<Map<string, BrowseItem>>;
  /** The descriptors of the given keys with their source files (missing keys are left out), without relations. */
  descriptorsOf(keys: readonly string[]): Promise<Map<string, EntityDescriptor>>;
  /** Every relation starting or ending at one of the keys, as stored (one direction each). */
  relationsTouching(keys: readonly string[]): Promise<Relation[]>;
  /** One page of entities in the order a person browsing asks for; ties broken by key so pages never overlap. */
  browseEntities(filters: EntityFilters, sort: BrowseSort, offset: number, limit: number): Promise<BrowsePage>;
  /** The most frequent values of each facet among the entities the filters match. */
  facets(filters: EntityFilters): Promise<Facets>;
  /** Every value of a facet with its count, by value (for the static export, which needs a page per value). */
  facetCounts(facet: FacetName): Promise<FacetCount[]>;
  /**
   * Problems in file order; `after` is the seq of the last problem of the previous page
   * (the API's cursor), or `offset` skips that many (numbered pages).
   */
  listProblems(filters: ProblemFilters, limit: number, after?: number, offset?: number): Promise<ProblemPage>;
  /** Owned kinds whose owner is not in the catalog, with how many there are. */
  orphans(limit: number): Promise<BrowsePage>;
  /** How many entities each of the given owners (entity keys) owns. */
  ownedCounts(ownerKeys: readonly string[]): Promise<Map<string, number>>;
  /**
   * Searchable fields of up to `limit` entities after the key `after`, in key order (for the
   * portal's search index, a page at a time: all 50,000 rows at once cost 40 MB for a moment).
   */
  searchRows(after: string | undefined, limit: number): Promise<SearchRow[]>;
  /**
   * Entities whose descriptor mentions one of `needles` (a cheap text match ignoring ASCII
   * case; callers confirm on the parsed entity). Keeps the docs index from parsing every
   * descriptor of a large catalog.
   */
  entitiesMentioning(needles: readonly string[]): Promise<EntityDescriptor[]>;
  /** Entity refs in key order, a page at a time (`after` is the last key of the previous page). */
  refsAfter(after: string | undefined, limit: number): Promise<{ key: string; ref: string }[]>;
}
