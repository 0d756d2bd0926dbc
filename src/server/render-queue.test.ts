import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Hono } from 'hono';
import type { AppEnv } from '../platform/http/app.ts';
import { silentLogger } from '../platform/log.ts';
import { renderAdmission, renderQueue, type SharedRenders } from './render-queue.ts';

/**
 * The render queue with a render another request has in flight: the sharer waits for it
 * without a slot and is answered from the cache it filled; an answer that was not kept
 * sends the sharer to the queue for a slot of its own.
 */
function app(shared: SharedRenders) {
  const admission = renderAdmission({ active: 1, queued: 10, maxWaitMs: 60_000 });
  const slotsSeen: number[] = [];
  const hono = new Hono<AppEnv>();
  hono.use(
    renderQueue(admission, {
      unqueued: new Set(),
      busyPage: () => 'busy',
      logger: silentLogger(),
      shared,
    }),
  );
  hono.get('*', (c) => {
    slotsSeen.push(admission.load.running);
    return c.text('page');
  });
  return { hono, admission, slotsSeen };
}

function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('render queue sharing', () => {
  it('a request for a page in flight waits for it holding nothing, then is answered from the cache without a slot', async () => {
    const flight = gate();
    let cached = false;
    const asked: string[] = [];
    const { hono, admission, slotsSeen } = app({
      inFlight: (path, search) => {
        asked.push(`${path}${search}`);
        return cached ? undefined : flight.opened;
      },
      cached: () => cached,
    });
    const answer = hono.request('/search/?q=checkout');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(admission.load, { running: 0, waiting: 0, sharing: 1 });
    cached = true;
    flight.open();
    assert.equal((await answer).status, 200);
    assert.deepEqual(slotsSeen, [0], 'the handler ran without a render slot');
    assert.deepEqual(asked, ['/search/?q=checkout']);
  });

  it('when the shared answer was not kept (a 404, a failed render), the request queues for a slot of its own', async () => {
    const flight = gate();
    const { hono, admission, slotsSeen } = app({ inFlight: () => flight.opened, cached: () => false });
    const answer = hono.request('/catalog/default/component/nope/');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(admission.load.sharing, 1);
    flight.open();
    assert.equal((await answer).status, 200);
    assert.deepEqual(slotsSeen, [1], 'the handler ran under a render slot');
    assert.deepEqual(admission.load, { running: 0, waiting: 0, sharing: 0 });
  });

  it('with nothing in flight a request takes a slot as before', async () => {
    const { hono, slotsSeen } = app({ inFlight: () => undefined, cached: () => false });
    assert.equal((await hono.request('/')).status, 200);
    assert.deepEqual(slotsSeen, [1]);
  });
});
