/**
 * The load generator's HTTP/1.1 client: keep-alive connections over plain sockets, each
 * request serialised by the caller, each response parsed only as far as finding its end
 * (status, Content-Length or chunked, Connection: close).
 *
 * Why not node:http: its client costs 300-430 µs of CPU per request on these 2-core
 * machines, more than the servers it measures (Atrium's SDK paths take about 100 µs).
 * Generator and server share the cores, so the client's own work showed up as server
 * latency, for the bare server and Atrium alike, and swamped the difference between them.
 * This client does about a tenth of that work (bench/README.md has the measurement).
 *
 * One request at a time per connection (no pipelining, as browsers and SDKs do); idle
 * connections are reused last-in first-out and dropped after 4 s idle, before a server's
 * usual 5-s keep-alive timeout can close one just as a request is written to it.
 */
import net from 'node:net';

/** How a response ended: its status and body size (chunk framing not counted). */
export interface ResponseEnd {
  status: number;
  bodyBytes: number;
  /** The server asked to close the connection (or gave no length): do not reuse it. */
  close: boolean;
}

const MAX_HEAD_BYTES = 64 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n');

/**
 * Finds where one HTTP/1.1 response ends in a byte stream, chunk by chunk. `feed` returns
 * the response once complete (with any bytes after it, which a client that sends one
 * request at a time never expects), undefined while more is needed, and throws on a
 * response it cannot frame.
 */
export class ResponseFramer {
  private head: Buffer | undefined;
  private status = 0;
  private close = false;
  private bodyBytes = 0;
  /** Body bytes still expected: of the whole body, or of the current chunk. */
  private remaining = 0;
  /** The current chunk-size or trailer line, as it arrives. */
  private line = '';
  private state: 'head' | 'length' | 'until-close' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailer' = 'head';

  /** Feeds bytes; returns the finished response and the bytes after it, if it finished. */
  feed(chunk: Buffer): { end: ResponseEnd; rest: Buffer } | undefined {
    let at = 0;
    if (this.state === 'head') {
      const joined = this.head ? Buffer.concat([this.head, chunk]) : chunk;
      const headEnd = joined.indexOf(CRLFCRLF);
      if (headEnd === -1) {
        if (joined.length > MAX_HEAD_BYTES) throw new Error(`response head over ${MAX_HEAD_BYTES} bytes`);
        // A copy: the caller may reuse `chunk`'s memory for the next read.
        this.head = joined === chunk ? Buffer.from(chunk) : joined;
        return undefined;
      }
      this.head = undefined;
      this.parseHead(joined.toString('latin1', 0, headEnd));
      chunk = joined;
      at = headEnd + 4;
    }
    while (true) {
      switch (this.state) {
        case 'length': {
          const take = Math.min(this.remaining, chunk.length - at);
          this.bodyBytes += take;
          this.remaining -= take;
          at += take;
          if (this.remaining === 0) return this.finish(chunk, at);
          return undefined;
        }
        case 'until-close':
          this.bodyBytes += chunk.length - at;
          return undefined;
        case 'chunk-data': {
          const take = Math.min(this.remaining, chunk.length - at);
          this.bodyBytes += take;
          this.remaining -= take;
          at += take;
          if (this.remaining > 0) return undefined;
          this.state = 'chunk-end';
          break;
        }
        case 'chunk-size':
        case 'chunk-end':
        case 'trailer': {
          const newline = chunk.indexOf(10, at);
          const piece = chunk.toString('latin1', at, newline === -1 ? chunk.length : newline + 1);
          if (this.line.length + piece.length > 4096) throw new Error('chunk line over 4096 bytes');
          this.line += piece;
          if (newline === -1) return undefined;
          at = newline + 1;
          const line = this.line.replace(/\r?\n$/, '');
          this.line = '';
          if (this.state === 'chunk-end') {
            if (line !== '') throw new Error('chunk data not followed by CRLF');
            this.state = 'chunk-size';
          } else if (this.state === 'chunk-size') {
            const size = /^([0-9a-fA-F]{1,8})[ \t]*(;.*)?$/.exec(line);
            if (!size) throw new Error(`bad chunk size line ${JSON.stringify(line.slice(0, 40))}`);
            this.remaining = parseInt(size[1] as string, 16);
            this.state = this.remaining === 0 ? 'trailer' : 'chunk-data';
          } else if (line === '') {
            return this.finish(chunk, at);
          }
          break;
        }
        case 'head':
          throw new Error('unreachable: head is parsed above');
      }
    }
  }

