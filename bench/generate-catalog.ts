/**
 * Writes a realistic Backstage-format catalog of N entities to a directory, deterministically
 * (a seeded PRNG; no Math.random, no clock): the same --entities and --seed always give the
 * same bytes.
 *
 * Shape (for N = 50,000): one organisation group, ~20 departments, ~330 teams of log-normally
 * varied size (owned entities and members), ~25 domains, ~500 systems, ~7,500 users with
 * memberOf, ~31,600 components (service / website / library; lifecycles; tags; owner; system;
 * providesApis / consumesApis; dependsOn with Zipf-skewed targets, so a few hub services and
 * libraries have thousands of dependents), ~6,000 APIs with an inline ~1 KB definition
 * (OpenAPI, some gRPC and GraphQL), ~4,000 resources. About 1.5 KB of JSON per entity.
 *
 * Layout: a root `catalog-info.yaml` Location whose targets are three globs over ~500 files
 * of up to 100 documents each:
 *   ./org/*.yaml          the group tree and the domains
 *   ./people/*.yaml       users, 100 per file
 *   ./teams/* /*.yaml     per team: its systems, components (each followed by the APIs it
 *                         provides) and resources, 100 documents per file
 *
 *   node --import tsx bench/generate-catalog.ts --entities 50000 --out DIR [--seed N] [--docs-per-file N]
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chance, createRng, intBetween, logNormal, pick, shuffle, weighted, zipf, type Rng } from './prng.ts';

export interface GenerateOptions {
  entities: number;
  outDir: string;
  seed?: number;
  /** Documents per YAML file (default 100). */
  docsPerFile?: number;
}

export interface GeneratedEntity {
  /** As in the API path: lowercase. */
  kind: string;
  name: string;
  /** Relative to the catalog root, with forward slashes. */
  file: string;
  title: string;
}

export interface GeneratedCatalog {
  dir: string;
  rootFile: string;
  /** Every file written, the root included. */
  files: number;
  /** Every document written, the root Location included. */
  documents: number;
  yamlBytes: number;
  /** Sum of JSON.stringify(entity) over every entity. */
  jsonBytes: number;
  avgEntityJsonBytes: number;
  counts: Record<string, number>;
  /** Every entity except the root Location, in generation order. */
  entities: GeneratedEntity[];
  /** The entities with the most dependents (dependsOn in-degree), hottest first. */
  hubs: { ref: string; dependents: number }[];
}

type Json = string | number | boolean | Json[] | { [key: string]: Json | undefined };
type JsonObject = { [key: string]: Json | undefined };

interface Doc {
  kind: string;
  name: string;
  title: string;
  body: JsonObject;
}

const ORG = 'acme';
const DOMAIN_SUFFIX = 'acme.example';

// ---------------------------------------------------------------------------------------------
// Vocabulary

const AREAS = [
  'commerce', 'logistics', 'finance', 'identity', 'data', 'platform', 'infrastructure', 'mobile', 'web', 'security',
  'growth', 'marketplace', 'fulfilment', 'operations', 'analytics', 'machine-learning', 'developer-experience',
  'reliability', 'support', 'partnerships', 'payments', 'risk', 'compliance', 'content', 'search', 'ads', 'messaging',
  'hardware', 'quality', 'research',
];

const NOUNS = [
  'order', 'invoice', 'shipment', 'parcel', 'payment', 'refund', 'customer', 'account', 'address', 'quote', 'rate',
  'label', 'route', 'driver', 'vehicle', 'depot', 'warehouse', 'inventory', 'stock', 'product', 'catalog', 'price',
  'discount', 'coupon', 'cart', 'checkout', 'session', 'token', 'identity', 'profile', 'notification', 'email', 'sms',
  'webhook', 'event', 'audit', 'report', 'ledger', 'tax', 'currency', 'fraud', 'risk', 'search', 'recommendation',
  'review', 'rating', 'media', 'image', 'document', 'contract', 'partner', 'carrier', 'tracking', 'eta', 'forecast',
  'schedule', 'slot', 'return', 'claim', 'subscription', 'plan', 'billing', 'usage', 'metric', 'trace', 'alert',
  'incident', 'feature', 'experiment', 'config', 'secret', 'cert', 'dns', 'consent', 'loyalty', 'voucher', 'manifest',
  'customs', 'pickup', 'delivery',
];

const QUALIFIERS = [
  'core', 'edge', 'internal', 'public', 'bulk', 'realtime', 'batch', 'legacy', 'v2', 'lite', 'sync', 'async', 'admin',
  'partner', 'mobile', 'regional', 'global', 'archive', 'stream', 'hub', 'bridge', 'proxy', 'adapter', 'engine',
  'registry', 'store', 'index', 'router', 'planner', 'scheduler', 'builder', 'validator', 'resolver', 'collector',
  'aggregator', 'exporter', 'importer', 'notifier', 'matcher', 'ingestor',
];

const SUFFIXES: Record<'service' | 'website' | 'library', string[]> = {
  service: ['service', 'api', 'worker', 'gateway', 'processor', 'consumer', 'daemon'],
  website: ['web', 'ui', 'portal', 'console', 'dashboard', 'app'],
  library: ['lib', 'sdk', 'client', 'kit', 'utils', 'common'],
};

