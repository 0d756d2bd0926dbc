import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { incidentLookupOf, PostmortemService } from '../src/postmortems/service.ts';
import { PostmortemStore } from '../src/postmortems/store.ts';
import { describeEachDatabase } from './support/databases.ts';
import { useTestServer } from './support/test-server.ts';

/**
 * Post-mortems on both databases: the three-item rule held by the database across
 * replicas, owners and deadlines checked against the catalog, review by someone else, and
 * escalation of overdue items with an injected clock across sprint boundaries on two
 * service instances sharing one database: each item once per sprint.
 */

const FIXTURE = fileURLToPath(new URL('./fixtures/postmortems/', import.meta.url));
const ROUTE = '/api/v1/incidents/{id}/actions';

describeEachDatabase('post-mortems and action items', (dialect) => {
  let clock = new Date('2026-01-07T10:00:00Z'); // Wednesday of sprint 0 (sprints from Monday 2026-01-05)
  const fixture = useTestServer(dialect, {
    catalog: FIXTURE,
    now: () => clock,
    receivers: [{ name: 'hooks', type: 'webhook', url: 'http://127.0.0.1:9/hook', secret: 'whsec_test_secret_1234' }],
    teamReceivers: { 'group:default/engineering': ['hooks'] },
  });
  let a: PostmortemService;
  let b: PostmortemService;
  // Three incidents declared through the incidents capability: the first (I42), the second (I43), the third (I44).
  let I42 = '';
  let I43 = '';
  let I44 = '';
  before(async () => {
    a = fixture.server.postmortems;
    b = (await fixture.replica()).postmortems;
    const declare = async (title: string) =>
      String(
        (
          await fixture.server.incidents.declare(
            {
              service: 'component:default/checkout-service',
              severity: 'SEV2',
              title,
              startedAt: '2026-01-07T09:00:00Z',
            },
            'ada',
          )
        ).incident.id,
      );
    I42 = await declare('Checkout <b>down</b>');
    I43 = await declare('Quotes slow');
    I44 = await declare('Races');
  });

  const item = (title: string, over: Record<string, unknown> = {}) => ({
    title,
    owner: 'group:default/checkout',
    deadline: '2026-01-21',
    type: 'prevent',
    ...over,
  });
  const added = async (incident: string, body: Record<string, unknown>, key?: string, service = a) =>
    JSON.parse((await service.addItem(incident, body, 'ada', ROUTE, key)).body) as { id: number; status: string };

  test('a fourth item is refused saying why; deprioritising one with a reason makes room', async () => {
    const one = await added(I42, item('Alert on queue depth <script>x</script>'));
    await added(I42, item('Runbook for the payment fallback', { owner: 'user:jane', type: 'process' }));
    await added(I42, item('Retry budget in the client', { ticket: 'https://tickets.example/OPS-7' }));
    await assert.rejects(
      a.addItem(I42, item('Be more careful'), 'ada', ROUTE, undefined),
      (err: Error & { status?: number; code?: string }) => {
        assert.equal(err.status, 422);
        assert.equal(err.code, 'too-many-action-items');
        assert.match(err.message, /three items get done, ten get forgotten/);
        assert.match(err.message, /Merge this one into an existing item/);
        return true;
      },
    );
    await assert.rejects(a.deprioritise(one.id, '  ', 'lead'), /needs a reason/);
    const dropped = await a.deprioritise(one.id, 'Covered by the SLO alert', 'lead');
    assert.deepEqual(
      [dropped.status, dropped.deprioritisedReason, dropped.deprioritisedBy],
      ['deprioritised', 'Covered by the SLO alert', 'lead'],
    );
    await assert.rejects(a.deprioritise(one.id, 'again', 'lead'), /is deprioritised, not open/);
    const fourth = await added(I42, item('Load test the fallback'));
    assert.equal(fourth.status, 'open');
    const view = await a.view(I42);
    assert.equal(view.items.length, 4);
    assert.equal(view.items.filter((i) => i.status !== 'deprioritised').length, 3);
  });

  test('an item without an owner or a deadline, or with an unknown owner, is not saved', async () => {
    const before = (await a.view(I43)).items.length;
    for (const [body, field] of [
      [{ title: 'Be more careful', type: 'process' }, 'owner'],
      [item('x', { owner: 'group:default/nobody' }), 'owner'],
      [item('x', { owner: 'component:default/checkout-service' }), 'owner'],
      [item('x', { deadline: '2026-01-06' }), 'deadline'],
      [item('x', { deadline: '2026-12-31' }), 'deadline'],
      [item('x', { ticket: 'javascript:alert(1)' }), 'ticket'],
    ] as const) {
      await assert.rejects(
        a.addItem(I43, body, 'ada', ROUTE, undefined),
        (err: Error & { status?: number; details?: { errors: { field: string }[] } }) => {
          assert.equal(err.status, 422);
          assert.equal(err.details?.errors[0]?.field, field);
          return true;
        },
      );
    }
    await assert.rejects(a.addItem('99', item('x'), 'ada', ROUTE, undefined), /No incident 99/);
    await assert.rejects(a.addItem('../etc', item('x'), 'ada', ROUTE, undefined), /malformed id/);
    assert.equal((await a.view(I43)).items.length, before);
  });

  test('a retried add with its Idempotency-Key answers the first item; another body with the key is refused', async () => {
    const first = await a.addItem(I43, item('Page on checkout errors'), 'ada', ROUTE, 'key-1');
    const again = await b.addItem(I43, item('Page on checkout errors'), 'ada', ROUTE, 'key-1');
    assert.equal(again.replayed, true);
    assert.equal(again.body, first.body);
    await assert.rejects(
      a.addItem(I43, item('Something else'), 'ada', ROUTE, 'key-1'),
      /already used for a different request/,
    );
    assert.equal((await a.view(I43)).items.length, 1);
  });

  test('two replicas adding at once never get past three', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).addItem(I44, item(`Item ${i}`), 'ada', ROUTE, undefined)),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 3);
    for (const r of results) if (r.status === 'rejected') assert.match(String(r.reason), /at most 3 are allowed/);
    assert.equal((await a.view(I44)).items.length, 3);
  });

  test('a post-mortem is published, edited and reviewed by someone other than its author', async () => {
    const published = await a.publish(I42, '# Post-mortem\n\nText.', 'ada', '/pm', undefined);
    assert.equal(published.status, 200);
    clock = new Date('2026-01-07T11:00:00Z');
    await a.publish(I42, '# Post-mortem\n\nMore text.', 'bob', '/pm', undefined);
    const view = await b.view(I42);
    assert.equal(view.postmortem?.author, 'ada', 'an edit keeps the author');
    assert.equal(view.postmortem?.publishedAt, '2026-01-07T10:00:00.000Z', 'and the publication the clock starts from');
    assert.match(view.postmortem?.markdown ?? '', /More text/);
    await assert.rejects(a.publish(I42, '   ', 'ada', '/pm', undefined), /not empty/);
    await assert.rejects(a.review(I42, 'ada'), /cannot review it/);
    await assert.rejects(a.review(I43, 'bob'), /no published post-mortem/);
    clock = new Date('2026-01-30T00:00:00Z');
    assert.deepEqual(
      (await a.unreviewed(14)).map((p) => p.incidentId),
      [I42],
    );
    assert.deepEqual(
      (await a.unreviewed(30)).map((p) => p.incidentId),
      [],
    );
    const reviewed = await b.review(I42, 'bob');
    assert.deepEqual([reviewed.reviewedBy, reviewed.reviewedAt], ['bob', '2026-01-30T00:00:00.000Z']);
    assert.deepEqual(await a.unreviewed(14), []);
  });

  test('overdue items are escalated once per sprint across two replicas, to the owner’s team lead', async () => {
    clock = new Date('2026-01-30T00:00:00Z');
    await a.publish(I44, '# Races', 'ada', '/pm', undefined); // sprint 1: overdue from sprint 3 (2026-02-16)
    const solo = await added(I43, item('Owned by a team without a lead', { owner: 'solo', deadline: '2026-02-10' }));
    const items42 = (await a.view(I42)).items.filter((i) => i.status === 'open');
    // 42 was published in sprint 0: its items are overdue from 2026-02-02. Mark one of them done.
    const [done, ...open42] = items42;
    await a.complete(done?.id ?? 0, 'jane');
    await assert.rejects(a.complete(done?.id ?? 0, 'jane'), /is done, not open/);
    await a.publish(I43, '# Quotes', 'ada', '/pm', undefined); // published 2026-01-30 (sprint 1) too

    const notifications = async () =>
      (await fixture.server.notifications.list({}, 500)).filter((n) => n.message.class === 'postmortem-action-overdue');
    const run = async () => (await Promise.all([a.escalate(), b.escalate()])).reduce((x, y) => x + y, 0);

    clock = new Date('2026-02-01T23:59:59Z');
    assert.equal(await run(), 0, 'not yet: sprint 1 is the one after publication');
    assert.equal((await a.items({ overdue: true })).length, 0);

    clock = new Date('2026-02-02T00:00:00Z');
    assert.equal(await run(), open42.length, 'sprint 2: each open item of 42 once, by whichever replica claimed it');
    assert.equal(await run(), 0, 'and not again in the same sprint');
    clock = new Date('2026-02-15T23:00:00Z');
    assert.equal(await run(), 0);
    let sent = await notifications();
    assert.equal(sent.length, open42.length);
    assert.ok(sent.every((n) => n.receiver === 'hooks' && n.message.details.leads === 'user:default/ann'));
    const hostile = sent.find((n) => n.message.details.title?.includes('<script>'));
    assert.equal(hostile, undefined, 'the hostile item was deprioritised: it is not escalated');

    clock = new Date('2026-02-16T00:00:00Z'); // sprint 3: 42's items again, 43's and 44's for the first time
    const open43 = (await a.view(I43)).items.filter((i) => i.status === 'open').length;
    const open44 = (await a.view(I44)).items.filter((i) => i.status === 'open').length;
    assert.equal(await run(), open42.length + open43 + open44);
    assert.equal(await run(), 0);
    sent = await notifications();
    const soloItem = await a.items({ owners: ['group:default/solo'] });
    assert.deepEqual(soloItem[0]?.escalatedSprints, [3], 'escalated (shown on pages) though nobody could be notified');
    assert.equal(soloItem[0]?.id, solo.id);
    assert.equal(
      sent.length,
      2 * open42.length + open43 + open44 - 1,
      'both sprints’ messages; everyone but the team without a lead was notified',
    );
    const dedup = new Set(sent.map((n) => n.dedupKey));
    assert.equal(dedup.size, sent.length, 'one message per item and sprint');
    const overdue = await b.items({ overdue: true });
    assert.equal(overdue.length, open42.length + open43 + open44);
    assert.ok(overdue.every((i) => i.overdue && i.status === 'open'));
    assert.deepEqual(
      (await a.items({ incidents: [I42], statuses: ['open'] })).map((i) => i.escalatedSprints),
      open42.map(() => [2, 3]),
    );
  });

  test('lists longer than one read are read in pages: an escalation pass sees every batch; pages follow `next` to the end', async () => {
    const small = new PostmortemService(
      new PostmortemStore(fixture.database),
      (keys) => fixture.server.catalog.store.descriptorsOf(keys),
      incidentLookupOf(fixture.server.incidents),
      fixture.server.notifications,
      { now: () => clock, settings: a.settings, readBatch: 2 },
    );
    clock = new Date('2026-03-02T00:00:00Z'); // sprint 4
    const overdue = await a.items({ overdue: true });
    assert.ok(overdue.length > 2, 'more overdue items than one read of 2');
    assert.equal(await small.escalate(), overdue.length, 'each once, though they came 2 at a time');
    assert.equal(await a.escalate(), 0, 'nothing left for another replica in this sprint');

    const every = (await a.items({})).map((i) => i.id);
    assert.deepEqual(
      every,
      [...every].sort((x, y) => x - y),
    );
    for (const [filter, expected] of [
      [{}, every],
      [{ overdue: true }, overdue.map((i) => i.id)],
    ] as const) {
      const seen: number[] = [];
      let after: number | undefined;
      for (;;) {
        const page = await small.itemsPage(filter, 3, after);
        assert.ok(page.items.length <= 3);
        seen.push(...page.items.map((i) => i.id));
        if (page.next === null) break;
        after = page.next;
      }
      assert.deepEqual(seen, expected);
    }
    assert.deepEqual(await small.itemsPage({}, 5, Number.MAX_SAFE_INTEGER), { items: [], next: null });
  });

  test('a team’s items include its members’ and show deprioritised ones with reason and who', async () => {
    const team = await a.teamItems('group:default/checkout');
    assert.ok(team.some((i) => i.owner === 'user:default/jane'));
    assert.ok(team.some((i) => i.status === 'deprioritised' && i.deprioritisedBy === 'lead'));
    assert.deepEqual(await a.teamItems('group:default/nobody'), []);
  });

  test('another replica’s write reaches this one’s cached team page at its next poll', async () => {
    const teamPage = async () =>
      (await fixture.server.portal.page('catalog/default/group/checkout/', '')).body.toString();
    await a.pollEdits(); // notes where post-mortems stand
    assert.equal(await a.pollEdits(), false, 'nothing written since');
    const before = await teamPage();
    await b.addItem(I43, item('Written on the other replica', { deadline: '2026-04-30' }), 'ada', ROUTE, undefined);
    assert.equal(await teamPage(), before, 'the page cached here does not know yet');
    assert.equal(await a.pollEdits(), true);
    assert.match(await teamPage(), /Written on the other replica/);
    assert.equal(await a.pollEdits(), false, 'and moves once');
  });
});
