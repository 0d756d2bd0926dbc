import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { FileSummary } from './file-summary.ts';
import { CatalogRoot } from './files.ts';
import { MAX_LOCATION_DEPTH, walkCatalog, type WalkOptions, type WalkResult } from './load.ts';
import { openCatalog } from './open-catalog.ts';
import type { Entity, Problem } from './model.ts';
import { resolveCatalog } from './resolve.ts';
// The capabilities' kinds (Flag, Template) are registered by their composition root.
import '../capabilities.ts';
import { component, tempDir, writeFile } from '../../test/support/catalog.ts';

// ---------------------------------------------------------------------------------------
// Helpers: every test writes its own catalog into a fresh temporary directory.
// ---------------------------------------------------------------------------------------

const write = writeFile;

/** A catalog root `<tmp>/root` beside `<tmp>/outside/entity.yaml`, a valid entity that must never be read. */
function rootWithOutside(t: TestContext): { rootDir: string; outsideDir: string; outsideFile: string } {
  const base = tempDir(t);
  const rootDir = path.join(base, 'root');
  const outsideDir = path.join(base, 'outside');
  fs.mkdirSync(rootDir);
  write(outsideDir, 'entity.yaml', component('outsider'));
  write(outsideDir, 'secret.txt', 'TOP-SECRET-OUTSIDE\n');
  return { rootDir, outsideDir, outsideFile: path.join(outsideDir, 'entity.yaml') };
}

function api(name: string, definition: string[]): string {
  return [
    'apiVersion: backstage.io/v1alpha1',
    'kind: API',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  type: openapi',
    '  lifecycle: production',
    '  owner: team-a',
    ...definition,
    '',
  ].join('\n');
}

/** A Location; targets are quoted, so globs such as `**` stay strings. */
function location(
  name: string,
  targets: string[],
  opts: { presence?: 'optional' | 'required'; single?: boolean } = {},
): string {
  return [
    'apiVersion: backstage.io/v1alpha1',
    'kind: Location',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    ...(opts.presence ? [`  presence: ${opts.presence}`] : []),
    ...(opts.single
      ? [`  target: ${JSON.stringify(targets[0])}`]
      : ['  targets:', ...targets.map((t) => `    - ${JSON.stringify(t)}`)]),
    '',
  ].join('\n');
}

/** 1-based line and column of the first occurrence of `needle` in `text`. */
function positionOf(text: string, needle: string): { line: number; column: number } {
  const index = text.indexOf(needle);
  assert.notEqual(index, -1, `${needle} not found`);
  const before = text.slice(0, index);
  return { line: before.split('\n').length, column: index - before.lastIndexOf('\n') };
}

async function walkDir(
  dir: string,
  rootFile: string | undefined,
  options: WalkOptions = {},
  maxFileBytes?: number,
): Promise<WalkResult> {
  return walkCatalog(await CatalogRoot.open(dir, maxFileBytes), rootFile, options);
}

/** Every problem a walk found: the walk's own, each file's and each document's. */
function allProblems(walk: WalkResult): Problem[] {
  return [...walk.problems, ...walk.files.flatMap((f) => [...f.problems, ...f.documents.flatMap((d) => d.problems)])];
}

const codes = (walk: WalkResult): string[] =>
  allProblems(walk)
    .map((p) => `${p.file} ${p.code}`)
    .sort();
const paths = (walk: WalkResult): string[] => walk.files.map((f) => f.path);
/** Entity keys parsed in a walk, without the file part of parsedKey. */
const entityKeys = (walk: WalkResult): string[] =>
  [...walk.parsed.keys()].map((k) => k.slice(k.indexOf('\u0000') + 1)).sort();
const previousOf = (walk: WalkResult): Map<string, FileSummary> => new Map(walk.files.map((f) => [f.path, f]));
const sha1 = (text: string | Buffer): string => createHash('sha1').update(text).digest('hex');
/** A file's dependencies without their stamps (which depend on the clock). */
const depsOf = (file: FileSummary | undefined) => file?.dependencies.map(({ path, hash }) => ({ path, hash }));

function entity(walk: WalkResult, key: string): Entity {
  const found = [...walk.parsed].find(([k]) => k.endsWith(`\u0000${key}`))?.[1];
  assert.ok(found, `${key} was not loaded; loaded: ${entityKeys(walk).join(', ')}`);
  return found;
}

function assertWellFormed(problem: Problem): void {
  assert.ok(problem.code.length > 0 && /^[a-z]+(-[a-z]+)*$/.test(problem.code), `code ${problem.code}`);
  assert.ok(problem.message.length > 0, 'message');
  assert.ok(problem.hint.length > 0, 'hint');
  assert.ok(Number.isInteger(problem.line) && problem.line >= 1, `line ${problem.line}`);
  assert.ok(Number.isInteger(problem.column) && problem.column >= 1, `column ${problem.column}`);
  assert.ok(
    !path.isAbsolute(problem.file) && !problem.file.includes('\\') && !problem.file.startsWith('..'),
    `file ${problem.file}`,
  );
}

// ---------------------------------------------------------------------------------------

describe('catalog roots', () => {
  test('a directory holding catalog-info.yaml uses that file as the only root', async (t) => {
    const dir = tempDir(t);
    write(dir, 'catalog-info.yaml', location('root', ['./services/a.yaml']));
    write(dir, 'services/a.yaml', component('a'));
    write(dir, 'unreferenced.yaml', component('unreferenced'));
    const { root, starts } = await openCatalog(dir);
    assert.deepEqual(starts, [{ kind: 'file', path: 'catalog-info.yaml' }]);
    assert.equal(root.dir, fs.realpathSync(dir));
    const walk = await walkCatalog(root, starts);
    assert.deepEqual(paths(walk), ['catalog-info.yaml', 'services/a.yaml']);
    assert.deepEqual(entityKeys(walk), ['component:default/a', 'location:default/root']);
    assert.deepEqual(codes(walk), []);
  });

  test('a directory without catalog-info.yaml makes every YAML file below it a root, skipping node_modules and dot-folders', async (t) => {
    const dir = tempDir(t);
    write(dir, 'a.yaml', component('a'));
    write(dir, 'teams/b.yml', component('b'));
    write(dir, 'teams/deep/er/c.YAML', component('c'));
    write(dir, 'node_modules/pkg/catalog-info.yaml', component('from-node-modules'));
    write(dir, 'teams/node_modules/x.yaml', component('nested-node-modules'));
    write(dir, '.github/workflows/ci.yaml', component('from-dot-folder'));
    write(dir, 'teams/.hidden/d.yaml', component('hidden'));
    write(dir, 'README.md', component('markdown'));
    write(dir, 'data.json', '{"kind": "Component"}');
    const { root, starts } = await openCatalog(dir);
    assert.deepEqual(starts, [{ kind: 'scan', path: '.' }]);
    const walk = await walkCatalog(root, starts);
    assert.deepEqual(paths(walk), ['a.yaml', 'teams/b.yml', 'teams/deep/er/c.YAML']);
    assert.deepEqual(entityKeys(walk), ['component:default/a', 'component:default/b', 'component:default/c']);
    // Dot-folders are not read, but descriptors in them are named (issue 15).
    assert.deepEqual(codes(walk), [
      '.github/workflows/ci.yaml catalog-in-dot-folder',
      'teams/.hidden/d.yaml catalog-in-dot-folder',
    ]);
  });

  test('a scanned directory still follows Locations, and a file reached both ways is read once', async (t) => {
    const dir = tempDir(t);
    write(dir, 'index.yaml', location('index', ['./other/*.yaml']));
    write(dir, 'other/x.yaml', component('x'));
    const walk = await walkDir(dir, undefined);
    assert.deepEqual(paths(walk), ['index.yaml', 'other/x.yaml']);
    assert.deepEqual(codes(walk), []);
  });

  test('a YAML file found by scanning that is not a descriptor is skipped without problems', async (t) => {
    const dir = tempDir(t);
    write(dir, 'openapi.yaml', 'openapi: 3.0.0\ninfo:\n  title: x\n  version: "1"\npaths: {}\n');
    write(dir, 'svc.yaml', component('svc'));
    const walk = await walkDir(dir, undefined);
    assert.deepEqual(entityKeys(walk), ['component:default/svc']);
    assert.deepEqual(codes(walk), []);
  });

  test('a file path as the catalog makes its directory the root and the file the only root', async (t) => {
    const dir = tempDir(t);
    write(dir, 'team/root.yaml', location('root', ['./svc.yaml', '../above.yaml']));
    write(dir, 'team/svc.yaml', component('svc'));
    write(dir, 'team/ignored.yaml', component('ignored'));
    write(dir, 'above.yaml', component('above'));
    const { root, starts } = await openCatalog(path.join(dir, 'team', 'root.yaml'));
    assert.equal(root.dir, fs.realpathSync(path.join(dir, 'team')));
    assert.deepEqual(starts, [{ kind: 'file', path: 'root.yaml' }]);
    const walk = await walkCatalog(root, starts);
    assert.deepEqual(paths(walk), ['root.yaml', 'svc.yaml']);
    assert.deepEqual(entityKeys(walk), ['component:default/svc', 'location:default/root']);
    assert.deepEqual(codes(walk), ['root.yaml location-outside-root']);
  });

  test('a catalog path that does not exist is a user-fixable catalog-not-found error', async (t) => {
    const dir = tempDir(t);
    await assert.rejects(openCatalog(path.join(dir, 'missing')), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.equal((err as Error & { code?: string }).code, 'catalog-not-found');
      assert.equal((err as Error & { category?: string }).category, 'user-fixable');
      return true;
    });
  });

  test('a root file that does not exist is reported as file-missing', async (t) => {
    const dir = tempDir(t);
    const walk = await walkDir(dir, 'nope.yaml');
    assert.deepEqual(codes(walk), ['nope.yaml file-missing']);
    assert.deepEqual(entityKeys(walk), []);
  });
});

