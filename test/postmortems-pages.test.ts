import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { describeEachDatabase } from './support/databases.ts';
import { expectSafePage } from './support/safe-page.ts';
import { useTestServer } from './support/test-server.ts';

/**
 * The post-mortem pages: an incident's post-mortem (template before publication), the
 * overdue-actions dashboard with unreviewed post-mortems, and the team page's card, with
 * hostile titles, reasons and Markdown shown as text everywhere.
 */

const FIXTURE = fileURLToPath(new URL('./fixtures/postmortems/', import.meta.url));
const HOSTILE = '<img src=x onerror="window.__xss=1">';

describeEachDatabase('post-mortem pages', (dialect) => {
  let clock = new Date('2026-01-07T10:00:00Z');
  const fixture = useTestServer(dialect, { catalog: FIXTURE, now: () => clock });
  let id = '';
  let token = '';
  before(async () => {
    token = (await fixture.server.tokens.create('ada', ['incidents:write'], null)).token;
    const { incident } = await fixture.server.incidents.declare(
      { service: 'component:default/checkout-service', severity: 'SEV2', title: `Checkout ${HOSTILE}` },
      'ada',
    );
    id = String(incident.id);
    const pm = fixture.server.postmortems;
    const add = (title: string, owner: string) =>
      pm.addItem(id, { title, owner, deadline: '2026-01-21', type: 'prevent' }, 'ada', 'test', undefined);
    await add(`Alert ${HOSTILE}`, 'group:default/checkout');
    const dropped = JSON.parse((await add('Rewrite the queue', 'user:default/jane')).body) as { id: number };
    await pm.deprioritise(dropped.id, `Not now ${HOSTILE}`, 'lead-ann');
  });
  const get = (path: string) => fixture.server.app.request(path);

  test('before publication the post-mortem page shows the template with the incident’s timeline, escaped', async () => {
    const html = await expectSafePage(await get(`/incidents/${id}/postmortem/`), 'post-mortem page');
    assert.match(html, /not published/);
    assert.match(html, /Contributing factors/);
    assert.ok(!html.includes('<img src=x'), 'hostile title shown as text');
    assert.match(html, /Action items \(1 of at most 3\)/);
    assert.match(html, /deprioritised<\/span> by lead-ann: <q>Not now &lt;img/);
  });

  test('a published post-mortem renders its Markdown as docs do, raw HTML as text', async () => {
    await fixture.server.postmortems.publish(
      id,
      `# Summary\n\n${HOSTILE}\n\n[x](javascript:alert(1))`,
      'ada',
      'test',
      undefined,
    );
    const html = await expectSafePage(await get(`/incidents/${id}/postmortem/`), 'post-mortem page');
    assert.match(html, /not reviewed/);
    assert.ok(!html.includes('<img src=x'));
    assert.ok(!html.includes('href="javascript:'));
    assert.equal((await get('/incidents/99999/postmortem/')).status, 404);
  });

  test('the dashboard lists overdue items and unreviewed post-mortems; the team page shows its items', async () => {
    let html = await expectSafePage(await get('/postmortems/'), 'dashboard');
    assert.match(html, /Nothing is overdue/);
    clock = new Date('2026-02-02T00:00:00Z');
    await fixture.server.postmortems.escalate();
    html = await expectSafePage(await get('/postmortems/'), 'dashboard');
    assert.match(html, /badge-error">overdue<\/span> escalated/);
    assert.match(html, new RegExp(`Incident #${id}</a>, published`));
    assert.ok(!html.includes('<img src=x'));
    const team = await expectSafePage(await get('/catalog/default/group/checkout/'), 'team page');
    assert.match(team, /Post-mortem action items/);
    assert.match(team, /1 overdue/);
    assert.match(team, /by lead-ann: <q>Not now &lt;img/, 'a member’s deprioritised item, with who and why');
    assert.ok(!team.includes('<img src=x'));
    assert.doesNotMatch(html, /Next overdue items|First page/, 'one page: no paging links');
    const later = await expectSafePage(await get('/postmortems/?after=999999999'), 'dashboard, after the last item');
    assert.match(later, /Nothing is overdue/);
    assert.match(later, /First page/);
    for (const hostile of ['-1', 'x', '"><script>', '9'.repeat(40)]) {
      const res = await get(`/postmortems/?after=${encodeURIComponent(hostile)}`);
      assert.equal(res.status, 200, hostile);
      assert.match(await res.text(), /badge-error">overdue<\/span> escalated/, hostile);
    }
  });

  const post = (path: string, fields: Record<string, string>) =>
    fixture.server.app.request(path, { method: 'POST', body: new URLSearchParams(fields) });

  test('the forms keep the rules: no owner or deadline, a fourth item and the author’s review are refused with why', async () => {
    const form = { title: 'Be more careful', type: 'process', token };
    const noOwner = await post(`/incidents/${id}/postmortem/actions/`, form);
    assert.equal(noOwner.status, 422);
    const refusal = await expectSafePage(noOwner, 'refusal');
    assert.match(refusal, /Nothing was changed/);
    assert.match(refusal, /owner/);
    const good = { title: 'Add a canary', owner: 'checkout', deadline: '2026-02-10', type: 'prevent', token };
    assert.equal((await post(`/incidents/${id}/postmortem/actions/`, good)).status, 303);
    assert.equal((await post(`/incidents/${id}/postmortem/actions/`, { ...good, title: 'Third' })).status, 303);
    const fourth = await post(`/incidents/${id}/postmortem/actions/`, { ...good, title: 'Fourth' });
    assert.equal(fourth.status, 422);
    assert.match(await fourth.text(), /three items get done, ten get forgotten/);
    assert.equal((await post(`/incidents/${id}/postmortem/actions/`, { ...good, token: 'nope' })).status, 401);
    assert.equal((await post(`/incidents/${id}/postmortem/review/`, { token })).status, 409, 'ada published it');
    assert.equal((await post(`/incidents/${id}/postmortem/publish/`, { markdown: '# Edited', token })).status, 303);
    const page = await expectSafePage(await get(`/incidents/${id}/postmortem/`), 'post-mortem page');
    assert.match(page, /Edited/);
    assert.match(page, /Action items \(3 of at most 3\)/);
  });
});
