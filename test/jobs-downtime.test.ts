import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MISSED_LISTED } from '../src/jobs/service.ts';
import { component, group, tempCatalog } from './support/catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { useTestServer } from './support/test-server.ts';

/**
 * A restart after three hours down, on both databases: the first claim orders only the
 * ticks due now and those catchUp asks for; of the 178 late ticks not caught up the newest
 * MISSED_LISTED are recorded missed one by one and the older ones as one missed run, with
 * one alert per job, not 178 rows a job.
 */

const START = Date.parse('2026-06-01T10:00:00.000Z');
const DOWN = 180 * 60_000;
let nowMs = START;
const catalog = tempCatalog({
  'catalog-info.yaml': [
    component('rate-card-importer', { owner: 'pricing' }),
    '---',
    group('pricing'),
    ...['none', '3'].flatMap((catchUp) => [
      '---',
      'apiVersion: atrium.dev/v1',
      'kind: Job',
      `metadata: { name: catchup-${catchUp} }`,
      'spec:',
      '  service: component:rate-card-importer',
      '  schedule: "* * * * *"',
      `  catchUp: ${catchUp}`,
      '  action: { http: { method: POST, url: "http://127.0.0.1:9/never-run" } }',
    ]),
    '',
  ].join('\n'),
});
after(() => catalog.cleanup());

const at = (minutes: number) => new Date(START + minutes * 60_000).toISOString();

describeEachDatabase('jobs after a long downtime', (dialect) => {
  const fixture = useTestServer(dialect, { catalog: catalog.dir, now: () => new Date(nowMs), runnerNow: () => nowMs });
  before(async () => {
    nowMs = START;
    await fixture.server.jobs.tick(); // first sight: the claim rows start now
  });

  const runsOf = async (name: string) => {
    const res = await fixture.server.app.request(`/api/v1/jobs/default/${name}/runs?limit=500`);
    assert.equal(res.status, 200);
    return ((await res.json()) as { items: { tick: string; status: string; trigger: string; summary: string }[] })
      .items;
  };

  test('the first claim orders what is due now and what catchUp asks; the older ticks are a few missed records', async () => {
    nowMs = START + DOWN;
    const totals = await fixture.server.jobs.tick();
    assert.deepEqual(totals, { claimed: 360, ordered: 7, missed: 2 * (MISSED_LISTED + 1), skipped: 0 });

    // catchUp none: 13:00 and 12:59 are on time (within a minute); 178 late ticks missed.
    const none = await runsOf('catchup-none');
    assert.deepEqual(
      none.map((r) => [r.tick, r.status, r.trigger]),
      [
        [at(180), 'queued', 'schedule'],
        [at(179), 'queued', 'schedule'],
        ...Array.from({ length: MISSED_LISTED }, (_, i) => [at(178 - i), 'missed', 'schedule']),
        [at(1), 'missed', 'schedule'],
      ],
    );
    assert.equal(none.at(-1)?.summary, `Not run, nor any tick until ${at(169)}: Atrium was not running`);

    // catchUp 3: the three latest late ticks run as catch-up; the next MISSED_LISTED are listed.
    const three = await runsOf('catchup-3');
    assert.deepEqual(
      three.map((r) => [r.tick, r.status, r.trigger]),
      [
        [at(180), 'queued', 'schedule'],
        [at(179), 'queued', 'schedule'],
        [at(178), 'queued', 'catch-up'],
        [at(177), 'queued', 'catch-up'],
        [at(176), 'queued', 'catch-up'],
        ...Array.from({ length: MISSED_LISTED }, (_, i) => [at(175 - i), 'missed', 'schedule']),
        [at(1), 'missed', 'schedule'],
      ],
    );
    assert.equal(three.at(-1)?.summary, `Not run, nor any tick until ${at(166)}: Atrium was not running`);

    const orders = await fixture.database.db
      .selectFrom('work_runs')
      .select(['subject', 'due_ms'])
      .orderBy('subject')
      .orderBy('due_ms')
      .execute();
    assert.deepEqual(
      orders.map((o) => o.subject),
      [...Array(5).fill('job:default/catchup-3'), ...Array(2).fill('job:default/catchup-none')],
    );
    // One alert per job for all it missed: the newest missed run speaks for the others.
    assert.deepEqual(
      (await fixture.server.jobs.store.owedAlerts(100)).map((r) => [r.jobKey, new Date(r.tick).toISOString()]).sort(),
      [
        ['job:default/catchup-3', at(175)],
        ['job:default/catchup-none', at(178)],
      ],
    );
  });
});