describe('Location targets', () => {
  test("follows both target and targets, relative to the Location file's directory", async (t) => {
    const dir = tempDir(t);
    write(dir, 'catalog-info.yaml', location('root', ['./teams/index.yaml'], { single: true }));
    write(
      dir,
      'teams/index.yaml',
      location('teams', ['./platform.yaml', 'sub/payments.yaml', '../shared/common.yaml']),
    );
    write(dir, 'teams/platform.yaml', component('platform'));
    write(dir, 'teams/sub/payments.yaml', component('payments'));
    write(dir, 'shared/common.yaml', component('common'));
    const walk = await walkDir(dir, 'catalog-info.yaml');
    assert.deepEqual(paths(walk), [
      'catalog-info.yaml',
      'teams/index.yaml',
      'teams/platform.yaml',
      'teams/sub/payments.yaml',
      'shared/common.yaml',
    ]);
    assert.deepEqual(entityKeys(walk), [
      'component:default/common',
      'component:default/payments',
      'component:default/platform',
      'location:default/root',
      'location:default/teams',
    ]);
    assert.deepEqual(codes(walk), []);
  });

  test('records each target with its position and presence', async (t) => {
    const dir = tempDir(t);
    const text = location('root', ['./a.yaml', './b.yaml'], { presence: 'optional' });
    write(dir, 'catalog-info.yaml', text);
    write(dir, 'a.yaml', component('a'));
    write(dir, 'b.yaml', component('b'));
    const walk = await walkDir(dir, 'catalog-info.yaml');
    const doc = walk.files[0]?.documents[0];
    assert.deepEqual(doc?.targets, [
      { target: './a.yaml', optional: true, ...positionOf(text, '"./a.yaml"') },
      { target: './b.yaml', optional: true, ...positionOf(text, '"./b.yaml"') },
    ]);
  });

  test('a glob such as ./services/*/catalog-info.yaml matches one level of directories', async (t) => {
    const dir = tempDir(t);
    write(dir, 'catalog-info.yaml', location('root', ['./services/*/catalog-info.yaml']));
    write(dir, 'services/b/catalog-info.yaml', component('b'));
    write(dir, 'services/a/catalog-info.yaml', component('a'));
    write(dir, 'services/a/other.yaml', component('a-other'));
    write(dir, 'services/c/deeper/catalog-info.yaml', component('too-deep'));
    write(dir, 'services/catalog-info.yaml', component('too-shallow'));
    const walk = await walkDir(dir, 'catalog-info.yaml');
    assert.deepEqual(paths(walk), [
      'catalog-info.yaml',
      'services/a/catalog-info.yaml',
      'services/b/catalog-info.yaml',
    ]);
    // Not read, but named (issue 15): a catalog-info.yaml no Location reaches is a warning.
    assert.deepEqual(codes(walk), [
      'services/c/deeper/catalog-info.yaml catalog-file-unreached',
      'services/catalog-info.yaml catalog-file-unreached',
    ]);
  });

  test('a ** glob matches at every depth but never inside node_modules or dot-folders', async (t) => {
    const dir = tempDir(t);
    write(dir, 'catalog-info.yaml', location('root', ['./teams/**/*.yaml']));
    write(dir, 'teams/a.yaml', component('a'));
    write(dir, 'teams/x/b.yaml', component('b'));
    write(dir, 'teams/x/y/z/c.yaml', component('c'));
    write(dir, 'teams/x/notes.txt', 'not yaml');
    write(dir, 'teams/node_modules/d.yaml', component('d'));
    write(dir, 'teams/.cache/e.yaml', component('e'));
    write(dir, 'teams/.f.yaml', component('f'));
    write(dir, 'elsewhere/g.yaml', component('g'));
    const walk = await walkDir(dir, 'catalog-info.yaml');
    assert.deepEqual(paths(walk), ['catalog-info.yaml', 'teams/a.yaml', 'teams/x/b.yaml', 'teams/x/y/z/c.yaml']);
    assert.deepEqual(codes(walk), []);
  });

  test("a glob relative to a nested Location file is resolved against that file's directory", async (t) => {
    const dir = tempDir(t);
    write(dir, 'catalog-info.yaml', location('root', ['./group/index.yaml']));
    write(dir, 'group/index.yaml', location('group', ['./members/*.yaml']));
    write(dir, 'group/members/m1.yaml', component('m1'));
    write(dir, 'members/not-me.yaml', component('not-me'));
    const walk = await walkDir(dir, 'catalog-info.yaml');
    assert.deepEqual(paths(walk), ['catalog-info.yaml', 'group/index.yaml', 'group/members/m1.yaml']);
  });

  test("a required target that does not exist is location-target-missing at the target's position", async (t) => {
    const dir = tempDir(t);
    const text = location('root', ['./present.yaml', './absent.yaml']);
    write(dir, 'catalog-info.yaml', text);
    write(dir, 'present.yaml', component('present'));
    const walk = await walkDir(dir, 'catalog-info.yaml');
    const problems = allProblems(walk);
    assert.equal(problems.length, 1, JSON.stringify(problems));
    const [problem] = problems;
    assert.ok(problem);
    assert.equal(problem.code, 'location-target-missing');
    assert.equal(problem.severity, 'error');
    assert.equal(problem.file, 'catalog-info.yaml');
    assert.deepEqual({ line: problem.line, column: problem.column }, positionOf(text, '"./absent.yaml"'));
    assert.match(problem.message, /absent\.yaml/);
    assert.equal(problem.entityRef, 'location:default/root');
    assertWellFormed(problem);
    assert.deepEqual(entityKeys(walk), ['component:default/present', 'location:default/root']);
  });

  test('an optional target that does not exist is no problem at all', async (t) => {
    const dir = tempDir(t);
    write(
      dir,
      'catalog-info.yaml',
      location('root', ['./absent.yaml', './also-absent/*.yaml', './present.yaml'], { presence: 'optional' }),
    );
    write(dir, 'present.yaml', component('present'));
    const walk = await walkDir(dir, 'catalog-info.yaml');
    assert.deepEqual(allProblems(walk), []);
    assert.deepEqual(paths(walk), ['catalog-info.yaml', 'present.yaml']);
  });

  test('a required glob that matches nothing is location-target-missing', async (t) => {
    const dir = tempDir(t);
    const text = location('root', ['./services/*.yaml']);
    write(dir, 'catalog-info.yaml', text);
    const walk = await walkDir(dir, 'catalog-info.yaml');
    const problems = allProblems(walk);
    assert.deepEqual(
      problems.map((p) => [p.code, p.file, p.line, p.column]),
      [['location-target-missing', 'catalog-info.yaml', ...Object.values(positionOf(text, '"./services/*.yaml"'))]],
    );
  });

  test('a target that is a directory is location-target-directory, with a hint naming a file inside it', async (t) => {
    const dir = tempDir(t);
    const text = location('root', ['./services']);
    write(dir, 'catalog-info.yaml', text);
    write(dir, 'services/catalog-info.yaml', component('svc'));
    const walk = await walkDir(dir, 'catalog-info.yaml');
    const problems = allProblems(walk).filter((p) => p.code !== 'catalog-file-unreached');
    assert.deepEqual(codes(walk), [
      'catalog-info.yaml location-target-directory',
      'services/catalog-info.yaml catalog-file-unreached',
    ]);
    assert.equal(problems[0]?.code, 'location-target-directory');
    assert.match(problems[0]?.hint ?? '', /services\/catalog-info\.yaml/);
    assert.deepEqual({ line: problems[0]?.line, column: problems[0]?.column }, positionOf(text, '"./services"'));
    assert.deepEqual(paths(walk), ['catalog-info.yaml']);
  });

  test('a URL target is location-url-unsupported with a hint, and nothing is fetched', async (t) => {
    const dir = tempDir(t);
    const text = location('root', ['https://github.com/acme/repo/blob/main/catalog-info.yaml', 'file:///etc/passwd']);
    write(dir, 'catalog-info.yaml', text);
    const walk = await walkDir(dir, 'catalog-info.yaml');
    const problems = allProblems(walk);
    assert.deepEqual(
      problems.map((p) => p.code),
      ['location-url-unsupported', 'location-url-unsupported'],
    );
    for (const p of problems) {
      assertWellFormed(p);
      assert.match(p.hint, /relative path/);
    }
    assert.deepEqual({ line: problems[0]?.line, column: problems[0]?.column }, positionOf(text, '"https://'));
    assert.deepEqual(paths(walk), ['catalog-info.yaml']);
  });

  test('an absolute target is location-outside-root and the file outside is not read', async (t) => {
    const { rootDir, outsideFile } = rootWithOutside(t);
    write(rootDir, 'catalog-info.yaml', location('root', [outsideFile, `${path.dirname(outsideFile)}/*.yaml`]));
    const walk = await walkDir(rootDir, 'catalog-info.yaml');
    assert.deepEqual(codes(walk), [
      'catalog-info.yaml location-outside-root',
      'catalog-info.yaml location-outside-root',
    ]);
    assert.deepEqual(paths(walk), ['catalog-info.yaml']);
    assert.equal(entityKeys(walk).includes('component:default/outsider'), false);
  });

  test('a ../ target that escapes the root is location-outside-root and the file outside is not read', async (t) => {
    const { rootDir } = rootWithOutside(t);
    const text = location('root', ['./sub/index.yaml']);
    write(rootDir, 'catalog-info.yaml', text);
    const sub = location('sub', [
      '../../outside/entity.yaml',
      '../../outside/*.yaml',
      './ok/../../../outside/entity.yaml',
    ]);
    write(rootDir, 'sub/index.yaml', sub);
    const walk = await walkDir(rootDir, 'catalog-info.yaml');
    const problems = allProblems(walk);
    assert.deepEqual(
      problems.map((p) => `${p.file}:${p.line} ${p.code}`),
      [
        `sub/index.yaml:${positionOf(sub, '"../../outside/entity.yaml"').line} location-outside-root`,
        `sub/index.yaml:${positionOf(sub, '"../../outside/*.yaml"').line} location-outside-root`,
        `sub/index.yaml:${positionOf(sub, '"./ok/').line} location-outside-root`,
      ],
    );
    assert.deepEqual(paths(walk), ['catalog-info.yaml', 'sub/index.yaml']);
    assert.equal(entityKeys(walk).includes('component:default/outsider'), false);
    for (const p of problems) assertWellFormed(p);
  });

  test('a symbolic link inside the root that points outside is path-outside-root and its entity is not loaded', async (t) => {
    const { rootDir, outsideDir, outsideFile } = rootWithOutside(t);
    fs.symlinkSync(outsideFile, path.join(rootDir, 'link.yaml'));
    fs.symlinkSync(outsideDir, path.join(rootDir, 'linked-dir'));
    write(rootDir, 'catalog-info.yaml', location('root', ['./link.yaml', './linked-dir/entity.yaml']));
    const walk = await walkDir(rootDir, 'catalog-info.yaml');
    assert.deepEqual(codes(walk), ['link.yaml path-outside-root', 'linked-dir/entity.yaml path-outside-root']);
    assert.equal(entityKeys(walk).includes('component:default/outsider'), false);
    assert.deepEqual(entityKeys(walk), ['location:default/root']);
  });

  test('a glob whose base is a symbolic link leaving the root reaches nothing, not even file names outside', async (t) => {
    const { rootDir, outsideDir } = rootWithOutside(t);
    fs.symlinkSync(outsideDir, path.join(rootDir, 'ext'));
    write(rootDir, 'catalog-info.yaml', location('root', ['./ext/*.yaml']));
    const walk = await walkDir(rootDir, 'catalog-info.yaml');
    assert.deepEqual(paths(walk), ['catalog-info.yaml']);
    assert.doesNotMatch(JSON.stringify(allProblems(walk)), /entity\.yaml/);
    assert.equal(entityKeys(walk).includes('component:default/outsider'), false);
  });

  test('scanning a directory skips symbolic links, so nothing outside is reached', async (t) => {
    const { rootDir, outsideDir, outsideFile } = rootWithOutside(t);
    fs.symlinkSync(outsideFile, path.join(rootDir, 'link.yaml'));
    fs.symlinkSync(outsideDir, path.join(rootDir, 'linked-dir'));
    write(rootDir, 'inside.yaml', component('inside'));
    const walk = await walkDir(rootDir, undefined);
    assert.deepEqual(paths(walk), ['inside.yaml']);
    assert.deepEqual(codes(walk), []);
  });

  test('a cycle A → B → A is location-cycle on the target that closes it, and the walk ends', async (t) => {
    const dir = tempDir(t);
    write(dir, 'a.yaml', location('a', ['./b.yaml']));
    const b = location('b', ['./a.yaml']);
    write(dir, 'b.yaml', b);
    const walk = await walkDir(dir, 'a.yaml');
    assert.deepEqual(paths(walk), ['a.yaml', 'b.yaml']);
    const problems = allProblems(walk);
    assert.deepEqual(
      problems.map((p) => [p.file, p.code, p.line, p.column]),
      [['b.yaml', 'location-cycle', ...Object.values(positionOf(b, '"./a.yaml"'))]],
    );
    assert.match(problems[0]?.message ?? '', /a\.yaml/);
    assert.deepEqual(entityKeys(walk), ['location:default/a', 'location:default/b']);
  });

  test('a Location that names its own file is a cycle', async (t) => {
    const dir = tempDir(t);
    write(dir, 'self.yaml', location('self', ['./self.yaml']));
    const walk = await walkDir(dir, 'self.yaml');
    assert.deepEqual(codes(walk), ['self.yaml location-cycle']);
  });

  test('a file reached through two Locations is loaded once and is no duplicate', async (t) => {
    const dir = tempDir(t);
    write(dir, 'catalog-info.yaml', location('root', ['./one.yaml', './two.yaml']));
    write(dir, 'one.yaml', location('one', ['./shared.yaml']));
    write(dir, 'two.yaml', location('two', ['./shared.yaml', './*.yaml']));
    write(dir, 'shared.yaml', component('shared'));
    const walk = await walkDir(dir, 'catalog-info.yaml');
    assert.deepEqual(paths(walk), ['catalog-info.yaml', 'one.yaml', 'shared.yaml', 'two.yaml']);
    assert.deepEqual(codes(walk), []);
    const resolution = resolveCatalog(walk.files, walk.problems, new Map());
    assert.deepEqual(
      resolution.problems.filter((p) => p.code !== 'dangling-reference'),
      [],
    );
    assert.equal(resolution.claims.get('component:default/shared')?.file, 'shared.yaml');
  });

  test('a glob that matches its own Location file is no error', async (t) => {
    const dir = tempDir(t);
    write(dir, 'all.yaml', location('all', ['./*.yaml']));
    write(dir, 'a.yaml', component('a'));
    write(dir, 'b.yaml', component('b'));
    const walk = await walkDir(dir, 'all.yaml');
    assert.deepEqual(paths(walk), ['all.yaml', 'a.yaml', 'b.yaml']);
    assert.deepEqual(codes(walk), []);
  });

  test('the targets of an invalid Location are not followed', async (t) => {
    const dir = tempDir(t);
    write(dir, 'catalog-info.yaml', location('Not A Valid Name', ['./a.yaml']));
    write(dir, 'a.yaml', component('a'));
    const walk = await walkDir(dir, 'catalog-info.yaml');
    assert.deepEqual(paths(walk), ['catalog-info.yaml']);
    assert.deepEqual(codes(walk), ['catalog-info.yaml invalid-name']);
  });

  test(`a Location chain deeper than ${MAX_LOCATION_DEPTH} files stops with location-too-deep`, async (t) => {
    const dir = tempDir(t);
    const length = MAX_LOCATION_DEPTH + 5;
    for (let i = 0; i < length; i++) write(dir, `l${i}.yaml`, location(`l${i}`, [`./l${i + 1}.yaml`]));
    write(dir, `l${length}.yaml`, component('leaf'));
    const walk = await walkDir(dir, 'l0.yaml');
    assert.equal(walk.files.length, MAX_LOCATION_DEPTH + 1);
    assert.deepEqual(codes(walk), [`l${MAX_LOCATION_DEPTH}.yaml location-too-deep`]);
    assert.equal(entityKeys(walk).includes('component:default/leaf'), false);
  });
});

