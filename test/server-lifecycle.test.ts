// own-process: it checks that nothing of the server is left on the whole event loop, where
// other files' leftovers would be too (scripts/test.js).
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHook } from 'node:async_hooks';
import { get } from 'node:http';
import { test } from 'node:test';
import { silentLogger } from '../src/platform/log.ts';
import { createServer } from '../src/server.ts';
import { loadAssets } from '../src/portal/assets.ts';
import { component, group, location, tempCatalog } from './support/catalog.ts';
import { createTestDatabase } from './support/databases.ts';

/**
 * What keeps work on the event loop: timers (also unref'd ones, which
 * process.getActiveResourcesInfo() leaves out), file watchers, sockets and threads.
 */
const LASTING = new Set(['Timeout', 'FSEVENTWRAP', 'STATWATCHER', 'TCPSERVERWRAP', 'TCPWRAP', 'PIPEWRAP', 'WORKER']);

/** Notes every lasting resource created from now on, until it is destroyed. */
function trackResources() {
  const live = new Map<number, string>();
  let tracking = true;
  const hook = createHook({
    init(id, type) {
      if (tracking && LASTING.has(type)) live.set(id, type);
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  return {
    live: () => [...live.values()].sort(),
    /**
     * Stops noting new resources (waiting makes timers too) and gives the noted ones a
     * moment to go: handles report their end from their close callbacks, and the timer
     * Node's HTTP module keeps for the Date header of responses ends by itself within a
     * second. What the server left running (an interval, a watcher) stays.
     */
    async settled() {
      tracking = false;
      for (let i = 0; i < 30 && live.size > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    },
    disable: () => void hook.disable(),
  };
}

/** A GET on its own connection (no agent keeping it alive), so the client leaves nothing behind either. */
function fetchStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

test('after stop() nothing of the server is left on the event loop: timers, watchers, sockets', async (t) => {
  const db = await createTestDatabase('sqlite');
  const catalog = tempCatalog({
    'catalog-info.yaml': location(['./team.yaml', './svc.yaml']),
    'team.yaml': group('team-a'),
    'svc.yaml': component('checkout', { owner: 'team-a' }),
  });
  t.after(async () => {
    await db.drop();
    catalog.cleanup();
  });
  const database = await db.open();
  const assets = await loadAssets();
  const handlesBefore = process.getActiveResourcesInfo().sort();
  const resources = trackResources();
  t.after(resources.disable);

  const server = createServer({
    database,
    logger: silentLogger(),
    catalog: catalog.dir,
    defaultMetrics: false,
    assets,
  });
  const { port } = await server.start({ host: '127.0.0.1', port: 0 });
  assert.notEqual(port, 0);
  assert.equal(await fetchStatus(port, '/readyz'), 200, 'ready once start() has resolved');
  assert.equal(await fetchStatus(port, '/api/v1/entities/component/default/checkout'), 200);
  // The watcher is set up by a background task after start(): wait for it (bounded), not for luck.
  for (let i = 0; i < 200 && !resources.live().includes('FSEVENTWRAP'); i++) await sleep(25);
  const running = resources.live();
  for (const kind of ['Timeout', 'FSEVENTWRAP', 'TCPSERVERWRAP'])
    assert.ok(running.includes(kind), `the running server has a ${kind} (${running.join(', ')})`);

  await server.stop();
  await database.close();
  await resources.settled();
  assert.deepEqual(resources.live(), [], 'every timer, watcher and socket the server made is gone');
  assert.deepEqual(process.getActiveResourcesInfo().sort(), handlesBefore);
});

test('stop() after a start that could not listen leaves nothing either, and the error says why', async (t) => {
  const db = await createTestDatabase('sqlite');
  const catalog = tempCatalog({ 'catalog-info.yaml': component('checkout') });
  t.after(async () => {
    await db.drop();
    catalog.cleanup();
  });
  const database = await db.open();
  const assets = await loadAssets();
  const first = createServer({ database, logger: silentLogger(), catalog: catalog.dir, defaultMetrics: false, assets });
  const { port } = await first.start({ host: '127.0.0.1', port: 0 });
  const resources = trackResources();
  t.after(resources.disable);

  const second = createServer({
    database,
    logger: silentLogger(),
    catalog: catalog.dir,
    defaultMetrics: false,
    assets,
  });
  await assert.rejects(second.start({ host: '127.0.0.1', port }), { code: 'listen-failed' });
  await second.stop();
  await resources.settled();
  assert.deepEqual(resources.live(), []);
  await first.stop();
  await database.close();
});
