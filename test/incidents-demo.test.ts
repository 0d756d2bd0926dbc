import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { seedDemoIncident } from '../src/incidents/demo-incident.ts';
import { useTestServer } from './support/test-server.ts';

const ACME = fileURLToPath(new URL('../examples/acme/', import.meta.url));
const PORTAL = fileURLToPath(new URL('./fixtures/incidents/', import.meta.url));

describe('the demo incident', () => {
  const acme = useTestServer('sqlite', { catalog: ACME, writesMaxLoopDelayMs: false });
  test('is open on checkout-web, and its first suspected change is the express pay flag switch, linked to turning it off', async () => {
    const incident = await seedDemoIncident(acme.server.flags, acme.server.incidents);
    assert.ok(incident);
    const view = await acme.server.incidents.view(incident.id);
    assert.equal(view?.incident.status, 'detected');
    assert.deepEqual(view?.incident.services, ['component:default/checkout-web']);
    assert.equal(view?.suspects[0]?.type, 'feature-flag');
    assert.match(view?.suspects[0]?.summary ?? '', /express-pay-button/);
    assert.equal(
      view?.suspects[0]?.link.href,
      'catalog/default/flag/express-pay-button/switch/?environment=production&action=off',
    );
    assert.ok(view?.timeline.some((e) => e.type === 'note'));
    const home = await (await acme.server.app.request('/')).text();
    assert.match(home, /Card payments fail at checkout/);
  });

  describe('on another catalog', () => {
    const other = useTestServer('sqlite', { catalog: PORTAL });
    test('declares nothing', async () => {
      assert.equal(await seedDemoIncident(other.server.flags, other.server.incidents), undefined);
      assert.deepEqual(await other.server.incidents.list({}), []);
    });
  });
});
