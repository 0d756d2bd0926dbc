import { posix } from 'node:path';

/**
 * Which web URLs name files of a local folder: a git checkout (its remotes tell which
 * GitHub, GitLab, Bitbucket and Azure DevOps URLs are the checkout itself) or a folder
 * named by `catalog.urlMappings` (a URL prefix). Pure: the caller reads the checkout's
 * git files and says where its folders are; nothing here touches the disk.
 *
 * URLs are split by hand, never through WHATWG URL parsing: it folds `..` and `%2e%2e`
 * segments away, which would let a URL of one repository name a file of another.
 */

/** A repository as its remotes and its web URLs name it: host (no port) and path, in lower case. */
export interface Repository {
  host: string;
  path: string;
}

/** A git checkout whose files answer for its remotes' URLs. */
export interface CheckoutMapping {
  /** Absolute folder of the checkout. */
  dir: string;
  repositories: Repository[];
  /** The checked-out branch (or the remote's default branch when HEAD is detached); undefined when unknown. */
  branch?: string;
  /** The commit HEAD names, when it is detached. */
  commit?: string;
}

/** A `catalog.urlMappings` entry: URLs starting with `prefix` are files below `dir`. */
export interface PrefixMapping {
  prefix: string;
  /** Absolute folder. */
  dir: string;
}

export interface UrlMap {
  checkouts: CheckoutMapping[];
  prefixes: PrefixMapping[];
  /** Unmapped URLs are errors instead of warnings (`--strict-urls`). */
  strict: boolean;
}

export const EMPTY_URL_MAP: UrlMap = { checkouts: [], prefixes: [], strict: false };

export interface UrlIssue {
  code: string;
  message: string;
  hint: string;
}

export type UrlResolution =
  /** `absolute` may still lie outside the catalog root: the root decides. */
  { kind: 'file'; absolute: string; warning?: UrlIssue } | { kind: 'refused'; issue: UrlIssue } | { kind: 'unmapped' };

/** The hint every unmapped URL carries: how to map it. */
export const UNMAPPED_HINT =
  'Atrium never fetches URLs. If the file is in this repository, run Atrium on its git checkout (its remotes map the URLs); ' +
  'otherwise map the URL prefix to a folder with `catalog.urlMappings` in atrium.yaml, or use a relative path.';

/** A stable text of the map (undefined for the empty one): files parsed under another map are parsed again. */
export function urlMapFingerprint(map: UrlMap): string | undefined {
  if (map.checkouts.length === 0 && map.prefixes.length === 0 && !map.strict) return undefined;
  return JSON.stringify(map);
}

/** The repository a git remote URL names (scp-like `git@host:o/r.git`, ssh://, https://, Azure's forms). */
export function repositoryOfRemote(remote: string): Repository | undefined {
  const text = remote.trim();
  let host: string;
  let path: string;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)(\/.*)?$/i.exec(text);
  if (scheme) {
    if (!['https', 'http', 'ssh', 'git', 'git+ssh', 'ssh+git'].includes((scheme[1] as string).toLowerCase()))
      return undefined;
    host = hostOf(scheme[2] as string);
    path = scheme[3] ?? '';
  } else {
    // scp-like: [user@]host:path (a drive letter or a local path is no remote).
    const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/\/)(.+)$/.exec(text);
    if (!scp || (scp[1] as string).length < 2) return undefined;
    host = (scp[1] as string).toLowerCase();
    path = scp[2] as string;
  }
  let segments = path.split('/').filter((s) => s !== '');
  if (segments.length === 0 || host === '') return undefined;
  const last = segments.length - 1;
  segments[last] = (segments[last] as string).replace(/\.git$/i, '');
  // Azure DevOps: ssh://ssh.dev.azure.com/v3/org/project/repo and org.visualstudio.com/project/_git/repo.
  if (host === 'ssh.dev.azure.com' || host === 'vs-ssh.visualstudio.com') {
    if (segments[0] === 'v3' && segments.length === 4)
      return azure(segments[1] as string, segments[2] as string, segments[3] as string);
    return undefined;
  }
  if (host.endsWith('.visualstudio.com')) {
    const org = host.slice(0, -'.visualstudio.com'.length);
    const git = segments.indexOf('_git');
    if (git === 1 && segments.length === 3) return azure(org, segments[0] as string, segments[2] as string);
    return undefined;
  }
  if (host === 'dev.azure.com') {
    const git = segments.indexOf('_git');
    if (git === 2 && segments.length === 4)
      return azure(segments[0] as string, segments[1] as string, segments[3] as string);
    return undefined;
  }
  // Bitbucket Server clones over https from /scm/PROJECT/repo.
  if (segments[0]?.toLowerCase() === 'scm' && segments.length === 3) segments = segments.slice(1);
  if (segments.some((s) => s === '.' || s === '..')) return undefined;
  return { host, path: segments.join('/').toLowerCase() };
}

