import { readFileSync } from 'node:fs';
import { ENVIRONMENT_NAME, ENVIRONMENT_NAME_RULE } from './environment-name.ts';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { QUIET_YAML, yamlWarnings } from './yaml-warnings.ts';
import { z } from 'zod';
import { AtriumError } from './errors.ts';
import { externalRefPatternProblem } from './external-refs.ts';
import { keyOfTeam } from './entity-ref.ts';
import { DEFAULT_MEMORY_BUDGET_BYTES, MEMORY_BUDGET_RANGE } from './memory-budget.ts';
import { RECEIVER_NAME, RECEIVER_NAME_RULE } from './receiver-name.ts';

/**
 * Typed settings. Command-line options win, then ATRIUM_* environment variables (and
 * DATABASE_URL / PORT), then `atrium.yaml` in the working directory, then defaults.
 */
export interface Config {
  /** The (first) catalog root. */
  catalog: string;
  /** Every catalog root (`--catalog` repeated; atrium.yaml's `catalog.roots`); `[catalog]` by default. */
  catalogPaths: string[];
  /** Backstage app-config files whose catalog.locations are roots (`--app-config`, repeatable). */
  appConfigs: string[];
  /** URL prefix -> folder: such URLs in Location targets and substitutions are read from the folder. */
  urlMappings: Record<string, string>;
  /** URLs that map to no folder are errors rather than warnings (`--strict-urls`). */
  strictUrls: boolean;
  /** A SQLite file path or a postgres:// URL. */
  database: string;
  port: number;
  host: string;
  maxFileBytes: number;
  logLevel: string;
  /** The secret GitHub signs webhooks with; webhooks are refused without one. */
  githubWebhookSecret: string | undefined;
  /** The environment names DORA metrics count as production. */
  productionEnvironments: string[];
  /** `host:port` to serve /metrics on instead of the main listener; undefined: on the main one. */
  metricsListen: string | undefined;
  /**
   * Where people reach this portal (`https://atrium.example.com/`): alerts, pages and
   * timeline entries sent elsewhere link its pages only when it is set (`--public-url`,
   * ATRIUM_PUBLIC_URL, atrium.yaml's publicUrl).
   */
  publicUrl: string | undefined;
  /** Whether /metrics needs a token with `metrics:read`. */
  metricsToken: boolean;
  /** References known to live outside the catalog (`group:*`, `user:directory/*`, `api:default/x`). */
  externalRefs: string[];
  /** Where notifications go (atrium.yaml's notifications.receivers), secrets read from the environment. */
  receivers: ReceiverSettings[];
  /**
   * The receivers of each team (atrium.yaml's notifications.teams): a Group's key
   * (`group:default/checkout`) -> receiver names. A Group's `atrium.dev/notification-receivers`
   * annotation adds names of its own.
   */
  teamReceivers: Record<string, string[]>;
  /** Paging: the default receiver of the Page button, and the on-call APIs read (atrium.yaml's paging). */
  paging: PagingSettings;
  /** How often `serve` evaluates SLOs, in seconds (atrium.yaml's sloEvaluationSeconds; default 30). */
  sloEvaluationSeconds: number;
  /** How much memory `serve` may use, in MiB (atrium.yaml's memoryBudgetMb, `--memory-budget`): sizes its caches (platform/memory-budget.ts). */
  memoryBudgetMb: number;
  /**
   * The render queue (`serve`'s load shedding): pages and API answers not already cached
   * rendered at once, waiting at most, and the longest wait before a request is refused
   * with 503 + Retry-After (atrium.yaml's renderConcurrency, renderQueue, renderMaxWaitMs).
   */
  renderConcurrency: number;
  renderQueue: number;
  renderMaxWaitMs: number;
  /** Prometheus HTTP APIs SLOs read (atrium.yaml's prometheus; ATRIUM_PROMETHEUS_URL names `default`). */
  prometheusSources: PrometheusSourceSettings[];
  /**
   * Secrets a runner's work may name (`${secret:NAME}`): name -> value, from the environment
   * variables atrium.yaml's `secrets` names, and from ATRIUM_SECRET_<NAME>. Never logged.
   */
  secrets: Record<string, string>;
  /** A runner agent's own policy (atrium.yaml's `runner`): where it runs, what its work may reach. */
  runner: RunnerFileSettings;
  /** The server's work queue (atrium.yaml's `runners`): lease lapses before a run is an error, when a runner is gone. */
  runners: RunnerQueueSettings;
  /** Incidents (atrium.yaml's incidents): the severity scale, the timeline window, the PagerDuty webhook's secrets. */
  incidents: IncidentsSettings;
  /** Post-mortem action items: sprints, the deadline horizon, escalation and review (atrium.yaml's postmortems). */
  postmortems: PostmortemSettings;
}

