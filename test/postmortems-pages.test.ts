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
  before(async () => {
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
  });
});
