import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { component, group, tempCatalog } from './support/catalog.ts';
import { positionOf, validateJson } from './support/validate.ts';

/**
 * The Check kind in the catalog: problems at file:line:column (bad URLs and schemes, bad
 * durations, unknown types, bad assertions, stray placeholders), a missing service as a
 * dangling reference, and the relation to the service both ways.
 */

const check = (name: string, lines: string[]) =>
  ['---', 'apiVersion: atrium.dev/v1', 'kind: Check', 'metadata:', `  name: ${name}`, 'spec:', ...lines].join('\n');

describe('kind: Check in the catalog', () => {
  test('valid checks are entities; bad fields are errors at their line and column', async (t) => {
    const text = [
      component('shipment-service', { owner: 'logistics' }),
      '---',
      group('logistics'),
      check('ok', [
        '  service: shipment-service',
        '  type: http',
        '  interval: 30s',
        '  locations: [local, eu-west-1]',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: ${secret:NAME} is the checks' own reference syntax, not a template
        '  http: { method: GET, url: "https://shipments.internal/healthz", headers: { Authorization: "Bearer ${secret:SHIP_TOKEN}" }, assertions: ["status == 200", "json.items.length > 0"] }',
        '  degradedResponseTime: 300ms',
        '  maxResponseTime: 2s',
        '  thresholds: { failure: 2, success: 1 }',
        '  failingLocations: 2',
        '  maintenance: [{ start: "2026-12-24T22:00:00Z", end: "2026-12-25T02:00:00Z", reason: upgrade }]',
      ]),
      check('tcp-ok', [
        '  service: shipment-service',
        '  type: tcp',
        '  locations: all',
        '  tcp: { host: db.internal, port: 5432 }',
      ]),
      check('file-url', ['  service: shipment-service', '  type: http', '  http: { url: "file:///etc/passwd" }']),
      check('data-url', ['  service: shipment-service', '  type: http', '  http: { url: "data:text/plain,hi" }']),
      check('bad-type', ['  service: shipment-service', '  type: ftp', '  http: { url: "https://x" }']),
      check('bad-interval', [
        '  service: shipment-service',
        '  type: tcp',
        '  interval: 30x',
        '  tcp: { host: x, port: 1 }',
      ]),
      check('bad-assertion', [
        '  service: shipment-service',
        '  type: http',
        '  http: { url: "https://x", assertions: ["status = 200"] }',
      ]),
      check('stray', [
        '  service: shipment-service',
        '  type: http',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: ${secret:NAME} is the checks' own reference syntax, not a template
        '  http: { url: "https://x", headers: { X-Key: "${env:HOME}" } }',
      ]),
      check('misspelt', [
        '  service: shipment-service',
        '  type: http',
        '  http: { url: "https://x", asertions: ["status == 200"] }',
      ]),
      check('no-service', ['  service: component:gone', '  type: tls', '  tls: { host: gone.example }']),
      '',
    ].join('\n');
    const catalog = tempCatalog({ 'catalog-info.yaml': text });
    t.after(() => catalog.cleanup());
    const result = await validateJson(catalog.dir);
    assert.equal(result.code, 65);
    const seen = result.errors.map((p) => `${p.entityRef} ${p.line}:${p.column} ${p.code}`);
    const at = (needle: string) => positionOf(text, needle);
    assert.deepEqual(seen, [
      `check:default/file-url ${at('"file:///etc/passwd"')} invalid-url`,
      `check:default/data-url ${at('"data:text/plain,hi"')} invalid-url`,
      `check:default/bad-type ${at('ftp')} invalid-field`,
      `check:default/bad-interval ${at('30x')} invalid-duration`,
      `check:default/bad-assertion ${at('"status = 200"')} invalid-assertion`,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${secret:NAME} is the checks' own reference syntax, not a template
      `check:default/stray ${at('"${env:HOME}"')} unknown-placeholder`,
      // A strict section: an unknown key is refused (at the section) rather than asserting nothing.
      `check:default/misspelt ${at('{ url: "https://x", asertions')} invalid-field`,
    ]);
    const dangling = result.warnings.filter((p) => p.code === 'dangling-reference');
    assert.deepEqual(
      dangling.map((p) => `${p.entityRef} ${p.line}:${p.column}`),
      [`check:default/no-service ${at('component:gone')}`],
    );
    const messages = result.errors.map((p) => p.message).join('\n');
    assert.match(messages, /uses file:, not http: or https:/);
    assert.match(messages, /uses data:/);
    assert.match(messages, /at column 8/);
    assert.equal(result.entities, 5, 'the component, the group, ok, tcp-ok and no-service');
  });

  test('a browser script inline or in a file beside the check ($text); template literals are not placeholders', async (t) => {
    const text = [
      component('shop', { owner: 'web' }),
      '---',
      group('web'),
      check('inline', [
        '  service: shop',
        '  type: browser',
        '  browser:',
        '    script: |',
        "      await page.goto('https://shop.example/');",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal in the script
        '      console.log(`at ${page.url()}`);',
      ]),
      check('from-file', [
        '  service: shop',
        '  type: browser',
        '  browser: { script: { $text: ./send-a-parcel.js } }',
      ]),
      check('empty', ['  service: shop', '  type: browser', '  browser: { script: "" }']),
      '',
    ].join('\n');
    const catalog = tempCatalog({
      'catalog-info.yaml': text,
      'send-a-parcel.js':
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the checks' own secret reference
        "await page.goto('https://shop.example/login');\nawait page.fill('#password', '${secret:SHOP_PASSWORD}');\n",
    });
    t.after(() => catalog.cleanup());
    const result = await validateJson(catalog.dir);
    assert.deepEqual(
      result.errors.map((p) => `${p.entityRef} ${p.code}`),
      ['check:default/empty invalid-field'],
    );
    assert.equal(result.entities, 4, 'the component, the group, inline and from-file');
  });
});
