import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DependencyEdge, Neighbourhood } from '../graph.ts';
import { renderEdgeList, renderGraphSvg } from './graph-svg.ts';
import { html } from '../../web/html.ts';

const label = (ref: string): string => ref.slice(ref.lastIndexOf('/') + 1);
/** A neighbourhood drawn whole: no group, every reached node drawn. */
type Drawn = Omit<Neighbourhood, 'groups' | 'reached'>;
const whole = (n: Drawn): Neighbourhood => ({
  ...n,
  groups: [],
  reached: {
    dependencies: n.nodes.filter((node) => node.depth > 0).length,
    dependents: n.nodes.filter((node) => node.depth < 0).length,
  },
});
const svgOf = (n: Drawn, title = 'Dependencies') => renderGraphSvg(whole(n), { title, label }).value;
const listOf = (n: Drawn) =>
  renderEdgeList(whole(n), {
    link: (ref) => html`<a href="${`/catalog/${encodeURIComponent(ref)}`}">${label(ref)}</a>`,
    label,
  }).value;
const edge = (from: string, to: string, via: DependencyEdge['via'] = 'dependsOn'): DependencyEdge => ({
  from,
  to,
  via,
});

/** up2 -> up1 -> center -> down1a, down1b; down1a -> api -> provider; a cycle back from down1b to the center. */
const sample: Drawn = {
  center: 'component:default/center',
  nodes: [
    { ref: 'component:default/up2', depth: -2 },
    { ref: 'component:default/up1', depth: -1 },
    { ref: 'component:default/center', depth: 0 },
    { ref: 'component:default/down1a', depth: 1 },
    { ref: 'component:default/down1b', depth: 1 },
    { ref: 'api:default/api', depth: 2 },
    { ref: 'component:default/provider', depth: 3 },
  ],
  edges: [
    edge('component:default/up2', 'component:default/up1'),
    edge('component:default/up1', 'component:default/center'),
    edge('component:default/center', 'component:default/down1a'),
    edge('component:default/center', 'component:default/down1b'),
    edge('component:default/down1b', 'component:default/center'),
    edge('component:default/down1a', 'api:default/api', 'consumesApi'),
    edge('api:default/api', 'component:default/provider', 'providedBy'),
  ],
  truncated: false,
};

/** Each node's title text and rect position, in document order. */
function boxes(svg: string): { title: string; x: number; y: number; height: number }[] {
  return [
    ...svg.matchAll(
      /<g class="graph-node[^"]*"><title>([^<]*)<\/title><rect x="([\d.]+)" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"/g,
    ),
  ].map((m) => ({
    title: m[1] ?? '',
    x: Number(m[2]),
    y: Number(m[3]),
    height: Number(m[4]),
  }));
}

