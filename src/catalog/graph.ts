import type { Relation, RelationType } from './relations.ts';

/**
 * The dependency graph around one entity ("blast radius"). X depends on Y when X
 * dependsOn Y, X consumes the API Y, or X is an API provided by Y; so a consumer depends,
 * through the API, on the component that provides it. Pure: the store is reached only
 * through the `relationsOf` callback.
 */

/** `from` depends on `to`; refs in display form. */
export interface DependencyEdge {
  from: string;
  to: string;
  via: 'dependsOn' | 'consumesApi' | 'providedBy';
}

/**
 * Everything one node depends on, or everything that depends on it, when there are more of
 * them than a graph should draw (a hub): drawn as one node, counted exactly. What lies
 * beyond its members is counted, never drawn.
 */
export interface NeighbourGroup {
  /** The hub whose neighbours these are. */
  of: string;
  side: 'dependents' | 'dependencies';
  /** The members' depth: one hop beyond `of`, on its side. */
  depth: number;
  /** Every neighbour of `of` on that side, sorted by key: some may also be drawn nodes. */
  members: string[];
}

/** depth > 0: what the center depends on; depth < 0: what depends on the center. */
export interface Neighbourhood {
  center: string;
  /** The nodes drawn (a group's members and what lies beyond them are not). */
  nodes: { ref: string; depth: number }[];
  edges: DependencyEdge[];
  groups: NeighbourGroup[];
  /** How many entities the center depends on and how many depend on it within the hops, drawn or grouped: exact unless truncated. */
  reached: { dependencies: number; dependents: number };
  truncated: boolean;
}

type Via = DependencyEdge['via'];

/** The relation types that carry a dependency; `sourceDepends` is false for the inverse forms. */
const DIRECTIONS: Partial<Record<RelationType, { via: Via; sourceDepends: boolean }>> = {
  dependsOn: { via: 'dependsOn', sourceDepends: true },
  dependencyOf: { via: 'dependsOn', sourceDepends: false },
  consumesApi: { via: 'consumesApi', sourceDepends: true },
  apiConsumedBy: { via: 'consumesApi', sourceDepends: false },
  apiProvidedBy: { via: 'providedBy', sourceDepends: true },
  providesApi: { via: 'providedBy', sourceDepends: false },
};

const keyOf = (ref: string): string => ref.toLowerCase();
const edgeKey = (e: DependencyEdge): string => `${keyOf(e.from)}|${keyOf(e.to)}|${e.via}`;
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A relation as a dependency edge (`from` depends on `to`), or undefined when it carries none or is a self-dependency. */
function edgeOf(r: Relation): DependencyEdge | undefined {
  const direction = DIRECTIONS[r.type];
  if (!direction) return undefined;
  const { via, sourceDepends } = direction;
  const edge: DependencyEdge = sourceDepends
    ? { from: r.source, to: r.target, via }
    : { from: r.target, to: r.source, via };
  // A self-dependency widens no blast radius and has no place in a layered drawing.
  return keyOf(edge.from) === keyOf(edge.to) ? undefined : edge;
}

/** Dependency edges of the relations, whichever direction each arrived in, deduplicated. */
export function dependencyEdges(relations: readonly Relation[]): DependencyEdge[] {
  const seen = new Set<string>();
  const out: DependencyEdge[] = [];
  for (const r of relations) {
    const edge = edgeOf(r);
    if (!edge) continue;
    const key = edgeKey(edge);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(edge);
  }
  return out;
}

/**
 * Walks `hops` levels down (dependencies) and up (dependents) from `center`, one
 * `relationsOf` call per level. Each direction is its own breadth-first search, so a node
 * reached both ways keeps expanding both ways (a dependent of a node that also depends on
 * the center is in the blast radius); its depth is the nearer of the two, down on a tie.
 *
 * A node with more than `groupOver` neighbours on the side it is expanded (a hub) has them
 * grouped instead of drawn: one NeighbourGroup, counted exactly; the walk goes on through
 * them to count what lies beyond, without drawing it. Only the edges the walk follows, and
 * those between drawn nodes, are read: a hub met on its other side (a service that depends
 * on the shared library) costs no work for its thousands of dependents.
 */