/** atrium.yaml's `runner`: what `atrium runner` (and `serve`'s embedded runner) allow; options win. */
export interface RunnerFileSettings {
  location?: string;
  tags?: string[];
  concurrency?: number;
  allowedPrivateTargets?: string[];
  allowedCommands?: string[];
  allowedWorkingDirectories?: string[];
  allowedEnvironment?: string[];
  /** A PEM file of certificate authorities trusted beside the system's (`--ca-file`). */
  caFile?: string;
}

/**
 * atrium.yaml's `runners`, the server's side: after `maxLeaseLapses` lapsed leases (default
 * 3; an order may say its own) a run is recorded as an error instead of leased again; a
 * runner not seen for `goneAfterHours` (default 24) is dropped from the Runners page, the
 * API, the metrics and `all` locations.
 */
export interface RunnerQueueSettings {
  maxLeaseLapses?: number;
  goneAfterHours?: number;
}

/**
 * atrium.yaml's `incidents`: the severity scale (most severe first; default SEV1–SEV4),
 * how far before the start an incident's timeline reaches, how many dependency hops up the
 * declare form suggests as affected, the secrets PagerDuty V3 webhooks are signed with
 * (read from the environment variables named; several while one is rotated), and the teams
 * whose page-severity SLO alerts declare an incident by themselves (none by default).
 */
export interface IncidentsSettings {
  severities?: { name: string; description: string }[];
  windowHours?: number;
  blastRadiusHops?: number;
  pagerdutyWebhookSecrets: string[];
  autoDeclareTeams: string[];
}

/**
 * atrium.yaml's `postmortems`: the organisation's sprints (an item still open two sprints
 * after its post-mortem's publication is escalated), how far ahead a deadline may lie, when
 * an unreviewed post-mortem is listed, and the team escalations go to when an owner's Group
 * has no parent (a Group reference; its notification receivers are used).
 */
export interface PostmortemSettings {
  sprint: { lengthDays: number; anchor: string; timeZone: string };
  horizonDays: number;
  unreviewedDays: number;
  escalationReceiver?: string;
}

/**
 * A Prometheus HTTP API an SLO's ratio or latency indicator is measured against. Header
 * values (a bearer token, a tenant id) come from environment variables named in
 * atrium.yaml, never from the file itself, and are never logged.
 */
export interface PrometheusSourceSettings {
  name: string;
  /** The server's base URL; `/api/v1/query` is appended. */
  url: string;
  /** One attempt's limit; a retry gets its own. */
  timeoutMs: number;
  /** Queries in flight at once against this source. */
  concurrency: number;
  headers: Record<string, string>;
}

/** The defaults of a Prometheus source's limits. */
export const PROMETHEUS_SOURCE_DEFAULTS = { timeoutMs: 5000, concurrency: 8 } as const;

/**
 * A notification receiver: `pagerduty` (Events API v2; `secret` is the default integration
 * key), `slack` (an incoming webhook; `url` is the secret webhook URL) or `webhook` (a
 * signed POST; `secret` signs it). Secrets come from environment variables named in
 * atrium.yaml, never from the file itself.
 */
export type ReceiverSettings =
  | { name: string; type: 'pagerduty'; url?: string; secret?: string }
  | { name: string; type: 'slack'; url: string }
  | { name: string; type: 'webhook'; url: string; secret: string };

/** An on-call API: its base URL (configurable, so tests use loopback servers) and its key. */
export interface OnCallApiSettings {
  url?: string;
  apiKey: string;
}

export interface PagingSettings {
  receiver?: string;
  pagerduty?: OnCallApiSettings;
  opsgenie?: OnCallApiSettings;
}

