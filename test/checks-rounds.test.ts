import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ORDER_AHEAD_MS } from '../src/checks/service.ts';
import { checkOffset, dueRound, parseRoundKey } from '../src/checks/status.ts';
import type { AtriumServer } from '../src/server.ts';
import { component, group, tempCatalog } from './support/catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { useTestServer } from './support/test-server.ts';

/**
 * Rounds at each check's fixed offset, on three replicas with one injected clock stepping a
 * second at a time (as each replica's rounds task runs): every round of every check and
 * location is ordered exactly once, due at its interval boundary plus the check's offset,
 * with the round's boundary in its dedup key, and queued ahead of its due time.
 */

const START = Date.parse('2026-12-07T12:00:00.000Z');
const STEPS = 150;
let nowMs = START;
const check = (name: string, interval: string, locations: string) =>
  [
    '---',
    'apiVersion: atrium.dev/v1',
    'kind: Check',
    `metadata: { name: ${name} }`,
    'spec:',
    '  service: api',
    '  type: http',
    `  interval: ${interval}`,
    '  timeout: 5s',
    `  locations: ${locations}`,
    '  http: { url: "http://127.0.0.1:9/healthz" }',
  ].join('\n');
const CHECKS = [
  { name: 'api-health', intervalMs: 30_000, locations: ['eu', 'us'] },
  { name: 'login', intervalMs: 60_000, locations: ['local'] },
  { name: 'search', intervalMs: 60_000, locations: ['local'] },
];
const catalog = tempCatalog({
  'catalog-info.yaml': [
    component('api', { owner: 'platform' }),
    '---',
    group('platform'),
    ...CHECKS.map((c) => check(c.name, `${c.intervalMs / 1000}s`, `[${c.locations.join(', ')}]`)),
    '',
  ].join('\n'),
});
after(() => catalog.cleanup());

describeEachDatabase('check rounds at their offsets on three replicas', (dialect) => {
  const fixture = useTestServer(dialect, {
    catalog: catalog.dir,
    now: () => new Date(nowMs),
    runnerNow: () => nowMs,
    runnerLongPollMs: 0,
  });
  let replicas: AtriumServer[] = [];
  before(async () => {
    replicas = [fixture.server, await fixture.replica(), await fixture.replica()];
  });

  test(`${STEPS} one-second steps: each round once, due at its offset, queued ahead`, async () => {
    nowMs = START;
    let added = 0;
    for (let step = 0; step <= STEPS; step++) {
      nowMs = START + step * 1000;
      added += (await Promise.all(replicas.map((r) => r.checks.schedule()))).reduce((a, b) => a + b, 0);
    }
    const rows = await fixture.database.db
      .selectFrom('work_runs')
      .select(['subject', 'dedup_key', 'location', 'due_ms', 'deadline_ms', 'created_ms'])
      .execute();
    assert.equal(added, rows.length, 'each order added by one replica');
    assert.equal(new Set(rows.map((r) => r.dedup_key)).size, rows.length);
    const end = START + STEPS * 1000;
    for (const c of CHECKS) {
      const key = `check:default/${c.name}`;
      const offset = checkOffset(key, c.intervalMs);
      for (const location of c.locations) {
        const mine = rows
          .filter((r) => r.subject === key && r.location === location)
          .map((r) => ({ ...r, round: parseRoundKey(r.dedup_key) }))
          .sort((a, b) => Number(a.due_ms) - Number(b.due_ms));
        // The round last due at the start (late, as for a process starting mid-interval), then every one due up to the end and ahead.
        const expected: number[] = [];
        for (
          let round = dueRound(START, c.intervalMs, offset).roundMs;
          round + offset <= end + ORDER_AHEAD_MS;
          round += c.intervalMs
        )
          expected.push(round);
        assert.deepEqual(
          mine.map((r) => r.round?.roundMs),
          expected,
          `${key} at ${location}`,
        );
        for (const r of mine) {
          assert.equal(r.dedup_key, `${key}@${location}@${r.round?.roundMs}`);
          assert.equal(Number(r.due_ms), (r.round?.roundMs ?? 0) + offset, 'due at the boundary plus the offset');
          assert.equal(Number(r.deadline_ms), Number(r.due_ms) + c.intervalMs);
          if (Number(r.due_ms) > START)
            assert.ok(
              Number(r.created_ms) <= Number(r.due_ms) && Number(r.created_ms) >= Number(r.due_ms) - ORDER_AHEAD_MS,
              'queued ahead of its due time, at most ORDER_AHEAD_MS ahead',
            );
        }
      }
    }
  });
});
