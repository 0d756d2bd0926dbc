import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMetrics } from '../metrics.ts';
import { silentLogger } from '../log.ts';
import { createApp } from './app.ts';
import { bodyLimit } from './body-limit.ts';
import { PROBLEM_JSON } from './problem.ts';

function appWithLimit() {
  const app = createApp({ logger: silentLogger(), metrics: createMetrics({ defaults: false }) });
  app.post('/echo', bodyLimit(1024, 'Send less.'), async (c) => c.text(await c.req.text()));
  return app;
}

const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  appWithLimit().request('/echo', {
    method: 'POST',
    body,
    headers,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  });

function chunked(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(controller) {
      for (let at = 0; at < bytes.length; at += 300) controller.enqueue(bytes.slice(at, at + 300));
      controller.close();
    },
  });
}

test('a body within the limit reaches the handler, declared or streamed', async () => {
  assert.equal(await (await post('x'.repeat(1024), { 'content-length': '1024' })).text(), 'x'.repeat(1024));
  assert.equal(await (await post(chunked('y'.repeat(1000)))).text(), 'y'.repeat(1000));
});

test('a body over the limit is a 413 problem with the hint, whether its length is declared, malformed or only streamed', async () => {
  for (const res of [
    await post('x'.repeat(1025), { 'content-length': '1025' }),
    await post('x', { 'content-length': 'lots' }),
    await post(chunked('x'.repeat(2000))),
  ]) {
    assert.equal(res.status, 413);
    assert.equal(res.headers.get('content-type'), PROBLEM_JSON);
    const problem = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(
      { status: problem.status, code: problem.code, title: problem.title, detail: problem.detail, hint: problem.hint },
      {
        status: 413,
        code: 'body-too-large',
        title: 'Content Too Large',
        detail: 'The body is larger than 1 KiB',
        hint: 'Send less.',
      },
    );
  }
});

test('a body that is not UTF-8 is a 400 problem saying so, declared or streamed; UTF-8 text passes unchanged', async () => {
  const invalid = new Uint8Array([
    ...new TextEncoder().encode('{"a":"'),
    0xff,
    0xfe,
    ...new TextEncoder().encode('"}'),
  ]);
  const streamed = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(invalid);
      controller.close();
    },
  });
  for (const res of [
    await post(invalid, { 'content-type': 'application/json', 'content-length': String(invalid.length) }),
    await post(streamed, { 'content-type': 'application/json' }),
  ]) {
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('content-type'), PROBLEM_JSON);
    const problem = (await res.json()) as Record<string, unknown>;
    assert.equal(problem.code, 'body-not-utf8');
    assert.match(String(problem.detail), /UTF-8/);
  }
  const text = '{"name":"Zoë ✓ 🚀"}';
  assert.equal(await (await post(text, { 'content-type': 'application/json' })).text(), text);
});

test('a body that has not arrived in full by the deadline is a 408 problem that closes the connection, declared or streamed', async () => {
  const app = createApp({ logger: silentLogger(), metrics: createMetrics({ defaults: false }) });
  app.post('/echo', bodyLimit(1024, 'Send less.', 50), async (c) => c.text(await c.req.text()));
  // One byte, then nothing: a sender trickling its body, or one that stopped.
  const stalled = () =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{'));
      },
    });
  for (const headers of [{ 'content-length': '100' }, {}] as Record<string, string>[]) {
    // A streamed request body needs duplex, which RequestInit's type does not know yet.
    const init: RequestInit & { duplex: 'half' } = { method: 'POST', body: stalled(), headers, duplex: 'half' };
    const res = await app.request('/echo', init);
    assert.equal(res.status, 408);
    assert.equal(res.headers.get('connection'), 'close');
    assert.equal(res.headers.get('content-type'), PROBLEM_JSON);
    const problem = (await res.json()) as Record<string, unknown>;
    assert.deepEqual({ code: problem.code, title: problem.title }, { code: 'body-timeout', title: 'Request Timeout' });
  }
});
