import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChangeInputSchema, DeploymentInputSchema, SwitchInputSchema } from '../changes/schema.ts';
import { computeDora } from '../dora/report.ts';
import { demoHistory, profileOf, type DemoService } from './deploy-history.ts';

const END = new Date('2026-03-01T00:00:00Z');
const DAY = 86_400_000;
const services: DemoService[] = [
  ...['cart', 'checkout-web', 'payments', 'orders'].map((n) => ({
    ref: `component:default/${n}`,
    owner: 'group:default/checkout',
  })),
  ...['pick', 'pack', 'stock', 'inbound'].map((n) => ({
    ref: `component:default/${n}`,
    owner: 'group:default/warehouse-systems',
  })),
  { ref: 'component:default/orphan', owner: null },
];

function dora(owner: string) {
  const history = demoHistory(services, END);
  const refs = new Set(services.filter((s) => s.owner === owner).map((s) => s.ref));
  const deployments = history.deployments
    .filter((d) => refs.has(d.service))
    .map((d) => ({
      service: d.service,
      environment: d.environment,
      status: d.status,
      startedAt: Date.parse(d.startedAt),
      finishedAt: Date.parse(d.finishedAt),
      commits: d.commits.map((c) => ({ sha: c.sha, committedAt: Date.parse(c.committedAt) })),
    }));
  return computeDora(
    deployments,
    { from: END.getTime() - 90 * DAY, to: END.getTime() },
    { productionEnvironments: ['production'] },
  );
}

describe('demoHistory', () => {
  it('gives the same history for the same services and end, whatever their order', () => {
    assert.deepEqual(demoHistory(services, END), demoHistory([...services].reverse(), END));
  });

  it('writes only what the API accepts: every record passes its input schema, within the 90 days before the end', () => {
    const history = demoHistory(services, END);
    assert.ok(history.deployments.length > 100);
    for (const d of history.deployments) {
      assert.ok(DeploymentInputSchema.safeParse(d).success, JSON.stringify(d));
      assert.ok(Date.parse(d.finishedAt) <= END.getTime() && Date.parse(d.startedAt) >= END.getTime() - 91 * DAY);
    }
    for (const s of history.switches)
      assert.ok(SwitchInputSchema.safeParse(s).success && Date.parse(s.at) <= END.getTime());
    for (const c of history.changes) assert.ok(ChangeInputSchema.safeParse(c).success);
  });

  it('switches traffic only to a slot that holds a successful deployment from before the switch', () => {
    const history = demoHistory(services, END);
    assert.ok(history.switches.length > 0);
    for (const s of history.switches) {
      const deployed = history.deployments.some(
        (d) =>
          d.service === s.service &&
          d.environment === s.environment &&
          d.slot === s.slot &&
          d.status === 'succeeded' &&
          d.finishedAt <= s.at,
      );
      assert.ok(deployed, JSON.stringify(s));
    }
  });

  it('tells a story: the elite team deploys more often, with shorter lead times and fewer failures, than the struggling one', () => {
    const elite = dora('group:default/checkout');
    const struggling = dora('group:default/warehouse-systems');
    assert.equal(profileOf('group:default/checkout'), 'elite');
    assert.equal(profileOf('group:default/warehouse-systems'), 'struggling');
    assert.equal(profileOf(null), 'high');
    assert.ok(elite.deploymentFrequency.perWeek > 5 * struggling.deploymentFrequency.perWeek);
    assert.ok((elite.leadTime.medianSeconds ?? Infinity) < (struggling.leadTime.medianSeconds ?? 0) / 10);
    assert.ok((elite.changeFailureRate.rate ?? 1) < (struggling.changeFailureRate.rate ?? 0));
    assert.equal(elite.leadTime.tier, 'elite');
    assert.ok(struggling.changeFailureRate.failed > 0, 'the struggling team has rollbacks and failures');
  });
});
