import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { normalizedValue, VARIANT_SEED } from './bucket.ts';
import { compileFeatureSet, type FlagEngineOptions } from './compile.ts';
import type { Feature, FeatureSet, Segment, StrategyDefinition, VariantDefinition } from './model.ts';

const engineOf = (features: Feature[], segments: Segment[] = [], options: FlagEngineOptions = {}) =>
  compileFeatureSet({ features, segments }, options);
const withStrategy = (strategy: StrategyDefinition, name = 'f'): Feature => ({
  name,
  enabled: true,
  strategies: [strategy],
});
const on = (name: string, extra: Partial<Feature> = {}): Feature => ({
  name,
  enabled: true,
  strategies: [{ name: 'default' }],
  ...extra,
});

/** The first user id (u0, u1, ...) whose rollout bucket in `group` satisfies `wanted`. */
function userWhere(group: string, wanted: (bucket: number) => boolean): string {
  for (let i = 0; ; i++) if (wanted(normalizedValue(`u${i}`, group))) return `u${i}`;
}

describe('FlagEngine.isEnabled', () => {
  it('is off for an unknown or disabled flag, on for an enabled flag without strategies', () => {
    const { engine } = engineOf([on('a'), on('b', { enabled: false }), { name: 'c', enabled: true, strategies: [] }]);
    assert.equal(engine.isEnabled('a', {}), true);
    assert.equal(engine.isEnabled('b', {}), false);
    assert.equal(engine.isEnabled('c', {}), true);
    assert.equal(engine.isEnabled('nope', {}), false);
    assert.deepEqual(engine.names(), ['a', 'b', 'c']);
    assert.equal(engine.has('b'), true);
  });

  it('is on when any strategy is on, each strategy only when all its constraints hold', () => {
    const { engine } = engineOf([
      {
        name: 'f',
        enabled: true,
        strategies: [
          { name: 'default', constraints: [{ contextName: 'userId', operator: 'IN', values: ['123'] }] },
          {
            name: 'default',
            constraints: [
              { contextName: 'userId', operator: 'IN', values: ['456'] },
              { contextName: 'environment', operator: 'IN', values: ['prod'] },
            ],
          },
        ],
      },
    ]);
    assert.equal(engine.isEnabled('f', { userId: '123' }), true);
    assert.equal(engine.isEnabled('f', { userId: '456', environment: 'prod' }), true);
    assert.equal(engine.isEnabled('f', { userId: '456', environment: 'dev' }), false);
  });

  it('flexibleRollout puts a user in when their bucket is at most the rollout', () => {
    const strategy = { name: 'flexibleRollout', parameters: { rollout: '50', stickiness: 'default', groupId: 'g' } };
    const { engine } = engineOf([withStrategy(strategy)]);
    assert.equal(engine.isEnabled('f', { userId: userWhere('g', (b) => b <= 50) }), true);
    assert.equal(engine.isEnabled('f', { userId: userWhere('g', (b) => b > 50) }), false);
    assert.equal(
      engine.isEnabled('f', { sessionId: userWhere('g', (b) => b <= 50) }),
      true,
      'default stickiness falls back to sessionId',
    );
  });

  it('flexibleRollout on a custom field is off without that field, and 0% is always off', () => {
    const custom = engineOf([
      withStrategy({ name: 'flexibleRollout', parameters: { rollout: '100', stickiness: 'tenant', groupId: 'g' } }),
    ]).engine;
    assert.equal(custom.isEnabled('f', { userId: '1' }), false);
    assert.equal(custom.isEnabled('f', { properties: { tenant: 'acme' } }), true);
    const zero = engineOf([
      withStrategy({ name: 'flexibleRollout', parameters: { rollout: '0', stickiness: 'default', groupId: 'g' } }),
    ]).engine;
    assert.equal(zero.isEnabled('f', { userId: '1' }), false);
  });

  it('flexibleRollout with default stickiness and no ids draws a random id, as Unleash', (t) => {
    const strategy = { name: 'flexibleRollout', parameters: { rollout: '50', stickiness: 'default', groupId: 'g' } };
    const { engine } = engineOf([withStrategy(strategy)]);
    const drawn = (r: number) => `${Math.round(r * 10000) + 1}`;
    const r = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6].find((x) => normalizedValue(drawn(x), 'g') <= 50) as number;
    t.mock.method(Math, 'random', () => r);
    assert.equal(engine.isEnabled('f', {}), true);
  });

  it('userWithId, gradualRollout*, remoteAddress and applicationHostname behave as in Unleash', () => {
    const { engine } = engineOf(
      [
        withStrategy({ name: 'userWithId', parameters: { userIds: '123, 222,88' } }, 'ids'),
        withStrategy({ name: 'gradualRolloutUserId', parameters: { percentage: '50', groupId: 'AB12A' } }, 'byUser'),
        withStrategy(
          { name: 'gradualRolloutSessionId', parameters: { percentage: '50', groupId: 'AB12A' } },
          'bySession',
        ),
        withStrategy({ name: 'remoteAddress', parameters: { IPs: '10.0.0.0/8, 192.168.0.1, 2001:db8::1' } }, 'ip'),
        withStrategy({ name: 'applicationHostname', parameters: { hostNames: 'web-1, API-2' } }, 'host'),
      ],
      [],
      { hostname: 'api-2' },
    );
    assert.equal(engine.isEnabled('ids', { userId: '222' }), true);
    assert.equal(engine.isEnabled('ids', { userId: '88' }), true);
    assert.equal(engine.isEnabled('ids', { userId: '22' }), false);
    assert.equal(engine.isEnabled('byUser', { userId: '122' }), true);
    assert.equal(engine.isEnabled('byUser', { userId: '155' }), false);
    assert.equal(engine.isEnabled('byUser', { sessionId: '122' }), false);
    assert.equal(engine.isEnabled('bySession', { sessionId: '122' }), true);
    assert.equal(engine.isEnabled('ip', { remoteAddress: '10.20.30.40' }), true);
    assert.equal(engine.isEnabled('ip', { remoteAddress: '192.168.0.1' }), true);
    assert.equal(engine.isEnabled('ip', { remoteAddress: '2001:db8::1' }), true, 'IPv6 matches by exact text');
    assert.equal(engine.isEnabled('ip', { remoteAddress: '11.0.0.1' }), false);
    assert.equal(engine.isEnabled('ip', {}), false);
    assert.equal(engine.isEnabled('host', {}), true);
    assert.equal(
      engineOf([withStrategy({ name: 'applicationHostname', parameters: { hostNames: 'web-1' } })]).engine.isEnabled(
        'f',
        {},
      ),
      false,
      'no hostname given: never on',
    );
  });

  it('splits list parameters as Unleash does, in linear time even on hostile whitespace', () => {
    const ids = engineOf([withStrategy({ name: 'userWithId', parameters: { userIds: ' 1 ,2\t, 3 ' } })]).engine;
    assert.deepEqual(
      ['1', ' 1', '2', '3', '3 '].map((userId) => ids.isEnabled('f', { userId })),
      [false, true, true, false, true],
      'whitespace is dropped around commas, not at the ends',
    );
    // The margin is a thousandfold, so a busy machine cannot fail it: linear splitting takes
    // milliseconds here, a backtracking regex split tens of seconds or more.
    const start = performance.now();
    engineOf([withStrategy({ name: 'userWithId', parameters: { userIds: `${' '.repeat(300_000)}x` } })]);
    assert.ok(performance.now() - start < 5_000, 'a regex split would backtrack quadratically here');
  });

  it('gradualRolloutRandom draws 1..100 for every evaluation', () => {
    const { engine } = engineOf([withStrategy({ name: 'gradualRolloutRandom', parameters: { percentage: '30' } })]);
    const random = mock.method(Math, 'random', () => 0.295);
    try {
      assert.equal(engine.isEnabled('f', {}), true);
      random.mock.mockImplementation(() => 0.3);
      assert.equal(engine.isEnabled('f', {}), false);
    } finally {
      random.mock.restore();
    }
  });

  it('requires every constraint of every segment, and turns a strategy off when its segment is missing', () => {
    const segments: Segment[] = [
      { id: 1, constraints: [{ contextName: 'version', operator: 'SEMVER_GTE', value: '2.0.0' }] },
    ];
    const { engine, problems } = engineOf(
      [
        on('withSegment', { strategies: [{ name: 'default', segments: [1] }] }),
        on('missing', {
          strategies: [
            { name: 'default', segments: [404] },
            { name: 'default', constraints: [{ contextName: 'userId', operator: 'IN', values: ['7'] }] },
          ],
        }),
      ],
      segments,
    );
    assert.equal(engine.isEnabled('withSegment', { properties: { version: '2.1.0' } }), true);
    assert.equal(engine.isEnabled('withSegment', { properties: { version: '1.9.0' } }), false);
    assert.equal(engine.isEnabled('missing', {}), false);
    assert.equal(engine.isEnabled('missing', { userId: '7' }), true, 'other strategies still apply');
    assert.deepEqual(
      problems.map((p) => [p.path, p.code]),
      [['features[1].strategies[0].segments[0]', 'unknown-segment']],
    );
  });

  it('never enables an unknown strategy, and reports it', () => {
    const { engine, problems } = engineOf([withStrategy({ name: 'myCustomStrategy', parameters: {} })]);
    assert.equal(engine.isEnabled('f', {}), false);
    assert.equal(problems[0]?.code, 'unknown-strategy');
    assert.match(problems[0]?.message ?? '', /feature "f"/);
  });
});

