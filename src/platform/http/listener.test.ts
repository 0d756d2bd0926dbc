import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../log.ts';
import { createMetrics } from '../metrics.ts';
import { createApp } from './app.ts';
import { createListener, type FastResponse } from './listener.ts';

/**
 * The listener's fast paths over real loopback HTTP: what they answer carries the app's
 * headers, log line and metrics; what they decline reaches the app with the same bytes.
 */

const JSON_TYPE = 'application/json';

async function serve(level: string) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ level, destination });
  const metrics = createMetrics({ defaults: false });
  const app = createApp({ logger, metrics });
  // The app's own answer to a POST: the body it received, so a handed-over body can be compared.
  app.post('/echo', async (c) => c.json({ app: true, body: await c.req.text() }));
  app.get('/cached', (c) => c.json({ app: true }));
  const fast = (body: string, extra: Partial<FastResponse> = {}): FastResponse => ({
    body: Buffer.from(body),
    contentType: JSON_TYPE,
    route: '/fast',
    ...extra,
  });
  const listener = createListener(app, {
    logger,
    metrics,
    fastPath: (path, _search, headers) => {
      if (path === '/cached')
        return fast(
          '{"cached":true}',
          headers['if-none-match'] === '"v1"'
            ? { status: 304, headers: { etag: '"v1"' } }
            : { headers: { etag: '"v1"' } },
        );
      if (path === '/quiet') return fast('{"quiet":true}', { quiet: true });
      return undefined;
    },
    fastPost: (path) =>
      path === '/echo'
        ? {
            maxBytes: 64,
            answer: (body) => (body.toString() === '{"fast":1}' ? fast('{"answered":"here"}') : undefined),
          }
        : undefined,
  });
  const server = createServer(listener);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, lines, metrics, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function stop(server: Server) {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('the request listener', () => {
  let s: Awaited<ReturnType<typeof serve>>;
  before(async () => (s = await serve('info')));
  after(() => stop(s.server));

  const echo = (body: string) =>
    fetch(`${s.base}/echo`, { method: 'POST', headers: { 'content-type': JSON_TYPE }, body });

  test("a GET answered from a cache gets the app's headers, a log line and a metric; a matching ETag gets 304 without a body", async () => {
    const res = await fetch(`${s.base}/cached`, { headers: { 'x-request-id': 'req-1' } });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '{"cached":true}');
    assert.deepEqual(
      ['content-type', 'etag', 'x-request-id', 'x-content-type-options', 'content-security-policy'].map((h) =>
        res.headers.get(h),
      ),
      [JSON_TYPE, '"v1"', 'req-1', 'nosniff', "default-src 'none'; frame-ancestors 'none'"],
    );
    assert.deepEqual(s.lines.at(-1), {
      ...s.lines.at(-1),
      level: 'info',
      requestId: 'req-1',
      method: 'GET',
      path: '/cached',
      status: 200,
    });
    const notModified = await fetch(`${s.base}/cached`, { headers: { 'if-none-match': '"v1"' } });
    assert.equal(notModified.status, 304);
    assert.equal(await notModified.text(), '');
    const counted = (await s.metrics.registry.getSingleMetricAsString('atrium_http_requests_total'))
      .split('\n')
      .filter((l) => l.includes('route="/fast"'));
    assert.ok(
      counted.some((l) => l.includes('status="200"')) && counted.some((l) => l.includes('status="304"')),
      counted.join('\n'),
    );
  });

  test('a quiet answer is counted but not logged at info', async () => {
    const before = s.lines.length;
    assert.equal(await (await fetch(`${s.base}/quiet`)).text(), '{"quiet":true}');
    assert.equal(s.lines.length, before);
    assert.match(
      await s.metrics.registry.getSingleMetricAsString('atrium_http_requests_total'),
      /method="GET",route="\/fast",status="200"/,
    );
  });

  test('a POST is answered from its body, or handed to the app with the same bytes', async () => {
    assert.deepEqual(await (await echo('{"fast":1}')).json(), { answered: 'here' });
    assert.deepEqual(
      await (await echo('{"fast":2}')).json(),
      { app: true, body: '{"fast":2}' },
      'declined after reading',
    );
    const large = JSON.stringify({ pad: 'x'.repeat(100) });
    assert.deepEqual(await (await echo(large)).json(), { app: true, body: large }, 'over maxBytes: never read here');
    const chunked = await new Promise<string>((resolve, reject) => {
      const req = request(`${s.base}/echo`, { method: 'POST', headers: { 'content-type': JSON_TYPE } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.write('{"fast"');
      req.end(':1}');
    });
    assert.deepEqual(JSON.parse(chunked), { app: true, body: '{"fast":1}' }, 'no Content-Length: the app reads it');
  });

  test('a request with two Host headers is a 400, whether a fast path or the app would answer it', async () => {
    const exchange = async (head: string) => {
      const socket = connect(Number(new URL(s.base).port), '127.0.0.1');
      await once(socket, 'connect');
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.write(head);
      await once(socket, 'end');
      return text;
    };
    for (const head of [
      'GET /cached HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\nConnection: close\r\n\r\n',
      'GET /elsewhere HTTP/1.1\r\nhost: a.example\r\nHOST: a.example\r\nConnection: close\r\n\r\n',
      'POST /echo HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 10\r\nHost: b\r\nConnection: close\r\n\r\n{"fast":1}',
    ]) {
      const answer = await exchange(head);
      assert.match(answer, /^HTTP\/1\.1 400 /, head);
      assert.match(answer, /"code":"host-duplicated"/, head);
    }
    assert.match(
      await exchange('GET /cached HTTP/1.1\r\nHost: a.example\r\nConnection: close\r\n\r\n'),
      /^HTTP\/1\.1 200 /,
    );
  });

  test('a client that goes away in the middle of a body leaves the server answering', async () => {
    const socket = connect(Number(new URL(s.base).port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{"fast"',
    );
    socket.destroy();
    assert.deepEqual(await (await echo('{"fast":1}')).json(), { answered: 'here' });
  });
});

describe('the request listener at debug level', () => {
  test('logs quiet answers at debug', async () => {
    const s = await serve('debug');
    try {
      await (await fetch(`${s.base}/quiet`)).text();
      assert.deepEqual(
        s.lines.filter((l) => l.path === '/quiet').map((l) => [l.level, l.status, l.msg]),
        [['debug', 200, 'request']],
      );
    } finally {
      await stop(s.server);
    }
  });
});
