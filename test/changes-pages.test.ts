import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SEED_NOW, seedHistory } from './support/changes.ts';
import { describeEachDatabase } from './support/databases.ts';
import { expectSafePage } from './support/safe-page.ts';
import { useTestServer } from './support/test-server.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/portal', import.meta.url));

/** The "What changed" card, the timeline page and the delivery page over HTTP, on both databases. */
describeEachDatabase('change and delivery pages', (dialect) => {
  const fixture = useTestServer(dialect, { catalog: FIXTURE, now: () => SEED_NOW });
  const page = async (path: string, status = 200) => {
    const res = await fixture.server.app.request(path);
    assert.equal(res.status, status, `${path} answers ${status}`);
    return expectSafePage(res, path);
  };

  before(() => seedHistory(fixture.server));

  test('a service page shows what is live and the latest changes right after "When it breaks"', async () => {
    const html = await page('/catalog/default/component/ledger/');
    assert.ok(
      html.indexOf('id="incident"') < html.indexOf('id="changes"') &&
        html.indexOf('id="changes"') < html.indexOf('id="about"'),
    );
    assert.match(html, /<th scope="row">production<\/th><td><code>4\.1\.0<\/code>/);
    assert.match(html, /green live<\/span> blue idle: <code>4\.0\.0<\/code>/);
    assert.match(html, /Switched production traffic from blue \(4\.0\.0\) to green \(4\.1\.0\)/);
    assert.match(html, /href="\/catalog\/default\/component\/ledger\/delivery\/"/);
  });

  test("a team page shows its services' changes with the service named; hostile fields stay text", async () => {
    const html = await page('/catalog/default/group/payments/');
    assert.match(html, /id="changes"/);
    assert.match(html, /href="\/catalog\/default\/component\/payment-service\/"/);
    const hostile = await page('/catalog/default/component/hostile/changes/');
    assert.match(hostile, /&lt;svg onload=window.__xss=1&gt;/);
    assert.match(hostile, /&lt;script&gt;window.__xss=1&lt;\/script&gt;/);
  });

  test('the timeline page filters by type and environment and pages to older events', async () => {
    const own = await page('/catalog/default/component/payment-service/changes/?hops=0');
    assert.equal((own.match(/class="timeline-event"/g) ?? []).length, 14);
    // One hop: ledger (a dependency, and the provider of fraud-api) adds two deployments and a switch.
    const all = await page('/catalog/default/component/payment-service/changes/');
    assert.equal((all.match(/class="timeline-event"/g) ?? []).length, 17);
    const failed = await page(
      '/catalog/default/component/payment-service/changes/?type=deployment&environment=staging',
    );
    assert.match(failed, /Nothing matches the filter/);
    const older = await page(
      `/catalog/default/component/payment-service/changes/?hops=0&before=${encodeURIComponent('2026-01-05T10:00:00.000Z~999999')}`,
    );
    assert.equal((older.match(/class="timeline-event"/g) ?? []).length, 5);
    assert.match(older, /<a href="\/catalog\/default\/component\/payment-service\/changes\/\?hops=0">Newest<\/a>/);
    await page('/catalog/default/component/payment-service/changes/?type=bogus', 404);
    await page('/catalog/default/component/payment-service/changes/?before=yesterday', 404);
    await page('/catalog/default/component/payment-service/changes/?environment=%3Cscript%3E', 404);
  });

  test('the delivery page shows the four metrics with tiers, charts with tables, and the data behind them', async () => {
    const html = await page('/catalog/default/group/payments/delivery/?days=30');
    for (const id of ['frequency', 'lead-time', 'failure-rate', 'recovery'])
      assert.match(html, new RegExp(`<h2 id="${id}">`));
    // In the 30 days to 13:00 on 15 January: payment-service 14 (one failed), ledger 2, hostile 1 (rolled back).
    assert.match(html, /15 successful production deployments/);
    assert.match(
      html,
      /2 of 17 production deployments failed, were rolled back or led to an incident \(0 counted from incidents linked to them\)/,
    );
    assert.equal((html.match(/role="img"/g) ?? []).length, 3);
    assert.equal((html.match(/<summary>Data table<\/summary>/g) ?? []).length, 3);
    assert.match(html, /deploys-without-commits/);
    await page('/catalog/default/group/payments/delivery/?days=31', 404);
    await page('/catalog/default/component/ghost/delivery/', 404);
  });

  test('a recorded deployment shows on the cached page at once', async () => {
    const before = await page('/catalog/default/component/storefront/');
    assert.doesNotMatch(before, /Deployed 9\.9\.9/);
    const { token } = await fixture.server.tokens.create('ci-pages', ['deployments:write'], null);
    const res = await fixture.server.app.request('/api/v1/deployments', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        service: 'storefront',
        environment: 'production',
        version: '9.9.9',
        status: 'succeeded',
        startedAt: '2026-01-15T11:00:00Z',
        finishedAt: '2026-01-15T11:05:00Z',
      }),
    });
    assert.equal(res.status, 201);
    assert.match(await page('/catalog/default/component/storefront/'), /Deployed 9\.9\.9 to production/);
  });
});
