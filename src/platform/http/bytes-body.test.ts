import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { bytesBody } from './bytes-body.ts';

test('bytesBody is a view of exactly the Buffer’s bytes, also for a Buffer inside a larger pool', () => {
  // Buffer.from of a short string takes a slice of Node's shared pool: byteOffset is not 0.
  Buffer.from('x'.repeat(100));
  const pooled = Buffer.from('{"name":"café ☕"}');
  assert.notEqual(pooled.byteOffset, 0, 'the test needs a pooled Buffer');
  const view = bytesBody(pooled);
  assert.equal(view.byteLength, pooled.byteLength);
  assert.deepEqual(Buffer.from(view), pooled);
  pooled[2] = 0x4e; // 'N': a view, not a copy
  assert.equal(view[2], 0x4e);
});

test('a Response of bytesBody reaches the client byte for byte, with its Content-Length', async () => {
  const body = Buffer.from(JSON.stringify({ text: 'ü€😀'.repeat(20_000) }));
  const small = Buffer.from('{"ok":"é"}');
  const app = new Hono();
  app.get('/big', () => new Response(bytesBody(body), { headers: { 'content-type': 'application/json' } }));
  app.get('/small', () => new Response(bytesBody(small), { headers: { 'content-type': 'application/json' } }));
  const server = createServer(getRequestListener(app.fetch)).listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const [path, expected] of [
      ['/big', body],
      ['/small', small],
    ] as const) {
      const res = await fetch(base + path);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-length'), String(expected.byteLength));
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), expected);
    }
  } finally {
    server.close();
  }
});
