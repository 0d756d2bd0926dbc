import type { DependencyEdge, NeighbourGroup, Neighbourhood } from '../graph.ts';
import { html, type Html } from '../../web/html.ts';
import { truncate } from '../../web/truncate.ts';
import { formatCount } from './relation-breakdown.ts';

/**
 * The dependency graph as a picture (SVG) and as its accessible, navigable equivalent (a
 * list of links). The picture is for sighted users: a group named by its title and
 * description, its nodes links for the mouse but hidden from assistive technology and out
 * of the tab order (role="img" may not hold links), so keyboard and screen-reader users
 * meet each dependency once, in the list.
 */

const NODE_W = 168;
const NODE_H = 44;
const COL_GAP = 80;
const ROW_GAP = 16;
/** Wide enough for an edge between two nodes of the outermost column to bow out. */
const PAD_X = 48;
const PAD_Y = 16;
const BOW = 36;
/** About 7 px a character at 12 px (the smallest type drawn) leaves a margin inside NODE_W. */
const LABEL_CHARS = 22;

interface Placed {
  key: string;
  ref: string;
  depth: number;
  label: string;
  column: number;
  x: number;
  y: number;
}

const keyOf = (ref: string): string => ref.toLowerCase();
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const byLabel = (a: { label: string; key: string }, b: { label: string; key: string }): number =>
  compare(a.label, b.label) || compare(a.key, b.key);
const edgeOrder = (a: DependencyEdge, b: DependencyEdge): number =>
  compare(keyOf(a.from), keyOf(b.from)) || compare(keyOf(a.to), keyOf(b.to)) || compare(a.via, b.via);

/** A valid, stable id prefix: readable slug plus a hash, so centers that slug alike still differ. */
function idPrefix(center: string): string {
  const key = keyOf(center);
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193) >>> 0;
  const slug = key
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `graph-${slug ? `${slug}-` : ''}${hash.toString(36)}`;
}

/** Columns by depth, ordered to reduce crossings, then given coordinates. */
function layout(
  n: Neighbourhood,
  label: (ref: string) => string,
): { placed: Map<string, Placed>; width: number; height: number } {
  const nodes = n.nodes.some((node) => keyOf(node.ref) === keyOf(n.center))
    ? n.nodes
    : [{ ref: n.center, depth: 0 }, ...n.nodes];
  const depths = [...new Set([0, ...nodes.map((node) => node.depth)])].sort((a, b) => a - b);
  const columns = depths.map((depth) =>
    nodes
      .filter((node) => node.depth === depth)
      .map((node) => ({ key: keyOf(node.ref), ref: node.ref, depth, label: label(node.ref) }))
      .sort(byLabel),
  );
  const neighbours = new Map<string, string[]>();
  for (const e of n.edges) {
    const [from, to] = [keyOf(e.from), keyOf(e.to)];
    neighbours.set(from, [...(neighbours.get(from) ?? []), to]);
    neighbours.set(to, [...(neighbours.get(to) ?? []), from]);
  }
  // Barycentre ordering: a node sits near the mean position of its neighbours in the reference column; without any it keeps its place.
  const order = (i: number, reference: number) => {
    const column = columns[i];
    const positions = new Map((columns[reference] ?? []).map((node, j) => [node.key, j]));
    if (!column) return;
    const weight = new Map(
      column.map((node, j) => {
        const at = (neighbours.get(node.key) ?? []).flatMap((k) => positions.get(k) ?? []);
        return [node.key, at.length > 0 ? at.reduce((s, p) => s + p, 0) / at.length : j];
      }),
    );
    column.sort((a, b) => (weight.get(a.key) ?? 0) - (weight.get(b.key) ?? 0) || byLabel(a, b));
  };
  const center = depths.indexOf(0);
  // Sweep outwards from the center, then back inwards so inner columns follow the outer ones too.
  for (let i = center + 1; i < columns.length; i++) order(i, i - 1);
  for (let i = center - 1; i >= 0; i--) order(i, i + 1);
  for (let i = columns.length - 2; i > center; i--) order(i, i + 1);
  for (let i = 1; i < center; i++) order(i, i - 1);

  const rows = Math.max(...columns.map((c) => c.length));
  const columnHeight = (count: number) => count * NODE_H + (count - 1) * ROW_GAP;
  const placed = new Map<string, Placed>();
  columns.forEach((column, i) => {
    const top = PAD_Y + (columnHeight(rows) - columnHeight(column.length)) / 2;
    column.forEach((node, row) => {
      placed.set(node.key, {
        ...node,
        column: i,
        x: PAD_X + i * (NODE_W + COL_GAP),
        y: top + row * (NODE_H + ROW_GAP),
      });
    });
  });
  return {
    placed,
    width: 2 * PAD_X + columns.length * NODE_W + (columns.length - 1) * COL_GAP,
    height: 2 * PAD_Y + columnHeight(rows),
  };
}