export const DEFAULTS: Config = {
  catalog: '.',
  catalogPaths: ['.'],
  appConfigs: [],
  urlMappings: {},
  strictUrls: false,
  database: '.atrium/atrium.db',
  port: 7400,
  host: '127.0.0.1',
  // The catalog's default (catalog/files.ts, which platform/ may not import): real catalogs hold 9 MB files.
  maxFileBytes: 16 * 1024 * 1024,
  logLevel: 'info',
  githubWebhookSecret: undefined,
  productionEnvironments: ['production'],
  metricsListen: undefined,
  publicUrl: undefined,
  metricsToken: false,
  externalRefs: [],
  receivers: [],
  teamReceivers: {},
  paging: {},
  sloEvaluationSeconds: 30,
  memoryBudgetMb: DEFAULT_MEMORY_BUDGET_BYTES / 2 ** 20,
  // Generous for one page at a time (a browser test on a loaded machine never waits a
  // second behind 32 renders); under a stampede the wait is what refuses, not the count.
  renderConcurrency: 32,
  renderQueue: 1000,
  renderMaxWaitMs: 1000,
  prometheusSources: [],
  secrets: {},
  runner: {},
  runners: {},
  incidents: { pagerdutyWebhookSecrets: [], autoDeclareTeams: [] },
  postmortems: {
    sprint: { lengthDays: 14, anchor: '2026-01-05', timeZone: 'UTC' },
    horizonDays: 90,
    unreviewedDays: 14,
  },
};

/**
 * The portal's public URL as a base for links, ending in `/` (a path prefix kept), or
 * undefined when `text` is no http(s) URL or carries credentials, a query or a fragment:
 * links are sent to people and other tools, so they must never carry a secret.
 */
export function publicBaseUrl(text: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.username || url.password || url.search || url.hash || text.includes('?') || text.includes('#'))
    return undefined;
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  return url;
}

/** `host:port` (an IPv6 host in brackets): where `metricsListen` serves /metrics. */
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** A checked `host:port` as a host and a port; undefined for anything else. */
export function hostPort(text: string): { host: string; port: number } | undefined {
  const match = HOST_PORT.exec(text);
  const port = Number(match?.[2]);
  if (!match || port > 65535) return undefined;
  return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port };
}

const externalRefPatterns = z
  .array(
    z.string().superRefine((pattern, ctx) => {
      const problem = externalRefPatternProblem(pattern);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  )
  .max(1000);

/** The object form of atrium.yaml's `catalog`: roots, how URLs map to folders, and references known to live elsewhere. */
const catalogSchema = z.strictObject({
  roots: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  /** One root (the form dangling-reference settings were first documented with); `roots` names several. */
  path: z.string().min(1).optional(),
  externalRefs: externalRefPatterns.optional(),
  appConfigs: z.array(z.string().min(1)).optional(),
  urlMappings: z
    .record(
      z
        .string()
        .regex(
          /^https?:\/\/[^/?#]+\/.*$/,
          'keys must be http(s) URL prefixes with a path, e.g. https://github.com/org/repo/blob/main/',
        ),
      z.string().min(1),
    )
    .optional(),
  strictUrls: z.boolean().optional(),
});

/** An environment variable's name: what atrium.yaml says instead of a secret. */
const envName = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]{0,127}$/, 'must be an environment variable name, e.g. PAGERDUTY_ROUTING_KEY');
const httpUrl = z.string().regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL');

/** A receiver's name: what teams, annotations and the outbox's rows say instead of a URL. */
const receiverName = z.string().regex(RECEIVER_NAME, `receiver names are ${RECEIVER_NAME_RULE}`);

const receiverSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('pagerduty'), url: httpUrl.optional(), routingKeyEnv: envName.optional() }),
  z.strictObject({ type: z.literal('slack'), urlEnv: envName }),
  z.strictObject({ type: z.literal('webhook'), url: httpUrl, secretEnv: envName }),
]);

const onCallApiSchema = z.strictObject({ url: httpUrl.optional(), apiKeyEnv: envName });

/** An HTTP header's name (RFC 9110 token). */
const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, 'must be an HTTP header name');

const prometheusSourceSchema = z.strictObject({
  url: httpUrl,
  timeoutMs: z.number().int().min(100).max(120_000).optional(),
  concurrency: z.number().int().min(1).max(64).optional(),
  bearerTokenEnv: envName.optional(),
  /** Header name -> the environment variable holding its value (a tenant id, a token). */
  headersEnv: z.record(headerName, envName).optional(),
});

