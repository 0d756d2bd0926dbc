import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { echoOf, matchesFeaturesQuery, parseFeaturesQuery, type FeaturesQuery } from './features-query.ts';

function parsed(search: string): FeaturesQuery {
  const query = parseFeaturesQuery(search);
  if ('error' in query) assert.fail(`${search}: ${query.error}`);
  return query;
}

function refused(search: string): { error: string; hint: string } {
  const query = parseFeaturesQuery(search);
  assert.ok('error' in query, `${search} should be refused`);
  return query;
}

describe('features query', () => {
  test('no query, an empty one, empty values and unknown parameters filter nothing', () => {
    for (const search of [
      '',
      '?',
      '?namePrefix=',
      '?project=&tag=',
      '?inlineSegmentConstraints=true&environment=dev',
      '?foo',
    ]) {
      assert.deepEqual(parsed(search), { key: '' }, search);
    }
  });

  test('what unleash-client sends: namePrefix, project, and tags as type:value, URL-encoded', () => {
    const query = parsed('?project=default&namePrefix=checkout.&tag=simple%3Apayments&tag=simple%3Aeu%20only');
    assert.equal(query.namePrefix, 'checkout.');
    assert.deepEqual(query.project, ['default']);
    assert.deepEqual(query.tag, [
      ['simple', 'eu only'],
      ['simple', 'payments'],
    ]);
    assert.notEqual(query.key, '');
    // The value may hold colons itself: the type ends at the first.
    assert.deepEqual(parsed('tag=simple:a:b').tag, [['simple', 'a:b']]);
  });

  test('two spellings of one filter share a key; different filters do not', () => {
    assert.equal(
      parsed('?tag=simple:b&tag=simple:a&project=x&project=default').key,
      parsed('?project=default&project=x&project=x&tag=simple:a&tag=simple:b&tag=simple:a').key,
    );
    const keys = [
      '?namePrefix=a',
      '?namePrefix=b',
      '?project=a',
      '?tag=simple:a',
      '?tag=team:a',
      '?namePrefix=a&project=a',
    ].map((s) => parsed(s).key);
    assert.equal(new Set(keys).size, keys.length);
    // A prefix that looks like the key's own syntax is still just a prefix.
    assert.notEqual(parsed(`?namePrefix=${encodeURIComponent('",null,null]')}`).key, parsed('?namePrefix=').key);
  });

  test('malformed, hostile and oversized filters are refused with a hint', () => {
    for (const [search, pattern] of [
      ['?tag=payments', /not type:value/],
      ['?tag=:payments', /not type:value/],
      ['?tag=simple:', /not type:value/],
      ['?namePrefix=a&namePrefix=b', /more than once/],
      ['?namePrefix=a&namePrefix=', /more than once/],
      [`?namePrefix=${'x'.repeat(256)}`, /longer than 255/],
      [`?project=${'x'.repeat(256)}`, /longer than 255/],
      ['?namePrefix=a%0Ab', /control characters/],
      ['?tag=simple:a%00', /control characters/],
      [`?${Array.from({ length: 51 }, (_, i) => `tag=simple:t${i}`).join('&')}`, /at most 50/],
      [`?${Array.from({ length: 51 }, (_, i) => `project=p${i}`).join('&')}`, /at most 50/],
    ] as const) {
      const { error, hint } = refused(search);
      assert.match(error, pattern, search);
      assert.ok(hint.length > 0);
    }
    // A malformed escape does not throw: it filters as the text URLSearchParams makes of it.
    assert.equal(parsed('?namePrefix=%zz').namePrefix, '%zz');
    assert.equal(parsed('?namePrefix=%E0%A4%A').namePrefix, '\uFFFD%A');
  });

  test('a flag passes when its name has the prefix, its project is listed and it carries one of the listed simple tags', () => {
    const flag = { name: 'checkout.one-page', tags: ['payments', 'eu'] };
    const passes = (search: string) => matchesFeaturesQuery(flag, parsed(search));
    assert.equal(passes(''), true);
    assert.equal(passes('namePrefix=checkout.'), true);
    assert.equal(passes('namePrefix=checkout.one-page'), true);
    assert.equal(passes('namePrefix=Checkout.'), false, 'case-sensitive, as Unleash');
    assert.equal(passes('namePrefix=search.'), false);
    assert.equal(passes('project=default'), true);
    assert.equal(passes('project=other&project=default'), true);
    assert.equal(passes('project=other'), false);
    assert.equal(passes('tag=simple:eu'), true);
    assert.equal(passes('tag=simple:us&tag=simple:payments'), true, 'any of the tags');
    assert.equal(passes('tag=simple:us'), false);
    assert.equal(passes('tag=team:payments'), false, 'catalog tags are of type simple only');
    assert.equal(passes('namePrefix=checkout.&tag=simple:us'), false, 'every filter must pass');
    assert.equal(matchesFeaturesQuery({ name: 'untagged', tags: [] }, parsed('tag=simple:eu')), false);
  });

  test("the document echoes the filters applied, in Unleash's shape", () => {
    assert.deepEqual(echoOf(parsed(''), 'production'), { environment: 'production' });
    assert.deepEqual(echoOf(parsed('namePrefix=a&project=default&tag=simple:x'), 'qa'), {
      environment: 'qa',
      namePrefix: 'a',
      project: ['default'],
      tag: [['simple', 'x']],
    });
  });
});
