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
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { chance, createRng, intBetween, pick, type Rng } from '../src/platform/prng.ts';
import MiniSearch, { type AsPlainObject, type Options } from 'minisearch';
import { identifierTerms } from '../src/catalog/search-terms.ts';
import {
  loadPackedIndex,
  maxEdits,
  packIndex,
  type PreparedIndex,
  prepareEntries,
  rankEntries,
  type SearchEntry,
} from '../src/search/rank.ts';
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
  /** Each alert: the paths of the documents whose alert table lists it. */
  alertDocs: Map<string, Set<string>>;
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
  const alertDocs = new Map<string, Set<string>>();
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
    const path = `catalog/default/component/${owner}/${runbook ? 'runbook/' : `docs/guide-${d}/`}`;
    for (const alert of docAlerts) {
      const docs = alertDocs.get(alert) ?? new Set();
      docs.add(path);
      alertDocs.set(alert, docs);
    }
    entries.push({
      type: runbook ? 'runbook' : 'docs',
      title: `${owner} ${runbook ? 'runbook' : 'guide'}`,
      name: runbook ? 'runbook.md' : `guide-${d}.md`,
      kind: runbook ? 'runbook' : 'docs',
      path,
      tags: [],
      text: sections
        .map((s) => s.heading)
        .join(' · ')
        .slice(0, 300),
      context: owner,
      sections,
    });
  }
  return { entries, names, alerts, alertDocs, markdownBytes, sectionMs };
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

/** What the relevance check reads of a result. */
interface Hit {
  path: string;
  name: string;
  title: string;
  context: string;
}

/** A query and what its first result must be to count as relevant. */
interface Query {
  q: string;
  relevant: (top: Hit) => boolean;
}

const words = (hit: Hit) => identifierTerms(`${hit.name} ${hit.title}`);

/**
 * The fixed query mix, 20 of each class, with the judgement of a first result from what the
 * generator knows: the named entity; an entry named with the word a typo was made in; a
 * document whose alert table lists the pasted alert; an entry with a word the prefix starts;
 * for `<noun> <role> error`, an entry about both the noun and the role.
 */
function querySet(corpus: Corpus, seed: number): Record<string, Query[]> {
  const rng = createRng(seed + 1);
  const some = <T>(items: readonly T[], n: number) => Array.from({ length: n }, () => pick(rng, items));
  const pathOf = new Map(corpus.entries.filter((e) => e.type === 'entity').map((e) => [e.name, e.path]));
  return {
    exact: some(corpus.names, 20).map((name) => ({ q: name, relevant: (top) => top.path === pathOf.get(name) })),
    typo: some(NOUNS, 20).map((noun) => ({
      q: typo(rng, noun, noun.length >= 8 ? 2 : 1),
      relevant: (top) => words(top).includes(noun),
    })),
    identifier: some(corpus.alerts, 20).map((alert) => ({
      q: alert,
      relevant: (top) => corpus.alertDocs.get(alert)?.has(top.path) === true,
    })),
    prefix: some(NOUNS, 20).map((noun) => {
      const prefix = noun.slice(0, intBetween(rng, 2, 4));
      return { q: prefix, relevant: (top) => words(top).some((w) => w.startsWith(prefix)) };
    }),
    words: some(corpus.names, 20).map((name) => {
      const noun = name.split('-')[0] as string;
      const role = pick(rng, ROLES);
      return {
        q: `${noun} ${role} error`,
        relevant: (top) => {
          const about = identifierTerms(`${top.name} ${top.title} ${top.context}`);
          return about.includes(noun) && about.includes(role);
        },
      };
    }),
  };
}

/** One search implementation as the benchmark drives it. */
interface Ranker {
  label: string;
  build: (entries: SearchEntry[]) => unknown;
  rank: (index: unknown, q: string, limit: number) => Hit[];
  /** The index file a static export ships. */
  ship: (entries: SearchEntry[], index: unknown) => string;
  /** What a browser does with that file before its first query. */
  load: (shipped: string) => unknown;
}

const currentRanker: Ranker = {
  label: 'current ranker (src/search/rank.ts)',
  build: prepareEntries,
  rank: (index, q, limit) => rankEntries(index as PreparedIndex, q, limit),
  ship: (entries) => JSON.stringify(packIndex(entries)),
  load: (shipped) => loadPackedIndex(JSON.parse(shipped)),
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
    prepareEntries: (entries: SearchEntry[]) => unknown;
    rankEntries: (index: unknown, q: string, limit: number) => Hit[];
    packIndex: (entries: SearchEntry[]) => unknown;
    unpackIndex: (packed: unknown) => SearchEntry[];
  };
  return {
    label: `baseline ranker (${rev})`,
    build: m.prepareEntries,
    rank: m.rankEntries,
    ship: (entries) => JSON.stringify(m.packIndex(entries)),
    load: (shipped) => m.prepareEntries(m.unpackIndex(JSON.parse(shipped))),
  };
}

