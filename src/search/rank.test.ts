import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { packIndex, prepareEntries, rankEntries, unpackIndex, type SearchEntry } from './rank.ts';

const entry = (title: string, extra: Partial<SearchEntry> = {}): SearchEntry => ({
  type: 'entity',
  title,
  name: title.toLowerCase().replace(/\s+/g, '-'),
  kind: 'component',
  path: `catalog/default/component/${title.toLowerCase().replace(/\s+/g, '-')}/`,
  tags: [],
  text: '',
  context: '',
  ...extra,
});

describe('rankEntries', () => {
  const entries = prepareEntries([
    entry('Payment Service', { tags: ['java'] }),
    entry('Payments database', { kind: 'resource' }),
    entry('Checkout', { text: 'Takes payment from the basket' }),
    entry('Refunds runbook', { type: 'runbook', kind: 'runbook', name: 'runbook.md', context: 'Payment Service' }),
    entry('Ledger', { tags: ['payments'] }),
  ]);
  const titles = (q: string, limit = 10) => rankEntries(entries, q, limit).map((e) => e.title);

  test('an exact name beats a prefix, which beats a tag, which beats the description', () => {
    assert.deepEqual(titles('payment service'), ['Payment Service', 'Refunds runbook']);
    assert.deepEqual(titles('payment'), [
      'Payment Service',
      'Payments database',
      'Ledger',
      'Checkout',
      'Refunds runbook',
    ]);
  });

  test('every word must match somewhere', () => {
    assert.deepEqual(titles('payment nothing'), []);
    assert.deepEqual(titles('refunds payment'), ['Refunds runbook']);
  });

  test('a one-letter word matches whole words only, so typing the first letter does not score the whole catalog', () => {
    const index = prepareEntries([entry('A team'), entry('Alpha'), entry('Beta')]);
    assert.deepEqual(
      rankEntries(index, 'a', 10).map((e) => e.title),
      ['A team'],
    );
    assert.deepEqual(
      rankEntries(index, 'al', 10).map((e) => e.title),
      ['Alpha'],
    );
  });

  test('an empty or punctuation-only query finds nothing, and the limit holds', () => {
    assert.deepEqual(titles(''), []);
    assert.deepEqual(titles('*** ()'), []);
    assert.equal(titles('pay', 2).length, 2);
  });

  test('ties are broken by shorter title then alphabetically, so the order is stable', () => {
    const same = prepareEntries([entry('Beta api'), entry('Alpha api'), entry('Api')]);
    assert.deepEqual(
      rankEntries(same, 'api', 10).map((e) => e.title),
      ['Api', 'Beta api', 'Alpha api'].sort((a, b) => a.length - b.length || a.localeCompare(b)),
    );
  });

  test('a packed index unpacks to the same entries', () => {
    const raw = [entry('A', { tags: ['x', 'y'] }), entry('B', { type: 'docs', kind: 'docs' })];
    assert.deepEqual(unpackIndex(JSON.parse(JSON.stringify(packIndex(raw)))), raw);
  });
});
