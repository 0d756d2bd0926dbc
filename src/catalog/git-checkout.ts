import { open, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { repositoryOfRemote, type CheckoutMapping } from './repository-urls.ts';

/**
 * The git checkout a folder belongs to, read from its files (`.git/config`, `.git/HEAD`;
 * a worktree's or submodule's `.git` file and its `commondir`) without running git:
 * its remotes say which URLs are the checkout itself, its HEAD which branch is checked out.
 */

/** Git's files are small; a larger one is not read (a hostile or broken checkout). */
const MAX_GIT_FILE_BYTES = 256 * 1024;

export async function findCheckout(folder: string): Promise<CheckoutMapping | undefined> {
  let dir = resolve(folder);
  for (;;) {
    const found = await gitDirOf(dir);
    if (found) return readCheckout(dir, found);
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The git directory of a work tree: `.git` itself, or where a `.git` file's `gitdir:` points. */
async function gitDirOf(workTree: string): Promise<string | undefined> {
  const dotGit = join(workTree, '.git');
  const info = await stat(dotGit).catch(() => undefined);
  if (info?.isDirectory()) return dotGit;
  if (!info?.isFile()) return undefined;
  const text = await readSmall(dotGit);
  const target = /^gitdir:\s*(.+?)\s*$/m.exec(text ?? '')?.[1];
  if (target === undefined) return undefined;
  return isAbsolute(target) ? target : resolve(workTree, target);
}

async function readCheckout(workTree: string, gitDir: string): Promise<CheckoutMapping | undefined> {
  // A linked worktree keeps HEAD in its own git dir and config in the common one.
  const common = (await readSmall(join(gitDir, 'commondir')))?.trim();
  const commonDir = common ? resolve(gitDir, common) : gitDir;
  const config = await readSmall(join(commonDir, 'config'));
  if (config === undefined) return undefined;
  const repositories = remoteUrls(config).flatMap((url) => {
    const repository = repositoryOfRemote(url);
    return repository ? [repository] : [];
  });
  const head = (await readSmall(join(gitDir, 'HEAD')))?.trim() ?? '';
  const branch = /^ref:\s*refs\/heads\/(.+)$/.exec(head)?.[1];
  if (branch !== undefined) return { dir: workTree, repositories, branch };
  const commit = /^[0-9a-f]{40,64}$/i.test(head) ? head.toLowerCase() : undefined;
  // Detached (as CI checks out): the remote's default branch is the best guess of what URLs should name.
  const remoteHead = (await readSmall(join(commonDir, 'refs', 'remotes', 'origin', 'HEAD')))?.trim() ?? '';
  const remoteDefault = /^ref:\s*refs\/remotes\/origin\/(.+)$/.exec(remoteHead)?.[1];
  return { dir: workTree, repositories, branch: remoteDefault, commit };
}

/** The `url` of every `[remote "…"]` section of a git config file, in order. */
export function remoteUrls(config: string): string[] {
  const urls: string[] = [];
  let inRemote = false;
  for (const rawLine of config.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]/.exec(line);
    if (section) {
      inRemote = (section[1] as string).toLowerCase() === 'remote';
      continue;
    }
    if (!inRemote) continue;
    const entry = /^url\s*=\s*(.*)$/i.exec(line);
    if (!entry) continue;
    let value = (entry[1] as string).replace(/\s+[#;].*$/, '').trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (value !== '') urls.push(value);
  }
  return urls;
}

async function readSmall(path: string): Promise<string | undefined> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size > MAX_GIT_FILE_BYTES) return undefined;
    const buffer = Buffer.alloc(info.size);
    const { bytesRead } = await handle.read(buffer, 0, info.size, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}
