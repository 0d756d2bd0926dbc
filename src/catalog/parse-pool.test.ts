import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { component, location, tempCatalog } from '../../test/support/catalog.ts';
// Registers the Flag kind, in this thread and (by the module's URL) in the pool's threads.
import '../capabilities.ts';
import { CatalogRoot } from './files.ts';
import { walkCatalog } from './load.ts';
import { ParsePool } from './parse-pool.ts';

/**
 * A root whose clock is an hour on: every file is old enough to stamp, in the workers too
 * (they judge a file's age by the root's clock), so inline and pooled walks agree however
 * long the machine takes between them.
 */
function openAnHourOn(dir: string): Promise<CatalogRoot> {
  const at = Date.now() + 3_600_000;
  return CatalogRoot.open(dir, undefined, undefined, () => at);
}

describe('ParsePool', () => {
  test('a big batch is parsed on worker threads with exactly the results of parsing inline', async (t) => {
    const files: Record<string, string> = { 'catalog-info.yaml': location(['./services/*.yaml']) };
    for (let i = 0; i < 40; i++) {
      files[`services/svc-${i}.yaml`] =
        component(`svc-${i}`, { dependsOn: [`component:svc-${(i + 1) % 40}`], tags: ['go'] }) +
        (i === 7 ? 'broken: [\n' : '');
    }
    files['services/openapi.txt'] = 'openapi: 3.1.0\n';
    const catalog = tempCatalog(files);
    const root = await openAnHourOn(catalog.dir);
    const pool = new ParsePool(root, undefined, 2);
    t.after(async () => {
      await pool.close();
      catalog.cleanup();
    });
    const inline = await walkCatalog(root, 'catalog-info.yaml');
    const pooled = await walkCatalog(root, 'catalog-info.yaml', { parser: pool.parser });
    assert.equal(pool.workerCount, 2, 'workers were started for 40 files');
    assert.deepEqual(pooled.files, inline.files);
    assert.deepEqual([...pooled.parsed].sort(), [...inline.parsed].sort());
    assert.deepEqual(pooled.problems, inline.problems);
    assert.equal(pooled.parsed.size, 39 + 1);
  });

  test('a few files are parsed inline: starting workers would cost more than it saves', async (t) => {
    const catalog = tempCatalog({
      'catalog-info.yaml': location(['./a.yaml', './b.yaml']),
      'a.yaml': component('a'),
      'b.yaml': component('b'),
    });
    const root = await openAnHourOn(catalog.dir);
    const pool = new ParsePool(root, undefined, 2);
    t.after(async () => {
      await pool.close();
      catalog.cleanup();
    });
    const walk = await walkCatalog(root, 'catalog-info.yaml', { parser: pool.parser });
    assert.equal(walk.parsed.size, 3);
    assert.equal(pool.workerCount, 0);
  });

  test('the worker threads know the registered kinds (a Flag is read, not an unknown kind)', async (t) => {
    const files: Record<string, string> = { 'catalog-info.yaml': location(['./flags/*.yaml']) };
    for (let i = 0; i < 40; i++)
      files[`flags/flag-${i}.yaml`] =
        `apiVersion: atrium.dev/v1\nkind: Flag\nmetadata:\n  name: flag-${i}\nspec:\n  owner: team-a\n  service: svc\n  type: release\n` +
        (i === 3
          ? '  strategies: [{ name: default, constraints: [{ contextName: x, operator: NOPE, values: [a] }] }]\n'
          : '');
    const catalog = tempCatalog(files);
    const root = await openAnHourOn(catalog.dir);
    const pool = new ParsePool(root, undefined, 2);
    t.after(async () => {
      await pool.close();
      catalog.cleanup();
    });
    const inline = await walkCatalog(root, 'catalog-info.yaml');
    const pooled = await walkCatalog(root, 'catalog-info.yaml', { parser: pool.parser });
    assert.equal(pool.workerCount, 2, 'workers were started for 40 files');
    assert.deepEqual(pooled.files, inline.files);
    assert.equal(pooled.parsed.size, 1 + 39);
    // A flag's own checks (the flag engine's) ran in the workers too.
    assert.deepEqual(
      pooled.files.flatMap((f) => f.documents.flatMap((d) => d.problems.map((p) => `${p.file} ${p.code}`))),
      ['flags/flag-3.yaml invalid-flag'],
    );
  });
});
