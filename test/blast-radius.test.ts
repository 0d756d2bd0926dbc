import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { describeEachDatabase } from './support/databases.ts';
import { expectSafePage } from './support/safe-page.ts';
import { useTestServer } from './support/test-server.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/blast-radius', import.meta.url));
const NOW = new Date('2026-03-02T02:15:00Z');
const CI = { name: 'ci', scopes: ['deployments:write', 'changes:write', 'flags:write'] };

/**
 * The 3 AM case of issue 16: shipment-service fails a minute after a kill switch was
 * flipped on carrier-gateway, its direct dependency. Its page and timeline must show it,
 * with whose change each entry is.
 */
describeEachDatabase('the blast-radius change feed', (dialect) => {
  const fixture = useTestServer(dialect, { catalog: FIXTURE, now: () => NOW });
  const page = async (path: string, status = 200) => {
    const res = await fixture.server.app.request(path);
    assert.equal(res.status, status, `${path} answers ${status}`);
    return expectSafePage(res, path);
  };
  const deploy = (service: string, version: string, finishedAt: string) => ({
    service,
    environment: 'production',
    version,
    status: 'succeeded' as const,
    startedAt: finishedAt,
    finishedAt,
    commits: [],
  });

  before(async () => {
    const { changes, flags } = fixture.server;
    await changes.recordDeployments(
      '/seed',
      [
        deploy('shipment-service', '2.0.0', '2026-03-02T01:00:00Z'),
        deploy('tracking', '7.1.0', '2026-03-02T01:30:00Z'),
        deploy('returns', '3.3.0', '2026-03-02T01:40:00Z'),
      ],
      CI,
      undefined,
      true,
    );
    await changes.recordChange(
      '/seed',
      {
        service: 'resource:carrier-db',
        kind: 'migration',
        summary: 'Added the parcels index',
        at: '2026-03-02T01:50:00Z',
      },
      CI,
      undefined,
    );
    await flags.kill('flag:default/carrier-kill-switch', CI, 'carrier outage');
  });

  test("a kill switch flipped on a direct dependency shows on the service's page and timeline, said to be the dependency's flag", async () => {
    for (const path of [
      '/catalog/default/component/shipment-service/',
      '/catalog/default/component/shipment-service/changes/',
    ]) {
      const html = await page(path);
      assert.match(html, /Turned carrier-kill-switch off in production \(was on\): carrier outage/, path);
      assert.match(
        html,
        /flag <a href="\/catalog\/default\/flag\/carrier-kill-switch\/">carrier-kill-switch<\/a> of dependency <a href="\/catalog\/default\/component\/carrier-gateway\/">carrier-gateway<\/a>/,
        path,
      );
    }
  });

  test('the timeline covers the providers of consumed APIs one hop away, and ?hops= widens or narrows it', async () => {
    const one = await page('/catalog/default/component/shipment-service/changes/');
    assert.match(one, /Deployed 7\.1\.0 to production/);
    assert.match(
      one,
      /provider <a href="\/catalog\/default\/component\/tracking\/">tracking<\/a> of <a href="\/catalog\/default\/api\/tracking-api\/">tracking-api<\/a>/,
    );
    assert.doesNotMatch(one, /Added the parcels index/);
    assert.doesNotMatch(one, /Deployed 3\.3\.0/, 'a dependent is not a suspect');
    const two = await page('/catalog/default/component/shipment-service/changes/?hops=2');
    assert.match(two, /Added the parcels index/);
    assert.match(
      two,
      /dependency <a href="\/catalog\/default\/resource\/carrier-db\/">carrier-db<\/a> of <a href="\/catalog\/default\/component\/carrier-gateway\/">carrier-gateway<\/a>/,
    );
    const zero = await page('/catalog/default/component/shipment-service/changes/?hops=0');
    assert.match(zero, /Deployed 2\.0\.0/);
    assert.doesNotMatch(zero, /carrier-kill-switch off/);
    assert.doesNotMatch(zero, /Deployed 7\.1\.0/);
    await page('/catalog/default/component/shipment-service/changes/?hops=3', 404);
    await page('/catalog/default/component/shipment-service/changes/?hops=one', 404);
  });

  test("a system's timeline includes its parts' flag switches", async () => {
    const html = await page('/catalog/default/system/shipping/changes/');
    assert.match(html, /Turned carrier-kill-switch off in production/);
  });

  test('the timeline API takes hops and says whose change each item is', async () => {
    const res = await fixture.server.app.request('/api/v1/changes?entity=component:shipment-service&hops=1');
    assert.equal(res.status, 200);
    const body = (await res.json()) as { items: { summary: string; origin?: { relation: string; ref: string } }[] };
    const kill = body.items.find((i) => i.summary.startsWith('Turned carrier-kill-switch off'));
    assert.deepEqual(kill?.origin, {
      relation: 'flag',
      ref: 'flag:default/carrier-kill-switch',
      through: 'component:default/carrier-gateway',
      throughRelation: 'dependency',
      depth: 1,
    });
    const plain = await fixture.server.app.request('/api/v1/changes?entity=component:shipment-service');
    const items = ((await plain.json()) as { items: { summary: string }[] }).items.map((i) => i.summary);
    assert.deepEqual(items, ['Deployed 2.0.0 to production'], 'without hops the API answers as before');
    assert.equal(
      (await fixture.server.app.request('/api/v1/changes?entity=component:shipment-service&hops=9')).status,
      400,
    );
  });
});

