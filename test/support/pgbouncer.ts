import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { withClient } from './databases.ts';

/**
 * Debian's PgBouncer in transaction pooling mode, started by a test (or bench:replicas) on a free loopback
 * port in front of the tests' PostgreSQL, with a generated configuration, and stopped
 * afterwards. PgBouncer does not pass the `options` startup parameter the other tests
 * select their schema with, so each database here is a database of its own, created
 * beside `test` and dropped afterwards.
 */

export const PGBOUNCER_BINARY = '/usr/sbin/pgbouncer';
const postgresUrl = process.env.ATRIUM_TEST_POSTGRES_URL;

/** Why PgBouncer tests cannot run here, said plainly; undefined when they can. */
export function pgbouncerMissing(upstreamUrl = postgresUrl): string | undefined {
  if (!upstreamUrl) return 'PostgreSQL unavailable: set ATRIUM_TEST_POSTGRES_URL (npm test does when it can connect)';
  if (!existsSync(PGBOUNCER_BINARY))
    return `PgBouncer is not installed (${PGBOUNCER_BINARY}): apt-get install pgbouncer`;
  return undefined;
}

export interface PgBouncer {
  /** A URL through PgBouncer to `database`. */
  url(database: string): string;
  /** A fresh database on the PostgreSQL behind it: its URL through PgBouncer, and its removal. */
  createDatabase(): Promise<{ url: string; drop(): Promise<void> }>;
  /** The PgBouncer process (for its memory readings). */
  pid: number | undefined;
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  /** The PostgreSQL behind it (default: ATRIUM_TEST_POSTGRES_URL, the tests' own). */
  upstreamUrl?: string;
  /** Client connections it accepts (default 500). */
  maxClientConnections?: number;
  /** Server connections per database (default 20). */
  poolSize?: number;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let counter = 0;

export async function startPgBouncer(options: PgBouncerOptions = {}): Promise<PgBouncer> {
  const upstreamUrl = options.upstreamUrl ?? postgresUrl;
  const missing = pgbouncerMissing(upstreamUrl);
  if (missing || !upstreamUrl) throw new Error(missing);
  const upstream = new URL(upstreamUrl);
  const dir = mkdtempSync(join(tmpdir(), 'atrium-pgbouncer-'));
  // PgBouncer refuses to run as root; it switches to the postgres user, who must read these files.
  chmodSync(dir, 0o755);
  const user = decodeURIComponent(upstream.username || 'postgres');
  writeFileSync(join(dir, 'users.txt'), `"${user}" ""\n`, { mode: 0o644 });
  let child: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    port = await freePort();
    writeFileSync(
      join(dir, 'pgbouncer.ini'),
      [
        '[databases]',
        `* = host=${upstream.hostname} port=${upstream.port || '5432'}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        'unix_socket_dir =',
        'auth_type = trust',
        `auth_file = ${join(dir, 'users.txt')}`,
        'pool_mode = transaction',
        `max_client_conn = ${options.maxClientConnections ?? 500}`,
        `default_pool_size = ${options.poolSize ?? 20}`,
        'ignore_startup_parameters = extra_float_digits',
        '',
      ].join('\n'),
      { mode: 0o644 },
    );
    const started = spawn(
      PGBOUNCER_BINARY,
      [...(process.getuid?.() === 0 ? ['-u', 'postgres'] : []), join(dir, 'pgbouncer.ini')],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    started.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    // Listening is said on stderr; a port taken meanwhile ends the process instead.
    const up = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000);
      started.stderr?.on('data', () => {
        if (log.includes('listening on 127.0.0.1')) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      started.once('exit', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (up) child = started;
    else started.kill('SIGKILL');
  }
  if (!child) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error('PgBouncer did not start');
  }
  const running = child;
  const url = (database: string) => `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/${database}`;
  const admin = <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => withClient(upstreamUrl, work);
  return {
    url,
    pid: running.pid,
    async createDatabase() {
      const name = `atrium_pgb_${process.pid}_${Date.now().toString(36)}_${counter++}`;
      await admin((c) => c.query(`create database "${name}"`));
      return {
        url: url(name),
        // FORCE ends PgBouncer's server connections to it too.
        drop: () => admin((c) => c.query(`drop database if exists "${name}" with (force)`)).then(() => undefined),
      };
    },
    async stop() {
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.kill('SIGINT');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
