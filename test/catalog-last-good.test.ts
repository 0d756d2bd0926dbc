import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import '../src/capabilities.ts';
import { CatalogStore } from '../src/catalog/store.ts';
import { CatalogSyncer } from '../src/catalog/sync.ts';
import type { DialectName } from '../src/platform/db/connect.ts';
import { component, group, location, tempCatalog, type TempCatalog } from './support/catalog.ts';
import { createTestDatabase, describeEachDatabase } from './support/databases.ts';
import { startTestServer } from './support/test-server.ts';

/**
 * "Keep the last good entity": what a sync does when a file (or the whole root) is not
 * in a state to say that an entity is gone. Removal needs a readable, parseable file that
 * no longer holds the document; anything else keeps the entity, stale, with a problem.
 */

const fixedNow = () => new Date('2026-01-15T10:00:00.000Z');

async function setUp(t: TestContext, dialect: DialectName, files: Record<string, string>, dir?: string) {
  const testDb = await createTestDatabase(dialect);
  const database = await testDb.open();
  const catalog = tempCatalog({ ...files, 'team.yaml': group('team-a') });
  t.after(async () => {
    await database.close();
    await testDb.drop();
    catalog.cleanup();
  });
  const store = new CatalogStore(database);
  // As `serve` syncs: a root that cannot be read keeps the stored catalog.
  const syncer = new CatalogSyncer(store, { catalog: dir ?? catalog.dir, now: fixedNow, keepWhenRootMissing: true });
  const oneOff = new CatalogSyncer(store, { catalog: dir ?? catalog.dir, now: fixedNow });
  return { store, syncer, oneOff, catalog };
}

const two = `${component('one', { title: 'One' })}---\n${component('two', { title: 'Two' })}`;

async function entityState(
  store: CatalogStore,
  name: string,
): Promise<{ stale: boolean; problems: string[] } | 'absent'> {
  const found = await store.getEntity(`component:default/${name}`);
  return found ? { stale: found.stale, problems: found.problems.map((p) => p.code) } : 'absent';
}

async function fileProblems(store: CatalogStore, file: string): Promise<string[]> {
  return (await store.listProblems({ file }, 100)).items.map((p) => p.code);
}