describe('substitution', () => {
  test('$text, $json and $yaml are read relative to the descriptor, even nested deep inside spec', async (t) => {
    const dir = tempDir(t);
    const openapi = 'openapi: 3.0.0\ninfo:\n  title: Petstore\n';
    write(
      dir,
      'apis/petstore.yaml',
      api('petstore', [
        '  definition:',
        '    $text: ./openapi.yaml',
        '  extra:',
        '    nested:',
        '      - config:',
        '          $json: ./config/settings.json',
        '      - $yaml: ../shared/values.yaml',
      ]),
    );
    write(dir, 'apis/openapi.yaml', openapi);
    write(dir, 'apis/config/settings.json', '{"retries": 3, "hosts": ["a", "b"]}');
    write(dir, 'shared/values.yaml', 'replicas: 2\nlabels:\n  tier: gold\n');
    const walk = await walkDir(dir, 'apis/petstore.yaml');
    assert.deepEqual(codes(walk), []);
    const spec = entity(walk, 'api:default/petstore').spec;
    assert.equal(spec?.definition, openapi);
    assert.deepEqual(spec?.extra, {
      nested: [{ config: { retries: 3, hosts: ['a', 'b'] } }, { replicas: 2, labels: { tier: 'gold' } }],
    });
    assert.deepEqual(depsOf(walk.files[0]), [
      { path: 'apis/openapi.yaml', hash: sha1(openapi) },
      { path: 'apis/config/settings.json', hash: sha1('{"retries": 3, "hosts": ["a", "b"]}') },
      { path: 'shared/values.yaml', hash: sha1('replicas: 2\nlabels:\n  tier: gold\n') },
    ]);
    assert.equal(walk.files[0]?.documents[0]?.valid, true);
  });

  test('a substituted file that does not exist is substitution-missing at the placeholder, and the entity is not loaded', async (t) => {
    const dir = tempDir(t);
    const text = api('petstore', ['  definition:', '    $text: ./missing.yaml']);
    write(dir, 'apis/petstore.yaml', text);
    const walk = await walkDir(dir, 'apis/petstore.yaml');
    const problems = allProblems(walk);
    assert.deepEqual(
      problems.map((p) => [p.file, p.code, p.severity, p.line, p.column]),
      [['apis/petstore.yaml', 'substitution-missing', 'error', ...Object.values(positionOf(text, './missing.yaml'))]],
    );
    assert.equal(problems[0]?.entityRef, 'api:default/petstore');
    assertWellFormed(problems[0] as Problem);
    assert.equal(entityKeys(walk).includes('api:default/petstore'), false);
    assert.deepEqual(depsOf(walk.files[0]), [{ path: 'apis/missing.yaml', hash: null }]);
  });

  test('a substitution path that is absolute or leaves the root is substitution-outside-root and is not read', async (t) => {
    const { rootDir, outsideDir } = rootWithOutside(t);
    write(rootDir, 'a.yaml', api('a', ['  definition:', '    $text: ../../outside/secret.txt']));
    write(rootDir, 'b.yaml', api('b', ['  definition:', `    $text: ${path.join(outsideDir, 'secret.txt')}`]));
    write(rootDir, 'c.yaml', api('c', ['  definition:', '    $yaml: ./x/../../outside/entity.yaml']));
    const walk = await walkDir(rootDir, undefined);
    assert.deepEqual(codes(walk), [
      'a.yaml substitution-outside-root',
      'b.yaml substitution-outside-root',
      'c.yaml substitution-outside-root',
    ]);
    assert.doesNotMatch(JSON.stringify(walk.files), /TOP-SECRET-OUTSIDE/);
    assert.deepEqual(entityKeys(walk), []);
    for (const f of walk.files) assert.deepEqual(f.dependencies, []);
  });

  test('a substitution through a symbolic link that leaves the root is refused and its content not embedded', async (t) => {
    const { rootDir, outsideDir } = rootWithOutside(t);
    fs.symlinkSync(path.join(outsideDir, 'secret.txt'), path.join(rootDir, 'secret.txt'));
    write(rootDir, 'a.yaml', api('a', ['  definition:', '    $text: ./secret.txt']));
    const walk = await walkDir(rootDir, 'a.yaml');
    assert.deepEqual(codes(walk), ['a.yaml path-outside-root']);
    assert.doesNotMatch(JSON.stringify(walk.files), /TOP-SECRET-OUTSIDE/);
    assert.equal(walk.parsed.size, 0);
  });

  test('a URL substitution is a substitution-url-unsupported warning and the entity still loads with a note', async (t) => {
    const dir = tempDir(t);
    const url = 'https://example.com/openapi.yaml';
    const text = api('remote', ['  definition:', `    $text: ${url}`]);
    write(dir, 'a.yaml', text);
    const walk = await walkDir(dir, 'a.yaml');
    const problems = allProblems(walk);
    assert.deepEqual(
      problems.map((p) => [p.code, p.severity, p.line, p.column]),
      [['substitution-url-unsupported', 'warning', ...Object.values(positionOf(text, url))]],
    );
    assertWellFormed(problems[0] as Problem);
    assert.equal(entity(walk, 'api:default/remote').spec?.definition, `$text: ${url}`);
    assert.deepEqual(walk.files[0]?.dependencies, []);
  });

  test('an unsupported placeholder such as $openapi is a substitution-unsupported warning; the entity loads with the definition kept as a note', async (t) => {
    const dir = tempDir(t);
    write(dir, 'spec.yaml', 'openapi: 3.0.0\n');
    const text = api('petstore', ['  definition:', '    $openapi: ./spec.yaml']);
    write(dir, 'a.yaml', text);
    const walk = await walkDir(dir, 'a.yaml');
    const problems = allProblems(walk);
    assert.deepEqual(
      problems.map((p) => [p.code, p.severity, p.line]),
      [['substitution-unsupported', 'warning', positionOf(text, './spec.yaml').line]],
    );
    assert.match(problems[0]?.message ?? '', /\$openapi/);
    assert.equal(entity(walk, 'api:default/petstore').spec?.definition, '$openapi: ./spec.yaml');
    assert.equal(walk.files[0]?.documents[0]?.valid, true);
  });

  test('JSON Schema keys such as $ref, and objects mixing $ keys with others, are data rather than placeholders', async (t) => {
    const dir = tempDir(t);
    write(
      dir,
      'a.yaml',
      component('a', {
        spec: ['  schema:', '    $ref: "#/definitions/x"', '  mixed:', '    $text: ./nope.txt', '    other: 1'],
      }),
    );
    const walk = await walkDir(dir, 'a.yaml');
    assert.deepEqual(codes(walk), []);
    const spec = entity(walk, 'component:default/a').spec;
    assert.deepEqual(spec?.schema, { $ref: '#/definitions/x' });
    assert.deepEqual(spec?.mixed, { $text: './nope.txt', other: 1 });
  });

  test('invalid JSON or YAML in a substituted file is substitution-parse', async (t) => {
    const dir = tempDir(t);
    write(dir, 'bad.json', '{"a": ');
    write(dir, 'bad.yaml', 'a: [unclosed\n');
    write(dir, 'dup.yaml', 'a: 1\na: 2\n');
    write(dir, 'j.yaml', api('j', ['  definition:', '    $json: ./bad.json']));
    write(dir, 'y.yaml', api('y', ['  definition:', '    $yaml: ./bad.yaml']));
    write(dir, 'd.yaml', api('d', ['  definition:', '    $yaml: ./dup.yaml']));
    const root = await CatalogRoot.open(dir);
    for (const [file, key] of [
      ['j.yaml', 'api:default/j'],
      ['y.yaml', 'api:default/y'],
      ['d.yaml', 'api:default/d'],
    ] as const) {
      const walk = await walkCatalog(root, file);
      const problems = allProblems(walk);
      assert.deepEqual(
        problems.map((p) => p.code),
        ['substitution-parse'],
        file,
      );
      assertWellFormed(problems[0] as Problem);
      assert.equal(entityKeys(walk).includes(key), false);
    }
  });

  test('a hostile $yaml file (alias bomb, absurd nesting) is substitution-parse, not a hang or a crash', {
    timeout: 60_000,
  }, async (t) => {
    const dir = tempDir(t);
    write(dir, 'bomb.yaml', billionLaughs());
    write(dir, 'deep.yaml', '['.repeat(100_000));
    write(dir, 'b.yaml', api('b', ['  definition:', '    $yaml: ./bomb.yaml']));
    write(dir, 'd.yaml', api('d', ['  definition:', '    $yaml: ./deep.yaml']));
    const root = await CatalogRoot.open(dir);
    for (const file of ['b.yaml', 'd.yaml']) {
      const walk = await walkCatalog(root, file);
      assert.deepEqual(
        allProblems(walk).map((p) => p.code),
        ['substitution-parse'],
        file,
      );
      assert.equal(walk.parsed.size, 0);
    }
  });

  test('a substituted file that is binary or too large is refused with its file problem', async (t) => {
    const dir = tempDir(t);
    write(dir, 'blob.bin', Buffer.from([0x00, 0x01, 0x02]));
    write(dir, 'huge.txt', 'x'.repeat(5000));
    write(dir, 'a.yaml', api('a', ['  definition:', '    $text: ./blob.bin']));
    write(dir, 'b.yaml', api('b', ['  definition:', '    $text: ./huge.txt']));
    const root = await CatalogRoot.open(dir, 4096);
    assert.deepEqual(codes(await walkCatalog(root, 'a.yaml')), ['a.yaml file-binary']);
    assert.deepEqual(codes(await walkCatalog(root, 'b.yaml')), ['b.yaml file-too-large']);
  });

  test('a placeholder without a file path is substitution-invalid', async (t) => {
    const dir = tempDir(t);
    write(dir, 'a.yaml', api('a', ['  definition:', '    $text: ""']));
    write(dir, 'b.yaml', api('b', ['  definition:', '    $json: [1, 2]']));
    const root = await CatalogRoot.open(dir);
    assert.deepEqual(codes(await walkCatalog(root, 'a.yaml')), ['a.yaml substitution-invalid']);
    assert.deepEqual(codes(await walkCatalog(root, 'b.yaml')), ['b.yaml substitution-invalid']);
  });

  test('a change to a substituted file makes its descriptor parse again on the next walk', async (t) => {
    const dir = tempDir(t);
    write(dir, 'catalog-info.yaml', location('root', ['./api.yaml', './other.yaml']));
    write(dir, 'api.yaml', api('petstore', ['  definition:', '    $text: ./openapi.yaml']));
    write(dir, 'other.yaml', component('other'));
    write(dir, 'openapi.yaml', 'version: 1\n');
    const root = await CatalogRoot.open(dir);
    const first = await walkCatalog(root, 'catalog-info.yaml');
    assert.equal(entity(first, 'api:default/petstore').spec?.definition, 'version: 1\n');

    const unchanged = await walkCatalog(root, 'catalog-info.yaml', { previous: previousOf(first) });
    assert.deepEqual([...unchanged.changed], []);

    write(dir, 'openapi.yaml', 'version: 2\n');
    const second = await walkCatalog(root, 'catalog-info.yaml', { previous: previousOf(unchanged) });
    assert.deepEqual([...second.changed], ['api.yaml']);
    assert.equal(entity(second, 'api:default/petstore').spec?.definition, 'version: 2\n');
    assert.deepEqual(depsOf(second.files.find((f) => f.path === 'api.yaml')), [
      { path: 'openapi.yaml', hash: sha1('version: 2\n') },
    ]);
    assert.notEqual(
      second.files.find((f) => f.path === 'api.yaml')?.documents[0]?.contentHash,
      first.files.find((f) => f.path === 'api.yaml')?.documents[0]?.contentHash,
    );

    fs.rmSync(path.join(dir, 'openapi.yaml'));
    const third = await walkCatalog(root, 'catalog-info.yaml', { previous: previousOf(second) });
    assert.deepEqual([...third.changed], ['api.yaml']);
    assert.deepEqual(codes(third), ['api.yaml substitution-missing']);

    write(dir, 'openapi.yaml', 'version: 3\n');
    const fourth = await walkCatalog(root, 'catalog-info.yaml', { previous: previousOf(third) });
    assert.deepEqual([...fourth.changed], ['api.yaml']);
    assert.deepEqual(codes(fourth), []);
  });
});

