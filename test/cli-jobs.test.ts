import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CommandIO } from '../src/cli/io.ts';
import { main } from '../src/main.ts';
import { component, group, tempCatalog } from './support/catalog.ts';
import { useTestServer } from './support/test-server.ts';

/** `atrium jobs run|suspend|resume|cancel` against a listening server: help, usage errors, each action and its JSON. */

const catalog = tempCatalog({
  'catalog-info.yaml': [
    component('rate-card-importer', { owner: 'pricing' }),
    '---',
    group('pricing'),
    '---',
    'apiVersion: atrium.dev/v1',
    'kind: Job',
    'metadata: { name: nightly-rate-import }',
    'spec:',
    '  service: component:rate-card-importer',
    '  schedule: "0 2 * * *"',
    '  timeZone: Europe/Berlin',
    '  action: { http: { method: POST, url: "http://127.0.0.1:9/import" } }',
    '---',
    'apiVersion: atrium.dev/v1',
    'kind: Job',
    'metadata: { name: backup-watch }',
    'spec:',
    '  service: component:rate-card-importer',
    '  schedule: "0 3 * * *"',
    '  action: { heartbeat: { grace: 10m } }',
    '',
  ].join('\n'),
});
after(() => catalog.cleanup());

async function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CommandIO = { out: (t) => void (out += t), err: (t) => void (err += t), env, cwd: catalog.dir };
  const code = await main(args, io);
  return { code, out, err };
}

describe('atrium jobs', () => {
  const fixture = useTestServer('sqlite', { catalog: catalog.dir, listen: true });
  let env: Record<string, string> = {};
  before(async () => {
    env = {
      ATRIUM_URL: fixture.url,
      ATRIUM_TOKEN: (await fixture.server.tokens.create('ops', ['jobs:write'], null)).token,
    };
  });

  test('--help says what it does; usage errors exit 64', async () => {
    const help = await cli(['jobs', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /Usage: atrium jobs run\|suspend\|resume\|cancel JOB/);
    assert.equal((await cli(['jobs'], env)).code, 64);
    assert.equal((await cli(['jobs', 'explode', 'x'], env)).code, 64);
    assert.equal((await cli(['jobs', 'run'], env)).code, 64);
    assert.equal((await cli(['jobs', 'run', 'component:default/rate-card-importer'], env)).code, 64);
    assert.equal((await cli(['jobs', 'run', 'a', 'b'], env)).code, 64);
    assert.equal((await cli(['jobs', 'run', 'nightly-rate-import'], {})).code, 64, 'no server');
    assert.equal((await cli(['jobs', 'run', 'nightly-rate-import', '--format', 'xml'], env)).code, 64);
  });

  test('each action through the server, in text and JSON', async () => {
    const run = await cli(['jobs', 'run', 'nightly-rate-import'], env);
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /^Run ordered job:default\/nightly-rate-import \(tick /);
    const suspend = await cli(['jobs', 'suspend', 'default/nightly-rate-import', '--format', 'json'], env);
    assert.equal(suspend.code, 0, suspend.err);
    assert.deepEqual(JSON.parse(suspend.out), {
      job: 'job:default/nightly-rate-import',
      action: 'suspend',
      replayed: false,
    });
    assert.equal(await fixture.server.jobs.suspended('job:default/nightly-rate-import'), true);
    assert.equal((await cli(['jobs', 'resume', 'job:default/nightly-rate-import'], env)).code, 0);
    assert.equal(await fixture.server.jobs.suspended('job:default/nightly-rate-import'), false);
    const cancel = await cli(['jobs', 'cancel', 'nightly-rate-import'], env);
    assert.equal(cancel.out, 'Cancelled the unfinished runs of job:default/nightly-rate-import (1 run)\n');
  });

  test('refusals exit 65 with the server’s reason', async () => {
    const missing = await cli(['jobs', 'run', 'no-such-job'], env);
    assert.equal(missing.code, 65);
    assert.match(missing.err, /No job job:default\/no-such-job/);
    const heartbeat = await cli(['jobs', 'run', 'backup-watch'], env);
    assert.equal(heartbeat.code, 65);
    assert.match(heartbeat.err, /runs elsewhere/);
    const unauthorised = await cli(['jobs', 'run', 'nightly-rate-import'], { ...env, ATRIUM_TOKEN: 'atrium_nope' });
    assert.notEqual(unauthorised.code, 0);
  });
});
