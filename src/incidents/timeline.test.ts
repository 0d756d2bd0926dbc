import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Relation } from '../catalog/relations.ts';
import type { FeedEvent } from '../changes/feed-scope.ts';
import {
  editSummary,
  firstLine,
  incidentScope,
  incidentTimeline,
  type TimelineEntry,
  timelinePage,
  timelineWindow,
} from './timeline.ts';

const change = (id: number, over: Partial<FeedEvent>): FeedEvent => ({
  id,
  type: 'change',
  service: 'component:default/checkout',
  at: '2026-12-07T09:00:00.000Z',
  summary: `change ${id}`,
  environment: 'production',
  version: null,
  status: null,
  strategy: null,
  slot: null,
  kind: 'config',
  startedAt: null,
  url: null,
  actor: 'ci',
  commits: null,
  recordedBy: 'ci',
  recordedAt: '2026-12-07T09:00:00.000Z',
  origin: { relation: 'self', ref: 'component:default/checkout', depth: 0 },
  ...over,
});

describe('the incident timeline', () => {
  it('merges changes, milestones, edits and notes on one axis, oldest first, with a fixed order at one instant', () => {
    const timeline = incidentTimeline(
      { id: 3, milestones: { started: '2026-12-07T09:10:00.000Z', detected: '2026-12-07T09:12:00.000Z' } },
      [
        change(1, {
          type: 'deployment',
          kind: null,
          status: 'succeeded',
          version: '2.0.0',
          at: '2026-12-07T08:00:00.000Z',
          summary: 'Deployed 2.0.0 to production',
        }),
        change(2, {
          type: 'traffic-switch',
          kind: null,
          slot: 'green',
          at: '2026-12-07T08:30:00.000Z',
          summary: 'Switched production traffic to green',
        }),
        change(3, {
          kind: 'feature-flag',
          at: '2026-12-07T09:00:00.000Z',
          summary: 'Turned new-card-flow on',
          service: 'flag:default/new-card-flow',
        }),
        change(4, { kind: 'alert', at: '2026-12-07T09:12:00.000Z', summary: 'Availability burning fast' }),
        // The incident's own declaration on the service's timeline: already its history.
        change(5, {
          kind: 'incident',
          at: '2026-12-07T09:12:00.000Z',
          summary: 'Incident declared',
          url: '/incidents/3/',
        }),
        // Another incident's change stays.
        change(6, {
          kind: 'incident',
          at: '2026-12-07T09:13:00.000Z',
          summary: 'Incident #4 declared',
          url: '/incidents/4/',
        }),
      ],
      [
        {
          id: 1,
          incidentId: 3,
          at: '2026-12-07T09:12:00.000Z',
          by: 'ada',
          field: 'declared',
          before: null,
          after: '"SEV2"',
        },
      ],
      [
        {
          id: 9,
          incidentId: 3,
          at: '2026-12-07T09:20:00.000Z',
          by: 'lin',
          body: 'Rolled back **the flag**\nmore detail',
        },
      ],
    );
    assert.deepEqual(
      timeline.map((e) => [e.type, e.at.slice(11, 16), e.summary]),
      [
        ['deployment', '08:00', 'Deployed 2.0.0 to production'],
        ['traffic-switch', '08:30', 'Switched production traffic to green'],
        ['feature-flag', '09:00', 'Turned new-card-flow on'],
        ['milestone', '09:10', 'Started'],
        ['alert', '09:12', 'Availability burning fast'],
        ['milestone', '09:12', 'Detected'],
        ['incident', '09:12', 'Declared SEV2 by ada'],
        ['incident', '09:13', 'Incident #4 declared'],
        ['note', '09:20', 'Rolled back **the flag**'],
      ],
    );
    assert.equal(timeline[0]?.version, '2.0.0');
    assert.equal(timeline[1]?.slot, 'green');
    assert.equal(timeline.at(-1)?.body, 'Rolled back **the flag**\nmore detail');
  });

  it('the window reaches windowHours before the start, to just after the resolution or now', () => {
    const now = new Date('2026-12-07T12:00:00.000Z');
    assert.deepEqual(timelineWindow({ milestones: { started: '2026-12-07T09:00:00.000Z' }, windowHours: 6 }, now), {
      from: '2026-12-07T03:00:00.000Z',
      to: '2026-12-07T12:00:00.001Z',
    });
    assert.deepEqual(
      timelineWindow(
        { milestones: { started: '2026-12-07T09:00:00.000Z', resolved: '2026-12-07T10:00:00.000Z' }, windowHours: 1 },
        now,
      ),
      { from: '2026-12-07T08:00:00.000Z', to: '2026-12-07T10:01:00.001Z' },
    );
  });

  it('edits read as sentences; a note summary is its first line, bounded', () => {
    const e = (field: string, before: string | null, after: string | null) =>
      editSummary({ field, before, after, by: 'ada' });
    assert.equal(e('severity', '"SEV3"', '"SEV1"'), 'Severity changed from SEV3 to SEV1 by ada');
    assert.equal(e('status', '"detected"', '"resolved"'), 'Status changed from detected to resolved by ada');
    assert.equal(e('roles.lead', null, '"Grace"'), 'Incident lead: Grace (set by ada)');
    assert.equal(e('roles.communications', '"Lin"', null), 'Communications: nobody (set by ada)');
    assert.equal(
      e('milestones.mitigated', null, '"2026-12-07T09:30:00.000Z"'),
      'Mitigated time set to 2026-12-07T09:30:00.000Z by ada',
    );
    assert.equal(e('services', '["a"]', '["a","b"]'), 'Affected services changed from a to a, b by ada');
    assert.equal(
      e('linkedDeployment', 'null', '{"id":4,"service":"x","at":"y"}'),
      'Linked deployment set to change #4 by ada',
    );
    assert.equal(e('linkedDeployment', '{"id":4}', 'null'), 'Linked deployment removed by ada');
    assert.equal(e('windowHours', '6', '12'), 'Timeline window set to 12 h by ada');
    assert.equal(e('customerImpact', '""', '"x"'), 'Customer impact updated by ada');
    assert.equal(firstLine('  one\ntwo'), 'one');
    assert.equal(firstLine('x'.repeat(300)).length, 200);
  });
});

