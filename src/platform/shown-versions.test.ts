import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ShownVersions } from './shown-versions.ts';

describe('ShownVersions', () => {
  test('a key moves with its own moves, not with another key’s', () => {
    let now = 0;
    const shown = new ShownVersions(() => now, 60_000);
    const a = shown.version('check:default/a');
    const moment = shown.moment();
    shown.moved('check:default/b');
    assert.equal(shown.version('check:default/a'), a);
    assert.notEqual(shown.moment(), moment, 'the moment moves with any move');
    shown.moved('check:default/a', 'component:default/svc');
    assert.notEqual(shown.version('check:default/a'), a);
    assert.notEqual(shown.version('component:default/svc'), shown.version('component:default/other'));
    now = 1; // the clock alone does not move the moment
    assert.equal(shown.moment(), shown.moment());
  });

  test('each known key refreshes once an interval, the keys at moments spread over it', () => {
    let now = 0;
    const shown = new ShownVersions(() => now, 60_000);
    const keys = Array.from({ length: 1000 }, (_, i) => `check:default/probe-${i}`);
    shown.setKeys(keys);
    const refreshedAt = new Map<string, number[]>();
    let last = new Map(keys.map((k) => [k, shown.version(k)]));
    for (now = 1000; now <= 120_000; now += 1000) {
      const current = new Map(keys.map((k) => [k, shown.version(k)]));
      for (const k of keys)
        if (current.get(k) !== last.get(k)) refreshedAt.set(k, [...(refreshedAt.get(k) ?? []), now]);
      last = current;
    }
    for (const k of keys) assert.equal(refreshedAt.get(k)?.length, 2, `${k}: once a minute over two minutes`);
    const seconds = new Set(keys.map((k) => (refreshedAt.get(k)?.[0] ?? 0) % 60_000));
    assert.ok(seconds.size >= 50, `refreshes fall in ${seconds.size} different seconds of the minute`);
  });

  test('a key not set (a path naming no known subject) refreshes at the interval’s start', () => {
    let now = 59_999;
    const shown = new ShownVersions(() => now, 60_000);
    const before = shown.version('check:default/unknown');
    now = 60_000;
    assert.notEqual(shown.version('check:default/unknown'), before);
  });
});