function azure(org: string, project: string, repo: string): Repository {
  return { host: 'dev.azure.com', path: `${org}/${project}/_git/${repo}`.toLowerCase() };
}

function hostOf(authority: string): string {
  const withoutUser = authority.slice(authority.lastIndexOf('@') + 1);
  return withoutUser.replace(/:\d*$/, '').toLowerCase();
}

/** A web URL of a file in a repository: the repository, the ref it names (if any) and the path's segments. */
export interface RepositoryFileUrl {
  repository: Repository;
  /** The ref's segments as written (a branch may hold slashes); undefined when the URL names none. */
  refSegments?: string[];
  /** With `refSegments`: the segments after the repository's marker (ref and path, split by `splitRef`). */
  rest: string[];
  /** A ref named in the query (Bitbucket Server's `at`, Azure's `version`). */
  queryRef?: string;
}

type Split = { ok: true; host: string; segments: string[]; query: URLSearchParams } | { ok: false; issue: UrlIssue };

/** Splits an http(s) URL by hand, decoding each path segment and refusing any that could step out of a folder. */
function splitUrl(url: string): Split | undefined {
  const match = /^https?:\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#.*)?$/i.exec(url);
  if (!match) return undefined;
  const raw = (match[2] as string).split('/').slice(1);
  if (raw.length > 0 && raw[raw.length - 1] === '') raw.pop();
  const segments: string[] = [];
  for (const segment of raw) {
    const decoded = decodeSegment(segment);
    if (decoded === undefined) {
      return {
        ok: false,
        issue: {
          code: 'url-path-refused',
          message: `${url} has a path segment that cannot be a file name (${JSON.stringify(segment)})`,
          hint: 'A URL that maps to a file may not hold empty, `.` or `..` segments (written plainly or percent-encoded), slashes, backslashes or NUL in a segment.',
        },
      };
    }
    segments.push(decoded);
  }
  return { ok: true, host: hostOf(match[1] as string), segments, query: new URLSearchParams(match[3] ?? '') };
}

/** One segment, decoded; undefined when it could leave its folder or name nothing. */
export function decodeSegment(segment: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return undefined;
  }
  if (decoded === '' || decoded === '.' || decoded === '..' || /[/\\\0]/.test(decoded)) return undefined;
  return decoded;
}