describe('a page of the timeline', () => {
  const entries: TimelineEntry[] = Array.from({ length: 5 }, (_, i) => ({
    type: 'note',
    at: `2026-12-07T09:0${i}:00.000Z`,
    summary: `entry ${i}`,
  }));
  const summaries = (page: { entries: TimelineEntry[] }) => page.entries.map((e) => e.summary);

  it('is the newest entries, oldest first, and says where the older page ends', () => {
    const newest = timelinePage(entries, 2);
    assert.deepEqual(summaries(newest), ['entry 3', 'entry 4']);
    assert.equal(newest.total, 5);
    assert.equal(newest.older, 3);
    const middle = timelinePage(entries, 2, newest.older ?? undefined);
    assert.deepEqual(summaries(middle), ['entry 1', 'entry 2']);
    const oldest = timelinePage(entries, 2, middle.older ?? undefined);
    assert.deepEqual(summaries(oldest), ['entry 0']);
    assert.equal(oldest.older, null);
  });

  it('keeps its place as the timeline grows at its new end', () => {
    const first = timelinePage(entries, 2);
    const grown = [...entries, { type: 'note', at: '2026-12-07T09:09:00.000Z', summary: 'entry 5' }];
    assert.deepEqual(summaries(timelinePage(grown, 2, first.older ?? undefined)), ['entry 1', 'entry 2']);
  });

  it('clamps positions and limits out of range; an empty timeline is one empty page', () => {
    assert.deepEqual(summaries(timelinePage(entries, 2, 99)), ['entry 3', 'entry 4']);
    assert.deepEqual(summaries(timelinePage(entries, 2, -4)), []);
    assert.deepEqual(summaries(timelinePage(entries, 0)), ['entry 4']);
    assert.deepEqual(summaries(timelinePage(entries, 10)), summaries({ entries }));
    assert.deepEqual(timelinePage([], 3), { entries: [], total: 0, older: null });
  });
});

describe('the incident scope', () => {
  const relations = [
    ['component:default/checkout', 'dependsOn', 'component:default/payments'],
    ['component:default/payments', 'dependsOn', 'resource:default/payments-db'],
    ['flag:default/new-card-flow', 'flagOf', 'component:default/payments'],
    ['component:default/storefront', 'dependsOn', 'component:default/checkout'],
  ].map(([source, type, target]) => ({ source, type, target }) as Relation);
  const catalog = {
    relationsTouching: async (keys: readonly string[]) =>
      relations.filter((r) => keys.includes(r.source.toLowerCase()) || keys.includes(r.target.toLowerCase())),
  };

  it('covers each affected service, its dependencies two hops away and their flags; not what depends on it', async () => {
    const scope = await incidentScope(catalog, ['component:default/checkout']);
    assert.deepEqual(Object.fromEntries([...scope].map(([k, o]) => [k, `${o.relation}@${o.depth}`])), {
      'component:default/checkout': 'self@0',
      'component:default/payments': 'dependency@1',
      'resource:default/payments-db': 'dependency@2',
      'flag:default/new-card-flow': 'flag@1',
    });
  });

  it('a dependency that is affected itself keeps the nearer origin', async () => {
    const scope = await incidentScope(catalog, ['component:default/checkout', 'component:default/payments']);
    assert.equal(scope.get('component:default/payments')?.relation, 'self');
    assert.equal(scope.get('flag:default/new-card-flow')?.depth, 0);
    assert.equal(scope.get('resource:default/payments-db')?.depth, 1);
  });
});
