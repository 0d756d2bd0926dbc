import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { component, location, tempCatalog, type TempCatalog } from './support/catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { useTestServer } from './support/test-server.ts';

/**
 * Write capacity under hostile sockets: requests that never finish sending their body, and
 * are not authenticated, must not hold the slots that authenticated writes need.
 */

const SLOW_SOCKETS = 64;
const WRITES = 40;
/** Declared but never sent in full: within the webhook's 1 MiB limit, so it is not refused at once. */
const DECLARED_BYTES = 512 * 1024;
/**
 * A write that waits longer than this counts as stalled. Generous on purpose: the test's
 * verdict is whether the slow sockets hold write slots (the admission's own count), not a
 * latency, which on a busy 2-core machine is luck; p99 is reported as a diagnostic.
 */
const GIVE_UP_MS = 5000;

describeEachDatabase('write admission under slow bodies', (dialect) => {
  let catalog: TempCatalog;
  let token = '';
  before(() => {
    catalog = tempCatalog({
      'catalog-info.yaml': location(['./checkout.yaml']),
      'checkout.yaml': component('checkout', { owner: 'payments' }),
    });
  });
  after(() => catalog.cleanup());
  const fixture = useTestServer(dialect, () => ({
    catalog: catalog.dir,
    githubWebhookSecret: 'slow-body-secret',
    listen: true,
  }));
  before(async () => {
    token = (await fixture.server.tokens.create('ci-slow-body', ['deployments:write'], null)).token;
  });

  test('64 sockets trickling webhook bodies hold no write slot: authenticated writes all succeed', async (t) => {
    const { port, hostname } = new URL(fixture.url);
    const sockets: Socket[] = [];
    const trickle = setInterval(() => {
      for (const socket of sockets) if (socket.writable) socket.write(' ');
    }, 300);
    t.after(() => {
      clearInterval(trickle);
      for (const socket of sockets) socket.destroy();
    });
    await Promise.all(
      Array.from(
        { length: SLOW_SOCKETS },
        () =>
          new Promise<void>((resolve, reject) => {
            const socket = connect(Number(port), hostname, () => {
              socket.write(
                [
                  'POST /api/v1/webhooks/github HTTP/1.1',
                  `Host: ${hostname}:${port}`,
                  'Content-Type: application/json',
                  'X-GitHub-Event: deployment_status',
                  `X-Hub-Signature-256: sha256=${'0'.repeat(64)}`,
                  `Content-Length: ${DECLARED_BYTES}`,
                  '',
                  '{',
                ].join('\r\n'),
              );
              resolve();
            });
            socket.on('error', () => {});
            socket.once('error', reject);
            sockets.push(socket);
          }),
      ),
    );
    // Long enough for the server to have taken every one of them up to where it waits for the body.
    await new Promise((resolve) => setTimeout(resolve, 500));

    const agent = new Agent({ keepAlive: true });
    t.after(() => agent.destroy());
    const write = (i: number) =>
      new Promise<{ status: number; ms: number }>((resolve) => {
        const body = JSON.stringify({
          service: 'checkout',
          environment: 'production',
          version: `slow-body-${i}`,
          status: 'succeeded',
          startedAt: '2026-05-30T10:00:00Z',
          finishedAt: '2026-05-30T10:05:00Z',
        });
        const started = performance.now();
        const req = request(
          {
            agent,
            host: hostname,
            port,
            path: '/api/v1/deployments',
            method: 'POST',
            timeout: GIVE_UP_MS,
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
              authorization: `Bearer ${token}`,
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
          },
        );
        req.on('timeout', () => req.destroy());
        req.on('error', () => resolve({ status: 0, ms: Number.POSITIVE_INFINITY }));
        req.end(body);
      });
    const results = await Promise.all(Array.from({ length: WRITES }, (_, i) => write(i)));

    assert.deepEqual(
      results.map((r) => r.status),
      results.map(() => 201),
      'every authenticated write is recorded (0 = stalled past 5 s)',
    );
    const sorted = results.map((r) => r.ms).sort((a, b) => a - b);
    const p99 = sorted[Math.ceil(sorted.length * 0.99) - 1] as number;
    t.diagnostic(`p99 of ${WRITES} writes: ${Math.round(p99)} ms`);
    // Before the fix the slow sockets held all 8 slots and queued behind them: { running: 8, waiting: 56 }.
    assert.deepEqual(
      fixture.server.changes.writes.load,
      { running: 0, waiting: 0, sharing: 0 },
      'the slow sockets hold no slot',
    );
    assert.ok(
      sockets.every((s) => !s.destroyed),
      'the slow sockets were still open throughout (the server waited on them)',
    );
  });
});