/** A secret's name: what `${secret:NAME}` says, and the tail of its ATRIUM_SECRET_ variable. */
export const SECRET_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;
const secretName = z.string().regex(SECRET_NAME, 'secret names are A–Z, 0–9 and _, starting with a letter');

const runnerWord = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,62}$/, 'letters, digits, ., _, : or -');
const runnerSchema = z.strictObject({
  location: runnerWord.optional(),
  tags: z.array(runnerWord).max(50).optional(),
  concurrency: z.number().int().min(1).max(256).optional(),
  allowedPrivateTargets: z.array(z.string().min(1).max(255)).max(1000).optional(),
  allowedCommands: z.array(z.string().min(1).max(4096)).max(1000).optional(),
  allowedWorkingDirectories: z.array(z.string().min(1).max(4096)).max(1000).optional(),
  allowedEnvironment: z.array(envName).max(1000).optional(),
  caFile: z.string().min(1).max(4096).optional(),
});

const fileSchema = z.strictObject({
  catalog: z.union([z.string().min(1), catalogSchema]).optional(),
  database: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  host: z.string().min(1).optional(),
  maxFileBytes: z.number().int().min(1024).optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  githubWebhookSecret: z
    .string()
    .min(16, 'must be at least 16 characters (GitHub recommends a long random string)')
    .optional(),
  productionEnvironments: z
    .array(z.string().regex(ENVIRONMENT_NAME, `must be environment names (${ENVIRONMENT_NAME_RULE})`))
    .min(1)
    .max(20)
    .optional(),
  metricsListen: z
    .string()
    .refine((v) => hostPort(v) !== undefined, 'must be host:port, e.g. 127.0.0.1:9464')
    .optional(),
  metricsToken: z.boolean().optional(),
  publicUrl: z
    .string()
    .max(2000)
    .refine((v) => publicBaseUrl(v) !== undefined, 'must be an http(s) URL without credentials, query or fragment')
    .optional(),
  sloEvaluationSeconds: z.number().int().min(5).max(3600).optional(),
  memoryBudgetMb: z
    .number()
    .int()
    .min(MEMORY_BUDGET_RANGE.min / 2 ** 20)
    .max(MEMORY_BUDGET_RANGE.max / 2 ** 20)
    .optional(),
  renderConcurrency: z.number().int().min(1).max(10_000).optional(),
  renderQueue: z.number().int().min(0).max(1_000_000).optional(),
  renderMaxWaitMs: z.number().int().min(1).max(600_000).optional(),
  notifications: z
    .strictObject({
      receivers: z.record(receiverName, receiverSchema).optional(),
      teams: z.record(z.string(), z.array(receiverName).min(1).max(20)).optional(),
    })
    .optional(),
  paging: z
    .strictObject({
      receiver: z.string().min(1).optional(),
      pagerduty: onCallApiSchema.optional(),
      opsgenie: onCallApiSchema.optional(),
    })
    .optional(),
  secrets: z.record(secretName, z.strictObject({ env: envName })).optional(),
  runner: runnerSchema.optional(),
  runners: z
    .strictObject({
      maxLeaseLapses: z.number().int().min(1).max(100).optional(),
      goneAfterHours: z.number().int().min(1).max(8760).optional(),
    })
    .optional(),
  incidents: z
    .strictObject({
      severities: z
        .array(
          z.strictObject({
            name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'must be a short name like SEV1 or P2'),
            description: z.string().min(1).max(300),
          }),
        )
        .min(1)
        .max(10)
        .refine((list) => new Set(list.map((s) => s.name)).size === list.length, 'names must differ')
        .optional(),
      windowHours: z.number().int().min(1).max(72).optional(),
      blastRadiusHops: z.number().int().min(0).max(5).optional(),
      pagerduty: z.strictObject({ webhookSecretsEnv: z.array(envName).min(1).max(5) }).optional(),
      autoDeclare: z.strictObject({ teams: z.array(z.string().min(1)).max(500) }).optional(),
    })
    .optional(),
  postmortems: z
    .strictObject({
      sprint: z
        .strictObject({
          lengthDays: z.number().int().min(1).max(366).optional(),
          anchor: z
            .string()
            .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date, YYYY-MM-DD')
            .refine((d) => new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'must be a calendar date')
            .optional(),
          timeZone: z.string().refine(isTimeZoneName, 'must be an IANA time zone, e.g. Europe/Berlin').optional(),
        })
        .optional(),
      horizonDays: z.number().int().min(1).max(730).optional(),
      unreviewedDays: z.number().int().min(1).max(365).optional(),
      escalationReceiver: z
        .string()
        .refine((v) => keyOfTeam(v) !== undefined, 'must be a Group reference, e.g. group:default/engineering-leads')
        .optional(),
    })
    .optional(),
  prometheus: z
    .record(
      z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'names are lowercase letters, digits and -'),
      prometheusSourceSchema,
    )
    .optional(),
});

