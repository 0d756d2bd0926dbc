import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFeatureSet } from './compile.ts';
import { evaluateOfrep, flagContextOf, MAX_CONTEXT_FIELDS } from './ofrep.ts';

describe('flagContextOf', () => {
  it('maps targetingKey to the user id, keeps Unleash fields, and puts the rest in properties as text', () => {
    const when = new Date('2026-01-02T03:04:05Z');
    assert.deepEqual(
      flagContextOf(
        {
          targetingKey: 'u1',
          sessionId: 's',
          remoteAddress: '10.0.0.1',
          region: 'eu',
          tier: 3,
          beta: true,
          signedUpAt: when,
          nothing: null,
        },
        'production',
      ),
      {
        context: {
          environment: 'production',
          userId: 'u1',
          sessionId: 's',
          remoteAddress: '10.0.0.1',
          properties: { region: 'eu', tier: '3', beta: 'true', signedUpAt: '2026-01-02T03:04:05.000Z' },
        },
      },
    );
  });

  it('lets userId win over targetingKey, and never lets the context choose the environment', () => {
    assert.deepEqual(flagContextOf({ targetingKey: 't', userId: 'u', environment: 'dev' }, 'production'), {
      context: { environment: 'production', userId: 'u', properties: {} },
    });
  });

  it('refuses nested values, huge values and too many fields, saying which', () => {
    assert.match((flagContextOf({ a: { b: 1 } }, 'p') as { error: string }).error, /"a" is not a string/);
    assert.match((flagContextOf({ a: 'x'.repeat(10_001) }, 'p') as { error: string }).error, /"a" is longer/);
    const many = Object.fromEntries(Array.from({ length: MAX_CONTEXT_FIELDS + 1 }, (_, i) => [`f${i}`, 1]));
    assert.match((flagContextOf(many, 'p') as { error: string }).error, /at most 200/);
  });
});

describe('evaluateOfrep', () => {
  const { engine } = compileFeatureSet({
    version: 2,
    features: [
      { name: 'on', enabled: true, strategies: [{ name: 'default', parameters: {} }] },
      {
        name: 'eu',
        enabled: true,
        strategies: [
          { name: 'default', parameters: {}, constraints: [{ contextName: 'region', operator: 'IN', values: ['eu'] }] },
        ],
      },
      { name: 'off', enabled: false, strategies: [{ name: 'default', parameters: {} }] },
      {
        name: 'priced',
        enabled: true,
        strategies: [{ name: 'default', parameters: {} }],
        variants: [
          {
            name: 'cheap',
            weight: 1000,
            weightType: 'variable',
            stickiness: 'default',
            payload: { type: 'number', value: '9' },
          },
        ],
      },
    ],
  });
  const enabled = (k: string) => k !== 'off';
  const ctx = (region: string) => ({ environment: 'production', userId: 'u', properties: { region } });

  it('answers the standard reasons: a match, no match, a flag off here, and an unknown flag', () => {
    assert.deepEqual(evaluateOfrep(engine, enabled, 'on', ctx('us')), {
      key: 'on',
      value: true,
      reason: 'TARGETING_MATCH',
    });
    assert.deepEqual(evaluateOfrep(engine, enabled, 'eu', ctx('us')), { key: 'eu', value: false, reason: 'DEFAULT' });
    assert.deepEqual(evaluateOfrep(engine, enabled, 'off', ctx('eu')), {
      key: 'off',
      value: false,
      reason: 'DISABLED',
    });
    assert.equal(
      (evaluateOfrep(engine, enabled, 'ghost', ctx('eu')) as { errorCode: string }).errorCode,
      'FLAG_NOT_FOUND',
    );
  });

  it('gives the variant and its payload as metadata', () => {
    assert.deepEqual(evaluateOfrep(engine, enabled, 'priced', ctx('eu')), {
      key: 'priced',
      value: true,
      reason: 'TARGETING_MATCH',
      variant: 'cheap',
      metadata: { payloadType: 'number', payload: '9' },
    });
  });
});
