import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { describeEachDatabase } from './support/databases.ts';
import { expectSafePage } from './support/safe-page.ts';
import { useTestServer } from './support/test-server.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/incidents/', import.meta.url));
const NOW = new Date('2026-12-07T10:00:00.000Z');
const HOSTILE_TITLE = '"><img src=x onerror=window.__xss=1> <script>window.__xss=1</script>';
const HOSTILE_NOTE = '<script>window.__xss=1</script>\n\n[click](javascript:alert(1)) <b>bold</b> **fine**';

describeEachDatabase('incident pages', (dialect) => {
  const fixture = useTestServer(dialect, { catalog: FIXTURE, now: () => NOW, writesMaxLoopDelayMs: false });
  let token = '';
  before(async () => {
    token = (await fixture.server.tokens.create('ada', ['incidents:write'], null)).token;
  });
  const form = (path: string, fields: Record<string, string | string[]>) => {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const value of [v].flat()) body.append(k, value);
    return fixture.server.app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
  };
  const get = (path: string) => fixture.server.app.request(path);

  test('the service page offers the declare form with what depends on it; declaring with a hostile title leads to its page, escaped', async () => {
    const service = await expectSafePage(await get('/catalog/default/component/checkout/'), 'service page');
    assert.match(service, /Declare an incident/);
    assert.match(service, /name="also" value="component:default\/storefront"/);
    assert.doesNotMatch(service, /Open incident/);
    const res = await form('/catalog/default/component/checkout/declare-incident/', {
      severity: 'SEV2',
      title: HOSTILE_TITLE,
      also: 'component:default/storefront',
      lead: 'Grace',
      token,
    });
    assert.equal(res.status, 303);
    const location = res.headers.get('location') ?? '';
    assert.match(location, /^\/incidents\/\d+\/$/);
    const page = await expectSafePage(await get(location), 'incident page');
    assert.ok(page.includes('&lt;script&gt;window.__xss=1&lt;/script&gt;'));
    assert.match(page, /Suspected changes/);
    assert.match(page, /Grace/);
    const banner = await expectSafePage(
      await get('/catalog/default/component/checkout/'),
      'service page with an open incident',
    );
    assert.match(banner, /<h2 id="open-incident">Open incident<\/h2>/);
    assert.ok(banner.indexOf('id="open-incident"') < banner.indexOf('id="declare-incident"'), 'the banner comes first');
    const home = await expectSafePage(await get('/'), 'home');
    assert.match(home, /id="open-incidents"/);
    const team = await expectSafePage(await get('/catalog/default/group/checkout-team/'), 'team page');
    assert.match(team, /id="team-incidents"/);
  });

  test('a note with hostile Markdown renders escaped; the status form records who; a wrong token or bad field is a page that says why', async () => {
    const { incident } = await fixture.server.incidents.declare(
      { service: 'payments', severity: 'SEV3', title: 'Refunds slow' },
      'ada',
    );
    const base = `/incidents/${incident.id}/`;
    assert.equal((await form(`${base}notes/`, { body: HOSTILE_NOTE, by: 'Lin', token })).status, 303);
    assert.equal(
      (await form(`${base}status/`, { status: 'mitigated', severity: 'SEV1', lead: 'Grace', token })).status,
      303,
    );
    const page = await expectSafePage(await get(base), 'incident page with a note');
    assert.match(page, /<strong>fine<\/strong>/);
    assert.match(page, /Severity changed from SEV3 to SEV1 by ada/);
    const refused = await form(`${base}notes/`, { body: 'x', token: 'nope' });
    assert.equal(refused.status, 401);
    await expectSafePage(refused, 'refusal');
    const bad = await form(`${base}status/`, { severity: '<b>bold</b>', token });
    assert.equal(bad.status, 422);
    assert.match(await expectSafePage(bad, 'refusal'), /Nothing was changed/);
    assert.equal((await get('/incidents/99999/')).status, 404);
  });

  test('a long timeline shows its newest 200 entries with a link to older ones; a hostile position is the newest page', async () => {
    const { incident } = await fixture.server.incidents.declare(
      {
        service: 'checkout',
        severity: 'SEV4',
        title: 'Chatty',
        startedAt: new Date(NOW.getTime() - 60_000).toISOString(),
      },
      'ada',
    );
    for (let i = 0; i < 230; i++) await fixture.server.incidents.addNote(incident.id, `Note ${i}`, 'ada');
    const path = `/incidents/${incident.id}/`;
    const newest = await expectSafePage(await get(path), 'incident page, newest entries');
    const total = (await fixture.server.incidents.view(incident.id))?.timelineTotal ?? 0;
    assert.ok(total > 230);
    assert.equal((newest.match(/<li class="timeline-event/g) ?? []).length, 200);
    assert.match(newest, /Note 229/);
    assert.doesNotMatch(newest, /Note 0</);
    assert.match(newest, new RegExp(`Entries ${total - 199}–${total} of ${total}`));
    const older = /href="([^"]*\?before=(\d+)#incident-timeline)"/.exec(newest);
    assert.equal(older?.[2], String(total - 200));
    const oldest = await expectSafePage(await get(`${path}?before=${older?.[2]}`), 'incident page, older entries');
    assert.match(oldest, /Note 0</);
    assert.match(oldest, /Back to the newest/);
    assert.doesNotMatch(oldest, /Show older entries/);
    for (const hostile of ['-1', '1e9', '"><script>', '9'.repeat(300)]) {
      const res = await get(`${path}?before=${encodeURIComponent(hostile)}`);
      assert.equal(res.status, 200, hostile);
      assert.match(await res.text(), /Note 229/, hostile);
    }
  });

  test('the list shows open incidents first and filters by severity, status and team; unknown filters are ignored', async () => {
    const { incident } = await fixture.server.incidents.declare(
      { service: 'payments', severity: 'SEV4', title: 'Old one' },
      'ada',
    );
    await fixture.server.incidents.resolve(incident.id, 'ada');
    const all = await expectSafePage(await get('/incidents/'), 'list');
    assert.ok(all.indexOf('Refunds slow') < all.indexOf('Old one'), 'open first');
    const sev4 = await expectSafePage(await get('/incidents/?severity=SEV4'), 'list');
    assert.match(sev4, /Old one/);
    assert.doesNotMatch(sev4, /Refunds slow/);
    const team = await expectSafePage(
      await get('/incidents/?team=group:default/payments-team&status=resolved'),
      'list',
    );
    assert.match(team, /Old one/);
    assert.doesNotMatch(team, /Refunds slow/);
    assert.equal((await get('/incidents/?severity=%3Cscript%3E&since=never')).status, 200);
  });
});
