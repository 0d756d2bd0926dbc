#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node's own test runner (Node 20 has no
// glob support in `node --test`, so the files are listed here). Before that it checks
// PostgreSQL: store tests run on both databases, and the summary must say plainly when
// the PostgreSQL half could not run. ATRIUM_REQUIRE_POSTGRES=1 (set by .ci/run) makes it
// mandatory. Browser tests need Debian's chromium at /usr/bin/chromium (or
// ATRIUM_CHROMIUM); without it they are skipped and the summary says so, unless
// ATRIUM_REQUIRE_CHROMIUM=1 (also set by .ci/run). It ends with the run's wall time.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import pg from 'pg';

const started = performance.now();

function collect(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name.startsWith('.') || name === 'fixtures') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const url = process.env.ATRIUM_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
let postgres = 'available';
const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
try {
  await client.connect();
  await client.query('select 1');
} catch (err) {
  postgres = `unreachable (${err.message})`;
} finally {
  await client.end().catch(() => {});
}
const env = { ...process.env };
if (postgres === 'available') {
  env.ATRIUM_TEST_POSTGRES_URL = url;
} else if (process.env.ATRIUM_REQUIRE_POSTGRES === '1') {
  console.error(`PostgreSQL is required (ATRIUM_REQUIRE_POSTGRES=1) but ${url} is ${postgres}.`);
  process.exit(1);
} else {
  delete env.ATRIUM_TEST_POSTGRES_URL;
  console.log(`NOTE: PostgreSQL at ${url} is ${postgres}: the PostgreSQL half of every store test is SKIPPED.`);
}

const chromium = process.env.ATRIUM_CHROMIUM ?? '/usr/bin/chromium';
const hasChromium = existsSync(chromium);
if (!hasChromium) {
  if (process.env.ATRIUM_REQUIRE_CHROMIUM === '1') {
    console.error(
      `Chromium is required (ATRIUM_REQUIRE_CHROMIUM=1) but ${chromium} does not exist: apt-get install -y chromium`,
    );
    process.exit(1);
  }
  console.log(
    `NOTE: ${chromium} not found: the browser tests (accessibility, keyboard, offline) are SKIPPED. apt-get install -y chromium to run them.`,
  );
}
env.ATRIUM_CHROMIUM = hasChromium ? chromium : '';

// The SLO tests run Debian's Prometheus and promtool; without them those tests skip, and say so here too.
const prometheusTools = ['/usr/bin/prometheus', '/usr/bin/promtool'].filter((tool) => !existsSync(tool));
if (prometheusTools.length > 0)
  console.log(
    `NOTE: ${prometheusTools.join(' and ')} not found: the Prometheus tests (SLO sources, rules) are SKIPPED. apt-get install -y prometheus to run them.`,
  );

// The OpenFeature provider is tested as applications import it: the built `atrium/openfeature`.
// Tests that run bin/atrium.js run the CLI as users do: from its bundle, built here from the sources under test.
for (const script of ['build-openfeature.js', 'build-cli.js']) {
  const built = spawnSync(process.execPath, [join(import.meta.dirname, script)], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

const files = process.argv.length > 2 ? process.argv.slice(2) : [...collect('src', []), ...collect('test', [])];
// Starting a process for a test file, with its TypeScript loader and the server's module
// graph, costs about two seconds of CPU (more under load): for the 122 files in test/ that
// was a sixth of the run (8m48s before these groups, 7m28s after, on the same tree). So
// files share processes, each imported by one generated entry file: the unit tests beside
// the code all in one; the tests in test/ (servers, databases, child processes) a few at a
// time, each file inside a suite of its own name so that its top-level hooks start and stop
// its resources around its own tests only. Browser suites keep a process each (they are
// long, and each starting early keeps the three slots busy), and so does a file that says
// `// own-process:` (why) on its first line: one that looks at the whole process, where
// other files' leftovers would be.
const GROUP_SIZE = 8;
const entriesDir = mkdtempSync(join(tmpdir(), 'atrium-tests-'));
const href = (f) => JSON.stringify(pathToFileURL(resolve(f)).href);
// Node's runner starts the files it is given in the order of their paths, whatever order
// they are given in: every entry is a file here, its name starting with its place, so the
// longest start first (the unit tests' one process, then the browser suites) and the
// short groups fill the end, instead of a browser suite starting last.
const entries = [];
const entryFile = (name, lines) => {
  const entry = join(entriesDir, `${String(entries.length).padStart(3, '0')}-${name}.test.mjs`);
  writeFileSync(entry, lines.join('\n'));
  entries.push(entry);
};
const units = files.filter((f) => f.startsWith('src/'));
const suites = files.filter((f) => !units.includes(f));
const alone = suites.filter(
  (f) => basename(f).startsWith('browser-') || readFileSync(f, 'utf8').startsWith('// own-process:'),
);
const grouped = suites.filter((f) => !alone.includes(f));
if (units.length > 0)
  entryFile(
    'unit-tests',
    units.map((f) => `import ${href(f)};`),
  );
for (const f of alone) entryFile(basename(f, '.test.ts'), [`import ${href(f)};`]);
for (let i = 0; i < grouped.length; i += GROUP_SIZE) {
  const group = grouped.slice(i, i + GROUP_SIZE);
  entryFile(`tests-${i / GROUP_SIZE + 1}`, [
    "import { describe } from 'node:test';",
    ...group.map((f) => `describe(${JSON.stringify(f)}, () => import(${href(f)}));`),
  ]);
}
// Three files at a time on two cores: much of a test's time is spent waiting on PostgreSQL,
// a browser or a child process, so a third file uses idle core time (9m35s with two at a
// time, 9m21s with three, on the same tree, before the unit tests shared a process).
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=3', '--test-reporter=spec', ...entries],
  { stdio: 'inherit', env },
);
rmSync(entriesDir, { recursive: true, force: true });
if (postgres !== 'available') {
  console.log('NOTE: PostgreSQL suite skipped (see above). Set ATRIUM_TEST_POSTGRES_URL to run it.');
}
if (!hasChromium) console.log('NOTE: browser tests skipped (see above).');
if (prometheusTools.length > 0) console.log('NOTE: Prometheus tests skipped (see above).');
// After node's own summary, which CI reads: how long the whole run took, to keep an eye on as the suite grows.
const seconds = Math.round((performance.now() - started) / 1000);
console.log(`wall time: ${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`);
process.exit(result.status ?? 1);