type EnvSetting = Exclude<
  keyof Config,
  | 'catalogPaths'
  | 'appConfigs'
  | 'urlMappings'
  | 'strictUrls'
  | 'receivers'
  | 'teamReceivers'
  | 'paging'
  | 'prometheusSources'
  | 'secrets'
  | 'runner'
  | 'runners'
  | 'incidents'
  | 'postmortems'
>;

const envNames: Record<EnvSetting, string[]> = {
  catalog: ['ATRIUM_CATALOG'],
  database: ['ATRIUM_DATABASE', 'DATABASE_URL'],
  port: ['ATRIUM_PORT', 'PORT'],
  host: ['ATRIUM_HOST'],
  maxFileBytes: ['ATRIUM_CATALOG_MAX_FILE_BYTES'],
  logLevel: ['ATRIUM_LOG_LEVEL'],
  githubWebhookSecret: ['ATRIUM_GITHUB_WEBHOOK_SECRET'],
  productionEnvironments: ['ATRIUM_PRODUCTION_ENVIRONMENTS'],
  metricsListen: ['ATRIUM_METRICS_LISTEN'],
  publicUrl: ['ATRIUM_PUBLIC_URL'],
  metricsToken: ['ATRIUM_METRICS_TOKEN'],
  externalRefs: ['ATRIUM_CATALOG_EXTERNAL_REFS'],
  sloEvaluationSeconds: ['ATRIUM_SLO_EVALUATION_SECONDS'],
  memoryBudgetMb: ['ATRIUM_MEMORY_BUDGET_MB'],
  renderConcurrency: ['ATRIUM_RENDER_CONCURRENCY'],
  renderQueue: ['ATRIUM_RENDER_QUEUE'],
  renderMaxWaitMs: ['ATRIUM_RENDER_MAX_WAIT_MS'],
};

function configError(message: string, hint: string): AtriumError {
  return new AtriumError({ category: 'operator-fixable', code: 'config-invalid', message, hint });
}

/** A secret from the environment variable atrium.yaml names; its absence is an error that names the variable only. */
function secretOf(name: string, env: NodeJS.ProcessEnv, where: string): string {
  const value = env[name];
  if (value === undefined || value === '')
    throw configError(
      `atrium.yaml: ${where} names the environment variable ${name}, which is not set`,
      `Set ${name} in the server's environment, or remove ${where} from atrium.yaml.`,
    );
  return value;
}

function receiversOf(
  receivers: Record<string, z.infer<typeof receiverSchema>>,
  env: NodeJS.ProcessEnv,
): ReceiverSettings[] {
  return Object.entries(receivers).map(([name, r]) => {
    const where = `notifications.receivers.${name}`;
    if (r.type === 'pagerduty')
      return {
        name,
        type: r.type,
        ...(r.url ? { url: r.url } : {}),
        ...(r.routingKeyEnv ? { secret: secretOf(r.routingKeyEnv, env, `${where}.routingKeyEnv`) } : {}),
      };
    if (r.type === 'slack') return { name, type: r.type, url: secretOf(r.urlEnv, env, `${where}.urlEnv`) };
    return { name, type: r.type, url: r.url, secret: secretOf(r.secretEnv, env, `${where}.secretEnv`) };
  });
}

/** Teams by key; two spellings of one team (`checkout`, `group:default/checkout`) share their receivers. */
function teamReceiversOf(teams: Record<string, string[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [ref, names] of Object.entries(teams)) {
    const key = keyOfTeam(ref) as string;
    out[key] = [...new Set([...(out[key] ?? []), ...names])];
  }
  return out;
}

