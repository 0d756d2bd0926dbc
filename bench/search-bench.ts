/**
 * The search benchmark: the portal's ranker (src/search/rank.ts, also the browser palette's)
 * against the ranker of an earlier commit, in process, on the same generated index of
 * 50,000 entities and 5,000 Markdown documents. Prints index build time, query latency
 * (p50/p99/max per query class) and the exported index's size raw and gzipped, with the
 * targets: a query <= 10 ms p99, the index <= 5 MB gzipped.
 *
 *   npm run bench:search
 *   node --import tsx bench/search-bench.ts --entities 50000 --docs 5000 --rounds 20 --baseline 3d2c55b
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { chance, createRng, intBetween, pick, type Rng } from '../src/platform/prng.ts';
import { packIndex, prepareEntries, rankEntries, type SearchEntry } from '../src/search/rank.ts';
import { sectionsForSearch } from '../src/search/search-index.ts';
import { zipf } from './distributions.ts';
import { log, numberFlag, onCleanup, REPO, runBenchmark, verdict } from './support.ts';

/** The ranker before full-text search (the commit this work started from). */
const DEFAULT_BASELINE = '3d2c55b';

const NOUNS = [
  'shipment',
  'invoice',
  'payment',
  'order',
  'customer',
  'account',
  'refund',
  'label',
  'quote',
  'route',
  'parcel',
  'tracking',
  'inventory',
  'warehouse',
  'billing',
  'ledger',
  'catalog',
  'pricing',
  'notification',
  'session',
  'identity',
  'checkout',
  'basket',
  'delivery',
  'driver',
  'fleet',
  'geocoding',
  'address',
  'report',
  'search',
  'audit',
  'export',
  'import',
  'scheduler',
  'gateway',
  'webhook',
  'partner',
  'carrier',
  'dispatch',
]; // prettier-ignore
const ROLES = ['service', 'api', 'worker', 'db', 'web', 'adapter', 'importer', 'exporter', 'cache', 'queue', 'ui'];
const ALERT_PARTS = ['Create', 'Update', 'Publish', 'Consume', 'Sync', 'Read'];
const ALERT_KINDS = ['ErrorRateHigh', 'LatencyP99High', 'QueueLag', 'SaturationHigh', 'CertExpiring', 'PodRestarts'];
const COMMANDS = ['kubectl -n', 'argocd app rollback', 'psql -c', 'flagctl set', 'curl -sf', 'jq -r', 'helm rollback'];

/** A pronounceable made-up word: the long tail of a real vocabulary (product names, jargon). */
function syllableWord(rng: Rng): string {
  const syllables = ['ka', 'lo', 'mer', 'tin', 'sa', 'dre', 'vo', 'pul', 'ex', 'qui', 'bar', 'ne', 'ot', 'ri', 'fan'];
  let w = '';
  for (let i = intBetween(rng, 2, 4); i > 0; i--) w += pick(rng, syllables);
  return w;
}

interface Corpus {
  entries: SearchEntry[];
  names: string[];
  alerts: string[];
  markdownBytes: number;
  sectionMs: number;
}

