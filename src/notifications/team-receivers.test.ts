import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Entity } from '../catalog/model.ts';
import { NOTIFICATION_RECEIVERS_ANNOTATION, teamOf, teamReceivers } from './team-receivers.ts';

const entity = (kind: string, name: string, spec?: Record<string, unknown>, namespace?: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  ...(spec ? { spec } : {}),
});

const configured = new Set(['pagerduty', 'checkout-slack', 'hooks']);
const exists = (n: string) => configured.has(n);

test('a Group is its own team; anything else is its owner’s, in its namespace unless the reference says', () => {
  assert.equal(teamOf(entity('Group', 'Checkout')), 'group:default/checkout');
  assert.equal(teamOf(entity('Component', 'a', { owner: 'checkout' })), 'group:default/checkout');
  assert.equal(teamOf(entity('Component', 'a', { owner: 'checkout' }, 'shop')), 'group:shop/checkout');
  assert.equal(teamOf(entity('API', 'a', { owner: 'group:ops/sre' })), 'group:ops/sre');
  assert.equal(teamOf(entity('Component', 'a', { owner: 'user:ada' })), undefined, 'a person is not a team');
  assert.equal(teamOf(entity('Component', 'a', {})), undefined);
  assert.equal(teamOf(entity('Component', 'a', { owner: '' })), undefined);
});

test('receivers come from the configuration, then the annotation, each once', () => {
  const result = teamReceivers(
    'group:default/checkout',
    { [NOTIFICATION_RECEIVERS_ANNOTATION]: ' checkout-slack ,pagerduty,, hooks ' },
    { 'group:default/checkout': ['pagerduty'] },
    exists,
  );
  assert.deepEqual(result, {
    team: 'group:default/checkout',
    receivers: ['pagerduty', 'checkout-slack', 'hooks'],
    problems: [],
  });
});

test('a bare team name finds its configuration', () => {
  assert.deepEqual(teamReceivers('checkout', undefined, { 'group:default/checkout': ['hooks'] }, exists).receivers, [
    'hooks',
  ]);
});

test('a URL in the annotation is refused without being repeated; an unknown name is named', () => {
  const secret = 'https://hooks.slack.com/services/T000/B000/XXXXSECRET';
  const result = teamReceivers(
    'group:default/checkout',
    { [NOTIFICATION_RECEIVERS_ANNOTATION]: `${secret}, nobody` },
    {},
    exists,
  );
  assert.deepEqual(result.receivers, []);
  assert.equal(result.problems.length, 2);
  assert.doesNotMatch(result.problems.join(' '), /hooks\.slack\.com|SECRET/);
  assert.match(result.problems[1] as string, /receiver "nobody" is not configured/);
});

test('a team with nothing configured has no receivers and no problems', () => {
  assert.deepEqual(teamReceivers('group:default/x', {}, {}, exists), {
    team: 'group:default/x',
    receivers: [],
    problems: [],
  });
});