/** Reads a repository file URL of GitHub, GitLab, Bitbucket (Cloud and Server) or Azure DevOps, on any host. */
export function parseRepositoryUrl(url: string): RepositoryFileUrl | { refused: UrlIssue } | undefined {
  const split = splitUrl(url);
  if (!split) return undefined;
  if (!split.ok) return { refused: split.issue };
  const { host, segments, query } = split;
  const lower = segments.map((s) => s.toLowerCase());
  const repo = (parts: string[]): Repository => ({ host, path: parts.join('/').toLowerCase() });
  // raw.githubusercontent.com/OWNER/REPO/REF/path
  if (host === 'raw.githubusercontent.com' && segments.length >= 3)
    return { repository: { host: 'github.com', path: repo(segments.slice(0, 2)).path }, rest: segments.slice(2) };
  // GitLab: GROUP/…/REPO/-/blob|tree|raw/REF/path
  const dash = lower.indexOf('-');
  if (dash >= 2 && ['blob', 'tree', 'raw'].includes(lower[dash + 1] ?? ''))
    return { repository: repo(segments.slice(0, dash)), rest: segments.slice(dash + 2) };
  // Bitbucket Server: projects/PROJECT/repos/REPO/browse/path?at=REF
  if (lower[0] === 'projects' && lower[2] === 'repos' && (lower[4] === 'browse' || lower[4] === 'raw')) {
    const at = query.get('at') ?? undefined;
    return {
      repository: repo([segments[1] as string, segments[3] as string]),
      rest: segments.slice(5),
      queryRef: at?.replace(/^refs\/(heads|tags)\//, ''),
    };
  }
  // Azure DevOps: ORG/PROJECT/_git/REPO?path=/x.yaml&version=GBbranch (or ORG.visualstudio.com/PROJECT/_git/REPO)
  const git = lower.indexOf('_git');
  if (git !== -1 && git === segments.length - 2) {
    const org = host.endsWith('.visualstudio.com') ? host.slice(0, -'.visualstudio.com'.length) : undefined;
    const owner = org !== undefined && git === 1 ? [org, segments[0] as string] : segments.slice(0, git);
    if (owner.length !== 2 || (org === undefined && host !== 'dev.azure.com')) return undefined;
    const repository = azure(owner[0] as string, owner[1] as string, segments[git + 1] as string);
    const path = query.get('path') ?? '';
    const rest: string[] = [];
    for (const segment of path.split('/').filter((s, i) => !(i === 0 && s === ''))) {
      const decoded = decodeSegment(encodeURIComponent(segment));
      if (decoded === undefined)
        return {
          refused: {
            code: 'url-path-refused',
            message: `${url} has a path that cannot be a file name (${JSON.stringify(path)})`,
            hint: 'A URL that maps to a file may not hold empty, `.` or `..` segments, backslashes or NUL.',
          },
        };
      rest.push(decoded);
    }
    const version = query.get('version') ?? undefined;
    return { repository, rest, queryRef: version?.replace(/^G[BTC]/, '') };
  }
  // GitHub (and GitHub Enterprise, Gitea): OWNER/REPO/blob|tree|raw|edit/REF/path; Bitbucket Cloud: OWNER/REPO/src/REF/path
  if (segments.length >= 3 && ['blob', 'tree', 'raw', 'edit', 'src'].includes(lower[2] as string))
    return { repository: repo(segments.slice(0, 2)), rest: segments.slice(3) };
  return undefined;
}

/**
 * Splits `rest` (REF then path) given the branch the checkout is on: a branch with
 * slashes (`feature/x`) is recognised whole; otherwise the ref is the first segment.
 */
export function splitRef(rest: readonly string[], branch: string | undefined): { ref: string; path: string[] } {
  const branchSegments = branch?.split('/') ?? [];
  if (branchSegments.length > 1 && branchSegments.every((s, i) => rest[i] === s))
    return { ref: branch as string, path: rest.slice(branchSegments.length) };
  return { ref: rest[0] ?? '', path: rest.slice(1) };
}

/** Where a URL points on disk, if a checkout or a mapping answers for it. */
export function resolveUrl(map: UrlMap, url: string): UrlResolution {
  const prefix = [...map.prefixes]
    .sort((a, b) => b.prefix.length - a.prefix.length)
    .find((p) => url.startsWith(p.prefix));
  if (prefix) {
    const remainder = url.slice(prefix.prefix.length).replace(/[?#].*$/s, '');
    const segments: string[] = [];
    for (const segment of remainder.split('/').filter((s, i, all) => !(s === '' && i === all.length - 1))) {
      const decoded = decodeSegment(segment);
      if (decoded === undefined)
        return {
          kind: 'refused',
          issue: {
            code: 'url-path-refused',
            message: `${url} has a path segment that cannot be a file name (${JSON.stringify(segment)})`,
            hint: 'A mapped URL may not hold empty, `.` or `..` segments (written plainly or percent-encoded), backslashes or NUL after its prefix.',
          },
        };
      segments.push(decoded);
    }
    return { kind: 'file', absolute: posix.join(prefix.dir, ...segments) };
  }
  const parsed = parseRepositoryUrl(url);
  if (parsed === undefined) return { kind: 'unmapped' };
  if ('refused' in parsed) return { kind: 'refused', issue: parsed.refused };
  const checkout = map.checkouts.find((c) =>
    c.repositories.some((r) => r.host === parsed.repository.host && r.path === parsed.repository.path),
  );
  if (!checkout) return { kind: 'unmapped' };
  const { ref, path } =
    parsed.queryRef !== undefined || parsed.repository.host === 'dev.azure.com'
      ? { ref: parsed.queryRef, path: parsed.rest }
      : splitRef(parsed.rest, checkout.branch);
  const absolute = posix.join(checkout.dir, ...path);
  if (ref === undefined || ref === '' || sameRef(ref, checkout)) return { kind: 'file', absolute };
  return {
    kind: 'file',
    absolute,
    warning: {
      code: 'url-ref-differs',
      message: `${url} names ref ${ref}, but the checkout is on ${checkout.branch ?? checkout.commit}; the local file was read`,
      hint: `Check out ${ref} to read what the URL names, or point the URL at ${checkout.branch ?? 'the checked-out branch'}.`,
    },
  };
}

function sameRef(ref: string, checkout: CheckoutMapping): boolean {
  // Nothing known to compare with (a detached HEAD without a remote default): no warning either way.
  if (checkout.branch === undefined && checkout.commit === undefined) return true;
  if (ref === checkout.branch) return true;
  return checkout.commit !== undefined && ref.length >= 7 && checkout.commit.startsWith(ref.toLowerCase());
}
