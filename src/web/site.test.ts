import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { entityParts, entityPath, facetSlug, normaliseBasePath, siteUrl, unslugFacet } from './site.ts';

describe('site URLs', () => {
  test('a base path is normalised to start and end with a slash', () => {
    assert.equal(normaliseBasePath(''), '/');
    assert.equal(normaliseBasePath('/'), '/');
    assert.equal(normaliseBasePath('portal'), '/portal/');
    assert.equal(normaliseBasePath('/docs/portal/'), '/docs/portal/');
  });

  test('a base path that could leave its folder or break a URL is refused', () => {
    for (const bad of ['../etc', 'a/../b', 'a b', 'a?b', 'a#b', '//evil.example', 'a/./b', '<x>']) {
      if (bad === '//evil.example') {
        assert.equal(normaliseBasePath(bad), '/evil.example/', 'leading slashes collapse to one path');
        continue;
      }
      assert.throws(() => normaliseBasePath(bad), /Invalid base path/, bad);
    }
  });

  test('entity paths are lowercase, in Backstage order, whatever the spelling of the ref', () => {
    assert.equal(entityPath('Component:Default/Payment-Service'), 'catalog/default/component/payment-service/');
    assert.deepEqual(entityParts('api:ops/x.y_z'), { kind: 'api', namespace: 'ops', name: 'x.y_z' });
    assert.equal(siteUrl({ basePath: '/p/', mode: 'static', assets: new Map() }, '/catalog/'), '/p/catalog/');
  });

  test('a facet slug is one safe, case-proof path segment that reads back to its value', () => {
    for (const value of [
      'java',
      'group:default/payments',
      'Team-A',
      'team-a',
      'c++',
      'c#',
      '..',
      '.',
      'ünïcode',
      'a_b',
      '%2F',
    ]) {
      const slug = facetSlug(value);
      assert.match(slug, /^[a-z0-9._A-F-]+$/);
      assert.notEqual(slug, '..');
      assert.notEqual(slug, '.');
      assert.equal(unslugFacet(slug), value);
    }
    assert.notEqual(facetSlug('Team-A'), facetSlug('team-a'));
    assert.equal(unslugFacet('bad_zz'), undefined);
    assert.equal(unslugFacet('UPPER'), undefined);
  });
});