/** The classic billion-laughs document: nine levels of nine aliases each. */
function billionLaughs(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  const names = 'abcdefghi';
  for (let i = 1; i < names.length; i++) {
    const prev = names[i - 1];
    lines.push(`${names[i]}: &${names[i]} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  return `${lines.join('\n')}\n`;
}

describe('hostile and broken files', () => {
  test('a YAML alias bomb is yaml-alias-limit, found without expanding it', { timeout: 60_000 }, async (t) => {
    const dir = tempDir(t);
    write(dir, 'bomb.yaml', billionLaughs());
    const walk = await walkDir(dir, 'bomb.yaml');
    assert.deepEqual(codes(walk), ['bomb.yaml yaml-alias-limit']);
    assert.equal(walk.files[0]?.broken, true);
    assertWellFormed(allProblems(walk)[0] as Problem);
  });

  test('100,000 nested flow brackets are yaml-too-deep, without crashing', async (t) => {
    const dir = tempDir(t);
    write(dir, 'deep.yaml', `apiVersion: backstage.io/v1alpha1\nkind: Component\nspec:\n  x: ${'['.repeat(100_000)}\n`);
    write(dir, 'deep-maps.yaml', '{a: '.repeat(100_000));
    const walk = await walkDir(dir, undefined);
    const problems = allProblems(walk);
    assert.deepEqual(
      problems.map((p) => `${p.file} ${p.code}`),
      ['deep-maps.yaml yaml-too-deep', 'deep.yaml yaml-too-deep'],
    );
    const deep = problems.find((p) => p.file === 'deep.yaml');
    assert.equal(deep?.line, 4, 'the line where the nesting goes too deep');
    for (const p of problems) assertWellFormed(p);
    assert.ok(walk.files.every((f) => f.broken));
  });

  test('a file over the size limit is file-too-large', async (t) => {
    const dir = tempDir(t);
    write(dir, 'big.yaml', `${component('big')}# ${'x'.repeat(500)}\n`);
    write(dir, 'small.yaml', component('small'));
    const walk = await walkDir(dir, undefined, {}, 300);
    assert.deepEqual(codes(walk), ['big.yaml file-too-large']);
    assert.deepEqual(entityKeys(walk), ['component:default/small']);
    assertWellFormed(allProblems(walk)[0] as Problem);
  });

  test('a binary file is file-binary and invalid UTF-8 is file-encoding', async (t) => {
    const dir = tempDir(t);
    write(dir, 'binary.yaml', Buffer.concat([Buffer.from(component('binary')), Buffer.from([0x00, 0xff, 0x00])]));
    write(
      dir,
      'latin1.yaml',
      Buffer.concat([
        Buffer.from('apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: '),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('\n'),
      ]),
    );
    const walk = await walkDir(dir, undefined);
    assert.deepEqual(codes(walk), ['binary.yaml file-binary', 'latin1.yaml file-encoding']);
    assert.deepEqual(entityKeys(walk), []);
    for (const p of allProblems(walk)) assertWellFormed(p);
  });

  test('a duplicate key is yaml-duplicate-key at the repeated key', async (t) => {
    const dir = tempDir(t);
    const text = component('dup').replace(
      '  lifecycle: production\n',
      '  lifecycle: production\n  lifecycle: experimental\n',
    );
    write(dir, 'dup.yaml', text);
    const walk = await walkDir(dir, 'dup.yaml');
    const problems = allProblems(walk);
    assert.deepEqual(
      problems.map((p) => [p.code, p.line, p.column]),
      [['yaml-duplicate-key', positionOf(text, 'lifecycle: experimental').line, 3]],
    );
    assert.deepEqual(entityKeys(walk), []);
  });

  test('a YAML syntax error is yaml-syntax on the line where it is', async (t) => {
    const dir = tempDir(t);
    const text = component('broken').replace('  lifecycle: production\n', ' lifecycle: production\n');
    write(dir, 'broken.yaml', text);
    write(dir, 'quote.yaml', 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: "unterminated\n');
    const walk = await walkDir(dir, undefined);
    const problems = allProblems(walk);
    // The parser may report one mistake more than once; every report points at its line.
    assert.deepEqual(
      [...new Set(problems.map((p) => `${p.file}:${p.line} ${p.code}`))],
      [`broken.yaml:${positionOf(text, ' lifecycle').line} yaml-syntax`, 'quote.yaml:5 yaml-syntax'],
    );
    for (const p of problems) assertWellFormed(p);
  });

  test('a syntax error in one document of a file drops the whole file, not just that document', async (t) => {
    const dir = tempDir(t);
    write(
      dir,
      'multi.yaml',
      `${component('first')}---\n${component('second').replace('  name: second', '  name: [second')}`,
    );
    const walk = await walkDir(dir, 'multi.yaml');
    assert.equal(walk.files[0]?.broken, true);
    assert.deepEqual(entityKeys(walk), []);
    assert.ok(codes(walk).every((c) => c === 'multi.yaml yaml-syntax'));
  });

  test('a file of only ---, and a file of only comments hold no entities and no problems', async (t) => {
    const dir = tempDir(t);
    write(dir, 'dashes.yaml', '---\n');
    write(dir, 'many-dashes.yaml', '---\n---\n...\n');
    write(dir, 'comments.yaml', '# nothing here\n---\n# nor here\n');
    const root = await CatalogRoot.open(dir);
    for (const file of ['dashes.yaml', 'many-dashes.yaml', 'comments.yaml']) {
      const walk = await walkCatalog(root, file);
      assert.deepEqual(allProblems(walk), [], file);
      assert.equal(walk.parsed.size, 0, file);
      assert.equal(walk.files[0]?.broken, false, file);
    }
  });

  test('an empty (or whitespace-only) file that something names is a file-empty problem, not a file with no entities', async (t) => {
    const dir = tempDir(t);
    write(dir, 'empty.yaml', '');
    write(dir, 'blank.yaml', ' \n\n');
    const root = await CatalogRoot.open(dir);
    for (const file of ['empty.yaml', 'blank.yaml']) {
      const walk = await walkCatalog(root, file);
      assert.deepEqual(
        allProblems(walk).map((p) => p.code),
        ['file-empty'],
        file,
      );
      assert.equal(walk.files[0]?.broken, true, file);
    }
    // Found by scanning a directory, an empty YAML file is simply no descriptor.
    const scan = await walkCatalog(root, undefined);
    assert.deepEqual(allProblems(scan), []);
  });

  test('a trailing --- after the last document is not an extra, invalid document', async (t) => {
    const dir = tempDir(t);
    write(dir, 'a.yaml', `---\n${component('a')}---\n${component('b')}---\n`);
    const walk = await walkDir(dir, 'a.yaml');
    assert.deepEqual(allProblems(walk), []);
    assert.deepEqual(entityKeys(walk), ['component:default/a', 'component:default/b']);
  });

  test('a document that is not a mapping is invalid-document', async (t) => {
    const dir = tempDir(t);
    write(dir, 'a.yaml', '- just\n- a list\n');
    write(dir, 'b.yaml', 'just a string\n');
    const root = await CatalogRoot.open(dir);
    assert.deepEqual(codes(await walkCatalog(root, 'a.yaml')), ['a.yaml invalid-document']);
    assert.deepEqual(codes(await walkCatalog(root, 'b.yaml')), ['b.yaml invalid-document']);
  });

  test('every problem names its file relative to the root with forward slashes, and a line, column, code, message and hint', async (t) => {
    const dir = tempDir(t);
    write(
      dir,
      'catalog-info.yaml',
      location('root', ['./teams/platform/*.yaml', './teams/missing.yaml', 'https://x.test/a.yaml', '../out.yaml']),
    );
    write(dir, 'teams/platform/dup.yaml', 'a: 1\na: 2\n');
    write(dir, 'teams/platform/syntax.yaml', 'a: [\n');
    write(dir, 'teams/platform/binary.yaml', Buffer.from([0, 1, 2]));
    write(dir, 'teams/platform/invalid.yaml', component('Bad Name'));
    write(dir, 'teams/platform/subst.yaml', api('s', ['  definition:', '    $text: ./nope.txt']));
    const walk = await walkDir(dir, 'catalog-info.yaml');
    const problems = allProblems(walk);
    assert.ok(problems.length >= 7, JSON.stringify(problems));
    for (const p of problems) assertWellFormed(p);
    assert.ok(problems.some((p) => p.file === 'teams/platform/dup.yaml'));
  });

  test('a UTF-8 byte-order mark and CRLF line endings are read normally, with correct positions', async (t) => {
    const dir = tempDir(t);
    const text = component('crlf', { owner: '[unclosed' }).replace(/\n/g, '\r\n');
    write(dir, 'crlf.yaml', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
    write(
      dir,
      'ok.yaml',
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(component('ok').replace(/\n/g, '\r\n'))]),
    );
    const root = await CatalogRoot.open(dir);
    const ok = await walkCatalog(root, 'ok.yaml');
    assert.deepEqual(allProblems(ok), []);
    assert.deepEqual(entityKeys(ok), ['component:default/ok']);
    const bad = await walkCatalog(root, 'crlf.yaml');
    assert.ok(allProblems(bad).length > 0);
    assert.ok(
      allProblems(bad).every((p) => p.line >= positionOf(text, 'owner').line),
      JSON.stringify(allProblems(bad)),
    );
  });
});

