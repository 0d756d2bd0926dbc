import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Relation } from '../catalog/relations.ts';
import type { FeedEvent } from '../changes/feed-scope.ts';
import type { IncidentNote } from './model.ts';
import {
  editSummary,
  firstLine,
  incidentScope,
  incidentTimeline,
  type TimelinePage,
  timelinePageOf,
  timelinePagePlan,
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
      { milestones: { started: '2026-12-07T09:10:00.000Z', detected: '2026-12-07T09:12:00.000Z' } },
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
        // Another incident's change stays (the incident's own are left out by the query: test/incident-timeline-rows.test.ts).
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
  const T0 = Date.parse('2026-12-07T09:00:00.000Z');
  const minute = (m: number) => new Date(T0 + m * 60_000).toISOString();
  const note = (id: number, m: number): IncidentNote => ({
    id,
    incidentId: 3,
    at: minute(m),
    by: 'ada',
    body: `note ${id}`,
  });
  const incident = { milestones: { started: minute(5) } };

  /** The page from the whole timeline in hand: entries [start, end) of it, positions counted from the oldest. */
  function reference(all: readonly FeedEvent[], notes: IncidentNote[], limit: number, before?: number): TimelinePage {
    const whole = incidentTimeline(incident, all, [], notes);
    const end = Math.min(Math.max(0, before ?? whole.length), whole.length);
    const start = Math.max(0, end - Math.max(1, limit));
    return { entries: whole.slice(start, end), total: whole.length, older: start > 0 ? start : null };
  }

  /** The page from only the changes the plan reads, newest first, as the store answers them. */
  function planned(all: readonly FeedEvent[], notes: IncidentNote[], limit: number, before?: number): TimelinePage {
    const others = incidentTimeline(incident, [], [], notes).length;
    const plan = timelinePagePlan(all.length, others, limit, before);
    const newestFirst = [...all].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : b.id - a.id));
    const read = newestFirst.slice(plan.offset, plan.offset + plan.count);
    assert.ok(plan.count <= Math.max(1, limit) + others, 'reads at most the page and the other entries');
    return timelinePageOf(incident, plan, read, [], notes);
  }

  it('reads only the changes the page needs and answers what the whole timeline would, for every position and size', () => {
    // Changes and notes interleaved, with ties at one instant (changes first, by id) and notes newest and oldest.
    const changes = [0, 1, 1, 2, 4, 5, 5, 7, 8, 8, 8, 9].map((m, i) => change(i + 1, { at: minute(m) }));
    const notes = [note(1, -1), note(2, 1), note(3, 5), note(4, 8), note(5, 12)];
    for (const [all, someNotes] of [
      [changes, notes],
      [changes, []],
      [[], notes],
      [[], []],
      [changes.slice(0, 1), notes.slice(0, 1)],
    ] as const) {
      const total = all.length + someNotes.length + 1;
      for (let limit = 0; limit <= total + 1; limit++)
        for (const before of [undefined, -4, ...Array.from({ length: total + 3 }, (_, i) => i)])
          assert.deepEqual(
            planned(all, [...someNotes], limit, before),
            reference(all, [...someNotes], limit, before),
            `${all.length} changes, ${someNotes.length} notes, limit ${limit}, before ${before}`,
          );
    }
  });

  it('is the newest entries, oldest first, and says where the older page ends', () => {
    const notes = [0, 1, 2, 3].map((m) => note(m, m));
    const summaries = (page: TimelinePage) => page.entries.map((e) => e.summary);
    const newest = planned([], notes, 2);
    assert.deepEqual(summaries(newest), ['note 3', 'Started']);
    assert.equal(newest.total, 5, 'four notes and the start');
    assert.equal(newest.older, 3);
    const middle = planned([], notes, 2, newest.older ?? undefined);
    assert.deepEqual(summaries(middle), ['note 1', 'note 2']);
    const oldest = planned([], notes, 2, middle.older ?? undefined);
    assert.deepEqual(summaries(oldest), ['note 0']);
    assert.equal(oldest.older, null);
  });

  it('keeps its place as the timeline grows at its new end', () => {
    const changes = [0, 1, 2, 3, 4].map((m, i) => change(i + 1, { at: minute(m) }));
    const first = planned(changes, [], 2);
    const grown = [...changes, change(6, { at: minute(9) })];
    const page = (all: FeedEvent[]) => planned(all, [], 2, first.older ?? undefined).entries.map((e) => e.summary);
    assert.deepEqual(page(grown), page(changes));
    assert.deepEqual(page(grown), ['change 3', 'change 4']);
  });

  it('plans nothing to read for an empty page; an empty timeline is one empty page', () => {
    assert.deepEqual(timelinePagePlan(10, 3, 5, 0), { start: 0, end: 0, total: 13, offset: 0, count: 0 });
    assert.deepEqual(timelinePagePlan(10, 3, 5), { start: 8, end: 13, total: 13, offset: 0, count: 5 });
    assert.deepEqual(timelinePagePlan(10, 3, 5, 6), { start: 1, end: 6, total: 13, offset: 4, count: 6 });
    assert.deepEqual(timelinePagePlan(0, 0, 3), { start: 0, end: 0, total: 0, offset: 0, count: 0 });
    assert.deepEqual(timelinePageOf({ milestones: {} }, timelinePagePlan(0, 0, 3), [], [], []), {
      entries: [],
      total: 0,
      older: null,
    });
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
