import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dependencyEdges, directDependents, neighbourhood, type DependencyEdge, type Neighbourhood } from './graph.ts';
import { inverseOf, type Relation, type RelationType } from './relations.ts';

const rel = (source: string, type: RelationType, target: string): Relation => ({ source, type, target });
const dep = (from: string, to: string): Relation => rel(from, 'dependsOn', to);

/** A fake store: each asked ref gets its relations in both directions, as relationView returns them; calls are recorded. */
function store(relations: readonly Relation[]) {
  const calls: string[][] = [];
  const relationsOf = async (refs: string[]): Promise<Relation[]> => {
    calls.push([...refs]);
    const asked = new Set(refs.map((r) => r.toLowerCase()));
    return relations.flatMap((r) => [
      ...(asked.has(r.source.toLowerCase()) ? [r] : []),
      ...(asked.has(r.target.toLowerCase()) ? [rel(r.target, inverseOf(r.type), r.source)] : []),
    ]);
  };
  return { calls, relationsOf };
}

const depths = (n: Neighbourhood): Record<string, number> =>
  Object.fromEntries(n.nodes.map((node) => [node.ref, node.depth]));
const pairs = (n: Neighbourhood): string[] => n.edges.map((e) => `${e.from}>${e.to}`);

describe('dependencyEdges', () => {
  const cases: [RelationType, DependencyEdge][] = [
    ['dependsOn', { from: 'a', to: 'b', via: 'dependsOn' }],
    ['dependencyOf', { from: 'b', to: 'a', via: 'dependsOn' }],
    ['consumesApi', { from: 'a', to: 'b', via: 'consumesApi' }],
    ['apiConsumedBy', { from: 'b', to: 'a', via: 'consumesApi' }],
    ['apiProvidedBy', { from: 'a', to: 'b', via: 'providedBy' }],
    ['providesApi', { from: 'b', to: 'a', via: 'providedBy' }],
  ];
  for (const [type, edge] of cases) {
    test(`a ${type} relation from a to b means ${edge.from} depends on ${edge.to}`, () => {
      assert.deepEqual(dependencyEdges([rel('a', type, 'b')]), [edge]);
    });
  }

  test('relations that carry no dependency are ignored', () => {
    const types: RelationType[] = [
      'ownedBy',
      'ownerOf',
      'partOf',
      'hasPart',
      'memberOf',
      'hasMember',
      'childOf',
      'parentOf',
    ];
    assert.deepEqual(dependencyEdges(types.map((t) => rel('a', t, 'b'))), []);
  });

  test('a relation and its inverse, in any casing, give one edge', () => {
    const edges = dependencyEdges([
      dep('component:default/A', 'resource:default/db'),
      rel('resource:default/DB', 'dependencyOf', 'component:default/a'),
    ]);
    assert.deepEqual(edges, [{ from: 'component:default/A', to: 'resource:default/db', via: 'dependsOn' }]);
  });

  test('a self-dependency is dropped', () => {
    assert.deepEqual(dependencyEdges([dep('a', 'A')]), []);
  });
});

