import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyOfTeam } from './entity-ref.ts';

test('keyOfTeam: a bare name, a kind-less or a full Group reference is a team key; other kinds and junk are not', () => {
  assert.equal(keyOfTeam('checkout'), 'group:default/checkout');
  assert.equal(keyOfTeam('Group:Shop/Checkout'), 'group:shop/checkout');
  assert.equal(keyOfTeam(' ops/sre '), 'group:ops/sre');
  assert.equal(keyOfTeam('component:default/x'), undefined);
  assert.equal(keyOfTeam(''), undefined);
  assert.equal(keyOfTeam('group:'), undefined);
  assert.equal(keyOfTeam('/x'), undefined);
});
