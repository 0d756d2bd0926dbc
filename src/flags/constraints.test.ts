import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allOf, compileConstraint, compileRegex } from './constraints.ts';
import type { Constraint, FlagContext, FlagProblem } from './model.ts';

function compile(constraint: Constraint): { test: (context: FlagContext) => boolean; problems: FlagProblem[] } {
  const problems: FlagProblem[] = [];
  return { test: compileConstraint(constraint, 'c', (p) => problems.push(p)), problems };
}

/** Whether the constraint holds for a context carrying `value` in the property `f`. */
function holds(constraint: Omit<Constraint, 'contextName'>, value: string | number | null | undefined): boolean {
  return compile({ contextName: 'f', ...constraint }).test({ properties: { f: value } });
}

describe('IN and NOT_IN', () => {
  it('match the context value against the listed values, trimmed, empty ones ignored', () => {
    assert.equal(holds({ operator: 'IN', values: ['dev', ' stage '] }, 'stage'), true);
    assert.equal(holds({ operator: 'IN', values: ['dev', ''] }, ''), false);
    assert.equal(holds({ operator: 'IN', values: ['dev'] }, ' dev'), false, 'the context value is not trimmed');
    assert.equal(holds({ operator: 'IN', values: ['Dev'] }, 'dev'), false, 'case matters');
    assert.equal(holds({ operator: 'NOT_IN', values: ['dev', 'qa'] }, 'prod'), true);
    assert.equal(holds({ operator: 'NOT_IN', values: ['dev', 'qa'] }, 'qa'), false);
  });

  it('treat an absent or null field as in no list', () => {
    assert.equal(holds({ operator: 'IN', values: ['s1'] }, undefined), false);
    assert.equal(holds({ operator: 'NOT_IN', values: ['s1'] }, undefined), true);
    assert.equal(holds({ operator: 'NOT_IN', values: ['s1'] }, null), true);
    assert.equal(holds({ operator: 'IN', values: [] }, 'x'), false);
    assert.equal(holds({ operator: 'NOT_IN', values: [] }, 'x'), true);
  });

  it('compare a numeric property as its decimal text', () => {
    assert.equal(holds({ operator: 'IN', values: ['12', '13.5'] }, 13.5), true);
  });
});

describe('STR_STARTS_WITH, STR_ENDS_WITH, STR_CONTAINS', () => {
  it('test any of the values, case-sensitively unless caseInsensitive', () => {
    assert.equal(holds({ operator: 'STR_STARTS_WITH', values: ['e1', 'e2'] }, 'e2 cool'), true);
    assert.equal(holds({ operator: 'STR_STARTS_WITH', values: ['e1', 'e2'] }, 'cool e1'), false);
    assert.equal(holds({ operator: 'STR_ENDS_WITH', values: ['some-email.com'] }, 'test@some-EMAIL.com'), false);
    assert.equal(
      holds({ operator: 'STR_ENDS_WITH', values: ['some-email.com'], caseInsensitive: true }, 'test@SOME-EMAIL.com'),
      true,
    );
    assert.equal(holds({ operator: 'STR_CONTAINS', values: ['EMAIL'], caseInsensitive: true }, 'test@email.com'), true);
    assert.equal(holds({ operator: 'STR_CONTAINS', values: ['ø'] }, 'Hellø'), true);
  });

  it('never hold for an absent field', () => {
    assert.equal(holds({ operator: 'STR_CONTAINS', values: [''] }, undefined), false);
  });
});

describe('NUM_EQ, NUM_GT, NUM_GTE, NUM_LT, NUM_LTE', () => {
  it('compare numerically, floats and integers alike', () => {
    assert.equal(holds({ operator: 'NUM_EQ', value: '12' }, '12.0'), true);
    assert.equal(holds({ operator: 'NUM_EQ', value: '12.0' }, 12), true);
    assert.equal(holds({ operator: 'NUM_GT', value: '12' }, '13'), true);
    assert.equal(holds({ operator: 'NUM_GT', value: '12' }, '12'), false);
    assert.equal(holds({ operator: 'NUM_GTE', value: '12' }, '12'), true);
    assert.equal(holds({ operator: 'NUM_LT', value: '12' }, '0'), true);
    assert.equal(holds({ operator: 'NUM_LTE', value: '12' }, '13'), false);
  });

  it("read text as JavaScript's Number() does, as Unleash does", () => {
    assert.equal(holds({ operator: 'NUM_EQ', value: '26' }, '0x1A'), true);
    assert.equal(holds({ operator: 'NUM_EQ', value: '0' }, ''), true);
    assert.equal(holds({ operator: 'NUM_LT', value: '1' }, undefined), false, 'an absent field is not a number');
    assert.equal(holds({ operator: 'NUM_LT', value: '1' }, 'abc'), false);
  });

  it('never hold with an invalid value, and report it', () => {
    const { test, problems } = compile({ contextName: 'f', operator: 'NUM_EQ', value: 'twelve' });
    assert.equal(test({ properties: { f: 'twelve' } }), false);
    assert.deepEqual(
      problems.map((p) => [p.path, p.code]),
      [['c.value', 'invalid-number']],
    );
  });
});

