import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { CatalogRoot } from '../src/catalog/files.ts';
import type { FileSummary } from '../src/catalog/file-summary.ts';
import { parsedKey, walkCatalog, type WalkResult } from '../src/catalog/load.ts';
import { openCatalog } from '../src/catalog/open-catalog.ts';
import type { Entity, Problem } from '../src/catalog/model.ts';
import { resolveCatalog, type Resolution } from '../src/catalog/resolve.ts';
import { sharedConformance } from './support/shared-conformance.ts';

/**
 * Conformance: real catalogs load as Backstage loads them. Extra keys are tolerated;
 * dangling references and unsupported placeholders are warnings; only what really breaks
 * the format is an error. Each folder's SOURCE.txt names its roots (the Locations Backstage
 * registers), and the expectations below are listed explicitly, problem by problem.
 */

const EXAMPLES = path.resolve(import.meta.dirname, 'fixtures/backstage-examples');
/** `shared/` sits beside the repository (in CI too, where the repository is cloned elsewhere), or beside the one it was cloned from. */
const REAL_CATALOGS = sharedConformance('real-catalogs');

function requireDir(dir: string, what: string): string {
  assert.ok(
    fs.existsSync(dir) && fs.statSync(dir).isDirectory(),
    `Conformance data is missing: ${what} was expected at ${dir}. ` +
      'The shared/ folder must sit beside the repository (shared/conformance/real-catalogs/), or ATRIUM_SHARED_DIR name it; these tests are not optional.',
  );
  return dir;
}

interface Loaded {
  walks: WalkResult[];
  files: FileSummary[];
  resolution: Resolution;
  entities: Map<string, Entity>;
}

/**
 * Loads a catalog the way Backstage does with several registered locations: one walk
 * from every root (as `--catalog` repeated does), the entities of all of them in one catalog.
 */
async function loadRoots(dir: string, roots: string[]): Promise<Loaded> {
  const root = await CatalogRoot.open(dir);
  const walks: WalkResult[] = [
    await walkCatalog(
      root,
      roots.map((path) => ({ kind: 'file', path })),
    ),
  ];
  const files = walks.flatMap((w) => w.files);
  const resolution = resolveCatalog(
    files,
    walks.flatMap((w) => w.problems),
    new Map(),
  );
  const entities = new Map<string, Entity>();
  const parsed = new Map(walks.flatMap((w) => [...w.parsed]));
  for (const claim of resolution.claims.values()) {
    const entity = parsed.get(parsedKey(claim.file, claim.key));
    if (entity) entities.set(claim.key, entity);
  }
  return { walks, files, resolution, entities };
}

const describeProblem = (p: Problem): string => `${p.file}:${p.line}:${p.column} ${p.code}: ${p.message}`;
const errorsOf = (r: Resolution): string[] => r.problems.filter((p) => p.severity === 'error').map(describeProblem);
const warningsOf = (r: Resolution): string[] => r.problems.filter((p) => p.severity === 'warning').map(describeProblem);

function countByKind(r: Resolution): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const claim of r.claims.values()) counts[claim.kind] = (counts[claim.kind] ?? 0) + 1;
  return counts;
}

function getEntity(loaded: Loaded, key: string): Entity {
  const entity = loaded.entities.get(key);
  assert.ok(entity, `${key} is not in the catalog`);
  return entity;
}

