import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AtriumError } from '../platform/errors.ts';
import { entityKeyOf, knownEntityKeyOf } from './entity-key.ts';

test('entityKeyOf reads a reference as a request gives it: a bare name is a Component in default', () => {
  assert.equal(entityKeyOf('checkout', 'entity'), entityKeyOf('component:default/checkout', 'entity'));
  assert.notEqual(entityKeyOf('group:default/payments', 'entity'), entityKeyOf('payments', 'entity'));
});

test('entityKeyOf refuses a malformed reference with a 400 naming the field', () => {
  assert.throws(
    () => entityKeyOf('group:/payments', 'service'),
    (err: unknown) =>
      err instanceof AtriumError &&
      err.status === 400 &&
      err.code === 'invalid-request' &&
      /^Invalid request: service: /.test(err.message),
  );
});

test('knownEntityKeyOf is a 404 for an entity the catalog does not have', async () => {
  const has = async (key: string) => key === entityKeyOf('checkout', 'entity');
  assert.equal(await knownEntityKeyOf('component:default/checkout', 'entity', has), entityKeyOf('checkout', 'entity'));
  await assert.rejects(
    knownEntityKeyOf('billing', 'entity', has),
    (err: unknown) => err instanceof AtriumError && err.status === 404 && err.code === 'entity-not-found',
  );
});