describe('renderGraphSvg', () => {
  test('the same neighbourhood, in any order, renders identical SVG', () => {
    const shuffled: Drawn = {
      ...sample,
      nodes: [...sample.nodes].reverse(),
      edges: [...sample.edges].reverse(),
    };
    assert.equal(svgOf(sample), svgOf(sample));
    assert.equal(svgOf(shuffled), svgOf(sample));
  });

  test('dependents sit left of the center and dependencies right, one column per depth', () => {
    const x = Object.fromEntries(boxes(svgOf(sample)).map((b) => [b.title, b.x]));
    assert.ok((x.up2 ?? 0) < (x.up1 ?? 0) && (x.up1 ?? 0) < (x.center ?? 0) && (x.center ?? 0) < (x.down1a ?? 0));
    assert.equal(x.down1a, x.down1b);
    assert.ok((x.down1a ?? 0) < (x.api ?? 0) && (x.api ?? 0) < (x.provider ?? 0));
  });

  test('nodes in a column never overlap', () => {
    const wide: Drawn = {
      center: 'c',
      nodes: [
        { ref: 'c', depth: 0 },
        ...Array.from({ length: 9 }, (_, i) => ({ ref: `d${i}`, depth: i % 2 ? 1 : -1 })),
      ],
      edges: Array.from({ length: 9 }, (_, i) => (i % 2 ? edge('c', `d${i}`) : edge(`d${i}`, 'c'))),
      truncated: false,
    };
    const columns = new Map<number, { y: number; height: number }[]>();
    for (const b of boxes(svgOf(wide))) columns.set(b.x, [...(columns.get(b.x) ?? []), b]);
    assert.equal(columns.size, 3);
    for (const column of columns.values()) {
      const sorted = column.sort((a, b) => a.y - b.y);
      sorted
        .slice(1)
        .forEach((b, i) => assert.ok(b.y >= (sorted[i]?.y ?? 0) + b.height, 'rows are at least a node apart'));
    }
  });

  test('a column is ordered by its neighbours in the previous one, not only by label', () => {
    // By label z would follow y; z's neighbour a is above y's neighbour b, so z goes first to avoid a crossing.
    const n: Drawn = {
      center: 'c',
      nodes: ['a', 'b']
        .map((ref) => ({ ref, depth: 1 }))
        .concat(
          ['y', 'z'].map((ref) => ({ ref, depth: 2 })),
          [{ ref: 'c', depth: 0 }],
        ),
      edges: [edge('c', 'a'), edge('c', 'b'), edge('a', 'z'), edge('b', 'y')],
      truncated: false,
    };
    const y = Object.fromEntries(boxes(svgOf(n)).map((b) => [b.title, b.y]));
    assert.ok((y.a ?? 0) < (y.b ?? 0));
    assert.ok((y.z ?? 0) < (y.y ?? 0));
  });

  test('hostile labels and titles are escaped', () => {
    const hostile = '<script>alert("x")</script> & \'quoted\'';
    const svg = renderGraphSvg(whole(sample), { title: hostile, label: () => hostile, kindOf: () => hostile }).value;
    assert.ok(!svg.includes('<script'));
    assert.ok(!svg.includes('"x"'));
    assert.ok(svg.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;'));
  });

  test('the picture has no links and nothing focusable', () => {
    const svg = svgOf(sample);
    assert.ok(!svg.includes('<a'));
    assert.ok(!svg.includes('tabindex'));
    assert.ok(!svg.includes('href'));
  });

  test('ids are valid and unique, and every reference to one resolves', () => {
    const svg = svgOf({ ...sample, center: 'Component:default/"odd" <ref>' });
    const ids = [...svg.matchAll(/ id="([^"]*)"/g)].map((m) => m[1] ?? '');
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^[A-Za-z][A-Za-z0-9_-]*$/);
    const referenced = [...svg.matchAll(/url\(#([^)]*)\)/g)].map((m) => m[1]);
    const labelledBy = /aria-labelledby="([^"]*)"/.exec(svg)?.[1]?.split(' ') ?? [];
    assert.equal(labelledBy.length, 2);
    for (const id of [...referenced, ...labelledBy]) assert.ok(ids.includes(id ?? ''), `${id} exists`);
    assert.match(svg, new RegExp(`<title id="${labelledBy[0]}">`));
    assert.match(svg, new RegExp(`<desc id="${labelledBy[1]}">`));
    const other = svgOf({ ...sample, center: 'component:default/other' });
    assert.notEqual(/ id="([^"]*)"/.exec(other)?.[1], ids[0], 'another center gets another prefix');
  });

  test('it is an image drawn at its own size (never shrunk below 12 px type), coloured only through classes', () => {
    const svg = svgOf(sample);
    const size =
      /^<svg class="graph" width="(\d+)" height="(\d+)" viewBox="0 0 (\d+) (\d+)" role="group" aria-labelledby="[^"]+">/.exec(
        svg,
      );
    assert.ok(size, svg.slice(0, 120));
    assert.deepEqual([size[1], size[2]], [size[3], size[4]]);
    assert.ok(!/font-size="(?:\d|1[01])"/.test(svg), 'no type below 12 px');
    assert.ok(!/(fill|stroke)="(?!none")/.test(svg), 'no colour attributes');
    assert.equal(svg.match(/graph-node-center/g)?.length, 1);
  });

  test('edges are Bézier paths with arrowheads, API edges marked apart', () => {
    const svg = svgOf(sample);
    const paths = [...svg.matchAll(/<path class="([^"]*)" d="(M[^"]*)" fill="none" marker-end="[^"]*"\/>/g)];
    assert.equal(paths.length, sample.edges.length);
    assert.ok(paths.every((p) => / C/.test(p[2] ?? '')));
    assert.equal(paths.filter((p) => p[1] === 'graph-edge graph-edge-api').length, 2);
    assert.ok(svg.includes('<marker'));
  });

  test('long labels are cut with an ellipsis and kept whole in the title', () => {
    const long = 'a-remarkably-long-component-name-that-overflows';
    const svg = svgOf({ center: long, nodes: [{ ref: long, depth: 0 }], edges: [], truncated: false });
    assert.ok(svg.includes(`<title>${long}</title>`));
    assert.ok(svg.includes('>a-remarkably-long-com…</text>'));
  });

  test('an empty neighbourhood draws the center alone', () => {
    const svg = svgOf({ center: 'component:default/lonely', nodes: [], edges: [], truncated: false });
    assert.equal(boxes(svg).length, 1);
    assert.ok(!svg.includes('marker-end'));
    assert.ok(svg.includes('lonely has no dependencies recorded.'));
  });

  test('a kind, when given, is shown in the node', () => {
    const svg = renderGraphSvg(whole(sample), {
      title: 't',
      label,
      kindOf: (ref) => ref.slice(0, ref.indexOf(':')),
    }).value;
    assert.ok(svg.includes('<title>provider (component)</title>'));
    assert.ok(svg.includes('font-size="12">api</text>'));
  });

  test('nodes link to their pages out of the tab order; the center and entities without a page are not links', () => {
    const svg = renderGraphSvg(whole(sample), {
      title: 't',
      label,
      href: (ref) => (ref === 'component:default/provider' ? undefined : `/e/${ref}/`),
    }).value;
    const links = [...svg.matchAll(/<a href="([^"]*)" tabindex="-1" aria-hidden="true"><g /g)].map((m) => m[1]);
    assert.equal(links.length, sample.nodes.length - 2);
    assert.ok(!links.includes(`/e/${sample.center}/`));
    assert.ok(!links.includes('/e/component:default/provider/'));
    assert.ok(!/<a (?![^>]*tabindex="-1")/.test(svg), 'every link is out of the tab order');
  });
});

