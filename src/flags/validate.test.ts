import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FLAG_LIMITS } from './limits.ts';
import type { FlagProblem } from './model.ts';
import { validateContext, validateFeatureSet } from './validate.ts';

const feature = (extra: Record<string, unknown> = {}) => ({
  name: 'f',
  enabled: true,
  strategies: [{ name: 'default' }],
  ...extra,
});

function problemsOf(input: unknown): FlagProblem[] {
  const result = validateFeatureSet(input);
  assert.equal(result.ok, false, 'expected the set to be refused');
  return result.ok ? [] : result.problems;
}
const pathsOf = (input: unknown) => problemsOf(input).map((p) => p.path);

describe('validateFeatureSet', () => {
  it('accepts a client-features document, dropping the fields evaluation does not read', () => {
    const result = validateFeatureSet({
      version: 2,
      query: { project: ['default'] },
      features: [
        feature({
          createdAt: '2024-01-01',
          strategies: [{ name: 'flexibleRollout', title: 'Half', disabled: false, parameters: { rollout: '50' } }],
          description: null,
        }),
      ],
      segments: [{ id: 1, name: 'beta', constraints: [], createdBy: 'x' }],
    });
    assert.ok(result.ok);
    assert.deepEqual(result.value, {
      version: 2,
      features: [
        {
          name: 'f',
          enabled: true,
          strategies: [{ name: 'flexibleRollout', parameters: { rollout: '50' } }],
          description: null,
        },
      ],
      segments: [{ id: 1, name: 'beta', constraints: [] }],
    });
  });

  it('accepts flag names in any script, and names that are Object.prototype keys', () => {
    assert.ok(
      validateFeatureSet({
        features: [
          feature({ name: 'Feature.UTF-8.😊_φriend_你好_🌍' }),
          feature({ name: '__proto__' }),
          feature({ name: 'constructor' }),
        ],
      }).ok,
    );
  });

  it('refuses what is not a feature set', () => {
    for (const input of [null, 42, 'features', [], {}, { features: {} }])
      assert.ok(!validateFeatureSet(input).ok, JSON.stringify(input));
    assert.deepEqual(pathsOf({}), ['features']);
  });

  it('names the path of each malformed field, and the feature it is in', () => {
    const problems = problemsOf({
      features: [
        feature(),
        feature({
          name: 'broken',
          enabled: 'yes',
          strategies: [{ name: 'default', constraints: [{ contextName: 'userId', operator: 'IN', values: 'a,b' }] }],
        }),
        { name: 'no-strategies', enabled: true },
        feature({ name: 'weights', variants: [{ name: 'v', weight: -1 }, { name: 'w', weight: 1.5 }, { name: 'x' }] }),
      ],
    });
    assert.deepEqual(
      problems.map((p) => p.path),
      [
        'features[1].enabled',
        'features[1].strategies[0].constraints[0].values',
        'features[2].strategies',
        'features[3].variants[0].weight',
        'features[3].variants[1].weight',
        'features[3].variants[2].weight',
      ],
    );
    assert.equal(problems[0]?.message, 'enabled must be true or false (feature "broken")');
    assert.equal(problems[1]?.message, 'values must be an array (feature "broken")');
    assert.equal(problems[4]?.message, 'weight must be a whole number (feature "weights")');
    assert.ok(problems.every((p) => p.code === 'invalid-field' && p.hint.length > 0));
  });

  it('refuses duplicate feature names and segment ids', () => {
    const problems = problemsOf({
      features: [feature(), feature({ enabled: false })],
      segments: [
        { id: 1, constraints: [] },
        { id: 1, constraints: [] },
      ],
    });
    assert.deepEqual(
      problems.map((p) => `${p.path}: ${p.message}`),
      [
        'features[1].name: duplicates the name of features[0] (feature "f")',
        'segments[1].id: duplicates the id of segments[0]',
      ],
    );
    assert.deepEqual(pathsOf({ features: [], segments: [{ id: 1.5, constraints: [] }] }), ['segments[0].id']);
  });

  it('refuses names with control characters or unpaired surrogates, and empty names', () => {
    for (const name of ['bad\u0000name', 'line\nbreak', 'c1\u0085', 'lone\ud800', '\udc00x', '']) {
      const problems = problemsOf({ features: [feature({ name })] });
      assert.deepEqual(
        problems.map((p) => p.path),
        ['features[0].name'],
        JSON.stringify(name),
      );
    }
    assert.deepEqual(
      pathsOf({
        features: [
          feature({
            strategies: [
              { name: 'default', constraints: [{ contextName: 'x\u001b[31m', operator: 'IN', values: [] }] },
            ],
          }),
        ],
      }),
      ['features[0].strategies[0].constraints[0].contextName'],
    );
  });

  it('refuses documents beyond the size limits, saying which limit', () => {
    const many = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));
    const cases: [unknown, string, RegExp][] = [
      [
        { features: [feature({ name: 'n'.repeat(FLAG_LIMITS.nameLength + 1) })] },
        'features[0].name',
        /longer than 255/,
      ],
      [
        {
          features: [feature({ strategies: many(FLAG_LIMITS.strategiesPerFeature + 1, () => ({ name: 'default' })) })],
        },
        'features[0].strategies',
        /more than 100 strategies/,
      ],
      [
        {
          features: [
            feature({
              strategies: [
                {
                  name: 'default',
                  constraints: many(FLAG_LIMITS.constraintsPerStrategy + 1, () => ({
                    contextName: 'a',
                    operator: 'IN',
                    values: [],
                  })),
                },
              ],
            }),
          ],
        },
        'features[0].strategies[0].constraints',
        /more than 100 constraints/,
      ],
      [
        {
          features: [
            feature({
              strategies: [
                {
                  name: 'default',
                  constraints: [
                    { contextName: 'a', operator: 'IN', values: many(FLAG_LIMITS.valuesPerConstraint + 1, String) },
                  ],
                },
              ],
            }),
          ],
        },
        'features[0].strategies[0].constraints[0].values',
        /more than 10000 values/,
      ],
      [
        {
          features: [
            feature({
              strategies: [
                {
                  name: 'default',
                  constraints: [
                    { contextName: 'a', operator: 'IN', values: ['v'.repeat(FLAG_LIMITS.valueLength + 1)] },
                  ],
                },
              ],
            }),
          ],
        },
        'features[0].strategies[0].constraints[0].values[0]',
        /longer than 4096/,
      ],
      [
        {
          features: [
            feature({
              strategies: [
                {
                  name: 'default',
                  constraints: [
                    { contextName: 'a', operator: 'STR_CONTAINS', values: many(30, () => 'v'.repeat(4000)) },
                  ],
                },
              ],
            }),
          ],
        },
        'features[0].strategies[0].constraints[0].values',
        /more than 100000 characters in all/,
      ],
      [
        {
          features: [
            feature({
              strategies: [{ name: 'userWithId', parameters: { userIds: 'u,'.repeat(FLAG_LIMITS.parameterLength) } }],
            }),
          ],
        },
        'features[0].strategies[0].parameters.userIds',
        /longer than 100000/,
      ],
      [
        {
          features: [
            feature({ variants: many(FLAG_LIMITS.variantsPerFeature + 1, (i) => ({ name: `v${i}`, weight: 1 })) }),
          ],
        },
        'features[0].variants',
        /more than 100 variants/,
      ],
      [
        { features: [feature({ variants: [{ name: 'v', weight: FLAG_LIMITS.variantWeight + 1 }] })] },
        'features[0].variants[0].weight',
        /above 1000000/,
      ],
      [
        {
          features: [
            feature({
              variants: [
                { name: 'v', weight: 1, payload: { type: 'json', value: 'x'.repeat(FLAG_LIMITS.payloadLength + 1) } },
              ],
            }),
          ],
        },
        'features[0].variants[0].payload.value',
        /longer than 65536/,
      ],
      [
        { features: many(FLAG_LIMITS.features + 1, (i) => feature({ name: `f${i}` })) },
        'features',
        /more than 20000 features/,
      ],
    ];
    for (const [input, path, message] of cases) {
      const problems = problemsOf(input);
      assert.deepEqual(
        problems.map((p) => p.path),
        [path],
      );
      assert.match(problems[0]?.message ?? '', message);
      assert.equal(problems[0]?.code, message.source.includes('characters in all') ? 'invalid-field' : 'too-large');
    }
  });

  it('cannot be made to set a prototype through a __proto__ key: the key is dropped', () => {
    const result = validateFeatureSet(
      JSON.parse(
        '{"features":[{"name":"f","enabled":true,"strategies":[{"name":"default","parameters":{"__proto__":{"polluted":true},"a":"b"}}]}]}',
      ),
    );
    assert.ok(result.ok);
    const parameters = result.value.features[0]?.strategies[0]?.parameters;
    assert.deepEqual(parameters, { a: 'b' });
    assert.equal(Object.getPrototypeOf(parameters), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('leaves to compilation what is well formed but never matches', () => {
    assert.ok(
      validateFeatureSet({
        features: [
          feature({
            strategies: [
              {
                name: 'custom',
                constraints: [{ contextName: 'a', operator: 'NOT_AN_OPERATOR', value: '(' }],
                segments: [404],
              },
            ],
          }),
        ],
      }).ok,
    );
  });
});

describe('validateContext', () => {
  it('accepts an Unleash context, null properties included', () => {
    const context = {
      userId: '123',
      sessionId: 's',
      remoteAddress: '127.0.0.1',
      environment: 'prod',
      appName: 'web',
      currentTime: '2022-01-30T13:00:00.000Z',
      properties: { tier: 'gold', age: 12, missing: null },
    };
    const result = validateContext(context);
    assert.ok(result.ok);
    assert.deepEqual(result.value, context);
  });

  it('refuses wrong types and huge contexts, naming the field', () => {
    const refused = (input: unknown) => {
      const result = validateContext(input);
      assert.ok(!result.ok, JSON.stringify(input).slice(0, 80));
      return result.problems.map((p) => `${p.path}: ${p.message}`);
    };
    assert.deepEqual(refused(null), ['(root): a context must be an object']);
    assert.deepEqual(refused({ userId: 42 }), ['userId: a context value must be a string']);
    assert.deepEqual(refused({ userId: 'u'.repeat(FLAG_LIMITS.contextValueLength + 1) }), [
      'userId: a context value is longer than 4096 characters',
    ]);
    assert.deepEqual(refused({ properties: { nested: { a: 1 } } }), [
      'properties.nested: a property value must be a string',
    ]);
    assert.deepEqual(
      refused({
        properties: Object.fromEntries(
          Array.from({ length: FLAG_LIMITS.contextProperties + 1 }, (_, i) => [`p${i}`, 'x']),
        ),
      }),
      ['properties: more than 100 properties'],
    );
    assert.deepEqual(refused({ properties: { 'bad\u0000key': 'x' } }), [
      'properties["bad\\u0000key"]: property name contains a control character or an unpaired surrogate',
    ]);
  });
});
