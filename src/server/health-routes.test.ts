import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createApp } from '../platform/http/app.ts';
import { createLogger } from '../platform/log.ts';
import { createMetrics } from '../platform/metrics.ts';
import { Readiness, registerHealthRoutes } from './health-routes.ts';

/** /readyz over a store at `generation`, and every log line it writes. */
function probe(generation: () => Promise<number>) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  const metrics = createMetrics({ defaults: false });
  const app = createApp({ logger, metrics });
  const readiness = new Readiness();
  registerHealthRoutes(app, readiness, { generation, dialect: 'sqlite', logger });
  const notes = () => lines.filter((l) => l.msg !== 'request');
  return { app, readiness, lines, notes };
}

test('the expected 503s of start-up are logged once per reason, at info, without a stack; never at warn', async () => {
  const { app, readiness, lines, notes } = probe(async () => 0);
  for (let i = 0; i < 5; i++) {
    const res = await app.request('/readyz');
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '1');
    assert.equal(((await res.json()) as { code: string }).code, 'not-ready');
  }
  assert.deepEqual(
    notes().map((l) => [l.level, l.component, l.msg, 'err' in l]),
    [['info', 'health', 'not ready: The first catalog sync has not finished', false]],
  );
  assert.ok(!lines.some((l) => l.level === 'warn' || l.level === 'error'));

  // The next reason is news, once; being ready ends the episode, and a later one is logged again.
  readiness.synced = true;
  let finish!: () => void;
  const work = readiness.startingUp('recording the demo history', new Promise<void>((done) => (finish = done)));
  for (let i = 0; i < 3; i++) assert.equal((await app.request('/readyz')).status, 503);
  finish();
  await work;
  assert.equal((await app.request('/readyz')).status, 200);
  const again = readiness.startingUp('recording the demo history', new Promise<void>(() => {}));
  assert.equal((await app.request('/readyz')).status, 503);
  void again;
  assert.deepEqual(
    notes().map((l) => l.msg),
    [
      'not ready: The first catalog sync has not finished',
      'not ready: Still starting: recording the demo history',
      'ready',
      'not ready: Still starting: recording the demo history',
    ],
  );
});

test('a database that does not answer is still a fault: logged at warn, with its cause', async () => {
  const { app, lines } = probe(async () => {
    throw new Error('connect ECONNREFUSED 10.0.0.5:5432');
  });
  assert.equal((await app.request('/readyz')).status, 503);
  assert.ok(lines.some((l) => l.level === 'warn' && l.msg === 'request failed: database-unavailable' && 'err' in l));
});
