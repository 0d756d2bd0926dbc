import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cacheBudget,
  DEFAULT_MEMORY_BUDGET_BYTES,
  MEMORY_BUDGET_RANGE,
  MIN_CACHE_BYTES,
  RESERVED_BYTES,
} from './memory-budget.ts';

const MIB = 2 ** 20;

test('the default budget leaves the caches 100 MiB: 65 for pages, 35 for API answers', () => {
  const budget = cacheBudget(DEFAULT_MEMORY_BUDGET_BYTES);
  assert.equal(budget.pageCacheBytes + budget.apiCacheBytes, 100 * MIB);
  assert.equal(budget.pageCacheBytes, Math.floor(100 * MIB * 0.65));
  assert.equal(budget.overcommitted, false);
});

test('a bigger budget goes to the caches, whole', () => {
  const small = cacheBudget(DEFAULT_MEMORY_BUDGET_BYTES);
  const big = cacheBudget(DEFAULT_MEMORY_BUDGET_BYTES + 1000 * MIB);
  assert.equal(big.pageCacheBytes + big.apiCacheBytes - (small.pageCacheBytes + small.apiCacheBytes), 1000 * MIB);
  assert.ok(big.pageCacheBytes > big.apiCacheBytes);
});

test('a budget under the reserve still leaves the caches their minimum, and says it is overcommitted', () => {
  for (const bytes of [MEMORY_BUDGET_RANGE.min, RESERVED_BYTES, RESERVED_BYTES + MIN_CACHE_BYTES - 1]) {
    const budget = cacheBudget(bytes);
    assert.equal(budget.pageCacheBytes + budget.apiCacheBytes, MIN_CACHE_BYTES, String(bytes));
    assert.equal(budget.overcommitted, true);
  }
  assert.equal(cacheBudget(RESERVED_BYTES + MIN_CACHE_BYTES).overcommitted, false);
});

test('the shares are whole bytes and never exceed the caches’ total, at every size of the range', () => {
  for (let bytes = MEMORY_BUDGET_RANGE.min; bytes <= MEMORY_BUDGET_RANGE.max; bytes = bytes * 2 + 12_345) {
    const { pageCacheBytes, apiCacheBytes } = cacheBudget(bytes);
    assert.ok(Number.isInteger(pageCacheBytes) && Number.isInteger(apiCacheBytes));
    assert.ok(pageCacheBytes > 0 && apiCacheBytes > 0);
    assert.equal(pageCacheBytes + apiCacheBytes, Math.max(MIN_CACHE_BYTES, bytes - RESERVED_BYTES));
  }
});
