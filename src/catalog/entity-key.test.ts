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

test('a control character anywhere in a reference is a 400 before the catalog is asked (PostgreSQL refuses a NUL)', async () => {
  let asked = 0;
  const has = async () => {
    asked++;
    return true;
  };
  for (const ref of ['\u0000', 'check\u0000out', 'component:default/\u001f', 'group:\u007f/x', 'a\u0085b', 'x\n'])
    await assert.rejects(
      knownEntityKeyOf(ref, 'owner', has),
      (err: unknown) =>
        err instanceof AtriumError &&
        err.status === 400 &&
        err.message === 'Invalid request: owner: control characters are not allowed',
      JSON.stringify(ref),
    );
  assert.equal(asked, 0);
});
