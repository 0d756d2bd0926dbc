import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { entityLink } from './components.ts';
import { externalRefs } from '../platform/external-refs.ts';
import {
  entityParts,
  entityPath,
  entityTarget,
  facetSlug,
  normaliseBasePath,
  type Site,
  siteUrl,
  unslugFacet,
} from './site.ts';

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

describe('entityLink: the one decision whether a reference is a link', () => {
  const entities = { keys: new Set(['component:default/a']), external: externalRefs(['group:*']) };
  const site: Site = { basePath: '/p/', mode: 'static', assets: new Map(), entities };

  test('an entity with a page is a link, whatever the spelling of its reference', () => {
    assert.equal(entityTarget(site, 'Component:Default/A'), 'page');
    assert.equal(
      entityLink(site, { ref: 'component:default/a' }).value,
      '<a href="/p/catalog/default/component/a/">a</a>',
    );
  });

  test('a missing entity is text with a "not in the catalog" badge in words; an external one says external', () => {
    assert.equal(entityTarget(site, 'component:default/gone'), 'missing');
    assert.equal(entityTarget(site, 'group:default/directory-team'), 'external');
    const missing = entityLink(site, { ref: 'component:default/gone' }).value;
    assert.ok(!missing.includes('<a '), missing);
    assert.match(missing, /gone <span class="badge badge-warn">not in the catalog<\/span>/);
    assert.match(entityLink(site, { ref: 'group:default/directory-team' }).value, /badge-quiet">external</);
  });

  test('something that is no reference at all is never a link', () => {
    assert.equal(entityTarget(site, ''), 'missing');
    assert.equal(entityTarget(site, 'x:'), 'missing');
  });

  test('a site that does not say what it holds links every reference (pages rendered outside a portal)', () => {
    assert.equal(entityTarget({ ...site, entities: undefined }, 'component:default/gone'), 'page');
  });
});
