import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { rootCertificates } from 'node:tls';
import { AtriumError, UsageError } from '../platform/errors.ts';
import { DEFAULT_CONCURRENCY, hostRunnerName, runnerSettings, trustedCertificates } from './settings.ts';
import { RUNNER_WORD } from './protocol.ts';

test("options win over atrium.yaml's runner, list by list; defaults fill the rest", () => {
  const file = {
    location: 'eu-west-1',
    tags: ['linux'],
    concurrency: 8,
    allowedCommands: ['/usr/bin/backup'],
    allowedEnvironment: ['HOME'],
  };
  assert.deepEqual(runnerSettings(file, {}), {
    location: 'eu-west-1',
    tags: ['linux'],
    concurrency: 8,
    allowedPrivateTargets: [],
    allowedCommands: ['/usr/bin/backup'],
    allowedWorkingDirectories: [],
    allowedEnvironment: ['HOME'],
  });
  assert.deepEqual(
    runnerSettings(file, { location: 'local', tags: [], allowedCommands: ['/bin/true'], concurrency: 1 }),
    {
      location: 'local',
      tags: [],
      concurrency: 1,
      allowedPrivateTargets: [],
      allowedCommands: ['/bin/true'],
      allowedWorkingDirectories: [],
      allowedEnvironment: ['HOME'],
    },
  );
  assert.equal(runnerSettings({}, { location: 'x' }).concurrency, DEFAULT_CONCURRENCY);
});

test('no location anywhere, or a location or tag that is not a runner word, is a usage error', () => {
  assert.throws(() => runnerSettings({}, {}), UsageError);
  assert.throws(() => runnerSettings({}, { location: 'eu west' }), /"eu west" is not a location or tag/);
  assert.throws(() => runnerSettings({}, { location: 'eu', tags: ['ok', '<b>'] }), /"<b>" is not a location or tag/);
  assert.throws(() => runnerSettings({}, { location: '-eu' }), UsageError);
});

test("a host's runner name is a runner word, whatever the host is called", () => {
  for (const suffix of ['local', 'eu-west-1', 'x'.repeat(80)]) assert.match(hostRunnerName(suffix), RUNNER_WORD);
});

test('--ca-file (over runner.caFile) is read once into its certificates; trusted beside the system CAs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'atrium-ca-'));
  try {
    const pem = (n: number) => `-----BEGIN CERTIFICATE-----\nMIIB${n}\n-----END CERTIFICATE-----\n`;
    writeFileSync(join(dir, 'two.pem'), `# internal CAs\n${pem(1)}junk between\n${pem(2)}`);
    writeFileSync(join(dir, 'one.pem'), pem(3));
    writeFileSync(join(dir, 'none.pem'), 'not a certificate');
    const file = { location: 'eu', caFile: join(dir, 'one.pem') };
    assert.deepEqual(runnerSettings(file, {}).caCertificates, [pem(3).trim()]);
    assert.deepEqual(runnerSettings(file, { caFile: join(dir, 'two.pem') }).caCertificates, [
      pem(1).trim(),
      pem(2).trim(),
    ]);
    assert.equal('caCertificates' in runnerSettings({ location: 'eu' }, {}), false);
    const refused = (path: string, code: string) =>
      assert.throws(
        () => runnerSettings({ location: 'eu' }, { caFile: path }),
        (err: unknown) => err instanceof AtriumError && err.code === code && err.category === 'operator-fixable',
      );
    refused(join(dir, 'missing.pem'), 'ca-file-unreadable');
    refused(dir, 'ca-file-unreadable');
    refused(join(dir, 'none.pem'), 'ca-file-empty');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(trustedCertificates(undefined), undefined, "Node's default: the system's");
  assert.equal(trustedCertificates([]), undefined);
  const trusted = trustedCertificates(['EXTRA']);
  assert.equal(trusted?.at(-1), 'EXTRA');
  assert.equal(trusted?.length, rootCertificates.length + 1, 'the system CAs are kept: `ca` replaces the default list');
});
