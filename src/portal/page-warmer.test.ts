import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../platform/log.ts';
import { PageWarmer, type PageWarmerOptions, type QueueLoad } from './page-warmer.ts';

const IDLE: QueueLoad = { running: 0, waiting: 0, sharing: 0 };

/** A warmer over fakes: a queue whose load the test sets, a cache that grows by each page's size, and pauses the test releases. */
function fixture(
  targets: string[],
  options: Partial<PageWarmerOptions> & { pageBytes?: number; maxBytes?: number } = {},
) {
  const rendered: string[] = [];
  let load = IDLE;
  let used = 0;
  const pauses: (() => void)[] = [];
  const warmer = new PageWarmer({
    targets: async () => targets,
    render: async (path) => {
      rendered.push(path);
      used += options.pageBytes ?? 10;
    },
    queue: () => load,
    cache: { usedBytes: () => used, maxBytes: options.maxBytes ?? 1_000_000 },
    pause: () => new Promise<void>((resolve) => pauses.push(resolve)),
    yieldTurn: async () => undefined,
    logger: silentLogger(),
    ...options,
  });
  return {
    warmer,
    rendered,
    setLoad: (next: QueueLoad) => (load = next),
    /** Lets every paused run look at the queue again. */
    resume: () => {
      for (const resolve of pauses.splice(0)) resolve();
    },
    paused: () => pauses.length,
  };
}

/** Lets every promise settled so far run its reactions. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('PageWarmer', () => {
  it('renders the targets in order, most linked first, when nothing else is rendering', async () => {
    const f = fixture(['', 'catalog/', 'catalog/default/component/hub/']);
    assert.deepEqual(await f.warmer.warm(), { pages: 3, end: 'done' });
    assert.deepEqual(f.rendered, ['', 'catalog/', 'catalog/default/component/hub/']);
    assert.equal(f.warmer.warmed, 3);
  });

  it('gives way to live requests: renders nothing while any renders, waits or shares a render, and goes on when the queue is idle', async () => {
    const f = fixture(['a/', 'b/', 'c/']);
    for (const busy of [
      { running: 1, waiting: 0, sharing: 0 },
      { running: 0, waiting: 3, sharing: 0 },
      { running: 0, waiting: 0, sharing: 7 },
    ]) {
      f.setLoad(busy);
      const run = f.warmer.warm();
      await turn();
      assert.equal(f.paused(), 1, 'paused on a busy queue');
      f.resume();
      await turn();
      assert.deepEqual(f.rendered, [], `nothing rendered while ${JSON.stringify(busy)}`);
      f.setLoad(IDLE);
      f.resume();
      assert.deepEqual(await run, { pages: 3, end: 'done' });
      f.rendered.splice(0);
    }
  });

  it('waits for a pause in requests of any kind: nothing is warmed while they keep arriving, even if each is answered within its turn', async () => {
    let since = 0;
    const f = fixture(['a/', 'b/'], { sinceLastRequest: () => since, quietMs: 250 });
    const run = f.warmer.warm();
    for (const ms of [0, 100, 249]) {
      since = ms;
      await turn();
      assert.equal(f.paused(), 1, `paused ${ms} ms after a request`);
      f.resume();
    }
    await turn();
    assert.deepEqual(f.rendered, [], 'nothing rendered while requests kept arriving');
    since = 250;
    f.resume();
    assert.deepEqual(await run, { pages: 2, end: 'done' });
  });

  it('fills only its share of the page cache budget', async () => {
    const f = fixture(['a/', 'b/', 'c/', 'd/', 'e/'], { pageBytes: 30, maxBytes: 100, share: 0.75 });
    // 0, 30, 60 are under 75 bytes; at 90 it stops.
    assert.deepEqual(await f.warmer.warm(), { pages: 3, end: 'budget' });
    assert.deepEqual(f.rendered, ['a/', 'b/', 'c/']);
  });

  it('a newer sync supersedes a run in progress, which renders nothing more', async () => {
    const f = fixture(['a/', 'b/', 'c/']);
    f.setLoad({ running: 1, waiting: 0, sharing: 0 });
    const first = f.warmer.warm();
    await turn();
    const second = f.warmer.warm();
    await turn();
    f.setLoad(IDLE);
    f.resume();
    assert.deepEqual(await first, { pages: 0, end: 'superseded' });
    assert.deepEqual(await second, { pages: 3, end: 'done' });
    assert.deepEqual(f.rendered, ['a/', 'b/', 'c/']);
  });

  it('stop() ends the run in progress and resolves when it has ended; a page that fails is skipped, not counted', async () => {
    const f = fixture(['a/', 'b/']);
    f.setLoad({ running: 1, waiting: 0, sharing: 0 });
    const run = f.warmer.warm();
    await turn();
    const stopped = f.warmer.stop();
    f.resume();
    await stopped;
    assert.deepEqual(await run, { pages: 0, end: 'stopped' });
    assert.deepEqual(f.rendered, []);

    const failing = fixture(['a/', 'b/'], { render: async (path) => assert.notEqual(path, 'a/') });
    assert.deepEqual(await failing.warmer.warm(), { pages: 1, end: 'done' });
  });
});
