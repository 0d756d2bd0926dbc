import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { AtriumServer } from '../src/server.ts';
import { describeEachDatabase } from './support/databases.ts';
import { useTestServer } from './support/test-server.ts';

/**
 * Two `serve` replicas on one database: an incident edit that is no change event (status,
 * milestone, role) made on one reaches the other's cached service-page banner and home card
 * at that one's next poll of the incidents' history (IncidentService.pollEdits, run every
 * second by `serve`).
 */

const FIXTURE = fileURLToPath(new URL('./fixtures/incidents/', import.meta.url));
const NOW = new Date('2026-12-07T10:00:00.000Z');
const SERVICE_PAGE = '/catalog/default/component/checkout/';

describeEachDatabase('incident edits across replicas', (dialect) => {
  const fixture = useTestServer(dialect, { catalog: FIXTURE, now: () => NOW, writesMaxLoopDelayMs: false });
  let a: AtriumServer;
  let b: AtriumServer;
  before(async () => {
    a = fixture.server;
    b = await fixture.replica();
    // As serve's first polls do: note where the events and the history stand.
    for (const server of [a, b]) {
      await server.changes.pollWrites(() => 0);
      assert.equal(await server.incidents.pollEdits(), false, 'the first poll only notes where the history stands');
    }
  });

  const page = async (server: AtriumServer, path: string) => {
    const res = await server.app.request(path);
    assert.equal(res.status, 200, path);
    return res.text();
  };

  test('a status and lead edited on one replica show on the other’s cached banner and home card after its poll', async () => {
    const { incident } = await a.incidents.declare(
      { service: 'checkout', severity: 'SEV3', title: 'Slow checkout', startedAt: '2026-12-07T09:50:00.000Z' },
      'ada',
    );
    // The declaration is a change event: b sees it at its next poll of writes.
    assert.equal(await b.changes.pollWrites(() => 1000), true);
    assert.match(await page(b, SERVICE_PAGE), />Detected</);
    assert.match(await page(b, '/'), /Slow checkout/);
    const rendersBefore = b.portal.renders;
    assert.match(await page(b, SERVICE_PAGE), />Detected</, 'cached');
    assert.equal(b.portal.renders, rendersBefore, 'served from b’s cache');

    await a.incidents.update(incident.id, { status: 'investigating', roles: { lead: 'Grace Hopper' } }, 'ada');
    assert.equal(await b.changes.pollWrites(() => 2000), false, 'no change event: the edit is not on a timeline');
    assert.match(await page(b, SERVICE_PAGE), />Detected</, 'b still serves its cached banner');

    assert.equal(await b.incidents.pollEdits(), true, 'b sees the history moved');
    const banner = await page(b, SERVICE_PAGE);
    assert.match(banner, />Investigating</);
    assert.match(banner, /led by Grace Hopper/);
    const home = await page(b, '/');
    assert.match(home, />Investigating</);
    assert.equal(await b.incidents.pollEdits(), false, 'nothing new since');

    // A milestone time edited on b reaches a the same way.
    await a.incidents.pollEdits();
    assert.match(await page(a, SERVICE_PAGE), />Investigating</);
    await b.incidents.update(incident.id, { status: 'mitigated' }, 'grace');
    assert.equal(await a.incidents.pollEdits(), true);
    assert.match(await page(a, SERVICE_PAGE), />Mitigated</);
  });

  test('the history mark: the newest edit, and how many edits are above a floor (what catches one committed late)', async () => {
    const store = a.incidents.store;
    const { incident } = await a.incidents.declare({ service: 'payments', severity: 'SEV4', title: 'Noise' }, 'ada');
    const mark = await store.editMark(0);
    assert.ok(mark.newest > 0 && mark.above > 0);
    await a.incidents.update(incident.id, { title: 'Noise, again' }, 'ada');
    const next = await store.editMark(0);
    assert.ok(next.newest > mark.newest);
    assert.equal(next.above, mark.above + 1);
    assert.deepEqual(await store.editMark(next.newest), { newest: next.newest, above: 0 }, 'nothing above the newest');
  });
});