describe('DATE_AFTER and DATE_BEFORE', () => {
  const after = { contextName: 'currentTime', operator: 'DATE_AFTER', value: '2022-01-29T13:00:00.000Z' };
  it("compare the context's currentTime, exclusively, respecting time zones", () => {
    assert.equal(compile(after).test({ currentTime: '2022-01-30T13:00:00.000Z' }), true);
    assert.equal(compile(after).test({ currentTime: '2022-01-29T13:00:00.000Z' }), false);
    assert.equal(
      compile({ ...after, operator: 'DATE_BEFORE' }).test({ currentTime: '2022-01-28T13:00:00.000Z' }),
      true,
    );
    assert.equal(
      compile({ ...after, value: '2022-01-29T15:00:00.000+02:00' }).test({ currentTime: '2022-01-29T13:00:00.001Z' }),
      true,
    );
    assert.equal(compile(after).test({ currentTime: new Date('2022-02-01T00:00:00Z') }), true);
  });

  it('use the present when the context has no currentTime, and never hold for an unparseable one', () => {
    assert.equal(compile({ ...after, value: '2000-01-01T00:00:00Z' }).test({}), true);
    assert.equal(compile(after).test({ currentTime: 'garbage' }), false);
  });

  it('never hold with an invalid date, and report it', () => {
    const { test, problems } = compile({ ...after, value: 'next tuesday' });
    assert.equal(test({ currentTime: '2030-01-01T00:00:00Z' }), false);
    assert.deepEqual(
      problems.map((p) => p.code),
      ['invalid-date'],
    );
  });
});

describe('SEMVER_EQ, SEMVER_GT, SEMVER_GTE, SEMVER_LT, SEMVER_LTE', () => {
  it('compare by semantic version precedence', () => {
    assert.equal(holds({ operator: 'SEMVER_EQ', value: '1.2.2' }, '1.2.2'), true);
    assert.equal(holds({ operator: 'SEMVER_GT', value: '2.0.0-alpha.1' }, '2.0.0-beta.1'), true);
    assert.equal(holds({ operator: 'SEMVER_LT', value: '2.0.0-alpha.3' }, '2.0.0-alpha.4'), false);
    assert.equal(holds({ operator: 'SEMVER_GTE', value: '1.2.2' }, '1.2.1'), false);
    assert.equal(holds({ operator: 'SEMVER_LTE', value: '1.2.2' }, '1.2.2'), true);
    assert.equal(holds({ operator: 'SEMVER_GT', value: '2.0.0-rc' }, '2.0.0'), true);
  });

  it('refuse a context version with a leading v, but not a constraint value with one (as Unleash)', () => {
    assert.equal(holds({ operator: 'SEMVER_EQ', value: 'v2.0.0' }, 'v2.0.0'), false);
    assert.equal(holds({ operator: 'SEMVER_EQ', value: 'v2.0.0' }, '2.0.0'), true);
    assert.equal(holds({ operator: 'SEMVER_EQ', value: '2.0.0' }, 'not a semver'), false);
  });

  it('never hold with an invalid version, and report it', () => {
    const { problems } = compile({ contextName: 'f', operator: 'SEMVER_EQ', value: '1.2' });
    assert.deepEqual(
      problems.map((p) => p.code),
      ['invalid-semver'],
    );
    assert.equal(holds({ operator: 'SEMVER_EQ' }, '1.2.2'), false);
  });
});

describe('REGEX', () => {
  it('finds RE2 patterns anywhere in the value, case-sensitively unless asked', () => {
    assert.equal(holds({ operator: 'REGEX', value: '^cat$' }, 'cat'), true);
    assert.equal(holds({ operator: 'REGEX', value: '^cat$' }, 'Cat'), false);
    assert.equal(holds({ operator: 'REGEX', value: '^abc$', caseInsensitive: true }, 'AbC'), true);
    assert.equal(holds({ operator: 'REGEX', value: '^(?i)abc$' }, 'AbC'), true);
    assert.equal(holds({ operator: 'REGEX', value: '^[[:alpha:]]+$' }, 'Alpha1'), false);
    assert.equal(holds({ operator: 'REGEX', value: '\\bcat\\b' }, 'a cat b'), true);
    assert.equal(holds({ operator: 'REGEX', value: '(?m)^foo$' }, 'x\nfoo\ny'), true);
    assert.equal(holds({ operator: 'REGEX', value: '.*' }, undefined), false);
  });

  it('refuse lookaround, backreferences and broken patterns: reported, never matching', () => {
    for (const value of ['(regex', '^(?=a)b$', '^(a)\\1$', 'a{1001}']) {
      const { test, problems } = compile({ contextName: 'f', operator: 'REGEX', value });
      assert.equal(test({ properties: { f: 'aa' } }), false, value);
      assert.deepEqual(
        problems.map((p) => p.code),
        ['invalid-regex'],
        value,
      );
    }
  });

  it('match in linear time: a pattern that backtracks catastrophically elsewhere answers at once', () => {
    const start = performance.now();
    assert.equal(holds({ operator: 'REGEX', value: '^(a+)+$' }, `${'a'.repeat(4000)}!`), false);
    assert.equal(holds({ operator: 'REGEX', value: '(((a*)*)*)*b' }, 'a'.repeat(4000)), false);
    // A backtracking engine would not finish these in a lifetime: the bound only has to be finite.
    assert.ok(performance.now() - start < 10_000, 'took too long');
  });

  it('refuse patterns too long or too costly to run at every evaluation', () => {
    assert.match(String(compileRegex('a'.repeat(3000), false)), /longer than 2048/);
    assert.match(String(compileRegex('.{1000}'.repeat(10), false)), /RE2 instructions/);
    assert.equal(typeof compileRegex('^[^@]+@[^@]+$', false), 'object');
  });
});

