import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ExecutionContext, Json, RunnerSettings, WorkOutcome } from '../runners/model.ts';
import { checkExecutor, REDACTED, redact } from './check-executor.ts';
import type { CheckPayload } from './check-payload.ts';
import { EXCERPT_CHARS, MAX_BODY_BYTES } from './http-probe.ts';
import type { CheckRequest, CheckRunDetail } from './model.ts';
import { type SelfSigned, selfSignedCertificate } from '../../test/support/self-signed.ts';

/**
 * The check executor against real targets on loopback: an HTTP server that answers, fails,
 * slows down, echoes secrets and sends endless bodies; an HTTPS server whose self-signed
 * certificate (made by openssl now) expires in three days; a TCP port; a DNS responder over
 * UDP. And what a runner must refuse: other schemes, loopback and the metadata address
 * unless its settings allow them.
 */

const settings = (allowedPrivateTargets: string[] = ['127.0.0.1']): RunnerSettings => ({
  location: 'local',
  tags: [],
  allowedPrivateTargets,
  allowedCommands: [],
  allowedWorkingDirectories: [],
  allowedEnvironment: [],
});
const context = (over: Partial<ExecutionContext> = {}): ExecutionContext => ({
  signal: new AbortController().signal,
  secrets: {},
  settings: settings(),
  now: () => Date.now(),
  ...over,
});
const payload = (request: CheckRequest, over: Partial<CheckPayload> = {}): Json =>
  ({ request, timeoutMs: 2000, retries: { strategy: 'fixed', count: 0, delayMs: 0 }, ...over }) as unknown as Json;
const detailOf = (o: WorkOutcome) => o.detail as unknown as CheckRunDetail;
const get = (url: string, assertions: string[] = [], headers: Record<string, string> = {}): CheckRequest => ({
  type: 'http',
  method: 'GET',
  url,
  headers,
  assertions,
});

let base = '';
let flaky = 0;
const target = http.createServer((req, res) => {
  const path = req.url ?? '/';
  if (path === '/ok') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ status: 'up', items: [1, 2, 3] }));
  } else if (path === '/fail') {
    res.statusCode = 503;
    res.end(`upstream down ${'x'.repeat(5000)}`);
  } else if (path === '/slow') setTimeout(() => res.end('late'), 400);
  else if (path === '/hang') setTimeout(() => res.end('too late'), 5000).unref();
  else if (path === '/echo') {
    res.statusCode = 500;
    res.end(`you sent ${req.headers.authorization}`);
  } else if (path === '/huge') {
    // Sends until the client goes away: an endless body.
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const pump = () => {
      while (res.write(chunk)) if (res.destroyed) return;
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  } else if (path === '/flaky') {
    flaky++;
    res.statusCode = flaky % 3 === 0 ? 200 : 500;
    res.end();
  } else res.end('ok');
});
let certificate: SelfSigned;
let cert = '';
let secure: https.Server;
let secureBase = '';
let tcpPort = 0;
let closedPort = 0;
const tcp = net.createServer((s) => s.end());
const dns = dgram.createSocket('udp4');
let dnsServer = '';

/** A DNS answer to an A query for any name: 10.1.2.3 (enough of RFC 1035 for one question). */
function answer(query: Buffer): Buffer {
  let i = 12;
  while (query[i] !== 0 && i < query.length) i += (query[i] as number) + 1;
  const question = query.subarray(12, i + 5);
  const header = Buffer.from([0, 0, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
  query.copy(header, 0, 0, 2);
  const record = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 1, 2, 3]);
  return Buffer.concat([header, question, record]);
}

before(async () => {
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
  certificate = selfSignedCertificate(3);
  cert = certificate.cert;
  secure = https.createServer({ key: certificate.key, cert }, (_req, res) => res.end('{"ok":true}'));
  await new Promise<void>((r) => secure.listen(0, '127.0.0.1', r));
  secureBase = `https://127.0.0.1:${(secure.address() as AddressInfo).port}`;
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  tcpPort = (tcp.address() as AddressInfo).port;
  const closed = net.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  closedPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  dns.on('message', (msg, rinfo) => dns.send(answer(msg), rinfo.port, rinfo.address));
  await new Promise<void>((r) => dns.bind(0, '127.0.0.1', r));
  dnsServer = `127.0.0.1:${dns.address().port}`;
});
after(() => {
  target.closeAllConnections();
  target.close();
  secure.close();
  tcp.close();
  dns.close();
  certificate.cleanup();
});

const executor = checkExecutor();

