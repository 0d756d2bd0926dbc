import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFeatureSet } from './compile.ts';
import { featureOf, flagSpecIssues, type FlagSpec } from './flag-definition.ts';

const spec: FlagSpec = {
  owner: 'payments',
  service: 'checkout',
  type: 'release',
  strategies: [
    {
      name: 'flexibleRollout',
      parameters: { rollout: '100', stickiness: 'default', groupId: 'new-checkout' },
      constraints: [{ contextName: 'region', operator: 'IN', values: ['eu'] }],
    },
  ],
  environments: {
    production: { enabled: true },
    staging: { enabled: true, strategies: [{ name: 'default', parameters: {} }] },
    dev: { enabled: false },
  },
};

describe('featureOf', () => {
  it("gives each environment its switch and strategies (its own, else the flag's), and is off where undeclared", () => {
    const prod = featureOf('new-checkout', spec, 'production');
    assert.equal(prod.enabled, true);
    assert.equal(prod.strategies[0]?.name, 'flexibleRollout');
    assert.equal(featureOf('new-checkout', spec, 'staging').strategies[0]?.name, 'default');
    assert.equal(featureOf('new-checkout', spec, 'dev').enabled, false);
    assert.equal(featureOf('new-checkout', spec, 'qa').enabled, false);
  });

  it('evaluates as declared with the engine', () => {
    const { engine } = compileFeatureSet({ version: 2, features: [featureOf('new-checkout', spec, 'production')] });
    assert.equal(engine.isEnabled('new-checkout', { properties: { region: 'eu' } }), true);
    assert.equal(engine.isEnabled('new-checkout', { properties: { region: 'us' } }), false);
  });
});

describe('flagSpecIssues', () => {
  it('a sound spec has none', () => {
    assert.deepEqual(flagSpecIssues('new-checkout', spec), []);
  });

  it("points into the spec: the flag's strategies, its variants, and an environment's strategies", () => {
    const bad: FlagSpec = {
      ...spec,
      strategies: [
        {
          name: 'flexibleRollout',
          parameters: { rollout: '10' },
          constraints: [{ contextName: 'region', operator: 'MATCHES_ANYTHING', values: ['eu'] }],
        },
      ],
      environments: {
        production: {
          enabled: true,
          strategies: [
            { name: 'default', constraints: [{ contextName: 'email', operator: 'REGEX', value: '(a+)+(' }] },
          ],
        },
      },
    };
    const issues = flagSpecIssues('new-checkout', bad);
    assert.ok(
      issues.some((i) => i.path.join('.').startsWith('strategies.0.constraints.0')),
      JSON.stringify(issues),
    );
    assert.ok(
      issues.some((i) => i.path.join('.').startsWith('environments.production.strategies.0.constraints.0')),
      JSON.stringify(issues),
    );
    assert.ok(issues.every((i) => i.code === 'invalid-flag' && i.hint.length > 0));
  });

  it('reports a malformed structure (a strategy that is not a mapping, a weight that is not a number) with its path', () => {
    const issues = flagSpecIssues('f', { ...spec, strategies: ['nope'], variants: [{ name: 'a', weight: 'heavy' }] });
    assert.ok(issues.length > 0);
    assert.ok(issues.every((i) => i.path.length > 0));
  });

  it('leaves a parent flag to the catalog: a dependency on another flag is not an issue here', () => {
    assert.deepEqual(flagSpecIssues('child', { ...spec, dependencies: [{ feature: 'parent', enabled: true }] }), []);
  });
});
