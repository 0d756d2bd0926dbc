import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CATALOG_SYNCER } from '../src/catalog/tasks.ts';
import { openDatabase, type Database } from '../src/platform/db/connect.ts';
import { LeaseStore } from '../src/platform/db/leases.ts';
import { createLogger } from '../src/platform/log.ts';
import { taskLeaseName } from '../src/platform/tasks.ts';
import { loadAssets } from '../src/portal/assets.ts';
import { type AtriumServer, createServer } from '../src/server.ts';
import { component, group, location, tempCatalog, type TempCatalog } from './support/catalog.ts';
import { type PgBouncer, pgbouncerMissing, startPgBouncer } from './support/pgbouncer.ts';

/**
 * Three `serve` replicas sharing one PostgreSQL database through Debian's PgBouncer in
 * transaction pooling mode, where no session state survives a transaction: migrations
 * started together apply once, one replica syncs the catalog while the others follow it,
 * a kill switch pulled on one reaches the others' SDKs at their next poll, a deployment
 * recorded on one is on the others' timelines after theirs, leases have one holder, and
 * when the syncer stops another takes over and syncs what changed.
 */

const skip = pgbouncerMissing() ?? false;

const flag = (name: string, enabled: boolean) =>
  `apiVersion: atrium.dev/v1\nkind: Flag\nmetadata:\n  name: ${name}\nspec:\n  ${JSON.stringify({ owner: 'payments', service: 'shop', type: 'kill-switch', environments: { production: { enabled } } })}\n`;

async function until(condition: () => Promise<boolean>, what: string, turns = 400): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`never happened: ${what}`);
}

describe('replicas through PgBouncer in transaction mode', { skip }, () => {
  let bouncer: PgBouncer;
  let target: { url: string; drop(): Promise<void> };
  let catalog: TempCatalog;
  const databases: Database[] = [];
  const replicas: AtriumServer[] = [];
  const stopped = new Set<AtriumServer>();

  before(async () => {
    bouncer = await startPgBouncer();
    target = await bouncer.createDatabase();
    catalog = tempCatalog({
      'catalog-info.yaml': location(['./org.yaml', './shop.yaml', './flags.yaml']),
      'org.yaml': group('payments'),
      'shop.yaml': component('shop', { owner: 'payments' }),
      'flags.yaml': flag('new-checkout', true),
    });
  });
  after(async () => {
    await Promise.all(replicas.filter((r) => !stopped.has(r)).map((r) => r.stop()));
    await Promise.all(databases.map((d) => d.close()));
    await target?.drop();
    await bouncer?.stop();
    catalog?.cleanup();
  });

  test('migrations started by three processes at once apply once', async () => {
    const opened = await Promise.all([0, 1, 2].map(() => openDatabase(target.url)));
    databases.push(...opened);
    const rows = await opened[0]?.db.selectFrom('atrium_migrations').select('name').execute();
    const names = rows?.map((r) => r.name) ?? [];
    assert.ok(names.length > 0);
    assert.equal(new Set(names).size, names.length, 'no migration recorded twice');
  });

  test('one replica syncs the catalog, the others follow it', async () => {
    const assets = await loadAssets();
    for (const [i, database] of databases.entries()) {
      const server = createServer({
        catalog: catalog.dir,
        database,
        logger: createLogger({ level: 'silent' }),
        assets,
        defaultMetrics: false,
        watch: false,
        replica: `replica-${i}`,
      });
      replicas.push(server);
      await server.start({ host: '127.0.0.1', port: 0 });
    }
    const leases = new LeaseStore(databases[0] as Database);
    assert.equal((await leases.holderOf(taskLeaseName(CATALOG_SYNCER)))?.holder, 'replica-0');
    for (const server of replicas) {
      assert.equal(await server.catalog.store.generation(), 1, 'synced once, by the first');
      assert.equal((await server.app.request('/readyz')).status, 200);
      assert.equal((await server.app.request('/api/v1/entities/component/default/shop')).status, 200);
    }
  });

  test('a kill switch pulled on one replica reaches the others’ SDKs at their next poll', async () => {
    const [a, b, c] = replicas as [AtriumServer, AtriumServer, AtriumServer];
    const { token } = await a.tokens.create('sdk', ['flags:read'], null, 'production');
    const enabledOn = async (server: AtriumServer) => {
      const res = await server.app.request('/api/client/features', { headers: { authorization: token } });
      assert.equal(res.status, 200);
      return ((await res.json()) as { features: { name: string; enabled: boolean }[] }).features.find(
        (f) => f.name === 'new-checkout',
      )?.enabled;
    };
    for (const server of replicas) await server.changes.pollWrites(() => 0);
    assert.equal(await enabledOn(b), true);
    await a.flags.kill('flag:default/new-checkout', { name: 'on-call', scopes: ['flags:write'] }, 'errors');
    for (const server of [b, c]) {
      // Its next poll: this one, unless its own once-a-second poll came first and saw the switch.
      await server.changes.pollWrites(() => 1000);
      assert.equal(await enabledOn(server), false);
    }
  });

  test('a deployment recorded on one replica is on the others’ timelines after their poll', async () => {
    const [a, b, c] = replicas as [AtriumServer, AtriumServer, AtriumServer];
    const { token } = await b.tokens.create('ci', ['deployments:write'], null);
    const res = await b.app.request('/api/v1/deployments', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': 'pgb-1' },
      body: JSON.stringify({
        service: 'shop',
        environment: 'production',
        version: '9.9.9',
        status: 'succeeded',
        startedAt: '2026-12-01T09:50:00Z',
        finishedAt: '2026-12-01T10:00:00Z',
      }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    for (const server of [a, c]) {
      await server.changes.pollWrites(() => 5000);
      const timeline = (await (await server.app.request('/api/v1/changes?entity=shop&type=deployment')).json()) as {
        items: { version?: string }[];
      };
      assert.ok(
        timeline.items.some((i) => i.version === '9.9.9'),
        JSON.stringify(timeline),
      );
    }
  });

  test('leases have one holder however many replicas race for them', async () => {
    for (let round = 0; round < 10; round++) {
      const won = await Promise.all(
        databases.map((d, i) => new LeaseStore(d).hold(`pgbouncer-race-${round}`, `r${i}`, 6000)),
      );
      assert.equal(won.filter((w) => w !== undefined).length, 1);
    }
  });

  test('when the syncer stops, another replica takes the lease over and syncs what changed meanwhile', async () => {
    const [a] = replicas as [AtriumServer];
    await a.stop();
    stopped.add(a);
    catalog.write(
      'shop.yaml',
      [component('shop', { owner: 'payments' }), component('cart', { owner: 'payments' })].join('---\n'),
    );
    const leases = new LeaseStore(databases[1] as Database);
    await until(
      async () =>
        ['replica-1', 'replica-2'].includes((await leases.holderOf(taskLeaseName(CATALOG_SYNCER)))?.holder ?? ''),
      'another replica holds the syncer lease',
    );
    const follower = replicas[2] as AtriumServer;
    await until(async () => (await follower.catalog.store.generation()) === 2, 'the new syncer synced the change');
    // Its API follows at its next generation poll (every second).
    await until(
      async () => (await follower.app.request('/api/v1/entities/component/default/cart')).status === 200,
      'the other replica serves the new entity',
    );
  });
});
