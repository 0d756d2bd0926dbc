import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { describeEachDatabase } from './support/databases.ts';
import { useTestServer } from './support/test-server.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/incidents/', import.meta.url));
const NOW = new Date('2026-12-07T10:00:00.000Z');
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();
const SEEDER = { name: 'ci', scopes: ['deployments:write', 'changes:write'] };

describeEachDatabase('incidents API', (dialect) => {
  const fixture = useTestServer(dialect, {
    catalog: FIXTURE,
    now: () => NOW,
    receivers: [{ name: 'hooks', type: 'webhook', url: 'http://127.0.0.1:9/hook', secret: 'whsec_HOOKSEKRET' }],
    writesMaxLoopDelayMs: false,
  });
  let token = '';
  let other = '';
  const ids: Record<string, number> = {};
  before(async () => {
    token = (await fixture.server.tokens.create('ada', ['incidents:write'], null)).token;
    other = (await fixture.server.tokens.create('ci-bot', ['deployments:write'], null)).token;
    const { changes } = fixture.server;
    const deploy = async (service: string, version: string, minutesAgo: number, status = 'succeeded') => {
      const result = await changes.recordDeployments(
        '/seed',
        [
          {
            service,
            environment: 'production',
            version,
            status: status as 'succeeded',
            startedAt: ago(minutesAgo + 5),
            finishedAt: ago(minutesAgo),
            commits: [],
            url: `https://ci.example.com/${version}`,
          },
        ],
        SEEDER,
        undefined,
        false,
      );
      ids[`${service}@${version}`] = (JSON.parse(result.body) as { id: number }).id;
    };
    await deploy('checkout', '1.9.0', 8 * 60); // outside the 6 h window
    await deploy('checkout', '2.0.0', 3 * 60);
    await deploy('payments', '5.1.0', 5 * 60);
    await deploy('storefront', '7.0.0', 15); // a dependent: not a suspect of checkout
    await changes.recordChange(
      '/seed',
      {
        service: 'flag:default/new-card-flow',
        kind: 'feature-flag',
        summary: 'Turned new-card-flow on in production',
        at: ago(20),
        environment: 'production',
      },
      SEEDER,
      undefined,
    );
  });

  const request = (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    bearer = token,
  ) =>
    fixture.server.app.request(path, {
      method,
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });

  test('POST declares (201 with an id); GET answers its status, services, one timeline and the flag switch as the first suspect', async () => {
    const res = await request('POST', '/api/v1/incidents', {
      service: 'checkout',
      severity: 'SEV2',
      title: 'Card payments fail',
      startedAt: ago(10),
    });
    assert.equal(res.status, 201);
    const { id } = (await res.json()) as { id: number };
    assert.ok(id > 0);
    const detail = await (await fixture.server.app.request(`/api/v1/incidents/${id}`)).json();
    assert.equal(detail.status, 'detected');
    assert.equal(detail.severity, 'SEV2');
    assert.deepEqual(detail.services, ['component:default/checkout']);
    const changes = detail.timeline.filter((e: { id?: number; type: string }) =>
      ['deployment', 'feature-flag'].includes(e.type),
    );
    assert.deepEqual(
      changes.map((e: { summary: string }) => e.summary),
      ['Deployed 5.1.0 to production', 'Deployed 2.0.0 to production', 'Turned new-card-flow on in production'],
      'the dependency, the service and the flag of the dependency, oldest first; not the dependent, not outside the window',
    );
    for (const entry of detail.timeline) assert.ok(entry.type && entry.at && typeof entry.summary === 'string');
    assert.equal(detail.suspectedChanges[0].type, 'feature-flag');
    assert.equal(detail.suspectedChanges[0].link.kind, 'flag-switch');
    assert.equal(
      detail.suspectedChanges[0].link.href,
      'catalog/default/flag/new-card-flow/switch/?environment=production&action=off',
    );
    assert.equal(detail.suspectedChanges[1].summary, 'Deployed 2.0.0 to production');
    assert.deepEqual(detail.linkedDeployment, {
      id: ids['checkout@2.0.0'],
      service: 'component:default/checkout',
      at: ago(180),
    });
    const outbox = (await fixture.server.notifications.list({}, 50)).filter((e) => e.message.class === 'incident');
    assert.deepEqual(
      outbox.map((e) => [e.receiver, e.message.action, e.dedupKey]),
      [['hooks', 'trigger', `atrium-incident-${id}`]],
    );
    const onTimeline = await fixture.server.changes.timeline('component:default/checkout', { kinds: ['incident'] }, 10);
    assert.equal(onTimeline[0]?.summary, `Incident declared: SEV2 incident #${id}: Card payments fail`);
  });

  test('an Idempotency-Key retry answers the first incident; the key with another body is 422', async () => {
    const body = { service: 'payments', severity: 'SEV3', title: 'Slow refunds' };
    const first = await request('POST', '/api/v1/incidents', body, { 'idempotency-key': 'inc-1' });
    const again = await request('POST', '/api/v1/incidents', body, { 'idempotency-key': 'inc-1' });
    assert.equal(again.status, 201);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal((await again.json()).id, (await first.json()).id);
    const other = await request(
      'POST',
      '/api/v1/incidents',
      { ...body, title: 'Other' },
      { 'idempotency-key': 'inc-1' },
    );
    assert.equal(other.status, 422);
    assert.equal((await other.json()).code, 'idempotency-key-reused');
    assert.equal((await fixture.server.incidents.list({ service: 'component:default/payments' })).length, 1);
  });

  test('bad input is refused with problem+json and nothing declared: unknown service or severity, control characters, a future start, no token, a wrong scope, malformed JSON, an oversized body', async () => {
    const before = (await fixture.server.incidents.list({})).length;
    const cases: [unknown, number, Record<string, string>?, string?][] = [
      [{ service: 'nope', severity: 'SEV2', title: 't' }, 422],
      [{ service: 'checkout', severity: 'SEV9', title: 't' }, 422],
      [{ service: 'checkout', severity: 'SEV2', title: 'a\u0007b' }, 422],
      [{ service: 'checkout', severity: 'SEV2', title: 't', startedAt: '2027-01-01T00:00:00Z' }, 422],
      [{ service: 'checkout', severity: 'SEV2', title: 't', extra: 1 }, 400],
      ['{"service":', 400],
      [{ service: 'checkout', severity: 'SEV2', title: 'x'.repeat(200_000) }, 413],
      [{ service: 'checkout', severity: 'SEV2', title: 't' }, 401, { authorization: '' }],
      [{ service: 'checkout', severity: 'SEV2', title: 't' }, 403, {}, other],
    ];
    for (const [body, status, headers, bearer] of cases) {
      const res = await request('POST', '/api/v1/incidents', body, headers ?? {}, bearer ?? token);
      assert.equal(res.status, status, JSON.stringify(body).slice(0, 80));
      assert.equal(res.headers.get('content-type'), 'application/problem+json');
    }
    assert.equal((await fixture.server.incidents.list({})).length, before);
  });

  test('edits are on the history; escalation and resolution notify and go on the service timeline; open incidents list first', async () => {
    const { id } = await (
      await request('POST', '/api/v1/incidents', {
        service: 'checkout',
        severity: 'SEV3',
        title: 'Slow pages',
        startedAt: ago(30),
      })
    ).json();
    const escalated = await request('PATCH', `/api/v1/incidents/${id}`, {
      severity: 'SEV1',
      roles: { lead: 'Grace' },
      milestones: { acknowledged: ago(25) },
    });
    assert.equal(escalated.status, 200);
    const tooEarly = await request('PATCH', `/api/v1/incidents/${id}`, { milestones: { mitigated: ago(40) } });
    assert.equal(tooEarly.status, 422, 'no milestone before the start');
    const linked = await request('PATCH', `/api/v1/incidents/${id}`, { linkedDeployment: ids['storefront@7.0.0'] });
    assert.equal(linked.status, 422, 'a deployment of an unaffected service cannot be linked');
    const resolved = await request('POST', `/api/v1/incidents/${id}/resolve`, {});
    assert.equal((await resolved.json()).status, 'resolved');
    const detail = await (await fixture.server.app.request(`/api/v1/incidents/${id}`)).json();
    assert.deepEqual(
      detail.history.map((e: { field: string; by: string }) => `${e.field} by ${e.by}`),
      [
        'declared by ada',
        'severity by ada',
        'milestones.acknowledged by ada',
        'roles.lead by ada',
        'status by ada',
        'milestones.resolved by ada',
      ],
    );
    assert.equal(detail.mttaSeconds, 5 * 60);
    assert.equal(detail.mttrSeconds, 30 * 60);
    const actions = (await fixture.server.notifications.list({}, 100))
      .filter((e) => e.dedupKey === `atrium-incident-${id}`)
      .map((e) => e.message.action)
      .reverse();
    assert.deepEqual(actions, ['trigger', 'trigger', 'resolve']);
    const summaries = (
      await fixture.server.changes.timeline('component:default/checkout', { kinds: ['incident'] }, 20)
    ).map((e) => e.summary);
    assert.ok(summaries.includes(`Incident escalated from SEV3: SEV1 incident #${id}: Slow pages`));
    assert.ok(summaries.includes(`Incident resolved: SEV1 incident #${id}: Slow pages`));
    const list = (await (await fixture.server.app.request('/api/v1/incidents?team=checkout-team')).json()).items;
    assert.ok(list.length >= 2);
    const firstClosed = list.findIndex((i: { open: boolean }) => !i.open);
    assert.ok(firstClosed > 0 && list.slice(firstClosed).every((i: { open: boolean }) => !i.open), 'open first');
    assert.equal((await fixture.server.app.request('/api/v1/incidents?since=yesterday')).status, 400);
  });

  test('DORA: the suggested link makes the deployment a change failure, recovered at the resolution; the delivery page says so', async () => {
    const metrics = async () =>
      (await (await fixture.server.app.request('/api/v1/metrics/dora?entity=component:default/payments')).json())
        .current;
    const recorded = await fixture.server.changes.recordDeployments(
      '/seed',
      [
        {
          service: 'payments',
          environment: 'production',
          version: '5.2.0',
          status: 'succeeded',
          startedAt: ago(95),
          finishedAt: ago(90),
          commits: [],
        },
      ],
      SEEDER,
      undefined,
      false,
    );
    const deployment = (JSON.parse(recorded.body) as { id: number }).id;
    const before = await metrics();
    const { id, linkedDeployment } = await (
      await request('POST', '/api/v1/incidents', {
        service: 'payments',
        severity: 'SEV2',
        title: 'Payouts stuck',
        startedAt: ago(60),
      })
    ).json();
    assert.equal(linkedDeployment.id, deployment, 'the last successful production deployment before the start');
    await request('POST', `/api/v1/incidents/${id}/resolve`, { at: ago(30) });
    const after = await metrics();
    assert.deepEqual(
      [after.changeFailureRate.failed, after.changeFailureRate.fromIncidents, after.recoveryTime.fromIncidents],
      [
        before.changeFailureRate.failed + 1,
        before.changeFailureRate.fromIncidents + 1,
        before.recoveryTime.fromIncidents + 1,
      ],
    );
    assert.equal(
      after.deploymentFrequency.deployments,
      before.deploymentFrequency.deployments,
      'still counted as deployed',
    );
    const page = await (await fixture.server.app.request('/catalog/default/component/payments/delivery/')).text();
    assert.match(page, new RegExp(`${after.changeFailureRate.fromIncidents} counted from incidents linked to them`));
    const unlinked = await request('PATCH', `/api/v1/incidents/${id}`, { linkedDeployment: null });
    assert.equal((await unlinked.json()).linkedDeployment, null);
    assert.equal((await metrics()).changeFailureRate.fromIncidents, before.changeFailureRate.fromIncidents);
  });

  test('GET pages the timeline: the newest timelineLimit entries, older pages by timelineBefore, together the whole; bad paging is 400', async () => {
    const { id } = await (
      await request('POST', '/api/v1/incidents', {
        service: 'checkout',
        severity: 'SEV3',
        title: 'Paged',
        startedAt: ago(10),
      })
    ).json();
    for (let i = 0; i < 3; i++)
      assert.equal((await request('POST', `/api/v1/incidents/${id}/notes`, { body: `Note ${i}` })).status, 201);
    const whole = await (await fixture.server.app.request(`/api/v1/incidents/${id}`)).json();
    assert.equal(whole.timelineTotal, whole.timeline.length);
    assert.equal(whole.timelineOlder, null);
    assert.ok(whole.timeline.length > 4);
    const pages: unknown[] = [];
    let before: number | null | undefined;
    do {
      const query = `timelineLimit=2${before === undefined ? '' : `&timelineBefore=${before}`}`;
      const page = await (await fixture.server.app.request(`/api/v1/incidents/${id}?${query}`)).json();
      assert.ok(page.timeline.length <= 2);
      assert.equal(page.timelineTotal, whole.timelineTotal);
      assert.deepEqual(page.suspectedChanges, whole.suspectedChanges, 'suspects ranked from the whole window');
      pages.unshift(...page.timeline);
      before = page.timelineOlder;
    } while (before !== null);
    assert.deepEqual(pages, whole.timeline);
    const past = await (
      await fixture.server.app.request(`/api/v1/incidents/${id}?timelineLimit=1&timelineBefore=999999`)
    ).json();
    assert.deepEqual(past.timeline, whole.timeline.slice(-1), 'a position past the end is the newest');
    for (const bad of [
      'timelineLimit=0',
      'timelineLimit=10001',
      'timelineLimit=-1',
      'timelineLimit=abc',
      'timelineBefore=1e3',
      `timelineLimit=${'9'.repeat(400)}`,
    ]) {
      const res = await fixture.server.app.request(`/api/v1/incidents/${id}?${bad}`);
      assert.equal(res.status, 400, bad);
      assert.match(res.headers.get('content-type') ?? '', /problem\+json/, bad);
    }
  });

  test('a note is stored as written (Markdown, hostile markup included) and shows on the timeline', async () => {
    const { id } = await (
      await request('POST', '/api/v1/incidents', { service: 'checkout', severity: 'SEV4', title: 'Typo' })
    ).json();
    const hostile = '<script>window.__xss=1</script> **rolled back** the flag';
    const res = await request('POST', `/api/v1/incidents/${id}/notes`, { body: hostile });
    assert.equal(res.status, 201);
    const detail = await (await fixture.server.app.request(`/api/v1/incidents/${id}`)).json();
    const note = detail.timeline.find((e: { type: string }) => e.type === 'note');
    assert.equal(note.body, hostile);
    assert.equal(note.by, 'ada');
    assert.equal((await request('POST', '/api/v1/incidents/999999/notes', { body: 'x' })).status, 404);
    assert.equal((await request('POST', `/api/v1/incidents/${id}/notes`, { body: '' })).status, 400);
  });
});