/** A MiniSearch document: an entity, or one section of a document (with the document's own fields, so AND spans them). */
interface MiniDoc {
  id: number;
  entry: number;
  section: number;
  name: string;
  title: string;
  tags: string;
  other: string;
  heading: string;
  body: string;
}

/**
 * MiniSearch 7 set up as close to the portal's rules as its options allow: the same word
 * rule (identifiers split), every word required, prefix search from 2 letters, fuzziness by
 * the same edit budget, field boosts in the ranker's proportions. One document per entity
 * and per section (for the anchors), grouped back to one result per entry. It ships its
 * serialised index plus the display columns the palette needs.
 */
function miniSearchRanker(): Ranker {
  const options: Options<MiniDoc> = {
    fields: ['name', 'title', 'tags', 'other', 'heading', 'body'],
    storeFields: ['entry', 'section'],
    tokenize: identifierTerms,
    processTerm: (term) => term,
    searchOptions: {
      combineWith: 'AND',
      prefix: (term) => term.length >= 2,
      fuzzy: (term) => maxEdits(term) || false,
      boost: { name: 6, title: 4.5, tags: 3.5, other: 1, heading: 3, body: 1 },
    },
  };
  const display = (entries: SearchEntry[]) => {
    const {
      words: _w,
      postings: _p,
      ...columns
    } = packIndex(entries.map((e) => ({ ...e, sections: e.sections?.map((x) => ({ ...x, text: '' })) })));
    return columns;
  };
  type Built = { mini: MiniSearch<MiniDoc>; entries: SearchEntry[] };
  const rank = ({ mini, entries }: Built, q: string, limit: number): Hit[] => {
    const seen = new Set<number>();
    const out: Hit[] = [];
    for (const r of mini.search(q)) {
      const i = r.entry as number;
      if (seen.has(i)) continue;
      seen.add(i);
      out.push(entries[i] as SearchEntry);
      if (out.length === limit) break;
    }
    return out;
  };
  return {
    label: 'MiniSearch 7.2.0',
    build: (entries) => {
      const mini = new MiniSearch<MiniDoc>(options);
      let id = 0;
      entries.forEach((e, entry) => {
        const fields = {
          entry,
          name: e.name,
          title: e.title,
          tags: e.tags.join(' '),
          other: `${e.text} ${e.context} ${e.kind}`,
        };
        if (!e.sections?.length) mini.add({ id: id++, section: -1, heading: '', body: '', ...fields });
        else
          e.sections.forEach((s, section) =>
            mini.add({ id: id++, section, heading: s.heading, body: s.text, ...fields }),
          );
      });
      return { mini, entries };
    },
    rank: (index, q, limit) => rank(index as Built, q, limit),
    ship: (entries, index) => JSON.stringify({ display: display(entries), index: (index as Built).mini }),
    load: (shipped) => {
      const { display: columns, index } = JSON.parse(shipped) as { display: unknown; index: AsPlainObject };
      return { columns, mini: MiniSearch.loadJS(index, options) };
    },
  };
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
const ms = (v: number) => `${v.toFixed(2)} ms`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

/** Percentiles of a sample of times. */
interface Spread {
  p50: number;
  p95: number;
  p99: number;
}

const spread = (times: number[]): Spread => {
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99) };
};
const spreadText = (s: Spread) =>
  `p50 ${ms(s.p50).padStart(9)}  p95 ${ms(s.p95).padStart(9)}  p99 ${ms(s.p99).padStart(9)}`;

interface Measured {
  label: string;
  buildMs: number;
  loadMs: number;
  raw: number;
  gzipped: number;
  wall: Spread;
  cpu: Spread;
  relevant: Record<string, number>;
}

/** CPU time of this process in ms: unlike wall time, it does not count the time other processes had the core. */
const cpuNow = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

