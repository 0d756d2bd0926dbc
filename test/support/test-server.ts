import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import type { SyncReport } from '../../src/catalog/sync.ts';
import type { Database, DialectName } from '../../src/platform/db/connect.ts';
import { silentLogger } from '../../src/platform/log.ts';
import { type AtriumServer, createServer, type ServerOptions } from '../../src/server.ts';
import { loadAssets } from '../../src/portal/assets.ts';
import { createTestDatabase, type TestDatabase } from './databases.ts';

/**
 * The server a test talks to: `createServer` on a database of its own (a fresh SQLite
 * file or PostgreSQL schema), with a silent logger, the real assets and no process
 * metrics, its catalog synced, and everything closed and dropped afterwards.
 *
 * @example
 * describeEachDatabase('pages', (dialect) => {
 *   const fixture = useTestServer(dialect, { catalog: FIXTURE, now: () => SEED_NOW });
 *   test('home', async () => assert.equal((await fixture.server.app.request('/')).status, 200));
 * });
 */

/** Any server option but what the fixture supplies itself; the catalog is a root on disk. */
export interface TestServerOptions extends Partial<Omit<ServerOptions, 'database' | 'logger' | 'assets'>> {
  catalog: string;
  /** Sync the catalog before handing the server over (the default); false leaves it as `serve` is before its first sync. */
  sync?: boolean;
  /** Also serve it over HTTP on a free loopback port, at `url`. */
  listen?: boolean;
}

export interface TestServer {
  server: AtriumServer;
  /** This server's connections (a replica has its own). */
  database: Database;
  /** The database itself: its `target` is what `--database` would be given. */
  testDb: TestDatabase;
  /** The first sync's report; undefined with `sync: false`. */
  synced: SyncReport | undefined;
  /** `http://127.0.0.1:<port>` with `listen`, otherwise empty. */
  url: string;
  /** Another server on the same database with connections of its own, set up alike and closed with this one: a second replica. */
  replica(): Promise<AtriumServer>;
  /** Stops serving, closes every connection and drops the database. */
  close(): Promise<void>;
}

interface Running {
  server: AtriumServer;
  database: Database;
  synced: SyncReport | undefined;
  url: string;
  stop(): Promise<void>;
}

const TEST_RENDER_LIMITS = { active: 1_000, queued: 100_000, maxWaitMs: 600_000 };

/** The only place tests create, sync, serve and stop a server: a change to the server's lifecycle is made here once. */
async function run(testDb: TestDatabase, options: TestServerOptions): Promise<Running> {
  const { sync = true, listen = false, ...serverOptions } = options;
  const database = await testDb.open();
  try {
    const server = createServer({
      defaultMetrics: false,
      // Tests on a loaded machine are never shed unless they ask to be (load shedding's own tests).
      renderLimits: TEST_RENDER_LIMITS,
      ...serverOptions,
      database,
      logger: silentLogger(),
      assets: await loadAssets(),
    });
    const synced = sync ? await server.syncCatalog() : undefined;
    if (!listen) return { server, database, synced, url: '', stop: () => database.close() };
    const http = createHttpServer(server.listener);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return {
      server,
      database,
      synced,
      url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
      async stop() {
        http.closeAllConnections();
        await new Promise<void>((resolve) => http.close(() => resolve()));
        await database.close();
      },
    };
  } catch (err) {
    await database.close();
    throw err;
  }
}

/** A server on a fresh database of `dialect`; the caller closes it (in a test: `t.after(() => fixture.close())`). */
export async function startTestServer(dialect: DialectName, options: TestServerOptions): Promise<TestServer> {
  const testDb = await createTestDatabase(dialect, { migrated: true });
  let main: Running;
  try {
    main = await run(testDb, options);
  } catch (err) {
    await testDb.drop();
    throw err;
  }
  const replicas: Running[] = [];
  return {
    server: main.server,
    database: main.database,
    synced: main.synced,
    url: main.url,
    testDb,
    async replica() {
      const replica = await run(testDb, options);
      replicas.push(replica);
      return replica.server;
    },
    async close() {
      for (const replica of replicas) await replica.stop();
      await main.stop();
      await testDb.drop();
    },
  };
}

/**
 * A server for the tests of the suite this is called in: started by a `before` hook,
 * closed by an `after` hook, registered where the call is. Hooks run in the order they
 * are declared, so a `before` that the options need (a temporary catalog) is declared
 * first and the options given as a function; an `after` that needs the server still up
 * is declared first too. The fields are there from the suite's first test on.
 */
export function useTestServer(
  dialect: DialectName,
  options: TestServerOptions | (() => TestServerOptions),
): Omit<TestServer, 'close'> {
  let started: TestServer | undefined;
  const current = (): TestServer => {
    if (!started) throw new Error('the test server starts in the suite’s before hook: use it in tests and later hooks');
    return started;
  };
  before(async () => {
    started = await startTestServer(dialect, typeof options === 'function' ? options() : options);
  });
  after(async () => {
    await started?.close();
  });
  return {
    get server() {
      return current().server;
    },
    get database() {
      return current().database;
    },
    get testDb() {
      return current().testDb;
    },
    get synced() {
      return current().synced;
    },
    get url() {
      return current().url;
    },
    replica: () => current().replica(),
  };
}
