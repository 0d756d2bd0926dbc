import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { identifierTerms, searchTerms, storedTerms } from './search-terms.ts';

describe('search terms', () => {
  test('words are lowercased and stripped of accents; punctuation separates them', () => {
    assert.deepEqual(searchTerms('Résumé-Service v2 (beta)'), ['resume', 'service', 'v2', 'beta']);
    assert.deepEqual(searchTerms('   '), []);
    assert.deepEqual(searchTerms('"a*" OR NEAR(b)'), ['a', 'or', 'near', 'b']);
  });
});

describe('identifier terms', () => {
  test('identifiers split on case changes and separators, into the words a person types', () => {
    assert.deepEqual(identifierTerms('ShipmentCreateErrorRateHigh'), ['shipment', 'create', 'error', 'rate', 'high']);
    assert.deepEqual(identifierTerms('shipment_create-error.rate'), ['shipment', 'create', 'error', 'rate']);
    assert.deepEqual(identifierTerms('HTTPServer parseJSON v2Api'), ['http', 'server', 'parse', 'json', 'v2', 'api']);
    assert.deepEqual(identifierTerms('Résumé'), ['resume']);
  });
});

describe('stored terms', () => {
  test('an identifier is stored whole and in its parts, once each, so a query split or joined finds it', () => {
    assert.deepEqual(storedTerms('ShipmentCreate shipment_create v2'), [
      'shipmentcreate',
      'shipment_create',
      'v2',
      'shipment',
      'create',
    ]);
    assert.deepEqual(storedTerms('checkout'), ['checkout']);
  });
});
