import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { describeEachDatabase } from './support/databases.ts';
import { useTestServer } from './support/test-server.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/incidents/', import.meta.url));
const NOW = new Date('2026-12-07T10:00:00.000Z');
const SECRETS = ['pd-secret-old', 'pd-secret-new'];

function event(type: string, occurredAt: string, over: Record<string, unknown> = {}) {
  return {
    event: {
      id: `EV-${type}-${occurredAt}`,
      event_type: type,
      occurred_at: occurredAt,
      agent: { summary: 'Tenex <b>Engineer</b>' },
      data: {
        id: 'PGR0VU2',
        title: 'Refunds fail <script>window.__xss=1</script>',
        created_at: '2026-12-07T09:50:00Z',
        urgency: 'high',
        service: { id: 'PPAY123' },
        ...over,
      },
    },
  };
}

describeEachDatabase('PagerDuty V3 webhook', (dialect) => {
  const fixture = useTestServer(dialect, {
    catalog: FIXTURE,
    now: () => NOW,
    incidents: { pagerdutyWebhookSecrets: SECRETS, autoDeclareTeams: [] },
    writesMaxLoopDelayMs: false,
  });
  const deliver = (payload: unknown, signature?: (body: string) => string) => {
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const header = signature
      ? signature(body)
      : `v1=${createHmac('sha256', 'pd-secret-new').update(body).digest('hex')}`;
    if (header) headers['x-pagerduty-signature'] = header;
    return fixture.server.app.request('/api/v1/incidents/webhooks/pagerduty', { method: 'POST', headers, body });
  };

  test('triggered declares on the annotated service once however often delivered; acknowledged and resolved move it', async () => {
    const first = await deliver(event('incident.triggered', '2026-12-07T09:51:00Z'));
    assert.equal(first.status, 200);
    const declared = await first.json();
    assert.equal(declared.outcome, 'declared');
    const again = await (await deliver(event('incident.triggered', '2026-12-07T09:51:00Z'))).json();
    assert.deepEqual(again, {
      outcome: 'unchanged',
      detail: `Already declared as incident #${declared.incident}.`,
      incident: declared.incident,
    });
    const incident = await fixture.server.incidents.get(declared.incident);
    assert.equal(incident?.source, 'pagerduty');
    assert.equal(incident?.externalId, 'PGR0VU2');
    assert.deepEqual(incident?.services, ['component:default/payments']);
    assert.equal(incident?.milestones.started, '2026-12-07T09:50:00.000Z');
    assert.equal(incident?.severity, 'SEV2');
    assert.equal(
      (await (await deliver(event('incident.acknowledged', '2026-12-07T09:53:00Z'))).json()).outcome,
      'updated',
    );
    assert.equal(
      (await (await deliver(event('incident.acknowledged', '2026-12-07T09:53:00Z'))).json()).outcome,
      'unchanged',
    );
    assert.equal((await (await deliver(event('incident.resolved', '2026-12-07T09:58:00Z'))).json()).outcome, 'updated');
    const after = await fixture.server.incidents.get(declared.incident);
    assert.equal(after?.status, 'resolved');
    assert.equal(after?.milestones.acknowledged, '2026-12-07T09:53:00.000Z');
    assert.equal(after?.milestones.resolved, '2026-12-07T09:58:00.000Z');
    const history = await fixture.server.incidents.store.history(declared.incident);
    assert.ok(history.every((e) => e.by === 'Tenex <b>Engineer</b> (PagerDuty)'));
    const page = await (await fixture.server.app.request(`/incidents/${declared.incident}/`)).text();
    assert.ok(!page.includes('<script>window.__xss') && !page.includes('<b>Engineer'), 'escaped on the page');
    // A late trigger of a resolved incident does not reopen it.
    assert.equal(
      (await (await deliver(event('incident.triggered', '2026-12-07T09:59:00Z'))).json()).outcome,
      'unchanged',
    );
  });

  test('missing, wrong and foreign signatures are 401 and change nothing; any configured secret signs', async () => {
    const before = (await fixture.server.incidents.list({})).length;
    const payload = event('incident.triggered', '2026-12-07T09:51:00Z', { id: 'PNEW1' });
    const hmac = (secret: string) => (body: string) => `v1=${createHmac('sha256', secret).update(body).digest('hex')}`;
    for (const signature of [
      () => '',
      () => 'v1=deadbeef',
      hmac('someone-else'),
      (b: string) => hmac('pd-secret-new')(`${b} `),
    ]) {
      const res = await deliver(payload, signature);
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('content-type'), 'application/problem+json');
    }
    assert.equal((await fixture.server.incidents.list({})).length, before);
    const old = await deliver(payload, (b) => `${hmac('rotated-away')(b)},${hmac('pd-secret-old')(b)}`);
    assert.equal((await old.json()).outcome, 'declared');
  });

  test('replays older than a day, oversized bodies, malformed JSON, unknown services and other events are refused or ignored', async () => {
    const stale = await deliver(event('incident.resolved', '2026-12-05T09:00:00Z'));
    assert.equal(stale.status, 422);
    assert.equal((await stale.json()).code, 'delivery-too-old');
    assert.equal((await deliver({ pad: 'x'.repeat(300 * 1024) })).status, 413);
    assert.equal((await deliver('{"event":')).status, 400);
    const unknown = await (
      await deliver(event('incident.triggered', '2026-12-07T09:51:00Z', { id: 'PX', service: { id: 'PNOPE' } }))
    ).json();
    assert.equal(unknown.outcome, 'ignored');
    assert.match(unknown.detail, /pagerduty.com\/service-id: PNOPE/);
    assert.equal(
      (await (await deliver(event('incident.annotated', '2026-12-07T09:51:00Z'))).json()).outcome,
      'ignored',
    );
    const never = await (await deliver(event('incident.resolved', '2026-12-07T09:51:00Z', { id: 'PNEVER' }))).json();
    assert.equal(never.outcome, 'ignored');
  });
});

describeEachDatabase('PagerDuty webhook without a secret', (dialect) => {
  const fixture = useTestServer(dialect, { catalog: FIXTURE, now: () => NOW });
  test('is refused as not configured (500), whatever the signature', async () => {
    const res = await fixture.server.app.request('/api/v1/incidents/webhooks/pagerduty', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-pagerduty-signature': 'v1=00' },
      body: '{}',
    });
    assert.equal(res.status, 500);
    assert.equal((await res.json()).code, 'webhook-not-configured');
  });
});
