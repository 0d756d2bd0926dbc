import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditLockfile, fails, inRange, parseSnapshot, productionPackages } from '../scripts/advisories.ts';

const lockfile = {
  lockfileVersion: 3,
  packages: {
    '': { name: 'atrium', version: '0.1.0' },
    'node_modules/yaml': { version: '2.2.1' },
    'node_modules/@hono/node-server': { version: '2.1.9' },
    'node_modules/pg/node_modules/semver': { version: '7.5.1' },
    'node_modules/typescript': { version: '5.0.0', dev: true },
    'node_modules/local-thing': { link: true, resolved: '../x' },
    'node_modules/aliased': { name: 'real-name', version: '1.0.0-beta.2' },
  },
};

const advisory = (vulnerable: string, severity = 'high', id = 'GHSA-test') => ({
  id,
  title: `test advisory ${id}`,
  severity,
  vulnerable,
});

const snapshot = (advisories: Record<string, unknown>) => ({ takenAt: '2026-12-07', advisories });

test('npm ranges: comparators, alternatives, partial versions, prereleases', () => {
  const cases: [string, string, boolean | undefined][] = [
    ['2.2.1', '<2.2.2', true],
    ['2.2.2', '<2.2.2', false],
    ['2.2.1', '>=2.0.0 <2.2.2', true],
    ['1.9.9', '>=2.0.0 <2.2.2', false],
    ['3.0.1', '<2.0.0 || >=3.0.0 <3.0.2', true],
    ['2.5.0', '<2.0.0 || >=3.0.0 <3.0.2', false],
    ['1.4.0', '<2', true],
    ['2.0.0', '<2', false],
    ['1.0.0-beta.2', '<1.0.0', true],
    ['1.0.0-beta.2', '>=1.0.0-beta.10', false],
    ['1.0.0-beta.11', '>=1.0.0-beta.10', true],
    ['1.0.0-beta', '>=1.0.0-alpha.9 <1.0.0', true],
    ['4.1.0', '*', true],
    ['4.1.0', '=4.1.0', true],
    ['4.1.0', '4.1.0', true],
    // Not ranges this reads: the caller reports them.
    ['4.1.0', '', undefined],
    ['4.1.0', '~4.1.0', undefined],
    ['4.1.0', '=4.1', undefined],
    ['4.1.0', '<4.1.0 ||', undefined],
    ['4.1.0', `<${'9'.repeat(2000)}`, undefined],
    ['not-a-version', '<1.0.0', undefined],
  ];
  for (const [version, range, expected] of cases)
    assert.equal(inRange(version, range), expected, `${version} in ${range}`);
});

test('a lockfile against a snapshot: production packages only, nested and aliased ones included', () => {
  assert.deepEqual(
    productionPackages(lockfile).packages.map((p) => `${p.name}@${p.version}`),
    ['yaml@2.2.1', '@hono/node-server@2.1.9', 'semver@7.5.1', 'real-name@1.0.0-beta.2'],
  );
  const result = auditLockfile(
    lockfile,
    snapshot({
      yaml: [advisory('>=2.0.0 <2.2.2', 'high', 'GHSA-yaml')],
      semver: [advisory('>=7.0.0 <7.5.2', 'moderate', 'GHSA-semver')],
      typescript: [advisory('<6.0.0', 'critical', 'GHSA-dev-only')],
      'real-name': [advisory('<1.0.0', 'low', 'GHSA-alias')],
      '@hono/node-server': [advisory('<1.0.0', 'critical', 'GHSA-old')],
    }),
  );
  assert.deepEqual(
    result.findings.map((f) => `${f.name}@${f.version} ${f.advisory.id}`),
    ['yaml@2.2.1 GHSA-yaml', 'semver@7.5.1 GHSA-semver', 'real-name@1.0.0-beta.2 GHSA-alias'],
  );
  assert.deepEqual(result.problems, []);
  assert.equal(result.checked, 4);
  assert.equal(fails(result), true, 'a high finding fails');
  const moderate = auditLockfile(lockfile, snapshot({ semver: [advisory('<7.5.2', 'moderate')] }));
  assert.equal(fails(moderate), false, 'a moderate one is reported, not failed on');
  assert.equal(fails(auditLockfile(lockfile, snapshot({}))), false, 'an empty, dated snapshot passes');
});

test('a hostile or malformed snapshot is a problem that fails the check, never a silent pass', () => {
  for (const raw of [
    null,
    'advisories',
    [],
    { advisories: {} },
    { takenAt: 'yesterday', advisories: {} },
    { takenAt: '2026-12-07' },
    { takenAt: '2026-12-07', advisories: [] },
    snapshot({ yaml: 'all' }),
    snapshot({ yaml: [advisory('~2.2.0')] }),
    snapshot({ yaml: [advisory('<3.0.0', 'urgent')] }),
    snapshot({ yaml: [{ id: 'x', severity: 'high', vulnerable: '<3.0.0' }] }),
    snapshot({ '../../etc/passwd': [advisory('<1.0.0')] }),
    snapshot({ yaml: [null, 7] }),
  ]) {
    const result = auditLockfile(lockfile, raw);
    assert.ok(result.problems.length > 0, JSON.stringify(raw));
    assert.equal(fails(result), true, JSON.stringify(raw));
  }
  // A bad entry does not hide the good ones beside it.
  const mixed = auditLockfile(
    lockfile,
    snapshot({ yaml: [advisory('~2'), advisory('<2.2.2', 'critical', 'GHSA-ok')] }),
  );
  assert.deepEqual(
    mixed.findings.map((f) => f.advisory.id),
    ['GHSA-ok'],
  );
  // JSON.parse makes `__proto__` an own key: it is no package name, and pollutes nothing.
  const polluting = parseSnapshot(JSON.parse('{"takenAt":"2026-12-07","advisories":{"__proto__":[]}}'));
  assert.equal(polluting.problems.length, 1);
  assert.equal(({} as Record<string, unknown>).length, undefined);
});

test('a malformed lockfile is a problem too', () => {
  for (const raw of [
    null,
    {},
    { lockfileVersion: 1, dependencies: {} },
    { packages: [] },
    { packages: { 'node_modules/yaml': { version: 'latest' } } },
    { packages: { 'node_modules/yaml': {} } },
    { packages: { 'node_modules/Bad Name': { version: '1.0.0' } } },
    { packages: { 'node_modules/yaml': { version: `1.0.0-${'x'.repeat(100)}` } } },
  ])
    assert.equal(fails(auditLockfile(raw, snapshot({}))), true, JSON.stringify(raw));
});
