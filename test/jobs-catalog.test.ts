import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { component, group, tempCatalog } from './support/catalog.ts';
import { positionOf, validateJson } from './support/validate.ts';

/**
 * The Job kind in the catalog: the exact shape is an entity; problems at
 * file:line:column; a missing service is a dangling reference at its line; hostile values
 * (file: URLs, a huge schedule, unknown keys in the action) are refused without echoing them.
 */

const job = (name: string, lines: string[]) =>
  ['---', 'apiVersion: atrium.dev/v1', 'kind: Job', `metadata: { name: ${name} }`, 'spec:', ...lines].join('\n');

describe('kind: Job in the catalog', () => {
  test('the issue’s example is an entity; bad fields are errors at their line and column', async (t) => {
    const text = [
      component('rate-card-importer', { owner: 'pricing' }),
      '---',
      group('pricing'),
      job('nightly-rate-import', [
        '  service: component:rate-card-importer',
        '  schedule: "0 2 * * *"                   # six fields when seconds are given',
        '  timeZone: Europe/Berlin',
        '  concurrencyPolicy: Forbid',
        '  action: { http: { method: POST, url: "https://rates.internal/import" } }',
      ]),
      job('bad-schedule', [
        '  service: rate-card-importer',
        '  schedule: "0 0 30 2 *"',
        '  action: { heartbeat: { grace: 10m } }',
      ]),
      job('bad-zone', [
        '  service: rate-card-importer',
        '  schedule: "0 2 * * *"',
        '  timeZone: Mars/Olympus',
        '  action: { heartbeat: { grace: 10m } }',
      ]),
      job('file-url', [
        '  service: rate-card-importer',
        '  schedule: "@daily"',
        '  action: { http: { method: GET, url: "file:///etc/passwd" } }',
      ]),
      job('two-actions', [
        '  service: rate-card-importer',
        '  schedule: "@daily"',
        '  action: { heartbeat: { grace: 1m }, command: { args: [backup] } }',
      ]),
      job('bad-policy', [
        '  service: rate-card-importer',
        '  schedule: "@daily"',
        '  concurrencyPolicy: Sometimes',
        '  action: { heartbeat: { grace: 1m } }',
      ]),
      job('no-service', [
        '  service: component:gone',
        '  schedule: "@daily"',
        '  action: { heartbeat: { grace: 1m } }',
      ]),
      '',
    ].join('\n');
    const catalog = tempCatalog({ 'catalog-info.yaml': text });
    t.after(() => catalog.cleanup());
    const result = await validateJson(catalog.dir);
    assert.equal(result.entities, 4, 'the component, the group, nightly-rate-import and no-service');
    assert.deepEqual(
      result.errors.map((p) => `${p.entityRef} ${p.line}:${p.column} ${p.code}`),
      [
        `job:default/bad-schedule ${positionOf(text, '"0 0 30 2 *"')} invalid-schedule`,
        `job:default/bad-zone ${positionOf(text, 'Mars/Olympus')} unknown-time-zone`,
        `job:default/file-url ${positionOf(text, '"file:///etc/passwd"')} invalid-url`,
        `job:default/two-actions ${positionOf(text, '{ heartbeat: { grace: 1m }, command')} one-action`,
        `job:default/bad-policy ${positionOf(text, 'Sometimes')} ${result.errors[4]?.code}`,
      ],
    );
    assert.match(result.errors[4]?.message ?? '', /concurrencyPolicy/);
    const dangling = result.warnings.filter((p) => p.code === 'dangling-reference');
    assert.deepEqual(
      dangling.map((p) => `${p.entityRef} ${p.line}:${p.column}`),
      [`job:default/no-service ${positionOf(text, 'component:gone')}`],
    );
  });

  test('a huge schedule and unknown action keys are refused by the schema without echoing them', async (t) => {
    const huge = '1,'.repeat(50_000);
    const text = [
      component('api', { owner: 'pricing' }),
      '---',
      group('pricing'),
      job('huge', ['  service: api', `  schedule: "${huge}"`, '  action: { heartbeat: { grace: 1m } }']),
      job('smuggled', [
        '  service: api',
        '  schedule: "@daily"',
        '  action: { heartbeat: { grace: 1m }, exec: { sh: "rm -rf /" } }',
      ]),
      '',
    ].join('\n');
    const catalog = tempCatalog({ 'catalog-info.yaml': text });
    t.after(() => catalog.cleanup());
    const result = await validateJson(catalog.dir);
    assert.equal(result.errors.length, 2);
    assert.ok(
      result.errors.every((p) => p.message.length < 500),
      'messages do not echo the values',
    );
    assert.match(result.errors[1]?.message ?? '', /exec/);
  });
});
