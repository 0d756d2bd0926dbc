import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { alertChangeInput, SLO_ALERT_RECORDER, SLO_ALERT_ROUTE } from '../src/slo/alert-change.ts';
import type { AlertEvent } from '../src/slo/model.ts';
import { useTestServer } from './support/test-server.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/incidents/', import.meta.url));
const NOW = new Date('2026-12-07T10:00:00.000Z');

const alert = (severity: AlertEvent['severity'], state: AlertEvent['state'], at: string): AlertEvent => ({
  slo: 'slo:default/checkout-availability',
  severity,
  state,
  at,
  factor: '14.4',
  long: '1h',
  short: '5m',
});

/** Records an alert transition the way the SLO cycle does, then waits (bounded) for what follows it. */
async function fire(server: ReturnType<typeof useTestServer>['server'], event: AlertEvent, service: string) {
  await server.changes.recordChange(
    SLO_ALERT_ROUTE,
    alertChangeInput(event, { service, name: 'checkout-availability', title: 'Checkout availability' }),
    SLO_ALERT_RECORDER,
    `slo-alert:${event.slo}:${event.severity}:${event.state}:${event.at}:${service}`,
  );
  for (let i = 0; i < 50 && (await server.incidents.list({})).length === 0; i++)
    await new Promise((r) => setTimeout(r, 10));
}

describe('incidents declared by page alerts', () => {
  const on = useTestServer('sqlite', {
    catalog: FIXTURE,
    now: () => NOW,
    incidents: { pagerdutyWebhookSecrets: [], autoDeclareTeams: ['group:default/checkout-team'] },
  });
  test('a page alert starting to fire on an opted-in team’s service declares once; tickets, resolutions and other teams do not', async () => {
    await fire(on.server, alert('ticket', 'firing', '2026-12-07T09:00:00.000Z'), 'component:default/checkout');
    await fire(on.server, alert('page', 'firing', '2026-12-07T09:01:00.000Z'), 'component:default/payments');
    await fire(on.server, alert('page', 'resolved', '2026-12-07T09:02:00.000Z'), 'component:default/checkout');
    assert.deepEqual(await on.server.incidents.list({}), []);
    await fire(on.server, alert('page', 'firing', '2026-12-07T09:05:00.000Z'), 'component:default/checkout');
    const [incident, ...rest] = await on.server.incidents.list({});
    assert.equal(rest.length, 0);
    assert.equal(incident?.source, 'slo-alert');
    assert.equal(incident?.severity, 'SEV2');
    assert.equal(incident?.milestones.started, '2026-12-07T09:05:00.000Z');
    assert.match(incident?.title ?? '', /^Checkout availability burns its error budget/);
    await fire(on.server, alert('page', 'firing', '2026-12-07T09:20:00.000Z'), 'component:default/checkout');
    assert.equal((await on.server.incidents.list({})).length, 1, 'an open incident is not declared again');
  });

  describe('off by default', () => {
    const off = useTestServer('sqlite', { catalog: FIXTURE, now: () => NOW });
    test('a page alert declares nothing', async () => {
      await fire(off.server, alert('page', 'firing', '2026-12-07T09:05:00.000Z'), 'component:default/checkout');
      assert.deepEqual(await off.server.incidents.list({}), []);
    });
  });
});