/**
 * Runs a walk in a separate Node process, several times, so a file that crashes the
 * process (a native stack or memory failure cannot be caught) fails this test instead of
 * the whole test run. Returns the problem codes of each walk.
 */
function walkInChildProcess(
  dir: string,
  rootFile: string | undefined,
  times: number,
): { status: number | null; signal: string | null; stdout: string; stderr: string } {
  const here = import.meta.dirname;
  const script = `
    import { CatalogRoot } from ${JSON.stringify(pathToFileURL(path.join(here, 'files.ts')).href)};
    import { walkCatalog } from ${JSON.stringify(pathToFileURL(path.join(here, 'load.ts')).href)};
    const root = await CatalogRoot.open(${JSON.stringify(dir)});
    const out = [];
    for (let i = 0; i < ${times}; i++) {
      const walk = await walkCatalog(root, ${JSON.stringify(rootFile ?? null)} ?? undefined);
      const found = [...walk.problems, ...walk.files.flatMap((f) => [...f.problems, ...f.documents.flatMap((d) => d.problems)])];
      out.push([...new Set(found.map((p) => p.file + ' ' + p.code))].sort());
    }
    process.stdout.write(JSON.stringify(out));
  `;
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: path.resolve(here, '../..'),
    encoding: 'utf8',
    env,
    maxBuffer: 16 * 1024 * 1024,
  });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

