// The fault benchmark's verdict (bench/write-tally.ts): what clients were told against what
// the database holds. A miscount here would hide a lost or doubled write, so every outcome
// is checked on its own and together.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tallyWrites } from '../bench/write-tally.ts';

const stored = (entries: [string, number][]) => new Map(entries);

describe('tallyWrites', () => {
  it('every acknowledged write stored once: nothing lost, duplicated or unexpected', () => {
    assert.deepEqual(
      tallyWrites(
        ['a', 'b', 'c'],
        ['a', 'b', 'c'],
        stored([
          ['a', 1],
          ['b', 1],
          ['c', 1],
        ]),
      ),
      {
        sent: 3,
        acknowledged: 3,
        lost: 0,
        duplicated: 0,
        unexpected: 0,
        storedUnacknowledged: 0,
        examples: { lost: [], duplicated: [], unexpected: [] },
      },
    );
  });

  it('an acknowledged write that is absent is lost; a count of 0 is absent too', () => {
    const tally = tallyWrites(
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
      stored([
        ['b', 1],
        ['c', 0],
      ]),
    );
    assert.equal(tally.lost, 2);
    assert.deepEqual(tally.examples.lost, ['a', 'c']);
  });

  it('a write stored more than once is duplicated, once per key, whether it was acknowledged or not', () => {
    const tally = tallyWrites(
      ['a', 'b', 'c'],
      ['a'],
      stored([
        ['a', 3],
        ['b', 2],
        ['c', 1],
      ]),
    );
    assert.equal(tally.duplicated, 2);
    assert.deepEqual(tally.examples.duplicated, ['a', 'b']);
    assert.equal(tally.lost, 0);
  });

  it('a sent write that was never acknowledged may be stored (its answer was lost): counted, not lost', () => {
    const tally = tallyWrites(
      ['a', 'b', 'c'],
      ['a'],
      stored([
        ['a', 1],
        ['b', 1],
      ]),
    );
    assert.equal(tally.storedUnacknowledged, 1);
    assert.equal(tally.lost, 0);
    assert.equal(tally.acknowledged, 1);
  });

  it('a stored key no client sent is unexpected', () => {
    const tally = tallyWrites(
      ['a'],
      ['a'],
      stored([
        ['a', 1],
        ['z', 1],
      ]),
    );
    assert.equal(tally.unexpected, 1);
    assert.deepEqual(tally.examples.unexpected, ['z']);
  });

  it('a key acknowledged twice (a replay after a lost answer) is one acknowledged write', () => {
    const tally = tallyWrites(['a'], ['a', 'a'], stored([['a', 1]]));
    assert.equal(tally.acknowledged, 1);
    assert.equal(tally.duplicated, 0);
  });

  it('examples are capped at five, in the order the keys were sent', () => {
    const keys = Array.from({ length: 8 }, (_, i) => `k${i}`);
    const tally = tallyWrites(keys, keys, stored([]));
    assert.equal(tally.lost, 8);
    assert.deepEqual(tally.examples.lost, ['k0', 'k1', 'k2', 'k3', 'k4']);
  });
});