const TEAM_SUFFIXES = ['team', 'squad', 'crew', 'core', 'platform', 'ops', 'guild', 'pod'];

const FIRST_NAMES = [
  'ada', 'alan', 'alice', 'amir', 'ana', 'anna', 'ben', 'bruno', 'carla', 'carlos', 'chen', 'chloe', 'dana', 'daniel',
  'david', 'elena', 'emma', 'eric', 'fatima', 'felix', 'grace', 'hana', 'hugo', 'ines', 'ivan', 'jack', 'james', 'jana',
  'jin', 'jonas', 'julia', 'kai', 'karin', 'kenji', 'lara', 'leo', 'lina', 'lucas', 'maria', 'marta', 'max', 'mei',
  'mia', 'nadia', 'nina', 'noah', 'olga', 'omar', 'paula', 'pedro', 'priya', 'rafael', 'rosa', 'sam', 'sara', 'sofia',
  'tariq', 'tom', 'vera', 'yusuf', 'zoe',
];

const LAST_NAMES = [
  'adams', 'ahmed', 'almeida', 'andersen', 'baker', 'becker', 'brown', 'costa', 'cruz', 'das', 'davies', 'dubois',
  'evans', 'fischer', 'garcia', 'gomez', 'green', 'hall', 'hansen', 'hoffmann', 'ito', 'jensen', 'johnson', 'kaur',
  'khan', 'kim', 'klein', 'kowalski', 'kumar', 'lee', 'lopez', 'martin', 'meyer', 'moore', 'mueller', 'nakamura',
  'nguyen', 'novak', 'oconnor', 'olsen', 'park', 'patel', 'perez', 'petrov', 'popescu', 'reddy', 'rossi', 'santos',
  'schmidt', 'schulz', 'silva', 'singh', 'smith', 'suzuki', 'tanaka', 'taylor', 'thomas', 'torres', 'wagner', 'walker',
  'wang', 'weber', 'white', 'wilson', 'wright', 'yamamoto', 'young', 'zhang', 'zimmermann',
];

const LANGUAGES = ['go', 'java', 'kotlin', 'typescript', 'python', 'rust', 'scala', 'ruby', 'c#', 'nodejs', 'php', 'swift'];
const TECH = [
  'postgresql', 'mysql', 'kafka', 'redis', 'grpc', 'graphql', 'rest', 'react', 'spring-boot', 'django', 'kubernetes',
  'aws-lambda', 'terraform', 'elasticsearch', 'rabbitmq', 'dynamodb', 's3', 'nextjs', 'vue', 'airflow', 'spark',
];
const TIERS = ['tier-1', 'tier-2', 'tier-3'];
const FLAGS = ['pii', 'pci-dss', 'gdpr', 'customer-facing', 'internal', 'critical-path', 'batch', 'experimental'];

const THIRD_SENTENCES = [
  'Questions go to the team channel; incidents page the on-call engineer through PagerDuty.',
  'Deployed continuously from main through the standard pipeline with canary analysis.',
  'Configuration lives in the repository; secrets come from Vault at start-up.',
  'Depends on the shared platform libraries; upgrades follow the quarterly platform train.',
  'Consumers should use the published client library rather than calling the endpoints directly.',
];

const VERBS = [
  'Books', 'Tracks', 'Validates', 'Prices', 'Routes', 'Reconciles', 'Aggregates', 'Publishes', 'Indexes', 'Schedules',
  'Stores', 'Exports', 'Imports', 'Enriches', 'Audits', 'Notifies about', 'Forecasts', 'Serves', 'Caches', 'Matches',
];
const AUDIENCES = [
  'SMB and enterprise shippers', 'the customer portal', 'warehouse operators', 'drivers on the road', 'finance and billing',
  'partner carriers', 'the mobile apps', 'customer support agents', 'the data platform', 'internal tooling',
];
const SECOND_SENTENCES = [
  'Emits lifecycle events to Kafka and exposes a REST API behind the edge gateway.',
  'Runs in three regions with active-active replication; see the runbook before failing over.',
  'Owned end to end by the team: on-call, deployments and schema migrations.',
  'Reads from the shared event stream and writes an idempotent projection to its own database.',
  'Batch jobs run nightly at 02:00 UTC; the realtime path serves the hot set from Redis.',
  'Being migrated from the legacy monolith; the old endpoints stay until all consumers move.',
  'Scales horizontally behind the service mesh; the p99 objective is 200 ms at peak.',
  'Data is classified as confidential; access goes through the data access request process.',
];

// ---------------------------------------------------------------------------------------------
// YAML writing: a small emitter for the subset the generator produces (mappings, sequences,
// strings, numbers, booleans, block literals). Plain scalars where YAML reads them back as
// the same string, double-quoted (JSON escapes are valid YAML) otherwise.