describeEachDatabase('every dependent', (dialect) => {
  const fixture = useTestServer(dialect, { catalog: FIXTURE, now: () => NOW });
  const page = async (path: string) => {
    const res = await fixture.server.app.request(path);
    assert.equal(res.status, 200, path);
    return expectSafePage(res, path);
  };

  test("the dependencies card lists dependents through dependsOn and the consumers of the service's APIs, as many as the graph counts", async () => {
    const html = await page('/catalog/default/component/shipment-service/');
    const card = html.slice(
      html.indexOf('id="dependencies"'),
      html.indexOf('</section>', html.indexOf('id="dependencies"')),
    );
    assert.match(card, /<h3>Depended on by <span class="n">2<\/span><\/h3>/);
    assert.match(card, /<a href="\/catalog\/default\/component\/returns\/">returns<\/a>/);
    assert.match(
      card,
      /<a href="\/catalog\/default\/component\/label-printer\/">label-printer<\/a> <span class="muted small">component · production · consumes <a href="\/catalog\/default\/api\/shipment-api\/">shipment-api<\/a><\/span>/,
    );
    const graph = await page('/catalog/default/component/shipment-service/graph/');
    assert.match(graph, /2 services depend on it directly or through the APIs it provides/);
  });

  test('the graph links its nodes to their entities (out of the tab order: the edge list is the accessible way), in readable type', async () => {
    const graph = await page('/catalog/default/component/shipment-service/graph/');
    const svg = graph.slice(graph.indexOf('<svg class="graph"'), graph.indexOf('</svg>'));
    assert.match(svg, /<a href="\/catalog\/default\/component\/returns\/" tabindex="-1" aria-hidden="true">/);
    assert.match(svg, /<a href="\/catalog\/default\/api\/shipment-api\/" tabindex="-1" aria-hidden="true">/);
    assert.doesNotMatch(svg, /font-size="(?:[0-9]|1[01])"/);
    // Drawn at its own size (the figure scrolls), never shrunk below the type size.
    assert.match(svg, /<svg class="graph" width="\d+" height="\d+"/);
  });
});

describeEachDatabase('live state after a deployment without a slot', (dialect) => {
  const fixture = useTestServer(dialect, { catalog: FIXTURE, now: () => NOW });

  test('a blue/green environment says which slot is live is unknown, instead of the old version', async () => {
    const bg = (version: string, slot: 'blue' | 'green', finishedAt: string) => ({
      service: 'tracking',
      environment: 'production',
      version,
      status: 'succeeded' as const,
      strategy: 'blue-green' as const,
      slot,
      startedAt: finishedAt,
      finishedAt,
      commits: [],
    });
    await fixture.server.changes.recordDeployments(
      '/seed',
      [
        bg('1.3', 'blue', '2026-03-01T10:00:00Z'),
        {
          service: 'tracking',
          environment: 'production',
          version: '1.4',
          status: 'succeeded',
          startedAt: '2026-03-02T02:10:00Z',
          finishedAt: '2026-03-02T02:10:00Z',
          commits: [],
        },
      ],
      CI,
      undefined,
      true,
    );
    const res = await fixture.server.app.request('/catalog/default/component/tracking/');
    const html = await expectSafePage(res, 'tracking');
    assert.match(
      html,
      /deployed <code>1\.4<\/code> without a slot at <time datetime="2026-03-02T02:10:00.000Z" data-relative>2026-03-02 02:10 UTC<\/time>: which slot is live is unknown — record the slot or the switch/,
    );
    assert.doesNotMatch(html, /<th scope="row">production<\/th><td><code>1\.3<\/code>/);
    const api = await fixture.server.app.request('/api/v1/live?service=tracking');
    const body = (await api.json()) as { environments: { unslotted: unknown }[] };
    assert.deepEqual(body.environments[0]?.unslotted, { version: '1.4', at: '2026-03-02T02:10:00.000Z' });
  });
});
