import type { Generated } from 'kysely';

/**
 * The tables, as Kysely sees them. Each capability's store is the only code that queries
 * its own tables; this file only describes them.
 */
export interface EntitiesTable {
  key: string;
  ref: string;
  kind: string;
  namespace: string;
  name: string;
  title: string | null;
  description: string | null;
  type: string | null;
  lifecycle: string | null;
  owner_key: string | null;
  system_key: string | null;
  tags: string;
  file: string;
  line: number;
  col: number;
  content_hash: string;
  stale: number;
  body: string;
  search_text: string;
  updated_at: string;
}

export interface EntityTagsTable {
  key: string;
  tag: string;
}

export interface RelationsTable {
  origin: string;
  source_key: string;
  source: string;
  type: string;
  target_key: string;
  target: string;
}

export interface ProblemsTable {
  seq: number;
  severity: string;
  code: string;
  message: string;
  hint: string;
  file: string;
  line: number;
  col: number;
  entity_key: string | null;
  entity_ref: string | null;
  /** A dangling reference's target and referrers, as JSON; null for other problems and rows before 0004. */
  detail: string | null;
  /** A dangling reference's target key; null for other problems and rows before 0004. */
  target_key: string | null;
}

export interface CatalogFilesTable {
  path: string;
  hash: string | null;
  /** The FileSummary without its documents (small: read on every sync). */
  summary: string;
  /** The FileSummary's documents (large: parsed only when a sync needs them). Null in rows of 0001. */
  documents: string | null;
}

export interface CatalogStateTable {
  id: number;
  generation: number;
  synced_at: string | null;
}

export interface EntitySearchTable {
  key: string;
  body: string;
}

export interface ApiTokensTable {
  id: string;
  name: string;
  secret_hash: string;
  /** JSON array of scope names. */
  scopes: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  environment: string | null;
}

/** Deployments, blue/green traffic switches and other changes: one timeline, one table. */
export interface ChangeEventsTable {
  seq: Generated<number>;
  type: string;
  service_key: string;
  service_ref: string;
  /** When it took effect: a deployment's finishedAt, a switch's or change's time. */
  at: string;
  /** `at` as epoch milliseconds (for arithmetic without parsing). */
  at_ms: number;
  environment: string | null;
  version: string | null;
  status: string | null;
  strategy: string | null;
  slot: string | null;
  kind: string | null;
  summary: string | null;
  started_at: string | null;
  started_ms: number | null;
  url: string | null;
  actor: string | null;
  /** JSON array of {sha, committedAt}, deployments only. */
  commits: string | null;
  recorded_by: string;
  recorded_at: string;
}

export interface IdempotencyKeysTable {
  /** Who sent the key (a token's name): keys are scoped per principal and route. */
  principal: string;
  route: string;
  key: string;
  fingerprint: string;
  status: number;
  response: string;
  created_at: string;
}

export interface FlagEvaluationsTable {
  flag: string;
  environment: string;
  app_name: string;
  /** The hour the counts fall in, ISO, e.g. 2026-11-27T14:00:00.000Z. */
  hour: string;
  yes: number;
  no: number;
}

export interface FlagStatesTable {
  flag_key: string;
  environment: string;
  /** 1 on, 0 off. */
  enabled: number;
  updated_at: string;
  updated_by: string;
  milestone: number | null;
  milestone_since: string | null;
  /** 1 when the release plan is paused. */
  paused: Generated<number>;
  rollout: number | null;
}

/** An on-call override: a person on call for a rotation over a time range, kept with who set and removed it and why. */
export interface OncallOverridesTable {
  id: Generated<number>;
  rotation_key: string;
  user_key: string;
  user_ref: string;
  starts_at: string;
  ends_at: string;
  starts_ms: number;
  ends_ms: number;
  reason: string;
  created_by: string;
  created_at: string;
  removed_by: string | null;
  removed_at: string | null;
  removed_reason: string | null;
}

