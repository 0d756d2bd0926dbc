import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Relation } from '../catalog/relations.ts';
import { scopeOf } from './scope.ts';

/** The catalog's relations as stored (one direction each), answered the way the store answers relationsTouching. */
function catalog(relations: [string, string, string][]) {
  const all = relations.map(([source, type, target]) => ({ source, type, target }) as Relation);
  return {
    relationsTouching: async (keys: readonly string[]) => {
      const wanted = new Set(keys);
      return all.filter((r) => wanted.has(r.source.toLowerCase()) || wanted.has(r.target.toLowerCase()));
    },
  };
}

const org = catalog([
  ['group:default/platform', 'parentOf', 'group:default/sre'],
  ['group:default/sre', 'childOf', 'group:default/platform'],
  ['group:default/edge', 'childOf', 'group:default/sre'],
  ['component:default/api-gateway', 'ownedBy', 'group:default/platform'],
  ['component:default/pager', 'ownedBy', 'group:default/sre'],
  ['resource:default/cdn', 'ownedBy', 'group:default/edge'],
  ['system:default/shop', 'ownedBy', 'group:default/platform'],
  ['component:default/cart', 'partOf', 'system:default/shop'],
  ['component:default/cart', 'ownedBy', 'group:default/commerce'],
  ['system:default/shop', 'partOf', 'domain:default/retail'],
  ['domain:default/retail', 'hasPart', 'system:default/stock'],
  ['component:default/stock-api', 'partOf', 'system:default/stock'],
  ['component:default/tool', 'ownedBy', 'user:default/ada'],
  ['user:default/ada', 'memberOf', 'group:default/sre'],
  ['flag:default/new-cart', 'flagOf', 'component:default/cart'],
]);

const sorted = async (key: string) => (await scopeOf(org, key)).members.sort();

describe('scopeOf', () => {
  it('a team covers what it and its child teams own, through every level, but not the parts another team owns in its system', async () => {
    assert.deepEqual(await sorted('group:default/platform'), [
      'component:default/api-gateway',
      'component:default/pager',
      'group:default/edge',
      'group:default/platform',
      'group:default/sre',
      'resource:default/cdn',
      'system:default/shop',
    ]);
  });

  it('a child team covers only its own subtree', async () => {
    assert.deepEqual(await sorted('group:default/edge'), ['group:default/edge', 'resource:default/cdn']);
  });

  it('a system covers its parts, a domain its systems and their parts, whichever direction the relation is stored in', async () => {
    assert.deepEqual(await sorted('system:default/shop'), ['component:default/cart', 'system:default/shop']);
    assert.deepEqual(await sorted('domain:default/retail'), [
      'component:default/cart',
      'component:default/stock-api',
      'domain:default/retail',
      'system:default/shop',
      'system:default/stock',
    ]);
  });

  it('a user covers what they own, not their team; a component only itself', async () => {
    assert.deepEqual(await sorted('user:default/ada'), ['component:default/tool', 'user:default/ada']);
    assert.deepEqual(await sorted('component:default/api-gateway'), ['component:default/api-gateway']);
  });

  it('a component covers its feature flags (their switches are changes to it)', async () => {
    assert.deepEqual(await sorted('component:default/cart'), ['component:default/cart', 'flag:default/new-cart']);
  });

  it('stops on cycles', async () => {
    const cyclic = catalog([
      ['group:default/a', 'parentOf', 'group:default/b'],
      ['group:default/b', 'parentOf', 'group:default/a'],
    ]);
    assert.deepEqual((await scopeOf(cyclic, 'group:default/a')).members.sort(), ['group:default/a', 'group:default/b']);
  });
});
