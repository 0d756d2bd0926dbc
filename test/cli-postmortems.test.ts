import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CommandIO } from '../src/cli/io.ts';
import { main } from '../src/main.ts';
import { tempDir } from './support/catalog.ts';
import { useTestServer } from './support/test-server.ts';

/** `atrium incident action …` and `atrium incident postmortem …` against a real server over loopback HTTP. */

const FIXTURE = fileURLToPath(new URL('./fixtures/postmortems/', import.meta.url));

async function run(args: string[], env: NodeJS.ProcessEnv = {}, cwd = process.cwd()) {
  let out = '';
  let err = '';
  const io: CommandIO = { out: (t) => void (out += t), err: (t) => void (err += t), env: { ...env }, cwd };
  const code = await main(args, io);
  return { code, out, err };
}

test('the post-mortem subcommands explain themselves and are in the incident help', async () => {
  const top = await run(['incident', '--help']);
  assert.match(top.out, /atrium incident action add\|done\|deprioritise/);
  assert.match(top.out, /atrium incident postmortem publish\|review/);
  const help = await run(['incident', 'action', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /at most three items per post-mortem, each with an owner and a deadline/);
  assert.match(help.out, /--format FORMAT/);
  assert.equal((await run(['incident', 'postmortem', '--help'])).code, 0);
});

test('bad usage exits 64: no owner or no deadline is refused before anything is sent', async () => {
  const server = ['--server', 'http://127.0.0.1:9', '--token', 'x'];
  for (const [args, message] of [
    [['incident', 'action'], /needs one of add, done, deprioritise/],
    [
      ['incident', 'action', 'add', '3', '--title', 'Be more careful', '--type', 'process', ...server],
      /Missing --owner, --deadline/,
    ],
    [['incident', 'action', 'add', '--title', 'x', ...server], /needs an incident id/],
    [['incident', 'action', 'done', '3', ...server], /needs an incident id and an item id/],
    [['incident', 'action', 'deprioritise', '3', '4', ...server], /Missing --reason/],
    [['incident', 'postmortem', 'publish', '3', ...server], /Give --file PATH or --template/],
    [['incident', 'postmortem', 'close', '3'], /needs one of publish, review/],
  ] as const) {
    const result = await run([...args]);
    assert.equal(result.code, 64, args.join(' '));
    assert.match(result.out + result.err, message);
  }
});

describe('atrium incident action and postmortem against a server', () => {
  const clock = new Date('2026-01-07T10:00:00Z');
  const fixture = useTestServer('sqlite', {
    catalog: FIXTURE,
    listen: true,
    writesMaxLoopDelayMs: false,
    now: () => clock,
  });
  let env: NodeJS.ProcessEnv = {};
  let other: NodeJS.ProcessEnv = {};
  let id = '';
  before(async () => {
    env = {
      ATRIUM_URL: fixture.url,
      ATRIUM_TOKEN: (await fixture.server.tokens.create('ada', ['incidents:write'], null)).token,
    };
    other = { ...env, ATRIUM_TOKEN: (await fixture.server.tokens.create('bob', ['incidents:write'], null)).token };
    const { incident } = await fixture.server.incidents.declare(
      { service: 'component:default/checkout-service', severity: 'SEV2', title: 'Checkout down' },
      'ada',
    );
    id = String(incident.id);
  });
  const add = (title: string, owner = 'checkout', extra: string[] = []) =>
    run(
      [
        'incident',
        'action',
        'add',
        id,
        '--title',
        title,
        '--owner',
        owner,
        '--deadline',
        '2026-01-21',
        '--type',
        'prevent',
        ...extra,
      ],
      env,
    );

  test('adds three items; a fourth and an unknown owner exit 65 saying why', async () => {
    const first = await add('Alert on queue depth', 'checkout', ['--format', 'json']);
    assert.equal(first.code, 0, first.err);
    assert.equal((JSON.parse(first.out) as { owner: string }).owner, 'group:default/checkout');
    const unknown = await add('x', 'group:default/nobody');
    assert.equal(unknown.code, 65);
    assert.match(unknown.err, /owner: no User or Group group:default\/nobody in the catalog/);
    assert.equal((await add('Runbook', 'user:jane')).code, 0);
    const third = await add('Retry budget');
    assert.match(third.out, /^added #\d+ open +Retry budget — group:default\/checkout, by 2026-01-21 \(prevent\)/);
    const fourth = await add('Be more careful');
    assert.equal(fourth.code, 65);
    assert.match(fourth.err, /three items get done, ten get forgotten/);
  });

  test('a post-mortem file with a fourth item is refused at its line; a valid one is published with its items', async (t) => {
    const dir = tempDir(t);
    const items = ['One', 'Two', 'Three', 'Four']
      .map((title) => `  - title: ${title}\n    owner: checkout\n    deadline: 2026-01-20\n    type: process`)
      .join('\n');
    writeFileSync(
      join(dir, 'pm.md'),
      `---\nincident: ${id}\npublished: 2026-01-07\nauthor: ada\nactionItems:\n${items}\n---\n# PM\n`,
    );
    const refused = await run(['incident', 'postmortem', 'publish', id, '--file', 'pm.md'], env, dir);
    assert.equal(refused.code, 65);
    assert.match(refused.err, /pm\.md:18: .*three items get done, ten get forgotten/);
    // A valid file, for an incident without items yet.
    const { incident } = await fixture.server.incidents.declare(
      { service: 'component:default/checkout-service', severity: 'SEV3', title: 'Quotes slow' },
      'ada',
    );
    const three = items.split('\n').slice(0, 12).join('\n');
    writeFileSync(
      join(dir, 'ok.md'),
      `---\nincident: ${incident.id}\npublished: 2026-01-07\nauthor: ada\nactionItems:\n${three}\n---\n# PM\n\n<script>x</script>\n`,
    );
    const published = await run(
      ['incident', 'postmortem', 'publish', String(incident.id), '--file', 'ok.md'],
      env,
      dir,
    );
    assert.equal(published.code, 0, published.err);
    assert.equal((published.out.match(/ added #/g) ?? []).length, 3);
    const again = await run(
      ['incident', 'postmortem', 'publish', String(incident.id), '--file', 'ok.md', '--format', 'json'],
      env,
      dir,
    );
    assert.equal(
      (JSON.parse(again.out) as { added: unknown[] }).added.length,
      0,
      'publishing again adds nothing twice',
    );
  });

  test('done, deprioritise with a reason, publish the template and review by someone else', async () => {
    const view = (await (await fetch(`${fixture.url}/api/v1/incidents/${id}/postmortem`)).json()) as {
      items: { id: number }[];
    };
    const [one, two] = view.items;
    assert.match((await run(['incident', 'action', 'done', id, String(one?.id)], env)).out, /^done #\d+ done/);
    const dropped = await run(
      ['incident', 'action', 'deprioritise', id, String(two?.id), '--reason', 'Covered by SLO'],
      env,
    );
    assert.match(dropped.out, /deprioritised by ada: Covered by SLO/);
    assert.equal((await run(['incident', 'postmortem', 'publish', id, '--template'], env)).code, 0);
    const self = await run(['incident', 'postmortem', 'review', id], env);
    assert.equal(self.code, 65);
    assert.match(self.err, /cannot review it/);
    const reviewed = await run(['incident', 'postmortem', 'review', id, '--format', 'json'], other);
    assert.equal(reviewed.code, 0);
    assert.equal((JSON.parse(reviewed.out) as { reviewedBy: string }).reviewedBy, 'bob');
  });
});