function assertWalksCleanly(result: ReturnType<typeof walkInChildProcess>, expected: string[][]): void {
  const stderr = result.stderr
    .split('\n')
    .filter((l) => !/^\s*\d+: 0x/.test(l))
    .slice(0, 12)
    .join('\n');
  assert.equal(
    result.status,
    0,
    `the walk crashed the process (status ${result.status}, signal ${result.signal}):\n${stderr}`,
  );
  assert.deepEqual(JSON.parse(result.stdout), expected);
}

describe('hostile nesting that the flow-bracket guard does not see', () => {
  // Each level of a compact block sequence (`- - - x`) costs two bytes and no line; the
  // yaml parser recurses once per level and overflows the stack near 1,000 levels. After
  // that, V8 may abort the whole process (fatal "RegExpCompiler Allocation failed").
  test('1,000 levels of compact block sequences are yaml-too-deep, walk after walk, without killing the process', {
    timeout: 120_000,
  }, async (t) => {
    const dir = tempDir(t);
    write(dir, 'compact.yaml', `${'- '.repeat(1_000)}x\n`);
    write(dir, 'compact-2.yaml', `${'- '.repeat(2_000)}x\n`);
    write(dir, 'ok.yaml', component('ok'));
    const result = walkInChildProcess(dir, undefined, 3);
    const once = ['compact-2.yaml yaml-too-deep', 'compact.yaml yaml-too-deep'];
    assertWalksCleanly(result, [once, once, once]);
  });

  test('1,000 levels of indented block mappings (about 500 kB, under the size limit) are yaml-too-deep', {
    timeout: 120_000,
  }, async (t) => {
    const dir = tempDir(t);
    let text = '';
    for (let i = 0; i < 1_000; i++) text += `${' '.repeat(i)}k:\n`;
    write(dir, 'indented.yaml', text);
    const result = walkInChildProcess(dir, undefined, 3);
    const once = ['indented.yaml yaml-too-deep'];
    assertWalksCleanly(result, [once, once, once]);
  });

  test('flow brackets hidden from the guard behind a quote inside a plain scalar are yaml-too-deep', {
    timeout: 120_000,
  }, async (t) => {
    const dir = tempDir(t);
    // In YAML, `foo 'bar` is one plain scalar; a scanner that treats the quote as opening
    // a string stops counting the brackets that follow.
    write(dir, 'quoted.yaml', `[ foo 'bar\n${'['.repeat(100_000)}\n`);
    const result = walkInChildProcess(dir, undefined, 3);
    const once = ['quoted.yaml yaml-too-deep'];
    assertWalksCleanly(result, [once, once, once]);
  });

  test('a $yaml file of deep compact block sequences is substitution-parse without killing the process', {
    timeout: 120_000,
  }, async (t) => {
    const dir = tempDir(t);
    write(dir, 'deep.yaml', `${'- '.repeat(2_000)}x\n`);
    write(dir, 'a.yaml', api('a', ['  definition:', '    $yaml: ./deep.yaml']));
    const result = walkInChildProcess(dir, 'a.yaml', 3);
    const once = ['a.yaml substitution-parse'];
    assertWalksCleanly(result, [once, once, once]);
  });
});