describe('dependencies', () => {
  const parent = on('parent', { variants: [{ name: 'blue', weight: 1 }] });
  const off = on('off', { enabled: false });
  const child = (dependencies: Feature['dependencies'], name = 'child'): Feature => on(name, { dependencies });

  it('enable a child only when each parent is as required: on, off, or on one of the listed variants', () => {
    const { engine } = engineOf([
      parent,
      off,
      child([{ feature: 'parent' }], 'needsOn'),
      child([{ feature: 'off', enabled: false }], 'needsOff'),
      child([{ feature: 'parent', variants: ['red', 'blue'] }], 'needsBlue'),
      child([{ feature: 'parent', variants: ['red'] }], 'needsRed'),
      child([{ feature: 'parent' }, { feature: 'off' }], 'needsBoth'),
      child([{ feature: 'off', variants: ['disabled'] }], 'needsDisabledVariant'),
    ]);
    assert.equal(engine.isEnabled('needsOn', {}), true);
    assert.equal(engine.isEnabled('needsOff', {}), true);
    assert.equal(engine.isEnabled('needsBlue', {}), true);
    assert.equal(engine.isEnabled('needsRed', {}), false);
    assert.equal(engine.isEnabled('needsBoth', {}), false);
    assert.equal(
      engine.isEnabled('needsDisabledVariant', {}),
      false,
      'a parent that is off satisfies no variant, not even "disabled"',
    );
  });

  it('allow one level only: a parent with parents, a cycle or a missing parent never satisfies', () => {
    const { engine, problems } = engineOf([
      child([{ feature: 'middle' }], 'grandchild'),
      child([{ feature: 'parent' }], 'middle'),
      parent,
      child([{ feature: 'cycle-b' }], 'cycle-a'),
      child([{ feature: 'cycle-a' }], 'cycle-b'),
      child([{ feature: 'ghost' }], 'orphan'),
    ]);
    assert.equal(engine.isEnabled('middle', {}), true, 'a parent listed after its child still counts');
    for (const name of ['grandchild', 'cycle-a', 'cycle-b', 'orphan'])
      assert.equal(engine.isEnabled(name, {}), false, name);
    assert.deepEqual(problems.map((p) => p.code).sort(), [
      'transitive-dependency',
      'transitive-dependency',
      'transitive-dependency',
      'unknown-dependency',
    ]);
  });
});