describe('neighbourhood', () => {
  test('a consumer transitively depends on the component providing the API it consumes', async () => {
    const { relationsOf } = store([
      rel('component:default/web', 'consumesApi', 'api:default/pay'),
      rel('component:default/pay-svc', 'providesApi', 'api:default/pay'),
    ]);
    const down = await neighbourhood('component:default/web', 2, relationsOf);
    assert.deepEqual(depths(down), {
      'component:default/web': 0,
      'api:default/pay': 1,
      'component:default/pay-svc': 2,
    });
    assert.deepEqual(
      down.edges.map((e) => e.via),
      ['providedBy', 'consumesApi'],
    );
    const up = await neighbourhood('component:default/pay-svc', 2, relationsOf);
    assert.deepEqual(depths(up), {
      'component:default/web': -2,
      'api:default/pay': -1,
      'component:default/pay-svc': 0,
    });
  });

  test('a cycle terminates and the node on it sits downstream, down winning the tie', async () => {
    const { relationsOf, calls } = store([dep('a', 'b'), dep('b', 'a')]);
    const n = await neighbourhood('a', 5, relationsOf);
    assert.deepEqual(depths(n), { a: 0, b: 1 });
    assert.deepEqual(pairs(n), ['a>b', 'b>a']);
    assert.equal(calls.length, 2);
  });

  test('a diamond reaches its far corner once, at the shorter distance', async () => {
    const { relationsOf } = store([dep('a', 'b'), dep('a', 'c'), dep('b', 'd'), dep('c', 'd')]);
    const fromTop = await neighbourhood('a', 3, relationsOf);
    assert.deepEqual(depths(fromTop), { a: 0, b: 1, c: 1, d: 2 });
    assert.equal(fromTop.edges.length, 4);
    const fromBottom = await neighbourhood('d', 3, relationsOf);
    assert.deepEqual(depths(fromBottom), { a: -2, b: -1, c: -1, d: 0 });
  });

  test('hops limit the walk and are clamped to 1..5', async () => {
    const chain = Array.from({ length: 8 }, (_, i) => dep(`n${i}`, `n${i + 1}`));
    const { relationsOf } = store(chain);
    assert.deepEqual(Object.keys(depths(await neighbourhood('n0', 2, relationsOf))), ['n0', 'n1', 'n2']);
    assert.deepEqual(Object.keys(depths(await neighbourhood('n0', 0, relationsOf))), ['n0', 'n1']);
    assert.deepEqual(Object.keys(depths(await neighbourhood('n0', Number.NaN, relationsOf))), ['n0', 'n1']);
    const clamped = await neighbourhood('n0', 9, relationsOf);
    assert.equal(Math.max(...clamped.nodes.map((n) => n.depth)), 5);
    assert.equal(clamped.truncated, false, 'the hop limit is not a truncation');
  });

  test('stops at maxNodes, says so, and keeps only edges between the included nodes', async () => {
    const { relationsOf } = store(Array.from({ length: 10 }, (_, i) => dep('hub', `leaf${i}`)));
    const n = await neighbourhood('hub', 2, relationsOf, { maxNodes: 4 });
    assert.equal(n.nodes.length, 4);
    assert.equal(n.truncated, true);
    const refs = new Set(n.nodes.map((node) => node.ref));
    assert.ok(n.edges.every((e) => refs.has(e.from) && refs.has(e.to)));
    assert.equal(n.edges.length, 3);
  });

  test('maxNodes defaults to 150 and a graph that fits is not truncated', async () => {
    const { relationsOf } = store(Array.from({ length: 200 }, (_, i) => dep(`user${i}`, 'core')));
    const big = await neighbourhood('core', 1, relationsOf);
    assert.equal(big.nodes.length, 150);
    assert.equal(big.truncated, true);
    const fits = await neighbourhood('core', 1, relationsOf, { maxNodes: 201 });
    assert.equal(fits.nodes.length, 201);
    assert.equal(fits.truncated, false);
  });

  test('refs compare case-insensitively and keep one display form', async () => {
    const { relationsOf } = store([
      dep('Component:default/Checkout', 'resource:default/Orders-DB'),
      rel('resource:default/orders-db', 'dependencyOf', 'component:default/checkout'),
    ]);
    const n = await neighbourhood('component:default/Checkout', 1, relationsOf);
    assert.deepEqual(depths(n), { 'component:default/Checkout': 0, 'resource:default/Orders-DB': 1 });
    assert.deepEqual(n.edges, [
      { from: 'component:default/Checkout', to: 'resource:default/Orders-DB', via: 'dependsOn' },
    ]);
  });

  test('a node both upstream and downstream keeps the nearer depth and is walked both ways', async () => {
    // center -> b -> c -> center: c is 2 down but 1 up; b is 1 down but 2 up. x depends on b, so 3 up.
    const { relationsOf } = store([dep('center', 'b'), dep('b', 'c'), dep('c', 'center'), dep('x', 'b')]);
    const n = await neighbourhood('center', 3, relationsOf);
    assert.deepEqual(depths(n), { x: -3, c: -1, center: 0, b: 1 });
  });

  test('ownership, membership and structure are not dependencies', async () => {
    const { relationsOf } = store([
      rel('a', 'ownedBy', 'group:team'),
      rel('a', 'partOf', 'system:s'),
      rel('user:u', 'memberOf', 'group:team'),
      rel('a', 'hasPart', 'c'),
      dep('a', 'b'),
    ]);
    const n = await neighbourhood('a', 3, relationsOf);
    assert.deepEqual(depths(n), { a: 0, b: 1 });
  });

  test('relationsOf is called once per level with the whole frontier, both directions together', async () => {
    const { relationsOf, calls } = store([
      dep('center', 'b'),
      dep('center', 'c'),
      dep('b', 'd'),
      dep('c', 'e'),
      dep('x', 'center'),
      dep('y', 'x'),
    ]);
    const n = await neighbourhood('center', 3, relationsOf);
    assert.deepEqual(
      calls.map((refs) => [...refs].sort()),
      [['center'], ['b', 'c', 'x'], ['d', 'e', 'y']],
    );
    assert.equal(n.nodes.length, 7);
  });

  test('an isolated entity is its own neighbourhood', async () => {
    const { relationsOf, calls } = store([]);
    assert.deepEqual(await neighbourhood('a', 3, relationsOf), {
      center: 'a',
      nodes: [{ ref: 'a', depth: 0 }],
      edges: [],
      groups: [],
      reached: { dependencies: 0, dependents: 0 },
      truncated: false,
    });
    assert.equal(calls.length, 1);
  });

  test('the result does not depend on the order the store returns relations in', async () => {
    const relations = [
      dep('a', 'b'),
      dep('a', 'c'),
      dep('b', 'd'),
      dep('c', 'd'),
      dep('z', 'a'),
      rel('a', 'consumesApi', 'api:p'),
    ];
    const forward = await neighbourhood('a', 2, store(relations).relationsOf, { maxNodes: 5 });
    const backward = await neighbourhood('a', 2, store([...relations].reverse()).relationsOf, { maxNodes: 5 });
    assert.deepEqual(backward, forward);
  });
});

