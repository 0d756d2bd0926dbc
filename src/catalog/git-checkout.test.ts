import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { findCheckout, remoteUrls } from './git-checkout.ts';

function tempDir(t: TestContext): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'atrium-git-')));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, stdio: 'pipe' });

describe('findCheckout', () => {
  test('reads the remotes and branch of a checkout made by git, from a folder inside it', async (t) => {
    const dir = tempDir(t);
    git(dir, 'init', '-q', '-b', 'trunk');
    git(dir, 'remote', 'add', 'origin', 'git@github.com:Acme/Portal.git');
    git(dir, 'remote', 'add', 'mirror', 'https://gitlab.example.com/acme/portal.git');
    mkdirSync(join(dir, 'catalog'));
    const checkout = await findCheckout(join(dir, 'catalog'));
    assert.deepEqual(checkout, {
      dir,
      repositories: [
        { host: 'github.com', path: 'acme/portal' },
        { host: 'gitlab.example.com', path: 'acme/portal' },
      ],
      branch: 'trunk',
    });
  });

  test("a linked worktree's .git file leads to its HEAD and to the common config", async (t) => {
    const dir = tempDir(t);
    const main = join(dir, 'main');
    mkdirSync(main);
    git(main, 'init', '-q', '-b', 'main');
    git(main, 'remote', 'add', 'origin', 'https://github.com/acme/portal');
    git(main, 'commit', '-q', '--allow-empty', '-m', 'first');
    git(main, 'worktree', 'add', '-q', '-b', 'feature/roots', join(dir, 'wt'));
    const checkout = await findCheckout(join(dir, 'wt'));
    assert.equal(checkout?.dir, join(dir, 'wt'));
    assert.equal(checkout?.branch, 'feature/roots');
    assert.deepEqual(checkout?.repositories, [{ host: 'github.com', path: 'acme/portal' }]);
  });

  test("a detached HEAD gives its commit and the remote's default branch", async (t) => {
    const dir = tempDir(t);
    mkdirSync(join(dir, '.git', 'refs', 'remotes', 'origin'), { recursive: true });
    writeFileSync(join(dir, '.git', 'config'), '[remote "origin"]\n\turl = https://github.com/acme/portal.git\n');
    writeFileSync(join(dir, '.git', 'HEAD'), `${'B'.repeat(40)}\n`);
    writeFileSync(join(dir, '.git', 'refs', 'remotes', 'origin', 'HEAD'), 'ref: refs/remotes/origin/main\n');
    const checkout = await findCheckout(dir);
    assert.equal(checkout?.branch, 'main');
    assert.equal(checkout?.commit, 'b'.repeat(40));
  });

  test('no checkout, a .git file pointing nowhere, and an oversized config give nothing', async (t) => {
    const dir = tempDir(t);
    const none = join(dir, 'plain');
    mkdirSync(none);
    // tmpdir is not inside a checkout on the machines this runs on; the walk up stops at /.
    assert.equal((await findCheckout(none))?.dir === none, false);
    const broken = join(dir, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, '.git'), 'gitdir: ./does-not-exist\n');
    assert.equal(await findCheckout(broken), undefined);
    const huge = join(dir, 'huge');
    mkdirSync(join(huge, '.git'), { recursive: true });
    writeFileSync(
      join(huge, '.git', 'config'),
      `[remote "origin"]\n url = https://github.com/a/b\n${'#'.repeat(300_000)}\n`,
    );
    assert.equal(await findCheckout(huge), undefined);
  });
});

test('remoteUrls reads only [remote] sections, with quotes and comments', () => {
  const config = [
    '[core]',
    '\turl = https://not-a-remote.example.com/x',
    '[remote "origin"]',
    '\turl = "git@github.com:acme/portal.git" ; the main one',
    '\tfetch = +refs/heads/*:refs/remotes/origin/*',
    '# [remote "commented"]',
    '[remote "upstream"]',
    '  URL=https://github.com/backstage/backstage',
    '[branch "main"]',
    '\tremote = origin',
  ].join('\n');
  assert.deepEqual(remoteUrls(config), ['git@github.com:acme/portal.git', 'https://github.com/backstage/backstage']);
});
