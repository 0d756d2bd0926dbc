import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { after, test } from 'node:test';
import { MINUTE_MS } from '../src/slo/store.ts';
import { EVALUATION_SLICE } from '../src/slo/service.ts';
import { component, group, tempCatalog } from './support/catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { useTestServer } from './support/test-server.ts';

/**
 * An evaluation cycle runs a slice of SLOs per turn of the event loop (on SQLite every query
 * is synchronous: one 2,000-SLO cycle held the server's requests for 110–220 ms) and
 * answers what one pass over all of them would: each SLO its own sums and status, the
 * slices' edges included, and each cycle still once.
 */

const NOW = Date.parse('2026-04-02T09:00:00.000Z');
const SLOS = 2 * EVALUATION_SLICE + 7;
const name = (i: number) => `s-${String(i).padStart(3, '0')}`;
const catalog = tempCatalog({
  'catalog-info.yaml': [
    group('ops'),
    ...Array.from({ length: 5 }, (_, i) => ['---', component(`svc-${i}`, { owner: 'ops' })].join('\n')),
    ...Array.from({ length: SLOS }, (_, i) =>
      [
        '---',
        'apiVersion: atrium.dev/v1',
        'kind: SLO',
        `metadata: { name: ${name(i)} }`,
        'spec:',
        `  service: component:svc-${i % 5}`,
        '  objective: 99.9',
        '  window: 30d',
        '  indicator: { events: {} }',
      ].join('\n'),
    ),
    '',
  ].join('\n'),
});
after(() => catalog.cleanup());

describeEachDatabase('SLO evaluation in slices', (dialect) => {
  const fixture = useTestServer(dialect, { catalog: catalog.dir, now: () => new Date(NOW) });

  test('every SLO is measured and judged as alone, and the cycle gives other work its turns', async () => {
    const { slos } = fixture.server;
    // SLO i: 1,000 events a minute over the last ten minutes, i % 5 of each minute's failing.
    for (let i = 0; i < SLOS; i++) {
      const events = Array.from({ length: 10 }, (_, m) => ({
        atMs: NOW - m * MINUTE_MS,
        good: 1000 - (i % 5),
        total: 1000,
      }));
      await slos.store.addEvents(
        `slo:default/${name(i)}`,
        events,
        () => ({ status: 202, body: '' }),
        undefined,
        new Date(NOW),
      );
    }
    let turns = 0;
    let running = true;
    const count = async () => {
      while (running) {
        await nextTurn();
        turns++;
      }
    };
    const counting = count();
    const result = await slos.evaluate();
    running = false;
    await counting;
    assert.deepEqual({ claimed: result.claimed, evaluated: result.evaluated }, { claimed: true, evaluated: SLOS });
    assert.ok(turns >= 4, `other work ran ${turns} times during the cycle (its slices: at least 4)`);
    const { items } = await slos.list({}, SLOS, 0);
    assert.equal(items.length, SLOS);
    for (const status of items) {
      const i = Number(status.name.slice(2));
      // An error ratio of (i % 5) / 1000 against a budget of 0.001: a burn of i % 5 over 1h.
      assert.ok(Math.abs((status.burnRates['1h'] ?? -1) - (i % 5)) < 1e-9, `${status.key}: ${status.burnRates['1h']}`);
      assert.equal(status.dataState, 'ok', status.key);
    }
    assert.equal((await slos.evaluate()).claimed, false, 'the same cycle once');
  });
});
