import { setFlagsFromString } from 'node:v8';

/**
 * One number for how much memory a `serve` process may use (`--memory-budget`,
 * atrium.yaml's `memoryBudgetMb`), and how it is shared among the caches whose size is a
 * choice. What is not a choice is reserved first: Node itself (its binary and heap, about
 * 50 MB), the catalog's state and the search index (about 150 MB at 50,000 entities) and
 * SQLite's page cache. The caches share what is left, so a bigger budget buys a bigger page
 * cache and nothing else, and a budget too small for the reserve still leaves the caches a
 * working minimum (the process then uses more than its budget; `atrium serve` warns).
 */

const MIB = 2 ** 20;

/** The default: fits a replica serving 50,000 entities with every feature on. */
export const DEFAULT_MEMORY_BUDGET_BYTES = 300 * MIB;
/** What the process needs whatever the caches hold (measured at 50,000 entities; see bench/README.md). */
export const RESERVED_BYTES = 200 * MIB;
/** Below this the caches stop being useful: the hottest pages and API answers of an incident. */
export const MIN_CACHE_BYTES = 24 * MIB;
/** The budget's accepted range, in bytes. */
export const MEMORY_BUDGET_RANGE = { min: 128 * MIB, max: 64 * 1024 * MIB } as const;

/** Of the caches' share: rendered pages (HTML), then the catalog API's JSON answers. */
const PAGE_SHARE = 0.65;

export interface CacheBudget {
  /** Rendered portal pages (portal/portal.ts). */
  pageCacheBytes: number;
  /** The catalog API's cached JSON answers (catalog/cached-catalog.ts). */
  apiCacheBytes: number;
  /** The budget leaves the caches less than their working minimum: they get the minimum. */
  overcommitted: boolean;
}

/** How `budgetBytes` is shared among the caches. Pure. */
export function cacheBudget(budgetBytes: number): CacheBudget {
  const spare = budgetBytes - RESERVED_BYTES;
  const caches = Math.max(MIN_CACHE_BYTES, spare);
  const pageCacheBytes = Math.floor(caches * PAGE_SHARE);
  return { pageCacheBytes, apiCacheBytes: caches - pageCacheBytes, overcommitted: spare < MIN_CACHE_BYTES };
}

/**
 * Has V8 keep its heap near what is live, for a long-lived process that has a memory
 * budget (`serve`). By default V8 lets the heap grow to up to four times what survived the
 * last full collection before collecting again: at 50,000 entities, the garbage of one sync
 * and one search-index build on top of about 120 MB live took serve's peak past 400 MB.
 * Optimising for size is the mode V8 itself takes under memory pressure: it grows the heap
 * by small steps and collects sooner (more, shorter collections, on V8's background threads).
 * The flag is read at each collection, so setting it after start takes effect (the young
 * generation's size, fixed at start, does not change). See bench/README.md for the numbers.
 */
export function favourMemoryOverSpeed(): void {
  setFlagsFromString('--optimize-for-size');
}