describe('directDependents', () => {
  const c = 'component:default/shipment';
  const edges = dependencyEdges([
    rel(c, 'providesApi', 'api:default/shipment-api'),
    rel('api:default/Shipment-API', 'apiConsumedBy', 'component:default/labels'),
    rel('component:default/labels', 'consumesApi', 'api:default/shipment-api'),
    rel('component:default/returns', 'dependsOn', c),
    rel('component:default/returns', 'consumesApi', 'api:default/shipment-api'),
    rel(c, 'providesApi', 'api:default/admin-api'),
    rel('component:default/returns', 'consumesApi', 'api:default/admin-api'),
    // Not dependents: what the center depends on, a consumer of an API it does not provide, a dependent's dependent.
    rel(c, 'dependsOn', 'resource:default/db'),
    rel('component:default/other', 'consumesApi', 'api:default/tracking-api'),
    rel('component:default/far', 'dependsOn', 'component:default/returns'),
    rel(c, 'dependsOn', c),
  ]);

  test('dependsOn dependents and the consumers of its APIs, once each, with the APIs they consume', () => {
    assert.deepEqual(directDependents(c, edges), [
      { ref: 'component:default/labels', dependsOn: false, apis: ['api:default/Shipment-API'] },
      {
        ref: 'component:default/returns',
        dependsOn: true,
        apis: ['api:default/admin-api', 'api:default/shipment-api'],
      },
    ]);
  });

  test('nothing depends on an entity without edges in', () => {
    assert.deepEqual(directDependents('component:default/lonely', edges), []);
  });
});

describe('neighbourhood with hubs grouped', () => {
  /** hub <- d00..d29 (30 dependents), d00 <- u (a dependent two hops up), hub -> base; svc -> hub. */
  const hubRelations = [
    ...Array.from({ length: 30 }, (_, i) => dep(`d${String(i).padStart(2, '0')}`, 'hub')),
    dep('u', 'd00'),
    dep('hub', 'base'),
    dep('svc', 'hub'),
  ];

  test("a hub's dependents are one group, counted exactly, and what lies beyond them is counted, not drawn", async () => {
    const n = await neighbourhood('hub', 2, store(hubRelations).relationsOf, { groupOver: 25 });
    assert.deepEqual(depths(n), { hub: 0, base: 1 });
    assert.equal(n.groups.length, 1);
    const [group] = n.groups;
    assert.equal(group?.of, 'hub');
    assert.equal(group?.side, 'dependents');
    assert.equal(group?.depth, -1);
    assert.equal(group?.members.length, 31);
    assert.ok(group?.members.includes('svc'));
    // 31 direct dependents and u behind d00: the blast radius stays exact.
    assert.deepEqual(n.reached, { dependencies: 1, dependents: 32 });
    assert.equal(n.truncated, false);
  });

  test('a node at or under the limit is drawn as before, and without groupOver nothing is grouped', async () => {
    const few = await neighbourhood('hub', 1, store(hubRelations).relationsOf, { groupOver: 31 });
    assert.equal(few.groups.length, 0);
    assert.equal(few.nodes.length, 33);
    const unlimited = await neighbourhood('hub', 1, store(hubRelations).relationsOf);
    assert.equal(unlimited.groups.length, 0);
  });

  test('a hub met from its other side costs nothing for its dependents: they are neither drawn, grouped nor counted', async () => {
    const n = await neighbourhood('svc', 2, store(hubRelations).relationsOf, { groupOver: 25 });
    assert.deepEqual(depths(n), { svc: 0, hub: 1, base: 2 });
    assert.deepEqual(n.groups, []);
    assert.deepEqual(n.reached, { dependencies: 2, dependents: 0 });
    assert.deepEqual(pairs(n), ['hub>base', 'svc>hub']);
  });

  test("a hub one hop up has its dependents grouped two hops up, the center's siblings among them", async () => {
    const n = await neighbourhood('base', 2, store(hubRelations).relationsOf, { groupOver: 25 });
    assert.deepEqual(depths(n), { hub: -1, base: 0 });
    assert.equal(n.groups[0]?.depth, -2);
    assert.equal(n.groups[0]?.members.length, 31);
    assert.deepEqual(n.reached, { dependencies: 0, dependents: 32 });
  });

  test('an edge the walk did not follow is still drawn between two drawn nodes', async () => {
    // x depends on the center and on the center's dependency y: x -> y is found from x's side only.
    const n = await neighbourhood('c', 2, store([dep('c', 'y'), dep('x', 'c'), dep('x', 'y')]).relationsOf, {
      groupOver: 25,
    });
    assert.deepEqual(pairs(n), ['c>y', 'x>c', 'x>y']);
  });
});
