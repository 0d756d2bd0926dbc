import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FeedLine } from '../src/changes/feed-scope.ts';
import { type ChangeInput, type DeploymentInput, withoutTokenName } from '../src/changes/model.ts';
import type { Incident } from '../src/incidents/model.ts';
import { rankSuspects } from '../src/incidents/suspects.ts';
import { incidentScope, incidentTimeline, OWN_CHANGE_MARK, timelineWindow } from '../src/incidents/timeline.ts';
import { describeEachDatabase } from './support/databases.ts';
import { useTestServer } from './support/test-server.ts';

/**
 * An incident's timeline and suspects from the rows the page needs (a count, the page's
 * changes, the suspects' candidates) answer exactly what reading the whole window answers:
 * hand-written histories, every page size and position, on both databases.
 */

const FIXTURE = fileURLToPath(new URL('./fixtures/incidents/', import.meta.url));
const NOW = new Date('2026-12-07T10:00:00.000Z');
const HOUR = 3_600_000;
const SEEDER = { name: 'ci', scopes: ['deployments:write', 'changes:write'] };
/** Minutes before a time, ISO. */
const minutesBefore = (start: number, minutes: number) => new Date(start - minutes * 60_000).toISOString();

describeEachDatabase('incident timeline from its rows', (dialect) => {
  const fixture = useTestServer(dialect, { catalog: FIXTURE, now: () => NOW, writesMaxLoopDelayMs: false });
  const incidents: Record<string, Incident> = {};

  const deploy = (service: string, at: string, version: string, over: Partial<DeploymentInput> = {}) =>
    ({
      service,
      environment: 'production',
      version,
      status: 'succeeded',
      startedAt: new Date(Date.parse(at) - 60_000).toISOString(),
      finishedAt: at,
      commits: [],
      ...over,
    }) as DeploymentInput;
  const change = (
    service: string,
    at: string,
    kind: ChangeInput['kind'],
    summary: string,
    over: Partial<ChangeInput> = {},
  ) => ({ service, kind, summary, at, environment: 'production', ...over }) as ChangeInput;

  before(async () => {
    const { changes, incidents: service } = fixture.server;
    const record = async (deployments: DeploymentInput[], others: ChangeInput[]) => {
      if (deployments.length > 0) await changes.recordDeployments('/seed', deployments, SEEDER, undefined, true);
      if (others.length > 0) await changes.recordChanges('/seed', others, SEEDER, undefined);
    };

    // History 1, the demo: a flag of a dependency switched 20 min before the start outranks the service's deploy 3 h before.
    const s1 = NOW.getTime() - HOUR;
    await record(
      [
        deploy('checkout', minutesBefore(s1, 180), '2.0.0'),
        deploy('payments', minutesBefore(s1, 300), '5.1.0'),
        deploy('storefront', minutesBefore(s1, 15), '7.0.0'), // a dependent: not in the scope
        deploy('checkout', minutesBefore(s1, 8 * 60), '1.9.0'), // before the window
      ],
      [
        change('flag:default/new-card-flow', minutesBefore(s1, 20), 'feature-flag', 'Turned new-card-flow on'),
        change('checkout', minutesBefore(s1, 5), 'alert', 'Availability burning fast'),
      ],
    );
    incidents.demo = (
      await service.declare(
        { service: 'checkout', severity: 'SEV2', title: 'Checkout failing', startedAt: new Date(s1).toISOString() },
        'ada',
      )
    ).incident;

    // History 2: the newest changes are staging deploys and alerts; the best are older production ones, a flag and a rollback.
    const s2 = NOW.getTime() - 10 * HOUR;
    await record(
      [
        ...Array.from({ length: 25 }, (_, i) =>
          deploy('checkout', minutesBefore(s2, 1 + i), `s.${i}`, { environment: 'staging' }),
        ),
        ...Array.from({ length: 6 }, (_, i) => deploy('checkout', minutesBefore(s2, 60 + i), `p.${i}`)),
        deploy('payments', minutesBefore(s2, 300), '5.2.0', { status: 'rolled_back' }),
        deploy('checkout', minutesBefore(s2, -10), 'after.0'), // after the start: on the timeline, not a suspect
      ],
      [
        ...Array.from({ length: 12 }, (_, i) => change('checkout', minutesBefore(s2, 0), 'alert', `Alert ${i}`)),
        change('flag:default/new-card-flow', minutesBefore(s2, 240), 'feature-flag', 'Turned new-card-flow on (old)'),
        change('payments', minutesBefore(s2, 30), 'config', 'Pool size 20'),
        change('payments', minutesBefore(s2, 31), 'config', 'Pool size 10', { environment: undefined }),
      ],
    );
    incidents.busy = (
      await service.declare(
        { service: 'checkout', severity: 'SEV3', title: 'Slow pages', startedAt: new Date(s2).toISOString() },
        'ada',
      )
    ).incident;

    // History 3: ties at one instant in one group (more than ten), several kinds, two affected services.
    const s3 = NOW.getTime() - 20 * HOUR;
    await record(
      [
        ...Array.from({ length: 4 }, (_, i) => deploy('payments', minutesBefore(s3, 45), `t.${i}`)),
        deploy('checkout', minutesBefore(s3, 45), 'c.1', { status: 'failed' }),
      ],
      [
        ...Array.from({ length: 14 }, (_, i) => change('payments', minutesBefore(s3, 30), 'config', `Config ${i}`)),
        ...Array.from({ length: 11 }, (_, i) =>
          change('flag:default/new-card-flow', minutesBefore(s3, 90), 'feature-flag', `Flag step ${i}`),
        ),
        ...Array.from({ length: 3 }, (_, i) =>
          change('flag:default/new-card-flow', minutesBefore(s3, 10), 'feature-flag', `Staging flag ${i}`, {
            environment: 'staging',
          }),
        ),
        change('payments', minutesBefore(s3, 50), 'migration', 'Add index'),
        change('payments', minutesBefore(s3, 55), 'scaling', 'Scaled to 6'),
        change('payments', minutesBefore(s3, 56), 'secret-rotation', 'Rotated the key'),
        change('payments', minutesBefore(s3, 57), 'infrastructure', 'New node pool'),
        change('payments', minutesBefore(s3, 58), 'other', 'Something else'),
        change('checkout', minutesBefore(s3, 2), 'incident', 'Another incident declared', { url: '/incidents/999/' }),
      ],
    );
    incidents.ties = (
      await service.declare(
        {
          service: 'payments',
          services: ['checkout'],
          severity: 'SEV1',
          title: 'Payments down',
          startedAt: new Date(s3).toISOString(),
        },
        'ada',
      )
    ).incident;

    for (const [name, incident] of Object.entries(incidents)) {
      // The own entry's look-alikes stay (another case, another incident's number, more after it); it goes.
      await record(
        [],
        [
          change(
            'checkout',
            minutesBefore(Date.parse(incident.milestones.started as string), 1),
            'incident',
            'Look-alike',
            {
              url: `/INCIDENTS/${incident.id}/`,
            },
          ),
          change('checkout', minutesBefore(Date.parse(incident.milestones.started as string), 1), 'incident', 'Tail', {
            url: `/incidents/${incident.id}/postmortem/`,
          }),
        ],
      );
      await service.update(
        incident.id,
        { status: 'acknowledged', milestones: { acknowledged: minutesBefore(NOW.getTime(), 30) } },
        'lin',
      );
      for (let i = 0; i < 3; i++) await service.addNote(incident.id, `${name} note ${i}`, 'ada');
    }
  });

  /** Everything the whole window holds, read without any of the new path's queries. */
  async function whole(incident: Incident) {
    const { server } = fixture;
    const current = (await server.incidents.get(incident.id)) as Incident;
    const origins = await incidentScope(server.catalog.store, [
      ...new Set(current.services.map((r) => r.toLowerCase())),
    ]);
    const window = timelineWindow(current, NOW);
    const events = await server.changes.store.timeline(
      [...origins.keys()],
      { since: window.from, until: window.to },
      20_000,
    );
    const lines: FeedLine[] = events.map((e) => ({
      ...withoutTokenName(e),
      origin: origins.get(e.service.toLowerCase()) ?? { relation: 'self', ref: e.service, depth: 0 },
    }));
    const own = OWN_CHANGE_MARK(incident.id);
    const shown = lines.filter((l) => !(l.type === 'change' && l.kind === 'incident' && l.url?.endsWith(own)));
    const [history, notes] = await Promise.all([
      server.incidents.store.history(incident.id),
      server.incidents.store.notes(incident.id),
    ]);
    return {
      own: lines.length - shown.length,
      timeline: incidentTimeline(current, shown, history, notes),
      suspects: rankSuspects(lines, {
        startedAt: current.milestones.started as string,
        windowHours: current.windowHours,
        productionEnvironments: ['production'],
      }),
    };
  }

  test('the suspects from the candidates are the whole window’s ranking, in every history', async () => {
    const expectedFirst: Record<string, string> = {
      demo: 'Turned new-card-flow on',
      busy: 'Deployed p.0 to production',
      ties: 'Failed to deploy c.1 to production',
    };
    for (const [name, incident] of Object.entries(incidents)) {
      const reference = await whole(incident);
      const view = await fixture.server.incidents.view(incident.id, { limit: 200 });
      assert.deepEqual(view?.suspects, reference.suspects, name);
      assert.deepEqual(await fixture.server.incidents.suspectsOf(incident), reference.suspects, name);
      assert.equal(reference.suspects[0]?.summary, expectedFirst[name], name);
    }
    const busy = (await whole(incidents.busy as Incident)).suspects.map((s) => s.summary);
    assert.deepEqual(busy, [
      'Deployed p.0 to production',
      'Deployed p.1 to production',
      'Deployed p.2 to production',
      'Deployed p.3 to production',
      'Deployed p.4 to production',
      'Deployed p.5 to production',
      'Pool size 20',
      'Pool size 10',
      'Turned new-card-flow on (old)',
      'Deployed s.0 to staging',
    ]);
    const ties = (await whole(incidents.ties as Incident)).suspects.map((s) => s.summary);
    assert.equal(ties.length, 10);
  });

  test('every page, any size and position, is the whole timeline’s; the default is all of it; the own entry is left out', async () => {
    for (const [name, incident] of Object.entries(incidents)) {
      const reference = await whole(incident);
      assert.equal(reference.own, 1, `${name}: its declaration is on checkout's timeline once`);
      const total = reference.timeline.length;
      const all = await fixture.server.incidents.view(incident.id);
      assert.deepEqual(
        [all?.timeline, all?.timelineTotal, all?.timelineOlder],
        [reference.timeline, total, null],
        `${name}: the default`,
      );
      assert.ok(reference.timeline.some((e) => e.summary === 'Look-alike'));
      assert.ok(reference.timeline.some((e) => e.summary === 'Tail'));
      const positions = [undefined, 0, 1, 2, 3, Math.floor(total / 2), total - 1, total, total + 7, 999_999];
      for (const limit of [1, 2, 7, 50, 200, 10_000])
        for (const before of positions) {
          const view = await fixture.server.incidents.view(incident.id, { limit, before });
          const end = Math.min(Math.max(0, before ?? total), total);
          const start = Math.max(0, end - limit);
          assert.deepEqual(
            [view?.timeline, view?.timelineTotal, view?.timelineOlder],
            [reference.timeline.slice(start, end), total, start > 0 ? start : null],
            `${name}: limit ${limit}, before ${before}`,
          );
        }
    }
  });

  test('the API pages the same way: timelineTotal exact, older pages from timelineOlder, the default whole', async () => {
    const incident = incidents.busy as Incident;
    const reference = (await whole(incident)).timeline;
    const get = async (query: string) => {
      const res = await fixture.server.app.request(`/api/v1/incidents/${incident.id}${query}`);
      assert.equal(res.status, 200, query);
      return (await res.json()) as {
        timeline: { at: string; summary: string }[];
        timelineTotal: number;
        timelineOlder: number | null;
      };
    };
    const seen: string[] = [];
    let page = await get('?timelineLimit=9');
    for (;;) {
      assert.equal(page.timelineTotal, reference.length);
      seen.unshift(...page.timeline.map((e) => `${e.at} ${e.summary}`));
      if (page.timelineOlder === null) break;
      page = await get(`?timelineLimit=9&timelineBefore=${page.timelineOlder}`);
    }
    assert.deepEqual(
      seen,
      reference.map((e) => `${e.at} ${e.summary}`),
    );
    const everything = await get('');
    assert.equal(everything.timeline.length, reference.length);
    assert.equal(everything.timelineOlder, null);
  });
});
