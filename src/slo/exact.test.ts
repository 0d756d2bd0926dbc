import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { add, compare, div, exact, exactOf, formatExact, mul, sub, toNumber } from './exact.ts';

describe('exact', () => {
  it('reads decimal text and numbers through their decimal text', () => {
    assert.deepEqual(exact('99.9'), { num: 999n, den: 10n });
    assert.deepEqual(exact(99.9), { num: 999n, den: 10n });
    assert.deepEqual(exact('-0.50'), { num: -1n, den: 2n });
    assert.deepEqual(exact(' 3 '), { num: 3n, den: 1n });
    assert.deepEqual(exact(1e-7), { num: 1n, den: 10_000_000n });
    assert.deepEqual(exact(5n), { num: 5n, den: 1n });
    // Integers (counts) take a short way; the same fractions as through their text.
    for (const n of [0, 7, -42, 9_007_199_254_740_991]) assert.deepEqual(exact(n), exact(String(n)), String(n));
    assert.deepEqual(exact(2 ** 60), exact('1152921504606847000'), 'past safe integers: through its shortest text');
  });

  it('refuses what is not a plain decimal', () => {
    for (const bad of ['', '1e3', '0x10', '1.', '.5', '99.9%', 'NaN', '1'.repeat(31), `0.${'1'.repeat(31)}`]) {
      assert.equal(exact(bad), undefined, bad);
    }
    assert.equal(exact(Number.NaN), undefined);
    assert.equal(exact(Number.POSITIVE_INFINITY), undefined);
    assert.throws(() => exactOf('abc'), /Not a decimal number: abc/);
  });

  it('computes error budgets and thresholds without float noise', () => {
    const budget = sub(exactOf(1), div(exactOf('99.9'), exactOf(100)));
    assert.equal(formatExact(budget), '0.001');
    assert.equal(formatExact(mul(exactOf('14.4'), budget)), '0.0144');
    // The float way gives 0.014400000000000045; the exact way cannot.
    assert.notEqual(String(14.4 * (1 - 0.999)), '0.0144');
    assert.equal(formatExact(mul(exactOf(6), sub(exactOf(1), exactOf('0.9995')))), '0.003');
  });

  it('rounds what does not terminate, half away from zero, without trailing zeros', () => {
    const third = div(mul(exactOf('0.1'), exactOf(672)), exactOf(72));
    assert.equal(formatExact(third), '0.933333333333');
    assert.equal(formatExact(div(exactOf(2), exactOf(3)), 3), '0.667');
    assert.equal(formatExact(div(exactOf(-2), exactOf(3)), 3), '-0.667');
    assert.equal(formatExact(exactOf('-0.0000001'), 3), '0');
    assert.equal(formatExact(exactOf('12.500')), '12.5');
    assert.equal(formatExact(exactOf(0)), '0');
  });

  it('adds, compares and converts', () => {
    assert.deepEqual(add(exactOf('0.1'), exactOf('0.2')), exactOf('0.3'));
    assert.equal(compare(exactOf('99.9'), exactOf('99.95')), -1);
    assert.equal(compare(exactOf('1.0'), exactOf(1)), 0);
    assert.equal(compare(exactOf(2), exactOf('1.99')), 1);
    assert.equal(toNumber(exactOf('0.25')), 0.25);
    assert.throws(() => div(exactOf(1), exactOf(0)), RangeError);
  });
});
