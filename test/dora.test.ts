import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DoraComparison, DoraReport } from '../src/dora/model.ts';
import { DoraService } from '../src/dora/service.ts';
import { component, group, location, tempCatalog, type TempCatalog } from './support/catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { useTestServer } from './support/test-server.ts';

/**
 * GET /api/v1/metrics/dora on a hand-computed history, on both databases. The numbers in
 * the assertions are worked out in the comments, not by the code under test.
 */

const HOUR = 3600;

type Report = Omit<DoraReport, 'window'> & { window: { from: string; to: string } };
interface Body {
  services: number;
  current: Report;
  previous: Report;
  trend: DoraComparison;
  hint?: string;
}

describeEachDatabase('DORA metrics API', (dialect) => {
  let catalog: TempCatalog;

  const d = (
    service: string,
    environment: string,
    status: string,
    finishedAt: string,
    commits: [string, string][] = [],
  ) => ({
    service,
    environment,
    version: finishedAt.slice(0, 13),
    status,
    startedAt: finishedAt,
    finishedAt,
    commits: commits.map(([sha, committedAt]) => ({ sha, committedAt })),
  });

  before(() => {
    catalog = tempCatalog({
      'catalog-info.yaml': location(['./org.yaml', './svc.yaml']),
      'org.yaml': `${group('payments', ['ledger-team'])}---\n${group('ledger-team')}---\n${group('logistics')}`,
      'svc.yaml': [
        component('checkout', { owner: 'payments' }),
        component('ledger', { owner: 'ledger-team' }),
        component('cart', { owner: 'logistics' }),
      ].join('---\n'),
    });
  });
  after(() => catalog.cleanup());
  const fixture = useTestServer(dialect, () => ({ catalog: catalog.dir, now: () => new Date('2026-06-01T00:00:00Z') }));

  before(async () => {
    const { token } = await fixture.server.tokens.create('ci', ['deployments:write'], null);
    const res = await fixture.server.app.request('/api/v1/deployments/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        deployments: [
          d('checkout', 'production', 'succeeded', '2026-05-02T10:00:00Z', [['c1c1c1c', '2026-05-01T10:00:00Z']]), // lead 24 h
          d('checkout', 'production', 'failed', '2026-05-03T10:00:00Z', [['c2c2c2c', '2026-05-03T08:00:00Z']]), // not deployed: no lead time
          d('checkout', 'production', 'succeeded', '2026-05-03T12:00:00Z', [['c2c2c2c', '2026-05-03T08:00:00Z']]), // lead 4 h; recovery 2 h
          d('ledger', 'production', 'rolled_back', '2026-05-10T00:00:00Z'), // no commits: a warning
          d('ledger', 'production', 'succeeded', '2026-05-10T06:00:00Z', [['11111111', '2026-05-09T06:00:00Z']]), // lead 24 h; recovery 6 h
          d('ledger', 'staging', 'succeeded', '2026-05-11T00:00:00Z', [['22222222', '2026-05-10T00:00:00Z']]), // not production
          d('cart', 'production', 'failed', '2026-05-04T00:00:00Z'), // another team
          d('checkout', 'production', 'succeeded', '2026-04-20T00:00:00Z', [['00000000', '2026-04-19T00:00:00Z']]), // the previous window
        ],
      }),
    });
    assert.equal(res.status, 201);
  });

  const dora = async (query: string) => {
    const res = await fixture.server.app.request(`/api/v1/metrics/dora?${query}`);
    return { status: res.status, body: (await res.json()) as Body };
  };

  test('a team with a child team: the four metrics, their tiers and the data behind them', async () => {
    const { status, body } = await dora(
      'entity=group:default/payments&from=2026-05-01T00:00:00Z&to=2026-05-15T00:00:00Z',
    );
    assert.equal(status, 200);
    assert.equal(body.services, 4); // payments, ledger-team, checkout, ledger
    assert.deepEqual(body.current.window, { from: '2026-05-01T00:00:00.000Z', to: '2026-05-15T00:00:00.000Z' });
    // 3 successful production deployments (checkout ×2, ledger ×1) on 3 UTC days, over 2 weeks.
    assert.deepEqual(body.current.deploymentFrequency, {
      deployments: 3,
      perWeek: 1.5,
      deployDays: 3,
      deployDaysPerWeek: 1.5,
      tier: 'high',
    });
    // Lead times 24 h, 4 h, 24 h: median 24 h, which is not under a day.
    assert.equal(body.current.leadTime.commits, 3);
    assert.equal(body.current.leadTime.medianSeconds, 24 * HOUR);
    assert.equal(body.current.leadTime.tier, 'high');
    // 2 of 5 production deployments failed or were rolled back.
    assert.deepEqual(body.current.changeFailureRate, {
      deployments: 5,
      failed: 2,
      fromIncidents: 0,
      rate: 0.4,
      tier: 'low',
    });
    // Recoveries of 2 h and 6 h: median 4 h.
    assert.deepEqual(body.current.recoveryTime, {
      recovered: 2,
      unrecovered: 0,
      fromIncidents: 0,
      medianSeconds: 4 * HOUR,
      tier: 'high',
    });
    assert.ok(body.current.warnings.some((w) => w.code === 'deploys-without-commits' && w.count === 1));
    // The previous two weeks had one successful deployment: 0.5 a week, so frequency got better.
    assert.equal(body.previous.deploymentFrequency.deployments, 1);
    assert.equal(body.trend.deploymentFrequency.direction, 'better');
  });

  test('a service alone, another team, and a configurable production environment', async () => {
    const checkout = (await dora('entity=checkout&from=2026-05-01T00:00:00Z&to=2026-05-15T00:00:00Z')).body;
    assert.deepEqual(
      [checkout.current.changeFailureRate.deployments, checkout.current.changeFailureRate.failed],
      [3, 1],
    );
    const logistics = (await dora('entity=group:default/logistics&from=2026-05-01T00:00:00Z&to=2026-05-15T00:00:00Z'))
      .body;
    assert.deepEqual(logistics.current.recoveryTime, {
      recovered: 0,
      unrecovered: 1,
      fromIncidents: 0,
      medianSeconds: null,
      tier: null,
    });
  });

  test('a new deployment shows in the metrics at once, and a tiny or expired cache gives the same answers', async () => {
    const window = 'from=2026-05-01T00:00:00Z&to=2026-05-15T00:00:00Z';
    const lazily = (await dora(`entity=group:default/payments&${window}`)).body;
    // Warmed, the memory is complete: the same answers, and new writes are appended to it.
    await fixture.server.dora.warm();
    const before = (await dora(`entity=group:default/payments&${window}`)).body;
    assert.deepEqual(before, lazily);
    const { token } = await fixture.server.tokens.create('ci-more', ['deployments:write'], null);
    const res = await fixture.server.app.request('/api/v1/deployments', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(
        d('ledger', 'production', 'succeeded', '2026-05-12T00:00:00Z', [['33333333', '2026-05-11T00:00:00Z']]),
      ),
    });
    assert.equal(res.status, 201);
    const after = (await dora(`entity=group:default/payments&${window}`)).body;
    assert.equal(after.current.deploymentFrequency.deployments, before.current.deploymentFrequency.deployments + 1);
    // Another replica's write: everything is dropped and warmed again, with the same answers.
    fixture.server.dora.recorded();
    assert.deepEqual((await dora(`entity=group:default/payments&${window}`)).body, after);
    let clock = 0;
    const tiny = new DoraService(fixture.server.changes, { cachedDeployments: 2, cacheTtlMs: 1000, now: () => clock });
    const w = { from: Date.parse('2026-05-01T00:00:00Z'), to: Date.parse('2026-05-15T00:00:00Z') };
    const expected = await fixture.server.dora.metrics('group:default/payments', w);
    await tiny.warm(); // too much history for this memory: it stays incomplete and reads on demand
    assert.deepEqual(await tiny.metrics('group:default/payments', w), expected);
    assert.deepEqual(await tiny.metrics('group:default/payments', w), expected);
    clock = 5000;
    assert.deepEqual(await tiny.metrics('group:default/payments', w), expected);
  });

  test('bad windows and entities are refused with a hint; the default window is the last 30 days', async () => {
    for (const query of [
      'entity=checkout&from=2026-05-02T00:00:00Z&to=2026-05-01T00:00:00Z',
      'entity=checkout&from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
      'entity=checkout&from=soon',
      'entity=',
      'from=2026-05-01T00:00:00Z',
    ]) {
      const { status, body } = await dora(query);
      assert.equal(status, 400, query);
      assert.ok(body.hint);
    }
    assert.equal((await dora('entity=ghost')).status, 404);
    const { body } = await dora('entity=checkout');
    assert.deepEqual(body.current.window, { from: '2026-05-02T00:00:00.000Z', to: '2026-06-01T00:00:00.000Z' });
  });
});
