import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cachedBody, SingleFlightCache } from './cache.ts';

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}

/** A promise settled by the test, so no test depends on timing. */
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A loader that counts its calls and returns a fixed value. */
function counting<T>(value: T): { load: () => Promise<T>; calls: () => number } {
  let calls = 0;
  return {
    load: () => {
      calls++;
      return Promise.resolve(value);
    },
    calls: () => calls,
  };
}

describe('SingleFlightCache', () => {
  test('100 concurrent gets of one missing key run the loader once and all get its value', async () => {
    const cache = new SingleFlightCache<string>(10);
    const pending = deferred<string>();
    let calls = 0;
    const load = () => {
      calls++;
      return pending.promise;
    };
    const gets = Array.from({ length: 100 }, () => cache.get('service:checkout', load));
    pending.resolve('body');
    const values = await Promise.all(gets);
    assert.equal(calls, 1);
    assert.equal(cache.loads, 1);
    assert.ok(values.every((v) => v === 'body'));
    assert.equal(cache.size, 1);
  });

  test('serves a stored value without calling the loader again', async () => {
    const cache = new SingleFlightCache<number>(10);
    const loader = counting(42);
    assert.equal(await cache.get('k', loader.load), 42);
    assert.equal(await cache.get('k', loader.load), 42);
    assert.equal(loader.calls(), 1);
    assert.equal(cache.loads, 1);
  });

  test('a value whose key loading settled is kept under that key instead, unless a clear came first', async () => {
    const cache = new SingleFlightCache<string>(10);
    assert.equal(
      await cache.get(
        'page#slos',
        () => Promise.resolve('P'),
        () => 'page#',
      ),
      'P',
    );
    assert.equal(cache.peek('page#'), 'P');
    assert.equal(cache.peek('page#slos'), undefined, 'held once');
    assert.equal(
      await cache.get(
        'same#',
        () => Promise.resolve('S'),
        () => undefined,
      ),
      'S',
    );
    assert.equal(cache.peek('same#'), 'S', 'nothing settled: kept under the key asked');
    let release: () => void = () => undefined;
    const slow = cache.get(
      'other#x',
      () => new Promise<string>((r) => (release = () => r('O'))),
      () => 'other#',
    );
    cache.clear();
    release();
    assert.equal(await slow, 'O');
    assert.equal(cache.peek('other#'), undefined, 'loaded before the clear: kept under neither key');
    assert.equal(cache.peek('other#x'), undefined);
  });

  test('loads different keys independently', async () => {
    const cache = new SingleFlightCache<string>(10);
    assert.equal(await cache.get('a', () => Promise.resolve('A')), 'A');
    assert.equal(await cache.get('b', () => Promise.resolve('B')), 'B');
    assert.equal(cache.size, 2);
    assert.equal(cache.loads, 2);
  });

  test('evicts the least recently inserted entry when full', async () => {
    const cache = new SingleFlightCache<string>(2);
    await cache.get('a', () => Promise.resolve('A'));
    await cache.get('b', () => Promise.resolve('B'));
    await cache.get('c', () => Promise.resolve('C'));
    assert.equal(cache.size, 2);
    const a = counting('A2');
    assert.equal(await cache.get('a', a.load), 'A2', 'a was evicted and is loaded again');
    assert.equal(a.calls(), 1);
  });

  test('evicts the least recently used entry: a hit refreshes an entry', async () => {
    const cache = new SingleFlightCache<string>(2);
    await cache.get('a', () => Promise.resolve('A'));
    await cache.get('b', () => Promise.resolve('B'));
    await cache.get('a', () => Promise.resolve('unused')); // a is now the most recent
    await cache.get('c', () => Promise.resolve('C')); // evicts b
    const a = counting('A2');
    const b = counting('B2');
    assert.equal(await cache.get('a', a.load), 'A');
    assert.equal(a.calls(), 0);
    assert.equal(await cache.get('b', b.load), 'B2');
    assert.equal(b.calls(), 1);
  });

  test('never holds more than its maximum number of entries', async () => {
    const cache = new SingleFlightCache<number>(3);
    for (let i = 0; i < 20; i++) await cache.get(`k${i}`, () => Promise.resolve(i));
    assert.equal(cache.size, 3);
  });

  test('clear() drops every stored value', async () => {
    const cache = new SingleFlightCache<string>(10);
    await cache.get('a', () => Promise.resolve('A'));
    cache.clear();
    assert.equal(cache.size, 0);
    const a = counting('A2');
    assert.equal(await cache.get('a', a.load), 'A2');
    assert.equal(a.calls(), 1);
  });

  test('clear() during an in-flight load does not store the stale value, though its callers still get it', async () => {
    const cache = new SingleFlightCache<string>(10);
    const stale = deferred<string>();
    const before = cache.get('k', () => stale.promise);
    cache.clear();
    stale.resolve('stale');
    assert.equal(await before, 'stale');
    assert.equal(cache.size, 0);
    const fresh = counting('fresh');
    assert.equal(await cache.get('k', fresh.load), 'fresh');
    assert.equal(fresh.calls(), 1);
  });

  test('a get after clear() starts a new load instead of joining the stale one', async () => {
    const cache = new SingleFlightCache<string>(10);
    const stale = deferred<string>();
    const first = cache.get('k', () => stale.promise);
    cache.clear();
    const second = cache.get('k', () => Promise.resolve('fresh'));
    assert.equal(await second, 'fresh');
    stale.resolve('stale');
    assert.equal(await first, 'stale');
    assert.equal(await cache.get('k', () => Promise.resolve('unused')), 'fresh');
    assert.equal(cache.loads, 2);
  });

  test('a stale load settling after clear() does not break single flight for the newer load', async () => {
    const cache = new SingleFlightCache<string>(10);
    const stale = deferred<string>();
    const fresh = deferred<string>();
    const first = cache.get('k', () => stale.promise);
    cache.clear();
    const second = cache.get('k', () => fresh.promise);
    stale.resolve('stale');
    await first;
    let calls = 0;
    const third = cache.get('k', () => {
      calls++;
      return Promise.resolve('third');
    });
    fresh.resolve('fresh');
    assert.equal(await second, 'fresh');
    assert.equal(await third, 'fresh', 'the third get joins the newer in-flight load');
    assert.equal(calls, 0);
    assert.equal(cache.loads, 2);
  });

  test('a stale load failing after clear() does not break single flight for the newer load', async () => {
    const cache = new SingleFlightCache<string>(10);
    const stale = deferred<string>();
    const fresh = deferred<string>();
    const first = cache.get('k', () => stale.promise);
    cache.clear();
    const second = cache.get('k', () => fresh.promise);
    stale.reject(new Error('gone'));
    await assert.rejects(first, /gone/);
    const third = cache.get('k', () => Promise.resolve('third'));
    fresh.resolve('fresh');
    assert.equal(await second, 'fresh');
    assert.equal(await third, 'fresh');
    assert.equal(cache.loads, 2);
  });

  test('a rejected load reaches every waiting caller and is not cached', async () => {
    const cache = new SingleFlightCache<string>(10);
    const failing = deferred<string>();
    const gets = Array.from({ length: 5 }, () => cache.get('k', () => failing.promise));
    failing.reject(new Error('database down'));
    for (const get of gets) await assert.rejects(get, /database down/);
    assert.equal(cache.loads, 1);
    assert.equal(cache.size, 0);
  });

  test('the next get after a rejected load retries it', async () => {
    const cache = new SingleFlightCache<string>(10);
    await assert.rejects(
      cache.get('k', () => Promise.reject(new Error('flaky'))),
      /flaky/,
    );
    const retry = counting('ok');
    assert.equal(await cache.get('k', retry.load), 'ok');
    assert.equal(retry.calls(), 1);
    assert.equal(await cache.get('k', () => Promise.reject(new Error('not called'))), 'ok');
    assert.equal(cache.loads, 2);
  });

  test('a loader that throws synchronously rejects the get and is not cached', async () => {
    const cache = new SingleFlightCache<string>(10);
    await assert.rejects(
      cache.get('k', () => {
        throw new Error('sync');
      }),
      /sync/,
    );
    assert.equal(await cache.get('k', () => Promise.resolve('ok')), 'ok');
  });
});