describe('incremental walks', () => {
  async function threeFileCatalog(t: TestContext): Promise<{ dir: string; root: CatalogRoot; first: WalkResult }> {
    const dir = tempDir(t);
    write(dir, 'catalog-info.yaml', location('root', ['./a.yaml', './b.yaml']));
    write(dir, 'a.yaml', component('a'));
    write(dir, 'b.yaml', component('b'));
    // A clock an hour ahead: files just written are past the racy window whatever the load,
    // so every walk trusts their stamps (with the real clock, a slow first walk did not).
    const root = await CatalogRoot.open(dir, undefined, undefined, () => Date.now() + 3_600_000);
    const first = await walkCatalog(root, 'catalog-info.yaml');
    assert.deepEqual([...first.changed].sort(), ['a.yaml', 'b.yaml', 'catalog-info.yaml']);
    return { dir, root, first };
  }

  test('walking again with the previous summaries parses nothing and returns the identical summary objects', async (t) => {
    const { root, first } = await threeFileCatalog(t);
    const second = await walkCatalog(root, 'catalog-info.yaml', { previous: previousOf(first) });
    assert.deepEqual([...second.changed], []);
    assert.equal(second.parsed.size, 0);
    assert.equal(second.files.length, first.files.length);
    second.files.forEach((summary, i) => assert.equal(summary, first.files[i], `${summary.path} is the same object`));
    assert.deepEqual(second.problems, []);
  });

  test('editing one file parses only that file again', async (t) => {
    const { dir, root, first } = await threeFileCatalog(t);
    write(dir, 'b.yaml', component('b', { owner: 'team-b' }));
    const second = await walkCatalog(root, 'catalog-info.yaml', { previous: previousOf(first) });
    assert.deepEqual([...second.changed], ['b.yaml']);
    assert.deepEqual(entityKeys(second), ['component:default/b']);
    assert.equal(second.files[0], first.files[0]);
    assert.equal(second.files[1], first.files[1]);
    assert.notEqual(second.files[2], first.files[2]);
    assert.notEqual(second.files[2]?.documents[0]?.contentHash, first.files[2]?.documents[0]?.contentHash);
  });

  test('reparse forces an unchanged file to be parsed again', async (t) => {
    const { root, first } = await threeFileCatalog(t);
    const second = await walkCatalog(root, 'catalog-info.yaml', {
      previous: previousOf(first),
      reparse: new Set(['a.yaml']),
    });
    assert.deepEqual([...second.changed], ['a.yaml']);
    assert.deepEqual(entityKeys(second), ['component:default/a']);
    assert.deepEqual(second.files[1], first.files[1], 'the same content gives an equal summary');
  });

  test('a file that becomes unparseable keeps its previous documents and is marked broken', async (t) => {
    const { dir, root, first } = await threeFileCatalog(t);
    write(dir, 'a.yaml', 'apiVersion: [\n');
    const second = await walkCatalog(root, 'catalog-info.yaml', { previous: previousOf(first) });
    const a = second.files.find((f) => f.path === 'a.yaml');
    assert.equal(a?.broken, true);
    assert.deepEqual(a?.documents, first.files.find((f) => f.path === 'a.yaml')?.documents);
    assert.deepEqual(
      a?.problems.map((p) => p.code),
      ['yaml-syntax'],
    );
    assert.deepEqual([...second.changed], ['a.yaml']);
  });

  test('a file that becomes unreadable keeps its previous documents; a deleted target loses them', async (t) => {
    const { dir, root, first } = await threeFileCatalog(t);
    write(dir, 'a.yaml', Buffer.from([0x00, 0x01]));
    fs.rmSync(path.join(dir, 'b.yaml'));
    const second = await walkCatalog(root, 'catalog-info.yaml', { previous: previousOf(first) });
    const a = second.files.find((f) => f.path === 'a.yaml');
    assert.equal(a?.broken, true);
    assert.deepEqual(
      a?.problems.map((p) => p.code),
      ['file-binary'],
    );
    assert.deepEqual(a?.documents, first.files.find((f) => f.path === 'a.yaml')?.documents);
    const b = second.files.find((f) => f.path === 'b.yaml');
    assert.ok(b === undefined || b.documents.length === 0, 'a deleted file keeps no entities');
  });

  test('a summary from a previous walk is reused only for the same bytes', async (t) => {
    const { dir, root, first } = await threeFileCatalog(t);
    // Same length, different bytes.
    write(dir, 'a.yaml', component('x'));
    const second = await walkCatalog(root, 'catalog-info.yaml', { previous: previousOf(first) });
    assert.deepEqual([...second.changed], ['a.yaml']);
    assert.deepEqual(entityKeys(second), ['component:default/x']);
  });
});

describe('runbook annotation', () => {
  const withRunbook = (value: string) =>
    [
      'apiVersion: backstage.io/v1alpha1',
      'kind: Component',
      'metadata:',
      '  name: svc',
      '  annotations:',
      `    atrium.dev/runbook: ${value}`,
      'spec:',
      '  type: service',
      '  lifecycle: production',
      '  owner: team',
      '',
    ].join('\n');

  test('a runbook file that exists raises nothing; a missing one is a warning at the annotation', async (t) => {
    const dir = tempDir(t);
    write(dir, 'svc/catalog-info.yaml', withRunbook('./docs/runbook.md'));
    const missing = await walkDir(dir, 'svc/catalog-info.yaml');
    assert.deepEqual(
      allProblems(missing).map((p) => `${p.severity} ${p.code} ${p.line}:${p.column}`),
      ['warning runbook-missing 6:25'],
    );
    assert.ok(entityKeys(missing).includes('component:default/svc'), 'the entity still loads');

    write(dir, 'svc/docs/runbook.md', '# Runbook\n');
    const found = await walkDir(dir, 'svc/catalog-info.yaml', { previous: previousOf(missing) });
    assert.deepEqual(allProblems(found), []);
    assert.ok(found.changed.has('svc/catalog-info.yaml'), 'creating the runbook re-checks the descriptor');
  });

  test('a runbook path that leaves the root is a warning and is never read', async (t) => {
    const dir = tempDir(t);
    write(dir, 'catalog-info.yaml', withRunbook('../../etc/passwd'));
    assert.deepEqual(
      allProblems(await walkDir(dir, 'catalog-info.yaml')).map((p) => p.code),
      ['runbook-outside-root'],
    );
    write(dir, 'catalog-info.yaml', withRunbook('https://wiki.example/runbook'));
    assert.deepEqual(allProblems(await walkDir(dir, 'catalog-info.yaml')), []);
  });
});

