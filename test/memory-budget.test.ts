import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { cacheBudget } from '../src/platform/memory-budget.ts';
import { component, tempCatalog } from './support/catalog.ts';
import { useTestServer } from './support/test-server.ts';

const MIB = 2 ** 20;
const catalog = tempCatalog({ 'catalog-info.yaml': component('checkout') });
after(() => catalog.cleanup());

/** A gauge's value from a /metrics text. */
function gauge(text: string, name: string, cache: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{cache="${cache}"} `));
  assert.ok(line, `${name}{cache="${cache}"} in /metrics`);
  return Number(line.split(' ')[1]);
}

describe('the memory budget sizes the caches (--memory-budget)', () => {
  const fixture = useTestServer('sqlite', { catalog: catalog.dir, memoryBudgetBytes: 512 * MIB });
  const scrape = async () => (await fixture.server.app.request('/metrics')).text();

  test("/metrics says each cache's share of the budget, and what it holds within it", async () => {
    const before = await scrape();
    const budget = cacheBudget(512 * MIB);
    assert.equal(gauge(before, 'atrium_cache_budget_bytes', 'pages'), budget.pageCacheBytes);
    assert.equal(gauge(before, 'atrium_cache_budget_bytes', 'api'), budget.apiCacheBytes);
    assert.equal(gauge(before, 'atrium_cache_bytes', 'pages'), 0);

    assert.equal((await fixture.server.app.request('/catalog/default/component/checkout/')).status, 200);
    assert.equal((await fixture.server.app.request('/api/v1/entities')).status, 200);
    const after = await scrape();
    const pages = gauge(after, 'atrium_cache_bytes', 'pages');
    const api = gauge(after, 'atrium_cache_bytes', 'api');
    assert.ok(pages > 0 && pages <= budget.pageCacheBytes, String(pages));
    assert.ok(api > 0 && api <= budget.apiCacheBytes, String(api));
  });
});
