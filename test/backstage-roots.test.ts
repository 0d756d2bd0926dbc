import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import type { CommandIO } from '../src/cli/io.ts';
import { main } from '../src/main.ts';
import { component, group, location, tempCatalog, type TempCatalog } from './support/catalog.ts';

/**
 * Real Backstage repositories as they are (issue 15): a GitOps repository scanned, an
 * app-config-rooted Backstage repository, Location targets and $text URLs into the same
 * checkout, a catalog in .backstage/, and hostile URLs and mappings. Each fixture is a git
 * checkout written by the test (.git/config and .git/HEAD, as git writes them).
 */

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(cwd: string, args: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const io: CommandIO = { out: (t) => void (out += t), err: (t) => void (err += t), env: {}, cwd };
  const code = await main(args, io);
  return { code, out, err };
}

interface Validation {
  entities: number;
  errors: { file: string; code: string; message: string; hint: string }[];
  warnings: { file: string; code: string; message: string; hint: string }[];
  skipped?: { documents: number; apiVersions: Record<string, number>; skeletonFiles: number };
}

async function validateJson(cwd: string, args: string[]): Promise<Validation & { code: number }> {
  const result = await run(cwd, ['validate', ...args, '--format', 'json']);
  assert.equal(result.err, '', result.err);
  return { code: result.code, ...(JSON.parse(result.out) as Validation) };
}

const codesOf = (list: { file: string; code: string }[]) => list.map((p) => `${p.file} ${p.code}`).sort();

function checkout(t: TestContext, files: Record<string, string>, remote: string, branch = 'main'): TempCatalog {
  const repo = tempCatalog({
    '.git/HEAD': `ref: refs/heads/${branch}\n`,
    '.git/config': `[core]\n\tbare = false\n[remote "origin"]\n\turl = ${remote}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n`,
    ...files,
  });
  t.after(() => repo.cleanup());
  return repo;
}

const api = (name: string, definition: string) =>
  [
    'apiVersion: backstage.io/v1alpha1',
    'kind: API',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  type: openapi',
    '  lifecycle: production',
    '  owner: team-a',
    '  definition:',
    `    $text: ${definition}`,
    '',
  ].join('\n');

describe('a GitOps repository (Flux, Kustomize, Gateway API manifests and a few catalog files), scanned', () => {
  const files = {
    'clusters/production/flux-system/gotk-components.yaml': [
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n',
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: x.toolkit.fluxcd.io\n',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: source-controller\n',
    ].join('---\n'),
    'clusters/production/apps.yaml':
      'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\nspec:\n  path: ./apps\n',
    'apps/kustomization.yaml':
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - podinfo.yaml\n',
    'apps/podinfo.yaml':
      'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: podinfo\nspec:\n  chart: {}\n',
    'apps/route.yaml': 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: podinfo\n',
    'backstage/components.yaml': `${component('podinfo')}---\n${group('team-a')}`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a scaffolder placeholder, as a skeleton holds it
    'backstage/templates/service/skeleton/catalog-info.yaml': component('${{ values.name }}'),
    'cookiecutter/{{cookiecutter.component_id}}/catalog-info.yaml': component('{{cookiecutter.component_id}}'),
  };

  test('loads its catalog files with no errors and one summary of what was left out (text and JSON)', async (t) => {
    const repo = checkout(t, files, 'git@github.com:acme/home-ops.git');
    const result = await validateJson(repo.dir, ['.']);
    assert.equal(result.code, 0);
    assert.equal(result.entities, 2);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.warnings, []);
    assert.deepEqual(result.skipped, {
      documents: 7,
      apiVersions: {
        v1: 1,
        'apiextensions.k8s.io/v1': 1,
        'apps/v1': 1,
        'kustomize.toolkit.fluxcd.io/v1': 1,
        'kustomize.config.k8s.io/v1beta1': 1,
        'helm.toolkit.fluxcd.io/v2': 1,
        'gateway.networking.k8s.io/v1': 1,
      },
      skeletonFiles: 2,
    });
    const text = await run(repo.dir, ['validate']);
    assert.equal(text.code, 0);
    assert.match(
      text.out,
      /^Scanning left out 7 documents of other tools \(.*, 2 more\) and 2 files in template skeletons; name the catalog's root/m,
    );
    assert.match(text.out, /2 entities in \d+ files: 0 errors, 0 warnings/);
  });

  test('sync reports the same summary in its JSON report and text', async (t) => {
    const repo = checkout(t, files, 'git@github.com:acme/home-ops.git');
    const db = join(repo.dir, '.atrium', 'a.db');
    const json = await run(repo.dir, ['sync', '--database', db, '--format', 'json']);
    assert.equal(json.code, 0, json.err);
    const report = JSON.parse(json.out) as { entities: number; errors: number; skipped?: { documents: number } };
    assert.equal(report.entities, 2);
    assert.equal(report.errors, 0);
    assert.equal(report.skipped?.documents, 7);
    const text = await run(repo.dir, ['sync', '--database', db]);
    assert.match(text.out, /^Scanning left out 7 documents/m);
  });
});