/** The notification outbox (src/notifications/): one row per outgoing message. */
export interface NotificationsTable {
  id: Generated<number>;
  /** The configured receiver's name (atrium.yaml's notifications.receivers). */
  receiver: string;
  /** The entity the message is about (its key), for its page's status. */
  subject_key: string;
  /** JSON: the receiver-neutral message (see notifications/model.ts). */
  payload: string;
  dedup_key: string;
  /**
   * Written by the first outbox only; a page's key is now in idempotency_keys (with its
   * request's hash, platform/db/idempotency.ts). Always null for new rows.
   */
  idempotency: string | null;
  status: string;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  /** The receiver's answer when it accepted the message (bounded); null before, or on failure. */
  answer: string | null;
  created_by: string;
  created_at: string;
  sent_at: string | null;
}

/** Pushed SLO events summed per minute (slo_minutes) or, after 48 hours, per hour (slo_hours). */
export interface SloBucketsTable {
  slo_key: string;
  /** The bucket's start, epoch milliseconds. */
  bucket_ms: number;
  good: number;
  total: number;
  /** The sums of every bucket of this SLO before this one (in either table, pruned ones too): window sums are differences. */
  cum_good: Generated<number>;
  cum_total: Generated<number>;
}

/** Per pushed-events SLO: the sums of all its buckets ever, and where its hour buckets end and its minute buckets begin. */
export interface SloEventTotalsTable {
  slo_key: string;
  good: number;
  total: number;
  /** Hour buckets start before this instant (epoch ms), minute buckets at or after it. */
  hours_before: number;
}

/** An SLO's alert of one severity, once it has fired. */
export interface SloAlertsTable {
  slo_key: string;
  severity: string;
  state: string;
  since: string;
  long_window: string;
  short_window: string;
  factor: string;
}

/** Every alert's change of state. */
export interface SloAlertHistoryTable {
  id: Generated<number>;
  slo_key: string;
  service_key: string;
  severity: string;
  state: string;
  at: string;
  long_window: string;
  short_window: string;
  factor: string;
}

/** An SLO's latest evaluation (JSON SloStatus without its time: that is the cycle's), which every replica reads. */
export interface SloStatusTable {
  slo_key: string;
  body: string;
  /** When the evaluation ran that last changed `body` (an unchanged status is not written again). */
  changed_at: string;
}

/** Who runs a background cycle (one row per cycle kind): the cycle's number, its holder and the lease's end. */
export interface SloCyclesTable {
  name: string;
  cycle: number;
  holder: string;
  expires_ms: number;
  /** On the row of the last evaluated cycle: when it ran (ISO 8601), every status's evaluation time. */
  evaluated_at: string | null;
}

/** An incident (incidents/model.ts); milestones, roles and services as JSON text. */
export interface IncidentsTable {
  id: Generated<number>;
  title: string;
  severity: string;
  status: string;
  /** 1 until resolved: the list shows open incidents first. */
  open: number;
  services: string;
  milestones: string;
  roles: string;
  customer_impact: string;
  /** The linked deployment's change event id, its service's key and when it finished (DORA reads these). */
  linked_deployment: number | null;
  linked_service_key: string | null;
  linked_at: string | null;
  window_hours: number;
  source: string;
  external_id: string | null;
  started_at: string;
  resolved_at: string | null;
  declared_by: string;
  created_at: string;
  updated_at: string;
}

/** An incident's affected service and its owning team when it was set (the list's team filter). */
export interface IncidentServicesTable {
  incident_id: number;
  service_key: string;
  owner_key: string | null;
}

/** Every edit of an incident: who, when, which field, before and after (JSON text). */
export interface IncidentHistoryTable {
  id: Generated<number>;
  incident_id: number;
  at: string;
  by: string;
  field: string;
  before: string | null;
  after: string | null;
}

export interface IncidentNotesTable {
  id: Generated<number>;
  incident_id: number;
  at: string;
  by: string;
  body: string;
}

