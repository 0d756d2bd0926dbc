import { keyOfRef } from '../catalog/model.ts';
import type { CatalogReader } from '../catalog/reader.ts';

/** How many entities a scope may hold: a whole large catalog is a question for another tool. */
export const MAX_SCOPE = 20_000;

export interface Scope {
  /** The entity asked about. */
  key: string;
  /** Every entity whose changes count for it, itself included. */
  members: string[];
}

/**
 * The entities whose changes belong to an entity's timeline and metrics. A team (Group)
 * covers what it and its child teams own (not the parts of an owned system that another
 * team owns: a team's DORA numbers are its own); a System or Domain covers its parts,
 * transitively; a User what they own; a Component itself and its feature flags (their
 * switches are changes to it); anything else only itself.
 */
export async function scopeOf(catalog: Pick<CatalogReader, 'relationsTouching'>, key: string): Promise<Scope> {
  const kind = key.slice(0, key.indexOf(':'));
  const members = new Set<string>([key]);
  const expand = async (
    frontier: string[],
    step: (relation: { sourceKey: string; type: string; targetKey: string }) => string | undefined,
  ) => {
    const found: string[] = [];
    for (const r of await catalog.relationsTouching(frontier)) {
      const next = step({ sourceKey: keyOfRef(r.source), type: r.type, targetKey: keyOfRef(r.target) });
      if (next !== undefined && !members.has(next) && members.size < MAX_SCOPE) {
        members.add(next);
        found.push(next);
      }
    }
    return found;
  };
  const closure = async (start: string[], step: (frontierSet: Set<string>) => Parameters<typeof expand>[1]) => {
    let frontier = start;
    while (frontier.length > 0) frontier = await expand(frontier, step(new Set(frontier)));
  };
  const parts = (from: Set<string>) => (r: { sourceKey: string; type: string; targetKey: string }) =>
    r.type === 'hasPart' && from.has(r.sourceKey)
      ? r.targetKey
      : r.type === 'partOf' && from.has(r.targetKey)
        ? r.sourceKey
        : undefined;

  if (kind === 'group' || kind === 'user') {
    if (kind === 'group') {
      await closure(
        [key],
        (from) => (r) =>
          r.type === 'parentOf' && from.has(r.sourceKey) && r.targetKey.startsWith('group:')
            ? r.targetKey
            : r.type === 'childOf' && from.has(r.targetKey) && r.sourceKey.startsWith('group:')
              ? r.sourceKey
              : undefined,
      );
    }
    // So far the members are the owners: the team and its child teams, or the user.
    const owners = new Set(members);
    await expand([...owners], (r) =>
      r.type === 'ownedBy' && owners.has(r.targetKey)
        ? r.sourceKey
        : r.type === 'ownerOf' && owners.has(r.sourceKey)
          ? r.targetKey
          : undefined,
    );
  } else if (kind === 'system' || kind === 'domain') {
    await closure([key], parts);
  } else if (kind === 'component') {
    await expand([key], (r) =>
      r.type === 'hasFlag' && r.sourceKey === key
        ? r.targetKey
        : r.type === 'flagOf' && r.targetKey === key
          ? r.sourceKey
          : undefined,
    );
  }
  return { key, members: [...members] };
}
