import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CommandIO } from '../src/cli/io.ts';
import { main } from '../src/main.ts';
import { describeEachDatabase } from './support/databases.ts';
import { json, loopbackServer } from './support/loopback.ts';
import { useTestServer } from './support/test-server.ts';

/** `atrium notify test` and `atrium page` end to end: the CLI against a real server over loopback HTTP, or its database. */

const FIXTURE = fileURLToPath(new URL('./fixtures/notifications/', import.meta.url));
const slack = await loopbackServer((_req, res) => res.end('ok'));
const pd = await loopbackServer(json(202, { status: 'success', message: 'Event processed' }));
after(() => Promise.all([slack.close(), pd.close()]));

async function run(args: string[], env: NodeJS.ProcessEnv = {}, cwd = process.cwd()) {
  let out = '';
  let err = '';
  const io: CommandIO = { out: (t) => void (out += t), err: (t) => void (err += t), env: { ...env }, cwd };
  const code = await main(args, io);
  return { code, out, err };
}

test('both commands explain themselves with --help', async () => {
  const notify = await run(['notify', '--help']);
  assert.equal(notify.code, 0);
  assert.match(notify.out, /^Usage: atrium notify test --team REF/);
  assert.match(notify.out, /--database PATH\|URL/);
  const page = await run(['page', '--help']);
  assert.equal(page.code, 0);
  assert.match(page.out, /^Usage: atrium page --service REF --message TEXT/);
});

test('bad usage exits 64 and says what is missing', async () => {
  for (const [args, message] of [
    [['notify'], /Missing action/],
    [['notify', 'send', '--team', 'x'], /Unknown action "send"/],
    [['notify', 'test'], /Missing --team/],
    [['notify', 'test', '--team', 'x', '--database', 'a.db', '--server', 'http://x'], /exclude each other/],
    [['page', '--service', 'x'], /Missing --message/],
    [['page', '--service', 'x', '--message', 'm', 'extra'], /Unexpected argument "extra"/],
    [['page', '--service', 'x', '--message', 'm', '--server', 'http://127.0.0.1:9'], /No token given/],
  ] as const) {
    const result = await run([...args]);
    assert.equal(result.code, 64, args.join(' '));
    assert.match(result.err, message);
  }
});

describeEachDatabase('atrium notify and atrium page (command line)', (dialect) => {
  const fixture = useTestServer(dialect, () => ({
    catalog: FIXTURE,
    listen: true,
    receivers: [
      { name: 'checkout-slack', type: 'slack', url: `${slack.url}/services/T/B/SEKRET` },
      { name: 'pagerduty', type: 'pagerduty', url: `${pd.url}/v2/enqueue`, secret: 'R0UTE' },
    ],
    teamReceivers: { 'group:default/checkout': ['pagerduty'] },
    paging: { receiver: 'pagerduty' },
  }));
  let env: NodeJS.ProcessEnv = {};
  let readOnly: NodeJS.ProcessEnv = {};
  let cwd = '';
  before(async () => {
    env = {
      ATRIUM_URL: fixture.url,
      ATRIUM_TOKEN: (await fixture.server.tokens.create('ada', ['pages:write'], null)).token,
    };
    readOnly = { ...env, ATRIUM_TOKEN: (await fixture.server.tokens.create('ci', ['notifications:read'], null)).token };
    cwd = mkdtempSync(join(tmpdir(), 'atrium-notify-'));
    writeFileSync(
      join(cwd, 'atrium.yaml'),
      [
        'notifications:',
        '  receivers:',
        '    checkout-slack: {type: slack, urlEnv: CHECKOUT_SLACK_URL}',
        `    pagerduty: {type: pagerduty, url: "${pd.url}/v2/enqueue", routingKeyEnv: PD_KEY}`,
        '  teams:',
        '    checkout: [pagerduty]',
      ].join('\n'),
    );
  });
  after(() => rmSync(cwd, { recursive: true, force: true }));

  test('notify test through the server queues a trigger and a resolve per receiver and prints their ids', async () => {
    const result = await run(['notify', 'test', '--team', 'checkout'], env);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /^Test notification for group:default\/checkout to pagerduty, checkout-slack:/);
    assert.match(result.out, /pagerduty trigger: queued → id \d+/);
    assert.match(result.out, /checkout-slack resolve: queued → id \d+/);
    assert.match(result.out, /warning: receiver "hooks" is not configured/);
    const asJson = JSON.parse((await run(['notify', 'test', '--team', 'checkout', '--format', 'json'], env)).out);
    assert.equal(asJson.items.length, 4);
  });

  test('notify test: a team without receivers is refused (65), as is a token without pages:write', async () => {
    const none = await run(['notify', 'test', '--team', 'careless'], env);
    assert.equal(none.code, 65);
    assert.match(none.err, /has no notification receivers/);
    assert.doesNotMatch(none.err, /SEKRET/);
    assert.equal((await run(['notify', 'test', '--team', 'checkout'], readOnly)).code, 65);
  });

  test('notify test --database queues in the outbox and delivers once here, with this directory’s receivers', async () => {
    slack.received.length = 0;
    pd.received.length = 0;
    const result = await run(
      ['notify', 'test', '--team', 'group:default/checkout', '--database', fixture.testDb.target],
      { CHECKOUT_SLACK_URL: `${slack.url}/services/T/B/SEKRET`, PD_KEY: 'R0UTE-CLI' },
      cwd,
    );
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /pagerduty trigger: sent → id \d+/);
    assert.match(result.out, /checkout-slack trigger: sent → id \d+/);
    assert.match(
      result.out,
      /pagerduty resolve: queued → id \d+/,
      'a resolve waits for the next run after its trigger',
    );
    assert.equal(JSON.parse(pd.received[0]?.body ?? '{}').routing_key, 'R0UTE-CLI');
    assert.equal(slack.received.length, 1);
    assert.doesNotMatch(result.out + result.err, /SEKRET|R0UTE/);
    const missingSecret = await run(
      ['notify', 'test', '--team', 'checkout', '--database', fixture.testDb.target],
      {},
      cwd,
    );
    assert.equal(missingSecret.code, 78);
    assert.match(missingSecret.err, /CHECKOUT_SLACK_URL/);
  });

  test('page posts the page with an Idempotency-Key and prints queued → id; the same key pages once', async () => {
    const args = [
      'page',
      '--service',
      'shipment-service',
      '--message',
      'checkout fails since 02:10',
      '--idempotency-key',
      'k1',
    ];
    const first = await run(args, env);
    assert.equal(first.code, 0, first.err);
    const match = /^queued → id (\d+) via pagerduty \(dedup key atrium-page-[0-9a-f-]+\)\n$/.exec(first.out);
    assert.ok(match, first.out);
    const again = await run(args, env);
    assert.equal(again.out, first.out);
    const unknown = await run(['page', '--service', 'nope', '--message', 'x'], env);
    assert.equal(unknown.code, 65);
    assert.match(unknown.err, /No entity component:default\/nope/);
  });
});
