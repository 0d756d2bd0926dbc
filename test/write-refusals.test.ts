import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { component, location, tempCatalog, type TempCatalog } from './support/catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { useTestServer } from './support/test-server.ts';

/**
 * Refusing writes at capacity, cheaply, and never writing for a client that has gone: a
 * refusal costs no token lookup and no body, and a write whose client disconnects while it
 * waits for a slot is dropped from the queue.
 */

/** Write slots a server has (ChangeService's default). */
const SLOTS = 8;

describeEachDatabase('write refusals', (dialect) => {
  let catalog: TempCatalog;
  let token = '';
  before(() => {
    catalog = tempCatalog({
      'catalog-info.yaml': location(['./checkout.yaml']),
      'checkout.yaml': component('checkout', { owner: 'payments' }),
    });
  });
  after(() => catalog.cleanup());
  const fixture = useTestServer(dialect, () => ({ catalog: catalog.dir, listen: true, writesMaxLoopDelayMs: false }));
  before(async () => {
    token = (await fixture.server.tokens.create('ci-refusals', ['deployments:write'], null)).token;
  });

  const deployment = (version: string) =>
    JSON.stringify({
      service: 'checkout',
      environment: 'production',
      version,
      status: 'succeeded',
      startedAt: '2026-05-30T10:00:00Z',
      finishedAt: '2026-05-30T10:05:00Z',
    });

  /** Holds every write slot until `release` is called, as writes hung on the database would. */
  function holdSlots() {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const held = Array.from({ length: SLOTS }, () => fixture.server.changes.writes.run(() => released));
    return {
      release: async () => {
        release();
        await Promise.all(held);
      },
    };
  }

  /** Polls `condition` every 10 ms for up to `ms`: for what a server does on a socket event, which the test cannot await. */
  async function eventually(condition: () => boolean, ms = 5000): Promise<boolean> {
    const until = performance.now() + ms;
    while (!condition() && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
    return condition();
  }

  test('at capacity a write is refused (429, Retry-After) before its token is looked up or its body read', async (t) => {
    const writes = fixture.server.changes.writes;
    const slots = holdSlots();
    t.after(() => slots.release());
    // Fill the queue too: the next write is refused.
    const queued = Array.from({ length: 256 }, () => writes.run(async () => undefined));
    t.after(() => Promise.allSettled(queued));
    const store = fixture.server.tokens.store;
    const find = store.find.bind(store);
    let lookups = 0;
    store.find = (id) => {
      lookups++;
      return find(id);
    };
    t.after(() => {
      store.find = find;
    });
    for (const authorization of [`Bearer ${token}`, undefined]) {
      const res = await fixture.server.app.request('/api/v1/deployments', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: deployment('refused'),
      });
      assert.equal(res.status, 429, authorization ? 'with a token' : 'without one: refused before it is asked for');
      assert.equal(res.headers.get('retry-after'), '1');
      assert.equal(((await res.json()) as { code: string }).code, 'overloaded');
    }
    assert.equal(lookups, 0, 'no token was looked up for a refusal');
  });

  test('a queued write whose client disconnects is dropped from the queue and never committed', async (t) => {
    const writes = fixture.server.changes.writes;
    const before = await fixture.server.changes.store.count();
    const slots = holdSlots();
    t.after(() => slots.release());
    const { hostname, port } = new URL(fixture.url);
    const body = deployment('client-gone');
    const req = request({
      host: hostname,
      port,
      path: '/api/v1/deployments',
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        authorization: `Bearer ${token}`,
      },
    });
    req.on('error', () => undefined);
    req.end(body);
    assert.ok(await eventually(() => writes.load.waiting === 1), 'the write waits for a slot');
    // The client gives up (its timeout, a cancelled CI job): the connection closes.
    req.destroy();
    const dropped = await eventually(() => writes.load.waiting === 0);
    await slots.release();
    // Whatever was still queued has run (and committed) once every slot is free again.
    assert.ok(await eventually(() => writes.load.running === 0 && writes.load.waiting === 0));
    assert.equal(await fixture.server.changes.store.count(), before, 'nothing was written for a client that left');
    assert.ok(dropped, 'the write left the queue when its client went away');
  });
});