  /** The connection closed: a body read until close ends here; anything else was cut off. */
  closed(): ResponseEnd | undefined {
    if (this.state !== 'until-close') return undefined;
    return { status: this.status, bodyBytes: this.bodyBytes, close: true };
  }

  /** True between responses (nothing of the next one has arrived). */
  get idle(): boolean {
    return this.state === 'head' && this.head === undefined;
  }

  private parseHead(head: string): void {
    const lines = head.split('\r\n');
    const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0] as string);
    if (!statusLine) throw new Error(`bad status line ${JSON.stringify((lines[0] as string).slice(0, 40))}`);
    this.status = Number(statusLine[2]);
    this.close = statusLine[1] === '0';
    let length: number | undefined;
    let chunked = false;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const colon = line.indexOf(':');
      if (colon <= 0) throw new Error(`bad header line ${JSON.stringify(line.slice(0, 40))}`);
      const name = line.slice(0, colon).toLowerCase();
      const value = line
        .slice(colon + 1)
        .trim()
        .toLowerCase();
      if (name === 'content-length') {
        if (!/^\d{1,15}$/.test(value) || (length !== undefined && length !== Number(value)))
          throw new Error(`bad content-length ${JSON.stringify(value)}`);
        length = Number(value);
      } else if (name === 'transfer-encoding') {
        chunked = value.split(',').pop()?.trim() === 'chunked';
      } else if (name === 'connection') {
        if (value.split(',').some((token) => token.trim() === 'close')) this.close = true;
        else if (value.split(',').some((token) => token.trim() === 'keep-alive')) this.close = false;
      }
    }
    this.bodyBytes = 0;
    if (this.status < 200) throw new Error(`unexpected interim response ${this.status}`);
    if (this.status === 204 || this.status === 304) {
      this.state = 'length';
      this.remaining = 0;
    } else if (chunked) {
      this.state = 'chunk-size';
    } else if (length !== undefined) {
      this.state = 'length';
      this.remaining = length;
    } else {
      this.state = 'until-close';
      this.close = true;
    }
  }

  private finish(chunk: Buffer, at: number): { end: ResponseEnd; rest: Buffer } {
    const end = { status: this.status, bodyBytes: this.bodyBytes, close: this.close };
    this.state = 'head';
    return { end, rest: chunk.subarray(at) };
  }
}

/** What the pool calls when a request ends. */
export interface RequestCallbacks {
  done(end: ResponseEnd): void;
  fail(error: Error): void;
}

interface Connection {
  socket: net.Socket;
  framer: ResponseFramer;
  port: number;
  /** The request in progress, with when it was written (performance.now()). */
  current: { callbacks: RequestCallbacks; sentAt: number } | undefined;
  idleSince: number;
  dead: boolean;
}

const IDLE_LIMIT_MS = 4000;

/**
 * Keep-alive connections to 127.0.0.1, by port. `send` writes one serialised request on
 * an idle connection (or a new one) and calls back once with its response or its failure.
 */
export class HttpClientPool {
  private readonly idle = new Map<number, Connection[]>();
  private readonly busy = new Set<Connection>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly readBuffer = Buffer.allocUnsafe(256 * 1024);

  constructor(private readonly timeoutMs: number) {
    // One timer for every request's timeout, rather than one per request.
    this.sweeper = setInterval(() => this.sweep(), Math.max(10, Math.min(250, timeoutMs / 4)));
    this.sweeper.unref();
  }

  /** Requests written and not yet answered. */
  get inFlight(): number {
    return this.busy.size;
  }

