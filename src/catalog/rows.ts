import type { EntitiesTable, ProblemsTable } from '../platform/db/schema.ts';
import { entityName, entityTitle, parseEntityRef, refKey, type Entity, type Problem, type Referrer } from './model.ts';
import type { BrowseItem, EntitySummary } from './reader.ts';
import type { Claim } from './resolve.ts';
import { storedTerms } from './search-terms.ts';

/**
 * The catalog's table rows and the read model, both ways: what a sync writes for an
 * entity or a problem, and what the read store and the in-memory snapshot make of the
 * rows they read. One mapping, so the two readers cannot drift apart. Pure.
 */

/** The key of an entity reference (`team-a` means `group:default/team-a` for an owner), or null if it is none. */
export function refKeyOrNull(value: unknown, defaultKind: string, defaultNamespace: string): string | null {
  if (typeof value !== 'string') return null;
  try {
    return refKey(parseEntityRef(value, { defaultKind, defaultNamespace }));
  } catch {
    return null;
  }
}

/**
 * The costly columns of an entity's row: its descriptor as JSON and its search text. A
 * parse worker works them out beside the entity (the JSON is what the content hash is
 * taken of), so a cold sync does not do it again, 50,000 times, on the main thread.
 */
export interface EntityText {
  body: string;
  searchText: string;
}

export function entityText(entity: Entity): EntityText {
  const name = entityName(entity);
  const spec = entity.spec ?? {};
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const searchText = [
    name.name,
    entity.metadata.title,
    entityTitle(entity),
    entity.metadata.description,
    name.kind,
    str(spec.type),
    str(spec.owner),
    str(spec.system),
    ...(entity.metadata.tags ?? []),
  ]
    .filter((v): v is string => typeof v === 'string')
    .flatMap(storedTerms)
    .join(' ');
  return { body: JSON.stringify(entity), searchText };
}

/** The row stored for an entity: the descriptor, the columns lists filter and sort by, and its search text. */
export function entityRow(entity: Entity, claim: Claim, now: string, text = entityText(entity)): EntitiesTable {
  const name = entityName(entity);
  const spec = entity.spec ?? {};
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const tags = entity.metadata.tags ?? [];
  return {
    key: claim.key,
    ref: claim.ref,
    kind: name.kind.toLowerCase(),
    namespace: name.namespace.toLowerCase(),
    name: name.name,
    title: entityTitle(entity) ?? null,
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
    body: text.body,
    search_text: text.searchText,
    updated_at: now,
  };
}

/** The columns a summary is made of. */
export type SummaryRow = Pick<
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

export function toSummary(r: SummaryRow): EntitySummary {
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

/** The row stored for a problem; `seq` is its place in the sync's (file-ordered) list. */
export function problemRow(p: Problem, seq: number): ProblemsTable {
  return {
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
    detail: p.target && p.referrers ? JSON.stringify({ target: p.target, referrers: p.referrers }) : null,
    target_key: p.target ? p.target.toLowerCase() : null,
  };
}

export function toProblem(row: ProblemsTable): Problem {
  return {
    severity: row.severity as Problem['severity'],
    code: row.code,
    message: row.message,
    hint: row.hint,
    file: row.file,
    line: row.line,
    column: row.col,
    ...(row.entity_ref ? { entityRef: row.entity_ref } : {}),
    ...(row.detail ? referrersOf(row.detail) : {}),
  };
}

function referrersOf(detail: string): Pick<Problem, 'target' | 'referrers' | 'count'> {
  const { target, referrers } = JSON.parse(detail) as { target: string; referrers: Referrer[] };
  return { target, referrers, count: referrers.length };
}
