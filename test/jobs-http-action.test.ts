import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fillSecrets, MAX_BODY_BYTES, redact, REDACTED, runHttpAction } from '../src/jobs/http-action.ts';
import { jobExecutor } from '../src/jobs/job-executor.ts';
import type { HttpAction } from '../src/jobs/model.ts';
import type { ExecutionContext, Json } from '../src/runners/model.ts';
import { json, loopbackServer, silence } from './support/loopback.ts';
import { type SelfSigned, selfSignedCertificate } from './support/self-signed.ts';

/** A job's http action against a real loopback server: status decides, secrets filled then redacted, bodies bounded. */

const target = await loopbackServer(json(200, { imported: 3 }));
after(() => target.close());

const SECRETS = { RATES_TOKEN: 'tok-9f8e7d6c5b4a', KEY: 'k-123' };
const context = (over: Partial<ExecutionContext> = {}): ExecutionContext => ({
  signal: new AbortController().signal,
  secrets: SECRETS,
  settings: {
    location: 'local',
    tags: [],
    allowedPrivateTargets: [],
    allowedCommands: [],
    allowedWorkingDirectories: [],
    allowedEnvironment: [],
  },
  now: () => Date.now(),
  ...over,
});
const action = (over: Partial<HttpAction> = {}): HttpAction => ({
  type: 'http',
  method: 'POST',
  url: `${target.url}/import`,
  headers: {},
  ...over,
});

describe('the http action of a job', () => {
  test('a 2xx status is success; secrets reach the target and never the outcome', async () => {
    target.answer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`echo ${req.headers.authorization} ${req.url}`);
    });
    const outcome = await runHttpAction(
      action({
        url: `${target.url}/import?key=\${secret:KEY}`,
        headers: { Authorization: `Bearer \${secret:RATES_TOKEN}` },
        body: '{"go":true}',
      }),
      5000,
      context(),
    );
    assert.equal(outcome.status, 'success');
    const seen = target.received.at(-1);
    assert.equal(seen?.headers.authorization, `Bearer ${SECRETS.RATES_TOKEN}`);
    assert.equal(seen?.url, `/import?key=${SECRETS.KEY}`);
    assert.equal(seen?.body, '{"go":true}');
    const reported = JSON.stringify(outcome);
    assert.ok(!reported.includes(SECRETS.RATES_TOKEN) && !reported.includes(SECRETS.KEY), reported);
    assert.ok(reported.includes(REDACTED));
  });

  test('a 5xx or a redirect is a failure with the status in its summary', async () => {
    target.answer(json(503, { error: 'down' }));
    const failed = await runHttpAction(action(), 5000, context());
    assert.equal(failed.status, 'failure');
    assert.match(failed.summary, /status 503 \(not 2xx\)/);
    target.answer((_req, res) => {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
      res.end();
    });
    const redirected = await runHttpAction(action(), 5000, context());
    assert.equal(redirected.status, 'failure', 'redirects are not followed');
  });

  test('no answer within the timeout is a failure', async () => {
    target.answer(silence);
    const outcome = await runHttpAction(action(), 200, context());
    assert.equal(outcome.status, 'failure');
    assert.match(outcome.summary, /no answer within 200 ms/);
  });

  test('an oversized body is read up to the bound, its tail kept', async () => {
    target.answer((_req, res) => {
      res.writeHead(200);
      res.end(`${'x'.repeat(MAX_BODY_BYTES * 3)}THE END`);
    });
    const outcome = await runHttpAction(action(), 5000, context());
    const output = (outcome.detail as { output: string }).output;
    assert.ok(output.length <= MAX_BODY_BYTES + 1);
    assert.ok(output.endsWith('THE END'));
  });

  test('refuses what it must not send: a missing secret, other schemes, metadata addresses', async () => {
    const before = target.received.length;
    for (const [bad, reason] of [
      [action({ headers: { Authorization: `\${secret:UNKNOWN}` } }), /UNKNOWN is not configured/],
      [action({ url: 'file:///etc/passwd' }), /scheme file: is refused/],
      [action({ url: 'http://169.254.169.254/latest/meta-data/' }), /metadata address/],
      [action({ url: 'not a url' }), /not a URL/],
    ] as const) {
      const outcome = await runHttpAction(bad, 1000, context());
      assert.equal(outcome.status, 'error');
      assert.match(outcome.summary, reason);
    }
    assert.equal(target.received.length, before, 'nothing was sent');
  });

  test('the executor refuses payloads it cannot read, without throwing', async () => {
    const payloads: Json[] = [
      null,
      'x',
      [],
      {},
      { action: { type: 'heartbeat' } },
      { action: { type: 'http', method: 1 } },
      { action: { type: 'command', args: [] } },
      { action: { type: 'command', args: ['x'], environment: { A: 1 } } },
    ];
    for (const payload of payloads)
      assert.equal((await jobExecutor.run(payload, context())).status, 'error', JSON.stringify(payload));
  });
});

