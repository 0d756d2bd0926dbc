import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { searchTerms } from './search-terms.ts';

describe('search terms', () => {
  test('words are lowercased and stripped of accents; punctuation separates them', () => {
    assert.deepEqual(searchTerms('Résumé-Service v2 (beta)'), ['resume', 'service', 'v2', 'beta']);
    assert.deepEqual(searchTerms('   '), []);
    assert.deepEqual(searchTerms('"a*" OR NEAR(b)'), ['a', 'or', 'near', 'b']);
  });
});
