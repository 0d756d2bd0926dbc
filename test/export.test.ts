import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../src/main.ts';
import { CatalogStore } from '../src/catalog/store.ts';
import { openDatabase } from '../src/platform/db/connect.ts';
import { CAPABILITIES_MODULE, entitySections } from '../src/capabilities.ts';
import { exportSite } from '../src/portal/export.ts';
import { loadPackedIndex, rankEntries, type PackedIndex } from '../src/search/rank.ts';
import type { CommandIO } from '../src/cli/io.ts';
import { tempDir, writeFile } from './support/catalog.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/portal', import.meta.url));
const DANGLING = fileURLToPath(new URL('./fixtures/dangling', import.meta.url));
const BASE = '/portal/';

async function run(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CommandIO = { out: (t) => void (out += t), err: (t) => void (err += t), env: {}, cwd };
  return { code: await main(args, io), out, err };
}

/** The file a static server would answer for a URL path under the base path. */
function fileFor(out: string, pathname: string): string | undefined {
  if (!pathname.startsWith(BASE)) return undefined;
  const rest = decodeURIComponent(pathname.slice(BASE.length));
  const file = join(out, rest, rest === '' || rest.endsWith('/') ? 'index.html' : '');
  return existsSync(file) && statSync(file).isFile() ? file : undefined;
}

const ATTRIBUTE = /\s(?:href|src|action)="([^"]*)"/g;
const unescapeHtml = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');

/**
 * Follows every internal link, script, stylesheet and form from the home page, the way a
 * static file server would answer them, and checks each fragment names an element of its page.
 */
function crawl(out: string): { pages: Set<string>; broken: string[] } {
  const origin = 'http://static.example';
  const pages = new Set<string>();
  const broken: string[] = [];
  const queue = [`${origin}${BASE}`];
  const idsOf = new Map<string, Set<string>>();
  const fragments: { from: string; file: string; id: string }[] = [];
  while (queue.length) {
    const url = new URL(queue.pop() as string);
    if (pages.has(url.pathname)) continue;
    pages.add(url.pathname);
    const file = fileFor(out, url.pathname);
    // Every link to a missing file is reported where it is made (below), one line per link.
    if (!file) continue;
    if (!file.endsWith('.html')) continue;
    const html = readFileSync(file, 'utf8');
    idsOf.set(file, new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => unescapeHtml(m[1] as string))));
    for (const [, raw] of html.matchAll(ATTRIBUTE)) {
      const target = new URL(unescapeHtml(raw as string), url);
      if (target.origin !== origin) continue;
      if (target.search)
        broken.push(`${url.pathname} links to ${target.pathname}${target.search}: a static server ignores the query`);
      if (target.hash)
        fragments.push({
          from: url.pathname,
          file: fileFor(out, target.pathname) ?? target.pathname,
          id: decodeURIComponent(target.hash.slice(1)),
        });
      if (!fileFor(out, target.pathname)) broken.push(`${url.pathname} links to ${target.pathname}, which is no file`);
      if (!pages.has(target.pathname)) queue.push(`${origin}${target.pathname}`);
    }
  }
  for (const f of fragments) {
    const ids = idsOf.get(f.file);
    if (ids && !ids.has(f.id)) broken.push(`${f.from} links to #${f.id}, which ${f.file} does not have`);
  }
  return { pages, broken };
}

