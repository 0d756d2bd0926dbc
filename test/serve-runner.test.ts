import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from './support/databases.ts';

/** `serve` (a real process) runs an embedded runner at location `local`, and none with --no-runner. */

const REPO = fileURLToPath(new URL('..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/notifications/', import.meta.url));

async function serve(t: TestContext, extra: string[]) {
  const db = await createTestDatabase('sqlite');
  const child = spawn(
    process.execPath,
    ['bin/atrium.js', 'serve', '--catalog', FIXTURE, '--database', db.target, '--no-watch', '--port', '0', ...extra],
    { cwd: REPO, env: { ...process.env, ATRIUM_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await db.drop();
  });
  let stderr = '';
  const base = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(stderr);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited early (${code}): ${stderr}`)));
  });
  const runners = async () =>
    ((await (await fetch(`${base}/api/v1/runners`)).json()) as { items: { location: string; version: string }[] })
      .items;
  return { child, runners, base };
}

test('serve runs an embedded runner at location local, which stops with it', async (t) => {
  const { child, runners } = await serve(t, []);
  // The runner introduces itself with its first lease request; polled, within a bound.
  let seen = await runners();
  for (let i = 0; i < 200 && seen.length === 0; i++) {
    await sleep(25);
    seen = await runners();
  }
  assert.deepEqual(
    seen.map((r) => [r.location, r.version]),
    [['local', '0.1.0']],
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});

test('serve --no-runner runs none', async (t) => {
  const { runners, base } = await serve(t, ['--no-runner']);
  // Ready once the first sync is done: by then an embedded runner would have asked for work
  // (it starts with the listener). Nothing correct makes this list non-empty.
  let ready = 0;
  for (let i = 0; i < 200 && ready !== 200; i++) {
    ready = (await fetch(`${base}/readyz`)).status;
    if (ready !== 200) await sleep(25);
  }
  assert.equal(ready, 200);
  assert.deepEqual(await runners(), []);
});
