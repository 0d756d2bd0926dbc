import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AtriumError } from '../platform/errors.ts';
import { loadFeatureSet } from './load.ts';

const neverMatching = {
  features: [
    {
      name: 'f',
      enabled: true,
      strategies: [{ name: 'default', constraints: [{ contextName: 'userId', operator: 'REGEX', value: '^(?=a)' }] }],
    },
    {
      name: 'g',
      enabled: true,
      strategies: [{ name: 'default', constraints: [{ contextName: 'version', operator: 'SEMVER_GT', value: 'one' }] }],
    },
  ],
};

function refusal(fn: () => unknown): AtriumError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof AtriumError, String(err));
    return err;
  }
  assert.fail('expected a refusal');
}

describe('loadFeatureSet', () => {
  it('compiles a valid set into an engine', () => {
    const { engine, problems } = loadFeatureSet({
      features: [{ name: 'f', enabled: true, strategies: [{ name: 'default' }] }],
    });
    assert.equal(engine.isEnabled('f', {}), true);
    assert.deepEqual(problems, []);
  });

  it("refuses a malformed set with a user-fixable error listing each field's path", () => {
    const err = refusal(() => loadFeatureSet({ features: [{ name: 'f', enabled: 'yes', strategies: [] }] }));
    assert.equal(err.category, 'user-fixable');
    assert.equal(err.code, 'invalid-feature-set');
    assert.equal(err.status, 400);
    assert.match(
      err.message,
      /malformed \(1 problem\):\nfeatures\[0\]\.enabled: enabled must be true or false \(feature "f"\)/,
    );
    assert.equal((err.details?.problems as unknown[] | undefined)?.length, 1);
  });

  it('lists the first 20 problems in the message and all of them in the details', () => {
    const features = Array.from({ length: 25 }, (_, i) => ({ name: `f${i}`, enabled: 1, strategies: [] }));
    const err = refusal(() => loadFeatureSet({ features }));
    assert.match(err.message, /\(25 problems\)/);
    assert.match(err.message, /\.\.\. and 5 more$/);
    assert.equal((err.details?.problems as unknown[] | undefined)?.length, 25);
  });

  it('loads what never matches, reporting it, unless strict', () => {
    const { engine, problems } = loadFeatureSet(neverMatching);
    assert.equal(engine.isEnabled('f', { userId: 'ab' }), false);
    assert.deepEqual(
      problems.map((p) => `${p.path} ${p.code}`),
      [
        'features[0].strategies[0].constraints[0].value invalid-regex',
        'features[1].strategies[0].constraints[0].value invalid-semver',
      ],
    );
    const err = refusal(() => loadFeatureSet(neverMatching, { strict: true }));
    assert.equal(err.code, 'invalid-feature-set');
    assert.match(err.message, /can never match \(2 problems\)/);
    assert.match(err.message, /invalid or unsupported Perl syntax/);
  });
});
