import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import murmurhash from 'murmurhash';
import { normalizedVariantValue } from 'unleash-client/lib/strategy/util.js';
import { createRng, intBetween, pick, type Rng } from '../platform/prng.ts';
import { murmurHash3, murmurPrefix, murmurResume } from './murmur3.ts';

/** A random string mixing ASCII, 2-, 3- and 4-byte UTF-8 characters and, sometimes, lone surrogates. */
function randomString(rng: Rng, loneSurrogates: boolean): string {
  const pieces = [
    'a',
    'Z',
    '0',
    ':',
    ' ',
    'é',
    'ø',
    'Ω',
    'φ',
    '你',
    '好',
    '€',
    '😊',
    '🌍',
    '\u007f',
    '\u0080',
    '\u07ff',
    '\u0800',
    '\uffff',
    '\u{10ffff}',
  ];
  if (loneSurrogates) pieces.push('\ud800', '\udfff', '\ud83d');
  return Array.from({ length: intBetween(rng, 0, 24) }, () => pick(rng, pieces)).join('');
}

describe('murmurHash3', () => {
  it('gives the reference x86_32 hashes of the published test vectors', () => {
    assert.equal(murmurHash3('', 0), 0);
    assert.equal(murmurHash3('', 1), 0x514e28b7);
    assert.equal(murmurHash3('', 0xffffffff), 0x81f16f39);
    assert.equal(murmurHash3('\0\0\0\0', 0), 0x2362f9de);
    assert.equal(murmurHash3('aaaa', 0x9747b28c), 0x5a97808a);
    assert.equal(murmurHash3('abc', 0), 0xb3dd93fa);
    assert.equal(murmurHash3('Hello, world!', 0x9747b28c), 0x24884cba);
    assert.equal(murmurHash3('The quick brown fox jumps over the lazy dog', 0x9747b28c), 0x2fa826cd);
  });

  it('hashes the UTF-8 bytes of non-ASCII text, as the C++ reference does on UTF-8 input', () => {
    assert.equal(murmurHash3('ππππππππ', 0x9747b28c), 0xd58063c1);
    assert.equal(murmurHash3('My 🚀 is full of 🦎.'), 1818098979);
    assert.equal(murmurHash3('吉 星 高 照'), 3435142074);
  });

  it('in node-sdk mode hashes the low byte of each UTF-16 code unit, as unleash-client (murmurhash3js) does', () => {
    assert.equal(murmurHash3('My 🚀 is full of 🦎.', 0, 'node-sdk'), 2899624186);
    assert.equal(murmurHash3('吉 星 高 照', 0, 'node-sdk'), 4163339522);
    assert.equal(murmurHash3('Hello, world!', 0x9747b28c, 'node-sdk'), 0x24884cba, 'ASCII hashes the same either way');
  });

  it('agrees with the murmurhash package (TextEncoder bytes) on 5,000 random strings, lone surrogates included', () => {
    const rng = createRng(1);
    for (let i = 0; i < 5000; i++) {
      const s = randomString(rng, true);
      const seed = pick(rng, [0, 1, 86028157, 0x9747b28c, 0xffffffff]);
      assert.equal(murmurHash3(s, seed, 'utf8'), murmurhash.v3(s, seed), JSON.stringify(s));
    }
  });

  it("in node-sdk mode agrees with unleash-client's own variant hash on 5,000 random strings", () => {
    const rng = createRng(2);
    for (let i = 0; i < 5000; i++) {
      const id = randomString(rng, true);
      const group = randomString(rng, false);
      // With a normalizer of 2^32 the SDK's bucket is the whole hash plus one.
      assert.equal(
        murmurHash3(`${group}:${id}`, 86028157, 'node-sdk') + 1,
        normalizedVariantValue(id, group, 2 ** 32),
        JSON.stringify([group, id]),
      );
    }
  });

  it('resumes a hashed prefix to the same hash as hashing the whole string', () => {
    const rng = createRng(3);
    for (let i = 0; i < 2000; i++) {
      const prefix = `${randomString(rng, false)}:`;
      const rest = randomString(rng, true);
      for (const encoding of ['utf8', 'node-sdk'] as const) {
        const state = murmurPrefix(prefix, 86028157, encoding);
        assert.equal(murmurResume(state, rest), murmurHash3(prefix + rest, 86028157, encoding));
        assert.equal(murmurResume(state, rest), murmurResume(state, rest), 'a prefix state is not consumed by use');
      }
    }
  });
});
