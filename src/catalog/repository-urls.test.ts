import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  EMPTY_URL_MAP,
  parseRepositoryUrl,
  repositoryOfRemote,
  resolveUrl,
  splitRef,
  urlMapFingerprint,
  type UrlMap,
} from './repository-urls.ts';

describe('repositoryOfRemote', () => {
  const cases: [string, string | undefined][] = [
    ['git@github.com:Acme/Portal.git', 'github.com acme/portal'],
    ['git@github.com:acme/portal', 'github.com acme/portal'],
    ['https://github.com/acme/portal.git', 'github.com acme/portal'],
    ['https://user:token@github.com/acme/portal', 'github.com acme/portal'],
    ['ssh://git@github.com:22/acme/portal.git', 'github.com acme/portal'],
    ['git@gitlab.com:group/sub/repo.git', 'gitlab.com group/sub/repo'],
    ['ssh://git@bitbucket.example.com:7999/proj/repo.git', 'bitbucket.example.com proj/repo'],
    ['https://bitbucket.example.com/scm/proj/repo.git', 'bitbucket.example.com proj/repo'],
    ['git@ssh.dev.azure.com:v3/org/project/repo', 'dev.azure.com org/project/_git/repo'],
    ['https://org@dev.azure.com/org/project/_git/repo', 'dev.azure.com org/project/_git/repo'],
    ['https://org.visualstudio.com/project/_git/repo', 'dev.azure.com org/project/_git/repo'],
    ['/srv/git/repo.git', undefined],
    ['C:\\repos\\x', undefined],
    ['file:///srv/git/repo.git', undefined],
    ['https://github.com/acme/../secret', undefined],
    ['', undefined],
  ];
  for (const [remote, expected] of cases) {
    test(`${JSON.stringify(remote)} -> ${expected ?? 'none'}`, () => {
      const repository = repositoryOfRemote(remote);
      assert.equal(repository ? `${repository.host} ${repository.path}` : undefined, expected);
    });
  }
});

describe('parseRepositoryUrl', () => {
  const shape = (url: string) => {
    const parsed = parseRepositoryUrl(url);
    if (parsed === undefined) return undefined;
    if ('refused' in parsed) return `refused ${parsed.refused.code}`;
    return `${parsed.repository.host} ${parsed.repository.path} | ${parsed.rest.join('/')}${parsed.queryRef !== undefined ? ` @${parsed.queryRef}` : ''}`;
  };
  test('GitHub blob and tree, raw.githubusercontent.com', () => {
    assert.equal(
      shape('https://github.com/Acme/Portal/blob/main/catalog/a.yaml'),
      'github.com acme/portal | main/catalog/a.yaml',
    );
    assert.equal(shape('https://github.com/acme/portal/tree/main/catalog/'), 'github.com acme/portal | main/catalog');
    assert.equal(
      shape('https://raw.githubusercontent.com/acme/portal/main/a.yaml'),
      'github.com acme/portal | main/a.yaml',
    );
    assert.equal(
      shape('https://github.com/acme/portal/blob/main/a.yaml?raw=true#L3'),
      'github.com acme/portal | main/a.yaml',
    );
  });
  test('GitLab /-/blob with subgroups, Bitbucket Cloud src, Bitbucket Server browse, Azure ?path=', () => {
    assert.equal(
      shape('https://gitlab.example.com/group/sub/repo/-/blob/main/catalog-info.yaml'),
      'gitlab.example.com group/sub/repo | main/catalog-info.yaml',
    );
    assert.equal(shape('https://bitbucket.org/acme/repo/src/main/a.yaml'), 'bitbucket.org acme/repo | main/a.yaml');
    assert.equal(
      shape('https://bitbucket.example.com/projects/PROJ/repos/repo/browse/x/a.yaml?at=refs%2Fheads%2Fmain'),
      'bitbucket.example.com proj/repo | x/a.yaml @main',
    );
    assert.equal(
      shape('https://dev.azure.com/org/project/_git/repo?path=/x/a.yaml&version=GBmain'),
      'dev.azure.com org/project/_git/repo | x/a.yaml @main',
    );
  });
  test('a URL that is not a repository file is none of these', () => {
    assert.equal(shape('https://example.com/openapi.yaml'), undefined);
    assert.equal(shape('ftp://github.com/acme/portal/blob/main/a.yaml'), undefined);
  });
  test('dot segments, percent-encoded or not, slashes and NUL inside a segment are refused, never folded away', () => {
    for (const url of [
      'https://github.com/acme/portal/blob/main/../../other/secret/blob/main/x.yaml',
      'https://github.com/acme/portal/blob/main/%2e%2e/x.yaml',
      'https://github.com/acme/portal/blob/main/%2E%2E/x.yaml',
      'https://github.com/acme/portal/blob/main/./x.yaml',
      'https://github.com/acme/portal/blob/main/a%2F..%2F..%2Fetc/passwd',
      'https://github.com/acme/portal/blob/main/a%5C..%5Cx',
      'https://github.com/acme/portal/blob/main/%00x',
      'https://github.com/acme/portal/blob/main//etc/passwd',
      'https://github.com/acme/portal/blob/main/%E0%A4%A',
      'https://dev.azure.com/org/project/_git/repo?path=/../../etc/passwd',
    ]) {
      assert.equal(shape(url), 'refused url-path-refused', url);
    }
  });
});

