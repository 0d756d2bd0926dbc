import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Admission } from './admission.ts';
import { AtriumError } from './errors.ts';

function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Lets every promise settled so far run its reactions (setImmediate is not among the mocked timers). */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

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
    assert.deepEqual(admission.load, { running: 2, waiting: 2, sharing: 0 });
    g.open();
    assert.deepEqual(await Promise.all(runs), [1, 2, 3, 4]);
    assert.deepEqual(order, [1, 2, 3, 4]);
    assert.deepEqual(admission.load, { running: 0, waiting: 0, sharing: 0 });
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

  it('says what its refusal names: a render queue refuses with 503 and its own hint', async () => {
    const hint = 'Retry after the Retry-After seconds.';
    const admission = new Admission({
      active: 0,
      queued: 0,
      refusal: { status: 503, work: 'render', hint, clientGoneHint: 'Nothing was rendered.' },
    });
    await assert.rejects(
      admission.run(async () => undefined),
      (err: unknown) =>
        err instanceof AtriumError &&
        err.status === 503 &&
        err.retryAfter === 1 &&
        err.hint === hint &&
        /0 renders running, 0 waiting/.test(err.message),
    );
    const gone = new AbortController();
    gone.abort();
    await assert.rejects(
      admission.run(async () => undefined, gone.signal),
      (err: unknown) => err instanceof AtriumError && err.status === 499 && /render slot/.test(err.message),
    );
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

  it('refuses a waiter past its deadline when the slot frees, never runs it, and hands the slot to the next in time', async () => {
    let now = 0;
    const admission = new Admission({ active: 1, queued: 10, maxQueuedMs: 5000 }, () => now);
    const g = gate();
    const first = admission.run(() => g.opened);
    const ran: string[] = [];
    const late = admission.run(async () => void ran.push('late'));
    now = 3000;
    const inTime = admission.run(async () => void ran.push('in time'));
    // The first waiter has waited 7,000 ms, the second 4,000: only the first is past the deadline.
    now = 7000;
    const refused = assert.rejects(late, (err: unknown) => {
      assert.ok(err instanceof AtriumError);
      assert.deepEqual([err.status, err.code, err.retryAfter], [429, 'overloaded', 1]);
      assert.match(err.message, /waited 5 s/);
      return true;
    });
    g.open();
    await first;
    await refused;
    await inTime;
    assert.deepEqual(ran, ['in time']);
    assert.equal(admission.refused, 1);
    assert.deepEqual(admission.load, { running: 0, waiting: 0, sharing: 0 });
  });

  it('answers a waiter at its deadline even when no slot frees (writes in flight hang)', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const admission = new Admission({ active: 1, queued: 10, maxQueuedMs: 5000 }, () => 0);
    const g = gate();
    const hung = admission.run(() => g.opened);
    let ran = false;
    const waiting = admission.run(async () => {
      ran = true;
    });
    let settled = false;
    waiting.catch(() => undefined).finally(() => (settled = true));
    t.mock.timers.tick(4999);
    await turn();
    assert.equal(settled, false);
    t.mock.timers.tick(1);
    await turn();
    assert.equal(settled, true, 'answered at the deadline');
    await assert.rejects(waiting, { status: 429, code: 'overloaded' });
    assert.deepEqual(admission.load, { running: 1, waiting: 0, sharing: 0 });
    g.open();
    await hung;
    assert.equal(ran, false, 'a refused waiter never runs, not even when the slot frees later');
    assert.deepEqual(admission.load, { running: 0, waiting: 0, sharing: 0 });
  });

  it('drops a waiter whose client went away: it leaves the queue and never runs', async () => {
    const admission = new Admission({ active: 1, queued: 10 });
    const g = gate();
    const first = admission.run(() => g.opened);
    const client = new AbortController();
    let ran = false;
    const gone = admission.run(async () => {
      ran = true;
    }, client.signal);
    const next = admission.run(async () => 'next');
    assert.deepEqual(admission.load, { running: 1, waiting: 2, sharing: 0 });
    const refused = assert.rejects(gone, { code: 'client-gone', status: 499 });
    client.abort();
    await turn();
    assert.deepEqual(admission.load, { running: 1, waiting: 1, sharing: 0 });
    await refused;
    g.open();
    await first;
    assert.equal(await next, 'next');
    assert.equal(ran, false);
    // Already gone when it arrives: refused at once, holding nothing.
    await assert.rejects(
      admission.run(async () => 'never', AbortSignal.abort()),
      { code: 'client-gone' },
    );
    assert.deepEqual(admission.load, { running: 0, waiting: 0, sharing: 0 });
  });

  it('check() refuses as run() would, without taking a slot or a place in the queue', async () => {
    const admission = new Admission({ active: 1, queued: 1 });
    admission.check();
    const g = gate();
    const first = admission.run(() => g.opened);
    admission.check();
    const second = admission.run(async () => 'second');
    assert.throws(() => admission.check(), { status: 429, code: 'overloaded' });
    assert.deepEqual(admission.load, { running: 1, waiting: 1, sharing: 0 });
    g.open();
    await first;
    assert.equal(await second, 'second');
    admission.check();
  });

  it('share() waits for a flight holding no slot and no queue place: a full queue refuses distinct work, not the sharers', async () => {
    const admission = new Admission({ active: 1, queued: 0, maxQueuedMs: 5000 });
    const g = gate();
    const flight = admission.run(() => g.opened);
    const sharers = Array.from({ length: 50 }, () => admission.share(flight));
    assert.deepEqual(admission.load, { running: 1, waiting: 0, sharing: 50 });
    await assert.rejects(
      admission.run(async () => 'distinct'),
      { status: 429, code: 'overloaded' },
    );
    g.open();
    await Promise.all(sharers);
    assert.equal(admission.refused, 1, 'only the distinct work was refused');
    assert.deepEqual(admission.load, { running: 0, waiting: 0, sharing: 0 });
  });

  it('share() is bounded like a queued wait: refused at the deadline, and a failed flight resolves it all the same', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const admission = new Admission({ active: 1, queued: 10, maxQueuedMs: 1000, refusal: RENDER }, () => 0);
    const g = gate();
    const hung = admission.run(() => g.opened);
    let settled = false;
    const late = admission.share(hung);
    late.catch(() => undefined).finally(() => (settled = true));
    t.mock.timers.tick(999);
    await turn();
    assert.equal(settled, false);
    t.mock.timers.tick(1);
    await turn();
    await assert.rejects(late, { status: 503, code: 'overloaded', retryAfter: 1 });
    assert.deepEqual(admission.load, { running: 1, waiting: 0, sharing: 0 });
    g.open();
    await hung;
    await admission.share(Promise.reject(new Error('the render failed')));
    await assert.rejects(admission.share(hung, AbortSignal.abort()), { code: 'client-gone' });
  });
});

const RENDER = { status: 503, work: 'render', hint: 'retry', clientGoneHint: 'gone' } as const;
