// The load generator's client (bench/http-client-pool.ts) and the generator on it: every
// benchmark's numbers rest on them, so their framing and failure handling are tested here
// against real loopback servers. Nothing here asserts on time.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { HttpClientPool, ResponseFramer, serializeRequest, type ResponseEnd } from '../bench/http-client-pool.ts';
import { runOpenLoop } from '../bench/load-generator.ts';

/** Feeds `bytes` to a fresh framer in pieces of `size` bytes; returns what it finished with. */
function frame(bytes: Buffer, size: number): { end: ResponseEnd; rest: Buffer } | undefined {
  const framer = new ResponseFramer();
  for (let at = 0; at < bytes.length; at += size) {
    const result = framer.feed(bytes.subarray(at, at + size));
    if (result) {
      // Anything not yet fed is part of the rest too.
      return { end: result.end, rest: Buffer.concat([result.rest, bytes.subarray(at + size)]) };
    }
  }
  return undefined;
}

const ascii = (text: string) => Buffer.from(text, 'latin1');

describe('ResponseFramer', () => {
  const cases: [string, string, ResponseEnd][] = [
    [
      'Content-Length',
      'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}',
      { status: 200, bodyBytes: 11, close: false },
    ],
    ['an empty body', 'HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n', { status: 200, bodyBytes: 0, close: false }],
    [
      'chunked, with an extension and a trailer',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=x\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: yes\r\n\r\n',
      { status: 200, bodyBytes: 15, close: false },
    ],
    [
      'a 304 with a length header and no body',
      'HTTP/1.1 304 Not Modified\r\nETag: "a"\r\nContent-Length: 70000\r\n\r\n',
      { status: 304, bodyBytes: 0, close: false },
    ],
    ['a 204', 'HTTP/1.1 204 No Content\r\n\r\n', { status: 204, bodyBytes: 0, close: false }],
    [
      'Connection: close',
      'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 2\r\n\r\nno',
      { status: 503, bodyBytes: 2, close: true },
    ],
    ['HTTP/1.0', 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok', { status: 200, bodyBytes: 2, close: true }],
    [
      'HTTP/1.0 with keep-alive',
      'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok',
      { status: 200, bodyBytes: 2, close: false },
    ],
  ];
  for (const [name, text, expected] of cases) {
    it(`frames ${name}, however the bytes are split`, () => {
      const bytes = ascii(text);
      for (let size = 1; size <= bytes.length; size++) {
        const result = frame(bytes, size);
        assert.deepEqual(result?.end, expected, `pieces of ${size}`);
        assert.equal(result?.rest.length, 0, `pieces of ${size}`);
      }
    });
  }

  it('returns the bytes after a response, and frames the next one', () => {
    const framer = new ResponseFramer();
    const result = framer.feed(
      ascii('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'),
    );
    assert.deepEqual(result?.end, { status: 200, bodyBytes: 2, close: false });
    assert.ok(framer.idle);
    assert.deepEqual(framer.feed(result?.rest as Buffer)?.end, { status: 404, bodyBytes: 0, close: false });
  });

  it('reads a body without a length until the connection closes', () => {
    const framer = new ResponseFramer();
    assert.equal(framer.feed(ascii('HTTP/1.1 200 OK\r\n\r\nsome')), undefined);
    assert.equal(framer.feed(ascii(' more')), undefined);
    assert.deepEqual(framer.closed(), { status: 200, bodyBytes: 9, close: true });
  });

  it('says a response cut off by a close is not complete', () => {
    const framer = new ResponseFramer();
    assert.equal(framer.feed(ascii('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc')), undefined);
    assert.equal(framer.closed(), undefined);
    assert.equal(framer.idle, false);
  });

  const malformed: [string, string | Buffer, RegExp][] = [
    ['a status line that is not HTTP', 'SSH-2.0-OpenSSH\r\n\r\n', /bad status line/],
    ['a header line without a colon', 'HTTP/1.1 200 OK\r\nnonsense\r\n\r\n', /bad header line/],
    ['a negative length', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', /bad content-length/],
    [
      'two different lengths',
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      /bad content-length/,
    ],
    ['a chunk size that is not hex', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /bad chunk size/],
    [
      'chunk data longer than its size',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n',
      /not followed by CRLF/,
    ],
    ['an interim response', 'HTTP/1.1 100 Continue\r\n\r\n', /interim/],
    ['a head over 64 KB', `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(70_000)}`, /over 65536 bytes/],
    [
      'an endless chunk-size line',
      `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${'0'.repeat(5000)}`,
      /over 4096/,
    ],
  ];
  for (const [name, text, error] of malformed) {
    it(`refuses ${name}`, () => {
      assert.throws(() => new ResponseFramer().feed(typeof text === 'string' ? ascii(text) : text), error);
    });
  }
});

describe('serializeRequest', () => {
  it('writes the request line, host, headers and a UTF-8 body with its byte length', () => {
    const bytes = serializeRequest(
      'POST',
      8080,
      '/x?y=1',
      { authorization: 'token', 'content-type': 'application/json' },
      '{"name":"Zoë"}',
    );
    assert.equal(
      bytes.toString('utf8'),
      'POST /x?y=1 HTTP/1.1\r\nhost: 127.0.0.1:8080\r\nauthorization: token\r\ncontent-type: application/json\r\ncontent-length: 15\r\n\r\n{"name":"Zoë"}',
    );
  });

  it('refuses a header that would split the request', () => {
    assert.throws(() => serializeRequest('GET', 1, '/', { 'x-evil': 'a\r\nx-injected: 1' }), /cannot be sent as given/);
    assert.throws(() => serializeRequest('GET', 1, '/', { 'bad name': 'a' }), /cannot be sent as given/);
  });
});

describe('HttpClientPool over loopback', () => {
  let server: http.Server;
  let port = 0;
  const connections = new Set<net.Socket>();
  let connectionCount = 0;

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (req.url === '/chunked') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('part one, ');
          res.end('part two');
        } else if (req.url === '/close') {
          res.writeHead(200, { connection: 'close', 'content-length': 2 });
          res.end('ok');
        } else if (req.url === '/hang') {
          // Never answers: the client's timeout must end it.
        } else if (req.url === '/reset') {
          req.socket.destroy();
        } else if (req.url === '/echo') {
          res.writeHead(200, { 'content-length': body.length });
          res.end(body);
        } else {
          res.writeHead(404, { 'content-length': 0 });
          res.end();
        }
      });
    });
    server.on('connection', (socket: net.Socket) => {
      connectionCount++;
      connections.add(socket);
      socket.on('close', () => connections.delete(socket));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as net.AddressInfo).port;
  });
  after(async () => {
    for (const socket of connections) socket.destroy();
    await new Promise((done) => server.close(done));
  });

  const send = (pool: HttpClientPool, request: Buffer) =>
    new Promise<ResponseEnd | Error>((done) => pool.send(port, request, { done, fail: done }));

  it('reuses one connection for requests in sequence, and frames chunked and empty bodies', async () => {
    const pool = new HttpClientPool(5000);
    const before = connectionCount;
    assert.deepEqual(await send(pool, serializeRequest('GET', port, '/chunked', {})), {
      status: 200,
      bodyBytes: 18,
      close: false,
    });
    assert.deepEqual(await send(pool, serializeRequest('GET', port, '/missing', {})), {
      status: 404,
      bodyBytes: 0,
      close: false,
    });
    const echoed = await send(
      pool,
      serializeRequest('POST', port, '/echo', { 'content-type': 'application/json' }, '{"ü":1}'),
    );
    assert.deepEqual(echoed, { status: 200, bodyBytes: 8, close: false });
    assert.equal(connectionCount - before, 1);
    assert.equal(pool.inFlight, 0);
    pool.destroy();
  });

  it('opens a connection per concurrent request', async () => {
    const pool = new HttpClientPool(5000);
    const before = connectionCount;
    const results = await Promise.all(
      Array.from({ length: 5 }, () => send(pool, serializeRequest('GET', port, '/chunked', {}))),
    );
    assert.ok(results.every((r) => !(r instanceof Error) && r.status === 200));
    assert.equal(connectionCount - before, 5);
    pool.destroy();
  });

  it('does not reuse a connection the server asked to close', async () => {
    const pool = new HttpClientPool(5000);
    const before = connectionCount;
    assert.deepEqual(await send(pool, serializeRequest('GET', port, '/close', {})), {
      status: 200,
      bodyBytes: 2,
      close: true,
    });
    assert.deepEqual(await send(pool, serializeRequest('GET', port, '/close', {})), {
      status: 200,
      bodyBytes: 2,
      close: true,
    });
    assert.equal(connectionCount - before, 2);
    pool.destroy();
  });

  it('fails a request whose connection is reset, and one that is never answered', async () => {
    const pool = new HttpClientPool(200);
    const reset = await send(pool, serializeRequest('GET', port, '/reset', {}));
    assert.ok(reset instanceof Error, 'a reset fails');
    const hung = await send(pool, serializeRequest('GET', port, '/hang', {}));
    assert.ok(hung instanceof Error && /timeout after 200 ms/.test(hung.message), String(hung));
    assert.equal(pool.inFlight, 0);
    pool.destroy();
  });

  it('fails what is in flight when destroyed', async () => {
    const pool = new HttpClientPool(60_000);
    const pending = send(pool, serializeRequest('GET', port, '/hang', {}));
    pool.destroy('stopped');
    const result = await pending;
    assert.ok(result instanceof Error && result.message === 'stopped');
  });

  it('fails a request to a port nobody listens on', async () => {
    const closed = net.createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const unused = (closed.address() as net.AddressInfo).port;
    await new Promise((done) => closed.close(done));
    const pool = new HttpClientPool(5000);
    const result = await new Promise<ResponseEnd | Error>((done) =>
      pool.send(unused, serializeRequest('GET', unused, '/', {}), { done, fail: done }),
    );
    assert.ok(result instanceof Error && /ECONNREFUSED/.test(result.message), String(result));
    pool.destroy();
  });

  it('drives an open-loop run: every scheduled request answered, POST bodies intact, statuses counted', async () => {
    const bodies = new Set<string>();
    const echo = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.add(Buffer.concat(chunks).toString('utf8'));
        const status = req.url === '/fail' ? 500 : 200;
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': 7 });
        res.end('{"a":1}');
      });
    });
    await new Promise<void>((done) => echo.listen(0, '127.0.0.1', done));
    const echoPort = (echo.address() as net.AddressInfo).port;
    try {
      const stats = await runOpenLoop({
        urls: [`http://127.0.0.1:${echoPort}/ok`, `http://127.0.0.1:${echoPort}/fail`],
        rate: 300,
        durationSec: 1,
        seed: 3,
        post: (i) => ({ body: JSON.stringify({ i, name: 'Zoë' }) }),
      });
      assert.ok(stats.scheduled > 100, `scheduled ${stats.scheduled}`);
      assert.equal(stats.completed, stats.scheduled);
      assert.equal(bodies.size, stats.scheduled, 'every POST body arrived whole and distinct');
      assert.equal(stats.bytes, 7 * stats.completed);
      assert.equal((stats.statuses['200'] ?? 0) + (stats.statuses['500'] ?? 0), stats.completed);
      assert.equal(stats.errors.non2xx, stats.statuses['500']);
      assert.equal(stats.errors.network + stats.errors.dropped + stats.errors.unfinished, 0);
    } finally {
      await new Promise((done) => echo.close(done));
    }
  });
});
