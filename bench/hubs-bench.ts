/**
 * Hubs (issue #20): the static export of a catalog with dependency hubs against the same-size
 * catalog with uniform dependencies, built in the same run, cold `atrium build` processes
 * each. The hub catalog has one service that a fifth of the catalog depends on and one API
 * that as many consume (about 2,000 each at 10,000 entities: generate-catalog.ts
 * --dependencies hubs); the baseline draws every dependency uniformly (--dependencies uniform).
 *
 * Prints, for each: export time and pages/s, output size, the largest entity page, the hubs'
 * entity pages, the largest graph page and the slowest graph page's render time (rendered
 * again in this process from a snapshot of the exported database: the hubs' graph pages and
 * the largest one written). Targets: hubs export time <= 1.5x the baseline's; no entity page
 * over 150 KB.
 *
 *   node --import tsx bench/hubs-bench.ts [--entities 10000] [--seed 1] [--keep]
 *
 * Exit status: 0 every target met, 1 some target missed, 2 the benchmark itself failed.
 */
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { entitySections } from '../src/capabilities.ts';
import { CatalogSnapshot } from '../src/catalog/snapshot.ts';
import { CatalogStore } from '../src/catalog/store.ts';
import { openDatabase } from '../src/platform/db/connect.ts';
import { externalRefs } from '../src/platform/external-refs.ts';
import { loadAssets } from '../src/portal/assets.ts';
import { loadSiteEntities, renderPage, type PortalData } from '../src/portal/site-map.ts';
import type { Site } from '../src/web/site.ts';
import { describeCatalog, generateCatalog, type DependencyShape, type GeneratedCatalog } from './generate-catalog.ts';
import { log, mb, numberFlag, onCleanup, runAtrium, runBenchmark, sec, verdict, type ChildResult } from './support.ts';

const TARGETS = { exportRatio: 1.5, entityPageKb: 150 };

const { values: flags } = parseArgs({
  options: {
    entities: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});
if (flags.help) {
  process.stdout.write('Usage: node --import tsx bench/hubs-bench.ts [--entities 10000] [--seed 1] [--keep]\n');
  process.exit(0);
}
const opts = {
  entities: Math.round(numberFlag('entities', flags.entities, 200)),
  seed: Math.round(numberFlag('seed', flags.seed, 0)),
  keep: flags.keep ?? false,
};

interface BuildReport {
  pages: number;
  files: number;
  bytes: number;
  durationMs: number;
  workers: number;
}

interface PageFile {
  path: string;
  bytes: number;
}

interface ShapeResult {
  shape: DependencyShape;
  catalog: GeneratedCatalog;
  build: ChildResult;
  report: BuildReport;
  largestEntity: PageFile;
  largestGraph: PageFile;
  hubPages: PageFile[];
  relationPages: number;
  slowestGraph: { path: string; ms: number };
}

function parseLastJson<T>(label: string, result: ChildResult): T {
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(`${label} failed: exit ${result.code ?? result.signal}\n${result.stderr.slice(-3000)}`);
  }
}

/** `catalog/<ns>/<kind>/<name>/` of a generated entity (default namespace). */
const entityDir = (ref: string) => {
  const [kind, name] = ref.split(':') as [string, string];
  return `catalog/default/${kind}/${name}/`;
};

async function scan(out: string): Promise<{ entity: PageFile; graph: PageFile; relationPages: number }> {
  let entity: PageFile = { path: '', bytes: 0 };
  let graph: PageFile = { path: '', bytes: 0 };
  let relationPages = 0;
  for (const f of await readdir(join(out, 'catalog'), { recursive: true })) {
    if (!f.endsWith('index.html')) continue;
    // <namespace>/<kind>/<name>/index.html, …/graph/index.html, …/relations/<relation>/…
    const parts = f.split(sep);
    const isEntity = parts.length === 4 && parts[0] !== 'page';
    const isGraph = parts.length === 5 && parts[3] === 'graph';
    if (parts[3] === 'relations') relationPages++;
    if (!isEntity && !isGraph) continue;
    const { size } = await stat(join(out, 'catalog', f));
    const path = `catalog/${parts.slice(0, -1).join('/')}/`;
    if (isEntity && size > entity.bytes) entity = { path, bytes: size };
    if (isGraph && size > graph.bytes) graph = { path, bytes: size };
  }
  return { entity, graph, relationPages };
}

/** Renders each graph page again in this process from the exported database, the slowest first. */
async function timeGraphPages(database: string, paths: string[]): Promise<{ path: string; ms: number }> {
  const db = await openDatabase(database);
  try {
    const store = CatalogSnapshot.fromRows(await new CatalogStore(db).readAll());
    const site: Site = {
      basePath: '/',
      mode: 'static',
      assets: (await loadAssets()).names,
      entities: await loadSiteEntities(store, externalRefs([])),
    };
    const data: PortalData = {
      store,
      searchIndex: () => Promise.reject(new Error('graph pages read no search index')),
      sections: entitySections,
    };
    let slowest = { path: '', ms: 0 };
    // Twice each, the second timed: the first pays for compiling the code, not for the page.
    for (const path of paths)
      for (let round = 0; round < 2; round++) {
        const started = performance.now();
        const result = await renderPage(data, site, path, new URLSearchParams());
        const ms = performance.now() - started;
        if (result.status !== 200) throw new Error(`${path} rendered as ${result.status}`);
        if (round === 1 && ms > slowest.ms) slowest = { path, ms };
      }
    return slowest;
  } finally {
    await db.close();
  }
}

