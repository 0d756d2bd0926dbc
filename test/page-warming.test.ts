import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { silentLogger } from '../src/platform/log.ts';
import { loadAssets } from '../src/portal/assets.ts';
import { createServer } from '../src/server.ts';
import { component, group, location, tempCatalog, type TempCatalog } from './support/catalog.ts';
import { describeEachDatabase, openTestDatabase } from './support/databases.ts';
import { useTestServer } from './support/test-server.ts';

/**
 * After a sync the portal warms the pages most others link to — the catalog store names
 * them by how many relations target each entity — so that the first visitors after a
 * restart find them rendered.
 */

const FILES = {
  'catalog-info.yaml': location(['./org.yaml', './hub.yaml', './users.yaml']),
  'org.yaml': `${group('team-a')}---\n${group('team-b')}`,
  'hub.yaml': component('hub', { owner: 'team-b' }),
  'users.yaml': ['a', 'b', 'c']
    .map((name) => component(name, { owner: 'team-a', dependsOn: ['component:hub'] }))
    .concat(component('lone', { owner: 'team-b', dependsOn: ['component:missing'] }))
    .join('---\n'),
};

describeEachDatabase('page warming', (dialect) => {
  let catalog: TempCatalog;
  before(() => {
    catalog = tempCatalog(FILES);
  });
  after(() => catalog.cleanup());
  const fixture = useTestServer(dialect, () => ({ catalog: catalog.dir }));

  test('the store names the most-linked entities first (relations targeting each), ties by key, and never a ref that names no entity', async () => {
    const linked = await fixture.server.catalog.store.mostLinked(100);
    // hub: 3 dependsOn; team-a: owns 3; team-b: owns 2; component:missing is a dangling target.
    assert.deepEqual(linked.slice(0, 3), ['component:default/hub', 'group:default/team-a', 'group:default/team-b']);
    assert.ok(!linked.includes('component:default/missing'));
    assert.deepEqual(await fixture.server.catalog.store.mostLinked(2), linked.slice(0, 2));
  });

  test('a started server has the home page and the most-linked pages cached soon after it is ready, without a request', async (t) => {
    const database = await openTestDatabase(t, dialect, { migrated: true });
    const server = createServer({
      database,
      logger: silentLogger(),
      catalog: catalog.dir,
      defaultMetrics: false,
      watch: false,
      assets: await loadAssets(),
    });
    await server.start({ host: '127.0.0.1', port: 0 });
    t.after(() => server.stop());
    const warmed = ['/', '/catalog/', '/catalog/default/component/hub/', '/catalog/default/group/team-a/'];
    const cached = () => warmed.filter((path) => server.portal.peek(path, '') !== undefined);
    // Warming runs in the background after ready: wait for it, bounded, not for luck.
    for (let i = 0; i < 1000 && cached().length < warmed.length; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(cached(), warmed);
  });
});
