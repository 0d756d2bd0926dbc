import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { describeEachDatabase } from './support/databases.ts';
import { json, loopbackServer } from './support/loopback.ts';
import { expectSafePage } from './support/safe-page.ts';
import { useTestServer } from './support/test-server.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/paging/', import.meta.url));
const NOW = new Date('2026-12-07T02:14:00.000Z');
const pd = await loopbackServer(json(202, { status: 'success', message: 'Event processed', dedup_key: 'x' }));
after(() => pd.close());

describeEachDatabase('paging', (dialect) => {
  const fixture = useTestServer(dialect, {
    catalog: FIXTURE,
    now: () => NOW,
    receivers: [{ name: 'pagerduty', type: 'pagerduty', url: `${pd.url}/v2/enqueue` }],
    paging: { receiver: 'pagerduty' },
    // Refusals for a late event loop are write-refusals.test.ts's; here a busy test machine must not shed pages.
    writesMaxLoopDelayMs: false,
  });
  let token = '';
  let readOnly = '';
  before(async () => {
    token = (await fixture.server.tokens.create('ada-cli', ['pages:write'], null)).token;
    readOnly = (await fixture.server.tokens.create('ci', ['deployments:write'], null)).token;
  });
  const post = (body: unknown, headers: Record<string, string> = {}, bearer = token) =>
    fixture.server.app.request('/api/v1/pages', {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  test('POST /api/v1/pages queues a page (202), the outbox sends it to PagerDuty with the annotation’s key, the page shows it sent', async () => {
    pd.received.length = 0;
    const res = await post({ service: 'shipment-service', message: 'Checkout fails since 02:10' });
    assert.equal(res.status, 202);
    const page = await res.json();
    assert.equal(page.status, 'queued');
    assert.equal(page.by, 'ada-cli');
    assert.match(page.dedupKey, /^atrium-page-[0-9a-f-]{36}$/);
    assert.equal(pd.received.length, 0, 'the request sends nothing itself');
    await fixture.server.outbox.deliverDue();
    const body = JSON.parse(pd.received[0]?.body ?? '{}');
    assert.equal(body.routing_key, 'R0UTE-SHIPMENT');
    assert.equal(body.dedup_key, page.dedupKey);
    assert.equal(body.payload.summary, 'Shipment service: Checkout fails since 02:10 (paged by ada-cli in Atrium)');
    assert.equal(body.payload.source, 'component:default/shipment-service');
    const status = await fixture.server.app.request(`/api/v1/pages/${page.id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal((await status.json()).sentAt, NOW.toISOString());
    const html = await (await fixture.server.app.request('/catalog/default/component/shipment-service/')).text();
    assert.match(html, /Page the on-call/);
    assert.match(html, /<strong>sent<\/strong> at <time datetime="2026-12-07T02:14:00.000Z"/);
    assert.ok(html.includes(page.dedupKey));
  });

  test('an Idempotency-Key retry answers the first page and pages no one again', async () => {
    const first = await (
      await post({ service: 'shipment-service', message: 'retry me' }, { 'idempotency-key': 'k-1' })
    ).json();
    const again = await post({ service: 'shipment-service', message: 'retry me' }, { 'idempotency-key': 'k-1' });
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal((await again.json()).id, first.id);
  });

  test('the same Idempotency-Key with another message is refused (422) and pages no one', async () => {
    const first = await post({ service: 'shipment-service', message: 'first' }, { 'idempotency-key': 'k-2' });
    assert.equal(first.status, 202);
    const other = await post({ service: 'shipment-service', message: 'second' }, { 'idempotency-key': 'k-2' });
    assert.equal(other.status, 422);
    assert.equal(other.headers.get('content-type'), 'application/problem+json');
    assert.equal(((await other.json()) as { code: string }).code, 'idempotency-key-reused');
    const recent = await fixture.server.paging.recent('component:default/shipment-service', 50);
    assert.equal(recent.filter((p) => p.message === 'second').length, 0);
  });

  test('two requests with one key at once queue one page; both answer it', async () => {
    const [a, b] = await Promise.all([
      post({ service: 'shipment-service', message: 'racing' }, { 'idempotency-key': 'k-race' }),
      post({ service: 'shipment-service', message: 'racing' }, { 'idempotency-key': 'k-race' }),
    ]);
    assert.deepEqual([a.status, b.status], [202, 202]);
    const [pa, pb] = (await Promise.all([a.json(), b.json()])) as { id: number }[];
    assert.equal(pa?.id, pb?.id);
    assert.deepEqual(
      [a.headers.get('idempotent-replayed'), b.headers.get('idempotent-replayed')].sort(),
      ['true', null].sort(),
    );
    const recent = await fixture.server.paging.recent('component:default/shipment-service', 50);
    assert.equal(recent.filter((p) => p.message === 'racing').length, 1);
  });

  test('at write capacity a page is refused (429, Retry-After) before its token is looked up; nothing queued', async (t) => {
    const writes = fixture.server.changes.writes;
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    // Every slot held and the queue full, as writes hung on the database would leave them.
    const held = Array.from({ length: 8 }, () => writes.run(() => released)); // the default eight slots
    const queued = Array.from({ length: 256 }, () => writes.run(async () => undefined));
    t.after(async () => {
      release();
      await Promise.allSettled([...held, ...queued]);
    });
    const before = (await fixture.server.paging.recent('component:default/shipment-service', 50)).length;
    const res = await post({ service: 'shipment-service', message: 'refused' }, {}, 'atrium_not-even-a-token');
    assert.equal(res.status, 429, 'refused before the token, which would be a 401');
    assert.equal(res.headers.get('retry-after'), '1');
    assert.equal(((await res.json()) as { code: string }).code, 'overloaded');
    release();
    await Promise.allSettled([...held, ...queued]);
    assert.equal((await fixture.server.paging.recent('component:default/shipment-service', 50)).length, before);
  });

  test('refusals: no token, the wrong scope, malformed, hostile, oversized and unknown', async () => {
    assert.equal((await post({ service: 'shipment-service', message: 'x' }, {}, 'nope')).status, 401);
    assert.equal((await post({ service: 'shipment-service', message: 'x' }, {}, readOnly)).status, 403);
    assert.equal((await post('{"service": ')).status, 400);
    assert.equal((await post({ service: 'shipment-service', message: 'x', extra: 1 })).status, 400);
    assert.equal((await post({ service: 'shipment-service', message: '' })).status, 400);
    assert.equal((await post({ service: 'shipment-service', message: '   ' })).status, 422);
    assert.equal((await post({ service: 'shipment-service', message: 'a\u0007b\u202e' })).status, 422);
    assert.equal((await post({ service: 'shipment-service', message: 'x'.repeat(1001) })).status, 400);
    assert.equal((await post({ service: 'shipment-service', message: 'x'.repeat(20_000) })).status, 413);
    assert.equal((await post({ service: 'no-such-service', message: 'x' })).status, 404);
    assert.equal((await post({ service: 'component:default/quiet-service', message: 'x' })).status, 409);
    assert.equal((await post({ service: 'component:', message: 'x' })).status, 400);
  });

  test('the Page form pages with a pages:write token and returns to the service; a refusal is an escaped page', async () => {
    const form = (fields: Record<string, string>) =>
      fixture.server.app.request('/catalog/default/component/shipment-service/page-oncall/', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      });
    const ok = await form({ token, message: 'From the form', by: 'Grace' });
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.get('location'), '/catalog/default/component/shipment-service/#page-oncall');
    const html = await (await fixture.server.app.request('/catalog/default/component/shipment-service/')).text();
    assert.match(html, /Grace: “From the form” → <strong>queued<\/strong>/);
    const noToken = await form({ token: 'atrium_forged', message: 'x', by: 'Grace' });
    assert.equal(noToken.status, 401);
    const refused = await form({ token, message: 'a\u0007<script>alert(1)</script>', by: 'Grace' });
    assert.equal(refused.status, 422);
    await expectSafePage(refused, 'the Page form refusal');
    const hostile = await form({ token, message: '<script>alert(1)</script>', by: '<img src=x onerror=alert(1)>' });
    assert.equal(hostile.status, 303);
    const shown = await fixture.server.app.request('/catalog/default/component/shipment-service/');
    const text = await expectSafePage(shown, 'a hostile page on the service page');
    assert.ok(text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    const big = await form({ token, message: 'x'.repeat(20_000), by: 'Grace' });
    assert.equal(big.status, 413);
  });

  test('no Page button where no receiver is configured', async () => {
    const html = await (await fixture.server.app.request('/catalog/default/component/quiet-service/')).text();
    assert.doesNotMatch(html, /Page the on-call/);
  });
});