/** A post-mortem of an incident (one per incident), its Markdown and who published and reviewed it. */
export interface PostmortemsTable {
  incident_id: string;
  markdown: string;
  author: string;
  published_at: string;
  updated_at: string;
  reviewed_by: string | null;
  reviewed_at: string | null;
}

/**
 * A post-mortem's action item. `slot` (1–3) is unique per incident while the item counts
 * against the limit and null once deprioritised: the database itself keeps an incident
 * to three, however many replicas add at once.
 */
export interface PostmortemActionsTable {
  id: Generated<number>;
  incident_id: string;
  slot: number | null;
  title: string;
  owner_key: string;
  deadline: string;
  type: string;
  ticket: string | null;
  status: string;
  created_at: string;
  created_by: string;
  done_at: string | null;
  done_by: string | null;
  deprioritised_reason: string | null;
  deprioritised_by: string | null;
  deprioritised_at: string | null;
}

/** An action item's escalation in one sprint: the primary key (item, sprint) makes it happen once across replicas. */
export interface PostmortemEscalationsTable {
  item_id: number;
  sprint: number;
  escalated_at: string;
  /** The team notified, or null when nobody could be. */
  notified: string | null;
  /** Why nobody was notified, or null. */
  problem: string | null;
}

/** A check's run at one location (src/checks/): its verdict, response time and what it learnt (JSON). */
export interface CheckResultsTable {
  run_id: string;
  check_key: string;
  location: string;
  round_ms: number;
  at_ms: number;
  at: string;
  status: string;
  response_ms: number | null;
  /** JSON: timings, assertion outcomes, excerpt. */
  detail: string;
  error: string | null;
  runner: string | null;
}

/** A failing browser check run's screenshot. */
export interface CheckScreenshotsTable {
  run_id: string;
  check_key: string;
  at_ms: number;
  media_type: string;
  /** The image, base64. */
  data: string;
}

/** Runs of a check at a location summed per hour: long ranges and SLOs read these. */
export interface CheckHoursTable {
  check_key: string;
  location: string;
  hour_ms: number;
  runs: number;
  passing: number;
  degraded: number;
  failing: number;
  response_sum: number;
  response_max: number;
}

/** A check's state at one location (JSON LocationState). */
export interface CheckLocationsTable {
  check_key: string;
  location: string;
  body: string;
}

/** A check's overall status and whether its alert is open. */
export interface CheckStatesTable {
  check_key: string;
  status: string;
  alert_open: number;
  changed_at: string;
}

/** A check's status changes, waiting to be put on its service's timeline (recorded_at null until then). */
export interface CheckTransitionsTable {
  id: Generated<number>;
  check_key: string;
  service_key: string;
  from_status: string;
  to_status: string;
  at: string;
  reason: string;
  recorded_at: string | null;
}

/** A check's maintenance window added through the API (the catalog's live in the catalog): alerts held, data kept. */
export interface CheckMaintenanceTable {
  id: Generated<number>;
  check_key: string;
  start_ms: number;
  end_ms: number;
  reason: string | null;
  /** The token's name that added it. */
  created_by: string;
  created_at: string;
}

/** A scheduled job's claim row (jobs/store.ts): the last tick claimed, and a suspend set through the API. */
export interface JobStateTable {
  job_key: string;
  last_tick_ms: number;
  /** 1 suspended, 0 resumed through the API; null: as the catalog says. */
  suspended: number | null;
  updated_ms: number;
}

/** One run of a job per tick (retries update it): status, times, runner, an output excerpt. */
export interface JobRunsTable {
  id: Generated<number>;
  job_key: string;
  tick_ms: number;
  status: string;
  trigger: string;
  attempt: number;
  started_ms: number | null;
  finished_ms: number | null;
  runner: string | null;
  summary: string | null;
  output: string | null;
  /** 1 once a failed or missed run is on the timeline and its owner notified; 0 while that is owed. */
  alerted: number;
  updated_ms: number;
}

