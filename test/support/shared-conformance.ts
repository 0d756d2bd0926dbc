import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const REPOSITORY = path.resolve(import.meta.dirname, '../..');

/**
 * Where `shared/conformance/<name>` is: `ATRIUM_SHARED_DIR` if set, else the `shared/`
 * beside the repository, else the one beside the repository it was cloned from, when that
 * is a folder on this machine (a fresh `git clone . /tmp/x` of a checkout that has it
 * beside). Returns the first that exists, or the one beside the repository, for the error.
 */
export function sharedConformance(name: string): string {
  const candidates = [
    process.env.ATRIUM_SHARED_DIR,
    path.join(REPOSITORY, '..', 'shared'),
    path.join(originOf(REPOSITORY) ?? REPOSITORY, '..', 'shared'),
  ]
    .filter((dir): dir is string => dir !== undefined && dir !== '')
    .map((dir) => path.join(dir, 'conformance', name));
  return candidates.find((dir) => fs.existsSync(dir) && fs.statSync(dir).isDirectory()) ?? (candidates[0] as string);
}

/** The local folder `origin` points at, if it is one. */
function originOf(repository: string): string | undefined {
  try {
    const url = execFileSync('git', ['config', '--get', 'remote.origin.url'], {
      cwd: repository,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const dir = url.startsWith('file://') ? new URL(url).pathname : url;
    return path.isAbsolute(dir) && fs.existsSync(dir) ? dir : undefined;
  } catch {
    return undefined;
  }
}
