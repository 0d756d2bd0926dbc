import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import type { AtriumServer } from '../src/server.ts';
import { component, group, tempCatalog } from './support/catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { useTestServer } from './support/test-server.ts';

/**
 * Three `serve` replicas on one database with one injected clock, all running the claim
 * loop at every step: over 1,000 ticks each tick is claimed once and ordered once, whoever
 * wins each race; a fixed-time job in Europe/Berlin is claimed once on the spring-forward
 * night, at 03:30 CEST, and once on the fall-back night, at its first 02:30.
 */

const START = Date.parse('2026-03-29T00:00:00.000Z');
const TICKS = 1002;
let nowMs = START;
const catalog = tempCatalog({
  'catalog-info.yaml': [
    component('rate-card-importer', { owner: 'pricing' }),
    '---',
    group('pricing'),
    '---',
    'apiVersion: atrium.dev/v1',
    'kind: Job',
    'metadata: { name: every-ten-seconds }',
    'spec:',
    '  service: component:rate-card-importer',
    '  schedule: "*/10 * * * * *"',
    '  action: { http: { method: POST, url: "http://127.0.0.1:9/never-run" } }',
    '---',
    'apiVersion: atrium.dev/v1',
    'kind: Job',
    'metadata: { name: nightly-rate-import }',
    'spec:',
    '  service: component:rate-card-importer',
    '  schedule: "30 2 * * *"',
    '  timeZone: Europe/Berlin',
    '  concurrencyPolicy: Forbid',
    '  action: { heartbeat: { grace: 10m } }',
    '',
  ].join('\n'),
});
after(() => catalog.cleanup());

describeEachDatabase('jobs on three replicas', (dialect) => {
  const fixture = useTestServer(dialect, { catalog: catalog.dir, runnerNow: () => nowMs, runnerLongPollMs: 0 });
  let replicas: AtriumServer[] = [];
  before(async () => {
    replicas = [fixture.server, await fixture.replica(), await fixture.replica()];
  });

  test(`every one of ${TICKS} ticks is claimed and ordered exactly once`, async () => {
    nowMs = START;
    const all = async () => (await Promise.all(replicas.map((r) => r.jobs.tick()))).reduce((a, b) => a + b.claimed, 0);
    await all(); // first sight: the claim rows start now
    let claimed = 0;
    const started = performance.now();
    // A minute a step: six ticks each time, every step a race of the three replicas for them.
    for (let step = 0; step < TICKS / 6; step++) {
      nowMs += 60_000;
      claimed += (await Promise.all(replicas.map((r) => r.jobs.tick()))).reduce((a, b) => a + b.claimed, 0);
    }
    const perStep = (performance.now() - started) / (TICKS / 6);
    const db = fixture.database.db;
    const orders = await db
      .selectFrom('work_runs')
      .select([sql<number>`count(*)`.as('n'), sql<number>`count(distinct dedup_key)`.as('distinct')])
      .where('subject', '=', 'job:default/every-ten-seconds')
      .executeTakeFirstOrThrow();
    const runs = await db
      .selectFrom('job_runs')
      .select(['tick_ms', 'status'])
      .where('job_key', '=', 'job:default/every-ten-seconds')
      .orderBy('tick_ms')
      .execute();
    assert.equal(Number(orders.n), TICKS);
    assert.equal(Number(orders.distinct), TICKS);
    assert.deepEqual(
      runs.map((r) => Number(r.tick_ms)),
      Array.from({ length: TICKS }, (_, i) => START + (i + 1) * 10_000),
    );
    assert.ok(runs.every((r) => r.status === 'queued'));
    // The nightly job's tick fell inside the window too: 2026-03-29 02:30 Berlin did not exist, so 03:30 CEST.
    const nightly = await db
      .selectFrom('job_runs')
      .select('tick_ms')
      .where('job_key', '=', 'job:default/nightly-rate-import')
      .execute();
    assert.deepEqual(
      nightly.map((r) => new Date(Number(r.tick_ms)).toISOString()),
      ['2026-03-29T01:30:00.000Z'],
    );
    assert.equal(claimed, TICKS + 1, 'each claim counted by the one replica that won it');
    console.log(`# ${dialect}: ${TICKS} ticks × 3 replicas, ${perStep.toFixed(1)} ms per step (3 claim loops)`);
  });

  test('the fall-back night: the nightly tick is claimed once, at the first 02:30', async () => {
    nowMs = Date.parse('2026-10-24T20:00:00.000Z');
    await Promise.all(replicas.map((r) => r.jobs.tick()));
    while (nowMs < Date.parse('2026-10-25T04:00:00.000Z')) {
      nowMs += 5 * 60_000;
      await Promise.all(replicas.map((r) => r.jobs.tick()));
    }
    const nightly = await fixture.database.db
      .selectFrom('job_runs')
      .select('tick_ms')
      .where('job_key', '=', 'job:default/nightly-rate-import')
      .where('tick_ms', '>', Date.parse('2026-10-24T12:00:00Z'))
      .execute();
    assert.deepEqual(
      nightly.map((r) => new Date(Number(r.tick_ms)).toISOString()),
      ['2026-10-25T00:30:00.000Z'],
    );
  });
});
