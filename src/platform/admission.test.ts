import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Admission } from './admission.ts';
import { AtriumError } from './errors.ts';

function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('Admission', () => {
  it('runs up to the active limit at once and queues the next ones in order', async () => {
    const admission = new Admission({ active: 2, queued: 5 });
    const g = gate();
    const order: number[] = [];
    const runs = [1, 2, 3, 4].map((n) =>
      admission.run(async () => {
        if (n <= 2) await g.opened;
        order.push(n);
        return n;
      }),
    );
    await Promise.resolve();
    assert.deepEqual(admission.load, { running: 2, waiting: 2 });
    g.open();
    assert.deepEqual(await Promise.all(runs), [1, 2, 3, 4]);
    assert.deepEqual(order, [1, 2, 3, 4]);
    assert.deepEqual(admission.load, { running: 0, waiting: 0 });
  });

  it('refuses past the queue with a retryable 429 that says when to retry, and never runs the refused work', async () => {
    const admission = new Admission({ active: 1, queued: 1, retryAfterSeconds: 2 });
    const g = gate();
    const first = admission.run(() => g.opened);
    const second = admission.run(async () => 'queued');
    let ran = false;
    await assert.rejects(
      admission.run(async () => {
        ran = true;
      }),
      (err: unknown) =>
        err instanceof AtriumError &&
        err.status === 429 &&
        err.retryAfter === 2 &&
        err.code === 'overloaded' &&
        err.category === 'retryable',
    );
    assert.equal(ran, false);
    assert.equal(admission.refused, 1);
    g.open();
    await first;
    assert.equal(await second, 'queued');
  });

  it('refuses while the longest waiter has waited too long, however short the queue', async () => {
    let now = 0;
    const admission = new Admission({ active: 1, queued: 100, maxWaitMs: 500 }, () => now);
    const g = gate();
    const first = admission.run(() => g.opened);
    const waiting = admission.run(async () => 'waited');
    now = 400;
    const inTime = admission.run(async () => 'in time');
    now = 501;
    await assert.rejects(
      admission.run(async () => 'late'),
      { code: 'overloaded', status: 429 },
    );
    g.open();
    await first;
    assert.deepEqual([await waiting, await inTime], ['waited', 'in time']);
    // Once the queue has drained, new work is admitted again.
    assert.equal(await admission.run(async () => 'again'), 'again');
  });

  it('refuses at once while the event loop runs late, and admits again when it catches up', async () => {
    let delay = 0;
    const admission = new Admission(
      { active: 10, queued: 10, maxLoopDelayMs: 300 },
      () => 0,
      () => delay,
    );
    assert.equal(await admission.run(async () => 'ok'), 'ok');
    delay = 301;
    await assert.rejects(
      admission.run(async () => 'saturated'),
      (err: unknown) => err instanceof AtriumError && err.status === 429 && /saturated/.test(err.message),
    );
    delay = 120;
    assert.equal(await admission.run(async () => 'ok again'), 'ok again');
  });

  it('measures the real event loop: after a blocked second it refuses', async () => {
    const admission = new Admission({ active: 10, queued: 10, maxLoopDelayMs: 300 });
    assert.equal(await admission.run(async () => 'ok'), 'ok');
    // The histogram measures from its first tick on.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const until = performance.now() + 1000;
    while (performance.now() < until) {
      // a saturated process: nothing else runs
    }
    await new Promise((resolve) => setTimeout(resolve, 30));
    await assert.rejects(
      admission.run(async () => 'late'),
      { code: 'overloaded' },
    );
  });

  it('frees the slot when the work fails', async () => {
    const admission = new Admission({ active: 1, queued: 0 });
    await assert.rejects(
      admission.run(async () => Promise.reject(new Error('boom'))),
      /boom/,
    );
    assert.equal(await admission.run(async () => 'next'), 'next');
  });
});
