import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { loadPackedIndex, packIndex, prepareEntries, rankEntries, resultPath, type SearchEntry } from './rank.ts';
import { markdownOutline, sectionsForSearch } from './search-index.ts';

/**
 * Search relevance on a fixed set of queries with the result a person expects first: the
 * demo organisation's services (examples/acme/services) as entities, and their runbooks and
 * docs pages, read from the real files, as documents. A change to the ranker that makes any
 * of these answers worse fails here; the server's index and the shipped one must agree.
 */
const SERVICES = new URL('../../examples/acme/services/', import.meta.url);

function demoEntries(): SearchEntry[] {
  const entries: SearchEntry[] = [];
  for (const name of readdirSync(SERVICES).sort()) {
    const title = name.replace(/-/g, ' ').replace(/^\w/, (c) => c.toUpperCase());
    entries.push({
      type: 'entity',
      title,
      name,
      kind: 'component',
      path: `catalog/default/component/${name}/`,
      tags: [],
      text: '',
      context: 'acme',
    });
    for (const page of ['runbook', 'index'] as const) {
      const file = new URL(`${name}/docs/${page}.md`, SERVICES);
      if (!existsSync(file)) continue;
      const markdown = readFileSync(file, 'utf8');
      const outline = markdownOutline(markdown);
      const runbook = page === 'runbook';
      entries.push({
        type: runbook ? 'runbook' : 'docs',
        title: outline.title ?? name,
        name: `${page}.md`,
        kind: runbook ? 'runbook' : 'docs',
        path: `catalog/default/component/${name}/${runbook ? 'runbook/' : 'docs/'}`,
        tags: [],
        text: outline.headings.join(' · '),
        context: title,
        sections: sectionsForSearch(markdown),
      });
    }
  }
  return entries;
}

/** Query, and where its first result must link (`path#anchor` for a document's section). */
const EXPECTED: [string, string][] = [
  // A service by name, whole, by prefix, with a typo, or as words.
  ['shipment-service', 'catalog/default/component/shipment-service/'],
  ['shipment service', 'catalog/default/component/shipment-service/'],
  ['shipmnt', 'catalog/default/component/shipment-service/'],
  ['shipmnet servce', 'catalog/default/component/shipment-service/'],
  ['qoute', 'catalog/default/component/quote-service/'],
  ['geocod', 'catalog/default/component/geocoding-service/'],
  ['sortation', 'catalog/default/component/sortation-controller/'],
  ['tracking service', 'catalog/default/component/tracking-service/'],
  ['invoice pdf', 'catalog/default/component/invoice-pdf-renderer/'],
  // An alert name pasted from the page: the runbook section that names it.
  ['ShipmentCreateErrorRateHigh', 'catalog/default/component/shipment-service/runbook/#alerts-and-symptoms'],
  ['shipment create error', 'catalog/default/component/shipment-service/runbook/#alerts-and-symptoms'],
  // Words of a runbook's text: the section they are in.
  ['shipment argocd rollback', 'catalog/default/component/shipment-service/runbook/#mitigation'],
  ['invoice run failed', 'catalog/default/component/billing-service/runbook/#invoice-run-failed-part-way'],
  ['billing consumer lag', 'catalog/default/component/billing-service/runbook/#consumer-lag'],
];

describe('search relevance on the demo organisation', () => {
  const entries = demoEntries();
  const server = prepareEntries(entries);
  const browser = loadPackedIndex(JSON.parse(JSON.stringify(packIndex(entries))));

  test('a one-word query that stops at names, titles and tags ranks as if it had read everything', () => {
    for (const query of [
      'sh',
      'tr',
      'ship',
      'service',
      'runbook',
      'lag',
      'shipmnt',
      'billing',
      'de',
      'mitigation',
      'kafka',
    ]) {
      const all = rankEntries(server, query, 1000);
      for (const limit of [1, 5, 10])
        assert.deepEqual(rankEntries(server, query, limit), all.slice(0, limit), `${query} ${limit}`);
    }
  });

  for (const [query, expected] of EXPECTED) {
    test(`“${query}” → ${expected}`, () => {
      const results = rankEntries(server, query, 10);
      assert.equal(results[0] && resultPath(results[0]), expected, results.map(resultPath).join('\n'));
      assert.deepEqual(rankEntries(browser, query, 10), results, 'the shipped index ranks the same');
      const paths = results.map((r) => r.path);
      assert.equal(new Set(paths).size, paths.length, 'one result per document');
    });
  }
});
