import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SEED_NOW, seedHistory } from './support/changes.ts';
import { describeEachDatabase } from './support/databases.ts';
import { expectSafePage } from './support/safe-page.ts';
import { useTestServer } from './support/test-server.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/portal', import.meta.url));
const WHO = { name: 'ada', scopes: ['flags:write'] };

/** The home page's "Changed recently" (the organisation's deploys, failures and switches) and the catalog's loading on the list, over HTTP on both databases. */
describeEachDatabase('the home page feed', (dialect) => {
  const fixture = useTestServer(dialect, { catalog: FIXTURE, now: () => SEED_NOW });
  const page = async (path: string) => {
    const res = await fixture.server.app.request(path);
    assert.equal(res.status, 200, `${path} answers 200`);
    return expectSafePage(res, path);
  };
  const events = (html: string) => html.slice(html.indexOf('id="recent"')).split('class="timeline-event"').slice(1);

  test("lists the organisation's newest deploys, failures, blue/green and flag switches, linked, newest first, and moves with every write", async () => {
    const empty = await page('/');
    assert.match(empty, /<h2 id="recent">Changed recently<\/h2>/);
    assert.match(empty, /No deployments or switches recorded yet/);
    assert.ok(empty.indexOf('home-q') < empty.indexOf('id="recent"'), 'search comes first');

    await seedHistory(fixture.server);
    await fixture.server.flags.setEnabled('flag:default/instant-refunds', 'production', false, WHO, 'refunds stuck');
    const html = await page('/');
    const shown = events(html);
    assert.equal(shown.length, 12, 'the newest twelve');
    // Newest first: the flag switch (now), then 1.14.0, the hostile rollback (a failure), 1.13.0, the ledger switch.
    assert.match(shown[0] ?? '', /badge-quiet">feature-flag<\/span>/);
    assert.match(shown[0] ?? '', /href="\/catalog\/default\/flag\/instant-refunds\/"/);
    assert.match(shown[1] ?? '', /Deployed 1\.14\.0 to production/);
    assert.match(shown[1] ?? '', /href="\/catalog\/default\/component\/payment-service\/"/);
    assert.match(shown[2] ?? '', /<span class="badge badge-error">Rolled back<\/span>/);
    assert.match(shown[2] ?? '', /&lt;svg onload=window.__xss=1&gt;/, 'hostile text stays text');
    assert.match(shown[4] ?? '', /Switched production traffic from blue \(4\.0\.0\) to green \(4\.1\.0\)/);
    assert.match(shown[4] ?? '', /href="\/catalog\/default\/component\/ledger\/"/);
    assert.match(
      shown[1] ?? '',
      /<time datetime="2026-01-14T10:00:00.000Z" data-relative>2026-01-14 10:00 UTC<\/time>/,
    );
    // Other kinds of change (the hostile config change) are the entities' timelines', not the organisation's feed.
    assert.ok(!shown.some((e) => /badge-quiet">config</.test(e)));
    // The catalog's own loading is no longer on the home page.
    assert.doesNotMatch(html, /class="plain recent"/);

    const { token } = await fixture.server.tokens.create('ci-home', ['deployments:write'], null);
    const res = await fixture.server.app.request('/api/v1/deployments', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        service: 'storefront',
        environment: 'production',
        version: '9.9.9',
        status: 'failed',
        startedAt: '2026-01-15T11:55:00Z',
        finishedAt: '2026-01-15T11:58:00Z',
      }),
    });
    assert.equal(res.status, 201);
    const after = events(await page('/'));
    assert.match(
      after[1] ?? '',
      /<span class="badge badge-error">Failed<\/span> <span class="timeline-summary">Failed to deploy 9\.9\.9/,
    );
    assert.match(after[1] ?? '', /href="\/catalog\/default\/component\/storefront\/"/);
  });

  test('the catalog list says what its syncs loaded last, and links to the list by recent change', async () => {
    const list = await page('/catalog/');
    assert.match(
      list,
      /<p class="muted small recently-loaded">Recently loaded: <a href="\/catalog\/default\/component\//,
    );
    assert.match(list, /<time datetime="[^"]+" data-relative>/);
    assert.match(list, /href="\/catalog\/\?kind=component&amp;sort=updated">all, recently changed first<\/a>/);
    const sorted = await page('/catalog/?kind=component&sort=updated');
    assert.doesNotMatch(sorted, /recently-loaded/, 'the list sorted by change says it itself');
  });
});
