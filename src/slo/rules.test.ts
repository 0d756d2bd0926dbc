import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { alertFactor } from './burn.ts';
import { formatExact } from './exact.ts';
import { DEFAULT_ALERT_PAIRS, type SloDefinition } from './model.ts';
import { rulesDocument, ruleWindowHours, type RecordingRule, sloRuleGroups, slothLabels } from './rules.ts';

const slo = (extra: Partial<SloDefinition> = {}): SloDefinition => ({
  key: 'slo:default/payments-availability',
  namespace: 'default',
  name: 'payments-availability',
  service: 'component:default/payments',
  owner: 'group:default/team',
  objective: '99.9',
  window: { kind: 'rolling', days: 30 },
  indicator: { type: 'ratio', errors: 'sum(rate(e[{{window}}]))', total: 'sum(rate(t[{{window}}]))' },
  alerting: { pairs: DEFAULT_ALERT_PAIRS, minEvents: 100 },
  ...extra,
});

describe('ruleWindowHours', () => {
  test("the SRE workbook factors for 30 days, Sloth's 3× over 1d, and their 28-day scaling", () => {
    const factors = (days: number) =>
      DEFAULT_ALERT_PAIRS.map((p) => formatExact(alertFactor(p, ruleWindowHours({ kind: 'rolling', days })), 15));
    assert.deepEqual(factors(30), ['14.4', '6', '3', '1']);
    assert.deepEqual(factors(28), ['13.44', '5.6', '2.8', '0.933333333333333']);
    assert.deepEqual(
      DEFAULT_ALERT_PAIRS.map((p) =>
        formatExact(alertFactor(p, ruleWindowHours({ kind: 'calendar', unit: 'month', timeZone: 'UTC' }))),
      ),
      ['14.4', '6', '3', '1'],
      'a rule counts a calendar month as 30 days',
    );
  });
});

describe('sloRuleGroups', () => {
  test("Sloth's ids: <service>-<slo>, the service prefix of a name not repeated, other namespaces prefixed", () => {
    assert.deepEqual(slothLabels(slo()), {
      sloth_id: 'payments-availability',
      sloth_service: 'payments',
      sloth_slo: 'availability',
    });
    assert.equal(slothLabels(slo({ name: 'fast', namespace: 'eu' })).sloth_id, 'eu-payments-fast');
  });

  test('recordings per burn window and for the period, metadata, and one alert per severity', () => {
    const [sli, meta, alerts] = sloRuleGroups(slo());
    assert.deepEqual(
      sli?.rules.map((r) => (r as RecordingRule).labels.sloth_window),
      ['5m', '30m', '1h', '2h', '6h', '1d', '3d', '5m', '30m', '1h', '2h', '6h', '1d', '3d', '30d'],
    );
    assert.deepEqual((sli?.rules[7] as RecordingRule | undefined)?.record, 'slo:sli_total:rate5m');
    assert.equal((sli?.rules[7] as RecordingRule | undefined)?.expr, 'sum(rate(t[5m]))');
    assert.equal((sli?.rules[0] as RecordingRule | undefined)?.expr, '(sum(rate(e[5m])))\n/\n(sum(rate(t[5m])))');
    assert.deepEqual(
      meta?.rules.map((r) => [(r as RecordingRule).record, (r as RecordingRule).expr.split('\n')[0]]),
      [
        ['slo:objective:ratio', 'vector(0.999)'],
        ['slo:error_budget:ratio', 'vector(0.001)'],
        ['slo:time_period:days', 'vector(30)'],
        [
          'slo:current_burn_rate:ratio',
          'slo:sli_error:ratio_rate5m{sloth_id="payments-availability", sloth_service="payments", sloth_slo="availability"}',
        ],
        [
          'slo:period_burn_rate:ratio',
          'slo:sli_error:ratio_rate30d{sloth_id="payments-availability", sloth_service="payments", sloth_slo="availability"}',
        ],
        [
          'slo:period_error_budget_remaining:ratio',
          '1 - slo:period_burn_rate:ratio{sloth_id="payments-availability", sloth_service="payments", sloth_slo="availability"}',
        ],
      ],
    );
    assert.deepEqual(
      alerts?.rules.map((r) => ('alert' in r ? [r.labels.severity, r.expr.match(/> [\d.]+/g)] : [])),
      [
        ['page', ['> 0.0144', '> 0.0144', '> 0.006', '> 0.006']],
        ['ticket', ['> 0.003', '> 0.003', '> 0.001', '> 0.001']],
      ],
    );
  });

  test('each window of a pair needs minEvents events (rate × seconds); none asked, no guard', () => {
    const [, , alerts] = sloRuleGroups(slo());
    const page = alerts?.rules[0]?.expr ?? '';
    const sel = '{sloth_id="payments-availability", sloth_service="payments", sloth_slo="availability"}';
    for (const [window, seconds] of [
      ['5m', 300],
      ['1h', 3600],
      ['30m', 1800],
      ['6h', 21600],
    ] as const)
      assert.ok(
        page.includes(
          `and on(sloth_id, sloth_slo, sloth_service)\n    (slo:sli_total:rate${window}${sel} * ${seconds} >= 100))`,
        ),
        window,
      );
    assert.equal(page.match(/>= 100/g)?.length, 4, 'both windows of both page pairs');
    const unguarded = sloRuleGroups(slo({ alerting: { pairs: DEFAULT_ALERT_PAIRS, minEvents: 0 } }))[2]?.rules[0]?.expr;
    assert.doesNotMatch(unguarded ?? '', /sli_total/);
  });

  test('a good-events ratio is 1 − good/total; no pairs of a severity, no alert of it', () => {
    const good = slo({
      indicator: { type: 'ratio', good: 'sum(rate(g[{{window}}]))', total: 'sum(rate(t[{{window}}]))' },
      alerting: { pairs: DEFAULT_ALERT_PAIRS.filter((p) => p.severity === 'ticket'), minEvents: 100 },
    });
    const [sli, , alerts] = sloRuleGroups(good);
    assert.equal(
      (sli?.rules[0] as RecordingRule | undefined)?.expr,
      '1 - (\n  (sum(rate(g[5m])))\n  /\n  (sum(rate(t[5m])))\n)',
    );
    assert.deepEqual(
      alerts?.rules.map((r) => ('alert' in r ? r.labels.severity : '')),
      ['ticket'],
    );
    assert.equal(sloRuleGroups({ ...good, alerting: { pairs: [], minEvents: 1 } }).length, 2);
  });

  test('the rules document leaves out SLOs without PromQL', () => {
    assert.equal(rulesDocument([slo(), slo({ indicator: { type: 'events' } })]).groups.length, 3);
  });
});