describe('IN_CIDR', () => {
  it('matches addresses inside any listed range or equal to a listed address, IPv4 and IPv6', () => {
    assert.equal(holds({ operator: 'IN_CIDR', values: ['160.33.0.0/16'] }, '160.33.0.33'), true);
    assert.equal(holds({ operator: 'IN_CIDR', values: ['160.33.0.0/16'] }, '160.34.0.1'), false);
    assert.equal(holds({ operator: 'IN_CIDR', values: ['127.0.0.1'] }, '127.0.0.1'), true);
    assert.equal(holds({ operator: 'IN_CIDR', values: ['2001:db8::/32'] }, '2001:db8:0:1::42'), true);
    assert.equal(holds({ operator: 'IN_CIDR', values: ['2001:db8::1'] }, '2001:DB8:0::1'), true);
    assert.equal(
      holds({ operator: 'IN_CIDR', values: ['10.0.0.0/8'] }, '::ffff:10.1.2.3'),
      false,
      'families do not mix',
    );
    assert.equal(holds({ operator: 'IN_CIDR', values: ['10.0.0.0/8'] }, 'not an address'), false);
  });

  it('ignores invalid entries, reporting each', () => {
    const { test, problems } = compile({
      contextName: 'remoteAddress',
      operator: 'IN_CIDR',
      values: ['127.invalid', '192.168.1.0/24'],
    });
    assert.equal(test({ remoteAddress: '192.168.1.42' }), true);
    assert.deepEqual(
      problems.map((p) => [p.path, p.code]),
      [['c.values[0]', 'invalid-cidr']],
    );
  });
});

describe('every operator', () => {
  it('is inverted by inverted, invalid values included (as Unleash)', () => {
    assert.equal(holds({ operator: 'IN', values: ['s1', 's2'], inverted: true }, 's1'), false);
    assert.equal(holds({ operator: 'NOT_IN', values: ['s1', 's2'], inverted: true }, 's1'), true);
    assert.equal(holds({ operator: 'STR_CONTAINS', values: ['email'], inverted: true }, 'test@another.com'), true);
    assert.equal(holds({ operator: 'NUM_EQ', value: 'twelve', inverted: true }, '12'), true);
  });

  it('but an unknown operator never matches, inverted or not, and is reported', () => {
    for (const inverted of [false, true]) {
      const { test, problems } = compile({ contextName: 'f', operator: 'NOT_A_VALID_OPERATOR', value: 'x', inverted });
      assert.equal(test({ properties: { f: 'x' } }), false);
      assert.deepEqual(
        problems.map((p) => [p.path, p.code]),
        [['c.operator', 'unknown-operator']],
      );
    }
  });
});

describe('context fields', () => {
  it('read top-level fields, falling back to the property of the same name', () => {
    const env = compile({ contextName: 'environment', operator: 'IN', values: ['prod'] }).test;
    assert.equal(env({ environment: 'prod' }), true);
    assert.equal(env({ properties: { environment: 'prod' } }), true);
    assert.equal(env({ environment: 'dev', properties: { environment: 'prod' } }), false);
  });

  it('never reach Object.prototype through a field name', () => {
    const ctor = compile({ contextName: 'constructor', operator: 'STR_CONTAINS', values: ['function'] }).test;
    assert.equal(ctor({ properties: {} }), false);
    assert.equal(ctor({ properties: { constructor: 'function' } }), true);
    assert.equal(holds({ operator: 'IN', values: ['x'] }, undefined), false);
  });
});

describe('allOf', () => {
  it('holds when every predicate holds, and is undefined for none', () => {
    const yes = () => true;
    const no = () => false;
    assert.equal(allOf([]), undefined);
    assert.equal(allOf([yes])?.({}), true);
    assert.equal(allOf([yes, no])?.({}), false);
    assert.equal(allOf([yes, yes, yes])?.({}), true);
    assert.equal(allOf([yes, yes, no])?.({}), false);
  });
});