describe('stamps make unchanged files free', () => {
  test('a file with an old, unchanged stamp is not read again, and a changed one is', async (t) => {
    const dir = tempDir(t);
    write(dir, 'catalog-info.yaml', component('svc'));
    const then = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(dir, 'catalog-info.yaml'), then, then);
    const first = await walkDir(dir, 'catalog-info.yaml');
    assert.ok(first.files[0]?.stamp, 'an old file is stamped');
    const second = await walkDir(dir, 'catalog-info.yaml', { previous: previousOf(first) });
    assert.equal(second.files[0], first.files[0], 'the summary is reused as is');
    assert.equal(second.changed.size, 0);

    write(dir, 'catalog-info.yaml', component('svc', { owner: 'other-team' }));
    const third = await walkDir(dir, 'catalog-info.yaml', { previous: previousOf(second) });
    assert.deepEqual([...third.changed], ['catalog-info.yaml']);
  });

  test('touching a file without changing it keeps its summary and records the new stamp', async (t) => {
    const dir = tempDir(t);
    write(dir, 'catalog-info.yaml', component('svc'));
    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(path.join(dir, 'catalog-info.yaml'), old, old);
    const first = await walkDir(dir, 'catalog-info.yaml');
    const later = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(dir, 'catalog-info.yaml'), later, later);
    const second = await walkDir(dir, 'catalog-info.yaml', { previous: previousOf(first) });
    assert.equal(second.changed.size, 0);
    assert.notEqual(second.files[0]?.stamp, first.files[0]?.stamp);
    assert.deepEqual(second.files[0]?.documents, first.files[0]?.documents);
  });
});

describe('descriptors that try to confuse identity or the process', () => {
  test('an entity whose name or namespace comes from a substitution is known by the substituted value', async (t) => {
    const dir = tempDir(t);
    write(dir, 'ns.txt', 'team-a');
    write(
      dir,
      'catalog-info.yaml',
      [
        'apiVersion: backstage.io/v1alpha1',
        'kind: Component',
        'metadata:',
        '  name: svc',
        '  namespace:',
        '    $text: ./ns.txt',
        'spec:',
        '  type: service',
        '  lifecycle: production',
        '  owner: team',
        '',
      ].join('\n'),
    );
    const walk = await walkDir(dir, 'catalog-info.yaml');
    assert.equal(walk.files[0]?.documents[0]?.key, 'component:team-a/svc');
    assert.deepEqual(entityKeys(walk), ['component:team-a/svc']);
  });

  test('a __proto__ key is plain data: it cannot smuggle in a namespace', async (t) => {
    const dir = tempDir(t);
    write(
      dir,
      'catalog-info.yaml',
      [
        'apiVersion: backstage.io/v1alpha1',
        'kind: Component',
        'metadata:',
        '  name: svc',
        '  __proto__:',
        '    namespace: evil',
        'spec:',
        '  type: service',
        '  lifecycle: production',
        '  owner: team',
        '',
      ].join('\n'),
    );
    const walk = await walkDir(dir, 'catalog-info.yaml');
    assert.deepEqual(entityKeys(walk), ['component:default/svc']);
    const svc = entity(walk, 'component:default/svc');
    assert.equal(svc.metadata.namespace, undefined);
    assert.equal(Object.getPrototypeOf(svc.metadata), Object.prototype);
  });

  test('$json of absurdly deep nesting is a substitution problem, not a crash', async (t) => {
    const dir = tempDir(t);
    write(dir, 'deep.json', '['.repeat(200_000) + ']'.repeat(200_000));
    write(dir, 'catalog-info.yaml', api('deep', ['  definition:', '    $json: ./deep.json']));
    const walk = await walkDir(dir, 'catalog-info.yaml');
    assert.deepEqual(codes(walk), ['catalog-info.yaml substitution-parse']);
  });
});

describe('unsafe links', () => {
  test('a link with a javascript: URL loads, with an unsafe-link warning at the url', async (t) => {
    const dir = tempDir(t);
    write(
      dir,
      'catalog-info.yaml',
      [
        'apiVersion: backstage.io/v1alpha1',
        'kind: Component',
        'metadata:',
        '  name: svc',
        '  links:',
        '    - url: javascript:alert(1)',
        '      type: runbook',
        'spec:',
        '  type: service',
        '  lifecycle: production',
        '  owner: team',
        '',
      ].join('\n'),
    );
    const walk = await walkDir(dir, 'catalog-info.yaml');
    assert.deepEqual(
      allProblems(walk).map((p) => `${p.severity} ${p.code} ${p.line}:${p.column}`),
      ['warning unsafe-link 6:12'],
    );
    assert.deepEqual(entityKeys(walk), ['component:default/svc']);
  });
});

describe('kinds Backstage reads beyond the core ones, and those nobody reads', () => {
  const template = [
    'apiVersion: scaffolder.backstage.io/v1beta3',
    'kind: Template',
    'metadata:',
    '  name: new-service',
    'spec:',
    '  type: service',
    '  owner: team-a',
    '  parameters:',
    '    - title: Basics',
    '      properties:',
    '        name: {type: string}',
    '  steps:',
    '    - id: fetch',
    '      action: fetch:template',
    `      input: {url: ./skeleton, values: {name: "\${{ parameters.name }}"}}`,
    '',
  ].join('\n');

  test('a Template loads as an entity; a kind nobody defines is skipped with one warning, the rest of the file loads', async (t) => {
    const dir = tempDir(t);
    write(
      dir,
      'catalog-info.yaml',
      `${template}---\napiVersion: example.com/v1\nkind: AiResource\nmetadata:\n  name: Bad Name\n---\n${component('svc')}`,
    );
    const walk = await walkDir(dir, 'catalog-info.yaml');
    assert.deepEqual(
      allProblems(walk).map((p) => `${p.severity} ${p.code} ${p.line}:${p.column}`),
      ['warning unknown-kind 18:7'],
    );
    assert.deepEqual(entityKeys(walk), ['component:default/svc', 'template:default/new-service']);
  });

  test('a legacy Template loads with a deprecation warning at its apiVersion', async (t) => {
    const dir = tempDir(t);
    write(dir, 'catalog-info.yaml', template.replace('scaffolder.backstage.io/v1beta3', 'backstage.io/v1beta2'));
    const walk = await walkDir(dir, 'catalog-info.yaml');
    assert.deepEqual(
      allProblems(walk).map((p) => `${p.severity} ${p.code} ${p.line}:${p.column}`),
      ['warning deprecated-api-version 1:13'],
    );
    assert.deepEqual(entityKeys(walk), ['template:default/new-service']);
  });

  test('a service: prefix, an email owner and a placeholder are warnings at the reference; the entity loads', async (t) => {
    const dir = tempDir(t);
    const text = [
      'apiVersion: backstage.io/v1alpha1',
      'kind: Component',
      'metadata:',
      '  name: svc',
      'spec:',
      '  type: service',
      '  lifecycle: production',
      '  owner: jane@example.com',
      '  system: "{{cookiecutter.system}}"',
      '  dependsOn: [service:orders]',
      '',
    ].join('\n');
    write(dir, 'catalog-info.yaml', text);
    const walk = await walkDir(dir, 'catalog-info.yaml');
    const problems = allProblems(walk);
    problems.forEach(assertWellFormed);
    assert.deepEqual(
      problems.map((p) => `${p.severity} ${p.code} ${p.line}:${p.column}`),
      [
        `warning reference-email ${positionOf(text, 'jane@').line}:${positionOf(text, 'jane@').column}`,
        `warning reference-placeholder ${positionOf(text, '"{{').line}:${positionOf(text, '"{{').column}`,
        `warning reference-unknown-kind ${positionOf(text, 'service:orders').line}:${positionOf(text, 'service:orders').column}`,
      ],
    );
    assert.deepEqual(entityKeys(walk), ['component:default/svc']);
  });

  test('a $yaml file with a list as a key is a yaml-warning on the placeholder naming its line, nothing on stderr', async (t) => {
    const emitted = t.mock.method(process, 'emitWarning', () => {});
    const dir = tempDir(t);
    write(dir, 'catalog-info.yaml', api('orders', ['  definition: openapi', '  x-values:', '    $yaml: ./def.yaml']));
    write(dir, 'def.yaml', 'openapi: 3.0.0\npaths:\n  ? [a, b]\n  : {}\n');
    const walk = await walkDir(dir, 'catalog-info.yaml');
    const problems = allProblems(walk);
    assert.deepEqual(
      problems.map((p) => `${p.severity} ${p.code} ${p.line}`),
      ['warning yaml-warning 11'],
    );
    assert.match(problems[0]?.message ?? '', /^def\.yaml:3: A mapping key is itself a list/);
    assert.equal(emitted.mock.callCount(), 0);
    assert.deepEqual(entityKeys(walk), ['api:default/orders']);
  });
});
