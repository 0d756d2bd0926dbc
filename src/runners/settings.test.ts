import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../platform/errors.ts';
import { DEFAULT_CONCURRENCY, hostRunnerName, runnerSettings } from './settings.ts';
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
