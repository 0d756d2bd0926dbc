import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { seedDemoPostmortem } from '../src/postmortems/demo-postmortem.ts';
import { useTestServer } from './support/test-server.ts';

const ACME = fileURLToPath(new URL('../examples/acme/', import.meta.url));
const OTHER = fileURLToPath(new URL('./fixtures/postmortems/', import.meta.url));
const NOW = new Date('2026-12-07T10:00:00Z');

describe('the demo post-mortem', () => {
  const acme = useTestServer('sqlite', { catalog: ACME, writesMaxLoopDelayMs: false, now: () => NOW });
  test('is published on a resolved incident, with one item overdue and escalated and one deprioritised', async () => {
    const seeded = await seedDemoPostmortem(acme.server.incidents, acme.server.postmortems, NOW);
    assert.ok(seeded);
    assert.equal(seeded.escalated, 1);
    const view = await acme.server.incidents.view(seeded.incident);
    assert.equal(view?.incident.status, 'resolved');
    const { postmortem, items } = await acme.server.postmortems.view(String(seeded.incident));
    assert.ok(postmortem);
    assert.deepEqual(
      items.map((i) => [i.status, i.overdue, i.escalatedSprints.length > 0]),
      [
        ['done', false, false],
        ['open', true, true],
        ['deprioritised', false, false],
      ],
    );
    assert.match(await (await acme.server.app.request('/postmortems/')).text(), /Alert when checkout latency/);
  });

  describe('on another catalog', () => {
    const other = useTestServer('sqlite', { catalog: OTHER, now: () => NOW });
    test('records nothing', async () => {
      assert.equal(await seedDemoPostmortem(other.server.incidents, other.server.postmortems, NOW), undefined);
    });
  });
});
