import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { CatalogRoot } from './files.ts';
import type { FileSummary } from './file-summary.ts';
import { parsedKey, walkCatalog, type WalkResult } from './load.ts';
import type { Problem } from './model.ts';
import { compareProblems, resolveCatalog, type Resolution, type StoredEntity } from './resolve.ts';
import { component, tempDir, writeFile } from '../../test/support/catalog.ts';
import { externalRefs } from '../platform/external-refs.ts';

const write = writeFile;

function group(name: string, namespace?: string): string {
  return [
    'apiVersion: backstage.io/v1alpha1',
    'kind: Group',
    'metadata:',
    `  name: ${name}`,
    ...(namespace ? [`  namespace: ${namespace}`] : []),
    'spec:',
    '  type: team',
    '  children: []',
    '',
  ].join('\n');
}

function location(name: string, targets: string[]): string {
  return [
    'apiVersion: backstage.io/v1alpha1',
    'kind: Location',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  targets:',
    ...targets.map((t) => `    - ${JSON.stringify(t)}`),
    '',
  ].join('\n');
}

function positionOf(text: string, needle: string): { line: number; column: number } {
  const index = text.indexOf(needle);
  assert.notEqual(index, -1, `${needle} not found`);
  const before = text.slice(0, index);
  return { line: before.split('\n').length, column: index - before.lastIndexOf('\n') };
}

async function walk(dir: string, rootFile: string | undefined, previous?: WalkResult): Promise<WalkResult> {
  const root = await CatalogRoot.open(dir);
  return walkCatalog(root, rootFile, previous ? { previous: new Map(previous.files.map((f) => [f.path, f])) } : {});
}

/** What a store would hold after resolving `walk`: each claimed entity with its file and content hash. */
function storedFrom(resolution: Resolution): Map<string, StoredEntity> {
  const stored = new Map<string, StoredEntity>();
  for (const claim of resolution.claims.values())
    stored.set(claim.key, { file: claim.file, contentHash: claim.contentHash ?? '' });
  return stored;
}