const round = (v: number): number => Math.round(v * 10) / 10;

/** Forward edges run right side to left side; backward ones (cycles) lower down so they do not cover their reverse; same-column ones bow out to the right. */
function edgePath(from: Placed, to: Placed): string {
  const curve = (x1: number, y1: number, c1x: number, c1y: number, c2x: number, c2y: number, x2: number, y2: number) =>
    `M${round(x1)} ${round(y1)} C${round(c1x)} ${round(c1y)} ${round(c2x)} ${round(c2y)} ${round(x2)} ${round(y2)}`;
  if (from.column < to.column) {
    const [x1, y1, x2, y2] = [from.x + NODE_W, from.y + NODE_H / 2, to.x, to.y + NODE_H / 2];
    return curve(x1, y1, (x1 + x2) / 2, y1, (x1 + x2) / 2, y2, x2, y2);
  }
  if (from.column > to.column) {
    const [x1, y1, x2, y2] = [from.x, from.y + (NODE_H * 3) / 4, to.x + NODE_W, to.y + (NODE_H * 3) / 4];
    return curve(x1, y1, (x1 + x2) / 2, y1, (x1 + x2) / 2, y2, x2, y2);
  }
  const [x, y1, y2] = [from.x + NODE_W, from.y + NODE_H / 2, to.y + NODE_H / 2];
  return curve(x, y1, x + BOW, y1, x + BOW, y2, x, y2);
}

const isApi = (e: DependencyEdge): boolean => e.via !== 'dependsOn';
const plural = (count: number, one: string, many: string): string => `${count} ${count === 1 ? one : many}`;

function description(n: Neighbourhood, label: (ref: string) => string): string {
  const { dependencies: downstream, dependents: upstream } = n.reached;
  const hops = Math.max(0, ...n.nodes.map((node) => Math.abs(node.depth)), ...n.groups.map((g) => Math.abs(g.depth)));
  const name = label(n.center);
  if (downstream + upstream === 0) return `${name} has no dependencies recorded.`;
  return (
    `${name} depends on ${plural(downstream, 'entity', 'entities')} and ${plural(upstream, 'entity depends', 'entities depend')} on it, within ${plural(hops, 'hop', 'hops')}.` +
    `${n.groups.length > 0 ? ` The neighbours of ${plural(n.groups.length, 'hub are', 'hubs are')} drawn as one node each, counted.` : ''}` +
    `${n.truncated ? ' The graph is truncated.' : ''} The list of dependencies has the same information, with links.`
  );
}

/** The node a group is drawn as: a ref of its own, which no entity can have (`group` is no kind, and the side comes first). */
export function groupRef(group: NeighbourGroup): string {
  return `group:${group.side}/${keyOf(group.of)}`;
}

/** The neighbourhood as drawn: each group one node beside its hub, linked to it as its members are. */
function withGroups(n: Neighbourhood): Neighbourhood {
  if (n.groups.length === 0) return n;
  return {
    ...n,
    nodes: [...n.nodes, ...n.groups.map((g) => ({ ref: groupRef(g), depth: g.depth }))],
    edges: [
      ...n.edges,
      ...n.groups.map(
        (g): DependencyEdge =>
          g.side === 'dependents'
            ? { from: groupRef(g), to: g.of, via: 'dependsOn' }
            : { from: g.of, to: groupRef(g), via: 'dependsOn' },
      ),
    ],
  };
}

/** A chevron stroked with the edge's own class, so CSS colours arrow and line alike. */
const marker = (id: string, className: string): Html =>
  html`<marker id="${id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="10" markerHeight="10" markerUnits="userSpaceOnUse" orient="auto"><path class="${className}" d="M1 1L9 5L1 9" fill="none"/></marker>`;