/** 50,000 entities named like a real catalog, and 5,000 runbooks and docs pages with alert tables and code. */
function generate(entityCount: number, docCount: number, seed: number): Corpus {
  const rng = createRng(seed);
  const vocabulary = Array.from({ length: 20_000 }, () => syllableWord(rng));
  const word = zipf(vocabulary.length, 1.05);
  const sentence = (min: number, max: number) =>
    Array.from({ length: intBetween(rng, min, max) }, () =>
      chance(rng, 0.3) ? pick(rng, NOUNS) : (vocabulary[word(rng)] as string),
    ).join(' ');
  const entries: SearchEntry[] = [];
  const names: string[] = [];
  const taken = new Set<string>();
  for (let i = 0; entries.length < entityCount; i++) {
    const base = `${pick(rng, NOUNS)}-${chance(rng, 0.5) ? `${pick(rng, NOUNS)}-` : ''}${pick(rng, ROLES)}`;
    const name = taken.has(base) ? `${base}-${i}` : base;
    taken.add(name);
    names.push(name);
    const kind = pick(rng, ['component', 'component', 'component', 'api', 'resource', 'system', 'user', 'group']);
    entries.push({
      type: 'entity',
      title: name.replace(/-/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase()),
      name,
      kind,
      path: `catalog/default/${kind}/${name}/`,
      tags: Array.from({ length: intBetween(rng, 0, 3) }, () => pick(rng, ['java', 'go', 'tier-1', 'pci', 'kafka'])),
      text: sentence(6, 25),
      context: `team-${intBetween(rng, 1, 400)}`,
    });
  }
  const alerts: string[] = [];
  let markdownBytes = 0;
  let sectionMs = 0;
  for (let d = 0; d < docCount; d++) {
    const owner = names[intBetween(rng, 0, names.length - 1)] as string;
    const pascal = owner
      .split('-')
      .map((p) => p[0]?.toUpperCase() + p.slice(1))
      .join('');
    const docAlerts = Array.from({ length: 3 }, () => `${pascal}${pick(rng, ALERT_PARTS)}${pick(rng, ALERT_KINDS)}`);
    alerts.push(...docAlerts);
    const runbook = d % 2 === 0;
    let md = `# ${owner} ${runbook ? 'runbook' : 'guide'}\n\n${sentence(20, 40)}.\n\n`;
    md += `## Alerts and symptoms\n\n| Alert | Meaning |\n| --- | --- |\n${docAlerts.map((a) => `| \`${a}\` | ${sentence(5, 12)} |`).join('\n')}\n\n`;
    for (let s = intBetween(rng, 4, 9); s > 0; s--) {
      md += `## ${sentence(2, 4)}\n\n${sentence(40, 120)}.\n\n`;
      if (chance(rng, 0.5)) md += `\`\`\`sh\n${pick(rng, COMMANDS)} ${owner} ${sentence(2, 6)}\n\`\`\`\n\n`;
    }
    markdownBytes += Buffer.byteLength(md);
    const started = performance.now();
    const sections = sectionsForSearch(md);
    sectionMs += performance.now() - started;
    entries.push({
      type: runbook ? 'runbook' : 'docs',
      title: `${owner} ${runbook ? 'runbook' : 'guide'}`,
      name: runbook ? 'runbook.md' : `guide-${d}.md`,
      kind: runbook ? 'runbook' : 'docs',
      path: `catalog/default/component/${owner}/${runbook ? 'runbook/' : `docs/guide-${d}/`}`,
      tags: [],
      text: sections
        .map((s) => s.heading)
        .join(' · ')
        .slice(0, 300),
      context: owner,
      sections,
    });
  }
  return { entries, names, alerts, markdownBytes, sectionMs };
}

/** One or two edits a person makes: a dropped, doubled or swapped letter. */
function typo(rng: Rng, w: string, edits: number): string {
  let out = w;
  for (let e = 0; e < edits; e++) {
    const i = intBetween(rng, 1, out.length - 2);
    const how = intBetween(rng, 0, 2);
    out =
      how === 0
        ? out.slice(0, i) + out.slice(i + 1)
        : how === 1
          ? out.slice(0, i) + out[i] + out.slice(i)
          : out.slice(0, i) + out[i + 1] + out[i] + out.slice(i + 2);
  }
  return out;
}

function querySet(corpus: Corpus, seed: number): Record<string, string[]> {
  const rng = createRng(seed + 1);
  const some = <T>(items: readonly T[], n: number) => Array.from({ length: n }, () => pick(rng, items));
  return {
    exact: some(corpus.names, 20),
    typo: some(NOUNS, 20).map((n) => typo(rng, n, n.length >= 8 ? 2 : 1)),
    identifier: some(corpus.alerts, 20),
    prefix: some(NOUNS, 20).map((n) => n.slice(0, intBetween(rng, 2, 4))),
    words: some(corpus.names, 20).map((n) => `${n.split('-')[0]} ${pick(rng, ROLES)} error`),
  };
}

type Ranker = {
  prepare: (entries: SearchEntry[]) => unknown;
  rank: (index: unknown, q: string, limit: number) => unknown[];
  pack: (entries: SearchEntry[]) => unknown;
};