const brief = (problems: readonly Problem[]): string[] =>
  problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.severity} ${p.code}`);

describe('duplicate entities', () => {
  test('a name defined in two files is a duplicate-entity error on the file later in walk order, and the first keeps it', async (t) => {
    const dir = tempDir(t);
    // Walk order is the Location's order (b before a), not alphabetical order.
    write(dir, 'catalog-info.yaml', location('root', ['./b.yaml', './a.yaml']));
    write(dir, 'teams.yaml', group('team-a'));
    write(dir, 'b.yaml', component('checkout'));
    const a = `${group('team-a', 'other')}---\n${component('checkout')}`;
    write(dir, 'a.yaml', a);
    const w = await walk(dir, 'catalog-info.yaml');
    const { claims, problems } = resolveCatalog(w.files, w.problems, new Map());
    const duplicate = problems.filter((p) => p.code === 'duplicate-entity');
    assert.deepEqual(brief(duplicate), [
      `a.yaml:${positionOf(a, 'apiVersion: backstage.io/v1alpha1\nkind: Component').line}:1 error duplicate-entity`,
    ]);
    assert.match(duplicate[0]?.message ?? '', /component:default\/checkout.*b\.yaml:1/);
    assert.equal(duplicate[0]?.entityRef, 'component:default/checkout');
    assert.ok((duplicate[0]?.hint ?? '').length > 0);
    assert.equal(claims.get('component:default/checkout')?.file, 'b.yaml');
    assert.equal(claims.get('group:other/team-a')?.file, 'a.yaml', 'the rest of the later file is still claimed');
  });

  test('names, kinds and namespaces compare case-insensitively: Foo and foo are the same entity', async (t) => {
    const dir = tempDir(t);
    write(dir, 'catalog-info.yaml', location('root', ['./first.yaml', './second.yaml']));
    write(dir, 'first.yaml', component('Foo'));
    write(dir, 'second.yaml', component('foo', { kind: 'component' }));
    const w = await walk(dir, 'catalog-info.yaml');
    const { claims, problems } = resolveCatalog(w.files, w.problems, new Map());
    assert.deepEqual(brief(problems.filter((p) => p.code === 'duplicate-entity')), [
      'second.yaml:1:1 error duplicate-entity',
    ]);
    const claim = claims.get('component:default/foo');
    assert.equal(claim?.file, 'first.yaml');
    assert.equal(claim?.ref, 'component:default/Foo', 'the display ref keeps the name as written');
  });

  test('two documents of one file with the same name: the error is on the second document', async (t) => {
    const dir = tempDir(t);
    const text = `${component('twice')}---\n${component('twice', { owner: 'team-b' })}`;
    write(dir, 'twice.yaml', text);
    const w = await walk(dir, 'twice.yaml');
    const { problems } = resolveCatalog(w.files, w.problems, new Map());
    const secondLine = text.split('\n').indexOf('---') + 2;
    assert.deepEqual(brief(problems.filter((p) => p.code === 'duplicate-entity')), [
      `twice.yaml:${secondLine}:1 error duplicate-entity`,
    ]);
    assert.match(problems.find((p) => p.code === 'duplicate-entity')?.message ?? '', /twice\.yaml:1\b/);
  });

  test('the same name in another kind or another namespace is a different entity', async (t) => {
    const dir = tempDir(t);
    write(dir, 'a.yaml', component('shared'));
    write(dir, 'b.yaml', component('shared', { namespace: 'payments' }));
    write(dir, 'c.yaml', group('shared'));
    write(
      dir,
      'd.yaml',
      [
        'apiVersion: backstage.io/v1alpha1',
        'kind: System',
        'metadata:',
        '  name: shared',
        'spec:',
        '  owner: shared',
        '',
      ].join('\n'),
    );
    const w = await walk(dir, undefined);
    const { claims, problems } = resolveCatalog(w.files, w.problems, new Map());
    assert.deepEqual([...claims.keys()].sort(), [
      'component:default/shared',
      'component:payments/shared',
      'group:default/shared',
      'system:default/shared',
    ]);
    assert.deepEqual(
      problems.filter((p) => p.severity === 'error'),
      [],
    );
  });

  test('the entity a walk parsed for a claim is the claimed document, not a later duplicate', async (t) => {
    const dir = tempDir(t);
    write(dir, 'catalog-info.yaml', location('root', ['./first.yaml', './second.yaml']));
    write(dir, 'first.yaml', component('x', { owner: 'team-first' }));
    write(dir, 'second.yaml', component('x', { owner: 'team-second' }));
    const w = await walk(dir, 'catalog-info.yaml');
    const { claims } = resolveCatalog(w.files, w.problems, new Map());
    const claim = claims.get('component:default/x');
    assert.equal(claim?.file, 'first.yaml');
    const parsed = w.parsed.get(parsedKey('first.yaml', 'component:default/x'));
    assert.equal(parsed?.spec?.owner, 'team-first', 'a sync stores this body under the claim');
    assert.equal(createHash('sha1').update(JSON.stringify(parsed)).digest('hex'), claim?.contentHash);
  });

  test('a later invalid copy of a claimed entity is no duplicate and does not take the claim', async (t) => {
    const dir = tempDir(t);
    write(dir, 'catalog-info.yaml', location('root', ['./good.yaml', './bad.yaml']));
    write(dir, 'good.yaml', component('x'));
    write(dir, 'bad.yaml', component('x').replace('  lifecycle: production\n', ''));
    const w = await walk(dir, 'catalog-info.yaml');
    const stored = new Map([['component:default/x', { file: 'bad.yaml', contentHash: 'old' }]]);
    const { claims, problems } = resolveCatalog(w.files, w.problems, stored);
    assert.equal(claims.get('component:default/x')?.file, 'good.yaml');
    assert.equal(claims.get('component:default/x')?.stale, false);
    assert.deepEqual(
      problems.map((p) => p.code).filter((c) => c !== 'dangling-reference'),
      ['missing-field'],
    );
  });
});

describe('dangling references', () => {
  test('an owner or dependency that is not in the catalog is a dangling-reference warning at the reference, and the entity is still claimed', async (t) => {
    const dir = tempDir(t);
    const text = component('checkout', {
      owner: 'ghost-team',
      spec: ['  dependsOn:', '    - component:payments', '    - resource:orders-db'],
    });
    write(dir, 'svc/checkout.yaml', text);
    write(dir, 'svc/payments.yaml', component('payments', { owner: 'group:default/team-a' }));
    write(dir, 'teams.yaml', group('team-a'));
    const w = await walk(dir, undefined);
    const { claims, problems } = resolveCatalog(w.files, w.problems, new Map());
    const owner = positionOf(text, 'ghost-team');
    const db = positionOf(text, 'resource:orders-db');
    assert.deepEqual(brief(problems), [
      `svc/checkout.yaml:${owner.line}:${owner.column} warning dangling-reference`,
      `svc/checkout.yaml:${db.line}:${db.column} warning dangling-reference`,
    ]);
    assert.match(problems[0]?.message ?? '', /spec\.owner.*group:default\/ghost-team/);
    assert.match(problems[1]?.message ?? '', /spec\.dependsOn.*resource:default\/orders-db/);
    for (const p of problems) assert.equal(p.entityRef, 'component:default/checkout');
    const claim = claims.get('component:default/checkout');
    assert.equal(claim?.stale, false);
    assert.equal(claim?.references.length, 3, 'a dangling reference is kept as a relation');
  });

  test("references match case-insensitively and default to the entity's own namespace", async (t) => {
    const dir = tempDir(t);
    write(dir, 'a.yaml', component('a', { owner: 'Team-A' }));
    const b = component('b', { namespace: 'payments', owner: 'team-a' });
    write(dir, 'b.yaml', b);
    write(dir, 'c.yaml', component('c', { namespace: 'payments', owner: 'default/team-a' }));
    write(dir, 'teams.yaml', group('team-a'));
    const w = await walk(dir, undefined);
    const { problems } = resolveCatalog(w.files, w.problems, new Map());
    const owner = positionOf(b, 'team-a');
    assert.deepEqual(brief(problems), [`b.yaml:${owner.line}:${owner.column} warning dangling-reference`]);
    assert.match(problems[0]?.message ?? '', /group:payments\/team-a/);
  });
});

describe('dangling references, grouped by target', () => {
  test('one problem per missing target lists every entity that refers to it, anchored at the first, with a count', async (t) => {
    const dir = tempDir(t);
    const a = component('a', { owner: 'ghost-team' });
    const b = component('b', { owner: 'ghost-team', dependsOn: ['component:ghost-lib'] });
    write(dir, 'a.yaml', a);
    write(dir, 'b.yaml', b);
    write(dir, 'c.yaml', component('c', { owner: 'Ghost-Team', spec: ['  subcomponentOf: ghost-lib'] }));
    const w = await walk(dir, undefined);
    const { problems, external } = resolveCatalog(w.files, w.problems, new Map());
    assert.deepEqual(external, []);
    assert.equal(problems.length, 2, 'two missing targets, five references');
    const team = problems.find((p) => p.target === 'group:default/ghost-team');
    const owner = positionOf(a, 'ghost-team');
    assert.deepEqual(
      { file: team?.file, line: team?.line, column: team?.column, entityRef: team?.entityRef, count: team?.count },
      { file: 'a.yaml', line: owner.line, column: owner.column, entityRef: 'component:default/a', count: 3 },
    );
    assert.equal(team?.message, 'group:default/ghost-team is not in the catalog; 3 entities refer to it');
    assert.deepEqual(
      team?.referrers?.map((r) => `${r.entityRef} ${r.field} ${r.file}:${r.line}`),
      [
        `component:default/a spec.owner a.yaml:${owner.line}`,
        `component:default/b spec.owner b.yaml:${owner.line}`,
        `component:default/c spec.owner c.yaml:${owner.line}`,
      ],
    );
    const lib = problems.find((p) => p.target === 'component:default/ghost-lib');
    assert.equal(lib?.count, 2);
    assert.equal(lib?.file, 'b.yaml');
    assert.deepEqual(
      lib?.referrers?.map((r) => `${r.entityRef} ${r.field}`),
      ['component:default/b spec.dependsOn', 'component:default/c spec.subcomponentOf'],
    );
  });

  test('an entity naming the same missing target twice is one referrer, at its first reference', async (t) => {
    const dir = tempDir(t);
    const text = component('a', {
      owner: 'group:x',
      spec: ['  subcomponentOf: component:x', '  dependsOn: [group:x]'],
    });
    write(dir, 'a.yaml', text);
    const w = await walk(dir, undefined);
    const { problems } = resolveCatalog(w.files, w.problems, new Map());
    const group = problems.find((p) => p.target === 'group:default/x');
    assert.equal(group?.count, 1);
    assert.equal(group?.message, 'spec.owner refers to group:default/x, which is not in the catalog');
  });

  test('targets matched by catalog.externalRefs are no problem: they are listed as external with their referrers', async (t) => {
    const dir = tempDir(t);
    write(dir, 'a.yaml', component('a', { owner: 'directory-team', dependsOn: ['component:ghost'] }));
    write(dir, 'b.yaml', component('b', { owner: 'user:jane' }));
    const w = await walk(dir, undefined);
    const { problems, external } = resolveCatalog(
      w.files,
      w.problems,
      new Map(),
      new Set(),
      externalRefs(['group:*', 'user:*']),
    );
    assert.deepEqual(
      problems.map((p) => p.target),
      ['component:default/ghost'],
    );
    assert.deepEqual(
      external.map((e) => `${e.target} ${e.referrers.map((r) => r.entityRef).join(',')}`),
      ['group:default/directory-team component:default/a', 'user:default/jane component:default/b'],
    );
  });
});

describe('stale last-good entities', () => {
  test('a document that is now invalid keeps its stored entity, marked stale, when the store has it from the same file', async (t) => {
    const dir = tempDir(t);
    write(dir, 'teams.yaml', group('team-a'));
    write(dir, 'svc.yaml', component('svc', { owner: 'ghost' }));
    const first = await walk(dir, undefined);
    const before = resolveCatalog(first.files, first.problems, new Map());
    const stored = storedFrom(before);
    const storedHash = stored.get('component:default/svc')?.contentHash;
    assert.ok(storedHash);

    const broken = component('svc', { owner: 'ghost' }).replace('  type: service\n', '');
    write(dir, 'svc.yaml', broken);
    const second = await walk(dir, undefined, first);
    const { claims, problems } = resolveCatalog(second.files, second.problems, stored);
    const claim = claims.get('component:default/svc');
    assert.equal(claim?.stale, true);
    assert.equal(claim?.file, 'svc.yaml');
    assert.equal(claim?.contentHash, storedHash, 'the stored version is the one kept');
    assert.deepEqual(claim?.references, []);
    // A missing field points at the mapping that lacks it: spec, whose first key is lifecycle now.
    const spec = positionOf(broken, 'lifecycle');
    assert.deepEqual(
      brief(problems),
      [`svc.yaml:${spec.line}:${spec.column} error missing-field`],
      'the stale entity reports its problem, and no dangling reference',
    );
    assert.equal(claims.get('group:default/team-a')?.stale, false);
  });

  test('an invalid document is not claimed when the store has its entity from another file, or not at all', async (t) => {
    const dir = tempDir(t);
    write(dir, 'a.yaml', component('a').replace('  type: service\n', ''));
    write(dir, 'b.yaml', component('b').replace('  type: service\n', ''));
    const w = await walk(dir, undefined);
    const stored = new Map([['component:default/a', { file: 'elsewhere.yaml', contentHash: 'h' }]]);
    const { claims, problems } = resolveCatalog(w.files, w.problems, stored);
    assert.equal(claims.size, 0);
    assert.deepEqual(
      problems.map((p) => `${p.file} ${p.code}`),
      ['a.yaml missing-field', 'b.yaml missing-field'],
    );
  });

  test("a file that no longer parses keeps its previous documents' entities stale, reporting only its current problems", async (t) => {
    const dir = tempDir(t);
    write(dir, 'teams.yaml', group('team-a'));
    write(dir, 'multi.yaml', `${component('one')}---\n${component('two', { owner: 'ghost' })}`);
    const first = await walk(dir, undefined);
    const before = resolveCatalog(first.files, first.problems, new Map());
    assert.equal(before.claims.size, 3);
    const stored = storedFrom(before);

    write(dir, 'multi.yaml', 'apiVersion: backstage.io/v1alpha1\nkind: [Component\n');
    const second = await walk(dir, undefined, first);
    const summary = second.files.find((f) => f.path === 'multi.yaml');
    assert.equal(summary?.broken, true);
    const { claims, problems } = resolveCatalog(second.files, second.problems, stored);
    assert.equal(claims.get('component:default/one')?.stale, true);
    assert.equal(claims.get('component:default/two')?.stale, true);
    assert.equal(claims.get('component:default/one')?.contentHash, stored.get('component:default/one')?.contentHash);
    assert.equal(claims.get('group:default/team-a')?.stale, false);
    assert.ok(problems.length > 0);
    assert.ok(
      problems.every((p) => p.file === 'multi.yaml' && p.code === 'yaml-syntax'),
      JSON.stringify(problems),
    );
  });

  test('a broken file keeps only the entities the store has from it', async (t) => {
    const dir = tempDir(t);
    write(dir, 'multi.yaml', `${component('one')}---\n${component('two')}`);
    const first = await walk(dir, undefined);
    const stored = new Map([['component:default/one', { file: 'multi.yaml', contentHash: 'h1' }]]);
    write(dir, 'multi.yaml', Buffer.from([0xc3, 0x28]));
    const second = await walk(dir, undefined, first);
    const { claims, problems } = resolveCatalog(second.files, second.problems, stored);
    assert.deepEqual([...claims.keys()], ['component:default/one']);
    assert.equal(claims.get('component:default/one')?.stale, true);
    assert.deepEqual(brief(problems), ['multi.yaml:1:1 error file-encoding']);
  });

  test('a valid definition elsewhere wins over a stale last-good copy, with no duplicate error', async (t) => {
    const dir = tempDir(t);
    write(dir, 'catalog-info.yaml', location('root', ['./old.yaml', './new.yaml']));
    write(dir, 'old.yaml', component('moved'));
    write(dir, 'new.yaml', group('team-a'));
    const first = await walk(dir, 'catalog-info.yaml');
    const stored = storedFrom(resolveCatalog(first.files, first.problems, new Map()));
    assert.equal(stored.get('component:default/moved')?.file, 'old.yaml');

    // The entity moves to new.yaml while old.yaml is left half-edited and invalid.
    write(dir, 'old.yaml', component('moved').replace('  type: service\n', ''));
    write(dir, 'new.yaml', `${group('team-a')}---\n${component('moved', { owner: 'team-a' })}`);
    const second = await walk(dir, 'catalog-info.yaml', first);
    const { claims, problems } = resolveCatalog(second.files, second.problems, stored);
    const claim = claims.get('component:default/moved');
    assert.equal(claim?.file, 'new.yaml');
    assert.equal(claim?.stale, false);
    assert.deepEqual(
      problems.map((p) => `${p.file} ${p.code}`),
      ['old.yaml missing-field'],
    );
  });

  test("a stale entity still counts as present for other entities' references", async (t) => {
    const dir = tempDir(t);
    write(dir, 'teams.yaml', group('team-a'));
    write(dir, 'svc.yaml', component('svc'));
    const first = await walk(dir, undefined);
    const stored = storedFrom(resolveCatalog(first.files, first.problems, new Map()));
    write(dir, 'teams.yaml', 'kind: Group\nmetadata: {name: team-a\n');
    const second = await walk(dir, undefined, first);
    const { claims, problems } = resolveCatalog(second.files, second.problems, stored);
    assert.equal(claims.get('group:default/team-a')?.stale, true);
    assert.equal(problems.filter((p) => p.code === 'dangling-reference').length, 0);
  });
});

describe('problem order and purity', () => {
  test("problems, including the walk's own, come sorted by file, line and column", async (t) => {
    const dir = tempDir(t);
    write(
      dir,
      'catalog-info.yaml',
      location('root', ['./z.yaml', './a.yaml', './missing.yaml', 'https://x.test/y.yaml']),
    );
    write(
      dir,
      'z.yaml',
      `${component('z1', { owner: 'nobody' })}---\n${component('z2').replace('  type: service\n', '')}`,
    );
    write(dir, 'a.yaml', `${component('a1', { owner: 'nobody' })}---\n${component('a1')}`);
    const w = await walk(dir, 'catalog-info.yaml');
    const walkProblems = [...w.problems];
    const { problems } = resolveCatalog(w.files, w.problems, new Map());
    assert.deepEqual(w.problems, walkProblems, 'the walk problems passed in are not changed');
    const sorted = [...problems].sort(compareProblems);
    assert.deepEqual(problems, sorted);
    assert.deepEqual([...new Set(problems.map((p) => p.file))], ['a.yaml', 'catalog-info.yaml', 'z.yaml']);
    const codes = problems.map((p) => p.code);
    for (const code of [
      'location-target-missing',
      'location-url-unsupported',
      'duplicate-entity',
      'dangling-reference',
      'missing-field',
    ]) {
      assert.ok(codes.includes(code), `${code} in ${codes.join(', ')}`);
    }
    for (let i = 1; i < problems.length; i++) {
      const [a, b] = [problems[i - 1] as Problem, problems[i] as Problem];
      assert.ok(
        a.file < b.file || (a.file === b.file && (a.line < b.line || (a.line === b.line && a.column <= b.column))),
        `${brief([a])} before ${brief([b])}`,
      );
    }
  });

  test('compareProblems orders by file, then line, then column, then code', () => {
    const p = (file: string, line: number, column: number, code: string): Problem => ({
      severity: 'error',
      code,
      message: 'm',
      hint: 'h',
      file,
      line,
      column,
    });
    const list = [
      p('b.yaml', 1, 1, 'x'),
      p('a.yaml', 10, 1, 'x'),
      p('a.yaml', 2, 5, 'y'),
      p('a.yaml', 2, 5, 'a'),
      p('a.yaml', 2, 1, 'z'),
    ];
    assert.deepEqual(
      list.sort(compareProblems).map((q) => `${q.file}:${q.line}:${q.column}:${q.code}`),
      ['a.yaml:2:1:z', 'a.yaml:2:5:a', 'a.yaml:2:5:y', 'a.yaml:10:1:x', 'b.yaml:1:1:x'],
    );
  });

  test('resolving hand-written summaries needs no files: the first valid claim wins', () => {
    const doc = (line: number, valid: boolean) => ({
      key: 'component:default/x',
      ref: 'component:default/x',
      kind: 'Component' as const,
      line,
      column: 1,
      valid,
      problems: [],
      references: [],
      targets: [],
      ...(valid ? { contentHash: `hash-${line}` } : {}),
    });
    const files: FileSummary[] = [
      { path: 'one.yaml', hash: 'h1', broken: false, problems: [], dependencies: [], documents: [doc(3, true)] },
      { path: 'two.yaml', hash: 'h2', broken: false, problems: [], dependencies: [], documents: [doc(7, true)] },
    ];
    const { claims, problems } = resolveCatalog(files, [], new Map());
    assert.deepEqual(claims.get('component:default/x'), {
      key: 'component:default/x',
      ref: 'component:default/x',
      kind: 'Component',
      file: 'one.yaml',
      line: 3,
      column: 1,
      stale: false,
      contentHash: 'hash-3',
      references: [],
    });
    assert.deepEqual(brief(problems), ['two.yaml:7:1 error duplicate-entity']);
  });
});