describe('an app-config-rooted Backstage repository', () => {
  const appConfig = [
    'app:',
    '  title: Acme',
    'backend:',
    '  baseUrl: http://localhost:7007',
    'catalog:',
    '  rules:',
    '    - allow: [Component, System, API, Resource, Location]',
    '  locations:',
    '    - type: file',
    '      target: ../../examples/entities.yaml',
    '    - type: file',
    '      target: ../../examples/org.yaml',
    '      rules:',
    '        - allow: [User, Group]',
    '    - type: url',
    '      target: https://github.com/acme/backstage/blob/main/catalog-info.yaml',
    '    - type: github-discovery',
    '      target: https://github.com/acme',
    '',
  ].join('\n');
  const system = 'apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: portal\nspec:\n  owner: team-a\n';
  const domain = 'apiVersion: backstage.io/v1alpha1\nkind: Domain\nmetadata:\n  name: shop\nspec:\n  owner: team-a\n';
  const user = 'apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: ada\nspec:\n  memberOf: [team-a]\n';
  const files = {
    'app-config.yaml': appConfig,
    'packages/backend/package.json': '{"name": "backend"}\n',
    'examples/entities.yaml': `${system}---\n${component('website', { system: 'portal' })}---\n${domain}`,
    'examples/org.yaml': `${group('team-a')}---\n${user}`,
    'catalog-info.yaml': component('backstage'),
    'plugins/forgotten/catalog-info.yaml': component('forgotten'),
  };

  test('reads catalog.locations (relative to packages/backend as Backstage does, URLs of this repository as files) and honours the rules', async (t) => {
    const repo = checkout(t, files, 'git@github.com:acme/backstage.git');
    const result = await validateJson(repo.dir, ['.']);
    assert.equal(result.code, 0);
    // System, website, team-a, ada, backstage: the Domain is not allowed by the rules.
    assert.equal(result.entities, 5);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(codesOf(result.warnings), [
      'app-config.yaml location-type-unsupported',
      'examples/entities.yaml kind-not-allowed',
      'plugins/forgotten/catalog-info.yaml catalog-file-unreached',
    ]);
    const kindWarning = result.warnings.find((w) => w.code === 'kind-not-allowed');
    assert.match(kindWarning?.message ?? '', /domain:default\/shop/);
    assert.match(kindWarning?.hint ?? '', /catalog\.rules/);
  });

  test('without catalog.rules, Backstage’s default allows only Component, API and Location', async (t) => {
    const repo = checkout(
      t,
      {
        ...files,
        'app-config.yaml': appConfig.replace(
          '  rules:\n    - allow: [Component, System, API, Resource, Location]\n',
          '',
        ),
      },
      'https://github.com/acme/backstage',
    );
    const result = await validateJson(repo.dir, []);
    assert.deepEqual(result.errors, []);
    // website, backstage; team-a and ada by the location's own rules.
    assert.equal(result.entities, 4);
    assert.equal(result.warnings.filter((w) => w.code === 'kind-not-allowed').length, 2);
  });

  test('--app-config files are read in order, a later catalog.locations replacing an earlier one', async (t) => {
    const repo = checkout(
      t,
      {
        ...files,
        'app-config.production.yaml':
          'catalog:\n  locations:\n    - type: file\n      target: ./examples/org.yaml\n      rules: [{allow: [User, Group]}]\n',
      },
      'git@github.com:acme/backstage.git',
    );
    const result = await validateJson(repo.dir, [
      '--app-config',
      'app-config.yaml',
      '--app-config',
      'app-config.production.yaml',
    ]);
    assert.deepEqual(result.errors, []);
    assert.equal(result.entities, 2);
  });

  test('an app-config named as a descriptor is one error that says what it is', async (t) => {
    const repo = checkout(t, files, 'git@github.com:acme/backstage.git');
    const result = await validateJson(repo.dir, ['app-config.yaml']);
    assert.equal(result.code, 65);
    assert.deepEqual(codesOf(result.errors), ['app-config.yaml app-config-not-descriptor']);
    assert.match(result.errors[0]?.hint ?? '', /--app-config/);
  });

  test('several --catalog roots load together, relative to the folder holding them all', async (t) => {
    const repo = checkout(
      t,
      {
        'a/catalog-info.yaml': component('a'),
        'b/catalog-info.yaml': group('team-a'),
        'c/catalog-info.yaml': component('c'),
      },
      'git@github.com:acme/x.git',
    );
    const result = await validateJson(repo.dir, ['--catalog', 'a', '--catalog', 'b']);
    assert.equal(result.entities, 2);
    assert.deepEqual(codesOf(result.warnings), ['c/catalog-info.yaml catalog-file-unreached']);
  });
});

