import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { DEFAULT_ALERT_PAIRS, type SloDefinition } from '../src/slo/model.ts';
import { ALERT_NAME, rulesDocument, slothLabels } from '../src/slo/rules.ts';
import { PROMTOOL_BINARY, prometheusMissing } from './support/prometheus.ts';

/**
 * The generated rules run by Debian's `promtool test rules` (Prometheus' own rule
 * evaluation over given series): a quiet service's 1 error in 3 requests does not page,
 * while a busy one burning at 10 % errors does — and without the minimum-event guard the
 * quiet one would, so the guard is what keeps it quiet.
 */

const slo = (service: string, minEvents: number): SloDefinition => ({
  key: `slo:default/${service}-availability`,
  namespace: 'default',
  name: `${service}-availability`,
  service: `component:default/${service}`,
  owner: 'group:default/team',
  objective: '99.9',
  window: { kind: 'rolling', days: 30 },
  indicator: {
    type: 'ratio',
    errors: `sum(rate(http_errors_total{service="${service}"}[{{window}}]))`,
    total: `sum(rate(http_requests_total{service="${service}"}[{{window}}]))`,
  },
  alerting: { pairs: DEFAULT_ALERT_PAIRS, minEvents },
});

/** The alert promtool should see of `service` at one severity. */
const firing = (definition: SloDefinition, severity: 'page' | 'ticket') => {
  const labels = slothLabels(definition);
  return {
    exp_labels: { ...labels, sloth_severity: severity, severity, atrium_slo: definition.key },
    exp_annotations: {
      title: `(${severity}) ${labels.sloth_service} ${labels.sloth_slo} SLO error budget burn rate is too fast.`,
      summary: `${labels.sloth_service} ${labels.sloth_slo} is burning its 99.9% objective's error budget too fast.`,
    },
  };
};

async function promtoolTest(slos: readonly SloDefinition[], expected: readonly object[]) {
  const dir = mkdtempSync(join(tmpdir(), 'atrium-promtool-'));
  try {
    writeFileSync(join(dir, 'rules.yaml'), stringify(rulesDocument(slos), { lineWidth: 0 }));
    const tests = {
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            // Busy: 1,000 requests a minute, 100 of them failing, from the start.
            { series: 'http_requests_total{service="busy"}', values: '0+1000x80' },
            { series: 'http_errors_total{service="busy"}', values: '0+100x80' },
            // Quiet: nothing for 66 minutes, then 3 requests, 1 failing.
            { series: 'http_requests_total{service="quiet"}', values: '0+0x66 3+0x13' },
            { series: 'http_errors_total{service="quiet"}', values: '0+0x66 1+0x13' },
          ],
          alert_rule_test: [{ eval_time: '70m', alertname: ALERT_NAME, exp_alerts: expected }],
        },
      ],
    };
    writeFileSync(join(dir, 'tests.yaml'), stringify(tests, { lineWidth: 0 }));
    return await promisify(execFile)(PROMTOOL_BINARY, ['test', 'rules', join(dir, 'tests.yaml')]).then(
      (r) => ({ ok: true, output: r.stdout + r.stderr }),
      (err: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('generated Prometheus rules under promtool test rules', () => {
  const missing = prometheusMissing();

  test('3 requests with 1 error do not page; a real burn pages and tickets', { skip: missing }, async () => {
    const busy = slo('busy', 100);
    const quiet = slo('quiet', 100);
    const result = await promtoolTest([busy, quiet], [firing(busy, 'page'), firing(busy, 'ticket')]);
    assert.ok(result.ok, result.output);
    assert.match(result.output, /SUCCESS/);
  });

  test('without the guard the quiet service would page: promtool sees its alerts too', { skip: missing }, async () => {
    const busy = slo('busy', 0);
    const quiet = slo('quiet', 0);
    const guarded = await promtoolTest([busy, quiet], [firing(busy, 'page'), firing(busy, 'ticket')]);
    assert.equal(guarded.ok, false, 'the quiet service fires without a minimum');
    assert.match(guarded.output, /quiet/);
    const all = await promtoolTest(
      [busy, quiet],
      [firing(busy, 'page'), firing(busy, 'ticket'), firing(quiet, 'page'), firing(quiet, 'ticket')],
    );
    assert.ok(all.ok, all.output);
  });
});