test('splitRef recognises a branch with slashes whole', () => {
  assert.deepEqual(splitRef(['feature', 'x', 'a.yaml'], 'feature/x'), { ref: 'feature/x', path: ['a.yaml'] });
  assert.deepEqual(splitRef(['main', 'a.yaml'], 'feature/x'), { ref: 'main', path: ['a.yaml'] });
  assert.deepEqual(splitRef([], 'main'), { ref: '', path: [] });
});

describe('resolveUrl', () => {
  const map: UrlMap = {
    checkouts: [
      { dir: '/repo', repositories: [{ host: 'github.com', path: 'acme/portal' }], branch: 'main' },
      {
        dir: '/detached',
        repositories: [{ host: 'gitlab.com', path: 'acme/ops' }],
        commit: 'a'.repeat(40),
      },
    ],
    prefixes: [
      { prefix: 'https://mirror.example.com/acme/', dir: '/repo/mirror' },
      { prefix: 'https://mirror.example.com/acme/deep/', dir: '/repo/deep' },
    ],
    strict: false,
  };
  test('a URL of the checked-out repository is its file; another ref is a warning; another repository is unmapped', () => {
    assert.deepEqual(resolveUrl(map, 'https://github.com/acme/portal/blob/main/catalog/a.yaml'), {
      kind: 'file',
      absolute: '/repo/catalog/a.yaml',
    });
    const other = resolveUrl(map, 'https://github.com/acme/portal/blob/v1.2/a.yaml');
    assert.equal(other.kind, 'file');
    assert.equal(other.kind === 'file' ? other.warning?.code : undefined, 'url-ref-differs');
    assert.deepEqual(resolveUrl(map, 'https://github.com/acme/other/blob/main/a.yaml'), { kind: 'unmapped' });
    assert.deepEqual(resolveUrl(map, 'https://example.com/a.yaml'), { kind: 'unmapped' });
  });
  test('a detached checkout accepts its own commit and warns about another ref', () => {
    const own = resolveUrl(map, `https://gitlab.com/acme/ops/-/blob/${'a'.repeat(12)}/x.yaml`);
    assert.deepEqual(own, { kind: 'file', absolute: '/detached/x.yaml' });
    const branch = resolveUrl(map, 'https://gitlab.com/acme/ops/-/blob/main/x.yaml');
    assert.equal(branch.kind === 'file' ? branch.warning?.code : undefined, 'url-ref-differs');
  });
  test('the longest mapped prefix wins; the rest is checked segment by segment', () => {
    assert.deepEqual(resolveUrl(map, 'https://mirror.example.com/acme/deep/a.yaml'), {
      kind: 'file',
      absolute: '/repo/deep/a.yaml',
    });
    assert.deepEqual(resolveUrl(map, 'https://mirror.example.com/acme/x/a.yaml?x=1'), {
      kind: 'file',
      absolute: '/repo/mirror/x/a.yaml',
    });
    for (const url of [
      'https://mirror.example.com/acme/../../etc/passwd',
      'https://mirror.example.com/acme/%2e%2e/%2e%2e/etc/passwd',
      'https://mirror.example.com/acme//etc/passwd',
    ]) {
      const resolved = resolveUrl(map, url);
      assert.equal(resolved.kind, 'refused', url);
    }
  });
  test('the fingerprint is undefined for the empty map and changes with strictness', () => {
    assert.equal(urlMapFingerprint(EMPTY_URL_MAP), undefined);
    assert.notEqual(urlMapFingerprint(map), urlMapFingerprint({ ...map, strict: true }));
  });
});
