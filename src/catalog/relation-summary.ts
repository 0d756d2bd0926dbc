/**
 * A big relation list summarised: how many entities there are at the other end, counted
 * exactly by kind, owner and system, so a page can show a hub's thousands of dependents
 * as a few lines and the first entries instead of every one of them.
 */

/** How many of the members share one value (a kind, an owner's key, a system's key); `value` null: none recorded. */
export interface Tally {
  value: string | null;
  count: number;
}

/** What a member is counted by: its kind, and its owner's and system's keys (null when it has none or is not in the catalog). */
export interface RelationMember {
  kind: string;
  owner: string | null;
  system: string | null;
}

export interface RelationBreakdown {
  total: number;
  byKind: Tally[];
  byOwner: Tally[];
  bySystem: Tally[];
}

/** How many entries a relation list shows in place; a longer one is summarised, with a paged list of its own. */
export const RELATION_SHOWN = 25;
/** Entries on each page of a relation's own list. */
export const RELATION_PAGE_SIZE = 100;

/** Largest count first; ties by value, none last, so the order never depends on the input's. */
function sortTallies(counts: Map<string | null, number>): Tally[] {
  return [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort(
      (a, b) =>
        b.count - a.count ||
        (a.value === null ? 1 : b.value === null ? -1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0),
    );
}

export function relationBreakdown(members: readonly RelationMember[]): RelationBreakdown {
  const kinds = new Map<string | null, number>();
  const owners = new Map<string | null, number>();
  const systems = new Map<string | null, number>();
  for (const m of members) {
    kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1);
    owners.set(m.owner, (owners.get(m.owner) ?? 0) + 1);
    systems.set(m.system, (systems.get(m.system) ?? 0) + 1);
  }
  return {
    total: members.length,
    byKind: sortTallies(kinds),
    byOwner: sortTallies(owners),
    bySystem: sortTallies(systems),
  };
}

/** The first `limit` tallies, and how many values and members the rest hold (so the shown lines and the rest add up exactly). */
export function topTallies(
  tallies: readonly Tally[],
  limit: number,
): { shown: Tally[]; rest: { values: number; count: number } } {
  const shown = tallies.slice(0, Math.max(0, limit));
  const others = tallies.slice(shown.length);
  return { shown, rest: { values: others.length, count: others.reduce((sum, t) => sum + t.count, 0) } };
}

/**
 * A relation list's page number from its path segment: a whole number from 2 to the last
 * page (page 1 is the list's own path, so it has one URL). Anything else is no page.
 */
export function relationPageNumber(segment: string, total: number): number | undefined {
  if (!/^[1-9][0-9]{0,8}$/.test(segment)) return undefined;
  const page = Number(segment);
  return page >= 2 && page <= Math.max(1, Math.ceil(total / RELATION_PAGE_SIZE)) ? page : undefined;
}