function pagingOf(paging: z.infer<typeof fileSchema.shape.paging> & object, env: NodeJS.ProcessEnv): PagingSettings {
  const api = (a: z.infer<typeof onCallApiSchema> | undefined, where: string) =>
    a && { ...(a.url ? { url: a.url } : {}), apiKey: secretOf(a.apiKeyEnv, env, `paging.${where}.apiKeyEnv`) };
  const pagerduty = api(paging.pagerduty, 'pagerduty');
  const opsgenie = api(paging.opsgenie, 'opsgenie');
  return {
    ...(paging.receiver ? { receiver: paging.receiver } : {}),
    ...(pagerduty ? { pagerduty } : {}),
    ...(opsgenie ? { opsgenie } : {}),
  };
}

function incidentsOf(
  incidents: z.infer<typeof fileSchema.shape.incidents> & object,
  env: NodeJS.ProcessEnv,
): IncidentsSettings {
  const teams = (incidents.autoDeclare?.teams ?? []).map((team) => {
    const key = keyOfTeam(team);
    if (key === undefined)
      throw configError(
        `atrium.yaml: incidents.autoDeclare.teams: "${team}" is not a Group reference`,
        'Name each team by its Group reference, e.g. group:default/checkout.',
      );
    return key;
  });
  return {
    ...(incidents.severities ? { severities: incidents.severities } : {}),
    ...(incidents.windowHours ? { windowHours: incidents.windowHours } : {}),
    ...(incidents.blastRadiusHops !== undefined ? { blastRadiusHops: incidents.blastRadiusHops } : {}),
    pagerdutyWebhookSecrets: (incidents.pagerduty?.webhookSecretsEnv ?? []).map((name, i) =>
      secretOf(name, env, `incidents.pagerduty.webhookSecretsEnv.${i}`),
    ),
    autoDeclareTeams: teams,
  };
}

function prometheusSourcesOf(
  sources: Record<string, z.infer<typeof prometheusSourceSchema>>,
  env: NodeJS.ProcessEnv,
): PrometheusSourceSettings[] {
  return Object.entries(sources).map(([name, s]) => {
    const where = `prometheus.${name}`;
    const headers: Record<string, string> = {};
    for (const [header, variable] of Object.entries(s.headersEnv ?? {}))
      headers[header] = secretOf(variable, env, `${where}.headersEnv.${header}`);
    if (s.bearerTokenEnv)
      headers.Authorization = `Bearer ${secretOf(s.bearerTokenEnv, env, `${where}.bearerTokenEnv`)}`;
    return {
      name,
      url: s.url,
      timeoutMs: s.timeoutMs ?? PROMETHEUS_SOURCE_DEFAULTS.timeoutMs,
      concurrency: s.concurrency ?? PROMETHEUS_SOURCE_DEFAULTS.concurrency,
      headers,
    };
  });
}

function secretsOf(secrets: Record<string, { env: string }>, env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, { env: variable }] of Object.entries(secrets))
    out[name] = secretOf(variable, env, `secrets.${name}.env`);
  return out;
}

/** ATRIUM_SECRET_<NAME>=value: a secret named in the environment alone (over atrium.yaml's of that name). */
function secretsFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [variable, value] of Object.entries(env)) {
    if (!variable.startsWith('ATRIUM_SECRET_') || value === undefined || value === '') continue;
    const name = variable.slice('ATRIUM_SECRET_'.length);
    if (!SECRET_NAME.test(name))
      throw configError(
        `${variable} does not name a secret: after ATRIUM_SECRET_ come A–Z, 0–9 and _, starting with a letter`,
        `Rename ${variable}, or unset it.`,
      );
    out[name] = value;
  }
  return out;
}

