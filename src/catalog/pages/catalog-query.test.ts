import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Site } from '../../web/site.ts';
import {
  catalogUrl,
  isStaticView,
  parseCatalogQuery,
  parseStaticCatalogPath,
  staticCatalogPath,
} from './catalog-query.ts';

const live: Site = { basePath: '/', mode: 'live', assets: new Map() };
const exported: Site = { basePath: '/portal/', mode: 'static', assets: new Map() };

describe('catalog list URLs', () => {
  test('a live URL carries every filter, the sort and the page, and parses back', () => {
    const url = catalogUrl(live, {
      filters: { kind: 'component', owner: 'group:default/payments', q: 'pay' },
      sort: 'updated',
      page: 3,
    });
    assert.equal(url, '/catalog/?kind=component&owner=group%3Adefault%2Fpayments&q=pay&sort=updated&page=3');
    const { query, ignored } = parseCatalogQuery(new URL(url, 'http://x').searchParams);
    assert.deepEqual(query, {
      filters: { kind: 'component', owner: 'group:default/payments', q: 'pay' },
      sort: 'updated',
      page: 3,
    });
    assert.deepEqual(ignored, []);
  });

  test('the live list shows components unless a kind is named; kind=all is every kind, and links say so', () => {
    const parse = (search: string) => parseCatalogQuery(new URLSearchParams(search)).query.filters;
    assert.deepEqual(parse(''), { kind: 'component' });
    assert.deepEqual(parse('kind='), { kind: 'component' });
    assert.deepEqual(parse('owner=payments'), { kind: 'component', owner: 'payments' });
    assert.deepEqual(parse('kind=user'), { kind: 'user' });
    assert.deepEqual(parse('kind=all&tag=java'), { tag: 'java' });
    assert.deepEqual(parse('kind=ALL'), {});
    assert.deepEqual(parse(`kind=${'x'.repeat(1025)}`), { kind: 'component' }, 'malformed: the default');
    assert.equal(catalogUrl(live, { filters: {}, sort: 'name', page: 1 }), '/catalog/?kind=all');
    assert.equal(catalogUrl(live, { filters: { tag: 'java' }, sort: 'name', page: 1 }), '/catalog/?kind=all&tag=java');
    assert.equal(catalogUrl(live, { filters: { kind: 'user' }, sort: 'name', page: 1 }), '/catalog/?kind=user');
    assert.deepEqual(parse('kind=all&tag=java&sort=name'), { tag: 'java' }, 'a link to every kind parses back');
    assert.equal(
      catalogUrl(exported, { filters: {}, sort: 'name', page: 1 }),
      '/portal/browse/kind/all/',
      'static: every kind has a page of its own',
    );
    assert.equal(
      catalogUrl(exported, { filters: { kind: 'component' }, sort: 'name', page: 1 }),
      '/portal/catalog/',
      'static: the catalog is the components, as live',
    );
    assert.equal(
      catalogUrl(exported, { filters: { kind: 'Component' }, sort: 'name', page: 2 }),
      '/portal/catalog/page/2/',
    );
  });

  test('malformed parameters are dropped and named', () => {
    const { query, ignored } = parseCatalogQuery(
      new URLSearchParams({ page: '0', sort: 'evil', q: 'x'.repeat(201), tag: 'y'.repeat(1025) }),
    );
    assert.deepEqual(query, { filters: { kind: 'component' }, sort: 'name', page: 1 });
    assert.deepEqual(ignored.sort(), ['page', 'q', 'sort', 'tag']);
    for (const page of ['1.5', '-1', 'abc', '1e9', '100001'])
      assert.deepEqual(parseCatalogQuery(new URLSearchParams({ page })).ignored, ['page'], page);
  });

  test('a static export has the components, every kind and one page per facet value, paged by path', () => {
    assert.equal(staticCatalogPath({ filters: { kind: 'component' }, sort: 'name', page: 1 }), 'catalog/');
    assert.equal(staticCatalogPath({ filters: { kind: 'component' }, sort: 'name', page: 4 }), 'catalog/page/4/');
    assert.equal(staticCatalogPath({ filters: {}, sort: 'name', page: 1 }), 'browse/kind/all/');
    assert.equal(staticCatalogPath({ filters: {}, sort: 'name', page: 3 }), 'browse/kind/all/page/3/');
    assert.deepEqual(parseStaticCatalogPath('catalog/')?.filters, { kind: 'component' });
    assert.deepEqual(parseStaticCatalogPath('browse/kind/all/')?.filters, {});
    assert.equal(
      staticCatalogPath({ filters: { owner: 'group:default/payments' }, sort: 'name', page: 2 }),
      'browse/owner/group_3Adefault_2Fpayments/page/2/',
    );
    for (const path of [
      'catalog/',
      'catalog/page/4/',
      'browse/kind/all/',
      'browse/kind/all/page/2/',
      'browse/kind/api/',
      'browse/owner/group_3Adefault_2Fpayments/page/2/',
      'browse/tag/java/',
    ]) {
      const query = parseStaticCatalogPath(path);
      assert.ok(query && isStaticView(query), path);
      assert.equal(staticCatalogPath(query), path);
    }
    for (const bad of [
      'browse/nope/x/',
      'browse/tag/',
      'catalog/page/1/',
      'catalog/page/01/',
      'browse/tag/UP/',
      'catalog/x/',
      'browse/kind/component/', // the components are `catalog/`: one path per view
    ])
      assert.equal(parseStaticCatalogPath(bad), undefined, bad);
  });

  test('on a static site a view it cannot show links to the facet that was clicked', () => {
    const query = { filters: { kind: 'api', tag: 'rest' }, sort: 'name' as const, page: 1 };
    assert.equal(isStaticView(query), false);
    assert.equal(catalogUrl(exported, query, 'tag'), '/portal/browse/tag/rest/');
    assert.equal(catalogUrl(exported, { filters: { q: 'x' }, sort: 'name', page: 1 }), '/portal/browse/kind/all/');
    assert.equal(catalogUrl(exported, { filters: {}, sort: 'updated', page: 2 }), '/portal/browse/kind/all/page/2/');
  });
});
