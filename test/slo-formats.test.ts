import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import '../src/capabilities.ts';
import { CatalogRoot } from '../src/catalog/files.ts';
import { walkCatalog, type WalkResult } from '../src/catalog/load.ts';
import type { Entity, Problem } from '../src/catalog/model.ts';
import { component, tempCatalog } from './support/catalog.ts';

/**
 * OpenSLO v1 and Sloth files in a catalog: the shapes their own documentation shows
 * (test/fixtures/slo/) become SLO entities; what Atrium cannot honour is a warning at the
 * line written; hostile files get clear errors and never stop the rest of the catalog.
 */

const fixtures = join(import.meta.dirname, 'fixtures', 'slo');
const fixture = (name: string) => readFileSync(join(fixtures, name), 'utf8');

const catalogs: ReturnType<typeof tempCatalog>[] = [];
after(() => {
  for (const c of catalogs) c.cleanup();
});

async function scan(files: Record<string, string>): Promise<WalkResult> {
  const catalog = tempCatalog({
    'services.yaml': ['checkout', 'search', 'payments', 'ledger'].map((n) => component(n)).join('---\n'),
    ...files,
  });
  catalogs.push(catalog);
  return walkCatalog(await CatalogRoot.open(catalog.dir), undefined, {});
}

const problems = (walk: WalkResult): Problem[] =>
  walk.files.flatMap((f) => [...f.problems, ...f.documents.flatMap((d) => d.problems)]);
const where = (p: Problem) => `${p.file}:${p.line} ${p.severity} ${p.code}`;
const slos = (walk: WalkResult): Entity[] => [...walk.parsed.values()].filter((e) => e.kind === 'SLO');

describe('OpenSLO v1 in the catalog', () => {
  test('an SLO with its SLI inline: a counter selector becomes its rate over {{window}}, target 0.999 is 99.9 exactly', async () => {
    const walk = await scan({ 'slo/openslo-inline.yaml': fixture('openslo-inline.yaml') });
    assert.deepEqual(problems(walk).map(where), []);
    assert.deepEqual(slos(walk), [
      {
        apiVersion: 'atrium.dev/v1',
        kind: 'SLO',
        metadata: {
          name: 'checkout-availability',
          title: 'Checkout availability',
          annotations: { 'atrium.dev/slo-format': 'openslo/v1' },
        },
        spec: {
          service: 'checkout',
          description: 'Checkout answers without a server error.',
          objective: '99.9',
          window: '28d',
          indicator: {
            ratio: {
              errors: 'sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{window}}]))',
              total: 'sum(rate(http_requests_total{job="checkout"}[{{window}}]))',
            },
          },
        },
      },
    ]);
  });

  test('documents referring to each other by name; what cannot be honoured is a warning at its line', async () => {
    const walk = await scan({ 'slo/openslo-refs.yaml': fixture('openslo-refs.yaml') });
    assert.deepEqual(problems(walk).map(where).sort(), [
      'slo/openslo-refs.yaml:10 warning openslo-data-source',
      'slo/openslo-refs.yaml:47 warning openslo-notification-target',
      'slo/openslo-refs.yaml:73 warning openslo-window',
      'slo/openslo-refs.yaml:75 warning openslo-budgeting',
      'slo/openslo-refs.yaml:78 warning openslo-ignored',
      'slo/openslo-refs.yaml:79 warning openslo-ignored',
      'slo/openslo-refs.yaml:81 warning openslo-alert-policies',
    ]);
    const [slo] = slos(walk);
    assert.equal(slo?.metadata.title, 'Search availability');
    assert.deepEqual(slo?.spec, {
      service: 'search',
      objective: '99.5',
      window: { calendar: 'month', timeZone: 'Europe/Paris' },
      indicator: {
        ratio: {
          good: 'sum(rate(search_requests_total{code!~"5.."}[{{window}}]))',
          total: 'sum(rate(search_requests_total[{{window}}]))',
        },
      },
      source: 'prometheus-eu',
    });
    assert.match(problems(walk)[0]?.message ?? '', /^OpenSLO v1: connection details are not read/);
  });

  test('what cannot be read is an error at its line, and the rest of the catalog loads', async () => {
    const doc = (spec: string[]) =>
      ['apiVersion: openslo/v1', 'kind: SLO', 'metadata: {name: broken}', 'spec:', '  service: checkout', ...spec].join(
        '\n',
      );
    const ratio = (query: string) => [
      '  indicator:',
      '    spec:',
      '      ratioMetric:',
      '        good: {metricSource: {type: Prometheus, spec: {query: "x[{{window}}]"}}}',
      `        total: {metricSource: {type: Prometheus, spec: {query: ${JSON.stringify(query)}}}}`,
    ];
    const cases: [string, string[], string][] = [
      [
        'threshold',
        ['  indicator: {spec: {thresholdMetric: {metricSource: {spec: {query: q}}}}}', '  objectives: [{target: 0.9}]'],
        ':6 error openslo-threshold-metric',
      ],
      [
        'datadog',
        [
          '  indicator:',
          '    spec:',
          '      ratioMetric:',
          '        good: {metricSource: {type: Datadog, spec: {query: q}}}',
          '        total: {metricSource: {type: Datadog, spec: {query: q}}}',
          '  objectives: [{target: 0.9}]',
        ],
        ':10 error openslo-source-type,:9 error openslo-source-type',
      ],
      ['no window', [...ratio('sum(total)'), '  objectives: [{target: 0.9}]'], ':10 error openslo-query-window'],
      [
        'objective',
        [...ratio('t[{{window}}]'), '  objectives: [{target: 0.9, targetPercent: 90}]'],
        ':11 error openslo-objective',
      ],
      [
        'objective 100',
        [...ratio('t[{{window}}]'), '  objectives: [{targetPercent: 100}]'],
        ':11 error invalid-objective',
      ],
      [
        'hours',
        [
          ...ratio('t[{{window}}]'),
          '  timeWindow: [{duration: 12h, isRolling: true}]',
          '  objectives: [{target: 0.9}]',
        ],
        ':11 error openslo-window',
      ],
      ['ref', ['  indicatorRef: elsewhere', '  objectives: [{target: 0.9}]'], ':6 error openslo-indicator-ref'],
      [
        'injection',
        [...ratio('sum(rate(t[{{window}}])) or {{ .Values.evil }}'), '  objectives: [{target: 0.9}]'],
        ':10 error invalid-query',
      ],
    ];
    for (const [label, spec, expected] of cases) {
      const walk = await scan({ 'bad.yaml': doc(spec) });
      const errors = problems(walk)
        .filter((p) => p.severity === 'error')
        .map(where);
      assert.deepEqual(
        errors.sort(),
        expected
          .split(',')
          .map((e) => `bad.yaml${e}`)
          .sort(),
        label,
      );
      assert.equal(slos(walk).length, 0, label);
      assert.equal(walk.parsed.size, 4, `${label}: the services still load`);
    }
  });

  test('an unknown OpenSLO kind and a name that is no DNS label', async () => {
    const walk = await scan({
      'bad.yaml':
        'apiVersion: openslo/v1\nkind: Budget\nmetadata: {name: b}\n---\napiVersion: openslo/v1\nkind: SLO\nmetadata: {name: Not_Valid}\nspec: {}\n',
    });
    assert.deepEqual(problems(walk).map(where), ['bad.yaml:2 error openslo-kind', 'bad.yaml:7 error openslo-name']);
  });
});

