import assert from 'node:assert/strict';
import { test } from 'node:test';
import { publicFlagSpec } from './public-flag-spec.ts';

const SECRET = /u-4242|tenant-secret|10\.1\.2\.3|host-9|payload-secret|override-user|segment-secret|extra-secret/;

const targeted = {
  owner: 'group:checkout',
  service: 'component:checkout-web',
  type: 'release',
  impressionData: true,
  strategies: [
    {
      name: 'flexibleRollout',
      parameters: { rollout: '10', stickiness: 'userId', groupId: 'g', extra: 'extra-secret' },
      constraints: [
        { contextName: 'tenant', operator: 'IN', values: ['tenant-secret'], inverted: true },
        { contextName: 'userId', operator: 'NUM_GT', value: 'u-4242', caseInsensitive: false },
      ],
      segments: [3, 'segment-secret'],
      variants: [{ name: 'blue', weight: 1000, payload: { type: 'string', value: 'payload-secret' } }],
    },
    { name: 'userWithId', parameters: { userIds: 'u-4242,u-1' } },
    { name: 'remoteAddress', parameters: { IPs: '10.1.2.3' } },
    { name: 'applicationHostname', parameters: { hostNames: 'host-9' } },
  ],
  variants: [
    {
      name: 'compact',
      weight: 500,
      weightType: 'variable',
      stickiness: 'default',
      payload: { type: 'json', value: '{"k":"payload-secret"}' },
      overrides: [{ contextName: 'userId', values: ['override-user'] }],
    },
  ],
  dependencies: [{ feature: 'parent', enabled: false, variants: ['override-user'] }],
  environments: {
    production: { enabled: true },
    staging: { enabled: false, strategies: [{ name: 'userWithId', parameters: { userIds: 'u-4242' } }] },
  },
  releasePlan: {
    milestones: [
      {
        name: 'internal',
        after: '24h',
        strategies: [{ name: 'default', constraints: [{ contextName: 'email', operator: 'IN', values: ['u-4242'] }] }],
      },
    ],
  },
  segments: [{ id: 3, constraints: [{ contextName: 'userId', operator: 'IN', values: ['segment-secret'] }] }],
};

test('a flag without its targeting keeps its state, strategies, rollouts and the shape of its constraints', () => {
  const shown = publicFlagSpec(targeted);
  assert.doesNotMatch(JSON.stringify(shown), SECRET);
  assert.deepEqual(shown, {
    owner: 'group:checkout',
    service: 'component:checkout-web',
    type: 'release',
    impressionData: true,
    strategies: [
      {
        name: 'flexibleRollout',
        parameters: { rollout: '10', stickiness: 'userId', groupId: 'g' },
        constraints: [
          { contextName: 'tenant', operator: 'IN', inverted: true },
          { contextName: 'userId', operator: 'NUM_GT', caseInsensitive: false },
        ],
        segments: [3],
        variants: [{ name: 'blue', weight: 1000 }],
      },
      { name: 'userWithId', parameters: {} },
      { name: 'remoteAddress', parameters: {} },
      { name: 'applicationHostname', parameters: {} },
    ],
    variants: [{ name: 'compact', weight: 500, weightType: 'variable', stickiness: 'default' }],
    dependencies: [{ feature: 'parent', enabled: false }],
    environments: {
      production: { enabled: true },
      staging: { enabled: false, strategies: [{ name: 'userWithId', parameters: {} }] },
    },
    releasePlan: {
      milestones: [
        {
          name: 'internal',
          after: '24h',
          strategies: [{ name: 'default', parameters: {}, constraints: [{ contextName: 'email', operator: 'IN' }] }],
        },
      ],
    },
  });
});

test('hostile or malformed specs give a harmless public view, never a throw or a secret', () => {
  for (const spec of [
    undefined,
    null,
    'u-4242',
    42,
    [],
    { strategies: 'u-4242', environments: ['u-4242'], variants: { a: 'u-4242' }, releasePlan: 'u-4242' },
    {
      strategies: [
        null,
        'u-4242',
        7,
        { name: { toString: 'u-4242' }, parameters: ['u-4242'], constraints: [null, 'u-4242'] },
      ],
    },
    {
      environments: {
        production: null,
        staging: { enabled: 'yes', strategies: [{ parameters: { rollout: { v: 'u-4242' } } }] },
      },
    },
    { releasePlan: { milestones: [null, { name: 7, strategies: 'u-4242', after: 3 }] } },
    { owner: { name: 'u-4242' }, __proto__: { polluted: 'u-4242' } },
  ])
    assert.doesNotMatch(JSON.stringify(publicFlagSpec(spec)) ?? '', SECRET, JSON.stringify(spec));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