function measure(ranker: Ranker, corpus: Corpus, queries: Record<string, Query[]>, rounds: number): Measured {
  let started = performance.now();
  const index = ranker.build(corpus.entries);
  const buildMs = performance.now() - started;
  const shipped = Buffer.from(ranker.ship(corpus.entries, index));
  const gzipped = gzipSync(shipped).length;
  started = performance.now();
  ranker.load(shipped.toString());
  const loadMs = performance.now() - started;
  for (const list of Object.values(queries)) for (const { q } of list) ranker.rank(index, q, 12); // warm-up
  const allWall: number[] = [];
  const allCpu: number[] = [];
  const rows: string[] = [];
  const relevant: Record<string, number> = {};
  for (const [kind, list] of Object.entries(queries)) {
    const wall: number[] = [];
    const cpu: number[] = [];
    let hits = 0;
    let good = 0;
    for (let r = 0; r < rounds; r++)
      for (const query of list) {
        const c = cpuNow();
        const t = performance.now();
        const found = ranker.rank(index, query.q, 12);
        wall.push(performance.now() - t);
        cpu.push(cpuNow() - c);
        if (r > 0) continue;
        if (found.length > 0) hits++;
        if (found[0] !== undefined && query.relevant(found[0])) good++;
      }
    relevant[kind] = good;
    allWall.push(...wall);
    allCpu.push(...cpu);
    rows.push(
      `  ${kind.padEnd(11)} wall ${spreadText(spread(wall))}  cpu p99 ${ms(spread(cpu).p99).padStart(9)}  found ${hits}/${list.length}  relevant first ${good}/${list.length}  e.g. "${list[0]?.q}"`,
    );
  }
  const result = {
    label: ranker.label,
    buildMs,
    loadMs,
    raw: shipped.length,
    gzipped,
    wall: spread(allWall),
    cpu: spread(allCpu),
    relevant,
  };
  log(ranker.label);
  log(`  build ${ms(buildMs)}; browser load ${ms(loadMs)}; index ${mib(shipped.length)} raw, ${mib(gzipped)} gzipped`);
  for (const row of rows) log(row);
  log(`  all         wall ${spreadText(result.wall)}`);
  log(`              cpu  ${spreadText(result.cpu)}`);
  return result;
}

/** The comparison as a Markdown table, for bench/README.md. */
function table(results: readonly Measured[]): string {
  const row = (label: string, cell: (m: Measured) => string) => `| ${label} | ${results.map(cell).join(' | ')} |`;
  const classes = Object.keys(results[0]?.relevant ?? {});
  return [
    `| | ${results.map((m) => m.label).join(' | ')} |`,
    `| --- | ${results.map(() => '---').join(' | ')} |`,
    row('index gzipped (raw)', (m) => `${mib(m.gzipped)} (${mib(m.raw)})`),
    row('build (server) / load (browser)', (m) => `${ms(m.buildMs)} / ${ms(m.loadMs)}`),
    row('query p50 / p95 / p99, wall time', (m) => `${ms(m.wall.p50)} / ${ms(m.wall.p95)} / ${ms(m.wall.p99)}`),
    row('query p50 / p95 / p99, CPU time', (m) => `${ms(m.cpu.p50)} / ${ms(m.cpu.p95)} / ${ms(m.cpu.p99)}`),
    row(`relevant first result (${classes.join(' / ')}, of 20 each)`, (m) =>
      classes.map((c) => m.relevant[c]).join(' / '),
    ),
  ].join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      entities: { type: 'string', default: '50000' },
      docs: { type: 'string', default: '5000' },
      rounds: { type: 'string', default: '20' },
      seed: { type: 'string', default: '1' },
      baseline: { type: 'string', default: DEFAULT_BASELINE },
      'skip-minisearch': { type: 'boolean', default: false },
    },
  });
  const seed = numberFlag('seed', values.seed, 0);
  log(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${availableParallelism()} cores`,
  );
  const started = performance.now();
  const corpus = generate(numberFlag('entities', values.entities, 1), numberFlag('docs', values.docs, 0), seed);
  log(
    `corpus: ${corpus.entries.length} entries (${values.entities} entities, ${values.docs} documents, ${mib(corpus.markdownBytes)} of Markdown) in ${ms(performance.now() - started)}; sections extracted in ${ms(corpus.sectionMs)}`,
  );
  const queries = querySet(corpus, seed);
  const rounds = numberFlag('rounds', values.rounds, 1);
  const results = [measure(currentRanker, corpus, queries, rounds)];
  results.push(measure(await baselineRanker(values.baseline), corpus, queries, rounds));
  if (!values['skip-minisearch']) results.push(measure(miniSearchRanker(), corpus, queries, rounds));
  log(
    `load average at end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  log(`\n${table(results)}\n`);
  const current = results[0] as Measured;
  // On a machine shared past its cores, wall time mostly measures waiting for a core: the
  // target is judged on CPU time then, and both are printed.
  const busy = (loadavg()[0] as number) > availableParallelism();
  const latency = busy ? current.cpu.p99 : current.wall.p99;
  const latencyOk = latency <= 10;
  const sizeOk = current.gzipped <= 5 * 1024 * 1024;
  log(
    `targets: query p99 <= 10 ms ${verdict(latencyOk)} (${busy ? 'CPU time: the machine is loaded past its cores' : 'wall time'}: ${ms(latency)}; wall p99 ${ms(current.wall.p99)}); index <= 5 MB gzipped ${verdict(sizeOk)} (${mib(current.gzipped)})`,
  );
  return latencyOk && sizeOk ? 0 : 1;
}

await runBenchmark('search benchmark', main, false);