describe('renderEdgeList', () => {
  test('edges are grouped into dependencies and dependents, per hop, as links', () => {
    const list = listOf(sample);
    const [dependsOn = '', dependedOnBy = ''] = list.split('<h3>Depended on by</h3>');
    assert.ok(dependsOn.includes('<h3>Depends on</h3>'));
    assert.ok(dependsOn.includes('<h4>Directly</h4>'));
    assert.ok(
      dependsOn.includes(
        '<a href="/catalog/component%3Adefault%2Fdown1a">down1a</a> consumes the API <a href="/catalog/api%3Adefault%2Fapi">api</a>',
      ),
    );
    assert.ok(
      dependsOn.includes('<h4>3 hops away</h4><ul><li><a href="/catalog/api%3Adefault%2Fapi">api</a> is provided by'),
    );
    assert.ok(
      dependsOn.includes('down1b</a> depends on <a href="/catalog/component%3Adefault%2Fcenter">center</a>'),
      'a cycle back to the center is listed',
    );
    assert.ok(
      dependedOnBy.includes('<h4>Directly</h4><ul><li><a href="/catalog/component%3Adefault%2Fup1">up1</a> depends on'),
    );
    assert.ok(dependedOnBy.includes('<h4>2 hops away</h4>'));
    assert.equal(list.match(/<li>/g)?.length, sample.edges.length);
  });

  test('it says when the graph is truncated', () => {
    assert.ok(!listOf(sample).includes('truncated'));
    assert.ok(listOf({ ...sample, truncated: true }).includes('The graph is truncated: it shows only 7 entities'));
  });

  test('with no edges it says no dependencies are recorded', () => {
    const list = listOf({ center: 'c', nodes: [{ ref: 'c', depth: 0 }], edges: [], truncated: false });
    assert.ok(list.includes('No dependencies recorded'));
    assert.ok(!list.includes('<ul'));
  });

  test('a side without edges says so', () => {
    const list = listOf({
      center: 'c',
      nodes: [
        { ref: 'c', depth: 0 },
        { ref: 'd', depth: 1 },
      ],
      edges: [edge('c', 'd')],
      truncated: false,
    });
    assert.match(list, /<h3>Depended on by<\/h3><p class="empty">None recorded\.<\/p>/);
  });

  test('hostile labels are escaped', () => {
    const list = renderEdgeList(whole(sample), {
      link: (ref) => html`<a href="${`/x/${ref}`}">${'<img src=x onerror=alert(1)>'}</a>`,
      label: () => '<img src=x onerror=alert(1)>',
    }).value;
    assert.ok(!list.includes('<img'));
  });
});
