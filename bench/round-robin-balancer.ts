/**
 * A small round-robin HTTP load balancer for the replica benchmark, on a thread of its own
 * (a worker of the benchmark process, so it does not share the load generator's event
 * loop). It behaves like the production layout's balancer in docs/deploying.md: it sends
 * requests to replicas whose `/readyz` answers 200 (checked every `checkEveryMs`; three
 * failed checks in a row, or one refused connection, take a replica out until it answers
 * 200 again; with none ready it tries them all), and it retries a GET on the next replica
 * when the connection is refused or reset before a whole answer, or the replica sheds it
 * with 503 (Atrium's 503 says a load balancer may send the retry elsewhere) — each replica
 * at most once per request. When every replica failed it answers 502.
 */
import { Worker } from 'node:worker_threads';
import { onCleanup } from './support.ts';

export interface BalancerStats {
  /** Requests received. */
  requests: number;
  /** Requests answered by a replica (any status). */
  answered: number;
  /** Requests answered after at least one retry on another replica. */
  retried: number;
  /** Of those, the ones whose answer ended more than `slowRetryMs` after the balancer received the request. */
  retriedSlow: number;
  /** Retries by cause: `ECONNREFUSED`, `ECONNRESET`, `503`, ... */
  retriesBy: Record<string, number>;
  /** Requests no replica answered (502), or cut after the answer had begun. */
  failed: number;
  /** Answers by replica (index into the ports). */
  byReplica: number[];
}

export interface Balancer {
  port: number;
  /** The counts since the last reset (or start); `reset` starts them afresh. */
  stats(reset?: boolean): Promise<BalancerStats>;
  stop(): Promise<void>;
}

const BALANCER = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const backends = workerData.ports.map((port) => ({
  port,
  ready: false,
  failures: 0,
  agent: new http.Agent({ keepAlive: true, maxSockets: workerData.maxSockets, scheduling: 'lifo' }),
}));
const fresh = () => ({
  requests: 0, answered: 0, retried: 0, retriedSlow: 0, retriesBy: {}, failed: 0,
  byReplica: backends.map(() => 0),
});
let stats = fresh();
let next = 0;

/** A failed check counts; three in a row take a replica out (a busy replica's check may just be slow). */
function checked(backend, ok) {
  backend.failures = ok ? 0 : backend.failures + 1;
  if (ok) backend.ready = true;
  else if (backend.failures >= 3) backend.ready = false;
}

function check(backend) {
  const req = http.get({ host: '127.0.0.1', port: backend.port, path: '/readyz', agent: false, timeout: 1000 }, (res) => {
    checked(backend, res.statusCode === 200);
    res.resume();
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  // A refused connection: nothing listens there, no need to ask twice more.
  req.on('error', (err) => (err.code === 'ECONNREFUSED' ? (backend.ready = false) : checked(backend, false)));
}
const checks = setInterval(() => backends.forEach(check), workerData.checkEveryMs);
backends.forEach(check);

/** The next ready replica not tried yet for this request, round robin; with none ready, any not tried yet. */
function pick(tried) {
  for (let i = 0; i < backends.length; i++) {
    const backend = backends[next++ % backends.length];
    if (backend.ready && !tried.has(backend)) return backend;
  }
  return backends.find((backend) => !tried.has(backend));
}

function retry(cause, req, res, tried, started) {
  stats.retriesBy[cause] = (stats.retriesBy[cause] || 0) + 1;
  attempt(req, res, tried, started);
}

function attempt(req, res, tried, started) {
  const backend = pick(tried);
  if (!backend) {
    stats.failed++;
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end('no replica answered');
    return;
  }
  tried.add(backend);
  // Once per attempt: a cut answer can be reported by the request and the response alike.
  let over = false;
  const up = http.request(
    { host: '127.0.0.1', port: backend.port, method: req.method, path: req.url, headers: req.headers, agent: backend.agent },
    (answer) => {
      if (answer.statusCode === 503 && req.method === 'GET' && backends.some((b) => !tried.has(b))) {
        answer.resume();
        retry('503', req, res, tried, started);
        return;
      }
      // Whole bodies and raw headers, sent once the answer is complete: cheaper than piped
      // streams and parsed headers at thousands a second, and an answer cut midway is retried.
      const chunks = [];
      answer.on('data', (chunk) => chunks.push(chunk));
      answer.on('end', () => {
        res.writeHead(answer.statusCode, answer.rawHeaders);
        res.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
        stats.answered++;
        stats.byReplica[backends.indexOf(backend)]++;
        if (tried.size > 1) {
          stats.retried++;
          if (performance.now() - started > workerData.slowRetryMs) stats.retriedSlow++;
        }
      });
      answer.on('error', failed);
    },
  );
  up.on('error', failed);
  up.end();
  function failed(err) {
    if (over) return;
    over = true;
    if (res.headersSent) {
      stats.failed++;
      res.destroy();
      return;
    }
    // A refused connection: the replica is gone; leave it out until its /readyz answers again.
    if (err.code === 'ECONNREFUSED') backend.ready = false;
    retry(err.code || 'error', req, res, tried, started);
  }
}

const server = http.createServer({ noDelay: true, keepAliveTimeout: 5000 }, (req, res) => {
  stats.requests++;
  attempt(req, res, new Set(), performance.now());
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (message) => {
  if (message.type === 'stats') {
    parentPort.postMessage({ stats });
    if (message.reset) stats = fresh();
  } else if (message.type === 'stop') {
    clearInterval(checks);
    server.closeAllConnections();
    server.close(() => parentPort.postMessage({ stopped: true }));
  }
});
`;

/**
 * Starts a balancer in front of the replicas listening on `ports` (127.0.0.1), and waits
 * until at least one of them is ready behind it.
 */
export async function startBalancer(
  ports: readonly number[],
  options: { checkEveryMs?: number; maxSockets?: number; slowRetryMs?: number } = {},
): Promise<Balancer> {
  const worker = new Worker(BALANCER, {
    eval: true,
    workerData: {
      ports,
      checkEveryMs: options.checkEveryMs ?? 250,
      maxSockets: options.maxSockets ?? 512,
      slowRetryMs: options.slowRetryMs ?? 1000,
    },
  });
  const forget = onCleanup('balancer', async () => void (await worker.terminate()));
  const port = await new Promise<number>((done, fail) => {
    worker.once('message', (m: { port: number }) => done(m.port));
    worker.once('error', fail);
  });
  const ask = <T>(message: object, pick: (m: Record<string, unknown>) => T | undefined): Promise<T> =>
    new Promise<T>((done) => {
      const listen = (m: Record<string, unknown>) => {
        const answer = pick(m);
        if (answer === undefined) return;
        worker.off('message', listen);
        done(answer);
      };
      worker.on('message', listen);
      worker.postMessage(message);
    });
  const balancer: Balancer = {
    port,
    stats: (reset = false) => ask({ type: 'stats', reset }, (m) => m.stats as BalancerStats | undefined),
    stop: async () => {
      forget();
      await ask({ type: 'stop' }, (m) => (m.stopped ? true : undefined));
      await worker.terminate();
    },
  };
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
    await res?.body?.cancel();
    if (res?.status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await balancer.stats(true);
  return balancer;
}
