import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CommandIO } from '../src/cli/io.ts';
import { main } from '../src/main.ts';
import { useTestServer } from './support/test-server.ts';

/** `atrium runner`'s command line: help, usage errors, and a token the server refuses (the process test runs one for real). */

const FIXTURE = fileURLToPath(new URL('./fixtures/notifications/', import.meta.url));
const cwd = mkdtempSync(join(tmpdir(), 'atrium-cli-runner-'));
after(() => rmSync(cwd, { recursive: true, force: true }));

async function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  const io: CommandIO = {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    env: { ATRIUM_LOG_LEVEL: 'silent', ...env },
    cwd,
  };
  const code = await main(args, io);
  return { code, out, err };
}

describe('atrium runner', () => {
  const fixture = useTestServer('sqlite', { catalog: FIXTURE, listen: true, runnerLongPollMs: 0 });
  let reader = '';
  before(async () => {
    reader = (await fixture.server.tokens.create('not-a-runner', ['notifications:read'], null)).token;
  });

  test('atrium runner --help explains it, and atrium --help lists it', async () => {
    const help = await run(['runner', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /^Usage: atrium runner --server URL --location NAME/);
    for (const option of [
      '--tags',
      '--concurrency',
      '--allow-command',
      '--allow-private-target',
      '--ca-file',
      '--shutdown-grace',
    ])
      assert.ok(help.out.includes(option), option);
    assert.match((await run(['--help'])).out, /runner\s+run checks and jobs leased from a server/);
  });

  test('bad usage exits 64 and says what is wrong', async () => {
    const server = ['--server', 'http://127.0.0.1:9', '--token', 'atrium_x'];
    for (const [args, message] of [
      [['runner', '--location', 'eu'], /No server given/],
      [['runner', ...server], /No location given/],
      [['runner', ...server, '--location', 'eu west'], /"eu west" is not a location or tag/],
      [['runner', ...server, '--location', 'eu', '--tags', 'a,<b>'], /"<b>" is not a location or tag/],
      [
        ['runner', ...server, '--location', 'eu', '--concurrency', '0'],
        /--concurrency must be a whole number from 1 to 256/,
      ],
      [['runner', ...server, '--location', 'eu', '--name', 'a b'], /--name "a b" is not a runner name/],
      [['runner', ...server, '--location', 'eu', 'extra'], /Unexpected argument "extra"/],
      [['runner', '--server', 'ftp://x', '--token', 't', '--location', 'eu'], /--server must be an http\(s\) URL/],
    ] as const) {
      const result = await run([...args]);
      assert.equal(result.code, 64, `${args.join(' ')}: ${result.err}`);
      assert.match(result.err, message);
    }
  });

  test('a CA file that cannot be read or holds no certificate stops the runner before it leases: exit 78', async () => {
    const server = ['--server', fixture.url, '--token', 'atrium_x', '--location', 'eu'];
    const missing = await run(['runner', ...server, '--ca-file', join(cwd, 'missing.pem')]);
    assert.equal(missing.code, 78, missing.err);
    assert.match(missing.err, /The CA file .*missing\.pem cannot be read \(ENOENT\)/);
    const empty = await run(['runner', ...server, '--ca-file', fileURLToPath(import.meta.url)]);
    assert.equal(empty.code, 78, empty.err);
    assert.match(empty.err, /holds no PEM certificate/);
  });

  test('a token without the runner scope ends the runner with exit 78 and a hint', async () => {
    const result = await run(['runner', '--server', fixture.url, '--location', 'eu'], { ATRIUM_TOKEN: reader });
    assert.equal(result.code, 78, result.err);
    assert.match(result.err, /refused the runner's token \(403\)/);
    assert.match(result.err, /hint: Give the runner a token with the runner scope/);
  });
});