describe('SingleFlightCache with a byte budget', () => {
  test('evicts the least recently used values until the total fits the budget', async () => {
    const cache = new SingleFlightCache<string>(100, { maxBytes: 10, sizeOf: (v) => v.length });
    await cache.get('a', async () => 'aaaa');
    await cache.get('b', async () => 'bbbb');
    assert.equal(cache.peek('a'), 'aaaa'); // a is now the most recent
    await cache.get('c', async () => 'cccc');
    assert.equal(cache.peek('b'), undefined);
    assert.equal(cache.peek('a'), 'aaaa');
    assert.equal(cache.sizeInBytes, 8);
  });

  test('a value larger than the whole budget is returned but not kept', async () => {
    const cache = new SingleFlightCache<string>(100, { maxBytes: 3, sizeOf: (v) => v.length });
    assert.equal(await cache.get('big', async () => 'too big'), 'too big');
    assert.equal(cache.peek('big'), undefined);
    assert.equal(cache.sizeInBytes, 0);
  });

  test('peek never loads', async () => {
    const cache = new SingleFlightCache<string>(10);
    assert.equal(cache.peek('x'), undefined);
    assert.equal(cache.loads, 0);
  });

  test('a value refused by keep is shared with everyone waiting for it but not stored', async () => {
    const cache = new SingleFlightCache<string>(10, undefined, { keep: (v) => v !== 'not found' });
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 5));
      return 'not found';
    };
    const all = await Promise.all([cache.get('x', load), cache.get('x', load), cache.get('x', load)]);
    assert.deepEqual(all, ['not found', 'not found', 'not found']);
    assert.equal(loads, 1);
    assert.equal(cache.peek('x'), undefined);
    await cache.get('x', load);
    assert.equal(loads, 2);
  });

  test('a value fresh refuses is loaded again, once for every waiting caller, with the stale value handed to the loader', async () => {
    let now = 0;
    const cache = new SingleFlightCache<{ v: string; until: number }>(10, undefined, { fresh: (x) => now < x.until });
    const first = await cache.get('x', async (stale) => {
      assert.equal(stale, undefined);
      return { v: 'one', until: 100 };
    });
    assert.equal(first.v, 'one');
    now = 99;
    assert.equal(cache.peek('x')?.v, 'one');
    now = 100;
    assert.equal(cache.peek('x'), undefined, 'a stale value is not a hit');
    const gate = deferred<void>();
    const seen: (string | undefined)[] = [];
    const load = async (stale: { v: string; until: number } | undefined) => {
      seen.push(stale?.v);
      await gate.promise;
      return { v: `after ${stale?.v}`, until: 200 };
    };
    const waiting = [cache.get('x', load), cache.get('x', load), cache.get('x', load)];
    gate.resolve();
    const all = await Promise.all(waiting);
    assert.deepEqual(
      all.map((x) => x.v),
      ['after one', 'after one', 'after one'],
    );
    assert.deepEqual(seen, ['one'], 'one load, given the stale value');
    assert.equal(cache.peek('x')?.v, 'after one');
  });
});

describe('cachedBody', () => {
  test('a small body owns exactly its bytes, not a slice of a shared slab the cache would keep alive', () => {
    const text = `{"name":"é${'x'.repeat(1500)}"}`;
    const bodies = [cachedBody(text), cachedBody(text)];
    for (const body of bodies) {
      assert.equal(body.toString(), text);
      assert.equal(body.buffer.byteLength, Buffer.byteLength(text));
    }
    assert.notEqual(bodies[0]?.buffer, bodies[1]?.buffer);
  });
});