/** ATRIUM_PROMETHEUS_URL: the `default` source in one variable (atrium.yaml's own `default` is replaced). */
function prometheusFromEnv(
  env: NodeJS.ProcessEnv,
  file: PrometheusSourceSettings[] | undefined,
): PrometheusSourceSettings[] | undefined {
  const url = env.ATRIUM_PROMETHEUS_URL;
  if (url === undefined || url === '') return undefined;
  if (!httpUrl.safeParse(url).success)
    throw configError(
      'ATRIUM_PROMETHEUS_URL is not an http(s) URL',
      'Set ATRIUM_PROMETHEUS_URL to the Prometheus server, e.g. http://prometheus:9090, or unset it.',
    );
  return [
    ...(file ?? []).filter((s) => s.name !== 'default'),
    { name: 'default', url, ...PROMETHEUS_SOURCE_DEFAULTS, headers: {} },
  ];
}

function readConfigFile(cwd: string, env: NodeJS.ProcessEnv): Partial<Config> {
  let text: string;
  try {
    text = readFileSync(join(cwd, 'atrium.yaml'), 'utf8');
  } catch (err) {
    // No atrium.yaml is fine; one that exists but cannot be read is a configuration problem.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return {};
    throw configError(
      `atrium.yaml cannot be read: ${code ?? (err as Error).message}`,
      'Make atrium.yaml a readable file, or remove it.',
    );
  }
  let raw: unknown;
  const lines = new LineCounter();
  try {
    const doc = parseDocument(text, { ...QUIET_YAML, lineCounter: lines, prettyErrors: false });
    const [syntax] = doc.errors;
    if (syntax) throw syntax;
    // A settings file the YAML library has doubts about (a list as a key, an unknown tag) is not read by guesswork.
    const [warning] = yamlWarnings(doc);
    if (warning) throw new Error(`line ${lines.linePos(warning.offset).line}: ${warning.message}`);
    raw = doc.toJS({ maxAliasCount: 10 }) ?? {};
  } catch (err) {
    throw configError(
      `atrium.yaml is not valid YAML: ${(err as Error).message.split('\n')[0]}`,
      'Fix the syntax of atrium.yaml or remove it.',
    );
  }
  const result = fileSchema.safeParse(raw);
  if (!result.success) {
    const first = result.error.issues[0];
    throw configError(
      `atrium.yaml: ${first?.path.join('.') || 'root'}: ${first?.message}`,
      'See the configuration section of the user guide for the allowed keys.',
    );
  }
  const { catalog, notifications, paging, prometheus, secrets, incidents, postmortems, ...plain } = result.data;
  const receiverNames = Object.keys(notifications?.receivers ?? {});
  for (const [team, names] of Object.entries(notifications?.teams ?? {})) {
    if (keyOfTeam(team) === undefined)
      throw configError(
        `atrium.yaml: notifications.teams: "${team}": keys must be Group references, e.g. group:default/checkout`,
        'Name each team by its Group reference.',
      );
    const unknown = names.find((n) => !receiverNames.includes(n));
    if (unknown !== undefined)
      throw configError(
        `atrium.yaml: notifications.teams.${team}: "${unknown}" is not one of notifications.receivers (${receiverNames.join(', ') || 'none'})`,
        'Name receivers configured under notifications.receivers.',
      );
  }
  if (paging?.receiver !== undefined && !receiverNames.includes(paging.receiver))
    throw configError(
      `atrium.yaml: paging.receiver: "${paging.receiver}" is not one of notifications.receivers (${receiverNames.join(', ') || 'none'})`,
      'Name a receiver configured under notifications.receivers.',
    );
  const rest = {
    ...plain,
    ...(notifications?.receivers ? { receivers: receiversOf(notifications.receivers, env) } : {}),
    ...(notifications?.teams ? { teamReceivers: teamReceiversOf(notifications.teams) } : {}),
    ...(paging ? { paging: pagingOf(paging, env) } : {}),
    ...(prometheus ? { prometheusSources: prometheusSourcesOf(prometheus, env) } : {}),
    ...(secrets ? { secrets: secretsOf(secrets, env) } : {}),
    ...(incidents ? { incidents: incidentsOf(incidents, env) } : {}),
    ...(postmortems ? { postmortems: postmortemsOf(postmortems) } : {}),
  };
  if (typeof catalog !== 'object') return { ...rest, ...(catalog === undefined ? {} : { catalog }) };
  const roots =
    typeof catalog.roots === 'string'
      ? [catalog.roots]
      : (catalog.roots ?? (catalog.path === undefined ? undefined : [catalog.path]));
  return {
    ...rest,
    ...(roots ? { catalog: roots[0], catalogPaths: roots } : {}),
    ...(catalog.appConfigs ? { appConfigs: catalog.appConfigs } : {}),
    ...(catalog.urlMappings ? { urlMappings: catalog.urlMappings } : {}),
    ...(catalog.strictUrls !== undefined ? { strictUrls: catalog.strictUrls } : {}),
    ...(catalog.externalRefs === undefined ? {} : { externalRefs: catalog.externalRefs }),
  };
}

