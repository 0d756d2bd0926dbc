import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Entity } from '../catalog/model.ts';
import {
  type CheckSpec,
  checkDefinition,
  checkSpecIssues,
  durationMs,
  secretNames,
  urlProblem,
} from './check-definition.ts';

const spec = (over: Partial<CheckSpec> = {}): CheckSpec => ({
  service: 'component:shipment-service',
  type: 'http',
  http: { url: 'https://shipments.internal/healthz' },
  ...over,
});
const codes = (s: CheckSpec) => checkSpecIssues(s).map((i) => `${i.path.join('.')} ${i.code}`);
const entity = (s: CheckSpec, namespace?: string): Entity =>
  ({
    apiVersion: 'atrium.dev/v1',
    kind: 'Check',
    metadata: { name: 'shipments-health', ...(namespace ? { namespace } : {}) },
    spec: s as unknown as Record<string, unknown>,
  }) as Entity;

describe('durationMs', () => {
  it('reads ms, s, m and h', () => {
    assert.equal(durationMs('300ms'), 300);
    assert.equal(durationMs('30s'), 30_000);
    assert.equal(durationMs('5m'), 300_000);
    assert.equal(durationMs(' 1h '), 3_600_000);
  });
  it('refuses bare numbers, other units, negatives, fractions and huge numbers', () => {
    for (const bad of ['30', '1d', '-1s', '1.5s', '9999999999s', '', 's', 30])
      assert.equal(durationMs(bad), undefined, String(bad));
  });
});

describe('urlProblem', () => {
  it('accepts http and https with a host', () => {
    assert.equal(urlProblem('https://x.example/a?b=1'), undefined);
    assert.equal(urlProblem('http://127.0.0.1:8080/'), undefined);
  });
  it('refuses other schemes, credentials, placeholders and relative URLs', () => {
    assert.match(urlProblem('file:///etc/passwd') ?? '', /file:/);
    assert.match(urlProblem('data:text/plain,hi') ?? '', /data:/);
    assert.match(urlProblem('javascript:alert(1)') ?? '', /javascript:/);
    assert.match(urlProblem('gopher://x/') ?? '', /gopher:/);
    assert.equal(urlProblem('https://user:pw@x/'), 'carries credentials');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${secret:NAME} is the checks' own reference syntax, not a template
    assert.equal(urlProblem('https://x/${secret:K}'), 'holds a placeholder');
    assert.equal(urlProblem('/healthz'), 'is not an absolute URL');
  });
});

describe('secretNames', () => {
  it('lists each secret once, sorted', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${secret:NAME} is the checks' own reference syntax, not a template
    assert.deepEqual(secretNames(['Bearer ${secret:B_TOKEN}', '${secret:A} ${secret:B_TOKEN}', 'plain']), [
      'A',
      'B_TOKEN',
    ]);
  });
});