const RESERVED = /^(true|false|yes|no|on|off|null|y|n|~)$/i;
const PLAIN = /^[A-Za-z][A-Za-z0-9 ._/@()&,'+:#-]*$/;

function scalar(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  if (PLAIN.test(value) && !RESERVED.test(value) && !/: |:$|\s#|\s$/.test(value)) return value;
  return JSON.stringify(value);
}

function key(k: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(k) ? k : JSON.stringify(k);
}

function emitValue(k: string, value: Json, pad: string, out: string[]): void {
  if (typeof value === 'string' && value.includes('\n')) {
    out.push(`${pad}${key(k)}: ${value.endsWith('\n') ? '|' : '|-'}`);
    const body = value.endsWith('\n') ? value.slice(0, -1) : value;
    for (const line of body.split('\n')) out.push(line === '' ? '' : `${pad}  ${line}`);
  } else if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push(`${pad}${key(k)}: []`);
      return;
    }
    out.push(`${pad}${key(k)}:`);
    for (const item of value) {
      if (typeof item === 'object' && !Array.isArray(item)) {
        const lines: string[] = [];
        emitMap(item, `${pad}    `, lines);
        const first = lines[0] ?? '';
        out.push(`${pad}  - ${first.trimStart()}`, ...lines.slice(1));
      } else if (Array.isArray(item)) {
        throw new Error('nested sequences are not emitted');
      } else {
        out.push(`${pad}  - ${scalar(item)}`);
      }
    }
  } else if (typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) {
      out.push(`${pad}${key(k)}: {}`);
      return;
    }
    out.push(`${pad}${key(k)}:`);
    emitMap(value, `${pad}  `, out);
  } else {
    out.push(`${pad}${key(k)}: ${scalar(value)}`);
  }
}

function emitMap(map: JsonObject, pad: string, out: string[]): void {
  for (const [k, v] of Object.entries(map)) {
    if (v !== undefined) emitValue(k, v, pad, out);
  }
}

export function toYaml(doc: JsonObject): string {
  const out: string[] = [];
  emitMap(doc, '', out);
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// Helpers

function titleCase(name: string): string {
  return name
    .split(/[-.]/)
    .map((w) => (w === 'api' || w === 'ui' || w === 'sdk' || w === 'eta' || w === 'dns' || w === 'sms' ? w.toUpperCase() : w.charAt(0).toUpperCase() + w.slice(1)))
    .join(' ');
}

function idString(rng: Rng, length: number): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(rng() * alphabet.length)];
  return out;
}

function pickSome<T>(rng: Rng, items: readonly T[], count: number): T[] {
  const out = new Set<T>();
  for (let guard = 0; out.size < Math.min(count, items.length) && guard < count * 10; guard++) out.add(pick(rng, items));
  return [...out];
}

class Names {
  private readonly used = new Set<string>();
  /** `base`, or `base-2`, `base-3`... whichever is free first; at most 63 characters. */
  claim(base: string): string {
    const trimmed = base.slice(0, 58).replace(/[-.]+$/, '');
    let name = trimmed;
    for (let n = 2; this.used.has(name); n++) name = `${trimmed}-${n}`;
    this.used.add(name);
    return name;
  }
}

function entityDoc(kind: string, metadata: JsonObject, spec: JsonObject | undefined): JsonObject {
  return { apiVersion: 'backstage.io/v1alpha1', kind, metadata, ...(spec ? { spec } : {}) };
}

function plural(noun: string): string {
  if (noun.endsWith('y') && !/[aeiou]y$/.test(noun)) return `${noun.slice(0, -1)}ies`;
  if (/(s|x|ch|sh)$/.test(noun)) return `${noun}es`;
  return `${noun}s`;
}

function camel(noun: string): string {
  return noun.charAt(0).toUpperCase() + noun.slice(1);
}

function openApiDefinition(rng: Rng, title: string, noun: string, host: string): string {
  const many = plural(noun);
  const Type = camel(noun);
  const version = `${intBetween(rng, 1, 4)}.${intBetween(rng, 0, 12)}.${intBetween(rng, 0, 9)}`;
  const extraField = pick(rng, ['createdAt', 'updatedAt', 'ownerId', 'region', 'reference', 'amount']);
  return [
    'openapi: 3.0.3',
    'info:',
    `  title: ${title}`,
    `  version: ${version}`,
    `  description: Read and manage ${many} owned by this service.`,
    'servers:',
    `  - url: https://${host}.internal.${DOMAIN_SUFFIX}/v${version.split('.')[0]}`,
    'paths:',
    `  /${many}:`,
    '    get:',
    `      summary: List ${many}`,
    `      operationId: list${camel(many)}`,
    '      parameters:',
    '        - name: limit',
    '          in: query',
    '          schema:',
    '            type: integer',
    '      responses:',
    "        '200':",
    `          description: A page of ${many}`,
    `  /${many}/{id}:`,
    '    get:',
    `      summary: Get one ${noun}`,
    `      operationId: get${Type}`,
    '      parameters:',
    '        - name: id',
    '          in: path',
    '          required: true',
    '          schema:',
    '            type: string',
    '      responses:',
    "        '200':",
    `          description: The ${noun}`,
    "        '404':",
    '          description: Not found',
    'components:',
    '  schemas:',
    `    ${Type}:`,
    '      type: object',
    '      properties:',
    '        id:',
    '          type: string',
    '        status:',
    '          type: string',
    `        ${extraField}:`,
    '          type: string',
    '',
  ].join('\n');
}

