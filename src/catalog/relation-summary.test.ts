import assert from 'node:assert/strict';
import { test } from 'node:test';
import { relationBreakdown, relationPageNumber, topTallies } from './relation-summary.ts';

const member = (kind: string, owner: string | null, system: string | null) => ({ kind, owner, system });

test('a breakdown counts every member once by kind, owner and system: largest first, ties by value, none last', () => {
  const b = relationBreakdown([
    member('component', 'group:default/b', 'system:default/s'),
    member('component', 'group:default/a', null),
    member('api', null, 'system:default/s'),
    member('component', 'group:default/b', null),
  ]);
  assert.equal(b.total, 4);
  assert.deepEqual(b.byKind, [
    { value: 'component', count: 3 },
    { value: 'api', count: 1 },
  ]);
  assert.deepEqual(b.byOwner, [
    { value: 'group:default/b', count: 2 },
    { value: 'group:default/a', count: 1 },
    { value: null, count: 1 },
  ]);
  assert.deepEqual(b.bySystem, [
    { value: 'system:default/s', count: 2 },
    { value: null, count: 2 },
  ]);
  assert.deepEqual(relationBreakdown([]), { total: 0, byKind: [], byOwner: [], bySystem: [] });
});

test('the shown tallies and the rest add up to the total exactly', () => {
  const tallies = Array.from({ length: 40 }, (_, i) => ({ value: `v${i}`, count: 40 - i }));
  const total = tallies.reduce((s, t) => s + t.count, 0);
  for (const limit of [0, 1, 5, 39, 40, 100, -3]) {
    const { shown, rest } = topTallies(tallies, limit);
    assert.equal(shown.reduce((s, t) => s + t.count, 0) + rest.count, total, `limit ${limit}`);
    assert.equal(shown.length + rest.values, 40);
  }
});

test('a page number is a whole number from 2 to the last page; anything else is no page', () => {
  assert.equal(relationPageNumber('2', 101), 2);
  assert.equal(relationPageNumber('3', 300), 3);
  for (const [segment, total] of [
    ['1', 500],
    ['0', 500],
    ['-1', 500],
    ['4', 300],
    ['2', 100],
    ['02', 500],
    ['2.0', 500],
    ['1e1', 5000],
    [' 2', 500],
    ['abc', 500],
    ['', 500],
    ['9999999999', 1e12],
    ['Infinity', 500],
  ] as const)
    assert.equal(relationPageNumber(segment, total), undefined, `${segment} of ${total}`);
});