/** The ranker of an earlier commit, copied out of git into a temporary tree beside its one import. */
async function baselineRanker(rev: string): Promise<Ranker> {
  const dir = mkdtempSync(join(tmpdir(), 'atrium-search-bench-'));
  onCleanup('baseline ranker', () => rmSync(dir, { recursive: true, force: true }));
  for (const file of ['search/rank.ts', 'catalog/search-terms.ts']) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), execFileSync('git', ['-C', REPO, 'show', `${rev}:src/${file}`]));
  }
  const m = (await import(join(dir, 'search/rank.ts'))) as {
    prepareEntries: Ranker['prepare'];
    rankEntries: Ranker['rank'];
    packIndex: Ranker['pack'];
  };
  return { prepare: m.prepareEntries, rank: m.rankEntries, pack: m.packIndex };
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
const ms = (v: number) => `${v.toFixed(2)} ms`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

function measure(label: string, ranker: Ranker, corpus: Corpus, queries: Record<string, string[]>, rounds: number) {
  let started = performance.now();
  const index = ranker.prepare(corpus.entries);
  const buildMs = performance.now() - started;
  started = performance.now();
  const packed = Buffer.from(JSON.stringify(ranker.pack(corpus.entries)));
  const packMs = performance.now() - started;
  const gzipped = gzipSync(packed).length;
  for (const list of Object.values(queries)) for (const q of list) ranker.rank(index, q, 12); // warm-up
  const all: number[] = [];
  const rows: string[] = [];
  for (const [kind, list] of Object.entries(queries)) {
    const times: number[] = [];
    let hits = 0;
    for (let r = 0; r < rounds; r++)
      for (const q of list) {
        const t = performance.now();
        const found = ranker.rank(index, q, 12);
        times.push(performance.now() - t);
        if (r === 0 && found.length > 0) hits++;
      }
    times.sort((a, b) => a - b);
    all.push(...times);
    rows.push(
      `  ${kind.padEnd(11)} p50 ${ms(percentile(times, 50)).padStart(9)}  p99 ${ms(percentile(times, 99)).padStart(9)}  max ${ms(times[times.length - 1] as number).padStart(9)}  found ${hits}/${list.length}  e.g. "${list[0]}"`,
    );
  }
  all.sort((a, b) => a - b);
  log(`${label}`);
  log(`  build ${ms(buildMs)}, pack ${ms(packMs)}; index ${mib(packed.length)} raw, ${mib(gzipped)} gzipped`);
  for (const row of rows) log(row);
  log(`  all         p50 ${ms(percentile(all, 50)).padStart(9)}  p99 ${ms(percentile(all, 99)).padStart(9)}`);
  return { p99: percentile(all, 99), gzipped };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      entities: { type: 'string', default: '50000' },
      docs: { type: 'string', default: '5000' },
      rounds: { type: 'string', default: '20' },
      seed: { type: 'string', default: '1' },
      baseline: { type: 'string', default: DEFAULT_BASELINE },
    },
  });
  const seed = numberFlag('seed', values.seed, 0);
  const started = performance.now();
  const corpus = generate(numberFlag('entities', values.entities, 1), numberFlag('docs', values.docs, 0), seed);
  log(
    `corpus: ${corpus.entries.length} entries (${values.entities} entities, ${values.docs} documents, ${mib(corpus.markdownBytes)} of Markdown) in ${ms(performance.now() - started)}; sections extracted in ${ms(corpus.sectionMs)}`,
  );
  const queries = querySet(corpus, seed);
  const rounds = numberFlag('rounds', values.rounds, 1);
  const current = measure(
    'current ranker (full text, typos, identifiers)',
    { prepare: prepareEntries, rank: (i, q, l) => rankEntries(i as never, q, l), pack: packIndex },
    corpus,
    queries,
    rounds,
  );
  measure(`baseline ranker (${values.baseline})`, await baselineRanker(values.baseline), corpus, queries, rounds);
  const latencyOk = current.p99 <= 10;
  const sizeOk = current.gzipped <= 5 * 1024 * 1024;
  log(`targets: query p99 <= 10 ms ${verdict(latencyOk)}; index <= 5 MB gzipped ${verdict(sizeOk)}`);
  return latencyOk && sizeOk ? 0 : 1;
}

await runBenchmark('search benchmark', main, false);
