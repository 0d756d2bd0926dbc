import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { DEFAULT_SEVERITIES } from './model.ts';
import { mapPagerDutyEvent, pagerDutySignatureMatches, severityOf } from './pagerduty.ts';

const sign = (secret: string, body: string) => `v1=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** PagerDuty's documented V3 example, trimmed to what Atrium reads. */
const triggered = (over: Record<string, unknown> = {}) => ({
  event: {
    id: '01BZG7BXWRGU8L8Y2B8KQ7S1WQ',
    event_type: 'incident.triggered',
    resource_type: 'incident',
    occurred_at: '2026-12-07T09:55:00.000Z',
    agent: { summary: 'Tenex Engineer', type: 'user_reference' },
    data: {
      id: 'PGR0VU2',
      type: 'incident',
      title: 'A little bump in the road',
      created_at: '2026-12-07T09:54:00Z',
      urgency: 'high',
      priority: null,
      service: { id: 'PPAY123', summary: 'Payments', type: 'service_reference' },
    },
    ...over,
  },
});

describe('PagerDuty signatures', () => {
  const body = JSON.stringify(triggered());
  it('accepts a v1 HMAC-SHA256 of the raw body under any configured secret, among several signatures', () => {
    assert.equal(pagerDutySignatureMatches(['s1'], body, sign('s1', body)), true);
    assert.equal(pagerDutySignatureMatches(['old', 's2'], body, `${sign('other', body)}, ${sign('s2', body)}`), true);
    assert.equal(pagerDutySignatureMatches(['s1'], body, sign('s1', body).toUpperCase().replace('V1=', 'v1=')), true);
  });
  it('refuses a missing, malformed, foreign or tampered signature', () => {
    assert.equal(pagerDutySignatureMatches(['s1'], body, undefined), false);
    assert.equal(pagerDutySignatureMatches(['s1'], body, ''), false);
    assert.equal(pagerDutySignatureMatches(['s1'], body, 'v1=zz'), false);
    assert.equal(pagerDutySignatureMatches(['s1'], body, sign('s1', body).replace('v1=', 'v0=')), false);
    assert.equal(pagerDutySignatureMatches(['s1'], body, sign('s2', body)), false);
    assert.equal(pagerDutySignatureMatches(['s1'], `${body} `, sign('s1', body)), false);
    assert.equal(pagerDutySignatureMatches([], body, sign('s1', body)), false);
    assert.equal(
      pagerDutySignatureMatches(['s1'], body, `${sign('s1', body)},`.repeat(100)),
      false,
      'an oversized header',
    );
  });
});

describe('PagerDuty events', () => {
  it('maps triggered, acknowledged and resolved with the incident, its service, times and who', () => {
    assert.deepEqual(mapPagerDutyEvent(triggered(), DEFAULT_SEVERITIES), {
      kind: 'triggered',
      eventId: '01BZG7BXWRGU8L8Y2B8KQ7S1WQ',
      incidentId: 'PGR0VU2',
      serviceId: 'PPAY123',
      title: 'A little bump in the road',
      at: '2026-12-07T09:55:00.000Z',
      createdAt: '2026-12-07T09:54:00.000Z',
      severity: 'SEV2',
      agent: 'Tenex Engineer',
    });
    assert.equal(
      mapPagerDutyEvent(triggered({ event_type: 'incident.acknowledged' }), DEFAULT_SEVERITIES).kind,
      'acknowledged',
    );
    assert.equal(
      mapPagerDutyEvent(triggered({ event_type: 'incident.resolved' }), DEFAULT_SEVERITIES).kind,
      'resolved',
    );
  });
  it('ignores other events and payloads that are not V3 events, saying why', () => {
    for (const payload of [
      null,
      [],
      'x',
      {},
      { event: [] },
      triggered({ event_type: 'incident.annotated' }),
      triggered({ occurred_at: 'soon' }),
      triggered({ data: { id: 'P1' } }),
    ]) {
      const mapped = mapPagerDutyEvent(payload, DEFAULT_SEVERITIES);
      assert.equal(mapped.kind, 'ignored', JSON.stringify(payload));
    }
  });
  it('a hostile title loses its control characters and its length; an empty one is named after the incident', () => {
    const mapped = mapPagerDutyEvent(
      triggered({ data: { ...triggered().event.data, title: `bad\u0000\nline\u202e${'x'.repeat(500)}` } }),
      DEFAULT_SEVERITIES,
    );
    assert.equal(mapped.kind === 'triggered' && mapped.title.startsWith('bad line x'), true);
    assert.equal(mapped.kind === 'triggered' && mapped.title.length, 200);
    const empty = mapPagerDutyEvent(
      triggered({ data: { ...triggered().event.data, title: '\u0000' } }),
      DEFAULT_SEVERITIES,
    );
    assert.equal(empty.kind === 'triggered' && empty.title, 'PagerDuty incident PGR0VU2');
  });
  it('severity: a priority named on the scale, else high urgency is the second level and low the third', () => {
    const scale = [
      { name: 'P1', description: 'a' },
      { name: 'P2', description: 'b' },
    ];
    assert.equal(severityOf(scale, 'P1', 'low'), 'P1');
    assert.equal(severityOf(DEFAULT_SEVERITIES, 'P1', 'high'), 'SEV2');
    assert.equal(severityOf(DEFAULT_SEVERITIES, undefined, 'low'), 'SEV3');
    assert.equal(severityOf(scale, undefined, 'low'), 'P2', 'a short scale: its last level');
  });
});
