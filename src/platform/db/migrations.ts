import { sql, type Kysely, type Migration } from 'kysely';
import { AtriumError } from '../errors.ts';
import type { DialectName } from './connect.ts';
import type { Schema } from './schema.ts';

/**
 * Schema changes, in order, never edited once released. Each runs in a transaction
 * (both dialects have transactional DDL), so a failed migration changes nothing.
 */
function migrations(dialect: DialectName): Record<string, Migration> {
  return {
    '0001_catalog': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('entities')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('ref', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('namespace', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('title', 'text')
          .addColumn('description', 'text')
          .addColumn('type', 'text')
          .addColumn('lifecycle', 'text')
          .addColumn('owner_key', 'text')
          .addColumn('system_key', 'text')
          .addColumn('tags', 'text', (c) => c.notNull())
          .addColumn('file', 'text', (c) => c.notNull())
          .addColumn('line', 'integer', (c) => c.notNull())
          .addColumn('col', 'integer', (c) => c.notNull())
          .addColumn('content_hash', 'text', (c) => c.notNull())
          .addColumn('stale', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('search_text', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        // One index per filter the API offers; every index costs on a cold sync of a large catalog.
        for (const column of ['kind', 'owner_key', 'system_key', 'lifecycle', 'type']) {
          await db.schema.createIndex(`entities_${column}`).on('entities').columns([column, 'key']).execute();
        }
        await db.schema
          .createTable('entity_tags')
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('tag', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('entity_tags_pk', ['key', 'tag'])
          .execute();
        await db.schema.createIndex('entity_tags_tag').on('entity_tags').columns(['tag', 'key']).execute();
        await db.schema
          .createTable('relations')
          .addColumn('origin', 'text', (c) => c.notNull())
          .addColumn('source_key', 'text', (c) => c.notNull())
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('target_key', 'text', (c) => c.notNull())
          .addColumn('target', 'text', (c) => c.notNull())
          .execute();
        // Rows are replaced per origin (the entity that states them), read by either end.
        await db.schema.createIndex('relations_origin').on('relations').columns(['origin']).execute();
        await db.schema.createIndex('relations_source').on('relations').columns(['source_key', 'type']).execute();
        await db.schema.createIndex('relations_target').on('relations').columns(['target_key', 'type']).execute();
        await db.schema
          .createTable('problems')
          .addColumn('seq', 'integer', (c) => c.primaryKey())
          .addColumn('severity', 'text', (c) => c.notNull())
          .addColumn('code', 'text', (c) => c.notNull())
          .addColumn('message', 'text', (c) => c.notNull())
          .addColumn('hint', 'text', (c) => c.notNull())
          .addColumn('file', 'text', (c) => c.notNull())
          .addColumn('line', 'integer', (c) => c.notNull())
          .addColumn('col', 'integer', (c) => c.notNull())
          .addColumn('entity_key', 'text')
          .addColumn('entity_ref', 'text')
          .execute();
        await db.schema.createIndex('problems_entity').on('problems').columns(['entity_key']).execute();
        await db.schema.createIndex('problems_file').on('problems').columns(['file']).execute();
        await db.schema
          .createTable('catalog_files')
          .addColumn('path', 'text', (c) => c.primaryKey())
          .addColumn('hash', 'text')
          .addColumn('summary', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('catalog_state')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('generation', 'integer', (c) => c.notNull())
          .addColumn('synced_at', 'text')
          .execute();
        await sql`insert into catalog_state (id, generation, synced_at) values (1, 0, null)`.execute(db);
        if (dialect === 'sqlite') {
          await sql`create virtual table entity_search using fts5(key unindexed, body, tokenize = 'unicode61 remove_diacritics 2')`.execute(
            db,
          );
        } else {
          await sql`alter table entities add column search tsvector generated always as (to_tsvector('simple', search_text)) stored`.execute(
            db,
          );
          await sql`create index entities_search on entities using gin (search)`.execute(db);
        }
      },
    },
    '0002_catalog_file_documents': {
      // A file's documents apart from the rest of its summary, so a sync that finds nothing
      // changed need not parse them all.
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('catalog_files').addColumn('documents', 'text').execute();
      },
    },
    '0003_tokens_and_changes': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('api_tokens')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('secret_hash', 'text', (c) => c.notNull())
          .addColumn('scopes', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text')
          .addColumn('revoked_at', 'text')
          .addColumn('last_used_at', 'text')
          // The environment an SDK token reads flags of (flags:read); null for other tokens.
          .addColumn('environment', 'text')
          .execute();
        // A name is reusable once its token is revoked; the revoked row stays for the record.
        await sql`create unique index api_tokens_live_name on api_tokens (name) where revoked_at is null`.execute(db);
        await db.schema
          .createTable('change_events')
          .addColumn('seq', dialect === 'sqlite' ? 'integer' : 'bigserial', (c) => c.primaryKey())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('service_key', 'text', (c) => c.notNull())
          .addColumn('service_ref', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          // The same instant as epoch milliseconds: DORA reads tens of thousands of rows, and parsing their ISO times cost more than the query.
          .addColumn('at_ms', 'bigint', (c) => c.notNull())
          .addColumn('environment', 'text')
          .addColumn('version', 'text')
          .addColumn('status', 'text')
          .addColumn('strategy', 'text')
          .addColumn('slot', 'text')
          .addColumn('kind', 'text')
          .addColumn('summary', 'text')
          .addColumn('started_at', 'text')
          .addColumn('started_ms', 'bigint')
          .addColumn('url', 'text')
          .addColumn('actor', 'text')
          .addColumn('commits', 'text')
          .addColumn('recorded_by', 'text', (c) => c.notNull())
          .addColumn('recorded_at', 'text', (c) => c.notNull())
          .execute();
        // Timelines read by service and time; DORA and live state by service, type and time.
        await db.schema
          .createIndex('change_events_service_at')
          .on('change_events')
          .columns(['service_key', 'at'])
          .execute();
        await db.schema
          .createIndex('change_events_service_type')
          .on('change_events')
          .columns(['service_key', 'type', 'at'])
          .execute();
        await db.schema
          .createTable('idempotency_keys')
          .addColumn('route', 'text', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('fingerprint', 'text', (c) => c.notNull())
          .addColumn('status', 'integer', (c) => c.notNull())
          .addColumn('response', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('idempotency_keys_pk', ['route', 'key'])
          .execute();
        await db.schema
          .createIndex('idempotency_keys_created')
          .on('idempotency_keys')
          .columns(['created_at'])
          .execute();
        // A flag's switch per environment at run time, over what its file declares.
        await db.schema
          .createTable('flag_states')
          .addColumn('flag_key', 'text', (c) => c.notNull())
          .addColumn('environment', 'text', (c) => c.notNull())
          .addColumn('enabled', 'integer', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('updated_by', 'text', (c) => c.notNull())
          // Where the flag's release plan stands here (null: not started).
          .addColumn('milestone', 'integer')
          .addColumn('milestone_since', 'text')
          .addColumn('paused', 'integer', (c) => c.notNull().defaultTo(0))
          // A rollout percentage set at run time over the strategies' own (null: theirs).
          .addColumn('rollout', 'integer')
          .addPrimaryKeyConstraint('flag_states_pk', ['flag_key', 'environment'])
          .execute();
        // Yes/no counts SDKs report (POST /api/client/metrics), per flag, environment, app and hour.
        await db.schema
          .createTable('flag_evaluations')
          .addColumn('flag', 'text', (c) => c.notNull())
          .addColumn('environment', 'text', (c) => c.notNull())
          .addColumn('app_name', 'text', (c) => c.notNull())
          .addColumn('hour', 'text', (c) => c.notNull())
          .addColumn('yes', 'bigint', (c) => c.notNull())
          .addColumn('no', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('flag_evaluations_pk', ['flag', 'environment', 'app_name', 'hour'])
          .execute();
      },
    },
    '0004_idempotency_keys_per_principal': {
      // A key belongs to whoever sent it (a token's name, the webhook, the demo seed): another
      // token's same key is its own write, and cannot replay or block this one's. A row kept
      // from before is given the principal its stored answer names as `recordedBy` (the token
      // that wrote it), so a retry across the upgrade still replays.
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('idempotency_keys').renameTo('idempotency_keys_shared').execute();
        await db.schema.dropIndex('idempotency_keys_created').execute();
        await db.schema
          .createTable('idempotency_keys')
          .addColumn('principal', 'text', (c) => c.notNull())
          .addColumn('route', 'text', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('fingerprint', 'text', (c) => c.notNull())
          .addColumn('status', 'integer', (c) => c.notNull())
          .addColumn('response', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('idempotency_keys_principal_pk', ['principal', 'route', 'key'])
          .execute();
        await db.schema
          .createIndex('idempotency_keys_created')
          .on('idempotency_keys')
          .columns(['created_at'])
          .execute();
        // A single write's answer is the event, a batch's {items: [...]}; '' (no token's name) if
        // neither says. Atrium stored only JSON objects; the guards keep anything else from
        // failing the upgrade (PostgreSQL 15 has no validity test, an object's braces must do).
        const recordedBy =
          dialect === 'sqlite'
            ? sql`case when json_valid(response) then coalesce(json_extract(response, '$.recordedBy'), json_extract(response, '$.items[0].recordedBy')) end`
            : sql`case when response like '{%}' then coalesce(response::jsonb ->> 'recordedBy', response::jsonb -> 'items' -> 0 ->> 'recordedBy') end`;
        await sql`insert into idempotency_keys (principal, route, key, fingerprint, status, response, created_at)
          select coalesce(${recordedBy}, ''), route, key, fingerprint, status, response, created_at
          from idempotency_keys_shared`.execute(db);
        await db.schema.dropTable('idempotency_keys_shared').execute();
      },
    },
    '0005_oncall_overrides': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('oncall_overrides')
          .addColumn('id', dialect === 'sqlite' ? 'integer' : 'bigserial', (c) => c.primaryKey())
          .addColumn('rotation_key', 'text', (c) => c.notNull())
          .addColumn('user_key', 'text', (c) => c.notNull())
          .addColumn('user_ref', 'text', (c) => c.notNull())
          .addColumn('starts_at', 'text', (c) => c.notNull())
          .addColumn('ends_at', 'text', (c) => c.notNull())
          .addColumn('starts_ms', 'bigint', (c) => c.notNull())
          .addColumn('ends_ms', 'bigint', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          // Removed overrides stay, for the record of who removed them and why.
          .addColumn('removed_by', 'text')
          .addColumn('removed_at', 'text')
          .addColumn('removed_reason', 'text')
          .execute();
        // Read by rotation, those still to end.
        await db.schema
          .createIndex('oncall_overrides_rotation')
          .on('oncall_overrides')
          .columns(['rotation_key', 'ends_ms'])
          .execute();
      },
    },
    '0006_notifications': {
      // The outbox: a message is a row before anything is sent, so a restart loses nothing.
      // `idempotency` (principal, route and the request's Idempotency-Key) is unique, so a
      // retried request finds its first message instead of queueing another.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('notifications')
          .addColumn('id', dialect === 'sqlite' ? 'integer' : 'bigserial', (c) => c.primaryKey())
          .addColumn('receiver', 'text', (c) => c.notNull())
          .addColumn('subject_key', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('dedup_key', 'text', (c) => c.notNull())
          .addColumn('idempotency', 'text', (c) => c.unique())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('next_attempt_at', 'text', (c) => c.notNull())
          .addColumn('last_error', 'text')
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('sent_at', 'text')
          .execute();
        await db.schema
          .createIndex('notifications_due')
          .on('notifications')
          .columns(['status', 'next_attempt_at'])
          .execute();
        await db.schema
          .createIndex('notifications_subject')
          .on('notifications')
          .columns(['subject_key', 'id'])
          .execute();
      },
    },
    '0007_problem_referrers': {
      // A dangling reference is one problem per missing target; its referrers are JSON (null for other problems).
      // Every referrer's page shows it: found by the target's key among the referrer's relations.
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('problems').addColumn('detail', 'text').execute();
        await db.schema.alterTable('problems').addColumn('target_key', 'text').execute();
        await db.schema.createIndex('problems_target').on('problems').columns(['target_key']).execute();
      },
    },
    '0008_slo_events': {
      // SLOs (src/slo/): pushed events summed per minute, then per hour after 48 h; each
      // SLO's alert per severity, their history, its latest status, and the claim row that
      // lets one replica run each evaluation cycle.
      async up(db: Kysely<unknown>) {
        for (const table of ['slo_minutes', 'slo_hours']) {
          await db.schema
            .createTable(table)
            .addColumn('slo_key', 'text', (c) => c.notNull())
            .addColumn('bucket_ms', 'bigint', (c) => c.notNull())
            .addColumn('good', 'bigint', (c) => c.notNull())
            .addColumn('total', 'bigint', (c) => c.notNull())
            .addPrimaryKeyConstraint(`${table}_pk`, ['slo_key', 'bucket_ms'])
            .execute();
          // Window sums read every SLO's recent buckets at once: by time first.
          await db.schema.createIndex(`${table}_time`).on(table).columns(['bucket_ms']).execute();
        }
        await db.schema
          .createTable('slo_alerts')
          .addColumn('slo_key', 'text', (c) => c.notNull())
          .addColumn('severity', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('since', 'text', (c) => c.notNull())
          .addColumn('long_window', 'text', (c) => c.notNull())
          .addColumn('short_window', 'text', (c) => c.notNull())
          .addColumn('factor', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('slo_alerts_pk', ['slo_key', 'severity'])
          .execute();
        await db.schema
          .createTable('slo_alert_history')
          .addColumn('id', dialect === 'sqlite' ? 'integer' : 'bigserial', (c) => c.primaryKey())
          .addColumn('slo_key', 'text', (c) => c.notNull())
          .addColumn('service_key', 'text', (c) => c.notNull())
          .addColumn('severity', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('long_window', 'text', (c) => c.notNull())
          .addColumn('short_window', 'text', (c) => c.notNull())
          .addColumn('factor', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('slo_alert_history_slo')
          .on('slo_alert_history')
          .columns(['slo_key', 'id'])
          .execute();
        await db.schema
          .createIndex('slo_alert_history_service')
          .on('slo_alert_history')
          .columns(['service_key', 'at'])
          .execute();
        await db.schema
          .createTable('slo_status')
          .addColumn('slo_key', 'text', (c) => c.primaryKey())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('evaluated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('slo_cycles')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('cycle', 'bigint', (c) => c.notNull())
          .addColumn('holder', 'text', (c) => c.notNull())
          .addColumn('expires_ms', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    '0009_notification_answers_order': {
      // The receiver's answer to a delivered message (the Notifications page shows it); the
      // outbox holds a message while an earlier one with its receiver and dedup key is
      // queued (found by the first index), and the page lists one receiver's newest first.
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('notifications').addColumn('answer', 'text').execute();
        await db.schema
          .createIndex('notifications_dedup')
          .on('notifications')
          .columns(['receiver', 'dedup_key', 'id'])
          .execute();
        await db.schema.createIndex('notifications_receiver').on('notifications').columns(['receiver', 'id']).execute();
      },
    },
    '0010_change_events_at_home_feed': {
      // The home page's feed reads the newest events of every service: walked backwards by time, not sorted whole.
      async up(db: Kysely<unknown>) {
        await db.schema.createIndex('change_events_at').on('change_events').columns(['at', 'seq']).execute();
      },
    },
    '0011_entity_search_identifier_words': {
      // Entities are now stored under their identifiers' parts too (storedTerms): forget the
      // stored content hashes so the next sync rewrites every row, and its search text, once.
      async up(db: Kysely<unknown>) {
        await sql`update entities set content_hash = ''`.execute(db);
      },
    },
    '0017_incidents': {
      // Incidents, every edit of one (its history), responders' notes, and the affected
      // services with their owners at the time (the list filters by team and service).
      async up(db: Kysely<unknown>) {
        const id = dialect === 'sqlite' ? 'integer' : 'bigserial';
        await db.schema
          .createTable('incidents')
          .addColumn('id', id, (c) => c.primaryKey())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('severity', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('open', 'integer', (c) => c.notNull())
          .addColumn('services', 'text', (c) => c.notNull())
          .addColumn('milestones', 'text', (c) => c.notNull())
          .addColumn('roles', 'text', (c) => c.notNull())
          .addColumn('customer_impact', 'text', (c) => c.notNull())
          .addColumn('linked_deployment', 'bigint')
          .addColumn('linked_service_key', 'text')
          .addColumn('linked_at', 'text')
          .addColumn('window_hours', 'integer', (c) => c.notNull())
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('external_id', 'text')
          .addColumn('started_at', 'text', (c) => c.notNull())
          .addColumn('resolved_at', 'text')
          .addColumn('declared_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('incidents_open').on('incidents').columns(['open', 'started_at']).execute();
        await db.schema
          .createIndex('incidents_external')
          .on('incidents')
          .columns(['source', 'external_id'])
          .unique()
          .execute();
        await db.schema
          .createTable('incident_services')
          .addColumn('incident_id', 'bigint', (c) => c.notNull())
          .addColumn('service_key', 'text', (c) => c.notNull())
          .addColumn('owner_key', 'text')
          .addPrimaryKeyConstraint('incident_services_pk', ['incident_id', 'service_key'])
          .execute();
        await db.schema
          .createIndex('incident_services_service')
          .on('incident_services')
          .columns(['service_key', 'incident_id'])
          .execute();
        await db.schema
          .createIndex('incident_services_owner')
          .on('incident_services')
          .columns(['owner_key', 'incident_id'])
          .execute();
        await db.schema
          .createTable('incident_history')
          .addColumn('id', id, (c) => c.primaryKey())
          .addColumn('incident_id', 'bigint', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('by', 'text', (c) => c.notNull())
          .addColumn('field', 'text', (c) => c.notNull())
          .addColumn('before', 'text')
          .addColumn('after', 'text')
          .execute();
        await db.schema
          .createIndex('incident_history_incident')
          .on('incident_history')
          .columns(['incident_id', 'id'])
          .execute();
        await db.schema
          .createTable('incident_notes')
          .addColumn('id', id, (c) => c.primaryKey())
          .addColumn('incident_id', 'bigint', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('by', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('incident_notes_incident')
          .on('incident_notes')
          .columns(['incident_id', 'id'])
          .execute();
      },
    },
    '0018_postmortems_actions': {
      // Keyed by the incident's id as text: post-mortems belong to incidents, whose table is another capability's.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('postmortems')
          .addColumn('incident_id', 'text', (c) => c.primaryKey())
          .addColumn('markdown', 'text', (c) => c.notNull())
          .addColumn('author', 'text', (c) => c.notNull())
          .addColumn('published_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('reviewed_by', 'text')
          .addColumn('reviewed_at', 'text')
          .execute();
        await db.schema
          .createTable('postmortem_actions')
          .addColumn('id', dialect === 'sqlite' ? 'integer' : 'bigserial', (c) => c.primaryKey())
          .addColumn('incident_id', 'text', (c) => c.notNull())
          .addColumn('slot', 'integer')
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('owner_key', 'text', (c) => c.notNull())
          .addColumn('deadline', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('ticket', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('done_at', 'text')
          .addColumn('done_by', 'text')
          .addColumn('deprioritised_reason', 'text')
          .addColumn('deprioritised_by', 'text')
          .addColumn('deprioritised_at', 'text')
          .execute();
        // The three-item rule held by the database: a slot is taken once per incident (null slots are free).
        await sql`create unique index postmortem_actions_slot on postmortem_actions (incident_id, slot) where slot is not null`.execute(
          db,
        );
        await db.schema
          .createIndex('postmortem_actions_owner')
          .on('postmortem_actions')
          .columns(['owner_key', 'status'])
          .execute();
        await db.schema
          .createIndex('postmortem_actions_status')
          .on('postmortem_actions')
          .columns(['status', 'incident_id'])
          .execute();
        await db.schema
          .createTable('postmortem_escalations')
          .addColumn('item_id', 'bigint', (c) => c.notNull())
          .addColumn('sprint', 'integer', (c) => c.notNull())
          .addColumn('escalated_at', 'text', (c) => c.notNull())
          .addColumn('notified', 'text')
          .addColumn('problem', 'text')
          .addPrimaryKeyConstraint('postmortem_escalations_pk', ['item_id', 'sprint'])
          .execute();
      },
    },
    '0022_check_screenshots': {
      // A failing browser check's screenshot (a JPEG of at most 128 KiB, base64), apart from
      // its run so that lists of runs never read images; each check keeps its newest few.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('check_screenshots')
          .addColumn('run_id', 'text', (c) => c.primaryKey())
          .addColumn('check_key', 'text', (c) => c.notNull())
          .addColumn('at_ms', 'bigint', (c) => c.notNull())
          .addColumn('media_type', 'text', (c) => c.notNull())
          .addColumn('data', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('check_screenshots_check')
          .on('check_screenshots')
          .columns(['check_key', 'at_ms'])
          .execute();
      },
    },
    '0016_checks_results': {
      // Synthetic checks (src/checks/): each run at each location, hourly sums per location
      // for long ranges and SLOs, each location's state, each check's status and alert, and
      // status changes waiting for the service timeline.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('check_results')
          .addColumn('run_id', 'text', (c) => c.primaryKey())
          .addColumn('check_key', 'text', (c) => c.notNull())
          .addColumn('location', 'text', (c) => c.notNull())
          .addColumn('round_ms', 'bigint', (c) => c.notNull())
          .addColumn('at_ms', 'bigint', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('response_ms', 'double precision')
          .addColumn('detail', 'text', (c) => c.notNull())
          .addColumn('error', 'text')
          .addColumn('runner', 'text')
          .execute();
        // A check's results newest first (its page, the API, recent rounds); retention by time.
        await db.schema
          .createIndex('check_results_check')
          .on('check_results')
          .columns(['check_key', 'at_ms'])
          .execute();
        await db.schema.createIndex('check_results_time').on('check_results').columns(['at_ms']).execute();
        await db.schema
          .createTable('check_hours')
          .addColumn('check_key', 'text', (c) => c.notNull())
          .addColumn('location', 'text', (c) => c.notNull())
          .addColumn('hour_ms', 'bigint', (c) => c.notNull())
          .addColumn('runs', 'bigint', (c) => c.notNull())
          .addColumn('passing', 'bigint', (c) => c.notNull())
          .addColumn('degraded', 'bigint', (c) => c.notNull())
          .addColumn('failing', 'bigint', (c) => c.notNull())
          .addColumn('response_sum', 'double precision', (c) => c.notNull())
          .addColumn('response_max', 'double precision', (c) => c.notNull())
          .addPrimaryKeyConstraint('check_hours_pk', ['check_key', 'location', 'hour_ms'])
          .execute();
        await db.schema.createIndex('check_hours_time').on('check_hours').columns(['hour_ms']).execute();
        await db.schema
          .createTable('check_locations')
          .addColumn('check_key', 'text', (c) => c.notNull())
          .addColumn('location', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('check_locations_pk', ['check_key', 'location'])
          .execute();
        await db.schema
          .createTable('check_states')
          .addColumn('check_key', 'text', (c) => c.primaryKey())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('alert_open', 'integer', (c) => c.notNull())
          .addColumn('changed_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('check_transitions')
          .addColumn('id', dialect === 'sqlite' ? 'integer' : 'bigserial', (c) => c.primaryKey())
          .addColumn('check_key', 'text', (c) => c.notNull())
          .addColumn('service_key', 'text', (c) => c.notNull())
          .addColumn('from_status', 'text', (c) => c.notNull())
          .addColumn('to_status', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('recorded_at', 'text')
          .execute();
        await db.schema
          .createIndex('check_transitions_pending')
          .on('check_transitions')
          .columns(['recorded_at', 'id'])
          .execute();
      },
    },
    '0015_jobs_ticks_runs': {
      // Scheduled jobs (src/jobs/): one claim row per job holding the last tick claimed (a
      // conditional update advances it, so each tick is claimed once across replicas), and
      // one run row per tick.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('job_state')
          .addColumn('job_key', 'text', (c) => c.primaryKey())
          .addColumn('last_tick_ms', 'bigint', (c) => c.notNull())
          .addColumn('suspended', 'integer')
          .addColumn('updated_ms', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('job_runs')
          .addColumn('id', dialect === 'sqlite' ? 'integer' : 'bigserial', (c) => c.primaryKey())
          .addColumn('job_key', 'text', (c) => c.notNull())
          .addColumn('tick_ms', 'bigint', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('trigger', 'text', (c) => c.notNull())
          .addColumn('attempt', 'integer', (c) => c.notNull())
          .addColumn('started_ms', 'bigint')
          .addColumn('finished_ms', 'bigint')
          .addColumn('runner', 'text')
          .addColumn('summary', 'text')
          .addColumn('output', 'text')
          .addColumn('alerted', 'integer', (c) => c.notNull())
          .addColumn('updated_ms', 'bigint', (c) => c.notNull())
          .addUniqueConstraint('job_runs_tick', ['job_key', 'tick_ms'])
          .execute();
        // Failed and missed runs still owed an alert, found without reading every run.
        await db.schema.createIndex('job_runs_owed').on('job_runs').columns(['alerted', 'status']).execute();
      },
    },
    '0019_slo_drop_time_indexes': {
      // Since 0014 window sums seek each SLO's buckets by (slo_key, bucket_ms), the primary
      // key: the time indexes were read by no query and cost every push. An evaluation
      // cycle's time is kept once, on its slo_cycles row, and a status row is written only
      // when the status changed: its time says when that was.
      async up(db: Kysely<unknown>) {
        await db.schema.dropIndex('slo_minutes_time').execute();
        await db.schema.dropIndex('slo_hours_time').execute();
        await db.schema.alterTable('slo_cycles').addColumn('evaluated_at', 'text').execute();
        await db.schema.alterTable('slo_status').renameColumn('evaluated_at', 'changed_at').execute();
      },
    },
    '0014_slo_running_totals': {
      // Pushed SLO events as running totals, so a window's sum is two index lookups, not a
      // scan of every bucket in it. Each bucket row gains the sums of all of its SLO's
      // buckets before it (in either table, pruned ones included); slo_event_totals holds
      // each SLO's grand totals (the answer for "after the last bucket") and `hours_before`:
      // its hour buckets all start before it, its minute buckets at or after it. A pushed
      // SLO's totals row is also what serialises its pushes and compactions.
      async up(db: Kysely<unknown>) {
        for (const table of ['slo_minutes', 'slo_hours'])
          for (const column of ['cum_good', 'cum_total'])
            await db.schema
              .alterTable(table)
              .addColumn(column, 'bigint', (c) => c.notNull().defaultTo(0))
              .execute();
        await db.schema
          .createTable('slo_event_totals')
          .addColumn('slo_key', 'text', (c) => c.primaryKey())
          .addColumn('good', 'bigint', (c) => c.notNull())
          .addColumn('total', 'bigint', (c) => c.notNull())
          .addColumn('hours_before', 'bigint', (c) => c.notNull())
          .execute();
        await sql`insert into slo_event_totals (slo_key, good, total, hours_before)
          select slo_key, sum(good), sum(total), max(after) from (
            select slo_key, good, total, bucket_ms + 3600000 as after from slo_hours
            union all
            select slo_key, good, total, 0 as after from slo_minutes
          ) buckets where true group by slo_key`.execute(db);
        // A minute a late push left below its SLO's last hour bucket joins its hour, so hours lie wholly before minutes.
        await sql`insert into slo_hours (slo_key, bucket_ms, good, total)
          select m.slo_key, m.bucket_ms - (m.bucket_ms % 3600000), sum(m.good), sum(m.total)
          from slo_minutes m join slo_event_totals t on t.slo_key = m.slo_key
          where m.bucket_ms < t.hours_before group by m.slo_key, m.bucket_ms - (m.bucket_ms % 3600000)
          on conflict (slo_key, bucket_ms) do update set good = slo_hours.good + excluded.good, total = slo_hours.total + excluded.total`.execute(
          db,
        );
        await sql`delete from slo_minutes where bucket_ms < (select t.hours_before from slo_event_totals t where t.slo_key = slo_minutes.slo_key)`.execute(
          db,
        );
        for (const table of ['slo_minutes', 'slo_hours'])
          await sql`update ${sql.table(table)} set cum_good = p.cum_good, cum_total = p.cum_total from (
              select slo_key, bucket_ms, sum(good) over w - good as cum_good, sum(total) over w - total as cum_total from (
                select slo_key, bucket_ms, good, total from slo_hours
                union all
                select slo_key, bucket_ms, good, total from slo_minutes
              ) buckets window w as (partition by slo_key order by bucket_ms rows unbounded preceding)
            ) p where p.slo_key = ${sql.table(table)}.slo_key and p.bucket_ms = ${sql.table(table)}.bucket_ms`.execute(
            db,
          );
      },
    },
    '0013_runners_work_runs': {
      // Runner agents (src/runners/): the work queue (one row per run, from its order to its
      // recorded end), the tags a run asks of its runner (matched in SQL, so a lease takes
      // exactly what fits), and the runners that have asked for work.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('work_runs')
          .addColumn('run_id', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('dedup_key', 'text', (c) => c.notNull().unique())
          .addColumn('location', 'text')
          .addColumn('tags', 'text', (c) => c.notNull())
          .addColumn('due_ms', 'bigint', (c) => c.notNull())
          .addColumn('deadline_ms', 'bigint')
          .addColumn('timeout_ms', 'bigint', (c) => c.notNull())
          .addColumn('secrets', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('attempt', 'integer', (c) => c.notNull())
          .addColumn('lease_token', 'text')
          .addColumn('earlier_leases', 'text', (c) => c.notNull())
          .addColumn('lease_expires_ms', 'bigint')
          .addColumn('runner_name', 'text')
          .addColumn('runner_location', 'text')
          .addColumn('started_ms', 'bigint')
          .addColumn('finished_ms', 'bigint')
          .addColumn('outcome', 'text')
          .addColumn('created_ms', 'bigint', (c) => c.notNull())
          .execute();
        // A lease walks the due runs by time; the expiry task the leased ones by their end; cancel a subject's.
        await db.schema.createIndex('work_runs_due').on('work_runs').columns(['state', 'due_ms']).execute();
        await db.schema.createIndex('work_runs_lease').on('work_runs').columns(['state', 'lease_expires_ms']).execute();
        await db.schema.createIndex('work_runs_subject').on('work_runs').columns(['subject', 'state']).execute();
        await db.schema
          .createTable('work_run_tags')
          .addColumn('run_id', 'text', (c) => c.notNull())
          .addColumn('tag', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('work_run_tags_pk', ['run_id', 'tag'])
          .execute();
        await db.schema
          .createTable('runners')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('location', 'text', (c) => c.notNull())
          .addColumn('tags', 'text', (c) => c.notNull())
          .addColumn('version', 'text', (c) => c.notNull())
          .addColumn('capacity', 'integer', (c) => c.notNull())
          .addColumn('last_seen_ms', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    '0020_check_maintenance_windows_api': {
      // Maintenance windows of checks added through the API (src/checks/): beside the
      // catalog's, they hold a check's alerts but keep its data. A check's windows are read
      // by their end (the open and coming ones), and pruned by it.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('check_maintenance')
          .addColumn('id', dialect === 'sqlite' ? 'integer' : 'bigserial', (c) => c.primaryKey())
          .addColumn('check_key', 'text', (c) => c.notNull())
          .addColumn('start_ms', 'bigint', (c) => c.notNull())
          .addColumn('end_ms', 'bigint', (c) => c.notNull())
          .addColumn('reason', 'text')
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('check_maintenance_check')
          .on('check_maintenance')
          .columns(['check_key', 'end_ms'])
          .execute();
        await db.schema.createIndex('check_maintenance_end').on('check_maintenance').columns(['end_ms']).execute();
      },
    },
    '0021_work_runs_lease_lapse_limit': {
      // Runner agents: how many times a run's lease lapsed (its runner crashed or was cut
      // off), and after how many it is recorded as an error instead of leased again.
      async up(db: Kysely<unknown>) {
        await db.schema
          .alterTable('work_runs')
          .addColumn('lapses', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .alterTable('work_runs')
          .addColumn('max_lapses', 'integer', (c) => c.notNull().defaultTo(3))
          .execute();
      },
    },
    '0012_task_leases': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('task_leases')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('holder', 'text', (c) => c.notNull())
          .addColumn('expires_ms', 'bigint', (c) => c.notNull())
          .addColumn('generation', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
  };
}

/**
 * Databases made by Atrium's first builds recorded migrations in Kysely's own table; take
 * those records over so nothing is applied twice.
 */
async function adoptKyselyBookkeeping(conn: Kysely<Schema>, dialect: DialectName): Promise<void> {
  const exists =
    dialect === 'sqlite'
      ? (
          await sql<{
            n: number;
          }>`select count(*) as n from sqlite_master where type = 'table' and name = 'kysely_migration'`.execute(conn)
        ).rows[0]?.n === 1
      : (await sql<{ t: string | null }>`select to_regclass('kysely_migration')::text as t`.execute(conn)).rows[0]?.t !=
        null;
  if (!exists) return;
  await sql`insert into atrium_migrations (name, applied_at) select name, timestamp from kysely_migration where name not in (select name from atrium_migrations)`.execute(
    conn,
  );
}

/** Any number unique to Atrium: the advisory lock that serialises migrations on PostgreSQL. */
const MIGRATION_LOCK = 7_400_000_002;

/**
 * Brings the schema up to date. Everything happens in one transaction on one connection:
 * first a lock (`BEGIN IMMEDIATE` on SQLite, a transaction-scoped advisory lock on
 * PostgreSQL, both released at commit or rollback, so safe behind PgBouncer in
 * transaction mode), then the bookkeeping table, then each missing migration. Replicas
 * starting together wait for one another instead of racing; a failure changes nothing.
 */
export async function migrate(db: Kysely<Schema>, dialect: DialectName): Promise<void> {
  const all = Object.entries(migrations(dialect)).sort(([a], [b]) => (a < b ? -1 : 1));
  let current = '';
  try {
    await db.connection().execute(async (conn) => {
      await sql.raw(dialect === 'sqlite' ? 'begin immediate' : 'begin').execute(conn);
      try {
        if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${sql.lit(MIGRATION_LOCK)})`.execute(conn);
        await sql`create table if not exists atrium_migrations (name text primary key, applied_at text not null)`.execute(
          conn,
        );
        await adoptKyselyBookkeeping(conn, dialect);
        const applied = new Set(
          (await conn.selectFrom('atrium_migrations').select('name').execute()).map((r) => r.name),
        );
        for (const [name, migration] of all) {
          if (applied.has(name)) continue;
          current = name;
          await migration.up(conn);
          await conn.insertInto('atrium_migrations').values({ name, applied_at: new Date().toISOString() }).execute();
        }
        await sql`commit`.execute(conn);
      } catch (err) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw err;
      }
    });
  } catch (err) {
    if (!current) throw err; // not a migration's fault: let the caller classify it
    throw new AtriumError({
      category: 'operator-fixable',
      code: 'migration-failed',
      message: `Database migration ${current} failed: ${(err as Error).message}`,
      hint: 'Nothing was changed (migrations run in one transaction). Check database permissions and that this Atrium version is not older than the database.',
      cause: err,
    });
  }
}