describe("Backstage's own example catalog (test/fixtures/backstage-examples)", () => {
  // SOURCE.txt: upstream registers all.yaml and acme-corp.yaml (app-config catalog.locations).
  // No file is deliberately invalid upstream; the two AiResource files use an alpha kind
  // outside the kinds Atrium reads (a default Backstage backend refuses them too): they are
  // skipped with a warning, as a catalog whose rules do not allow the kind skips them.
  const roots = ['all.yaml', 'acme-corp.yaml'];

  test('loads every entity with no error; the two AiResource files of an alpha kind are skipped', async () => {
    const loaded = await loadRoots(requireDir(EXAMPLES, 'the Backstage example catalog'), roots);
    assert.deepEqual(errorsOf(loaded.resolution), []);
  });

  test('warns only about the two skipped AiResource documents and the three $text placeholders that point at URLs', async () => {
    const loaded = await loadRoots(requireDir(EXAMPLES, 'the Backstage example catalog'), roots);
    assert.deepEqual(
      loaded.resolution.problems
        .filter((p) => p.severity === 'warning')
        .map((p) => `${p.file}:${p.line}:${p.column} ${p.code}`),
      [
        'ai-resources/frontend-design-skill.yaml:2:7 unknown-kind',
        'ai-resources/use-internal-apis-rule.yaml:2:7 unknown-kind',
        'apis/spotify-api.yaml:17:12 substitution-url-unsupported',
        'apis/wayback-archive-api.yaml:11:12 substitution-url-unsupported',
        'apis/wayback-search-api.yaml:11:12 substitution-url-unsupported',
      ],
    );
  });

  test('reaches all 48 descriptor files and holds 64 entities of the core kinds, every reference resolving', async () => {
    const loaded = await loadRoots(requireDir(EXAMPLES, 'the Backstage example catalog'), roots);
    assert.equal(loaded.files.length, 48);
    assert.deepEqual(countByKind(loaded.resolution), {
      Location: 9,
      API: 10,
      Component: 13,
      Domain: 3,
      Resource: 1,
      System: 3,
      Group: 8,
      User: 17,
    });
    assert.equal(loaded.resolution.claims.size, 64);
    assert.equal(
      loaded.resolution.problems.filter((p) => p.code === 'dangling-reference' || p.code === 'duplicate-entity').length,
      0,
    );
    assert.ok([...loaded.resolution.claims.values()].every((c) => !c.stale));
  });

  test('substitutes the relative $text definitions of the petstore APIs and keeps URL ones as notes', async () => {
    const loaded = await loadRoots(requireDir(EXAMPLES, 'the Backstage example catalog'), roots);
    const petstore = getEntity(loaded, 'api:default/petstore').spec?.definition;
    assert.equal(petstore, fs.readFileSync(path.join(EXAMPLES, 'apis/petstore.oas.yaml'), 'utf8'));
    const spotify = getEntity(loaded, 'api:default/spotify').spec?.definition;
    assert.match(String(spotify), /^\$text: https:\/\/github\.com\/APIs-guru\//);
    const petstoreFile = loaded.files.find((f) => f.path === 'apis/petstore-api.yaml');
    assert.deepEqual(
      petstoreFile?.dependencies.map((d) => d.path),
      ['apis/petstore.oas.yaml'],
    );
  });

  test('scanning the whole folder instead finds the same entities and skips the OpenAPI documents', async () => {
    const dir = requireDir(EXAMPLES, 'the Backstage example catalog');
    const { root, starts } = await openCatalog(dir);
    assert.deepEqual(starts, [{ kind: 'scan', path: '.' }], 'the examples have no catalog-info.yaml');
    const walk = await walkCatalog(root, starts);
    const scanned = resolveCatalog(walk.files, walk.problems, new Map());
    const registered = await loadRoots(dir, roots);
    assert.deepEqual([...scanned.claims.keys()].sort(), [...registered.resolution.claims.keys()].sort());
    assert.deepEqual(scanned.problems.map(describeProblem), registered.resolution.problems.map(describeProblem));
  });
});

describe('real catalog: redhat-developer/rhdh', () => {
  const dir = path.join(REAL_CATALOGS, 'redhat-developer__rhdh');
  // SOURCE.txt: the root Backstage registers is catalog-entities/all.yaml.
  const roots = ['catalog-entities/all.yaml'];

  test('SOURCE.txt names catalog-entities/all.yaml as the root', () => {
    const source = fs.readFileSync(path.join(requireDir(dir, 'the rhdh catalog'), 'SOURCE.txt'), 'utf8');
    assert.match(source, /ROOT\(S\)\s+catalog-entities\/all\.yaml\s/);
  });

  test('loads with no errors', async () => {
    const loaded = await loadRoots(requireDir(dir, 'the rhdh catalog'), roots);
    assert.deepEqual(errorsOf(loaded.resolution), []);
  });

  test('warns exactly about the two $openapi placeholders, three dangling references and the unreached catalog-info.yaml', async () => {
    const loaded = await loadRoots(requireDir(dir, 'the rhdh catalog'), roots);
    assert.deepEqual(warningsOf(loaded.resolution), [
      'catalog-entities/apis/nexus-repo-manager-3.yaml:18:15 substitution-unsupported: Placeholder $openapi is not supported; the value is kept as a note',
      'catalog-entities/apis/petstore.yaml:22:15 substitution-unsupported: Placeholder $openapi is not supported; the value is kept as a note',
      'catalog-entities/components/community-plugins.yaml:19:11 dangling-reference: spec.system refers to system:default/rhdh, which is not in the catalog',
      'catalog-entities/components/showcase.yaml:27:11 dangling-reference: spec.system refers to system:default/red-hat-developer-hub, which is not in the catalog',
      'catalog-entities/components/showcase.yaml:28:10 dangling-reference: spec.owner refers to group:default/red-hat, which is not in the catalog',
      // Issue 15: the repository's own descriptor, registered separately upstream, is named (not read).
      "catalog-info.yaml:1:1 catalog-file-unreached: catalog-info.yaml is not reached by any Location from the catalog's roots, so it was not read",
    ]);
  });

  test('holds 18 entities: 6 Locations, 2 APIs, 2 Components, 2 Groups, 1 System, 5 Resources', async () => {
    const loaded = await loadRoots(requireDir(dir, 'the rhdh catalog'), roots);
    assert.deepEqual(countByKind(loaded.resolution), {
      Location: 6,
      API: 2,
      Component: 2,
      Group: 2,
      System: 1,
      Resource: 5,
    });
    assert.deepEqual(
      loaded.files.map((f) => f.path).filter((p) => p.includes('e2e-test-resources') || p === 'catalog-info.yaml'),
      [],
      'files no Location reaches are not read',
    );
  });

  test('keeps $openapi definitions as notes and tolerates keys outside the kind schemas', async () => {
    const loaded = await loadRoots(requireDir(dir, 'the rhdh catalog'), roots);
    assert.equal(
      getEntity(loaded, 'api:default/nexus-repo-manager3').spec?.definition,
      '$openapi: https://github.com/redhat-developer/rhdh/blob/main/catalog-entities/apis/nexus-swagger.json',
    );
    // A Resource has no lifecycle in Backstage's schema; rhdh gives each one anyway.
    for (const name of ['argocd', 'github', 'keycloak', 'obc', 'pgdb']) {
      assert.equal(getEntity(loaded, `resource:default/${name}`).spec?.lifecycle, 'production', name);
    }
    // Links without icon or type, annotations with any value: all kept as written.
    assert.deepEqual(getEntity(loaded, 'api:default/petstore').metadata.links?.[0], {
      title: 'Petstore',
      url: 'https://petstore3.swagger.io/',
    });
  });

  test('a System and a Component sharing the name rhdh are both loaded: names are unique per kind and namespace', async () => {
    // catalog-info.yaml is the repository's own descriptor, registered beside all.yaml.
    const loaded = await loadRoots(requireDir(dir, 'the rhdh catalog'), [...roots, 'catalog-info.yaml']);
    const system = loaded.resolution.claims.get('system:default/rhdh');
    const component = loaded.resolution.claims.get('component:default/rhdh');
    assert.equal(system?.file, 'catalog-info.yaml');
    assert.equal(component?.file, 'catalog-info.yaml');
    assert.equal(system?.stale, false);
    assert.equal(component?.stale, false);
    assert.notEqual(system?.line, component?.line);
    assert.deepEqual(errorsOf(loaded.resolution), []);
    // With the System present, community-plugins' spec.system no longer dangles.
    assert.deepEqual(
      loaded.resolution.problems.filter((p) => p.code === 'dangling-reference').map((p) => `${p.file}:${p.line}`),
      ['catalog-entities/components/showcase.yaml:27', 'catalog-entities/components/showcase.yaml:28'],
    );
    assert.deepEqual(countByKind(loaded.resolution), {
      Location: 6,
      API: 2,
      Component: 3,
      Group: 2,
      System: 2,
      Resource: 5,
    });
  });
});

describe('real catalog: webgrip/organisation-public', () => {
  const dir = path.join(REAL_CATALOGS, 'webgrip__organisation-public');
  // SOURCE.txt: the root is catalog-info.yaml (4 Locations + 1 Component, all in namespace webgrip).
  const roots = ['catalog-info.yaml'];

  test('SOURCE.txt names catalog-info.yaml as the root', () => {
    const source = fs.readFileSync(path.join(requireDir(dir, 'the webgrip catalog'), 'SOURCE.txt'), 'utf8');
    assert.match(source, /ROOT\(S\)\s+catalog-info\.yaml\s/);
  });

  test('loads with no errors, as does opening the folder (its catalog-info.yaml is the root)', async () => {
    const loaded = await loadRoots(requireDir(dir, 'the webgrip catalog'), roots);
    assert.deepEqual(errorsOf(loaded.resolution), []);
    const { root, starts } = await openCatalog(dir);
    assert.deepEqual(starts, [{ kind: 'file', path: 'catalog-info.yaml' }]);
    const walk = await walkCatalog(root, starts);
    assert.deepEqual(resolveCatalog(walk.files, walk.problems, new Map()).problems, loaded.resolution.problems);
  });

  test('warns once about the undefined group webgrip/infrastructure, listing the twelve owners that name it', async () => {
    const loaded = await loadRoots(requireDir(dir, 'the webgrip catalog'), roots);
    assert.deepEqual(warningsOf(loaded.resolution), [
      'catalog-info.yaml:73:10 dangling-reference: group:webgrip/infrastructure is not in the catalog; 12 entities refer to it',
    ]);
    const [warning] = loaded.resolution.problems;
    assert.equal(warning?.count, 12);
    assert.deepEqual(
      warning?.referrers?.map((r) => `${r.file}:${r.line}:${r.column} ${r.field}`),
      [
        'catalog-info.yaml:73:10',
        'catalog/components/cert-manager.yaml:20:10',
        'catalog/components/echo.yaml:19:10',
        'catalog/components/ingress-nginx.yaml:20:10',
        'catalog/components/quote.yaml:19:10',
        'catalog/domains/operations-domain.yaml:28:10',
        'catalog/domains/telemetry-domain.yaml:31:10',
        'catalog/resources/staging-doks-cluster.yaml:19:10',
        'catalog/systems/github-actions-runner-controller.yaml:15:10',
        'catalog/systems/github-actions-runner-controller.yaml:35:10',
        'catalog/systems/github-actions-runner-controller.yaml:53:10',
        'catalog/systems/kubernetes.yaml:10:10',
      ].map((place) => `${place} spec.owner`),
    );
  });

  test('holds 16 entities in namespace webgrip: 4 Locations, 5 Components, 2 Domains, 4 Systems, 1 Resource', async () => {
    const loaded = await loadRoots(requireDir(dir, 'the webgrip catalog'), roots);
    assert.deepEqual(countByKind(loaded.resolution), { Location: 4, Component: 5, Domain: 2, System: 4, Resource: 1 });
    assert.ok([...loaded.resolution.claims.keys()].every((key) => key.split(':')[1]?.startsWith('webgrip/')));
    assert.equal(
      loaded.resolution.claims.has('component:webgrip/metrics-server-component'),
      false,
      'no Location lists metrics-server.yaml',
    );
    assert.equal(
      loaded.resolution.claims.has('group:webgrip/c-level-group'),
      false,
      'c-level-group.yaml is registered outside this repository',
    );
  });

  test("resolves references in every form against the entity's own namespace", async () => {
    const loaded = await loadRoots(requireDir(dir, 'the webgrip catalog'), roots);
    const targets = (key: string): string[] =>
      (loaded.resolution.claims.get(key)?.references ?? []).map((r) =>
        `${r.relation} ${r.target.kind}:${r.target.namespace}/${r.target.name}`.toLowerCase(),
      );
    // `group:webgrip/infrastructure` and bare `kubernetes-system`
    assert.deepEqual(targets('component:webgrip/organisation-public'), [
      'ownedby group:webgrip/infrastructure',
      'partof system:webgrip/kubernetes-system',
    ]);
    // `group:infrastructure`: the namespace is the Domain's own
    assert.deepEqual(targets('domain:webgrip/operations-domain'), ['ownedby group:webgrip/infrastructure']);
    // `webgrip/operations-domain`: the kind comes from the field
    assert.deepEqual(targets('system:webgrip/kubernetes-system'), [
      'ownedby group:webgrip/infrastructure',
      'partof domain:webgrip/operations-domain',
    ]);
    // `resource:webgrip/staging-doks-cluster`
    assert.ok(targets('component:webgrip/echo-component').includes('dependson resource:webgrip/staging-doks-cluster'));
    // Quoted label values such as tier: "1" stay strings.
    assert.deepEqual(getEntity(loaded, 'component:webgrip/organisation-public').metadata.labels, { tier: '1' });
  });
});