export async function neighbourhood(
  center: string,
  hops: number,
  relationsOf: (refs: string[]) => Promise<Relation[]>,
  options: { maxNodes?: number; groupOver?: number } = {},
): Promise<Neighbourhood> {
  const maxHops = Math.min(5, Math.max(1, Math.trunc(hops) || 1));
  const maxNodes = Number.isFinite(options.maxNodes) ? Math.max(1, Math.trunc(options.maxNodes ?? 0)) : 150;
  const groupOver = Number.isFinite(options.groupOver)
    ? Math.max(1, Math.trunc(options.groupOver ?? 0))
    : Number.POSITIVE_INFINITY;
  const centerKey = keyOf(center);
  const display = new Map([[centerKey, center]]);
  const down = new Map([[centerKey, 0]]);
  const up = new Map([[centerKey, 0]]);
  const included = new Set([centerKey]);
  /** Reached through a group: counted, never drawn. */
  const hidden = new Set<string>();
  const edges = new Map<string, DependencyEdge>();
  const dependencies = new Map<string, Set<string>>();
  const dependents = new Map<string, Set<string>>();
  const queriedDown = new Set<string>();
  const queriedUp = new Set<string>();
  const groups: NeighbourGroup[] = [];
  /** Edges the walk did not follow: kept only if both ends end up drawn. */
  let unfollowed: DependencyEdge[] = [];
  const link = (index: Map<string, Set<string>>, a: string, b: string) => {
    const set = index.get(a) ?? new Set<string>();
    set.add(b);
    index.set(a, set);
  };
  const record = (edge: DependencyEdge, from: string, to: string) => {
    if (!display.has(from)) display.set(from, edge.from);
    if (!display.has(to)) display.set(to, edge.to);
    edges.set(edgeKey(edge), edge);
  };
  let downFrontier = [centerKey];
  let upFrontier = [centerKey];
  let truncated = false;

  for (let depth = 1; depth <= maxHops && !truncated && downFrontier.length + upFrontier.length > 0; depth++) {
    // A ref queried at an earlier level already has that side's edges in the index.
    const downBatch = new Set(downFrontier.filter((key) => !queriedDown.has(key)));
    const upBatch = new Set(upFrontier.filter((key) => !queriedUp.has(key)));
    downBatch.forEach((key) => queriedDown.add(key));
    upBatch.forEach((key) => queriedUp.add(key));
    const batch = [...new Set([...downBatch, ...upBatch])];
    if (batch.length > 0) {
      for (const r of await relationsOf(batch.map((key) => display.get(key) ?? key))) {
        const edge = edgeOf(r);
        if (!edge) continue;
        const [from, to] = [keyOf(edge.from), keyOf(edge.to)];
        const followed = downBatch.has(from) || upBatch.has(to);
        if (!followed) {
          unfollowed.push(edge);
          continue;
        }
        record(edge, from, to);
        if (downBatch.has(from)) link(dependencies, from, to);
        if (upBatch.has(to)) link(dependents, to, from);
      }
    }
    // Sorted neighbours make the result, and which nodes a truncation keeps, independent of store order.
    const expand = (
      frontier: string[],
      index: Map<string, Set<string>>,
      reached: Map<string, number>,
      side: NeighbourGroup['side'],
    ): string[] => {
      const next: string[] = [];
      for (const key of frontier) {
        const neighbours = [...(index.get(key) ?? [])].sort(compare);
        const grouped = hidden.has(key) || neighbours.length > groupOver;
        if (neighbours.length > groupOver && !hidden.has(key))
          groups.push({
            of: display.get(key) ?? key,
            side,
            depth: side === 'dependents' ? -depth : depth,
            members: neighbours.map((k) => display.get(k) ?? k),
          });
        for (const neighbour of neighbours) {
          if (reached.has(neighbour)) continue;
          if (grouped) {
            if (!included.has(neighbour)) hidden.add(neighbour);
          } else if (!included.has(neighbour)) {
            if (included.size >= maxNodes) {
              truncated = true;
              continue;
            }
            included.add(neighbour);
            hidden.delete(neighbour);
          }
          reached.set(neighbour, depth);
          next.push(neighbour);
        }
      }
      return next;
    };
    downFrontier = expand(downFrontier, dependencies, down, 'dependencies');
    upFrontier = expand(upFrontier, dependents, up, 'dependents');
    // An unfollowed edge between two drawn nodes is still drawn (a dependent that also depends on a dependency).
    const pending: DependencyEdge[] = [];
    for (const edge of unfollowed) {
      const [from, to] = [keyOf(edge.from), keyOf(edge.to)];
      if (included.has(from) && included.has(to)) record(edge, from, to);
      else if (display.has(from) || display.has(to)) pending.push(edge);
    }
    unfollowed = pending;
  }

  const depthOf = (key: string): number => {
    const d = down.get(key);
    const u = up.get(key);
    return d !== undefined && (u === undefined || d <= u) ? d : -(u ?? 0);
  };
  const refOf = (key: string): string => display.get(key) ?? key;
  const nodes = [...included].map((key) => ({ key, ref: refOf(key), depth: depthOf(key) }));
  nodes.sort((a, b) => a.depth - b.depth || compare(a.key, b.key));
  return {
    center,
    nodes: nodes.map(({ ref, depth }) => ({ ref, depth })),
    edges: [...edges.entries()]
      .filter(([, e]) => included.has(keyOf(e.from)) && included.has(keyOf(e.to)))
      .sort(([a], [b]) => compare(a, b))
      // One display form per node, whatever casing each relation used.
      .map(([, e]) => ({ from: refOf(keyOf(e.from)), to: refOf(keyOf(e.to)), via: e.via })),
    groups: groups.map((g) => ({ ...g, of: refOf(keyOf(g.of)), members: g.members.map((m) => refOf(keyOf(m))) })),
    reached: { dependencies: down.size - 1, dependents: up.size - 1 },
    truncated,
  };
}

