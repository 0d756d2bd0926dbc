import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { component, group, tempCatalog } from './support/catalog.ts';
import { positionOf, validateJson } from './support/validate.ts';

/**
 * The SLO kind in the catalog: problems at file:line:column, a missing service as a dangling
 * reference at its line, hostile files (huge queries, bad objectives, 10,000 SLOs in one file).
 */

const slo = (name: string, lines: string[]) =>
  ['---', 'apiVersion: atrium.dev/v1', 'kind: SLO', 'metadata:', `  name: ${name}`, 'spec:', ...lines].join('\n');

describe('kind: SLO in the catalog', () => {
  test('a valid SLO is an entity; bad fields are errors at their line and column', async (t) => {
    const text = [
      component('shipment-service', { owner: 'logistics' }),
      '---',
      group('logistics'),
      slo('ok', ['  service: shipment-service', '  objective: 99.9', '  window: 28d', '  indicator: { events: {} }']),
      slo('bad-objective', [
        '  service: shipment-service',
        '  objective: 1e3',
        '  window: 30d',
        '  indicator: { events: {} }',
      ]),
      slo('bad-window', [
        '  service: shipment-service',
        '  objective: "99.5"',
        '  window: { calendar: month, timeZone: Mars/Olympus }',
        '  indicator: { events: {} }',
      ]),
      slo('two-indicators', [
        '  service: shipment-service',
        '  objective: 99',
        '  window: 30d',
        '  indicator: { events: {}, checks: { names: [login] } }',
      ]),
      slo('no-service', [
        '  service: component:gone',
        '  objective: 99',
        '  window: 30d',
        '  indicator: { events: {} }',
      ]),
      '',
    ].join('\n');
    const catalog = tempCatalog({ 'catalog-info.yaml': text });
    t.after(() => catalog.cleanup());
    const result = await validateJson(catalog.dir);
    assert.equal(result.entities, 4, 'the component, the group, ok and no-service');
    assert.deepEqual(
      result.errors.map((p) => `${p.entityRef} ${p.line}:${p.column} ${p.code}`),
      [
        `slo:default/bad-objective ${positionOf(text, '1e3')} invalid-objective`,
        `slo:default/bad-window ${positionOf(text, 'Mars/Olympus')} unknown-time-zone`,
        `slo:default/two-indicators ${positionOf(text, '{ events: {}, checks')} one-indicator`,
      ],
    );
    const dangling = result.warnings.filter((p) => p.code === 'dangling-reference');
    assert.deepEqual(
      dangling.map((p) => `${p.entityRef} ${p.line}:${p.column} ${p.message}`),
      [
        `slo:default/no-service ${positionOf(text, 'component:gone')} spec.service refers to component:default/gone, which is not in the catalog`,
      ],
    );
  });

  test('a huge query is refused by the schema without being kept', async (t) => {
    const huge = `sum(rate(x[{{window}}]))${' or up'.repeat(100_000)}`;
    const text = [
      component('api', { owner: 'logistics' }),
      '---',
      group('logistics'),
      slo('huge', [
        '  service: api',
        '  objective: 99',
        '  window: 30d',
        '  indicator:',
        '    ratio:',
        `      good: "${huge}"`,
        '      total: "sum(rate(t[{{window}}]))"',
      ]),
      '',
    ].join('\n');
    const catalog = tempCatalog({ 'catalog-info.yaml': text });
    t.after(() => catalog.cleanup());
    const result = await validateJson(catalog.dir);
    const [problem] = result.errors;
    assert.equal(result.errors.length, 1);
    assert.equal(`${problem?.line}:${problem?.column}`, positionOf(text, `"${huge.slice(0, 10)}`));
    assert.match(problem?.message ?? '', /spec\.indicator\.ratio\.good/);
    assert.ok((problem?.message.length ?? 0) < 500, 'the message does not echo the query');
  });

  test('10,000 SLOs in one file are read within the catalog limits', async (t) => {
    const docs = [component('api', { owner: 'logistics' }), '---', group('logistics')];
    for (let i = 0; i < 10_000; i++)
      docs.push(
        slo(`slo-${i}`, [
          '  service: api',
          `  objective: ${i % 2 === 0 ? '99.9' : '100'}`,
          '  window: 30d',
          '  indicator: { events: {} }',
        ]),
      );
    const catalog = tempCatalog({ 'catalog-info.yaml': `${docs.join('\n')}\n` });
    t.after(() => catalog.cleanup());
    const result = await validateJson(catalog.dir);
    assert.equal(result.entities, 2 + 5_000);
    assert.equal(result.errors.length, 5_000);
    assert.ok(result.errors.every((p) => p.code === 'invalid-objective'));
  });
});