/** atrium.yaml's postmortems over the defaults, a receiving team as its key. */
function postmortemsOf(file: {
  sprint?: Partial<PostmortemSettings['sprint']>;
  horizonDays?: number;
  unreviewedDays?: number;
  escalationReceiver?: string;
}): PostmortemSettings {
  const defaults = DEFAULTS.postmortems;
  const receiver = file.escalationReceiver === undefined ? undefined : keyOfTeam(file.escalationReceiver);
  return {
    sprint: { ...defaults.sprint, ...file.sprint },
    horizonDays: file.horizonDays ?? defaults.horizonDays,
    unreviewedDays: file.unreviewedDays ?? defaults.unreviewedDays,
    ...(receiver ? { escalationReceiver: receiver } : {}),
  };
}

/** Whether the runtime knows an IANA time zone (platform/ cannot ask the capabilities that use them). */
function isTimeZoneName(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The settings whose environment variables are whole numbers. */
const WHOLE_NUMBERS = [
  'port',
  'maxFileBytes',
  'sloEvaluationSeconds',
  'memoryBudgetMb',
  'renderConcurrency',
  'renderQueue',
  'renderMaxWaitMs',
] as const;
const isWholeNumber = (key: EnvSetting): key is (typeof WHOLE_NUMBERS)[number] =>
  (WHOLE_NUMBERS as readonly string[]).includes(key);

function readEnv(env: NodeJS.ProcessEnv): Partial<Config> {
  const out: Partial<Config> = {};
  for (const [key, names] of Object.entries(envNames) as [EnvSetting, string[]][]) {
    const name = names.find((n) => env[n] !== undefined && env[n] !== '');
    if (!name) continue;
    const value = env[name] as string;
    if (isWholeNumber(key)) {
      if (!/^\d+$/.test(value))
        throw configError(`${name}=${value} is not a whole number`, `Set ${name} to a number, or unset it.`);
      out[key] = Number(value);
    } else if (key === 'productionEnvironments' || key === 'externalRefs') {
      out[key] = value.split(',').map((v) => v.trim());
    } else if (key === 'metricsToken') {
      if (!/^(true|false)$/.test(value))
        throw configError(`${name}=${value} is not true or false`, `Set ${name} to true or false, or unset it.`);
      out[key] = value === 'true';
    } else {
      out[key] = value;
    }
    // The same rules as atrium.yaml (port range, log levels, minimum file size).
    const checked = (key === 'externalRefs' ? externalRefPatterns : fileSchema.shape[key]).safeParse(out[key]);
    if (!checked.success) {
      // A secret never goes into an error message (they end up in logs and CI output).
      throw configError(
        `${name}=${key === 'githubWebhookSecret' ? '(hidden)' : value}: ${checked.error.issues[0]?.message ?? 'invalid value'}`,
        `Set ${name} to a valid value (see the configuration section of the user guide), or unset it.`,
      );
    }
  }
  return out;
}

export function loadConfig(
  overrides: Partial<Config> = {},
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): Config {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Partial<Config>;
  const file = readConfigFile(cwd, env);
  const fromEnv = readEnv(env);
  const prometheusSources = prometheusFromEnv(env, file.prometheusSources);
  const secrets = { ...file.secrets, ...secretsFromEnv(env) };
  const merged = {
    ...DEFAULTS,
    ...file,
    ...fromEnv,
    ...(prometheusSources ? { prometheusSources } : {}),
    secrets,
    ...defined,
  };
  // One root named anywhere (option, environment) replaces atrium.yaml's list of roots.
  const namedOnce = (defined.catalog ?? fromEnv.catalog) !== undefined;
  const catalogPaths = defined.catalogPaths ?? (namedOnce ? [merged.catalog] : (file.catalogPaths ?? [merged.catalog]));
  return { ...merged, catalogPaths, catalog: catalogPaths[0] ?? merged.catalog };
}
