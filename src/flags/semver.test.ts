import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareSemver, parseSemver } from './semver.ts';

const parsed = (text: string) => {
  const v = parseSemver(text);
  assert.ok(v, `${text} should parse`);
  return v;
};
const cmp = (a: string, b: string) => Math.sign(compareSemver(parsed(a), parsed(b)));

describe('parseSemver', () => {
  it('reads major, minor, patch and numeric or textual prerelease identifiers', () => {
    assert.deepEqual(parseSemver('1.2.3'), { major: 1, minor: 2, patch: 3, prerelease: [] });
    assert.deepEqual(parseSemver('2.0.0-alpha.1'), { major: 2, minor: 0, patch: 0, prerelease: ['alpha', 1] });
    assert.deepEqual(parseSemver('1.0.0-0.3.7+build.5'), { major: 1, minor: 0, patch: 0, prerelease: [0, 3, 7] });
  });

  it('accepts what the semver package accepts: surrounding whitespace and a leading v', () => {
    assert.deepEqual(parseSemver(' 1.2.2 '), parseSemver('1.2.2'));
    assert.deepEqual(parseSemver('v2.0.0'), parseSemver('2.0.0'));
  });

  it('refuses what is not a semantic version', () => {
    for (const text of [
      '1.2',
      '1.2.3.4',
      '01.2.3',
      '1.02.3',
      '1.2.3-',
      '1.2.3-01',
      '1.2.3+',
      'not a semver',
      '',
      '=1.2.3',
      'V1.2.3',
      '1.2.3-a..b',
      `1.2.3-${'a'.repeat(300)}`,
      '99999999999999999999.0.0',
    ]) {
      assert.equal(parseSemver(text), undefined, JSON.stringify(text));
    }
  });

  it('keeps a numeric prerelease identifier too large to be exact as text', () => {
    assert.deepEqual(parseSemver('1.0.0-99999999999999999999')?.prerelease, ['99999999999999999999']);
  });
});

describe('compareSemver', () => {
  it('orders by major, minor, then patch, numerically', () => {
    assert.equal(cmp('1.2.2', '1.2.2'), 0);
    assert.equal(cmp('1.2.3', '1.2.2'), 1);
    assert.equal(cmp('1.10.0', '1.9.9'), 1);
    assert.equal(cmp('1.9.9', '2.0.0'), -1);
  });

  it('sorts a prerelease before its release, and ignores build metadata', () => {
    assert.equal(cmp('2.0.0-rc', '2.0.0'), -1);
    assert.equal(cmp('2.0.0', '2.0.0-alpha'), 1);
    assert.equal(cmp('2.0.0+build.1', '2.0.0+build.2'), 0);
  });

  it('follows semver.org precedence among prereleases', () => {
    const ordered = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
    ];
    for (let i = 0; i + 1 < ordered.length; i++)
      assert.equal(cmp(ordered[i] as string, ordered[i + 1] as string), -1, `${ordered[i]} < ${ordered[i + 1]}`);
    assert.equal(cmp('2.0.0-1', '2.0.0-alpha'), -1, 'numeric identifiers sort before textual ones');
    assert.equal(cmp('2.0.0-alpha.10', '2.0.0-alpha.9'), 1, 'numeric identifiers compare as numbers');
  });
});
