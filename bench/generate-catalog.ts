/**
 * Writes a realistic Backstage-format catalog of N entities to a directory, deterministically
 * (a seeded PRNG; no Math.random, no clock): the same --entities and --seed always give the
 * same bytes.
 *
 * Shape (for N = 50,000): one organisation group, 20 departments, 250 teams of log-normally
 * varied size (owned entities and members), 25 domains, 500 systems, 7,500 users with
 * memberOf, ~31,700 components (service / website / library; lifecycles; tags; owner; system;
 * providesApis / consumesApis; dependsOn with Zipf-skewed targets, so a few hub services and
 * libraries have thousands of dependents), 6,000 APIs, 4,000 resources.
 *
 * Descriptors are what teams typically write: 10-25 lines (name, title, a one- or
 * two-sentence description, a few tags, 1-3 annotations, 0-2 links, a spec with
 * type/lifecycle/owner/system and a few relations), about 475 bytes of YAML per entity:
 * 50,000 entities are ~23.8 MB of YAML in ~540 files, near the reference catalog that
 * PERFORMANCE.md's parse figures are measured on (22 MB, 500 files). API definitions are not
 * inline: a small set of real definition files under ./apis/ (20 OpenAPI YAML documents,
 * 4 .proto, 4 .graphql), which each API references with
 * `definition: {$text: ../../apis/<file>}` (relative to its descriptor, as in Backstage).
 *
 * Layout: a root `catalog-info.yaml` Location whose targets are three globs:
 *   ./org/*.yaml          the group tree and the domains, 100 documents per file
 *   ./people/*.yaml       users, 100 per file
 *   ./teams/* /*.yaml     per team: its systems, components (each followed by the APIs it
 *                         provides) and resources, in round(docs / 100) files (at least one)
 *                         of equal size: at most 149 documents a file
 *   ./apis/               the API definition files (not descriptors; not matched by the globs)
 *   ./teams/* /slos.yaml  with --slos N only: the team's `kind: SLO` documents (pushed events),
 *                         in files of their own, so every other file keeps its bytes
 *
 *   node --import tsx bench/generate-catalog.ts --entities 50000 --out DIR [--seed N] [--docs-per-file N]
 *     [--dependencies zipf|uniform|hubs] [--slos N]
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { logNormal, weighted, zipf } from './distributions.ts';
import { chance, createRng, intBetween, pick, shuffle, type Rng } from '../src/platform/prng.ts';

export interface GenerateOptions {
  entities: number;
  outDir: string;
  seed?: number;
  /** Documents per descriptor file (default 100; a team's files hold 2/3 to 3/2 of it). */
  docsPerFile?: number;
  /**
   * How dependency targets are drawn: `zipf` (the default: a few hubs with hundreds of
   * dependents), `uniform` (no hubs: the baseline a hub-heavy catalog is measured against),
   * or `hubs` (zipf, plus one service that a fifth of the catalog's size depends on and one
   * API that as many consume: about 2,000 each at 10,000 entities).
   */
  dependencies?: DependencyShape;
  /**
   * `kind: SLO` documents to add (default 0: none, the bytes of before): pushed-events SLOs
   * (30-day window) on services, one per service in a seeded order, a second round of names
   * when there are more SLOs than services. Drawn from a PRNG of their own, so the rest of
   * the catalog is the same with or without them.
   */
  slos?: number;
}

export type DependencyShape = 'zipf' | 'uniform' | 'hubs';
export const DEPENDENCY_SHAPES: readonly DependencyShape[] = ['zipf', 'uniform', 'hubs'];

export interface GeneratedEntity {
  /** As in the API path: lowercase. */
  kind: string;
  name: string;
  /** Relative to the catalog root, with forward slashes. */
  file: string;
  title: string;
}

export interface GeneratedSlo {
  name: string;
  /** The service's name (a component in the default namespace). */
  service: string;
  /** Percent, as written. */
  objective: string;
}

