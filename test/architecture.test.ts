import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkGraph, type Import, type ModuleGraph, roomCycles, roomOf } from '../scripts/check-architecture.ts';
import { PURE } from '../scripts/architecture-rules.ts';

/** A graph of the given imports, with every pure module of the rules present (so the check does not ask for them). */
function graphOf(imports: Import[], external: Record<string, string[]> = {}): ModuleGraph {
  const modules = new Set<string>(PURE);
  for (const { from, to } of imports) {
    modules.add(from);
    modules.add(to);
  }
  for (const module of Object.keys(external)) modules.add(module);
  return { modules: [...modules], internal: imports, external: new Map(Object.entries(external)) };
}

describe('architecture check', () => {
  it('names the room of a module by its first folder, and a file at the top by its name', () => {
    assert.equal(roomOf('catalog/pages/list-page.ts'), 'catalog');
    assert.equal(roomOf('main.ts'), 'main');
  });

  it('finds a cycle between folders, however long, and not within one', () => {
    assert.deepEqual(
      roomCycles([
        { from: 'catalog/a.ts', to: 'catalog/b.ts' },
        { from: 'catalog/b.ts', to: 'catalog/a.ts' },
      ]),
      [],
    );
    assert.deepEqual(
      roomCycles([
        { from: 'catalog/a.ts', to: 'changes/b.ts' },
        { from: 'changes/b.ts', to: 'flags/c.ts' },
        { from: 'flags/c.ts', to: 'catalog/d.ts' },
        { from: 'portal/e.ts', to: 'catalog/a.ts' },
      ]),
      [['catalog', 'changes', 'flags']],
    );
  });

  it('passes a tree whose imports run down the layers', () => {
    const verdict = checkGraph(
      graphOf([
        { from: 'portal/site-map.ts', to: 'catalog/pages/list-page.ts' },
        { from: 'catalog/pages/list-page.ts', to: 'web/html.ts' },
        { from: 'flags/service.ts', to: 'changes/service.ts' },
        { from: 'changes/service.ts', to: 'platform/errors.ts' },
      ]),
    );
    assert.deepEqual(verdict.failures, []);
  });

  it('fails a foundation that imports a capability', () => {
    const verdict = checkGraph(graphOf([{ from: 'web/components.ts', to: 'catalog/model.ts' }]));
    assert.match(
      verdict.failures.join('\n'),
      /web\/components\.ts imports catalog\/model\.ts: web\/ imports no capability/,
    );
    const platform = checkGraph(graphOf([{ from: 'platform/http/app.ts', to: 'web/html.ts' }]));
    assert.match(platform.failures.join('\n'), /platform\/ is below web\//);
  });

  it('fails a pure module that imports I/O, directly or through a module that is not pure', () => {
    const direct = checkGraph(graphOf([], { 'catalog/model.ts': ['node:fs'] }));
    assert.match(direct.failures.join('\n'), /catalog\/model\.ts is pure but imports node:fs/);
    const indirect = checkGraph(graphOf([{ from: 'changes/github.ts', to: 'changes/schema.ts' }]));
    assert.match(indirect.failures.join('\n'), /changes\/github\.ts is pure but imports changes\/schema\.ts/);
    const allowed = checkGraph(graphOf([], { 'catalog/schema.ts': ['zod'], 'auth/token.ts': ['node:crypto'] }));
    assert.deepEqual(allowed.failures, []);
  });

  it('tolerates three imports up the layers and fails the fourth, naming each', () => {
    const up = (n: number): Import[] =>
      Array.from({ length: n }, (_, i) => ({ from: `catalog/m${i}.ts`, to: `portal/p${i}.ts` }));
    assert.deepEqual(checkGraph(graphOf(up(3))).failures, []);
    assert.equal(checkGraph(graphOf(up(3))).upward.length, 3);
    const failures = checkGraph(graphOf(up(4))).failures.join('\n');
    assert.match(failures, /4 imports run up the layers \(at most 3\)/);
    assert.match(failures, /catalog\/m3\.ts -> portal\/p3\.ts/);
  });

  it('fails an import of a module that does not exist, and a room in no layer', () => {
    const graph = graphOf([]);
    graph.internal.push({ from: 'catalog/model.ts', to: 'catalog/gone.ts' });
    assert.match(checkGraph(graph).failures.join('\n'), /catalog\/gone\.ts, which is not a module of src\//);
    assert.throws(
      () => checkGraph(graphOf([{ from: 'newroom/a.ts', to: 'catalog/model.ts' }])),
      /src\/newroom\/ is in no layer/,
    );
  });
});
