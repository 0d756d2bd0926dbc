import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import murmurhash from 'murmurhash';
import { normalizedStrategyValue, normalizedVariantValue } from 'unleash-client/lib/strategy/util.js';
import { createRng, intBetween, pick } from '../platform/prng.ts';
import { createBucketer, normalizedValue, STRATEGY_SEED, VARIANT_SEED } from './bucket.ts';

describe('normalizedValue', () => {
  it("puts the spec's users where the spec expects them in group AB12A", () => {
    assert.equal(normalizedValue('122', 'AB12A'), 23);
    assert.ok(normalizedValue('155', 'AB12A') > 50);
  });

  it("gives the values Unleash's SDKs test against each other", () => {
    // The Java SDK's "normalized values are the same across node, java and go clients".
    assert.equal(normalizedValue('123', 'gr1'), 73);
    assert.equal(normalizedValue('999', 'groupX'), 25);
  });

  it("matches unleash-client's rollout and variant buckets for ASCII identifiers in both hashings", () => {
    const rng = createRng(7);
    for (let i = 0; i < 3000; i++) {
      const id = `${pick(rng, ['user-', 'u', '', 'session:'])}${intBetween(rng, 0, 1_000_000)}`;
      const group = pick(rng, ['AB12A', 'Feature.A', 'checkout', '']);
      const weight = intBetween(rng, 1, 1000);
      for (const encoding of ['utf8', 'node-sdk'] as const) {
        assert.equal(normalizedValue(id, group, 100, STRATEGY_SEED, encoding), normalizedStrategyValue(id, group));
        assert.equal(
          normalizedValue(id, group, weight, VARIANT_SEED, encoding),
          normalizedVariantValue(id, group, weight),
        );
      }
    }
  });

  it('buckets non-ASCII identifiers by their UTF-8 bytes by default, by UTF-16 low bytes in node-sdk mode', () => {
    // utf8: murmur3 over UTF-8, as Unleash's Rust engine (Yggdrasil); node-sdk: as unleash-client.
    const cases: [string, string, number, number][] = [
      ['Jürgen', 'checkout', 87, 28],
      ['😊', 'checkout', 76, 63],
      ['用户42', 'new-nav', 99, 47],
      ['alice', 'new-nav', 85, 85],
    ];
    for (const [id, group, utf8, nodeSdk] of cases) {
      assert.equal(normalizedValue(id, group), utf8, id);
      assert.equal(normalizedValue(id, group), (murmurhash.v3(`${group}:${id}`, 0) % 100) + 1, id);
      assert.equal(normalizedValue(id, group, 100, 0, 'node-sdk'), nodeSdk, id);
      assert.equal(normalizedValue(id, group, 100, 0, 'node-sdk'), normalizedStrategyValue(id, group), id);
    }
  });

  it('stays within 1..normalizer and spreads evenly', () => {
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const v = normalizedValue(String(i), 'spread', 10);
      assert.ok(v >= 1 && v <= 10);
      counts[v - 1] = (counts[v - 1] as number) + 1;
    }
    for (const c of counts) assert.ok(c > 9_500 && c < 10_500, String(counts));
  });
});

describe('createBucketer', () => {
  it('gives the same bucket as normalizedValue, hashing its group once', () => {
    const rng = createRng(8);
    const bucket = createBucketer('grüppe-😊', 1000, VARIANT_SEED, 'utf8');
    for (let i = 0; i < 1000; i++) {
      const id = pick(rng, ['a', 'é', '😊', '']) + String(intBetween(rng, 0, 99999));
      assert.equal(bucket(id), normalizedValue(id, 'grüppe-😊', 1000, VARIANT_SEED, 'utf8'));
    }
  });
});
