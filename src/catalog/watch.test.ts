import assert from 'node:assert/strict';
import { rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../platform/log.ts';
import { tempDir, writeFile } from '../../test/support/catalog.ts';
import { watchCatalog } from './watch.ts';

/** Waits until `check` holds; the bound only keeps a broken watcher from hanging the suite. */
async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(check());
}

test('a change to a file the catalog read, or a new file beside one, triggers a sync', async (t) => {
  const dir = tempDir(t);
  writeFile(dir, 'catalog-info.yaml', 'a: 1\n');
  writeFile(dir, 'services/a/catalog-info.yaml', 'a: 1\n');
  let syncs = 0;
  const watcher = watchCatalog(
    dir,
    async () => {
      syncs++;
      return ['catalog-info.yaml', 'services/a/catalog-info.yaml'];
    },
    { logger: silentLogger(), debounceMs: 20, initialFiles: ['catalog-info.yaml', 'services/a/catalog-info.yaml'] },
  );
  t.after(() => watcher.close());

  // Each change brings at least one more sync (an editor's burst of events may bring one, or two if slow).
  const changes: [string, string][] = [
    ['services/a/catalog-info.yaml', 'a: 2\n'],
    ['services/a/openapi.yaml', 'b: 1\n'],
    ['services/b/catalog-info.yaml', 'c: 1\n'], // a new folder under a watched one
  ];
  for (const [path, text] of changes) {
    const before = syncs;
    writeFile(dir, path, text);
    await eventually(() => syncs > before);
  }
});

test('starting from a sync, files changed (or gone) since it began are synced at once; nothing changed, no sync', async (t) => {
  const dir = tempDir(t);
  writeFile(dir, 'catalog-info.yaml', 'a: 1\n');
  writeFile(dir, 'services/a.yaml', 'a: 1\n');
  const hourAgo = new Date(Date.now() - 3_600_000);
  for (const path of ['catalog-info.yaml', 'services/a.yaml', 'services', '.'])
    utimesSync(join(dir, path), hourAgo, hourAgo);
  const files = ['catalog-info.yaml', 'services/a.yaml'];
  const start = (since: number) => {
    const counted = { syncs: 0 };
    const watcher = watchCatalog(
      dir,
      async () => {
        counted.syncs++;
        return files;
      },
      { logger: silentLogger(), debounceMs: 20, initialFiles: files, changedSince: since },
    );
    t.after(() => watcher.close());
    return counted;
  };
  // The files are an hour old and the sync began a minute ago: nothing to catch up with.
  const unchanged = start(Date.now() - 60_000);
  // A sync that began before the files were last written (their change fell between its read and the watch).
  const changed = start(hourAgo.getTime() - 60_000);
  await eventually(() => changed.syncs >= 1);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(unchanged.syncs, 0);
  // A file removed before watching began counts as changed too.
  rmSync(join(dir, 'services/a.yaml'));
  const afterRemoval = start(Date.now() - 60_000);
  await eventually(() => afterRemoval.syncs >= 1);
});

test('without initial files the watcher syncs once to learn them', async (t) => {
  const dir = tempDir(t);
  let syncs = 0;
  const watcher = watchCatalog(
    dir,
    async () => {
      syncs++;
      return [];
    },
    { logger: silentLogger(), debounceMs: 20 },
  );
  t.after(() => watcher.close());
  await eventually(() => syncs >= 1);
});

test('an emptied file (a save that truncated, then writes) is not synced until it is written', async (t) => {
  const dir = tempDir(t);
  writeFile(dir, 'catalog-info.yaml', 'a: 1\n');
  let syncs = 0;
  const watcher = watchCatalog(
    dir,
    async () => {
      syncs++;
      return ['catalog-info.yaml'];
    },
    { logger: silentLogger(), debounceMs: 20, maxWaitMs: 60_000, initialFiles: ['catalog-info.yaml'] },
  );
  t.after(() => watcher.close());
  writeFile(dir, 'catalog-info.yaml', '');
  // Fifteen quiet periods: without the wait for a stable file, it would have synced the empty file by now.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(syncs, 0);
  writeFile(dir, 'catalog-info.yaml', 'a: 2\n');
  await eventually(() => syncs === 1);
});

test('a file that stays empty is synced after the longest wait, and a deleted one at once', async (t) => {
  const dir = tempDir(t);
  writeFile(dir, 'a.yaml', 'a: 1\n');
  writeFile(dir, 'b.yaml', 'b: 1\n');
  let syncs = 0;
  const watcher = watchCatalog(
    dir,
    async () => {
      syncs++;
      return ['a.yaml', 'b.yaml'];
    },
    { logger: silentLogger(), debounceMs: 20, maxWaitMs: 200, initialFiles: ['a.yaml', 'b.yaml'] },
  );
  t.after(() => watcher.close());
  writeFile(dir, 'a.yaml', '');
  await eventually(() => syncs === 1);
  const { rmSync } = await import('node:fs');
  rmSync(`${dir}/b.yaml`);
  await eventually(() => syncs === 2);
});

test('a file written without pause is still synced after the longest wait', async (t) => {
  const dir = tempDir(t);
  writeFile(dir, 'a.yaml', 'a: 0\n');
  let syncs = 0;
  const watcher = watchCatalog(
    dir,
    async () => {
      syncs++;
      return ['a.yaml'];
    },
    { logger: silentLogger(), debounceMs: 1000, maxWaitMs: 200, initialFiles: ['a.yaml'] },
  );
  t.after(() => watcher.close());
  // A write every 10 ms never leaves a second of quiet; the bound is all that can bring the sync.
  for (let i = 1; syncs === 0 && i < 300; i++) {
    writeFile(dir, 'a.yaml', `a: ${i}\n`);
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(syncs > 0);
});
