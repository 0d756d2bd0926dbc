import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { CommandIO } from '../src/cli/io.ts';
import { main } from '../src/main.ts';
import { component, group, tempCatalog } from './support/catalog.ts';
import { PROMTOOL_BINARY, prometheusMissing } from './support/prometheus.ts';

/**
 * `atrium slo rules` and `atrium slo export` on a catalog holding an Atrium SLO, an
 * OpenSLO file and a Sloth file: the rules pass Debian's `promtool check rules` and carry
 * exact thresholds; each export read back as a catalog gives the same SLOs.
 */

const fixtures = join(import.meta.dirname, 'fixtures', 'slo');
const fixture = (name: string) => readFileSync(join(fixtures, name), 'utf8');

const atriumSlos = [
  'apiVersion: atrium.dev/v1',
  'kind: SLO',
  'metadata: {name: checkout-latency, title: Checkout latency}',
  'spec:',
  '  service: checkout',
  '  objective: "99.9"',
  '  window: 28d',
  '  indicator: {latency: {metric: http_request_duration_seconds, threshold: 0.3, selector: \'job="checkout"\'}}',
  '---',
  'apiVersion: atrium.dev/v1',
  'kind: SLO',
  'metadata: {name: checkout-pushed}',
  'spec: {service: checkout, objective: 99, window: 30d, indicator: {events: {}}}',
  '',
].join('\n');

const services = [
  group('team-a'),
  ...['checkout', 'payments', 'ledger'].map((n) => component(n, { owner: 'team-a' })),
].join('---\n');

const catalogs: ReturnType<typeof tempCatalog>[] = [];
after(() => {
  for (const c of catalogs) c.cleanup();
});

function catalog(files: Record<string, string>) {
  const made = tempCatalog(files);
  catalogs.push(made);
  return made;
}

async function run(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CommandIO = { out: (t) => void (out += t), err: (t) => void (err += t), env: {}, cwd };
  const code = await main(args, io);
  return { code, out, err };
}

const full = () =>
  catalog({
    'services.yaml': services,
    'checkout/slos.yaml': atriumSlos,
    'checkout/openslo.yaml': fixture('openslo-inline.yaml'),
    'payments/sloth.yaml': fixture('sloth-plain.yaml'),
  });