export function renderGraphSvg(
  n: Neighbourhood,
  options: {
    title: string;
    label(ref: string): string;
    kindOf?(ref: string): string;
    /** The node's page; undefined for an entity not in the catalog (never linked). */
    href?(ref: string): string | undefined;
  },
): Html {
  const prefix = idPrefix(n.center);
  const groups = new Map(n.groups.map((g) => [keyOf(groupRef(g)), g]));
  const label = (ref: string): string => {
    const group = groups.get(keyOf(ref));
    if (!group) return options.label(ref);
    const count = group.members.length;
    return `${formatCount(count)} ${count === 1 ? group.side.replace(/ies$/, 'y').replace(/s$/, '') : group.side}`;
  };
  const drawn = withGroups(n);
  const { placed, width, height } = layout(drawn, label);
  const centerKey = keyOf(n.center);
  const edges = [...drawn.edges].sort(edgeOrder).flatMap((e) => {
    const [from, to] = [placed.get(keyOf(e.from)), placed.get(keyOf(e.to))];
    if (!from || !to) return [];
    const api = isApi(e);
    return [
      html`<path class="${api ? 'graph-edge graph-edge-api' : 'graph-edge'}" d="${edgePath(from, to)}" fill="none" marker-end="url(#${prefix}-${api ? 'arrow-api' : 'arrow'})"/>`,
    ];
  });
  const nodes = [...placed.values()].map((node) => {
    const center = node.key === centerKey;
    const group = groups.get(node.key);
    const kind = group ? `of ${options.label(group.of)}` : options.kindOf?.(node.ref);
    const cx = node.x + NODE_W / 2;
    const href = center || group ? undefined : options.href?.(node.ref);
    const drawn = html`<g class="${center ? 'graph-node graph-node-center' : group ? 'graph-node graph-node-group' : 'graph-node'}"><title>${kind ? `${node.label} (${kind})` : node.label}</title><rect x="${node.x}" y="${node.y}" width="${NODE_W}" height="${NODE_H}" rx="6"/>${
      kind
        ? html`<text x="${cx}" y="${node.y + 17}" text-anchor="middle" font-size="12">${truncate(kind, LABEL_CHARS)}</text>`
        : ''
    }<text x="${cx}" y="${node.y + (kind ? 36 : 27)}" text-anchor="middle" font-size="12"${center ? html` font-weight="bold"` : ''}>${truncate(node.label, LABEL_CHARS)}</text></g>`;
    // A click on a node opens its page; out of the tab order, so keyboard and screen-reader users meet each link once, in the edge list.
    return href ? html`<a href="${href}" tabindex="-1" aria-hidden="true">${drawn}</a>` : drawn;
  });
  // Drawn at its own size (the figure scrolls): scaled to fit, 12 px type fell to 9 px at 1280 px.
  return html`<svg class="graph" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="group" aria-labelledby="${prefix}-title ${prefix}-desc"><title id="${prefix}-title">${options.title}</title><desc id="${prefix}-desc">${description(n, options.label)}</desc><defs>${marker(`${prefix}-arrow`, 'graph-edge')}${marker(`${prefix}-arrow-api`, 'graph-edge graph-edge-api')}</defs><g>${edges}</g><g>${nodes}</g></svg>`;
}

const VERBS: Record<DependencyEdge['via'], string> = {
  dependsOn: 'depends on',
  consumesApi: 'consumes the API',
  providedBy: 'is provided by',
};

/**
 * The same edges as lists of links, grouped by side and hop. An edge with both ends at or
 * above the center (depth ≤ 0) is blast radius; every other edge is a dependency. Its hop
 * is the farther end's distance from the center.
 */
export function renderEdgeList(
  n: Neighbourhood,
  options: { link(ref: string): Html; label(ref: string): string },
): Html {
  const depth = new Map(n.nodes.map((node) => [keyOf(node.ref), node.depth]));
  depth.set(keyOf(n.center), 0);
  const groups = { down: new Map<number, DependencyEdge[]>(), up: new Map<number, DependencyEdge[]>() };
  for (const e of n.edges) {
    const [from, to] = [depth.get(keyOf(e.from)), depth.get(keyOf(e.to))];
    if (from === undefined || to === undefined) continue;
    const group = from <= 0 && to <= 0 ? groups.up : groups.down;
    const hop = Math.max(Math.abs(from), Math.abs(to));
    group.set(hop, [...(group.get(hop) ?? []), e]);
  }
  const item = (e: DependencyEdge) => html`<li>${options.link(e.from)} ${VERBS[e.via]} ${options.link(e.to)}</li>`;
  const sortKey = (e: DependencyEdge) => [options.label(e.from), options.label(e.to), e.via].join('\u0000');
  const section = (heading: string, hops: Map<number, DependencyEdge[]>) =>
    html`<h3>${heading}</h3>${
      hops.size === 0
        ? html`<p class="empty">None recorded.</p>`
        : [...hops.entries()]
            .sort(([a], [b]) => a - b)
            .map(
              ([hop, edges]) =>
                html`<h4>${hop === 1 ? 'Directly' : `${hop} hops away`}</h4><ul>${[...edges].sort((a, b) => compare(sortKey(a), sortKey(b))).map(item)}</ul>`,
            )
    }`;
  const note = n.truncated
    ? html`<p class="graph-truncated">The graph is truncated: it shows only ${plural(n.nodes.length, 'entity', 'entities')}, so some dependencies are missing.</p>`
    : '';
  if (n.edges.length === 0)
    return html`<div class="graph-edge-list">${note}<p class="empty">No dependencies recorded.</p></div>`;
  return html`<div class="graph-edge-list">${note}${section('Depends on', groups.down)}${section('Depended on by', groups.up)}</div>`;
}