function grpcDefinition(rng: Rng, noun: string): string {
  const Type = camel(noun);
  return [
    'syntax = "proto3";',
    '',
    `package acme.${noun}.v${intBetween(rng, 1, 3)};`,
    '',
    `service ${Type}Service {`,
    `  rpc Get${Type}(Get${Type}Request) returns (${Type});`,
    `  rpc List${Type}s(List${Type}sRequest) returns (List${Type}sResponse);`,
    `  rpc Watch${Type}s(List${Type}sRequest) returns (stream ${Type});`,
    '}',
    '',
    `message ${Type} {`,
    '  string id = 1;',
    '  string status = 2;',
    '  int64 updated_at_unix = 3;',
    '  map<string, string> attributes = 4;',
    '}',
    '',
    `message Get${Type}Request {`,
    '  string id = 1;',
    '}',
    '',
    `message List${Type}sRequest {`,
    '  int32 page_size = 1;',
    '  string page_token = 2;',
    '}',
    '',
    `message List${Type}sResponse {`,
    `  repeated ${Type} items = 1;`,
    '  string next_page_token = 2;',
    '}',
    '',
  ].join('\n');
}

function graphqlDefinition(noun: string): string {
  const Type = camel(noun);
  return [
    'type Query {',
    `  ${noun}(id: ID!): ${Type}`,
    `  ${plural(noun)}(first: Int = 50, after: String): ${Type}Connection!`,
    '}',
    '',
    'type Mutation {',
    `  update${Type}(id: ID!, input: ${Type}Input!): ${Type}!`,
    '}',
    '',
    `type ${Type} {`,
    '  id: ID!',
    '  status: String!',
    '  createdAt: String!',
    '  updatedAt: String',
    '}',
    '',
    `input ${Type}Input {`,
    '  status: String',
    '}',
    '',
    `type ${Type}Connection {`,
    `  nodes: [${Type}!]!`,
    '  endCursor: String',
    '  hasNextPage: Boolean!',
    '}',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// The model

interface Team {
  name: string;
  department: number;
  weight: number;
  systems: string[];
  docs: Doc[][];
}

export function planSizes(n: number) {
  const departments = Math.min(40, Math.max(2, Math.round(n / 2500)));
  const teams = Math.max(3, Math.round(n / 200));
  const domains = Math.max(2, Math.round(n / 2000));
  const systems = Math.max(3, Math.round(n / 100));
  const users = Math.round(n * 0.15);
  const apis = Math.round(n * 0.12);
  const resources = Math.round(n * 0.08);
  // The root Location and the organisation group are the other two.
  const components = n - 2 - departments - teams - domains - systems - users - apis - resources;
  if (components < 10) throw new Error(`--entities ${n} is too small; use at least 200`);
  return { departments, teams, domains, systems, users, apis, resources, components };
}

export async function generateCatalog(options: GenerateOptions): Promise<GeneratedCatalog> {
  const n = options.entities;
  const rng = createRng(options.seed ?? 1);
  const perFile = options.docsPerFile ?? 100;
  const sizes = planSizes(n);
  const names = {
    group: new Names(),
    user: new Names(),
    domain: new Names(),
    system: new Names(),
    component: new Names(),
    api: new Names(),
    resource: new Names(),
  };

  const orgDocs: Doc[] = [];
  const push = (list: Doc[], kind: string, name: string, title: string, body: JsonObject) => list.push({ kind, name, title, body });

  // Departments and teams, with log-normal weights: a few large teams own a lot.
  const departments = Array.from({ length: sizes.departments }, (_, i) => names.group.claim(`${AREAS[i % AREAS.length] ?? 'area'}-engineering`));
  const teams: Team[] = [];
  for (let i = 0; i < sizes.teams; i++) {
    const name = names.group.claim(`${pick(rng, NOUNS)}-${pick(rng, TEAM_SUFFIXES)}`);
    teams.push({ name, department: i % sizes.departments, weight: logNormal(rng, 0.8), systems: [], docs: [[]] });
  }
  const teamByWeight = weighted(teams.map((t) => t.weight));
  const teamRef = (team: Team) => (chance(rng, 0.7) ? `group:${team.name}` : team.name);

  push(orgDocs, 'group', ORG, 'Acme', entityDoc('Group', {
    name: ORG,
    title: 'Acme',
    description: 'The whole company: every department, team and person in the catalog.',
    links: [{ url: `https://intranet.${DOMAIN_SUFFIX}/org`, title: 'Org chart', type: 'website' }],
  }, { type: 'organization', profile: { displayName: 'Acme', email: `everyone@${DOMAIN_SUFFIX}` }, children: departments }));

  departments.forEach((dept, i) => {
    const title = titleCase(dept);
    push(orgDocs, 'group', dept, title, entityDoc('Group', {
      name: dept,
      title,
      description: `Department responsible for ${(AREAS[i % AREAS.length] ?? 'area').replace(/-/g, ' ')}: its teams, their services and the on-call rotations.`,
      links: [{ url: `https://acme.slack.com/archives/C${idString(rng, 9)}`, title: `#${dept}`, type: 'chat' }],
    }, {
      type: 'department',
      profile: { displayName: title, email: `${dept}@${DOMAIN_SUFFIX}` },
      parent: ORG,
      children: teams.filter((t) => t.department === i).map((t) => t.name),
    }));
  });

  for (const team of teams) {
    const title = titleCase(team.name);
    push(orgDocs, 'group', team.name, title, entityDoc('Group', {
      name: team.name,
      title,
      description: `${title} builds and runs ${team.name.split('-')[0]} capabilities for ${pick(rng, AUDIENCES)}.`,
      links: [
        { url: `https://acme.slack.com/archives/C${idString(rng, 9)}`, title: `#team-${team.name}`, type: 'chat' },
        { url: `https://acme.pagerduty.com/schedules/P${idString(rng, 6)}`, title: `${title} on-call`, type: 'oncall' },
      ],
    }, {
      type: 'team',
      profile: { displayName: title, email: `${team.name}@${DOMAIN_SUFFIX}` },
      parent: departments[team.department] ?? ORG,
      children: [],
    }));
  }

  // Domains, owned by departments.
  const domains: string[] = [];
  for (let i = 0; i < sizes.domains; i++) {
    const area = AREAS[i % AREAS.length] ?? 'area';
    const name = names.domain.claim(i < AREAS.length ? area : `${area}-${pick(rng, QUALIFIERS)}`);
    domains.push(name);
    const title = titleCase(name);
    push(orgDocs, 'domain', name, title, entityDoc('Domain', {
      name,
      title,
      description: `Everything about ${area.replace(/-/g, ' ')}: the systems, their data and the teams that run them.`,
      tags: [pick(rng, TIERS)],
    }, { owner: `group:${departments[i % departments.length] ?? ORG}` }));
  }

  // Systems, owned by teams, in their department's domain (mostly).
  const addToTeam = (team: Team, doc: Doc) => {
    let current = team.docs[team.docs.length - 1] as Doc[];
    if (current.length >= perFile) {
      current = [];
      team.docs.push(current);
    }
    current.push(doc);
  };
  for (let i = 0; i < sizes.systems; i++) {
    const team = teams[i < teams.length ? i : teamByWeight(rng)] as Team;
    const noun = pick(rng, NOUNS);
    const name = names.system.claim(`${noun}-${pick(rng, ['platform', 'management', 'processing', 'services', 'pipeline', 'suite'])}`);
    team.systems.push(name);
    const title = titleCase(name);
    const domain = chance(rng, 0.8) ? (domains[team.department % domains.length] as string) : pick(rng, domains);
    addToTeam(team, { kind: 'system', name, title, body: entityDoc('System', {
      name,
      title,
      description: `${title}: the ${noun} components, APIs and data stores that ship together for ${pick(rng, AUDIENCES)}.`,
      tags: pickSome(rng, [...TIERS, ...FLAGS], 2),
      links: [{ url: `https://wiki.${DOMAIN_SUFFIX}/systems/${name}`, title: 'Architecture overview', type: 'documentation' }],
    }, { owner: teamRef(team), domain, type: 'product' }) });
  }
  const allSystems = teams.flatMap((t) => t.systems);
  const systemOf = (team: Team) => (team.systems.length > 0 && chance(rng, 0.9) ? pick(rng, team.systems) : pick(rng, allSystems));

  // Resources.
  interface ResourceInfo { name: string; team: Team; doc: Doc }
  const resources: ResourceInfo[] = [];
  const resourceTypes = [
    { type: 'database', suffix: 'db', tech: 'postgresql' },
    { type: 'database', suffix: 'mysql', tech: 'mysql' },
    { type: 'kafka-topic', suffix: 'events', tech: 'kafka' },
    { type: 's3-bucket', suffix: 'bucket', tech: 's3' },
    { type: 'cache', suffix: 'cache', tech: 'redis' },
    { type: 'queue', suffix: 'queue', tech: 'rabbitmq' },
  ];
  for (let i = 0; i < sizes.resources; i++) {
    const team = teams[teamByWeight(rng)] as Team;
    const rt = pick(rng, resourceTypes);
    const noun = pick(rng, NOUNS);
    const name = names.resource.claim(`${noun}-${pick(rng, QUALIFIERS)}-${rt.suffix}`);
    const title = titleCase(name);
    const system = systemOf(team);
    const doc: Doc = { kind: 'resource', name, title, body: entityDoc('Resource', {
      name,
      title,
      description: `${camel(rt.type.replace(/-/g, ' '))} holding ${plural(noun)} for the ${system} system. Backed up every 6 hours; retention 35 days.`,
      annotations: {
        'backstage.io/managed-by-location': `url:https://github.com/acme/infra/tree/main/${rt.type}/${name}`,
        'acme.example/cost-center': `cc-${intBetween(rng, 1000, 9999)}`,
        'acme.example/region': pick(rng, ['eu-west-1', 'eu-central-1', 'us-east-1', 'ap-southeast-2']),
      },
      tags: [rt.tech, pick(rng, TIERS)],
      links: [
        { url: `https://console.${DOMAIN_SUFFIX}/${rt.type}/${name}`, title: 'Console', type: 'admin' },
        { url: `https://runbooks.${DOMAIN_SUFFIX}/${team.name}/${name}`, title: 'Runbook', type: 'runbook' },
        { url: `https://grafana.${DOMAIN_SUFFIX}/d/${idString(rng, 8).toLowerCase()}/${name}`, title: 'Capacity dashboard', type: 'dashboard' },
      ],
    }, { type: rt.type, owner: teamRef(team), system, dependsOn: undefined }) };
    resources.push({ name, team, doc });
  }

  // Components.
  interface ComponentInfo { name: string; type: 'service' | 'website' | 'library'; team: Team; system: string; spec: JsonObject; doc: Doc; apis: Doc[] }
  const components: ComponentInfo[] = [];
  for (let i = 0; i < sizes.components; i++) {
    const team = teams[teamByWeight(rng)] as Team;
    const r = rng();
    const type = r < 0.6 ? 'service' : r < 0.75 ? 'website' : 'library';
    const noun = pick(rng, NOUNS);
    const name = names.component.claim(`${noun}-${pick(rng, QUALIFIERS)}-${pick(rng, SUFFIXES[type])}`);
    const title = titleCase(name);
    const system = systemOf(team);
    const l = rng();
    const lifecycle = l < 0.68 ? 'production' : l < 0.88 ? 'experimental' : 'deprecated';
    const language = pick(rng, LANGUAGES);
    const tags = [language, ...pickSome(rng, TECH, intBetween(rng, 1, 3)), pick(rng, TIERS), ...(chance(rng, 0.3) ? [pick(rng, FLAGS)] : [])];
    const annotations: JsonObject = {
      'github.com/project-slug': `acme/${name}`,
      'backstage.io/techdocs-ref': 'dir:.',
      'backstage.io/source-location': `url:https://github.com/acme/${name}/tree/main/`,
      'sonarqube.org/project-key': `acme_${name.replace(/-/g, '_')}`,
      'github.com/team-slug': `acme/${team.name}`,
      'backstage.io/view-url': `https://github.com/acme/${name}/blob/main/catalog-info.yaml`,
      'backstage.io/edit-url': `https://github.com/acme/${name}/edit/main/catalog-info.yaml`,
      'jira/project-key': idString(rng, 4),
    };
    if (type !== 'library') {
      annotations['pagerduty.com/service-id'] = `P${idString(rng, 6)}`;
      annotations['backstage.io/kubernetes-id'] = name;
      annotations['grafana/dashboard-selector'] = `tags @> 'team-${team.name}'`;
      annotations['argocd/app-name'] = `${name}-${pick(rng, ['prod', 'production', 'live'])}`;
    }
    const links: Json[] = [
      { url: `https://runbooks.${DOMAIN_SUFFIX}/${team.name}/${name}`, title: 'Runbook', icon: 'docs', type: 'runbook' },
    ];
    if (type !== 'library') {
      links.push({ url: `https://grafana.${DOMAIN_SUFFIX}/d/${idString(rng, 8).toLowerCase()}/${name}`, title: `${title} overview`, icon: 'dashboard', type: 'dashboard' });
      links.push({ url: `https://acme.pagerduty.com/services/P${idString(rng, 6)}`, title: 'On-call', type: 'oncall' });
    }
    const spec: JsonObject = { type, lifecycle, owner: teamRef(team), system };
    const description =
      type === 'library'
        ? `Shared ${language} library for ${plural(noun)}: clients, types and helpers used across ${team.name}. Semantic versioning; breaking changes are announced in #${team.name} two releases ahead.`
        : `${pick(rng, VERBS)} ${plural(noun)} for ${pick(rng, AUDIENCES)}. ${pick(rng, SECOND_SENTENCES)} ${pick(rng, THIRD_SENTENCES)}`;
    const doc: Doc = { kind: 'component', name, title, body: entityDoc('Component', {
      name,
      title,
      description,
      labels: { 'acme.example/tier': (tags.find((t) => t.startsWith('tier-')) ?? 'tier-3').slice(5), 'acme.example/language': language.replace('#', 'sharp') },
      annotations,
      tags: [...new Set(tags)],
      links,
    }, spec) };
    components.push({ name, type, team, system, spec, doc, apis: [] });
  }

  // APIs: each provided by one service of (usually) its owner team.
  const services = components.filter((c) => c.type === 'service');
  const servicesByTeam = new Map<Team, ComponentInfo[]>();
  for (const s of services) servicesByTeam.set(s.team, [...(servicesByTeam.get(s.team) ?? []), s]);
  const apis: string[] = [];
  for (let i = 0; i < sizes.apis; i++) {
    const provider = pick(rng, services.length > 0 ? services : components);
    const noun = provider.name.split('-')[0] ?? 'thing';
    const a = rng();
    const type = a < 0.8 ? 'openapi' : a < 0.9 ? 'grpc' : 'graphql';
    const name = names.api.claim(`${noun}-${pick(rng, QUALIFIERS)}-api`);
    const title = titleCase(name);
    const definition = type === 'openapi' ? openApiDefinition(rng, title, noun, provider.name) : type === 'grpc' ? grpcDefinition(rng, noun) : graphqlDefinition(noun);
    apis.push(name);
    provider.apis.push({ kind: 'api', name, title, body: entityDoc('API', {
      name,
      title,
      description: `${title}: ${type === 'openapi' ? 'REST' : type === 'grpc' ? 'gRPC' : 'GraphQL'} interface to ${plural(noun)}, provided by ${provider.name}.`,
      annotations: {
        'github.com/project-slug': `acme/${provider.name}`,
        'backstage.io/source-location': `url:https://github.com/acme/${provider.name}/tree/main/api/`,
      },
      tags: [type === 'openapi' ? 'rest' : type, noun],
      links: [
        { url: `https://api-docs.${DOMAIN_SUFFIX}/${name}`, title: 'API reference', type: 'documentation' },
        { url: `https://runbooks.${DOMAIN_SUFFIX}/${provider.team.name}/${provider.name}`, title: 'Runbook', type: 'runbook' },
      ],
    }, { type, lifecycle: String(provider.spec.lifecycle), owner: String(provider.spec.owner), system: provider.system, definition }) });
    const provided = (provider.spec.providesApis as string[] | undefined) ?? [];
    provided.push(name);
    provider.spec.providesApis = provided;
  }

  // Dependencies with Zipf-skewed targets: a few hubs that everyone depends on.
  const dependents = new Map<string, number>();
  const depend = (list: string[], ref: string) => {
    if (list.includes(ref)) return;
    list.push(ref);
    dependents.set(ref, (dependents.get(ref) ?? 0) + 1);
  };
  const hubServices = shuffle(rng, services.map((s) => s.name));
  const hubLibraries = shuffle(rng, components.filter((c) => c.type === 'library').map((c) => c.name));
  const hubApis = shuffle(rng, [...apis]);
  const hubResources = shuffle(rng, resources.map((r) => r.name));
  const zipfService = hubServices.length > 0 ? zipf(hubServices.length, 1.0) : undefined;
  const zipfLibrary = hubLibraries.length > 0 ? zipf(hubLibraries.length, 1.0) : undefined;
  const zipfApi = hubApis.length > 0 ? zipf(hubApis.length, 1.0) : undefined;
  const zipfResource = hubResources.length > 0 ? zipf(hubResources.length, 0.8) : undefined;
  const resourcesByTeam = new Map<Team, string[]>();
  for (const r of resources) resourcesByTeam.set(r.team, [...(resourcesByTeam.get(r.team) ?? []), r.name]);

  for (const c of components) {
    const dependsOn: string[] = [];
    const consumes: string[] = [];
    const count = c.type === 'library' ? intBetween(rng, 0, 2) : intBetween(rng, 1, 5);
    for (let k = 0; k < count; k++) {
      if (c.type === 'library') {
        const target = zipfLibrary ? hubLibraries[zipfLibrary(rng)] : undefined;
        if (target && target !== c.name) depend(dependsOn, `component:${target}`);
      } else if (chance(rng, 0.6)) {
        const target = zipfService ? hubServices[zipfService(rng)] : undefined;
        if (target && target !== c.name) depend(dependsOn, `component:${target}`);
      } else if (chance(rng, 0.5)) {
        const own = resourcesByTeam.get(c.team);
        const target = own && own.length > 0 ? pick(rng, own) : zipfResource ? hubResources[zipfResource(rng)] : undefined;
        if (target) depend(dependsOn, `resource:${target}`);
      } else {
        const target = zipfLibrary ? hubLibraries[zipfLibrary(rng)] : undefined;
        if (target) depend(dependsOn, `component:${target}`);
      }
    }
    if (c.type !== 'library' && zipfApi) {
      const consumeCount = c.type === 'website' ? intBetween(rng, 1, 4) : intBetween(rng, 0, 3);
      const own = new Set((c.spec.providesApis as string[] | undefined) ?? []);
      for (let k = 0; k < consumeCount; k++) {
        const target = hubApis[zipfApi(rng)];
        if (target && !own.has(target) && !consumes.includes(target)) consumes.push(target);
      }
    }
    if (consumes.length > 0) c.spec.consumesApis = consumes;
    if (dependsOn.length > 0) c.spec.dependsOn = dependsOn;
  }
  for (const r of resources) {
    if (zipfResource && chance(rng, 0.1)) {
      const target = hubResources[zipfResource(rng)];
      if (target && target !== r.name) {
        const list: string[] = [];
        depend(list, `resource:${target}`);
        (r.doc.body.spec as JsonObject).dependsOn = list;
      }
    }
  }

  // Place the team-owned documents: each component followed by the APIs it provides.
  for (const c of components) {
    addToTeam(c.team, c.doc);
    for (const api of c.apis) addToTeam(c.team, api);
  }
  for (const r of resources) addToTeam(r.team, r.doc);

  // Users, with team sizes varying log-normally; a few people are in two teams.
  const userDocs: Doc[] = [];
  const memberWeights = weighted(teams.map((t) => Math.sqrt(t.weight) * logNormal(rng, 0.5)));
  for (let i = 0; i < sizes.users; i++) {
    const first = pick(rng, FIRST_NAMES);
    const last = pick(rng, LAST_NAMES);
    const name = names.user.claim(`${first}.${last}`);
    const primary = teams[i < teams.length * 2 ? i % teams.length : memberWeights(rng)] as Team;
    const memberOf = [primary.name];
    if (chance(rng, 0.1)) {
      const second = teams[memberWeights(rng)] as Team;
      if (second !== primary) memberOf.push(second.name);
    }
    const displayName = `${camel(first)} ${camel(last)}`;
    push(userDocs, 'user', name, displayName, entityDoc('User', {
      name,
      description: `${pick(rng, ['Software engineer', 'Senior software engineer', 'Staff engineer', 'Engineering manager', 'Product manager', 'SRE', 'Designer', 'Data engineer'])} in ${primary.name}.`,
      annotations: {
        'acme.example/employee-id': `E${intBetween(rng, 100000, 999999)}`,
        'github.com/user-login': `${first}-${last}-acme`,
        'acme.example/location': pick(rng, ['Berlin', 'Lisbon', 'London', 'Toronto', 'Singapore', 'Remote (EU)', 'Remote (US)']),
      },
    }, {
      profile: { displayName, email: `${name}@${DOMAIN_SUFFIX}`, picture: `https://avatars.${DOMAIN_SUFFIX}/${name}.png` },
      memberOf,
    }));
  }

  // Files.
  const files = new Map<string, Doc[]>();
  const chunked = (prefix: string, docs: Doc[], digits: number) => {
    for (let i = 0; i * perFile < docs.length; i++) files.set(`${prefix}-${String(i + 1).padStart(digits, '0')}.yaml`, docs.slice(i * perFile, (i + 1) * perFile));
  };
  const groups = orgDocs.filter((d) => d.kind === 'group');
  chunked('org/groups', groups, 2);
  chunked('org/domains', orgDocs.filter((d) => d.kind === 'domain'), 2);
  chunked('people/users', userDocs, 3);
  for (const team of teams) {
    team.docs.forEach((docs, i) => {
      if (docs.length > 0) files.set(`teams/${team.name}/${i === 0 ? 'catalog-info' : `catalog-info-${i + 1}`}.yaml`, docs);
    });
  }

  const outDir = resolve(options.outDir);
  await mkdir(outDir, { recursive: true });
  const existing = await readdir(outDir);
  if (existing.length > 0) throw new Error(`${outDir} is not empty; the generator writes only into an empty directory`);

  const rootFile = 'catalog-info.yaml';
  const header = (file: string) => `# Generated by bench/generate-catalog.ts (--entities ${n} --seed ${options.seed ?? 1}): ${file}\n`;
  const root = toYaml(entityDoc('Location', {
    name: 'bench-root',
    title: 'Benchmark catalog',
    description: `Root of a generated ${n}-entity catalog.`,
  }, { type: 'file', targets: ['./org/*.yaml', './people/*.yaml', './teams/*/*.yaml'] }));

  let yamlBytes = 0;
  let jsonBytes = JSON.stringify(root).length;
  const entities: GeneratedEntity[] = [];
  const counts: Record<string, number> = { location: 1 };
  const writes: [string, string][] = [[rootFile, header(rootFile) + root]];
  for (const [file, docs] of files) {
    const text = header(file) + docs.map((d) => toYaml(d.body)).join('---\n');
    writes.push([file, text]);
    for (const d of docs) {
      entities.push({ kind: d.kind, name: d.name, file, title: d.title });
      counts[d.kind] = (counts[d.kind] ?? 0) + 1;
      jsonBytes += JSON.stringify(d.body).length;
    }
  }
  const dirs = new Set(writes.map(([file]) => dirname(join(outDir, file))));
  for (const dir of dirs) await mkdir(dir, { recursive: true });
  for (let i = 0; i < writes.length; i += 32) {
    await Promise.all(
      writes.slice(i, i + 32).map(([file, text]) => {
        yamlBytes += Buffer.byteLength(text);
        return writeFile(join(outDir, file), text);
      }),
    );
  }

  const hubs = [...dependents]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 5)
    .map(([ref, count]) => ({ ref, dependents: count }));
  return {
    dir: outDir,
    rootFile,
    files: writes.length,
    documents: entities.length + 1,
    yamlBytes,
    jsonBytes,
    avgEntityJsonBytes: Math.round(jsonBytes / (entities.length + 1)),
    counts,
    entities,
    hubs,
  };
}

export function describeCatalog(c: GeneratedCatalog): string {
  const kinds = Object.entries(c.counts)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    `${c.documents} entities in ${c.files} files (${(c.documents / c.files).toFixed(0)} docs/file) under ${c.dir}`,
    `  kinds: ${kinds}`,
    `  YAML ${(c.yamlBytes / 1e6).toFixed(1)} MB; entity JSON ${(c.jsonBytes / 1e6).toFixed(1)} MB, average ${c.avgEntityJsonBytes} bytes per entity`,
    `  hubs (dependents): ${c.hubs.map((h) => `${h.ref} ${h.dependents}`).join(', ')}`,
  ].join('\n');
}

