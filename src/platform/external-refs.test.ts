import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { externalRefs, externalRefPatternProblem } from './external-refs.ts';

describe('externalRefs (catalog.externalRefs)', () => {
  test('`kind:*` matches every entity of that kind in every namespace, ignoring case', () => {
    const external = externalRefs(['group:*']);
    assert.equal(external.matches('group:default/platform-team'), true);
    assert.equal(external.matches('group:ops/sre'), true);
    assert.equal(external.matches('Group:Default/Platform-Team'), true);
    assert.equal(external.matches('user:default/jane'), false);
  });

  test('`kind:namespace/*` matches one namespace only', () => {
    const external = externalRefs(['user:directory/*']);
    assert.equal(external.matches('user:directory/jane'), true);
    assert.equal(external.matches('user:default/jane'), false);
  });

  test('a named reference matches that entity alone; without a namespace it is the default one', () => {
    const external = externalRefs(['group:default/platform-team', 'API:payments-api']);
    assert.equal(external.matches('group:default/platform-team'), true);
    assert.equal(external.matches('group:default/platform'), false);
    assert.equal(external.matches('api:default/payments-api'), true);
    assert.equal(external.matches('api:billing/payments-api'), false);
  });

  test('no patterns match nothing', () => {
    assert.equal(externalRefs([]).matches('group:default/a'), false);
  });

  test('a `*` is only a whole kind-wide or namespace-wide wildcard, never part of a name', () => {
    const external = externalRefs(['group:default/team-*']);
    assert.equal(external.matches('group:default/team-a'), false);
    assert.equal(external.matches('group:default/team-*'), true, 'a literal name, as Backstage names cannot hold *');
  });

  test('patterns without a kind, empty parts or a bare * are refused with a reason', () => {
    assert.equal(externalRefPatternProblem('group:*'), undefined);
    assert.equal(externalRefPatternProblem('group:default/platform-team'), undefined);
    assert.match(externalRefPatternProblem('platform-team') ?? '', /kind/);
    assert.match(externalRefPatternProblem('*') ?? '', /kind/);
    assert.match(externalRefPatternProblem(':x') ?? '', /kind/);
    assert.match(externalRefPatternProblem('group:') ?? '', /empty/);
    assert.match(externalRefPatternProblem('group:/x') ?? '', /empty/);
    assert.match(externalRefPatternProblem('group:ns/') ?? '', /empty/);
    assert.match(externalRefPatternProblem('*:x') ?? '', /kind/);
    assert.throws(() => externalRefs(['nope']), /kind/);
  });
});