describe('FlagEngine.getVariant', () => {
  const variants: VariantDefinition[] = [
    { name: 'a', weight: 1, payload: { type: 'string', value: 'A' } },
    { name: 'b', weight: 1, payload: { type: 'json', value: '{"b":1}' } },
  ];

  it('answers disabled variants, telling whether the feature itself is on', () => {
    const { engine } = engineOf([on('noVariants'), on('off', { enabled: false, variants })]);
    assert.deepEqual(engine.getVariant('nope', {}), { name: 'disabled', enabled: false, feature_enabled: false });
    assert.deepEqual(engine.getVariant('off', {}), { name: 'disabled', enabled: false, feature_enabled: false });
    assert.deepEqual(engine.getVariant('noVariants', {}), { name: 'disabled', enabled: false, feature_enabled: true });
  });

  it('picks by the variant bucket of the stickiness identifier within the feature name', () => {
    const { engine } = engineOf([on('f', { variants })]);
    for (const userId of ['0', '1', '2', '3', 'Jürgen', '😊']) {
      const expected = normalizedValue(userId, 'f', 2, VARIANT_SEED) <= 1 ? 'a' : 'b';
      assert.equal(engine.getVariant('f', { userId }).name, expected, userId);
    }
    assert.deepEqual(engine.getVariant('f', { userId: '0' }), {
      name: 'b',
      enabled: true,
      payload: { type: 'json', value: '{"b":1}' },
      feature_enabled: true,
    });
  });

  it("uses the first variant's stickiness, and an override before any bucket", () => {
    const sticky: VariantDefinition[] = [
      { name: 'a', weight: 50, stickiness: 'tenant' },
      { name: 'b', weight: 50, overrides: [{ contextName: 'userId', values: ['vip'] }] },
    ];
    const { engine } = engineOf([on('f', { variants: sticky })]);
    const byTenant = (tenant: string) => engine.getVariant('f', { userId: 'x', properties: { tenant } }).name;
    for (const tenant of ['t1', 't2', 't3'])
      assert.equal(byTenant(tenant), normalizedValue(tenant, 'f', 100, VARIANT_SEED) <= 50 ? 'a' : 'b');
    assert.equal(engine.getVariant('f', { userId: 'vip', properties: { tenant: 't1' } }).name, 'b');
  });

  it('never gives a variant of weight 0 by bucket, but does by override', () => {
    const { engine } = engineOf([
      on('f', {
        variants: [
          { name: 'zero', weight: 0, overrides: [{ contextName: 'userId', values: ['z'] }] },
          { name: 'one', weight: 1 },
        ],
      }),
    ]);
    for (const userId of ['1', '2', '3', '4']) assert.equal(engine.getVariant('f', { userId }).name, 'one');
    assert.equal(engine.getVariant('f', { userId: 'z' }).name, 'zero');
    const none = engineOf([
      on('f', { variants: [{ name: 'zero', weight: 0, overrides: [{ contextName: 'userId', values: ['z'] }] }] }),
    ]).engine;
    assert.equal(
      none.getVariant('f', { userId: 'z' }).name,
      'disabled',
      'weights summing to 0 give no variant, overrides included',
    );
  });

  it("prefers the enabling strategy's variants, hashed within its groupId, over the feature's", () => {
    const strategyVariants: VariantDefinition[] = [
      { name: 's1', weight: 1 },
      { name: 's2', weight: 1 },
    ];
    const { engine } = engineOf([
      {
        name: 'f',
        enabled: true,
        strategies: [
          {
            name: 'default',
            constraints: [{ contextName: 'environment', operator: 'IN', values: ['dev'] }],
            parameters: { groupId: 'grp' },
            variants: strategyVariants,
          },
          { name: 'default' },
        ],
        variants,
      },
    ]);
    const devUser = engine.getVariant('f', { environment: 'dev', userId: '5' }).name;
    assert.equal(devUser, normalizedValue('5', 'grp', 2, VARIANT_SEED) <= 1 ? 's1' : 's2');
    assert.ok(
      ['a', 'b'].includes(engine.getVariant('f', { environment: 'prod', userId: '5' }).name),
      "the second strategy has none: the feature's apply",
    );
  });

  it('returns one frozen answer object per variant, allocating nothing per call', () => {
    const { engine } = engineOf([on('f', { variants })]);
    const first = engine.getVariant('f', { userId: '0' });
    assert.equal(engine.getVariant('f', { userId: '0' }), first);
    assert.ok(Object.isFrozen(first) && Object.isFrozen(first.payload));
    assert.equal(engine.getVariant('nope', {}), engine.getVariant('also-nope', {}));
  });
});

describe('hashing', () => {
  const rollout: FeatureSet = {
    features: [
      withStrategy({
        name: 'flexibleRollout',
        parameters: { rollout: '50', stickiness: 'default', groupId: 'checkout' },
      }),
    ],
  };

  it('defaults to UTF-8 bytes and can bucket as the Node SDK does instead', () => {
    // normalizedValue('Jürgen', 'checkout') is 87 over UTF-8 bytes, 28 over UTF-16 low bytes.
    assert.equal(compileFeatureSet(rollout).engine.isEnabled('f', { userId: 'Jürgen' }), false);
    assert.equal(compileFeatureSet(rollout, { hashing: 'utf8' }).engine.isEnabled('f', { userId: 'Jürgen' }), false);
    assert.equal(compileFeatureSet(rollout, { hashing: 'node-sdk' }).engine.isEnabled('f', { userId: 'Jürgen' }), true);
  });
});
