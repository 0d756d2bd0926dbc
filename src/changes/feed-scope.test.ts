import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Relation } from '../catalog/relations.ts';
import { feedScope } from './feed-scope.ts';

/** The catalog's relations as stored (one direction each), answered the way the store answers relationsTouching; counts the questions. */
function catalog(relations: [string, string, string][]) {
  const all = relations.map(([source, type, target]) => ({ source, type, target }) as Relation);
  const asked: string[][] = [];
  return {
    asked,
    relationsTouching: async (keys: readonly string[]) => {
      asked.push([...keys]);
      const wanted = new Set(keys);
      return all.filter((r) => wanted.has(r.source.toLowerCase()) || wanted.has(r.target.toLowerCase()));
    },
  };
}

const shipping = () =>
  catalog([
    ['component:default/shipment-service', 'dependsOn', 'component:default/Carrier-Gateway'],
    ['component:default/shipment-service', 'consumesApi', 'api:default/tracking-api'],
    ['component:default/shipment-service', 'providesApi', 'api:default/shipment-api'],
    ['component:default/shipment-service', 'partOf', 'system:default/shipping'],
    ['component:default/tracking', 'providesApi', 'api:default/tracking-api'],
    // The inverse form, as a descriptor written the other way round stores it.
    ['resource:default/carrier-db', 'dependencyOf', 'component:default/carrier-gateway'],
    ['component:default/carrier-gateway', 'partOf', 'system:default/shipping'],
    ['component:default/tracking', 'dependsOn', 'component:default/geo'],
    ['component:default/returns', 'dependsOn', 'component:default/shipment-service'],
    ['component:default/label-printer', 'consumesApi', 'api:default/shipment-api'],
    ['flag:default/carrier-kill-switch', 'flagOf', 'component:default/carrier-gateway'],
    ['component:default/shipment-service', 'hasFlag', 'flag:default/fast-labels'],
    ['flag:default/geo-cache', 'flagOf', 'component:default/geo'],
    ['component:default/geo', 'dependsOn', 'component:default/shipment-service'],
  ]);

const origins = async (key: string, hops: number, c = shipping()) =>
  Object.fromEntries((await feedScope(c, key, hops)).origins);

describe('feedScope', () => {
  it('hops 0: the service and its own flags', async () => {
    assert.deepEqual(await origins('component:default/shipment-service', 0), {
      'component:default/shipment-service': { relation: 'self', ref: 'component:default/shipment-service', depth: 0 },
      'flag:default/fast-labels': { relation: 'flag', ref: 'flag:default/fast-labels', depth: 0 },
    });
  });

  it("hops 1: dependencies, the providers of consumed APIs and their flags, never dependents or the service's own API", async () => {
    const found = await origins('component:default/shipment-service', 1);
    assert.deepEqual(Object.keys(found).sort(), [
      'component:default/carrier-gateway',
      'component:default/shipment-service',
      'component:default/tracking',
      'flag:default/carrier-kill-switch',
      'flag:default/fast-labels',
    ]);
    assert.deepEqual(found['component:default/carrier-gateway'], {
      relation: 'dependency',
      ref: 'component:default/Carrier-Gateway',
      depth: 1,
    });
    assert.deepEqual(found['component:default/tracking'], {
      relation: 'provider',
      ref: 'component:default/tracking',
      depth: 1,
      through: 'api:default/tracking-api',
    });
    assert.deepEqual(found['flag:default/carrier-kill-switch'], {
      relation: 'flag',
      ref: 'flag:default/carrier-kill-switch',
      depth: 1,
      through: 'component:default/Carrier-Gateway',
      throughRelation: 'dependency',
    });
  });

  it('hops 2: their dependencies too (either stored direction), with what they are a dependency of; a cycle back ends', async () => {
    const found = await origins('component:default/shipment-service', 2);
    assert.deepEqual(found['resource:default/carrier-db'], {
      relation: 'dependency',
      ref: 'resource:default/carrier-db',
      depth: 2,
      through: 'component:default/carrier-gateway',
    });
    assert.deepEqual(found['flag:default/geo-cache'], {
      relation: 'flag',
      ref: 'flag:default/geo-cache',
      depth: 2,
      through: 'component:default/geo',
      throughRelation: 'dependency',
    });
    assert.equal(found['component:default/shipment-service']?.relation, 'self');
    assert.equal(found['component:default/returns'], undefined);
  });

  it('asks at most two questions per hop and one for the flags', async () => {
    const c = shipping();
    await feedScope(c, 'component:default/shipment-service', 2);
    // scopeOf's one; hop 1: relations, then the consumed API's providers; hop 2: relations (no API consumed); the flags.
    assert.equal(c.asked.length, 5);
  });

  it('a system covers its parts and their flags; hops do not widen it', async () => {
    const found = await origins('system:default/shipping', 2);
    assert.deepEqual(Object.keys(found).sort(), [
      'component:default/carrier-gateway',
      'component:default/shipment-service',
      'flag:default/carrier-kill-switch',
      'flag:default/fast-labels',
      'system:default/shipping',
    ]);
    assert.deepEqual(found['flag:default/carrier-kill-switch'], {
      relation: 'flag',
      ref: 'flag:default/carrier-kill-switch',
      depth: 0,
      through: 'component:default/carrier-gateway',
      throughRelation: 'member',
    });
  });

  it('an entity without relations is its own scope; a dangling API with no provider adds nothing', async () => {
    assert.deepEqual(Object.keys(await origins('component:default/lonely', 2)), ['component:default/lonely']);
    const c = catalog([['component:default/a', 'consumesApi', 'api:default/nowhere']]);
    assert.deepEqual(Object.keys(await origins('component:default/a', 1, c)), ['component:default/a']);
  });
});
