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
    const runs = [1, 2, 3, 4].map((n) => admission.run(async () => {
      if (n <= 2) await g.opened;
      order.push(n);
      return n;
    }));
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
      (err: unknown) => err instanceof AtriumError && err.status === 429 && err.retryAfter === 2 && err.code === 'overloaded' && err.category === 'retryable',
    );
    assert.equal(ran, false);
    assert.equal(admission.refused, 1);
    g.open();
    await first;
    assert.equal(await second, 'queued');
  });

  it('frees the slot when the work fails', async () => {
    const admission = new Admission({ active: 1, queued: 0 });
    await assert.rejects(admission.run(async () => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(await admission.run(async () => 'next'), 'next');
  });
});