export interface GeneratedCatalog {
  dir: string;
  rootFile: string;
  /** Every descriptor file written, the root included (not the API definition files). */
  files: number;
  /** Every document written, the root Location included. */
  documents: number;
  /** Bytes of every descriptor file, the root included (not the API definition files). */
  yamlBytes: number;
  /** API definition files under apis/, referenced with $text. */
  definitionFiles: number;
  definitionBytes: number;
  /** Sum of JSON.stringify(entity) over every entity, as written (before $text substitution). */
  jsonBytes: number;
  avgEntityJsonBytes: number;
  /** Descriptor YAML bytes per entity (yamlBytes / documents). */
  avgEntityYamlBytes: number;
  counts: Record<string, number>;
  /** Every entity except the root Location, in generation order (SLOs last). */
  entities: GeneratedEntity[];
  /** The SLOs (--slos), in generation order. */
  slos: GeneratedSlo[];
  /** The entities with the most dependents (dependsOn in-degree), hottest first. */
  hubs: { ref: string; dependents: number }[];
  /** The APIs with the most consumers (consumesApi in-degree), hottest first. */
  hubApis: { ref: string; consumers: number }[];
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
/** What the n-th round of SLOs over the services measures (their names' suffixes). */
const SLO_INDICATORS = ['availability', 'latency', 'freshness', 'correctness'];
const SLO_OBJECTIVES = ['99', '99.5', '99.9', '99.95'];
const DOMAIN_SUFFIX = 'acme.example';

// ---------------------------------------------------------------------------------------------
// Vocabulary

const AREAS = [
  'commerce',
  'logistics',
  'finance',
  'identity',
  'data',
  'platform',
  'infrastructure',
  'mobile',
  'web',
  'security',
  'growth',
  'marketplace',
  'fulfilment',
  'operations',
  'analytics',
  'machine-learning',
  'developer-experience',
  'reliability',
  'support',
  'partnerships',
  'payments',
  'risk',
  'compliance',
  'content',
  'search',
  'ads',
  'messaging',
  'hardware',
  'quality',
  'research',
];

const NOUNS = [
  'order',
  'invoice',
  'shipment',
  'parcel',
  'payment',
  'refund',
  'customer',
  'account',
  'address',
  'quote',
  'rate',
  'label',
  'route',
  'driver',
  'vehicle',
  'depot',
  'warehouse',
  'inventory',
  'stock',
  'product',
  'catalog',
  'price',
  'discount',
  'coupon',
  'cart',
  'checkout',
  'session',
  'token',
  'identity',
  'profile',
  'notification',
  'email',
  'sms',
  'webhook',
  'event',
  'audit',
  'report',
  'ledger',
  'tax',
  'currency',
  'fraud',
  'risk',
  'search',
  'recommendation',
  'review',
  'rating',
  'media',
  'image',
  'document',
  'contract',
  'partner',
  'carrier',
  'tracking',
  'eta',
  'forecast',
  'schedule',
  'slot',
  'return',
  'claim',
  'subscription',
  'plan',
  'billing',
  'usage',
  'metric',
  'trace',
  'alert',
  'incident',
  'feature',
  'experiment',
  'config',
  'secret',
  'cert',
  'dns',
  'consent',
  'loyalty',
  'voucher',
  'manifest',
  'customs',
  'pickup',
  'delivery',
];

const QUALIFIERS = [
  'core',
  'edge',
  'internal',
  'public',
  'bulk',
  'realtime',
  'batch',
  'legacy',
  'v2',
  'lite',
  'sync',
  'async',
  'admin',
  'partner',
  'mobile',
  'regional',
  'global',
  'archive',
  'stream',
  'hub',
  'bridge',
  'proxy',
  'adapter',
  'engine',
  'registry',
  'store',
  'index',
  'router',
  'planner',
  'scheduler',
  'builder',
  'validator',
  'resolver',
  'collector',
  'aggregator',
  'exporter',
  'importer',
  'notifier',
  'matcher',
  'ingestor',
];

const SUFFIXES: Record<'service' | 'website' | 'library', string[]> = {
  service: ['service', 'api', 'worker', 'gateway', 'processor', 'consumer', 'daemon'],
  website: ['web', 'ui', 'portal', 'console', 'dashboard', 'app'],
  library: ['lib', 'sdk', 'client', 'kit', 'utils', 'common'],
};

const TEAM_SUFFIXES = ['team', 'squad', 'crew', 'core', 'platform', 'ops', 'guild', 'pod'];

const FIRST_NAMES = [
  'ada',
  'alan',
  'alice',
  'amir',
  'ana',
  'anna',
  'ben',
  'bruno',
  'carla',
  'carlos',
  'chen',
  'chloe',
  'dana',
  'daniel',
  'david',
  'elena',
  'emma',
  'eric',
  'fatima',
  'felix',
  'grace',
  'hana',
  'hugo',
  'ines',
  'ivan',
  'jack',
  'james',
  'jana',
  'jin',
  'jonas',
  'julia',
  'kai',
  'karin',
  'kenji',
  'lara',
  'leo',
  'lina',
  'lucas',
  'maria',
  'marta',
  'max',
  'mei',
  'mia',
  'nadia',
  'nina',
  'noah',
  'olga',
  'omar',
  'paula',
  'pedro',
  'priya',
  'rafael',
  'rosa',
  'sam',
  'sara',
  'sofia',
  'tariq',
  'tom',
  'vera',
  'yusuf',
  'zoe',
];

const LAST_NAMES = [
  'adams',
  'ahmed',
  'almeida',
  'andersen',
  'baker',
  'becker',
  'brown',
  'costa',
  'cruz',
  'das',
  'davies',
  'dubois',
  'evans',
  'fischer',
  'garcia',
  'gomez',
  'green',
  'hall',
  'hansen',
  'hoffmann',
  'ito',
  'jensen',
  'johnson',
  'kaur',
  'khan',
  'kim',
  'klein',
  'kowalski',
  'kumar',
  'lee',
  'lopez',
  'martin',
  'meyer',
  'moore',
  'mueller',
  'nakamura',
  'nguyen',
  'novak',
  'oconnor',
  'olsen',
  'park',
  'patel',
  'perez',
  'petrov',
  'popescu',
  'reddy',
  'rossi',
  'santos',
  'schmidt',
  'schulz',
  'silva',
  'singh',
  'smith',
  'suzuki',
  'tanaka',
  'taylor',
  'thomas',
  'torres',
  'wagner',
  'walker',
  'wang',
  'weber',
  'white',
  'wilson',
  'wright',
  'yamamoto',
  'young',
  'zhang',
  'zimmermann',
];

const LANGUAGES = [
  'go',
  'java',
  'kotlin',
  'typescript',
  'python',
  'rust',
  'scala',
  'ruby',
  'c#',
  'nodejs',
  'php',
  'swift',
];
const TECH = [
  'postgresql',
  'mysql',
  'kafka',
  'redis',
  'grpc',
  'graphql',
  'rest',
  'react',
  'spring-boot',
  'django',
  'kubernetes',
  'aws-lambda',
  'terraform',
  'elasticsearch',
  'rabbitmq',
  'dynamodb',
  's3',
  'nextjs',
  'vue',
  'airflow',
  'spark',
];
const TIERS = ['tier-1', 'tier-2', 'tier-3'];
const FLAGS = ['pii', 'pci-dss', 'gdpr', 'customer-facing', 'internal', 'critical-path', 'batch', 'experimental'];

const VERBS = [
  'Books',
  'Tracks',
  'Validates',
  'Prices',
  'Routes',
  'Reconciles',
  'Aggregates',
  'Publishes',
  'Indexes',
  'Schedules',
  'Stores',
  'Exports',
  'Imports',
  'Enriches',
  'Audits',
  'Notifies about',
  'Forecasts',
  'Serves',
  'Caches',
  'Matches',
];
const AUDIENCES = [
  'SMB and enterprise shippers',
  'the customer portal',
  'warehouse operators',
  'drivers on the road',
  'finance and billing',
  'partner carriers',
  'the mobile apps',
  'customer support agents',
  'the data platform',
  'internal tooling',
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
const PLAIN = /^[A-Za-z][A-Za-z0-9 ._/@()&,;'+:#-]*$/;

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
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Helpers

function titleCase(name: string): string {
  return name
    .split(/[-.]/)
    .map((w) =>
      w === 'api' || w === 'ui' || w === 'sdk' || w === 'eta' || w === 'dns' || w === 'sms'
        ? w.toUpperCase()
        : w.charAt(0).toUpperCase() + w.slice(1),
    )
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
  for (let guard = 0; out.size < Math.min(count, items.length) && guard < count * 10; guard++)
    out.add(pick(rng, items));
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
  if (/[^s]s$/.test(noun)) return noun; // customs, sms, dns
  if (noun.endsWith('y') && !/[aeiou]y$/.test(noun)) return `${noun.slice(0, -1)}ies`;
  if (/(s|x|ch|sh)$/.test(noun)) return `${noun}es`;
  return `${noun}s`;
}

function camel(noun: string): string {
  return noun.charAt(0).toUpperCase() + noun.slice(1);
}

// ---------------------------------------------------------------------------------------------
// API definition files: a fixed set under apis/, the same for every size and seed. Each API
// references one with `definition: {$text: ../../apis/<file>}`.

const DEFINITIONS_DIR = 'apis';
const OPENAPI_NOUNS = [
  'order',
  'invoice',
  'shipment',
  'parcel',
  'payment',
  'refund',
  'customer',
  'account',
  'inventory',
  'product',
  'price',
  'cart',
  'checkout',
  'notification',
  'quote',
  'route',
  'warehouse',
  'subscription',
  'document',
  'carrier',
];
const GRPC_NOUNS = ['rate', 'label', 'forecast', 'fraud'];
const GRAPHQL_NOUNS = ['catalog', 'profile', 'review', 'loyalty'];

/** Extra properties of a resource schema, as YAML lines at property level. */
const EXTRA_FIELDS: string[][] = [
  ['amount:', '  type: number', '  format: double', '  minimum: 0'],
  ['currency:', '  type: string', "  pattern: '^[A-Z]{3}$'", '  example: EUR'],
  ['customerId:', '  type: string', '  format: uuid'],
  ['reference:', '  type: string', '  maxLength: 64', '  example: ACME-2024-000123'],
  ['region:', '  type: string', '  enum:', '    - eu', '    - us', '    - apac'],
  ['quantity:', '  type: integer', '  format: int32', '  minimum: 0'],
  ['dueDate:', '  type: string', '  format: date'],
  ['labels:', '  type: array', '  items:', '    type: string', '  maxItems: 20'],
  ['attributes:', '  type: object', '  additionalProperties:', '    type: string'],
  ['externalId:', '  type: string', '  description: Identifier in the partner system, when there is one.'],
];

function openApiFile(noun: string, index: number): string {
  const many = plural(noun);
  const Type = camel(noun);
  const Many = camel(many);
  const a = /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
  const major = 1 + (index % 3);
  const version = `${major}.${(index * 7) % 13}.${(index * 3) % 10}`;
  const extras = [0, 1, 2].map((k) => EXTRA_FIELDS[(index * 3 + k) % EXTRA_FIELDS.length] ?? []);
  const indent = (lines: string[], pad: string) => lines.map((l) => `${pad}${l}`);
  const json = (schema: string) => [
    'content:',
    '  application/json:',
    '    schema:',
    `      $ref: '#/components/schemas/${schema}'`,
  ];
  return [
    'openapi: 3.0.3',
    'info:',
    `  title: Acme ${Many} API`,
    `  version: ${version}`,
    `  description: Create, read and update ${many}. Breaking changes ship as a new major version; the previous one is served for six months.`,
    '  contact:',
    '    name: API platform',
    `    email: api-platform@${DOMAIN_SUFFIX}`,
    'servers:',
    `  - url: https://api.${DOMAIN_SUFFIX}/${many}/v${major}`,
    `  - url: https://api.staging.${DOMAIN_SUFFIX}/${many}/v${major}`,
    'security:',
    '  - bearer: []',
    'tags:',
    `  - name: ${many}`,
    'paths:',
    `  /${many}:`,
    '    get:',
    `      summary: List ${many}`,
    `      operationId: list${Many}`,
    '      tags:',
    `        - ${many}`,
    '      parameters:',
    "        - $ref: '#/components/parameters/Limit'",
    "        - $ref: '#/components/parameters/Cursor'",
    '      responses:',
    "        '200':",
    `          description: A page of ${many}, newest first`,
    ...indent(json(`${Type}Page`), '          '),
    '    post:',
    `      summary: Create ${a}`,
    `      operationId: create${Type}`,
    '      tags:',
    `        - ${many}`,
    '      requestBody:',
    '        required: true',
    ...indent(json(`${Type}Input`), '        '),
    '      responses:',
    "        '201':",
    `          description: The new ${noun}`,
    ...indent(json(Type), '          '),
    "        '400':",
    "          $ref: '#/components/responses/BadRequest'",
    `  /${many}/{id}:`,
    '    parameters:',
    "      - $ref: '#/components/parameters/Id'",
    '    get:',
    `      summary: Get one ${noun}`,
    `      operationId: get${Type}`,
    '      tags:',
    `        - ${many}`,
    '      responses:',
    "        '200':",
    `          description: The ${noun}`,
    ...indent(json(Type), '          '),
    "        '404':",
    "          $ref: '#/components/responses/NotFound'",
    '    patch:',
    `      summary: Update ${a}`,
    `      operationId: update${Type}`,
    '      tags:',
    `        - ${many}`,
    '      requestBody:',
    '        required: true',
    ...indent(json(`${Type}Input`), '        '),
    '      responses:',
    "        '200':",
    `          description: The updated ${noun}`,
    ...indent(json(Type), '          '),
    "        '400':",
    "          $ref: '#/components/responses/BadRequest'",
    "        '404':",
    "          $ref: '#/components/responses/NotFound'",
    'components:',
    '  securitySchemes:',
    '    bearer:',
    '      type: http',
    '      scheme: bearer',
    '      bearerFormat: JWT',
    '  parameters:',
    '    Id:',
    '      name: id',
    '      in: path',
    '      required: true',
    '      schema:',
    '        type: string',
    '    Limit:',
    '      name: limit',
    '      in: query',
    '      schema:',
    '        type: integer',
    '        minimum: 1',
    '        maximum: 200',
    '        default: 50',
    '    Cursor:',
    '      name: cursor',
    '      in: query',
    '      schema:',
    '        type: string',
    '  responses:',
    '    BadRequest:',
    '      description: The request is invalid',
    ...indent(json('Problem'), '      '),
    '    NotFound:',
    `      description: No such ${noun}`,
    ...indent(json('Problem'), '      '),
    '  schemas:',
    `    ${Type}:`,
    '      type: object',
    '      required:',
    '        - id',
    '        - status',
    '      properties:',
    '        id:',
    '          type: string',
    '          readOnly: true',
    '        status:',
    '          type: string',
    '          enum:',
    '            - pending',
    '            - active',
    '            - completed',
    '            - cancelled',
    ...indent(extras.flat(), '        '),
    '        createdAt:',
    '          type: string',
    '          format: date-time',
    '          readOnly: true',
    '        updatedAt:',
    '          type: string',
    '          format: date-time',
    '          readOnly: true',
    `    ${Type}Input:`,
    '      type: object',
    '      properties:',
    '        status:',
    '          type: string',
    ...indent(extras.flat(), '        '),
    `    ${Type}Page:`,
    '      type: object',
    '      required:',
    '        - items',
    '      properties:',
    '        items:',
    '          type: array',
    '          items:',
    `            $ref: '#/components/schemas/${Type}'`,
    '        nextCursor:',
    '          type: string',
    '          nullable: true',
    '    Problem:',
    '      type: object',
    '      properties:',
    '        type:',
    '          type: string',
    '        title:',
    '          type: string',
    '        status:',
    '          type: integer',
    '        detail:',
    '          type: string',
    '',
  ].join('\n');
}

function grpcFile(noun: string): string {
  const Type = camel(noun);
  return [
    'syntax = "proto3";',
    '',
    `package acme.${noun}.v1;`,
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

function graphqlFile(noun: string): string {
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

type ApiType = 'openapi' | 'grpc' | 'graphql';

/** The definition files, path (relative to the catalog root) to content. */
function definitionFiles(): Map<string, string> {
  const files = new Map<string, string>();
  OPENAPI_NOUNS.forEach((noun, i) => files.set(definitionPath('openapi', noun), openApiFile(noun, i)));
  for (const noun of GRPC_NOUNS) files.set(definitionPath('grpc', noun), grpcFile(noun));
  for (const noun of GRAPHQL_NOUNS) files.set(definitionPath('graphql', noun), graphqlFile(noun));
  return files;
}

function definitionPath(type: ApiType, noun: string): string {
  if (type === 'openapi') return `${DEFINITIONS_DIR}/${plural(noun)}.yaml`;
  return `${DEFINITIONS_DIR}/${noun}.${type === 'grpc' ? 'proto' : 'graphql'}`;
}

/** The definition file of an API about `noun`: the file for that noun, else a fixed one of its type. */
function definitionFor(type: ApiType, noun: string): string {
  const nouns = type === 'openapi' ? OPENAPI_NOUNS : type === 'grpc' ? GRPC_NOUNS : GRAPHQL_NOUNS;
  const chosen = nouns.includes(noun) ? noun : (nouns[Math.max(0, NOUNS.indexOf(noun)) % nouns.length] as string);
  return definitionPath(type, chosen);
}

// ---------------------------------------------------------------------------------------------
// The model

interface Team {
  name: string;
  department: number;
  weight: number;
  systems: string[];
  /** Its systems, components (each followed by the APIs it provides) and resources, in file order. */
  docs: Doc[];
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

/** Splits docs into round(length / perFile) files (at least one) of equal size. */
function split<T>(docs: T[], perFile: number): T[][] {
  const count = Math.max(1, Math.round(docs.length / perFile));
  return Array.from({ length: count }, (_, i) =>
    docs.slice(Math.floor((i * docs.length) / count), Math.floor(((i + 1) * docs.length) / count)),
  );
}

/**
 * `count` pushed-events SLOs, `atrium.dev/v1`, over the services in a seeded order: the first
 * round one per service (`<service>-availability`), further rounds with the next indicator's
 * name. Grouped by the service's team, in generation order.
 */
function sloDocs(
  rng: Rng,
  services: readonly { name: string; team: Team; spec: JsonObject }[],
  count: number,
): { list: GeneratedSlo[]; byTeam: Map<Team, Doc[]> } {
  const list: GeneratedSlo[] = [];
  const byTeam = new Map<Team, Doc[]>();
  if (count === 0 || services.length === 0) return { list, byTeam };
  const order = shuffle(rng, [...services]);
  const names = new Names();
  for (let i = 0; i < count; i++) {
    const service = order[i % order.length] as (typeof order)[number];
    const indicator = SLO_INDICATORS[Math.floor(i / order.length) % SLO_INDICATORS.length] ?? 'availability';
    const name = names.claim(`${service.name}-${indicator}`);
    const objective = pick(rng, SLO_OBJECTIVES);
    const title = titleCase(name);
    list.push({ name, service: service.name, objective });
    const docs = byTeam.get(service.team) ?? [];
    byTeam.set(service.team, docs);
    docs.push({
      kind: 'slo',
      name,
      title,
      body: {
        apiVersion: 'atrium.dev/v1',
        kind: 'SLO',
        metadata: { name, title },
        spec: {
          service: `component:${service.name}`,
          description: `${camel(indicator)} of ${service.name}, as its clients count it (good and total events pushed by the service).`,
          objective,
          window: '30d',
          indicator: { events: {} },
        },
      },
    });
  }
  return { list, byTeam };
}

export async function generateCatalog(options: GenerateOptions): Promise<GeneratedCatalog> {
  const n = options.entities;
  const rng = createRng(options.seed ?? 1);
  const perFile = options.docsPerFile ?? 100;
  const shape = options.dependencies ?? 'zipf';
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
  const push = (list: Doc[], kind: string, name: string, title: string, body: JsonObject) =>
    list.push({ kind, name, title, body });
  const link = (url: string, title: string, type: string): JsonObject => ({ url, title, type });

  // Departments and teams, with log-normal weights: a few large teams own a lot.
  const departments = Array.from({ length: sizes.departments }, (_, i) =>
    names.group.claim(`${AREAS[i % AREAS.length] ?? 'area'}-engineering`),
  );
  const teams: Team[] = [];
  for (let i = 0; i < sizes.teams; i++) {
    const name = names.group.claim(`${pick(rng, NOUNS)}-${pick(rng, TEAM_SUFFIXES)}`);
    teams.push({ name, department: i % sizes.departments, weight: logNormal(rng, 0.8), systems: [], docs: [] });
  }
  const teamByWeight = weighted(teams.map((t) => t.weight));
  const teamRef = (team: Team) => (chance(rng, 0.7) ? `group:${team.name}` : team.name);

  push(
    orgDocs,
    'group',
    ORG,
    'Acme',
    entityDoc(
      'Group',
      {
        name: ORG,
        title: 'Acme',
        description: 'The whole company: every department, team and person in the catalog.',
        links: [link(`https://intranet.${DOMAIN_SUFFIX}/org`, 'Org chart', 'website')],
      },
      {
        type: 'organization',
        profile: { displayName: 'Acme', email: `everyone@${DOMAIN_SUFFIX}` },
        children: departments,
      },
    ),
  );

  departments.forEach((dept, i) => {
    const title = titleCase(dept);
    push(
      orgDocs,
      'group',
      dept,
      title,
      entityDoc(
        'Group',
        {
          name: dept,
          title,
          description: `Department responsible for ${(AREAS[i % AREAS.length] ?? 'area').replace(/-/g, ' ')}: its teams, their services and their on-call rotations.`,
          links: [link(`https://acme.slack.com/archives/C${idString(rng, 9)}`, `#${dept}`, 'chat')],
        },
        {
          type: 'department',
          profile: { displayName: title, email: `${dept}@${DOMAIN_SUFFIX}` },
          parent: ORG,
          children: teams.filter((t) => t.department === i).map((t) => t.name),
        },
      ),
    );
  });

  for (const team of teams) {
    const title = titleCase(team.name);
    const links = [link(`https://acme.slack.com/archives/C${idString(rng, 9)}`, `#team-${team.name}`, 'chat')];
    if (chance(rng, 0.6))
      links.push(link(`https://acme.pagerduty.com/schedules/P${idString(rng, 6)}`, 'On-call', 'oncall'));
    push(
      orgDocs,
      'group',
      team.name,
      title,
      entityDoc(
        'Group',
        {
          name: team.name,
          title,
          description: `${title} builds and runs ${team.name.split('-')[0]} capabilities for ${pick(rng, AUDIENCES)}.`,
          links,
        },
        {
          type: 'team',
          profile: { displayName: title, email: `${team.name}@${DOMAIN_SUFFIX}` },
          parent: departments[team.department] ?? ORG,
          children: [],
        },
      ),
    );
  }

  // Domains, owned by departments.
  const domains: string[] = [];
  for (let i = 0; i < sizes.domains; i++) {
    const area = AREAS[i % AREAS.length] ?? 'area';
    const name = names.domain.claim(i < AREAS.length ? area : `${area}-${pick(rng, QUALIFIERS)}`);
    domains.push(name);
    const title = titleCase(name);
    push(
      orgDocs,
      'domain',
      name,
      title,
      entityDoc(
        'Domain',
        {
          name,
          title,
          description: `Everything about ${area.replace(/-/g, ' ')}: the systems, their data and the teams that run them.`,
          tags: [pick(rng, TIERS)],
        },
        { owner: `group:${departments[i % departments.length] ?? ORG}` },
      ),
    );
  }

  // Systems, owned by teams, in their department's domain (mostly).
  for (let i = 0; i < sizes.systems; i++) {
    const team = teams[i < teams.length ? i : teamByWeight(rng)] as Team;
    const noun = pick(rng, NOUNS);
    const name = names.system.claim(
      `${noun}-${pick(rng, ['platform', 'management', 'processing', 'services', 'pipeline', 'suite'])}`,
    );
    team.systems.push(name);
    const title = titleCase(name);
    const domain = chance(rng, 0.8) ? (domains[team.department % domains.length] as string) : pick(rng, domains);
    team.docs.push({
      kind: 'system',
      name,
      title,
      body: entityDoc(
        'System',
        {
          name,
          title,
          description: `The ${noun} components, APIs and data stores that ship together for ${pick(rng, AUDIENCES)}.`,
          tags: pickSome(rng, [...TIERS, ...FLAGS], intBetween(rng, 1, 2)),
          links: chance(rng, 0.5)
            ? [link(`https://wiki.${DOMAIN_SUFFIX}/systems/${name}`, 'Architecture', 'documentation')]
            : undefined,
        },
        { owner: teamRef(team), domain, type: 'product' },
      ),
    });
  }
  const allSystems = teams.flatMap((t) => t.systems);
  const systemOf = (team: Team) =>
    team.systems.length > 0 && chance(rng, 0.9) ? pick(rng, team.systems) : pick(rng, allSystems);

  // Resources.
  interface ResourceInfo {
    name: string;
    team: Team;
    doc: Doc;
  }
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
    const annotations: JsonObject = { 'acme.example/cost-center': `cc-${intBetween(rng, 1000, 9999)}` };
    if (chance(rng, 0.5))
      annotations['acme.example/region'] = pick(rng, ['eu-west-1', 'eu-central-1', 'us-east-1', 'ap-southeast-2']);
    const doc: Doc = {
      kind: 'resource',
      name,
      title,
      body: entityDoc(
        'Resource',
        {
          name,
          title,
          description: `${camel(rt.type.replace(/-/g, ' '))} holding ${plural(noun)} for ${system}.${chance(rng, 0.3) ? ' Backed up every 6 hours; retention 35 days.' : ''}`,
          tags: [rt.tech, ...(chance(rng, 0.5) ? [pick(rng, TIERS)] : [])],
          annotations,
          links: chance(rng, 0.4)
            ? [link(`https://console.${DOMAIN_SUFFIX}/${rt.type}/${name}`, 'Console', 'admin')]
            : undefined,
        },
        { type: rt.type, owner: teamRef(team), system, dependsOn: undefined },
      ),
    };
    resources.push({ name, team, doc });
  }

  // Components.
  interface ComponentInfo {
    name: string;
    type: 'service' | 'website' | 'library';
    team: Team;
    system: string;
    spec: JsonObject;
    doc: Doc;
    apis: Doc[];
  }
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
    const tags = [
      language,
      ...(chance(rng, 0.45) ? [pick(rng, TECH)] : []),
      ...(chance(rng, 0.25) ? [pick(rng, TIERS)] : []),
    ];
    const annotations: JsonObject = { 'github.com/project-slug': `acme/${name}` };
    if (type !== 'library' && chance(rng, 0.35)) annotations['pagerduty.com/service-id'] = `P${idString(rng, 6)}`;
    if (chance(rng, 0.12)) annotations['backstage.io/techdocs-ref'] = 'dir:.';
    const links: JsonObject[] = [];
    if (type === 'library') {
      if (chance(rng, 0.15)) links.push(link(`https://docs.${DOMAIN_SUFFIX}/${name}`, 'Docs', 'documentation'));
    } else {
      if (chance(rng, 0.3))
        links.push(link(`https://runbooks.${DOMAIN_SUFFIX}/${team.name}/${name}`, 'Runbook', 'runbook'));
      if (chance(rng, 0.08))
        links.push(
          link(`https://grafana.${DOMAIN_SUFFIX}/d/${idString(rng, 8).toLowerCase()}`, 'Dashboard', 'dashboard'),
        );
    }
    const spec: JsonObject = { type, lifecycle, owner: teamRef(team), system };
    const description =
      type === 'library'
        ? `Shared ${language} library for ${plural(noun)}: clients, types and helpers.${chance(rng, 0.1) ? ' Breaking changes are announced two releases ahead.' : ''}`
        : `${pick(rng, VERBS)} ${plural(noun)} for ${pick(rng, AUDIENCES)}.${chance(rng, 0.1) ? ` ${pick(rng, SECOND_SENTENCES)}` : ''}`;
    const doc: Doc = {
      kind: 'component',
      name,
      title,
      body: entityDoc(
        'Component',
        {
          name,
          title,
          description,
          tags: [...new Set(tags)],
          annotations,
          links: links.length > 0 ? links : undefined,
        },
        spec,
      ),
    };
    components.push({ name, type, team, system, spec, doc, apis: [] });
  }

  // APIs: each provided by one service; the definition is one of the files under apis/.
  const services = components.filter((c) => c.type === 'service');
  const apis: string[] = [];
  for (let i = 0; i < sizes.apis; i++) {
    const provider = pick(rng, services.length > 0 ? services : components);
    const noun = provider.name.split('-')[0] ?? 'order';
    const a = rng();
    const type: ApiType = a < 0.8 ? 'openapi' : a < 0.9 ? 'grpc' : 'graphql';
    const name = names.api.claim(`${noun}-${pick(rng, QUALIFIERS)}-api`);
    const title = titleCase(name);
    apis.push(name);
    provider.apis.push({
      kind: 'api',
      name,
      title,
      body: entityDoc(
        'API',
        {
          name,
          title,
          description: `${type === 'openapi' ? 'REST' : type === 'grpc' ? 'gRPC' : 'GraphQL'} API for ${plural(noun)}, served by ${provider.name}.`,
          tags: [type === 'openapi' ? 'rest' : type, ...(chance(rng, 0.4) ? [noun] : [])],
          annotations: { 'github.com/project-slug': `acme/${provider.name}` },
          links: chance(rng, 0.2)
            ? [link(`https://api-docs.${DOMAIN_SUFFIX}/${name}`, 'API reference', 'documentation')]
            : undefined,
        },
        {
          type,
          lifecycle: String(provider.spec.lifecycle),
          owner: String(provider.spec.owner),
          system: provider.system,
          // Relative to the descriptor, teams/<team>/<file>.yaml.
          definition: { $text: `../../${definitionFor(type, noun)}` },
        },
      ),
    });
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
  const hubServices = shuffle(
    rng,
    services.map((s) => s.name),
  );
  const hubLibraries = shuffle(
    rng,
    components.filter((c) => c.type === 'library').map((c) => c.name),
  );
  const hubApis = shuffle(rng, [...apis]);
  const hubResources = shuffle(
    rng,
    resources.map((r) => r.name),
  );
  // A uniform draw is Zipf with exponent 0: every rank equally likely.
  const skew = (s: number) => (shape === 'uniform' ? 0 : s);
  const zipfService = hubServices.length > 0 ? zipf(hubServices.length, skew(1.0)) : undefined;
  const zipfLibrary = hubLibraries.length > 0 ? zipf(hubLibraries.length, skew(1.0)) : undefined;
  const zipfApi = hubApis.length > 0 ? zipf(hubApis.length, skew(1.0)) : undefined;
  const zipfResource = hubResources.length > 0 ? zipf(hubResources.length, skew(0.8)) : undefined;
  const consumers = new Map<string, number>();
  const resourcesByTeam = new Map<Team, string[]>();
  for (const r of resources) resourcesByTeam.set(r.team, [...(resourcesByTeam.get(r.team) ?? []), r.name]);

  for (const c of components) {
    const dependsOn: string[] = [];
    const consumes: string[] = [];
    const count =
      c.type === 'library' ? intBetween(rng, 0, 2) : 1 + (chance(rng, 0.35) ? 1 : 0) + (chance(rng, 0.05) ? 1 : 0);
    for (let k = 0; k < count; k++) {
      if (c.type === 'library') {
        const target = zipfLibrary ? hubLibraries[zipfLibrary(rng)] : undefined;
        if (target && target !== c.name) depend(dependsOn, `component:${target}`);
      } else if (chance(rng, 0.6)) {
        const target = zipfService ? hubServices[zipfService(rng)] : undefined;
        if (target && target !== c.name) depend(dependsOn, `component:${target}`);
      } else if (chance(rng, 0.5)) {
        const own = resourcesByTeam.get(c.team);
        const target =
          own && own.length > 0 ? pick(rng, own) : zipfResource ? hubResources[zipfResource(rng)] : undefined;
        if (target) depend(dependsOn, `resource:${target}`);
      } else {
        const target = zipfLibrary ? hubLibraries[zipfLibrary(rng)] : undefined;
        if (target) depend(dependsOn, `component:${target}`);
      }
    }
    if (c.type !== 'library' && zipfApi) {
      const consumeCount = c.type === 'website' ? intBetween(rng, 1, 2) : chance(rng, 0.4) ? 1 : 0;
      const own = new Set((c.spec.providesApis as string[] | undefined) ?? []);
      for (let k = 0; k < consumeCount; k++) {
        const target = hubApis[zipfApi(rng)];
        if (target && !own.has(target) && !consumes.includes(target)) consumes.push(target);
      }
    }
    if (consumes.length > 0) c.spec.consumesApis = consumes;
    if (dependsOn.length > 0) c.spec.dependsOn = dependsOn;
  }
  if (shape === 'hubs') {
    // One service and one API at the centre of everything, as a shared gateway or auth API is.
    const hub = hubServices[0];
    const hubApi = hubApis[0];
    const reach = Math.round(n * 0.2);
    const chosen = shuffle(rng, [...components]);
    for (const c of chosen) {
      if (!hub || (dependents.get(`component:${hub}`) ?? 0) >= reach) break;
      if (c.name === hub) continue;
      const list = (c.spec.dependsOn as string[] | undefined) ?? [];
      depend(list, `component:${hub}`);
      c.spec.dependsOn = list;
    }
    let apiConsumers = components.filter((c) =>
      ((c.spec.consumesApis as string[] | undefined) ?? []).includes(hubApi ?? ''),
    ).length;
    for (const c of shuffle(rng, chosen)) {
      if (!hubApi || apiConsumers >= reach) break;
      const list = (c.spec.consumesApis as string[] | undefined) ?? [];
      if (list.includes(hubApi) || ((c.spec.providesApis as string[] | undefined) ?? []).includes(hubApi)) continue;
      list.push(hubApi);
      c.spec.consumesApis = list;
      apiConsumers++;
    }
  }
  for (const c of components)
    for (const api of (c.spec.consumesApis as string[] | undefined) ?? [])
      consumers.set(api, (consumers.get(api) ?? 0) + 1);
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
  for (const c of components) c.team.docs.push(c.doc, ...c.apis);
  for (const r of resources) r.team.docs.push(r.doc);

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
    push(
      userDocs,
      'user',
      name,
      displayName,
      entityDoc(
        'User',
        {
          name,
          annotations: { 'github.com/user-login': `${first}-${last}-acme` },
        },
        {
          profile: {
            displayName,
            email: `${name}@${DOMAIN_SUFFIX}`,
            picture: chance(rng, 0.2) ? `https://avatars.${DOMAIN_SUFFIX}/${name}.png` : undefined,
          },
          memberOf,
        },
      ),
    );
  }

  // SLOs on services, from their own PRNG (none by default).
  const slos = sloDocs(createRng((options.seed ?? 1) + 29), services, options.slos ?? 0);

  // Files.
  const files = new Map<string, Doc[]>();
  const chunked = (prefix: string, docs: Doc[], digits: number) => {
    for (let i = 0; i * perFile < docs.length; i++)
      files.set(`${prefix}-${String(i + 1).padStart(digits, '0')}.yaml`, docs.slice(i * perFile, (i + 1) * perFile));
  };
  const groups = orgDocs.filter((d) => d.kind === 'group');
  chunked('org/groups', groups, 2);
  chunked(
    'org/domains',
    orgDocs.filter((d) => d.kind === 'domain'),
    2,
  );
  chunked('people/users', userDocs, 3);
  for (const team of teams) {
    if (team.docs.length === 0) continue;
    split(team.docs, perFile).forEach((docs, i) =>
      files.set(`teams/${team.name}/${i === 0 ? 'catalog-info' : `catalog-info-${i + 1}`}.yaml`, docs),
    );
  }
  for (const [team, docs] of slos.byTeam) files.set(`teams/${team.name}/slos.yaml`, docs);

  const outDir = resolve(options.outDir);
  await mkdir(outDir, { recursive: true });
  const existing = await readdir(outDir);
  if (existing.length > 0) throw new Error(`${outDir} is not empty; the generator writes only into an empty directory`);

  const rootFile = 'catalog-info.yaml';
  const header = (file: string) =>
    `# Generated by bench/generate-catalog.ts (--entities ${n} --seed ${options.seed ?? 1}${slos.list.length > 0 ? ` --slos ${slos.list.length}` : ''}): ${file}\n`;
  const root = toYaml(
    entityDoc(
      'Location',
      {
        name: 'bench-root',
        title: 'Benchmark catalog',
        description: `Root of a generated ${n}-entity catalog.`,
      },
      { type: 'file', targets: ['./org/*.yaml', './people/*.yaml', './teams/*/*.yaml'] },
    ),
  );

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
  for (const [, text] of writes) yamlBytes += Buffer.byteLength(text);
  const definitions = [...definitionFiles()];
  const definitionBytes = definitions.reduce((sum, [, text]) => sum + Buffer.byteLength(text), 0);
  const all = [...writes, ...definitions];
  const dirs = new Set(all.map(([file]) => dirname(join(outDir, file))));
  for (const dir of dirs) await mkdir(dir, { recursive: true });
  for (let i = 0; i < all.length; i += 32) {
    await Promise.all(all.slice(i, i + 32).map(([file, text]) => writeFile(join(outDir, file), text)));
  }

  const hubs = [...dependents]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 5)
    .map(([ref, count]) => ({ ref, dependents: count }));
  const topApis = [...consumers]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 3)
    .map(([name, count]) => ({ ref: `api:${name}`, consumers: count }));
  const documents = entities.length + 1;
  return {
    dir: outDir,
    rootFile,
    files: writes.length,
    documents,
    yamlBytes,
    definitionFiles: definitions.length,
    definitionBytes,
    jsonBytes,
    avgEntityJsonBytes: Math.round(jsonBytes / documents),
    avgEntityYamlBytes: Math.round(yamlBytes / documents),
    counts,
    entities,
    slos: slos.list,
    hubs,
    hubApis: topApis,
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
    `  YAML ${(c.yamlBytes / 1e6).toFixed(1)} MB, average ${c.avgEntityYamlBytes} bytes per entity; entity JSON ${(c.jsonBytes / 1e6).toFixed(1)} MB, average ${c.avgEntityJsonBytes} bytes per entity`,
    `  API definitions: ${c.definitionFiles} files under ${DEFINITIONS_DIR}/ (${OPENAPI_NOUNS.length} OpenAPI, ${GRPC_NOUNS.length} proto, ${GRAPHQL_NOUNS.length} GraphQL; ${(c.definitionBytes / 1e3).toFixed(0)} KB), referenced with $text`,
    `  hubs (dependents): ${c.hubs.map((h) => `${h.ref} ${h.dependents}`).join(', ')}`,
    `  hub APIs (consumers): ${c.hubApis.map((h) => `${h.ref} ${h.consumers}`).join(', ')}`,
  ].join('\n');
}

async function cli(): Promise<void> {
  const { values } = parseArgs({
    options: {
      entities: { type: 'string', default: '50000' },
      out: { type: 'string' },
      seed: { type: 'string', default: '1' },
      'docs-per-file': { type: 'string', default: '100' },
      dependencies: { type: 'string', default: 'zipf' },
      slos: { type: 'string', default: '0' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.out) {
    process.stdout.write(
      'Usage: node --import tsx bench/generate-catalog.ts --entities N --out DIR [--seed N] [--docs-per-file N] [--dependencies zipf|uniform|hubs] [--slos N]\n',
    );
    process.exitCode = values.help ? 0 : 64;
    return;
  }
  const entities = Number(values.entities);
  const seed = Number(values.seed);
  const docsPerFile = Number(values['docs-per-file']);
  const slos = Number(values.slos);
  if (!Number.isInteger(entities) || entities < 200)
    throw new Error('--entities must be a whole number of at least 200');
  if (!Number.isInteger(seed)) throw new Error('--seed must be a whole number');
  if (!Number.isInteger(docsPerFile) || docsPerFile < 1)
    throw new Error('--docs-per-file must be a positive whole number');
  const dependencies = DEPENDENCY_SHAPES.find((d) => d === values.dependencies);
  if (!dependencies) throw new Error(`--dependencies must be one of ${DEPENDENCY_SHAPES.join(', ')}`);
  if (!Number.isInteger(slos) || slos < 0) throw new Error('--slos must be a whole number, 0 or more');
  const started = performance.now();
  const catalog = await generateCatalog({ entities, outDir: values.out, seed, docsPerFile, dependencies, slos });
  process.stdout.write(
    `${describeCatalog(catalog)}\n  generated in ${((performance.now() - started) / 1000).toFixed(2)} s\n`,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  cli().catch((err: unknown) => {
    process.stderr.write(`generate-catalog: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