describe('Sloth in the catalog', () => {
  test('the plain prometheus/v1 file: one SLO per entry, named as Sloth names its SLO ids', async () => {
    const walk = await scan({ 'payments/slos.yaml': fixture('sloth-plain.yaml') });
    assert.deepEqual(problems(walk).map(where), [
      'payments/slos.yaml:5 warning sloth-ignored',
      'payments/slos.yaml:15 warning sloth-alerting',
      'payments/slos.yaml:18 warning sloth-alerting',
    ]);
    const [availability, latency] = slos(walk);
    assert.deepEqual(availability, {
      apiVersion: 'atrium.dev/v1',
      kind: 'SLO',
      metadata: { name: 'payments-requests-availability', annotations: { 'atrium.dev/slo-format': 'prometheus/v1' } },
      spec: {
        service: 'payments',
        description: 'Payments answer without 5xx or 429.',
        objective: '99.95',
        window: '30d',
        indicator: {
          ratio: {
            errors: 'sum(rate(http_request_duration_seconds_count{job="payments",code=~"(5..|429)"}[{{window}}]))',
            total: 'sum(rate(http_request_duration_seconds_count{job="payments"}[{{window}}]))',
          },
        },
        alerting: { ticket: false },
      },
    });
    assert.equal(latency?.metadata.name, 'payments-requests-latency');
    assert.equal((latency?.spec as { objective: string } | undefined)?.objective, '99');
  });

  test('the Kubernetes resource: camelCase fields; a raw SLI is an error for that SLO only', async () => {
    const walk = await scan({ 'ledger.yaml': fixture('sloth-kubernetes.yaml') });
    assert.deepEqual(problems(walk).map(where), ['ledger.yaml:23 error sloth-sli']);
    assert.deepEqual(
      slos(walk).map((e) => [e.metadata.name, e.spec?.alerting]),
      [['ledger-writes-availability', { page: false }]],
    );
  });

  test('hostile files: an oversized query, an objective out of range, an SLO id too long, ten thousand SLOs', async () => {
    const query = `sum(rate(x{a="${'y'.repeat(5000)}"}[{{.window}}]))`;
    const file = (slos: string) => `version: prometheus/v1\nservice: payments\nslos:\n${slos}`;
    const entry = (name: string, objective: string, error = 'sum(rate(e[{{.window}}]))') =>
      `  - name: ${name}\n    objective: ${objective}\n    sli: {events: {error_query: ${JSON.stringify(error)}, total_query: "sum(rate(t[{{.window}}]))"}}\n`;
    const walk = await scan({
      'hostile.yaml': file(
        entry('huge', '99', query) +
          entry('zero', '0') +
          entry('x'.repeat(70), '99.9') +
          entry('nan', '.nan') +
          '  - name: bare\n',
      ),
    });
    assert.deepEqual(
      problems(walk)
        .map((p) => `${where(p)} ${p.message.slice(0, 60)}`)
        .sort(),
      [
        'hostile.yaml:14 error sloth-objective Sloth: the objective NaN is not a number',
        'hostile.yaml:16 error sloth-objective Sloth: the objective undefined is not a number',
        'hostile.yaml:6 error query-too-long spec.indicator.ratio.errors: The query is 5030 characters lo',
        'hostile.yaml:8 error invalid-objective spec.objective: The objective "0" is not a percentage above ',
        'hostile.yaml:10 error invalid-name "payments-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
      ].sort(),
    );
    assert.equal(slos(walk).length, 0);
    // Ten thousand SLOs in one file: each read, within the catalog's own limits, in one walk.
    const many = file(Array.from({ length: 10_000 }, (_, i) => entry(`s${i}`, '99.9')).join(''));
    const big = await scan({ 'many.yaml': many });
    assert.equal(slos(big).length, 10_000);
  });
});