  send(port: number, request: Buffer, callbacks: RequestCallbacks): void {
    const connection = this.acquire(port);
    connection.current = { callbacks, sentAt: performance.now() };
    this.busy.add(connection);
    connection.socket.write(request);
  }

  /** Fails every request in flight and closes every connection. */
  destroy(reason = 'client closed'): void {
    clearInterval(this.sweeper);
    for (const connection of [...this.busy]) this.kill(connection, new Error(reason));
    for (const list of this.idle.values()) for (const connection of list) this.kill(connection, undefined);
    this.idle.clear();
  }

  private acquire(port: number): Connection {
    const list = this.idle.get(port);
    const now = performance.now();
    while (list && list.length > 0) {
      const connection = list.pop() as Connection;
      if (!connection.dead && now - connection.idleSince < IDLE_LIMIT_MS) return connection;
      this.kill(connection, undefined);
    }
    return this.connect(port);
  }

  private connect(port: number): Connection {
    // Every read lands in one buffer the pool owns (reads are handled synchronously, one at
    // a time), so a 70-KB response allocates nothing: the generator's garbage collections
    // were stalls in its own schedule.
    const onread = {
      buffer: this.readBuffer,
      callback: (n: number) => {
        this.received(connection, this.readBuffer.subarray(0, n));
        return true;
      },
    };
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true, onread });
    const connection: Connection = {
      socket,
      framer: new ResponseFramer(),
      port,
      current: undefined,
      idleSince: 0,
      dead: false,
    };
    socket.on('error', (err) => this.kill(connection, err));
    socket.on('close', () => {
      const end = connection.current ? connection.framer.closed() : undefined;
      if (end) this.complete(connection, end);
      this.kill(connection, new Error('connection closed before the response ended'));
    });
    return connection;
  }

  private received(connection: Connection, chunk: Buffer): void {
    let result: ReturnType<ResponseFramer['feed']>;
    try {
      if (!connection.current) throw new Error('bytes received with no request outstanding');
      result = connection.framer.feed(chunk);
    } catch (err) {
      this.kill(connection, err as Error);
      return;
    }
    if (!result) return;
    if (result.rest.length > 0) {
      this.kill(connection, new Error(`${result.rest.length} bytes after the response`));
      return;
    }
    this.complete(connection, result.end);
    if (result.end.close) {
      this.kill(connection, undefined);
      return;
    }
    connection.idleSince = performance.now();
    let list = this.idle.get(connection.port);
    if (!list) this.idle.set(connection.port, (list = []));
    list.push(connection);
  }

  private complete(connection: Connection, end: ResponseEnd): void {
    const current = connection.current;
    connection.current = undefined;
    this.busy.delete(connection);
    current?.callbacks.done(end);
  }

  /** Closes a connection; its request in flight, if any, fails with `error`. */
  private kill(connection: Connection, error: Error | undefined): void {
    const current = connection.current;
    connection.current = undefined;
    connection.dead = true;
    this.busy.delete(connection);
    connection.socket.destroy();
    if (current) current.callbacks.fail(error ?? new Error('connection closed'));
  }

  private sweep(): void {
    const now = performance.now();
    for (const connection of this.busy) {
      if (connection.current && now - connection.current.sentAt > this.timeoutMs)
        this.kill(connection, new Error(`timeout after ${this.timeoutMs} ms`));
    }
  }
}

/** Serialises a request once, so sending it costs one socket write. Header values must be one line. */
export function serializeRequest(
  method: 'GET' | 'POST',
  port: number,
  path: string,
  headers: Readonly<Record<string, string>>,
  body?: string,
): Buffer {
  let head = `${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[\r\n]/.test(value))
      throw new Error(`load generator: header ${JSON.stringify(name)} cannot be sent as given`);
    head += `${name}: ${value}\r\n`;
  }
  if (body !== undefined) head += `content-length: ${Buffer.byteLength(body)}\r\n`;
  return Buffer.from(`${head}\r\n${body ?? ''}`, 'utf8');
}