describe('static export (atrium build)', () => {
  test('every internal link of the export resolves under its base path, anchors included', async (t) => {
    const dir = tempDir(t);
    const out = join(dir, 'site');
    const result = await run(
      [
        'build',
        '--catalog',
        FIXTURE,
        '--database',
        join(dir, 'db.sqlite'),
        '--out',
        out,
        '--base-path',
        'portal',
        '--format',
        'json',
      ],
      dir,
    );
    assert.equal(result.code, 0, result.err);
    const report = JSON.parse(result.out) as { pages: number; files: number; basePath: string };
    assert.equal(report.basePath, BASE);
    const { pages, broken } = crawl(out);
    assert.deepEqual(broken, []);
    for (const kind of ['component', 'api', 'resource', 'system', 'domain', 'group', 'user', 'location']) {
      assert.ok(
        [...pages].some((p) => p.startsWith(`${BASE}catalog/default/${kind}/`)),
        `reached a ${kind} page`,
      );
    }
    for (const path of [
      'catalog/default/component/payment-service/docs/guides/deploy/',
      'catalog/default/component/payment-service/runbook/',
      'catalog/default/component/ledger/graph/',
      'problems/',
      'search/',
      'browse/tag/java/',
    ]) {
      assert.ok(pages.has(`${BASE}${path}`), `reached ${path}`);
    }
    assert.ok(report.pages >= 13 * 2, 'every entity and its graph');
    const home = readFileSync(join(out, 'index.html'), 'utf8');
    assert.match(home, /<meta name="atrium-mode" content="static">/);
    assert.doesNotMatch(home, /id="recent"/, 'a static copy has no change events, so no feed');
    // The list agrees with the live one: components first, every kind one click away.
    const list = readFileSync(join(out, 'catalog/index.html'), 'utf8');
    assert.match(list, /<h1>Kind: component<\/h1>/);
    assert.match(list, /of <strong>4<\/strong> entities/);
    assert.match(list, /<a href="\/portal\/browse\/kind\/all\/"><span>All kinds<\/span><\/a>/);
    assert.match(readFileSync(join(out, 'browse/kind/all/index.html'), 'utf8'), /of <strong>15<\/strong> entities/);
    assert.ok(!existsSync(join(out, 'browse/kind/component')), 'one path per view: the components are catalog/');
    assert.ok(existsSync(join(out, '404.html')));
  });

  test('odd names (long facet values, escapes in file names, namespaces, user owners, + and # in tags) still link to real files', async (t) => {
    const dir = tempDir(t);
    const long = 'Data Pipeline '.repeat(12).trim();
    writeFile(
      dir,
      'catalog/catalog-info.yaml',
      [
        'apiVersion: backstage.io/v1alpha1',
        'kind: Component',
        'metadata:',
        '  name: odd.name_1',
        '  namespace: ops-team',
        '  tags: [c++, c#, "a:b"]',
        '  annotations:',
        '    backstage.io/techdocs-ref: dir:.',
        'spec:',
        `  type: ${long}`,
        '  lifecycle: "Live % Now #1?"',
        '  owner: user:ops-team/jane',
        '---',
        'apiVersion: backstage.io/v1alpha1',
        'kind: User',
        'metadata:',
        '  name: jane',
        '  namespace: ops-team',
        'spec:',
        '  memberOf: []',
        '',
      ].join('\n'),
    );
    writeFile(
      dir,
      'catalog/docs/index.md',
      '# Odd\n\n[percent](100%25-uptime.md) [hash](faq%231.md) [space](with%20space.md)\n',
    );
    writeFile(dir, 'catalog/docs/100%-uptime.md', '# Uptime\n\n[back](index.md)\n');
    writeFile(dir, 'catalog/docs/faq#1.md', '# FAQ\n');
    writeFile(dir, 'catalog/docs/with space.md', '# Space\n');
    const out = join(dir, 'site');
    const result = await run(
      [
        'build',
        '--catalog',
        join(dir, 'catalog'),
        '--database',
        join(dir, 'db.sqlite'),
        '--out',
        out,
        '--base-path',
        BASE,
      ],
      dir,
    );
    assert.equal(result.code, 0, result.err);
    const { pages, broken } = crawl(out);
    assert.deepEqual(broken, []);
    assert.ok(pages.has(`${BASE}catalog/ops-team/component/odd.name_1/docs/100%25-uptime/`));
    assert.ok(pages.has(`${BASE}catalog/ops-team/component/odd.name_1/docs/faq%231/`));
    assert.ok(pages.has(`${BASE}catalog/ops-team/component/odd.name_1/docs/with%20space/`));
    assert.ok([...pages].some((p) => p.startsWith(`${BASE}browse/tag/c_2B_2B/`)));
    assert.ok(pages.has(`${BASE}catalog/ops-team/user/jane/`));
  });

  test('a catalog with dangling references has no broken link: a missing entity is text with a badge, never a link', async (t) => {
    const dir = tempDir(t);
    const out = join(dir, 'site');
    writeFile(dir, 'atrium.yaml', 'catalog:\n  externalRefs: ["user:*"]\n');
    const result = await run(
      ['build', '--catalog', DANGLING, '--database', join(dir, 'db.sqlite'), '--out', out, '--base-path', BASE],
      dir,
    );
    assert.equal(result.code, 0, result.err);
    const { pages, broken } = crawl(out);
    assert.deepEqual(broken, []);
    for (const path of [
      'catalog/default/component/invoices/',
      'catalog/default/component/invoices/graph/',
      'catalog/default/group/billing-team/',
      'catalog/default/api/invoices-api/',
      'problems/',
    ])
      assert.ok(pages.has(`${BASE}${path}`), `reached ${path}`);
    const invoices = readFileSync(join(out, 'catalog/default/component/invoices/index.html'), 'utf8');
    assert.match(invoices, /tax-engine <span class="badge badge-warn">not in the catalog<\/span>/);
    const team = readFileSync(join(out, 'catalog/default/group/billing-team/index.html'), 'utf8');
    assert.match(team, /jane <span class="badge badge-quiet">external<\/span>/, 'user:* is known to live elsewhere');
  });

  test('worker threads write the same site as the main thread alone', async (t) => {
    const dir = tempDir(t);
    const db = join(dir, 'db.sqlite');
    assert.equal((await run(['sync', '--catalog', FIXTURE, '--database', db], dir)).code, 0);
    const database = await openDatabase(db);
    t.after(() => database.close());
    const store = new CatalogStore(database);
    const inline = await exportSite({
      store,
      catalogDir: FIXTURE,
      out: join(dir, 'inline'),
      basePath: BASE,
      sections: entitySections,
      sectionsModule: CAPABILITIES_MODULE,
      workers: 0,
    });
    const threaded = await exportSite({
      store,
      catalogDir: FIXTURE,
      out: join(dir, 'threaded'),
      basePath: BASE,
      sections: entitySections,
      sectionsModule: CAPABILITIES_MODULE,
      workers: 2,
    });
    assert.equal(inline.workers, 0);
    assert.equal(threaded.workers, 2);
    assert.deepEqual(
      { pages: threaded.pages, files: threaded.files, bytes: threaded.bytes },
      { pages: inline.pages, files: inline.files, bytes: inline.bytes },
    );
    const list = (root: string) => readdirSync(root, { recursive: true, encoding: 'utf8' }).sort();
    assert.deepEqual(list(join(dir, 'threaded')), list(join(dir, 'inline')));
    for (const file of list(join(dir, 'inline')).filter((f) => f.endsWith('.html'))) {
      assert.equal(
        readFileSync(join(dir, 'threaded', file), 'utf8'),
        readFileSync(join(dir, 'inline', file), 'utf8'),
        file,
      );
    }
  });

  test('the export carries the search index, the worker, the manifest and the offline list', async (t) => {
    const dir = tempDir(t);
    const out = join(dir, 'site');
    assert.equal(
      (await run(['build', '--catalog', FIXTURE, '--database', join(dir, 'db.sqlite'), '--out', out], dir)).code,
      0,
    );
    const packed = JSON.parse(readFileSync(join(out, 'search-index.json'), 'utf8')) as PackedIndex;
    assert.equal(packed.version, 3);
    const index = loadPackedIndex(packed);
    const [first] = rankEntries(index, 'refund queue depth', 5);
    assert.equal(first?.path, 'catalog/default/component/payment-service/runbook/');
    assert.deepEqual(first?.section, { anchor: 'alerts', heading: 'Alerts' }, 'the runbook ships section by section');
    assert.ok(
      index.entries.some(
        (e) =>
          e.entry.type === 'docs' && e.entry.path === 'catalog/default/component/payment-service/docs/guides/deploy/',
      ),
    );
    const offline = JSON.parse(readFileSync(join(out, 'offline.json'), 'utf8')) as {
      pages: string[];
      assets: string[];
    };
    assert.ok(offline.pages.includes('catalog/default/component/payment-service/runbook/'));
    for (const asset of offline.assets) assert.ok(existsSync(join(out, asset)), asset);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.webmanifest'), 'utf8')) as {
      icons: { src: string }[];
    };
    assert.ok(existsSync(join(out, manifest.icons[0]?.src ?? 'missing')));
    assert.ok(existsSync(join(out, 'sw.js')));
  });

  test('a folder that is not an earlier export is never overwritten; an earlier export is replaced', async (t) => {
    const dir = tempDir(t);
    writeFile(dir, 'mine/notes.txt', 'precious');
    const refused = await run(
      ['build', '--catalog', FIXTURE, '--database', join(dir, 'db.sqlite'), '--out', join(dir, 'mine')],
      dir,
    );
    assert.equal(refused.code, 65);
    assert.match(refused.err, /not an earlier Atrium export/);
    assert.equal(readFileSync(join(dir, 'mine/notes.txt'), 'utf8'), 'precious');
    const out = join(dir, 'site');
    assert.equal(
      (await run(['build', '--catalog', FIXTURE, '--database', join(dir, 'db.sqlite'), '--out', out], dir)).code,
      0,
    );
    writeFile(out, 'catalog/default/component/gone/index.html', 'stale page');
    assert.equal(
      (await run(['build', '--catalog', FIXTURE, '--database', join(dir, 'db.sqlite'), '--out', out], dir)).code,
      0,
    );
    assert.ok(!existsSync(join(out, 'catalog/default/component/gone')), 'a rebuild leaves no stale pages');
  });

  test('with a database and no catalog, the database is rendered as it is, without docs', async (t) => {
    const dir = tempDir(t);
    const db = join(dir, 'db.sqlite');
    assert.equal((await run(['sync', '--catalog', FIXTURE, '--database', db], dir)).code, 0);
    const out = join(dir, 'site');
    const result = await run(['build', '--database', db, '--out', out], dir);
    assert.equal(result.code, 0, result.err);
    assert.ok(existsSync(join(out, 'catalog/default/component/payment-service/index.html')));
    assert.ok(!existsSync(join(out, 'catalog/default/component/payment-service/runbook')));
    assert.deepEqual(readdirSync(join(out, 'catalog/default/component/payment-service')).sort(), [
      'graph',
      'index.html',
    ]);
  });

  test('bad arguments are usage errors with a hint', async (t) => {
    const dir = tempDir(t);
    assert.equal((await run(['build'], dir)).code, 64);
    const badBase = await run(['build', '--out', join(dir, 'o'), '--base-path', '../etc'], dir);
    assert.equal(badBase.code, 64);
    assert.match(badBase.err, /hint: For example --base-path \/portal\//);
    assert.equal((await run(['build', '--out', join(dir, 'o'), '--format', 'xml'], dir)).code, 64);
  });
});