describeEachDatabase('last good entity', (dialect) => {
  const catalogFiles = () => ({ 'catalog-info.yaml': location(['./pair.yaml', './team.yaml']), 'pair.yaml': two });

  test('an emptied (or whitespace-only) file keeps its entities, stale, with a file-empty problem', async (t) => {
    const { store, syncer, catalog } = await setUp(t, dialect, catalogFiles());
    await syncer.sync();
    for (const emptied of ['', '  \n\n\t\n']) {
      catalog.write('pair.yaml', emptied);
      const report = await syncer.sync();
      assert.equal(report.deleted, 0, JSON.stringify(emptied));
      assert.deepEqual(await entityState(store, 'one'), { stale: true, problems: ['file-empty'] });
      assert.deepEqual(await entityState(store, 'two'), { stale: true, problems: ['file-empty'] });
      assert.deepEqual(await fileProblems(store, 'pair.yaml'), ['file-empty']);
    }
    catalog.write('pair.yaml', two);
    await syncer.sync();
    assert.deepEqual(await entityState(store, 'two'), { stale: false, problems: [] });
    assert.deepEqual(await fileProblems(store, 'pair.yaml'), []);
  });

  test('a file cut exactly between two documents keeps the lost one stale (file-truncated); a clean removal removes it', async (t) => {
    const { store, syncer, catalog } = await setUp(t, dialect, catalogFiles());
    await syncer.sync();
    const first = component('one', { title: 'One' });
    // Ends after the separator, with or without its line break; or without the last line break.
    for (const cut of [`${first}---\n`, `${first}---`, first.trimEnd()]) {
      catalog.write('pair.yaml', cut);
      const report = await syncer.sync();
      assert.equal(report.deleted, 0, JSON.stringify(cut));
      assert.deepEqual(await entityState(store, 'two'), { stale: true, problems: ['file-truncated'] });
      assert.deepEqual(await fileProblems(store, 'pair.yaml'), ['file-truncated']);
    }
    // Cut inside the second document at a line break: its document is left unidentifiable.
    catalog.write('pair.yaml', `${first}---\napiVersion: backstage.io/v1alpha1\nkind: Component\n`);
    await syncer.sync();
    assert.deepEqual(await entityState(store, 'two'), { stale: true, problems: ['file-truncated'] });

    // Removing the document and its separator, ending the file with a line break, removes the entity.
    catalog.write('pair.yaml', first);
    const removal = await syncer.sync();
    assert.equal(removal.deleted, 1);
    assert.equal(await entityState(store, 'two'), 'absent');
    assert.deepEqual(await entityState(store, 'one'), { stale: false, problems: [] });
    assert.deepEqual(await fileProblems(store, 'pair.yaml'), []);
  });

  test('a save that truncates then writes, with a sync between, keeps the last good version; a broken one next keeps it stale', async (t) => {
    const { store, syncer, catalog } = await setUp(t, dialect, catalogFiles());
    await syncer.sync();
    catalog.write('pair.yaml', ''); // the truncation
    await syncer.sync();
    catalog.write('pair.yaml', `${two}oops: [\n`); // then a broken version
    await syncer.sync();
    const one = await store.getEntity('component:default/one');
    assert.ok(one, 'the entity must not vanish');
    assert.equal(one.stale, true);
    assert.equal(one.entity.metadata.title, 'One');
    assert.deepEqual(await fileProblems(store, 'pair.yaml'), ['yaml-syntax']);
    catalog.write('pair.yaml', two.replace('title: One', 'title: One again'));
    await syncer.sync();
    assert.equal((await store.getEntity('component:default/one'))?.entity.metadata.title, 'One again');
    assert.equal((await store.getEntity('component:default/one'))?.stale, false);
  });

  test('a file replaced by a named pipe is kept stale as unreadable, and the sync does not wait for a writer', async (t) => {
    const { store, syncer, catalog } = await setUp(t, dialect, {
      'catalog-info.yaml': location(['./services/*.yaml', './team.yaml']),
      'services/a.yaml': component('a'),
      'services/b.yaml': component('b'),
    });
    await syncer.sync();
    catalog.remove('services/b.yaml');
    execFileSync('mkfifo', [join(catalog.dir, 'services/b.yaml')]);
    const report = await syncer.sync();
    assert.equal(report.deleted, 0);
    assert.deepEqual(await entityState(store, 'b'), { stale: true, problems: ['file-unreadable'] });
    assert.deepEqual(await entityState(store, 'a'), { stale: false, problems: [] });
  });

  test('a vanished catalog root keeps every entity (stale) and says so as a problem; its return clears both', async (t) => {
    const parent = mkdtempSync(join(tmpdir(), 'atrium-vanish-'));
    t.after(() => rmSync(parent, { recursive: true, force: true }));
    const root = join(parent, 'catalog');
    const { store, syncer, oneOff, catalog } = await setUp(t, dialect, catalogFiles(), root);
    renameSync(catalog.dir, root);
    await syncer.sync();
    renameSync(root, join(parent, 'gone'));
    await assert.rejects(oneOff.sync(), { code: 'catalog-not-found' }, 'a one-off `atrium sync` still fails');
    const report = await syncer.sync();
    assert.equal(report.deleted, 0);
    assert.equal(report.errors, 1);
    assert.deepEqual(await entityState(store, 'one'), { stale: true, problems: [] });
    const problems = (await store.listProblems({}, 10)).items;
    assert.deepEqual(
      problems.map((p) => [p.code, p.file]),
      [['catalog-not-found', '.']],
    );
    assert.equal(syncer.unreadableRoot()?.code, 'catalog-not-found');
    assert.equal((await syncer.sync()).changed, false, 'a second look at the missing root writes nothing');

    renameSync(join(parent, 'gone'), root);
    const back = await syncer.sync();
    assert.equal(back.errors, 0);
    assert.deepEqual(await entityState(store, 'one'), { stale: false, problems: [] });
    assert.deepEqual((await store.listProblems({}, 10)).items, []);
    assert.equal(syncer.unreadableRoot(), undefined);
  });

  test('a catalog path that never existed still fails the first sync (nothing to keep)', async (t) => {
    const { syncer } = await setUp(t, dialect, {}, '/nonexistent/atrium-catalog');
    await assert.rejects(syncer.sync(), (err: Error & { code?: string }) => err.code === 'catalog-not-found');
  });

  test('a vanished root shows on the problems page and in /readyz detail (200: the last catalog is still served)', async (t) => {
    const parent = mkdtempSync(join(tmpdir(), 'atrium-vanish-'));
    const root = join(parent, 'catalog');
    const catalog: TempCatalog = tempCatalog({ ...catalogFiles(), 'team.yaml': group('team-a') });
    renameSync(catalog.dir, root);
    const fixture = await startTestServer(dialect, { catalog: root });
    t.after(async () => {
      await fixture.close();
      rmSync(parent, { recursive: true, force: true });
    });
    const ready = await fixture.server.app.request('/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(((await ready.json()) as { degraded: unknown[] }).degraded, []);

    renameSync(root, join(parent, 'gone'));
    await fixture.server.syncCatalog();
    const degraded = await fixture.server.app.request('/readyz');
    assert.equal(degraded.status, 200);
    const body = (await degraded.json()) as { status: string; degraded: { code: string; message: string }[] };
    assert.equal(body.status, 'ready');
    assert.deepEqual(
      body.degraded.map((d) => d.code),
      ['catalog-not-found'],
    );
    assert.doesNotMatch(body.degraded[0]?.message ?? '', new RegExp(parent), 'no server path in a public answer');
    const page = await fixture.server.app.request('/problems/');
    assert.equal(page.status, 200);
    assert.match(await page.text(), /catalog-not-found/);
    assert.equal((await fixture.server.app.request('/api/v1/entities/component/default/one')).status, 200);

    renameSync(join(parent, 'gone'), root);
    await fixture.server.syncCatalog();
    assert.deepEqual(
      ((await (await fixture.server.app.request('/readyz')).json()) as { degraded: unknown[] }).degraded,
      [],
    );
  });

  // Another tool's format (a kind's dialect) whose translation fails made no document to
  // keep the entity by: it must still claim what it made last time.
  const sloth = (objective: string) =>
    [
      'version: prometheus/v1',
      'service: one',
      'slos:',
      '  - name: availability',
      `    objective: ${objective}`,
      '    sli:',
      '      events:',
      '        error_query: sum(rate(errors_total[{{.window}}]))',
      '        total_query: sum(rate(requests_total[{{.window}}]))',
      '',
    ].join('\n');
  const openslo = (target: string) =>
    [
      'apiVersion: openslo/v1',
      'kind: SLO',
      'metadata:',
      '  name: one-latency',
      'spec:',
      '  service: one',
      '  indicator:',
      '    metadata: {name: one-errors}',
      '    spec:',
      '      ratioMetric:',
      '        counter: true',
      '        bad: {metricSource: {type: Prometheus, spec: {query: errors_total}}}',
      '        total: {metricSource: {type: Prometheus, spec: {query: requests_total}}}',
      '  timeWindow: [{duration: 28d, isRolling: true}]',
      `  objectives: [{target: ${target}}]`,
      '',
    ].join('\n');
  for (const [format, key, good, broken, code] of [
    ['Sloth', 'slo:default/one-availability', sloth('99.9'), sloth('lots'), 'sloth-objective'],
    ['OpenSLO', 'slo:default/one-latency', openslo('0.999'), openslo('{}'), 'openslo-objective'],
  ] as const) {
    test(`a ${format} file whose translation fails keeps its SLO, stale, with the error at its line; fixed, it is fresh again`, async (t) => {
      const files = { 'catalog-info.yaml': location(['./pair.yaml', './team.yaml', './slo.yaml']), 'pair.yaml': two };
      const { store, syncer, catalog } = await setUp(t, dialect, { ...files, 'slo.yaml': good });
      await syncer.sync();
      const before = await store.getEntity(key);
      assert.equal(before?.stale, false);
      assert.deepEqual(await fileProblems(store, 'slo.yaml'), []);

      catalog.write('slo.yaml', broken);
      const report = await syncer.sync();
      assert.equal(report.deleted, 0);
      const kept = await store.getEntity(key);
      assert.equal(kept?.stale, true, 'kept, stale');
      assert.deepEqual(kept?.entity, before?.entity, 'the last good version');
      assert.deepEqual(await fileProblems(store, 'slo.yaml'), [code]);
      assert.deepEqual(
        kept?.problems.map((p) => `${p.file}:${p.line} ${p.code}`),
        [`slo.yaml:${broken.split('\n').findIndex((l) => l.includes(format === 'Sloth' ? 'lots' : '{}')) + 1} ${code}`],
        "the entity's page shows why",
      );
      // Still kept on a sync that finds the file unchanged.
      await syncer.sync();
      assert.equal((await store.getEntity(key))?.stale, true);

      catalog.write('slo.yaml', good);
      await syncer.sync();
      assert.equal((await store.getEntity(key))?.stale, false);
      assert.deepEqual(await fileProblems(store, 'slo.yaml'), []);

      // A file that translates and no longer holds the SLO removes it.
      catalog.write('slo.yaml', good.replaceAll('one', 'two'));
      await syncer.sync();
      assert.equal(await store.getEntity(key), undefined);
    });
  }
});