async function cli(): Promise<void> {
  const { values } = parseArgs({
    options: {
      entities: { type: 'string', default: '50000' },
      out: { type: 'string' },
      seed: { type: 'string', default: '1' },
      'docs-per-file': { type: 'string', default: '100' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.out) {
    process.stdout.write('Usage: node --import tsx bench/generate-catalog.ts --entities N --out DIR [--seed N] [--docs-per-file N]\n');
    process.exitCode = values.help ? 0 : 64;
    return;
  }
  const entities = Number(values.entities);
  const seed = Number(values.seed);
  const docsPerFile = Number(values['docs-per-file']);
  if (!Number.isInteger(entities) || entities < 200) throw new Error('--entities must be a whole number of at least 200');
  if (!Number.isInteger(seed)) throw new Error('--seed must be a whole number');
  if (!Number.isInteger(docsPerFile) || docsPerFile < 1) throw new Error('--docs-per-file must be a positive whole number');
  const started = performance.now();
  const catalog = await generateCatalog({ entities, outDir: values.out, seed, docsPerFile });
  process.stdout.write(`${describeCatalog(catalog)}\n  generated in ${((performance.now() - started) / 1000).toFixed(2)} s\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  cli().catch((err: unknown) => {
    process.stderr.write(`generate-catalog: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
