import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { sql } from 'kysely';
import { component, location, tempCatalog } from './support/catalog.ts';
import { describeEachDatabase } from './support/databases.ts';
import { openDatabase } from '../src/platform/db/connect.ts';
import { silentLogger } from '../src/platform/log.ts';
import { loadAssets } from '../src/portal/assets.ts';
import { createServer } from '../src/server.ts';
import { startTestServer } from './support/test-server.ts';

/**
 * A database that stops being what the server was started on (its tables dropped, on
 * PostgreSQL its whole schema) is an operator's fault, not a bug: every route answers 503
 * `database-unavailable`, and no answer names the schema, a table or the database.
 */
describeEachDatabase('a database whose tables are dropped while the server runs', (dialect) => {
  test('answers 503 database-unavailable on the API and the pages, naming no database internals', async (t) => {
    const catalog = tempCatalog({ 'catalog-info.yaml': location(['./svc.yaml']), 'svc.yaml': component('checkout') });
    const fixture = await startTestServer(dialect, { catalog: catalog.dir });
    t.after(async () => {
      await fixture.close();
      catalog.cleanup();
    });
    assert.equal((await fixture.server.app.request('/api/v1/changes?entity=checkout')).status, 200);

    const { db } = fixture.database;
    let internals: RegExp;
    if (dialect === 'postgres') {
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
      const schema = rows[0]?.schema ?? '';
      await sql`drop schema ${sql.id(schema)} cascade`.execute(db);
      internals = new RegExp(`${schema}|relation|schema|"(entities|deployments|changes)"|postgres|5432`);
    } else {
      const { rows } = await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db);
      await sql`pragma foreign_keys = off`.execute(db);
      for (const { name } of rows) await sql`drop table if exists ${sql.id(name)}`.execute(db);
      internals = new RegExp(`no such table|SQLITE|${fixture.testDb.target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
    }

    for (const path of ['/api/v1/changes?entity=checkout', '/api/v1/entities', '/api/v1/problems', '/']) {
      const res = await fixture.server.app.request(path);
      const body = await res.text();
      assert.equal(res.status, 503, `${path}: ${body}`);
      assert.equal(res.headers.get('retry-after'), null, path);
      assert.doesNotMatch(body, internals, path);
      if (path.startsWith('/api/')) assert.equal((JSON.parse(body) as { code: string }).code, 'database-unavailable');
    }
    // The readiness probe says the database does not answer, in as few words.
    const ready = await fixture.server.app.request('/readyz');
    const body = await ready.text();
    assert.equal(ready.status, 503, body);
    assert.doesNotMatch(body, internals);
  });
});

const postgresUrl = process.env.ATRIUM_TEST_POSTGRES_URL;

/** PostgreSQL's database itself dropped under a running server: first its connections die, then it does not exist. */
test('a PostgreSQL database dropped while the server runs: 503, never 500, naming no database internals', {
  skip: postgresUrl ? false : 'PostgreSQL unavailable (ATRIUM_TEST_POSTGRES_URL)',
}, async (t) => {
  const name = `atrium_drop_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  const url = new URL(postgresUrl ?? '');
  url.pathname = `/${name}`;
  url.searchParams.delete('options');
  const catalog = tempCatalog({ 'catalog-info.yaml': location(['./svc.yaml']), 'svc.yaml': component('checkout') });
  const database = await openDatabase(url.toString());
  t.after(async () => {
    await database.close().catch(() => {});
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.end();
    catalog.cleanup();
  });
  const server = createServer({
    defaultMetrics: false,
    catalog: catalog.dir,
    database,
    logger: silentLogger(),
    assets: await loadAssets(),
  });
  await server.syncCatalog();
  assert.equal((await server.app.request('/api/v1/changes?entity=checkout')).status, 200);

  await admin.query(`drop database "${name}" with (force)`);
  const internals = new RegExp(`${name}|database "|relation|postgres|5432|127\\.0\\.0\\.1`);
  // The first requests may meet the connections the drop terminated (retryable); later ones a database that is gone.
  const codes = new Set<string>();
  for (let i = 0; i < 4; i++) {
    for (const path of ['/api/v1/changes?entity=checkout', '/api/v1/entities']) {
      const res = await server.app.request(path);
      const body = await res.text();
      assert.equal(res.status, 503, `${path}: ${body}`);
      assert.doesNotMatch(body, internals, path);
      const { code } = JSON.parse(body) as { code: string };
      codes.add(code);
      assert.equal(res.headers.get('retry-after'), code === 'dependency-unavailable' ? '1' : null, body);
    }
  }
  assert.ok(codes.has('database-unavailable'), [...codes].join());
});