describe('URL targets and $text URLs into the same repository', () => {
  const root = location([
    'https://github.com/acme/platform/blob/main/services/a/catalog-info.yaml',
    'https://github.com/Acme/Platform/tree/main/services/b/catalog-info.yaml',
    'https://github.com/acme/platform/blob/v2/services/c/catalog-info.yaml',
    'https://github.com/acme/platform/blob/main/apis/api.yaml',
    'https://github.com/other/elsewhere/blob/main/catalog-info.yaml',
  ]);
  const files = {
    'catalog-info.yaml': root,
    'services/a/catalog-info.yaml': component('a'),
    'services/b/catalog-info.yaml': component('b'),
    'services/c/catalog-info.yaml': component('c'),
    'apis/api.yaml': api('payments', 'https://github.com/acme/platform/blob/main/apis/openapi.yaml'),
    'apis/openapi.yaml': 'openapi: 3.0.0\ninfo: {title: x, version: "1"}\npaths: {}\n',
    'teams.yaml': group('team-a'),
  };
  const withTeams = (files: Record<string, string>) => ({
    ...files,
    'catalog-info.yaml': `${files['catalog-info.yaml']}---\n${location(['./teams.yaml']).replace('name: root', 'name: teams')}`,
  });

  test('read the local files; another ref is a warning; a URL elsewhere is a warning naming catalog.urlMappings', async (t) => {
    const repo = checkout(t, withTeams(files), 'git@github.com:acme/platform.git');
    const result = await validateJson(repo.dir, ['.']);
    assert.equal(result.code, 0);
    assert.deepEqual(result.errors, []);
    assert.equal(result.entities, 7); // 2 Locations, a, b, c, the API, team-a
    assert.deepEqual(codesOf(result.warnings), [
      'catalog-info.yaml location-url-unsupported',
      'catalog-info.yaml url-ref-differs',
    ]);
    const unmapped = result.warnings.find((w) => w.code === 'location-url-unsupported');
    assert.match(unmapped?.hint ?? '', /catalog\.urlMappings/);
  });

  test('--strict-urls makes an unmapped URL an error (exit 65)', async (t) => {
    const repo = checkout(t, withTeams(files), 'https://github.com/acme/platform.git');
    const result = await validateJson(repo.dir, ['--strict-urls']);
    assert.equal(result.code, 65);
    assert.deepEqual(codesOf(result.errors), ['catalog-info.yaml location-url-unsupported']);
  });

  test('catalog.urlMappings in atrium.yaml maps another prefix to a folder inside the root', async (t) => {
    const repo = checkout(
      t,
      {
        ...withTeams(files),
        'vendor/elsewhere/catalog-info.yaml': component('vendored'),
        'atrium.yaml':
          'catalog:\n  urlMappings:\n    "https://github.com/other/elsewhere/blob/main/": vendor/elsewhere\n',
      },
      'git@github.com:acme/platform.git',
    );
    const result = await validateJson(repo.dir, []);
    assert.deepEqual(result.errors, []);
    assert.equal(result.entities, 8);
    assert.deepEqual(codesOf(result.warnings), ['catalog-info.yaml url-ref-differs']);
  });

  test('hostile URLs are refused: dot segments plain or percent-encoded, encoded slashes, a symlink out of the checkout', async (t) => {
    const outside = tempCatalog({ 'secret.yaml': component('secret') });
    t.after(() => outside.cleanup());
    const repo = checkout(
      t,
      {
        'catalog-info.yaml': location([
          'https://github.com/acme/platform/blob/main/../../other/repo/blob/main/x.yaml',
          'https://github.com/acme/platform/blob/main/%2e%2e/%2e%2e/etc/passwd',
          'https://github.com/acme/platform/blob/main/a%2F..%2F..%2Fx.yaml',
          'https://github.com/acme/platform/blob/main//etc/passwd',
          'https://github.com/acme/platform/blob/main/linked/secret.yaml',
        ]),
      },
      'git@github.com:acme/platform.git',
    );
    symlinkSync(outside.dir, join(repo.dir, 'linked'));
    const result = await validateJson(repo.dir, ['.']);
    assert.equal(result.code, 65);
    assert.deepEqual(codesOf(result.errors), [
      'catalog-info.yaml url-path-refused',
      'catalog-info.yaml url-path-refused',
      'catalog-info.yaml url-path-refused',
      'catalog-info.yaml url-path-refused',
      'linked/secret.yaml path-outside-root',
    ]);
    assert.equal(result.entities, 1);
  });

  test('a mapping that escapes the root, or through a symlink, is a configuration error (78)', async (t) => {
    const outside = tempCatalog({ 'x.yaml': component('x') });
    t.after(() => outside.cleanup());
    for (const folder of ['..', outside.dir, 'inside-link']) {
      const repo = checkout(
        t,
        {
          'catalog-info.yaml': component('a'),
          'atrium.yaml': `catalog:\n  urlMappings:\n    "https://mirror.example.com/x/": ${JSON.stringify(folder)}\n`,
        },
        'git@github.com:acme/platform.git',
      );
      symlinkSync(outside.dir, join(repo.dir, 'inside-link'));
      const result = await run(repo.dir, ['validate']);
      assert.equal(result.code, 78, folder);
      assert.match(result.err, /urlMappings: .* outside the catalog root/, folder);
    }
  });

  test('an app-config file target leaving the root, and an absolute one, are refused', async (t) => {
    const repo = checkout(
      t,
      {
        'app-config.yaml':
          'catalog:\n  rules: [{allow: [Component]}]\n  locations:\n    - type: file\n      target: ../../../../etc/passwd\n    - type: file\n      target: /etc/passwd\n',
      },
      'git@github.com:acme/platform.git',
    );
    mkdirSync(join(repo.dir, 'packages', 'backend'), { recursive: true });
    const result = await validateJson(repo.dir, []);
    assert.deepEqual(codesOf(result.errors), [
      'app-config.yaml location-outside-root',
      'app-config.yaml location-outside-root',
    ]);
  });
});

describe('a catalog in .backstage/', () => {
  test('scanning the repository says where the catalog seems to be, and passing that folder loads it', async (t) => {
    const repo = checkout(
      t,
      {
        '.backstage/catalog-info.yaml': location(['./team.yaml', './service.yaml']),
        '.backstage/team.yaml': group('team-a'),
        '.backstage/service.yaml': component('svc'),
        '.github/workflows/ci.yaml': 'on: push\njobs: {}\n',
        'src/index.ts': 'export {};\n',
      },
      'git@github.com:acme/svc.git',
    );
    const scanned = await validateJson(repo.dir, ['.']);
    assert.equal(scanned.entities, 0);
    assert.deepEqual(codesOf(scanned.warnings), ['.backstage/catalog-info.yaml catalog-in-dot-folder']);
    assert.match(scanned.warnings[0]?.hint ?? '', /catalog seems to live in \.backstage\/ — pass it as the root/);
    const rooted = await validateJson(repo.dir, ['.backstage']);
    assert.equal(rooted.entities, 3);
    assert.deepEqual([...rooted.errors, ...rooted.warnings], []);
  });
});