/** An entity that depends on the center directly: through `dependsOn`, or by consuming an API the center provides. */
export interface DirectDependent {
  ref: string;
  dependsOn: boolean;
  /** The center's APIs it consumes. */
  apis: string[];
}

/**
 * Who breaks first when `center` breaks: its `dependsOn` dependents and the consumers of
 * the APIs it provides, one entry each, sorted by ref. `edges` must hold the center's edges
 * and those of its APIs (the entity page reads exactly those; the graph page has them
 * from two hops). The entity page's card and the graph page count with this one rule.
 */
export function directDependents(center: string, edges: readonly DependencyEdge[]): DirectDependent[] {
  const centerKey = keyOf(center);
  const apis = new Set(
    edges.filter((e) => e.via === 'providedBy' && keyOf(e.to) === centerKey).map((e) => keyOf(e.from)),
  );
  const found = new Map<string, DirectDependent>();
  const entry = (ref: string) => {
    const existing = found.get(keyOf(ref));
    if (existing) return existing;
    const created: DirectDependent = { ref, dependsOn: false, apis: [] };
    found.set(keyOf(ref), created);
    return created;
  };
  for (const e of edges) {
    if (keyOf(e.from) === centerKey) continue;
    if (e.via === 'dependsOn' && keyOf(e.to) === centerKey) entry(e.from).dependsOn = true;
    else if (e.via === 'consumesApi' && apis.has(keyOf(e.to))) {
      const dependent = entry(e.from);
      if (!dependent.apis.some((a) => keyOf(a) === keyOf(e.to))) dependent.apis.push(e.to);
    }
  }
  return [...found.entries()]
    .sort(([a], [b]) => compare(a, b))
    .map(([, d]) => ({ ...d, apis: d.apis.sort((a, b) => compare(keyOf(a), keyOf(b))) }));
}
