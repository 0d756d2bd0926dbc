import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  generateToken,
  hashSecret,
  isScope,
  parseLifetime,
  parseScopes,
  parseToken,
  refusalOf,
  SCOPES,
  secretMatches,
  TOKEN_NAME,
  tokenFromHeader,
} from './token.ts';

/** A `random` that hands out 0, 1, 2, … so a generated token is known in advance. */
const counting = () => {
  let next = 0;
  return (bytes: number) => Buffer.from(Array.from({ length: bytes }, () => next++ % 256));
};

const DAY = 86_400_000;

describe('token format', () => {
  test('a generated token reads atrium_<id>_<secret>, parses back to its id, and only the secret’s hash is kept', () => {
    const { token, id, secretHash } = generateToken(counting());
    assert.equal(id, 'abcdefghijkl', 'the first 12 bytes pick letters of the id alphabet');
    const secret = Buffer.from(Array.from({ length: 32 }, (_, i) => 12 + i)).toString('base64url');
    assert.equal(token, `atrium_${id}_${secret}`);
    assert.deepEqual(parseToken(token), { id, secret });
    assert.equal(secretHash, hashSecret(secret));
    assert.ok(!token.includes(secretHash));
  });

  test('ids wrap around the alphabet of 36, and real tokens differ every time', () => {
    const high = generateToken((bytes) => Buffer.alloc(bytes, 36 + 35));
    assert.equal(high.id, '999999999999');
    const a = generateToken();
    const b = generateToken();
    assert.notEqual(a.token, b.token);
    assert.notEqual(a.id, b.id);
    for (const { token } of [a, b]) assert.match(token, /^atrium_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
  });

  test('malformed, hostile and oversized text is no token', () => {
    const good = generateToken(counting()).token;
    for (const text of [
      '',
      'atrium_',
      'not-a-token',
      good.toUpperCase(),
      good.replace('atrium_', 'Atrium_'),
      good.replace('atrium_', 'other_'),
      `atrium_ABCDEFGHIJKL_${'A'.repeat(43)}`,
      `atrium_abcdefghijk_${'A'.repeat(43)}`,
      `atrium_abcdefghijklm_${'A'.repeat(43)}`,
      `atrium_abcdefghijkl_${'A'.repeat(42)}`,
      `atrium_abcdefghijkl_${'A'.repeat(44)}`,
      `atrium_abcdefghijkl_${'A'.repeat(42)}=`,
      `atrium_abcdefghijkl_${'A'.repeat(42)}+`,
      `atrium_abcdefghijkl_${'A'.repeat(42)}/`,
      ` ${good}`,
      `${good} `,
      `${good}\n`,
      `${good}\u0000`,
      `${good}\r\nX-Injected: 1`,
      good.replace('a', 'а'), // Cyrillic a
      `${good}${'A'.repeat(1_000_000)}`,
    ]) {
      assert.equal(parseToken(text), undefined, JSON.stringify(text.slice(0, 80)));
    }
  });
});

describe('secrets', () => {
  test('a secret is stored as its SHA-256 in hex', () => {
    assert.equal(hashSecret('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  test('only the secret whose hash is stored matches; a stored hash of another length or not hex matches nothing', () => {
    const stored = hashSecret('right');
    assert.equal(secretMatches('right', stored), true);
    assert.equal(secretMatches('wrong', stored), false);
    assert.equal(secretMatches('', stored), false);
    for (const broken of ['', stored.slice(0, 62), `${stored}00`, 'z'.repeat(64)]) {
      assert.equal(secretMatches('right', broken), false, broken);
    }
  });
});

describe('Authorization header', () => {
  test('a bearer token or a bare one (as Unleash SDKs send it); nothing when there is none', () => {
    for (const [header, token] of [
      [undefined, undefined],
      ['', undefined],
      ['   ', undefined],
      ['Bearer', undefined],
      ['bearer ', undefined],
      ['Bearer abc', 'abc'],
      ['BEARER abc', 'abc'],
      ['  Bearer   abc  ', 'abc'],
      ['abc', 'abc'],
      ['Basic dXNlcjpwYXNz', 'Basic dXNlcjpwYXNz'],
      ['Bearer a b', 'Bearer a b'],
    ] as const) {
      assert.equal(tokenFromHeader(header), token, JSON.stringify(header));
    }
  });
});

describe('scopes', () => {
  test('the declared scopes are scopes; names inherited from Object are not', () => {
    for (const scope of Object.keys(SCOPES)) assert.ok(isScope(scope), scope);
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'flags:admin', '']) {
      assert.equal(isScope(name), false, name);
    }
  });

  test('a list is trimmed, deduplicated in order, and must name at least one known scope', () => {
    assert.deepEqual(parseScopes('deployments:write'), ['deployments:write']);
    assert.deepEqual(parseScopes(' changes:write , deployments:write,changes:write '), [
      'changes:write',
      'deployments:write',
    ]);
    assert.throws(
      () => parseScopes('flags:read,nope'),
      /^Error: Unknown scope "nope": the scopes are deployments:write/,
    );
    assert.throws(() => parseScopes('nope,__proto__'), /Unknown scopes "nope", "__proto__"/);
    for (const empty of ['', ',', ' , ']) assert.throws(() => parseScopes(empty), /No scope given/);
  });
});

describe('lifetimes', () => {
  test('hours, days and weeks up to ten years, or never', () => {
    assert.equal(parseLifetime('never'), null);
    assert.equal(parseLifetime('1h'), 3_600_000);
    assert.equal(parseLifetime('12h'), 12 * 3_600_000);
    assert.equal(parseLifetime('90d'), 90 * DAY);
    assert.equal(parseLifetime('2w'), 14 * DAY);
    assert.equal(parseLifetime('3650d'), 3650 * DAY);
    assert.equal(parseLifetime('87600h'), 3650 * DAY);
    assert.equal(parseLifetime('521w'), 521 * 7 * DAY);
  });

  test('anything else is refused with a message that says what is allowed', () => {
    for (const text of [
      '',
      '0d',
      '0h',
      '-1d',
      '1.5d',
      '1m',
      '1s',
      '1D',
      ' 1d',
      '1d ',
      'd',
      '3651d',
      '522w',
      '87601h',
      '999999d',
      'Never',
      'forever',
      `${'9'.repeat(10_000)}d`,
    ]) {
      assert.throws(() => parseLifetime(text), /is not a lifetime: use a number of hours, days or weeks/, text);
    }
  });
});

describe('token names', () => {
  test('letters, digits, ".", "_" and "-", starting with a letter or digit, up to 64', () => {
    for (const name of ['ci-payments', 'a', '9', 'sdk.prod_2', 'x'.repeat(64)]) assert.ok(TOKEN_NAME.test(name), name);
    for (const name of ['', '-ci', '.ci', '_ci', 'x'.repeat(65), 'has space', 'a/b', 'ünï', 'a\nb', '<script>']) {
      assert.equal(TOKEN_NAME.test(name), false, name);
    }
  });
});

describe('what a stored token may do', () => {
  const now = new Date('2026-06-01T12:00:00Z');
  const token = (over: { scopes?: string[]; expiresAt?: string | null; revokedAt?: string | null } = {}) => ({
    scopes: ['deployments:write'],
    expiresAt: null,
    revokedAt: null,
    ...over,
  });

  test('a live token with the scope may; one without it may not', () => {
    assert.equal(refusalOf(token(), 'deployments:write', now), undefined);
    assert.equal(refusalOf(token({ scopes: [] }), 'deployments:write', now), 'scope');
    assert.equal(refusalOf(token(), 'flags:write', now), 'scope');
  });

  test('a token expires at its expiry time, not a millisecond later; one without expiry never does', () => {
    assert.equal(refusalOf(token({ expiresAt: '2026-06-01T12:00:00.001Z' }), 'deployments:write', now), undefined);
    assert.equal(refusalOf(token({ expiresAt: '2026-06-01T12:00:00.000Z' }), 'deployments:write', now), 'expired');
    assert.equal(refusalOf(token(), 'deployments:write', new Date('9999-12-31T23:59:59Z')), undefined);
  });

  test('revocation wins over expiry, and expiry over a missing scope', () => {
    const expired = '2026-01-01T00:00:00Z';
    assert.equal(
      refusalOf(token({ expiresAt: expired, revokedAt: '2026-02-01T00:00:00Z' }), 'flags:write', now),
      'revoked',
    );
    assert.equal(refusalOf(token({ expiresAt: expired }), 'flags:write', now), 'expired');
  });
});