describe('checkSpecIssues', () => {
  it('a complete http check has none', () => {
    assert.deepEqual(
      codes(
        spec({
          interval: '30s',
          timeout: '5s',
          locations: ['local', 'eu-west-1'],
          degradedResponseTime: '300ms',
          maxResponseTime: '2s',
          failingLocations: 2,
          http: {
            url: 'https://x/',
            // biome-ignore lint/suspicious/noTemplateCurlyInString: ${secret:NAME} is the checks' own reference syntax, not a template
            headers: { Authorization: 'Bearer ${secret:TOKEN}' },
            assertions: ['status == 200'],
          },
          maintenance: [{ start: '2026-12-24T22:00:00Z', end: '2026-12-25T02:00:00+01:00' }],
        }),
      ),
      [],
    );
  });
  it('a type needs its own section and no other', () => {
    assert.deepEqual(codes(spec({ type: 'tcp' })), ['tcp missing-request', 'http other-type-section']);
  });
  it('refuses durations out of range and a timeout not below the interval', () => {
    assert.deepEqual(codes(spec({ interval: '1s' })), ['interval invalid-duration']);
    assert.deepEqual(codes(spec({ interval: '2d' })), ['interval invalid-duration']);
    assert.deepEqual(codes(spec({ interval: '10s', timeout: '10s' })), ['timeout timeout-not-below-interval']);
    assert.deepEqual(codes(spec({ timeout: '5m' })), ['timeout invalid-duration']);
    assert.deepEqual(codes(spec({ degradedResponseTime: '2s', maxResponseTime: '1s' })), [
      'degradedResponseTime degraded-not-below-max',
    ]);
    assert.deepEqual(codes(spec({ retries: { delay: 'soon' } })), ['retries.delay invalid-duration']);
  });
  it('refuses bad locations and more failing locations than locations', () => {
    assert.deepEqual(codes(spec({ locations: [] })), ['locations no-locations']);
    assert.deepEqual(codes(spec({ locations: ['a b'] })), ['locations.0 invalid-location']);
    assert.deepEqual(codes(spec({ locations: ['a', 'a'] })), ['locations duplicate-location']);
    assert.deepEqual(codes(spec({ locations: ['a', 'b'], failingLocations: 3 })), [
      'failingLocations more-than-locations',
    ]);
    assert.deepEqual(codes(spec({ locations: 'all', failingLocations: 3 })), []);
  });
  it('refuses bad headers, stray placeholders and bad assertions, with the column', () => {
    assert.deepEqual(codes(spec({ http: { url: 'https://x', headers: { 'Bad Name': 'v' } } })), [
      'http.headers.Bad Name invalid-header-name',
    ]);
    assert.deepEqual(codes(spec({ http: { url: 'https://x', headers: { X: 'a\r\nInjected: 1' } } })), [
      'http.headers.X invalid-header-value',
    ]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${secret:NAME} is the checks' own reference syntax, not a template
    assert.deepEqual(codes(spec({ http: { url: 'https://x', headers: { X: '${SECRET}' } } })), [
      'http.headers.X unknown-placeholder',
    ]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${secret:NAME} is the checks' own reference syntax, not a template
    assert.deepEqual(codes(spec({ http: { url: 'https://x', body: '{"k":"${secret:bad-name}"}' } })), [
      'http.body unknown-placeholder',
    ]);
    const [bad] = checkSpecIssues(spec({ http: { url: 'https://x', assertions: ['status == 200', 'json.a >= x'] } }));
    assert.deepEqual(bad?.path, ['http', 'assertions', 1]);
    assert.match(bad?.message ?? '', /compares numbers.*at column 11/);
  });
  it('a literal secret in a header is allowed (the reference is the recommended way)', () => {
    assert.deepEqual(codes(spec({ http: { url: 'https://x', headers: { Authorization: 'Bearer abc' } } })), []);
  });
  it('refuses bad hosts, resolvers and maintenance windows', () => {
    assert.deepEqual(codes(spec({ type: 'tcp', http: undefined, tcp: { host: 'a b', port: 1 } })), [
      'tcp.host invalid-host',
    ]);
    assert.deepEqual(codes(spec({ type: 'tls', http: undefined, tls: { host: 'https://x' } })), [
      'tls.host invalid-host',
    ]);
    const dns = (server: string) => codes(spec({ type: 'dns', http: undefined, dns: { name: 'x.example', server } }));
    for (const server of ['dns.google', '1.1.1.1:0', '1.1.1.1:99999', '[::1]', 'x:53', '999.1.1.1:53'])
      assert.deepEqual(dns(server), ['dns.server invalid-server'], server);
    for (const server of ['1.1.1.1', '127.0.0.1:5353', '[::1]:53', '::1']) assert.deepEqual(dns(server), [], server);
    assert.deepEqual(codes(spec({ maintenance: [{ start: '2026-12-24T22:00:00', end: '2026-12-25T02:00:00Z' }] })), [
      'maintenance.0.start invalid-time',
    ]);
    assert.deepEqual(codes(spec({ maintenance: [{ start: '2026-12-24T22:00:00Z', end: '2026-12-24T21:00:00Z' }] })), [
      'maintenance.0.end end-not-after-start',
    ]);
  });
  it('bounds what a message repeats of hostile text', () => {
    const [i] = checkSpecIssues(spec({ http: { url: `gopher://${'a'.repeat(5000)}` } }));
    assert.ok((i?.message.length ?? 0) < 300);
  });
});

describe('checkDefinition', () => {
  it('reads defaults: one local location, a minute, 10 s, thresholds of one, the service owner', () => {
    const d = checkDefinition(entity(spec()), 'group:default/logistics');
    assert.equal(d.key, 'check:default/shipments-health');
    assert.equal(d.service, 'component:default/shipment-service');
    assert.equal(d.owner, 'group:default/logistics');
    assert.deepEqual(d.locations, ['local']);
    assert.equal(d.intervalMs, 60_000);
    assert.equal(d.timeoutMs, 10_000);
    assert.deepEqual(d.thresholds, { failure: 1, success: 1 });
    assert.deepEqual(d.retries, { strategy: 'fixed', count: 0, delayMs: 1000, sameLocation: true });
    assert.deepEqual(d.request, {
      type: 'http',
      method: 'GET',
      url: 'https://shipments.internal/healthz',
      headers: {},
      assertions: [],
    });
    assert.deepEqual(d.secrets, []);
  });
  it('reads everything written, and the secrets the request names', () => {
    const d = checkDefinition(
      entity(
        spec({
          owner: 'sre',
          interval: '30s',
          timeout: '5s',
          locations: 'all',
          retries: { strategy: 'linear', count: 2, sameLocation: false, delay: '500ms' },
          degradedResponseTime: '300ms',
          maxResponseTime: '2s',
          thresholds: { failure: 3, success: 2 },
          failingLocations: 3,
          http: {
            method: 'POST',
            url: 'https://x/',
            // biome-ignore lint/suspicious/noTemplateCurlyInString: ${secret:NAME} is the checks' own reference syntax, not a template
            headers: { Authorization: 'Bearer ${secret:TOKEN}' },
            // biome-ignore lint/suspicious/noTemplateCurlyInString: ${secret:NAME} is the checks' own reference syntax, not a template
            body: '${secret:BODY}',
          },
          maintenance: [{ start: '2026-12-24T22:00:00Z', end: '2026-12-25T02:00:00Z', reason: 'upgrade' }],
        }),
        'Ops',
      ),
    );
    assert.equal(d.key, 'check:ops/shipments-health');
    assert.equal(d.owner, 'group:ops/sre');
    assert.equal(d.locations, 'all');
    assert.equal(d.degradedMs, 300);
    assert.equal(d.maxMs, 2000);
    assert.deepEqual(d.retries, { strategy: 'linear', count: 2, delayMs: 500, sameLocation: false });
    assert.deepEqual(d.secrets, ['BODY', 'TOKEN']);
    assert.deepEqual(d.maintenance, [
      { start: Date.parse('2026-12-24T22:00:00Z'), end: Date.parse('2026-12-25T02:00:00Z'), reason: 'upgrade' },
    ]);
  });
  it("a browser check's secrets are the ones its script names", () => {
    const script = [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the checks' own secret reference
      "await page.fill('#user', '${secret:SHOP_USER}');",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the checks' own secret reference
      "await page.fill('#password', '${secret:SHOP_PASSWORD}');",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal in the script
      'console.log(`${page.url()}`);',
    ].join('\n');
    const d = checkDefinition(entity(spec({ type: 'browser', browser: { script } })));
    assert.deepEqual(d.request, { type: 'browser', script });
    assert.deepEqual(d.secrets, ['SHOP_PASSWORD', 'SHOP_USER']);
    assert.deepEqual(
      checkSpecIssues({ service: 'shop', type: 'browser', browser: { script } }),
      [],
      'template literals are not placeholders',
    );
  });
  it('reads tcp, dns and tls requests with their defaults', () => {
    assert.deepEqual(checkDefinition(entity(spec({ type: 'tcp', tcp: { host: 'db', port: 5432 } }))).request, {
      type: 'tcp',
      host: 'db',
      port: 5432,
    });
    assert.deepEqual(checkDefinition(entity(spec({ type: 'dns', dns: { name: 'x.example' } }))).request, {
      type: 'dns',
      name: 'x.example',
      recordType: 'A',
      expect: [],
    });
    assert.deepEqual(checkDefinition(entity(spec({ type: 'tls', tls: { host: 'x.example' } }))).request, {
      type: 'tls',
      host: 'x.example',
      port: 443,
      minDaysValid: 14,
    });
  });
});