describe('http checks on loopback', () => {
  it('passes with assertions, and reports the phases it timed', async () => {
    const out = await executor.run(
      payload(get(`${base}/ok`, ['status == 200', 'json.items.length > 0', 'header.content-type contains json'])),
      context(),
    );
    assert.equal(out.status, 'success', out.summary);
    const d = detailOf(out);
    assert.deepEqual(
      d.assertions.map((a) => a.passed),
      [true, true, true],
    );
    assert.equal(d.attempts, 1);
    assert.ok(d.timings.connect !== undefined && d.timings.firstByte !== undefined && d.timings.total > 0);
    assert.equal(d.timings.dns, undefined, 'an IP literal needs no lookup');
    assert.equal(d.excerpt, undefined);
  });
  it('fails on a 503, saying which assertion and keeping a bounded excerpt of the body', async () => {
    const out = await executor.run(payload(get(`${base}/fail`, ['status == 200'])), context());
    assert.equal(out.status, 'failure');
    assert.equal(out.summary, 'status == 200 failed: saw 503');
    assert.equal(detailOf(out).excerpt?.length, EXCERPT_CHARS);
    assert.ok(detailOf(out).excerpt?.startsWith('upstream down'));
  });
  it('without assertions a status below 400 passes', async () => {
    assert.equal((await executor.run(payload(get(`${base}/`)), context())).status, 'success');
    assert.equal((await executor.run(payload(get(`${base}/fail`)), context())).status, 'failure');
  });
  it('measures a slow answer (the server judges degraded from it)', async () => {
    const out = await executor.run(payload(get(`${base}/slow`)), context());
    assert.equal(out.status, 'success');
    assert.ok(detailOf(out).responseTimeMs >= 390, String(detailOf(out).responseTimeMs));
  });
  it('gives up at the timeout', async () => {
    const started = performance.now();
    const out = await executor.run(payload(get(`${base}/hang`), { timeoutMs: 300 }), context());
    assert.equal(out.status, 'failure');
    assert.equal(out.summary, 'timed out');
    assert.ok(performance.now() - started < 2000);
  });
  it('cuts an endless body off at the bound and says so', async () => {
    const out = await executor.run(payload(get(`${base}/huge`, ['body contains "b"'])), context());
    assert.equal(out.status, 'failure');
    assert.match(out.summary, new RegExp(`body cut off after ${MAX_BODY_BYTES} bytes`));
    assert.equal(detailOf(out).excerpt?.length, EXCERPT_CHARS);
  });
  it('puts secrets into headers and never reports them, even when the target echoes them', async () => {
    const secret = 'tok-3f9a-very-secret';
    const out = await executor.run(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${secret:NAME} is the checks' own reference syntax, not a template
      payload(get(`${base}/echo`, ['status == 200'], { Authorization: 'Bearer ${secret:API_TOKEN}' })),
      context({ secrets: { API_TOKEN: secret } }),
    );
    assert.equal(out.status, 'failure');
    const reported = JSON.stringify(out);
    assert.equal(reported.includes(secret), false, reported);
    assert.match(detailOf(out).excerpt ?? '', new RegExp(`you sent Bearer ${REDACTED.replace(/[[\]]/g, '\\$&')}`));
  });
  it('refuses to run when a secret the request names did not come with the order', async () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${secret:NAME} is the checks' own reference syntax, not a template
    const out = await executor.run(payload(get(`${base}/ok`, [], { 'X-Key': '${secret:MISSING}' })), context());
    assert.equal(out.status, 'error');
    assert.match(out.summary, /secret MISSING is not configured/);
  });
  it('retries where it failed, up to the count', async () => {
    flaky = 0;
    const out = await executor.run(
      payload(get(`${base}/flaky`), { retries: { strategy: 'linear', count: 2, delayMs: 10 } }),
      context(),
    );
    assert.equal(out.status, 'success');
    assert.equal(detailOf(out).attempts, 3);
    flaky = 0;
    const short = await executor.run(
      payload(get(`${base}/flaky`), { retries: { strategy: 'fixed', count: 1, delayMs: 0 } }),
      context(),
    );
    assert.equal(short.status, 'failure');
    assert.equal(detailOf(short).attempts, 2);
  });
  it('a runner cancelling the run ends it at once', async () => {
    const controller = new AbortController();
    const running = executor.run(
      payload(get(`${base}/hang`), { timeoutMs: 5000 }),
      context({ signal: controller.signal }),
    );
    setTimeout(() => controller.abort(), 50);
    const out = await running;
    assert.equal(out.summary, 'cancelled');
  });
});

describe('https and tls checks with an expiring self-signed certificate', () => {
  /** The context of a runner started with --ca-file naming the target's certificate. */
  const trusting = (over: Partial<ExecutionContext> = {}) =>
    context({ settings: { ...settings(), caCertificates: [cert] }, ...over });
  it('https: an untrusted certificate fails the handshake', async () => {
    const out = await executor.run(payload(get(`${secureBase}/`)), context());
    assert.equal(out.status, 'failure');
    assert.match(out.summary, /self.signed/i);
  });
  it('https: a trusted one passes, with TLS timed and the certificate asserted', async () => {
    const out = await executor.run(
      payload(get(`${secureBase}/`, ['json.ok == true', 'certificate.expiresInDays > 14'])),
      trusting(),
    );
    assert.equal(out.status, 'failure');
    assert.equal(out.summary, 'certificate.expiresInDays > 14 failed: saw 2');
    assert.ok(detailOf(out).timings.tls !== undefined);
  });
  it('tls: expiring within minDaysValid fails; judged against the runner clock', async () => {
    const port = Number(new URL(secureBase).port);
    const request: CheckRequest = { type: 'tls', host: '127.0.0.1', port, minDaysValid: 14 };
    const out = await executor.run(payload(request), trusting());
    assert.equal(out.status, 'failure');
    assert.equal(out.summary, 'certificate expires in 2 days, fewer than 14');
    const ok = await executor.run(payload({ ...request, minDaysValid: 1 }), trusting());
    assert.equal(ok.status, 'success');
    const later = await executor.run(
      payload({ ...request, minDaysValid: 0 }),
      trusting({ now: () => Date.now() + 10 * 86_400_000 }),
    );
    assert.equal(later.status, 'failure', 'ten days on, it has expired');
  });
});

