import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { median, percentile } from './percentile.ts';

describe('median', () => {
  test('of nothing is null', () => assert.equal(median([]), null));
  test('of one value is that value', () => assert.equal(median([7]), 7));
  test('of an odd count is the middle value', () => assert.equal(median([1, 2, 10]), 2));
  test('of an even count is the mean of the two middle values', () => assert.equal(median([1, 2, 4, 10]), 3));
  test('reads typed arrays too', () => assert.equal(median(Float64Array.from([1, 3])), 2));
});

describe('percentile (nearest rank)', () => {
  const tens = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  test('of nothing is null', () => assert.equal(percentile([], 0.9), null));
  test('p90 of ten values is the 9th', () => assert.equal(percentile(tens, 0.9), 9));
  test('p90 of three values is the 3rd (rank ceil(2.7))', () => assert.equal(percentile([1, 2, 10], 0.9), 10));
  test('p100 is the largest and a tiny p the smallest', () => {
    assert.equal(percentile(tens, 1), 10);
    assert.equal(percentile(tens, 0.0001), 1);
  });
  test('a rank that is whole on paper stays whole despite floating point (0.07 × 100 = 7)', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(hundred, 0.07), 7);
  });
});
