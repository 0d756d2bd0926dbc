import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { createTestDatabase, describeEachDatabase } from './support/databases.ts';

const repo = join(import.meta.dirname, '..');

describeEachDatabase('opening the database', (dialect) => {
  test('processes starting together on an empty database wait for one another instead of racing the migrations', async (t) => {
    const testDb = await createTestDatabase(dialect);
    t.after(() => testDb.drop());
    const script = `import('./src/platform/db/connect.ts').then((m) => m.openDatabase(process.argv[1])).then((d) => d.close())`;
    const starts = Array.from({ length: 4 }, () => {
      const child = spawn(process.execPath, ['--import', 'tsx', '-e', script, testDb.target], {
        cwd: repo,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
      return once(child, 'exit').then(([code]) => ({ code, stderr }));
    });
    for (const { code, stderr } of await Promise.all(starts)) assert.equal(code, 0, stderr);
    const database = await testDb.open();
    try {
      const rows = await database.db.selectFrom('atrium_migrations').select('name').execute();
      assert.deepEqual(
        rows.map((r) => r.name),
        [
          '0001_catalog',
          '0002_catalog_file_documents',
          '0003_tokens_and_changes',
          '0004_idempotency_keys_per_principal',
          '0005_oncall_overrides',
          '0006_notifications',
          '0007_problem_referrers',
          '0008_slo_events',
          '0009_notification_answers_order',
          '0010_change_events_at_home_feed',
          '0011_entity_search_identifier_words',
          '0012_task_leases',
          '0013_runners_work_runs',
          '0014_slo_running_totals',
          '0015_jobs_ticks_runs',
          '0016_checks_results',
          '0017_incidents',
          '0018_postmortems_actions',
          '0019_slo_drop_time_indexes',
          '0020_check_maintenance_windows_api',
          '0021_work_runs_lease_lapse_limit',
          '0022_check_screenshots',
        ],
      );
    } finally {
      await database.close();
    }
  });

  test("a database whose migrations Kysely's migrator recorded is taken over, not migrated again", async (t) => {
    const testDb = await createTestDatabase(dialect);
    t.after(() => testDb.drop());
    const first = await testDb.open();
    // As such a database is: only 0001 applied, recorded by Kysely.
    await sql`drop table atrium_migrations`.execute(first.db);
    await sql`alter table catalog_files drop column documents`.execute(first.db);
    await sql`drop index problems_target`.execute(first.db);
    await sql`alter table problems drop column target_key`.execute(first.db);
    await sql`alter table problems drop column detail`.execute(first.db);
    for (const table of [
      'api_tokens',
      'change_events',
      'idempotency_keys',
      'flag_evaluations',
      'flag_states',
      'oncall_overrides',
      'notifications',
      'slo_minutes',
      'slo_hours',
      'slo_alerts',
      'slo_alert_history',
      'slo_status',
      'slo_cycles',
      'task_leases',
      'work_runs',
      'work_run_tags',
      'runners',
      'slo_event_totals',
      'job_state',
      'job_runs',
      'check_results',
      'check_hours',
      'check_locations',
      'check_states',
      'check_transitions',
      'incidents',
      'incident_services',
      'incident_history',
      'incident_notes',
      'postmortems',
      'postmortem_actions',
      'postmortem_escalations',
      'check_maintenance',
      'check_screenshots',
    ])
      await sql`drop table ${sql.table(table)}`.execute(first.db);
    await sql`create table kysely_migration (name varchar(255) primary key, timestamp varchar(255) not null)`.execute(
      first.db,
    );
    await sql`insert into kysely_migration (name, timestamp) values ('0001_catalog', '2026-11-01T00:00:00.000Z')`.execute(
      first.db,
    );
    await first.close();
    const again = await testDb.open();
    try {
      const rows = await again.db.selectFrom('atrium_migrations').selectAll().orderBy('name').execute();
      assert.deepEqual(rows[0], { name: '0001_catalog', applied_at: '2026-11-01T00:00:00.000Z' });
      assert.deepEqual(
        rows.map((r) => r.name),
        [
          '0001_catalog',
          '0002_catalog_file_documents',
          '0003_tokens_and_changes',
          '0004_idempotency_keys_per_principal',
          '0005_oncall_overrides',
          '0006_notifications',
          '0007_problem_referrers',
          '0008_slo_events',
          '0009_notification_answers_order',
          '0010_change_events_at_home_feed',
          '0011_entity_search_identifier_words',
          '0012_task_leases',
          '0013_runners_work_runs',
          '0014_slo_running_totals',
          '0015_jobs_ticks_runs',
          '0016_checks_results',
          '0017_incidents',
          '0018_postmortems_actions',
          '0019_slo_drop_time_indexes',
          '0020_check_maintenance_windows_api',
          '0021_work_runs_lease_lapse_limit',
          '0022_check_screenshots',
        ],
      );
    } finally {
      await again.close();
    }
  });

  test('idempotency keys kept from before they were per token belong to the token that wrote them', async (t) => {
    const testDb = await createTestDatabase(dialect);
    t.after(() => testDb.drop());
    const first = await testDb.open();
    // As a database of the previous release is: keys shared by every token.
    await sql`delete from atrium_migrations where name = '0004_idempotency_keys_per_principal'`.execute(first.db);
    await sql`drop table idempotency_keys`.execute(first.db);
    await sql`create table idempotency_keys (route text not null, key text not null, fingerprint text not null, status integer not null, response text not null, created_at text not null, constraint idempotency_keys_pk primary key (route, key))`.execute(
      first.db,
    );
    await sql`create index idempotency_keys_created on idempotency_keys (created_at)`.execute(first.db);
    const rows: [route: string, key: string, response: string][] = [
      ['/api/v1/deployments', 'k1', JSON.stringify({ id: 1, recordedBy: 'ci-payments' })],
      ['/api/v1/deployments/batch', 'k1', JSON.stringify({ items: [{ id: 2, recordedBy: 'ci-logistics' }] })],
      ['/api/v1/webhooks/github', 'github:abc', JSON.stringify({ id: 3, recordedBy: 'github-webhook' })],
      ['/demo', 'demo-history:2026-11-01:0', JSON.stringify({ items: [{ id: 4, recordedBy: 'demo-history' }] })],
      ['/api/v1/changes', 'odd', 'not json'],
    ];
    for (const [route, key, response] of rows)
      await sql`insert into idempotency_keys values (${route}, ${key}, 'f', 201, ${response}, '2026-11-01T00:00:00.000Z')`.execute(
        first.db,
      );
    await first.close();
    const again = await testDb.open();
    try {
      const keys = await again.db
        .selectFrom('idempotency_keys')
        .select(['principal', 'route', 'key', 'response'])
        .orderBy('route')
        .execute();
      assert.deepEqual(
        keys.map((k) => [k.principal, k.route, k.key]),
        [
          ['', '/api/v1/changes', 'odd'],
          ['ci-payments', '/api/v1/deployments', 'k1'],
          ['ci-logistics', '/api/v1/deployments/batch', 'k1'],
          ['github-webhook', '/api/v1/webhooks/github', 'github:abc'],
          ['demo-history', '/demo', 'demo-history:2026-11-01:0'],
        ],
      );
    } finally {
      await again.close();
    }
  });

  test('opening again applies nothing twice and leaves no lock behind', async (t) => {
    const testDb = await createTestDatabase(dialect);
    t.after(() => testDb.drop());
    for (let i = 0; i < 3; i++) {
      const database = await testDb.open();
      const rows = await database.db.selectFrom('atrium_migrations').select('name').execute();
      assert.equal(rows.length, 22);
      if (dialect === 'postgres') {
        const locks = await sql<{
          n: number;
        }>`select count(*)::int as n from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()`.execute(
          database.db,
        );
        assert.equal(locks.rows[0]?.n, 0);
      }
      await database.close();
    }
  });
});

test('SQLite reads go through a read-only connection of their own, which sees every commit', async (t) => {
  const testDb = await createTestDatabase('sqlite');
  const database = await testDb.open();
  t.after(async () => {
    await database.close();
    await testDb.drop();
  });
  assert.notEqual(database.read, database.db);
  await assert.rejects(
    sql`insert into catalog_state (id, generation) values (2, 0)`.execute(database.read),
    /readonly/,
  );
  await database.db.updateTable('catalog_state').set({ generation: 41 }).where('id', '=', 1).execute();
  const row = await database.read
    .selectFrom('catalog_state')
    .select('generation')
    .where('id', '=', 1)
    .executeTakeFirst();
  assert.equal(row?.generation, 41);
});