describe('atrium slo', () => {
  test('usage: help, a missing action or format, a format for rules', async () => {
    const dir = full().dir;
    const helped = await run(['slo', '--help'], dir);
    assert.equal(helped.code, 0);
    assert.match(helped.out, /atrium slo rules/);
    assert.equal((await run(['slo'], dir)).code, 64);
    assert.equal((await run(['slo', 'import'], dir)).code, 64);
    assert.equal((await run(['slo', 'export'], dir)).code, 64);
    assert.equal((await run(['slo', 'export', '--format', 'yaml'], dir)).code, 64);
    assert.equal((await run(['slo', 'rules', '--format', 'sloth'], dir)).code, 64);
    const listed = await run(['--help'], dir);
    assert.match(listed.out, /slo +export SLOs as OpenSLO or Sloth files/);
  });

  test('a catalog without SLOs, and one whose SLO file has errors, write nothing (65)', async () => {
    const empty = await run(['slo', 'rules', '--catalog', catalog({ 'services.yaml': services }).dir], '/');
    assert.equal(empty.code, 65);
    assert.match(empty.err, /declares no SLO/);
    const broken = catalog({
      'services.yaml': services,
      'slo.yaml': atriumSlos.replace('objective: "99.9"', 'objective: "100"'),
    });
    const refused = await run(['slo', 'rules', '--out', 'rules.yaml', '--catalog', broken.dir], broken.dir);
    assert.equal(refused.code, 65);
    assert.match(refused.err, /slo\.yaml:6:14: error invalid-objective/);
    assert.throws(() => readFileSync(join(broken.dir, 'rules.yaml')));
  });

  test('rules: Sloth names, exact thresholds (28 days too), and promtool accepts them', async (t) => {
    const made = full();
    const result = await run(['slo', 'rules', '--out', 'rules.yaml', '--catalog', made.dir], made.dir);
    assert.equal(result.code, 0, result.err);
    const text = readFileSync(join(made.dir, 'rules.yaml'), 'utf8');
    for (const name of [
      'slo:sli_error:ratio_rate5m',
      'slo:sli_error:ratio_rate3d',
      'slo:sli_error:ratio_rate28d',
      'slo:objective:ratio',
      'slo:error_budget:ratio',
      'slo:time_period:days',
      'slo:current_burn_rate:ratio',
      'slo:period_burn_rate:ratio',
      'slo:period_error_budget_remaining:ratio',
    ])
      assert.ok(text.includes(`record: ${name}`), name);
    // Checkout latency, 99.9 over 28 days: 13.44, 5.6, 2.8 and 0.9333… times a budget of 0.001.
    for (const threshold of ['> 0.01344)', '> 0.0056)', '> 0.0028)', '> 0.000933333333333)'])
      assert.ok(text.includes(threshold), threshold);
    // Payments availability, 99.95 over 30 days, ticket disabled: 14.4 and 6 times 0.0005.
    assert.ok(text.includes('> 0.0072)') && text.includes('> 0.003)'));
    assert.doesNotMatch(text, /\d{6,}9{4}|0{6,}\d|e-\d/, 'no float noise, no exponent');
    assert.match(text, /sloth_id: payments-requests-availability/);
    assert.match(text, /le="0\.3"/);
    assert.doesNotMatch(text, /checkout-pushed/, 'pushed events have no PromQL rules');
    const missing = prometheusMissing();
    if (missing) {
      t.skip(`promtool check skipped: ${missing}`);
      return;
    }
    const checked = await promisify(execFile)(PROMTOOL_BINARY, ['check', 'rules', join(made.dir, 'rules.yaml')]);
    assert.match(checked.stdout, /SUCCESS: \d+ rules found/);
  });

  test('export --format openslo, read back as a catalog, gives the same SLOs', async () => {
    const made = full();
    const exported = await run(['slo', 'export', '--format', 'openslo', '--catalog', made.dir], made.dir);
    assert.equal(exported.code, 0, exported.err);
    assert.match(
      exported.err,
      /slo:default\/checkout-pushed: measured by pushed events or checks; it has no openslo form/,
    );
    const back = catalog({ 'services.yaml': services, 'exported.yaml': exported.out });
    const again = await run(['slo', 'export', '--format', 'openslo', '--catalog', back.dir], back.dir);
    assert.equal(again.code, 0, again.err);
    assert.equal(again.out, exported.out);
    assert.equal(parseAllDocuments(exported.out).length, 4);
  });

  test('export --format sloth: one file per service, read back the same', async () => {
    const made = full();
    const out = join(made.dir, 'sloth.yaml');
    const exported = await run(['slo', 'export', '--format', 'sloth', '--out', out, '--catalog', made.dir], made.dir);
    assert.equal(exported.code, 0, exported.err);
    assert.match(exported.err, /slo:default\/checkout-latency: its window is not 30 days/);
    const text = readFileSync(out, 'utf8');
    const documents = parseAllDocuments(text).map((d) => d.toJS() as { service: string; slos: { name: string }[] });
    assert.deepEqual(
      documents.map((d) => [d.service, d.slos.map((s) => s.name)]),
      [
        ['checkout', ['availability', 'latency']],
        ['payments', ['requests-availability', 'requests-latency']],
      ],
    );
    assert.match(
      text,
      /error_query: sum\(rate\(http_request_duration_seconds_count\{job="payments",code=~"\(5\.\.\|429\)"\}\[\{\{\.window\}\}\]\)\)/,
    );
    const back = catalog({ 'services.yaml': services, 'sloth.yaml': text });
    const again = await run(['slo', 'export', '--format', 'sloth', '--catalog', back.dir], back.dir);
    assert.equal(again.out, text);
  });
});