describe('an https target with a certificate of an internal CA (--ca-file)', () => {
  let certificate: SelfSigned;
  let server: https.Server;
  let base = '';
  before(async () => {
    certificate = selfSignedCertificate(3);
    server = https.createServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
      if (req.url === '/hang') return;
      if (req.url === '/moved') {
        res.writeHead(302, { location: '/elsewhere' });
        res.end();
        return;
      }
      let seen = '';
      req.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
      });
      req.on('end', () => {
        res.writeHead(req.url === '/fail' ? 503 : 200);
        res.end(`got ${req.headers.authorization} ${seen}`);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
    certificate.cleanup();
  });
  const trusting = (over: Partial<ExecutionContext> = {}) =>
    context({ settings: { ...context().settings, caCertificates: [certificate.cert] }, ...over });

  test('untrusted without it: the request fails on the certificate', async () => {
    const outcome = await runHttpAction(action({ url: `${base}/import` }), 5000, context());
    assert.equal(outcome.status, 'failure');
  });

  test('trusted with it: status decides, the body is sent, secrets filled and redacted', async () => {
    const ok = await runHttpAction(
      action({ url: `${base}/import`, headers: { Authorization: `Bearer \${secret:RATES_TOKEN}` }, body: 'go' }),
      5000,
      trusting(),
    );
    assert.equal(ok.status, 'success', ok.summary);
    assert.equal((ok.detail as { output: string }).output, `got Bearer ${REDACTED} go`);
    const failed = await runHttpAction(action({ url: `${base}/fail` }), 5000, trusting());
    assert.equal(failed.status, 'failure');
    assert.match(failed.summary, /^status 503 \(not 2xx\)/);
    const moved = await runHttpAction(action({ url: `${base}/moved`, method: 'GET' }), 5000, trusting());
    assert.match(moved.summary, /^status 302/, 'a redirect is answered, not followed');
  });

  test('trusted with it: a target that never answers times out; a cancel ends it', async () => {
    const hung = await runHttpAction(action({ url: `${base}/hang` }), 200, trusting());
    assert.equal(hung.status, 'failure');
    assert.equal(hung.summary, 'The request failed: no answer within 200 ms');
    const controller = new AbortController();
    const cancelled = runHttpAction(action({ url: `${base}/hang` }), 5000, trusting({ signal: controller.signal }));
    controller.abort();
    assert.equal((await cancelled).status, 'error');
  });
});

describe('secrets', () => {
  test('fillSecrets names the first missing one; redact replaces the longest first', () => {
    assert.deepEqual(fillSecrets(`a \${secret:KEY} b`, SECRETS), { text: 'a k-123 b' });
    assert.deepEqual(fillSecrets(`\${secret:NOPE} \${secret:KEY}`, SECRETS), { missing: 'NOPE' });
    assert.deepEqual(fillSecrets(`\${secret:../x}`, SECRETS), { missing: '../x' });
    assert.equal(redact('abc abcdef', { A: 'abc', B: 'abcdef' }), `${REDACTED} ${REDACTED}`);
    assert.equal(redact('nothing here', { A: '' }), 'nothing here');
  });
});