describe('tcp and dns checks', () => {
  it('tcp: an open port passes, a closed one fails', async () => {
    assert.equal(
      (await executor.run(payload({ type: 'tcp', host: '127.0.0.1', port: tcpPort }), context())).status,
      'success',
    );
    const closed = await executor.run(payload({ type: 'tcp', host: '127.0.0.1', port: closedPort }), context());
    assert.equal(closed.status, 'failure');
    assert.match(closed.summary, /ECONNREFUSED/);
  });
  it('dns: answers are matched against what is expected', async () => {
    const ok = await executor.run(
      payload({ type: 'dns', name: 'shipments.internal', recordType: 'A', expect: ['10.1.2.3'], server: dnsServer }),
      context(),
    );
    assert.equal(ok.status, 'success', ok.summary);
    const bad = await executor.run(
      payload({ type: 'dns', name: 'shipments.internal', recordType: 'A', expect: ['10.9.9.9'], server: dnsServer }),
      context(),
    );
    assert.equal(bad.summary, 'A contains 10.9.9.9 failed: saw 10.1.2.3');
  });
});

describe('what a runner refuses', () => {
  it('file:, data: and other schemes', async () => {
    for (const url of ['file:///etc/passwd', 'data:text/plain,hi', 'gopher://127.0.0.1/']) {
      const out = await executor.run(payload(get(url)), context());
      assert.equal(out.status, 'failure', url);
      assert.match(out.summary, /^refused: (file|data|gopher): is not http: or https:$/, url);
    }
  });
  it('loopback unless allowed, and the metadata address even when loopback is', async () => {
    const denied = await executor.run(payload(get(`${base}/ok`)), context({ settings: settings([]) }));
    assert.match(denied.summary, /^refused: 127\.0\.0\.1 resolves to 127\.0\.0\.1, a private/);
    for (const host of ['169.254.169.254', '[fd00:ec2::254]']) {
      const out = await executor.run(payload(get(`http://${host}/latest/meta-data/`)), context());
      assert.match(out.summary, /^refused:/, host);
    }
    const tcpDenied = await executor.run(payload({ type: 'tcp', host: '169.254.169.254', port: 80 }), context());
    assert.match(tcpDenied.summary, /^refused:/);
  });
  it('a DNS check naming a private, loopback or metadata resolver, unless allowed', async () => {
    const dnsCheck = (server: string): Json =>
      payload({ type: 'dns', name: 'shipments.internal', recordType: 'A', expect: ['10.1.2.3'], server });
    const denied = await executor.run(dnsCheck(dnsServer), context({ settings: settings([]) }));
    assert.equal(denied.status, 'failure');
    assert.match(denied.summary, /^refused: resolver 127\.0\.0\.1 resolves to 127\.0\.0\.1, a private/);
    assert.equal(detailOf(denied).timings.dns, undefined, 'no query was sent');
    for (const server of [
      '169.254.169.254',
      '169.254.169.254:53',
      '[fd00:ec2::254]:53',
      'fd00:ec2::254',
      '[::ffff:169.254.169.254]:53',
      '10.0.0.2:53',
      '[::1]:53',
    ]) {
      const out = await executor.run(dnsCheck(server), context());
      assert.match(out.summary, /^refused: resolver /, server);
    }
    const allowed = await executor.run(dnsCheck(dnsServer), context({ settings: settings(['127.0.0.0/8']) }));
    assert.equal(allowed.status, 'success', allowed.summary);
  });
  it('a name resolving to the metadata address', async () => {
    const sneaky = checkExecutor({ resolve: async () => [{ address: '169.254.169.254', family: 4 }] });
    const out = await sneaky.run(payload(get('http://metadata.attacker.example/')), context());
    assert.match(out.summary, /^refused: metadata\.attacker\.example resolves to 169\.254\.169\.254/);
  });
  it('an order that is not a check', async () => {
    for (const bad of [
      null,
      'x',
      { request: { type: 'ftp' } },
      { request: get('http://x'), timeoutMs: -1, retries: {} },
    ] as Json[])
      assert.equal((await executor.run(bad, context())).status, 'error');
  });
});

describe('redact', () => {
  it('blanks every occurrence, longest secret first', () => {
    assert.equal(redact('a-secret-long and a-secret', ['a-secret-long', 'a-secret']), `${REDACTED} and ${REDACTED}`);
    assert.equal(redact('nothing here', ['abcd']), 'nothing here');
  });
});
