import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { CatalogRoot, DEFAULT_MAX_FILE_BYTES } from './files.ts';
import { tempDir, writeFile } from '../../test/support/catalog.ts';

/** A fresh directory for one test, removed when the test ends. */
const write = writeFile;

/** A catalog root `<tmp>/root` with a sibling `<tmp>/outside` that must never be read. */
function rootWithOutside(t: TestContext): { base: string; rootDir: string; outsideDir: string } {
  const base = tempDir(t);
  const rootDir = path.join(base, 'root');
  const outsideDir = path.join(base, 'outside');
  fs.mkdirSync(rootDir);
  fs.mkdirSync(outsideDir);
  write(outsideDir, 'secret.yaml', 'secret: outside-the-root\n');
  return { base, rootDir, outsideDir };
}

const sha1 = (bytes: string | Buffer): string => createHash('sha1').update(bytes).digest('hex');

describe('CatalogRoot.open', () => {
  test('resolves the root to an absolute path with symbolic links resolved', async (t) => {
    const base = tempDir(t);
    fs.mkdirSync(path.join(base, 'real'));
    fs.symlinkSync(path.join(base, 'real'), path.join(base, 'link'));
    const root = await CatalogRoot.open(path.join(base, 'link'));
    assert.equal(root.dir, fs.realpathSync(path.join(base, 'real')));
    assert.equal(root.maxFileBytes, DEFAULT_MAX_FILE_BYTES);
  });

  test('the default limit is 16 MiB: real catalogs hold single files of 9 MB', () => {
    assert.equal(DEFAULT_MAX_FILE_BYTES, 16 * 1024 * 1024);
  });

  test('rejects a root directory that does not exist', async (t) => {
    const base = tempDir(t);
    await assert.rejects(CatalogRoot.open(path.join(base, 'missing')), { code: 'ENOENT' });
  });
});

describe('CatalogRoot paths', () => {
  test('relative paths use forward slashes and are relative to the root', async (t) => {
    const dir = tempDir(t);
    const root = await CatalogRoot.open(dir);
    assert.equal(root.relativePath(path.join(root.dir, 'a', 'b', 'c.yaml')), 'a/b/c.yaml');
    assert.equal(root.absolutePath('a/b/c.yaml'), path.join(root.dir, 'a', 'b', 'c.yaml'));
  });

  test("resolveInside resolves a target against the naming file's directory", async (t) => {
    const root = await CatalogRoot.open(tempDir(t));
    assert.equal(root.resolveInside('teams', './platform.yaml'), 'teams/platform.yaml');
    assert.equal(root.resolveInside('teams', 'platform.yaml'), 'teams/platform.yaml');
    assert.equal(root.resolveInside('teams/a', '../b/x.yaml'), 'teams/b/x.yaml');
    assert.equal(root.resolveInside('.', 'x/./y/../z.yaml'), 'x/z.yaml');
    assert.equal(root.resolveInside('teams', '..'), '');
  });

  test('resolveInside refuses absolute paths and paths that leave the root', async (t) => {
    const root = await CatalogRoot.open(tempDir(t));
    assert.equal(root.resolveInside('.', '/etc/passwd'), undefined);
    assert.equal(
      root.resolveInside('.', root.absolutePath('inside.yaml')),
      undefined,
      'even an absolute path that points inside is refused',
    );
    assert.equal(root.resolveInside('.', '../x.yaml'), undefined);
    assert.equal(root.resolveInside('a/b', '../../../x.yaml'), undefined);
    assert.equal(root.resolveInside('.', 'a/../../x.yaml'), undefined);
    assert.equal(root.resolveInside('.', 'C:\\Windows\\win.ini'), undefined);
    assert.equal(root.resolveInside('.', 'c:/Windows/win.ini'), undefined);
    assert.equal(root.resolveInside('.', '\\\\server\\share\\x.yaml'), undefined);
  });

  test("a sibling directory whose name starts with the root's name is outside the root", async (t) => {
    const { rootDir } = rootWithOutside(t);
    fs.mkdirSync(`${rootDir}-evil`);
    const root = await CatalogRoot.open(rootDir);
    assert.equal(root.contains(`${root.dir}-evil/x.yaml`), false);
    assert.equal(root.resolveInside('.', `../${path.basename(rootDir)}-evil/x.yaml`), undefined);
  });

  test('a file whose name begins with two dots is inside the root', async (t) => {
    const dir = tempDir(t);
    write(dir, '..hidden.yaml', 'a: 1\n');
    const root = await CatalogRoot.open(dir);
    assert.equal(root.contains(root.absolutePath('..hidden.yaml')), true);
    assert.equal(root.resolveInside('.', './..hidden.yaml'), '..hidden.yaml');
    const read = await root.read('..hidden.yaml');
    assert.equal(read.ok, true);
  });
});