async function runShape(work: string, shape: DependencyShape): Promise<ShapeResult> {
  log(`== ${shape}: generate ${opts.entities} entities, sync, build`);
  const catalogDir = join(work, `catalog-${shape}`);
  const database = join(work, `${shape}.db`);
  const catalog = await generateCatalog({
    entities: opts.entities,
    outDir: catalogDir,
    seed: opts.seed,
    dependencies: shape,
  });
  log(describeCatalog(catalog));
  const sync = await runAtrium(
    ['sync', '--catalog', catalogDir, '--database', database, '--format', 'json'],
    work,
    shape,
  );
  if (sync.code !== 0 && sync.code !== 65)
    throw new Error(`atrium sync exited ${sync.code}: ${sync.stderr.slice(-2000)}`);
  log(`sync: ${sec(sync.wallMs)}`);
  // The database alone: the export's own time, without a second sync of the catalog.
  const out = join(work, `out-${shape}`);
  const build = await runAtrium(['build', '--database', database, '--out', out, '--format', 'json'], work, shape);
  if (build.code !== 0) throw new Error(`atrium build exited ${build.code}: ${build.stderr.slice(-2000)}`);
  const report = parseLastJson<BuildReport>('atrium build', build);
  const { entity, graph, relationPages } = await scan(out);
  const hubRefs = [...catalog.hubs.slice(0, 1).map((h) => h.ref), ...catalog.hubApis.slice(0, 1).map((h) => h.ref)];
  const hubPages = await Promise.all(
    hubRefs.map(async (ref) => ({
      path: entityDir(ref),
      bytes: (await stat(join(out, entityDir(ref), 'index.html'))).size,
    })),
  );
  const slowestGraph = await timeGraphPages(database, [
    ...new Set([...hubRefs.map((ref) => `${entityDir(ref)}graph/`), graph.path]),
  ]);
  const rate = (report.pages / report.durationMs) * 1000;
  log(
    `build: ${report.pages} pages (${relationPages} relation list pages) in ${sec(report.durationMs)} = ${rate.toFixed(0)} pages/s ` +
      `(process wall ${sec(build.wallMs)}, peak RSS ${mb(build.peakRssMb)}, ${report.workers} threads); ${(report.bytes / 1e6).toFixed(1)} MB`,
  );
  log(`largest entity page: ${entity.path} ${(entity.bytes / 1024).toFixed(1)} KB`);
  for (const p of hubPages) log(`hub page: ${p.path} ${(p.bytes / 1024).toFixed(1)} KB`);
  log(`largest graph page: ${graph.path} ${(graph.bytes / 1024).toFixed(1)} KB`);
  log(
    `slowest graph page render (hubs' and the largest, in process): ${slowestGraph.path} ${slowestGraph.ms.toFixed(1)} ms`,
  );
  log();
  return {
    shape,
    catalog,
    build,
    report,
    largestEntity: entity,
    largestGraph: graph,
    hubPages,
    relationPages,
    slowestGraph,
  };
}

async function main(): Promise<number> {
  const work = await mkdtemp(join(tmpdir(), 'atrium-hubs-bench-'));
  if (!opts.keep) onCleanup('temp dir', () => rm(work, { recursive: true, force: true }));
  await mkdir(work, { recursive: true });
  log(
    `Atrium hubs benchmark, ${new Date().toISOString()}: ${opts.entities} entities, seed ${opts.seed}; node ${process.version}; ` +
      `${availableParallelism()} x ${cpus()[0]?.model ?? 'unknown CPU'}; load average ${loadavg()[0]?.toFixed(2)}; work dir ${work}`,
  );
  log(`command: node --import tsx bench/hubs-bench.ts ${process.argv.slice(2).join(' ')}`.trimEnd());
  log();
  const uniform = await runShape(work, 'uniform');
  const hubs = await runShape(work, 'hubs');
  const ratio = hubs.report.durationMs / uniform.report.durationMs;
  const largest = Math.max(uniform.largestEntity.bytes, hubs.largestEntity.bytes) / 1024;
  const ok = [ratio <= TARGETS.exportRatio, largest <= TARGETS.entityPageKb];
  log(
    `SUMMARY hubs: export ${sec(hubs.report.durationMs)} vs uniform ${sec(uniform.report.durationMs)} = ${ratio.toFixed(2)}x ` +
      `(target <= ${TARGETS.exportRatio}x: ${verdict(ok[0])}); pages/s ${((hubs.report.pages / hubs.report.durationMs) * 1000).toFixed(0)} vs ` +
      `${((uniform.report.pages / uniform.report.durationMs) * 1000).toFixed(0)}; largest entity page ${largest.toFixed(1)} KB ` +
      `(target <= ${TARGETS.entityPageKb} KB: ${verdict(ok[1])}); hub pages ${hubs.hubPages.map((p) => `${(p.bytes / 1024).toFixed(1)} KB`).join(', ')}; ` +
      `slowest graph page ${hubs.slowestGraph.ms.toFixed(1)} ms vs ${uniform.slowestGraph.ms.toFixed(1)} ms; load average ${loadavg()[0]?.toFixed(2)}`,
  );
  return ok.every(Boolean) ? 0 : 1;
}

await runBenchmark('hubs-bench', main, opts.keep);
