import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CommandIO } from '../src/cli/io.ts';
import { main } from '../src/main.ts';
import { useTestServer } from './support/test-server.ts';

/** `atrium incident …` end to end: the CLI against a real server over loopback HTTP (the API's own tests cover both databases). */

const FIXTURE = fileURLToPath(new URL('./fixtures/incidents/', import.meta.url));

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  const io: CommandIO = {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    env: { ...env },
    cwd: process.cwd(),
  };
  const code = await main(args, io);
  return { code, out, err };
}

test('atrium incident and each subcommand explain themselves with --help; the top level lists it', async () => {
  const top = await run(['incident', '--help']);
  assert.equal(top.code, 0);
  assert.match(top.out, /^Usage: atrium incident declare --service REF --severity SEV --title TEXT/);
  for (const sub of ['list', 'show ID', 'update ID', 'note ID', 'resolve ID'])
    assert.ok(top.out.includes(`atrium incident ${sub}`), sub);
  const declare = await run(['incident', 'declare', '--help']);
  assert.equal(declare.code, 0);
  assert.match(declare.out, /^Usage: atrium incident declare/);
  assert.match(declare.out, /--format FORMAT/);
  assert.match((await run(['--help'])).out, /incident +declare, list, show/);
});

test('bad usage exits 64 and says what is wrong', async () => {
  for (const [args, message] of [
    [['incident'], /Usage: atrium incident/],
    [['incident', 'open'], /Unknown subcommand "open"/],
    [['incident', 'declare', '--service', 'x'], /Missing --severity, --title/],
    [['incident', 'show'], /needs an incident id/],
    [['incident', 'show', 'twelve'], /needs an incident id/],
    [['incident', 'update', '3'], /Nothing to change/],
    [['incident', 'update', '3', '--milestone', 'later=2026-01-01T00:00:00Z'], /--milestone must be NAME=TIME/],
    [['incident', 'list', '--open', '--closed', '--server', 'http://127.0.0.1:9'], /exclude each other/],
    [['incident', 'note', '3', '--server', 'http://127.0.0.1:9'], /Missing --body/],
    [['incident', 'resolve', '3', '--server', 'http://127.0.0.1:9'], /No token given/],
    [['incident', 'list', '--format', 'yaml'], /--format must be text or json/],
  ] as const) {
    const result = await run([...args]);
    assert.equal(result.code, 64, args.join(' '));
    assert.match(result.out + result.err, message);
  }
});

describe('atrium incident against a server', () => {
  const fixture = useTestServer('sqlite', { catalog: FIXTURE, listen: true, writesMaxLoopDelayMs: false });
  let env: NodeJS.ProcessEnv = {};
  before(async () => {
    env = {
      ATRIUM_URL: fixture.url,
      ATRIUM_TOKEN: (await fixture.server.tokens.create('ada', ['incidents:write'], null)).token,
    };
  });

  test('declare, list, update, note, show and resolve, in text and JSON', async () => {
    const declared = await run(
      [
        'incident',
        'declare',
        '--service',
        'checkout',
        '--severity',
        'SEV2',
        '--title',
        'Card payments fail',
        '--also',
        'payments',
        '--format',
        'json',
      ],
      env,
    );
    assert.equal(declared.code, 0, declared.err);
    const { id, services } = JSON.parse(declared.out) as { id: number; services: string[] };
    assert.deepEqual(services, ['component:default/checkout', 'component:default/payments']);
    const listed = await run(['incident', 'list', '--open'], env);
    assert.match(listed.out, new RegExp(`^#${id} SEV2 detected +Card payments fail`));
    const updated = await run(
      ['incident', 'update', String(id), '--severity', 'SEV1', '--lead', 'Grace', '--status', 'mitigated'],
      env,
    );
    assert.equal(updated.code, 0, updated.err);
    assert.match(updated.out, new RegExp(`^updated #${id} SEV1 mitigated`));
    assert.equal((await run(['incident', 'note', `#${id}`, '--body', 'Rolled back the **flag**'], env)).code, 0);
    const shown = await run(['incident', 'show', String(id)], env);
    assert.match(shown.out, /lead: Grace/);
    assert.match(shown.out, /note +Rolled back the \*\*flag\*\*/);
    assert.match(shown.out, /Suspected changes:\n {2}none in the window/);
    const resolved = await run(['incident', 'resolve', String(id), '--format', 'json'], env);
    assert.equal(JSON.parse(resolved.out).status, 'resolved');
    const refused = await run(['incident', 'declare', '--service', 'nope', '--severity', 'SEV2', '--title', 't'], env);
    assert.equal(refused.code, 65);
    assert.match(refused.err, /no entity component:default\/nope/);
  });
});