/**
 * A run of work for a runner (src/runners/): its order, where it is (queued, leased,
 * finished, cancelled, missed), its current lease and its recorded end. Times are epoch ms.
 */
export interface WorkRunsTable {
  run_id: string;
  kind: string;
  subject: string;
  /** Unique: a second order with the key is ignored. */
  dedup_key: string;
  location: string | null;
  /** JSON array; work_run_tags holds them again, one row each, for matching. */
  tags: string;
  due_ms: number;
  deadline_ms: number | null;
  timeout_ms: number;
  /** JSON array of secret names (never values). */
  secrets: string;
  payload: string;
  state: string;
  /** 0 while never leased; each lease adds one. */
  attempt: number;
  /** The current (or last, once lapsed) lease's token. */
  lease_token: string | null;
  /** JSON array of the earlier leases (token, runner, attempt, start): a late report of one still counts once. */
  earlier_leases: string;
  lease_expires_ms: number | null;
  runner_name: string | null;
  runner_location: string | null;
  started_ms: number | null;
  finished_ms: number | null;
  /** JSON: the recorded outcome, once finished, cancelled or missed. */
  outcome: string | null;
  created_ms: number;
  /** Leases of the run that lapsed (its runner crashed or was cut off); a lease handed back does not count. */
  lapses: number;
  /** At this many lapses the run is recorded as an error instead of leased again (the order's, or the server's default). */
  max_lapses: number;
}

/** A tag a run asks its runner to have. */
export interface WorkRunTagsTable {
  run_id: string;
  tag: string;
}

/** A runner agent, as it last introduced itself when asking for work. */
export interface RunnersTable {
  name: string;
  location: string;
  /** JSON array. */
  tags: string;
  version: string;
  capacity: number;
  last_seen_ms: number;
}

/** Leases of work that runs once across replicas (platform/db/leases.ts). */
export interface TaskLeasesTable {
  name: string;
  holder: string;
  /** Milliseconds since the epoch. */
  expires_ms: number;
  /** Fencing generation: moves on each time the lease changes hands. */
  generation: number;
}

export interface Schema {
  entities: EntitiesTable;
  entity_tags: EntityTagsTable;
  relations: RelationsTable;
  problems: ProblemsTable;
  catalog_files: CatalogFilesTable;
  catalog_state: CatalogStateTable;
  /** SQLite only: the FTS5 index. PostgreSQL keeps a tsvector column on entities. */
  entity_search: EntitySearchTable;
  api_tokens: ApiTokensTable;
  change_events: ChangeEventsTable;
  idempotency_keys: IdempotencyKeysTable;
  flag_evaluations: FlagEvaluationsTable;
  flag_states: FlagStatesTable;
  oncall_overrides: OncallOverridesTable;
  notifications: NotificationsTable;
  slo_minutes: SloBucketsTable;
  slo_hours: SloBucketsTable;
  slo_event_totals: SloEventTotalsTable;
  slo_alerts: SloAlertsTable;
  slo_alert_history: SloAlertHistoryTable;
  slo_status: SloStatusTable;
  slo_cycles: SloCyclesTable;
  task_leases: TaskLeasesTable;
  job_state: JobStateTable;
  job_runs: JobRunsTable;
  check_results: CheckResultsTable;
  check_hours: CheckHoursTable;
  check_screenshots: CheckScreenshotsTable;
  check_locations: CheckLocationsTable;
  check_states: CheckStatesTable;
  check_transitions: CheckTransitionsTable;
  check_maintenance: CheckMaintenanceTable;
  work_runs: WorkRunsTable;
  work_run_tags: WorkRunTagsTable;
  runners: RunnersTable;
  incidents: IncidentsTable;
  incident_services: IncidentServicesTable;
  incident_history: IncidentHistoryTable;
  incident_notes: IncidentNotesTable;
  postmortems: PostmortemsTable;
  postmortem_actions: PostmortemActionsTable;
  postmortem_escalations: PostmortemEscalationsTable;
  atrium_migrations: { name: string; applied_at: string };
}
