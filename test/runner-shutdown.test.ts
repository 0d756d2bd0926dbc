import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../src/platform/log.ts';
import { loadAssets } from '../src/portal/assets.ts';
import { createServer } from '../src/server.ts';
import { openTestDatabase } from './support/databases.ts';

/** A server that stops answers the runners' long polls at once (none), instead of waiting for each to run out. */

const FIXTURE = fileURLToPath(new URL('./fixtures/notifications/', import.meta.url));

test('stop() ends a waiting lease request with no work, long before its long poll would', async (t) => {
  const database = await openTestDatabase(t, 'sqlite');
  const server = createServer({
    database,
    logger: silentLogger(),
    catalog: FIXTURE,
    assets: await loadAssets(),
    defaultMetrics: false,
    watch: false,
    runnerLongPollMs: 120_000,
  });
  const { port } = await server.start({ host: '127.0.0.1', port: 0 });
  const { token } = await server.tokens.create('runner', ['runner'], null);
  const waiting = fetch(`http://127.0.0.1:${port}/api/v1/runners/lease`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ name: 'r', location: 'eu', tags: [], version: '0.1.0', capacity: 1 }),
  });
  // The request is waiting once the runner has introduced itself (polled, bounded).
  for (let i = 0; i < 400 && (await server.runners.runners()).length === 0; i++)
    await new Promise((resolve) => setTimeout(resolve, 25));
  const started = performance.now();
  await server.stop();
  const answer = await waiting;
  assert.equal(answer.status, 200);
  assert.deepEqual(await answer.json(), { items: [] });
  assert.ok(performance.now() - started < 60_000, 'stop() did not wait for the long poll');
});