describe('CatalogRoot.read', () => {
  test('reads a UTF-8 file and hashes its bytes', async (t) => {
    const dir = tempDir(t);
    const text = 'name: café ☕\n';
    write(dir, 'sub/x.yaml', text);
    const root = await CatalogRoot.open(dir);
    const read = await root.read('sub/x.yaml');
    assert.deepEqual(read, { ok: true, text, hash: sha1(Buffer.from(text, 'utf8')), stamp: null });
  });

  test('drops a UTF-8 byte-order mark', async (t) => {
    const dir = tempDir(t);
    write(dir, 'bom.yaml', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a: 1\n')]));
    const read = await (await CatalogRoot.open(dir)).read('bom.yaml');
    assert.ok(read.ok);
    assert.equal(read.text, 'a: 1\n');
  });

  test('reads an empty file as empty text', async (t) => {
    const dir = tempDir(t);
    write(dir, 'empty.yaml', '');
    const read = await (await CatalogRoot.open(dir)).read('empty.yaml');
    assert.deepEqual(read, { ok: true, text: '', hash: sha1(''), stamp: null });
  });

  test('reports a missing file as file-missing without a hash', async (t) => {
    const root = await CatalogRoot.open(tempDir(t));
    const read = await root.read('nope.yaml');
    assert.equal(read.ok, false);
    assert.ok(!read.ok);
    assert.equal(read.hash, null);
    assert.equal(read.failure.code, 'file-missing');
    assert.match(read.failure.message, /nope\.yaml/);
    assert.ok(read.failure.hint.length > 0);
  });

  test('refuses a directory as file-unreadable', async (t) => {
    const dir = tempDir(t);
    fs.mkdirSync(path.join(dir, 'adir'));
    const read = await (await CatalogRoot.open(dir)).read('adir');
    assert.ok(!read.ok);
    assert.equal(read.failure.code, 'file-unreadable');
  });

  test('accepts a file of exactly the size limit and refuses one byte more', async (t) => {
    const dir = tempDir(t);
    write(dir, 'at-limit.yaml', 'a'.repeat(64));
    write(dir, 'over-limit.yaml', 'a'.repeat(65));
    const root = await CatalogRoot.open(dir, 64);
    assert.equal((await root.read('at-limit.yaml')).ok, true);
    const over = await root.read('over-limit.yaml');
    assert.ok(!over.ok);
    assert.equal(over.failure.code, 'file-too-large');
    assert.equal(over.hash, null);
    assert.match(over.failure.message, /65 bytes.*64/);
    assert.match(over.failure.hint, /ATRIUM_CATALOG_MAX_FILE_BYTES/);
    assert.match(over.failure.hint, /--max-file-size 1KiB/, 'the hint offers the flag, with a limit that fits');
  });

  test('the hint suggests the next power-of-two MiB that fits a large file', async (t) => {
    const dir = tempDir(t);
    write(dir, 'big.yaml', 'a'.repeat(3 * 1024 * 1024 + 1));
    const over = await (await CatalogRoot.open(dir, 2 * 1024 * 1024)).read('big.yaml');
    assert.ok(!over.ok);
    assert.match(over.failure.hint, /--max-file-size 4MiB\b/);
  });

  test('refuses a file holding NUL bytes as binary, with the hash of its bytes', async (t) => {
    const dir = tempDir(t);
    const bytes = Buffer.from([0x61, 0x3a, 0x20, 0x00, 0x01, 0x0a]);
    write(dir, 'image.yaml', bytes);
    const read = await (await CatalogRoot.open(dir)).read('image.yaml');
    assert.ok(!read.ok);
    assert.equal(read.failure.code, 'file-binary');
    assert.equal(read.hash, sha1(bytes));
  });

  test('refuses bytes that are not valid UTF-8 as file-encoding', async (t) => {
    const dir = tempDir(t);
    write(dir, 'latin1.yaml', Buffer.concat([Buffer.from('name: '), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]));
    write(dir, 'latin1-e.yaml', Buffer.from('caf\xe9\n', 'latin1'));
    const root = await CatalogRoot.open(dir);
    for (const file of ['latin1.yaml', 'latin1-e.yaml']) {
      const read = await root.read(file);
      assert.ok(!read.ok, file);
      assert.equal(read.failure.code, 'file-encoding', file);
      assert.notEqual(read.hash, null);
      assert.match(read.failure.hint, /UTF-8/);
    }
  });

  test('refuses a `..` path that leaves the root, without reading the file', async (t) => {
    const { rootDir } = rootWithOutside(t);
    const root = await CatalogRoot.open(rootDir);
    const read = await root.read('../outside/secret.yaml');
    assert.ok(!read.ok);
    assert.equal(read.failure.code, 'path-outside-root');
    assert.equal(read.hash, null);
    assert.doesNotMatch(JSON.stringify(read), /outside-the-root/);
  });

  test('refuses a symbolic link inside the root that points outside it', async (t) => {
    const { rootDir, outsideDir } = rootWithOutside(t);
    fs.symlinkSync(path.join(outsideDir, 'secret.yaml'), path.join(rootDir, 'link.yaml'));
    fs.symlinkSync(outsideDir, path.join(rootDir, 'linkdir'));
    const root = await CatalogRoot.open(rootDir);
    for (const file of ['link.yaml', 'linkdir/secret.yaml']) {
      const read = await root.read(file);
      assert.ok(!read.ok, file);
      assert.equal(read.failure.code, 'path-outside-root', file);
      assert.equal(read.hash, null);
      assert.doesNotMatch(JSON.stringify(read), /outside-the-root/);
    }
  });

  test('follows a symbolic link that stays inside the root', async (t) => {
    const dir = tempDir(t);
    write(dir, 'real/x.yaml', 'a: 1\n');
    fs.symlinkSync(path.join(dir, 'real', 'x.yaml'), path.join(dir, 'alias.yaml'));
    const read = await (await CatalogRoot.open(dir)).read('alias.yaml');
    assert.ok(read.ok);
    assert.equal(read.text, 'a: 1\n');
  });

  test('reports a dangling symbolic link as a missing file', async (t) => {
    const dir = tempDir(t);
    fs.symlinkSync(path.join(dir, 'gone.yaml'), path.join(dir, 'dangling.yaml'));
    const read = await (await CatalogRoot.open(dir)).read('dangling.yaml');
    assert.ok(!read.ok);
    assert.equal(read.failure.code, 'file-missing');
  });
});

describe('CatalogRoot.list', () => {
  test('lists every file below a directory, sorted, skipping node_modules and dot-folders', async (t) => {
    const dir = tempDir(t);
    for (const f of [
      'b.yaml',
      'a.yml',
      'z/deep/c.yaml',
      'README.md',
      'node_modules/pkg/catalog-info.yaml',
      '.git/config.yaml',
      'sub/.hidden/x.yaml',
      '.dotfile.yaml',
      'sub/node_modules/y.yaml',
      'sub/m.yaml',
    ]) {
      write(dir, f, 'a: 1\n');
    }
    const root = await CatalogRoot.open(dir);
    assert.deepEqual(await root.list('.', 1000), ['README.md', 'a.yml', 'b.yaml', 'sub/m.yaml', 'z/deep/c.yaml']);
    assert.deepEqual(await root.list('sub', 1000), ['sub/m.yaml']);
  });

  test('does not follow symbolic links while listing', async (t) => {
    const { rootDir, outsideDir } = rootWithOutside(t);
    write(rootDir, 'inside.yaml', 'a: 1\n');
    fs.symlinkSync(outsideDir, path.join(rootDir, 'outside-dir'));
    fs.symlinkSync(path.join(outsideDir, 'secret.yaml'), path.join(rootDir, 'outside-file.yaml'));
    fs.symlinkSync(rootDir, path.join(rootDir, 'loop'));
    const root = await CatalogRoot.open(rootDir);
    assert.deepEqual(await root.list('.', 1000), ['inside.yaml']);
  });

  test('lists nothing below a directory that is a symbolic link leaving the root', async (t) => {
    const { rootDir, outsideDir } = rootWithOutside(t);
    fs.symlinkSync(outsideDir, path.join(rootDir, 'ext'));
    write(rootDir, 'real/inside.yaml', 'a: 1\n');
    fs.symlinkSync(path.join(rootDir, 'real'), path.join(rootDir, 'alias'));
    const root = await CatalogRoot.open(rootDir);
    assert.deepEqual(await root.list('ext', 1000), [], 'not even the names of files outside');
    assert.deepEqual(await root.list('alias', 1000), ['alias/inside.yaml'], 'a link that stays inside may be listed');
  });

  test('stops at the limit', async (t) => {
    const dir = tempDir(t);
    for (let i = 0; i < 10; i++) write(dir, `f${i}.yaml`, 'a: 1\n');
    const root = await CatalogRoot.open(dir);
    const listed = await root.list('.', 3);
    assert.equal(listed.length, 3);
  });

  test('lists nothing for a directory that does not exist', async (t) => {
    const root = await CatalogRoot.open(tempDir(t));
    assert.deepEqual(await root.list('missing', 1000), []);
  });

  test('isDirectory tells directories from files and missing paths', async (t) => {
    const dir = tempDir(t);
    write(dir, 'd/x.yaml', 'a: 1\n');
    const root = await CatalogRoot.open(dir);
    assert.equal(await root.isDirectory('d'), true);
    assert.equal(await root.isDirectory('d/x.yaml'), false);
    assert.equal(await root.isDirectory('nope'), false);
  });
});

describe('file stamps', () => {
  const tmp = (t: TestContext): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-stamp-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
  };
  const age = (file: string, seconds: number) => {
    const then = new Date(Date.now() - seconds * 1000);
    fs.utimesSync(file, then, then);
  };

  test('a file that has not changed for a while gets a stamp of size, mtime and inode', async (t) => {
    const dir = tmp(t);
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'a: 1\n');
    age(path.join(dir, 'a.yaml'), 60);
    const root = await CatalogRoot.open(dir);
    const read = await root.read('a.yaml');
    assert.ok(read.ok && read.stamp);
    assert.equal(await root.stamp('a.yaml'), read.stamp);
  });

  test("a file written moments ago, by the root's clock, gets no stamp, so a same-size rewrite in the same clock tick is still seen", async (t) => {
    const dir = tmp(t);
    const written = Date.parse('2026-01-15T10:00:00.000Z');
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'a: 1\n');
    fs.utimesSync(path.join(dir, 'a.yaml'), new Date(written), new Date(written));
    const at = async (ms: number) =>
      (await CatalogRoot.open(dir, DEFAULT_MAX_FILE_BYTES, undefined, () => written + ms)).read('a.yaml');
    assert.equal((await at(1000)).stamp, null, 'one second later');
    assert.ok((await at(3000)).stamp, 'three seconds later');
  });

  test('any change of content, size or inode changes the stamp', async (t) => {
    const dir = tmp(t);
    const file = path.join(dir, 'a.yaml');
    fs.writeFileSync(file, 'a: 1\n');
    age(file, 60);
    const root = await CatalogRoot.open(dir);
    const before = await root.stamp('a.yaml');
    fs.writeFileSync(file, 'a: 22\n');
    age(file, 60);
    assert.notEqual(await root.stamp('a.yaml'), before, 'size');
    const sized = await root.stamp('a.yaml');
    fs.rmSync(file);
    fs.writeFileSync(path.join(dir, 'other'), 'x'); // take the old inode number if the file system reuses it at once
    fs.writeFileSync(file, 'a: 33\n');
    age(file, 60);
    assert.notEqual(await root.stamp('a.yaml'), sized, 'replaced file');
    assert.equal(await root.stamp('missing.yaml'), null);
  });
});

describe('special files', () => {
  test('a named pipe is refused at once instead of waiting for a writer', async (t) => {
    const dir = tempDir(t);
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [path.join(dir, 'pipe.yaml')]);
    const read = await (await CatalogRoot.open(dir)).read('pipe.yaml');
    assert.equal(read.ok, false);
    assert.equal(!read.ok && read.failure.code, 'file-unreadable');
  });
});
