import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Admission } from '../admission.ts';
import { createLogger } from '../log.ts';
import { createMetrics } from '../metrics.ts';
import { createApp } from './app.ts';
import { PROBLEM_JSON } from './problem.ts';

/** Names a database error may carry that no client may see. */
const INTERNALS = /atrium_prod|tenant_a|entities|10\.0\.0\.5|db\.internal|"atrium"|pg_hba|relation|SQLITE|disk image/;

function pgError(code: string, message: string): pg.DatabaseError {
  const err = new pg.DatabaseError(message, message.length, 'error');
  err.code = code;
  err.severity = 'FATAL';
  return err;
}

/** An app whose one route throws `err`, and the log it writes. */
function throwing(err: unknown) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const app = createApp({
    logger: createLogger({ level: 'info', destination }),
    metrics: createMetrics({ defaults: false }),
  });
  app.get('/boom', () => {
    throw err;
  });
  return { app, lines };
}

const faults: [what: string, err: Error, status: number, retryAfter: string | null, code: string][] = [
  [
    'not accepting connections (55000)',
    pgError('55000', 'the database system is not accepting connections'),
    503,
    '1',
    'dependency-unavailable',
  ],
  ['starting up (57P03)', pgError('57P03', 'the database system is starting up'), 503, '1', 'dependency-unavailable'],
  [
    'a connection exception (08006)',
    pgError('08006', 'connection to server at "db.internal" (10.0.0.5) failed'),
    503,
    '1',
    'dependency-unavailable',
  ],
  [
    'too many connections (53300)',
    pgError('53300', 'too many connections for role "atrium"'),
    503,
    '1',
    'dependency-unavailable',
  ],
  [
    'a serialization failure (40001)',
    pgError('40001', 'could not serialize access to table entities'),
    503,
    '1',
    'dependency-unavailable',
  ],
  [
    'a deadlock (40P01)',
    pgError('40P01', 'deadlock detected on relation entities'),
    503,
    '1',
    'dependency-unavailable',
  ],
  [
    'a missing database (3D000)',
    pgError('3D000', 'database "atrium_prod" does not exist'),
    503,
    null,
    'database-unavailable',
  ],
  [
    'a refused login (28P01)',
    pgError('28P01', 'password authentication failed for user "atrium"'),
    503,
    null,
    'database-unavailable',
  ],
  [
    'a missing table (42P01)',
    pgError('42P01', 'relation "entities" does not exist'),
    503,
    null,
    'database-unavailable',
  ],
  [
    'a missing right (42501)',
    pgError('42501', 'permission denied for table entities'),
    503,
    null,
    'database-unavailable',
  ],
  [
    'a busy SQLite database',
    new SQLite.SqliteError('database is locked', 'SQLITE_BUSY'),
    503,
    '1',
    'dependency-unavailable',
  ],
  [
    'a locked SQLite table',
    new SQLite.SqliteError('database table is locked: entities', 'SQLITE_LOCKED'),
    503,
    '1',
    'dependency-unavailable',
  ],
  [
    'an unopenable SQLite file',
    new SQLite.SqliteError('unable to open database file', 'SQLITE_CANTOPEN'),
    503,
    null,
    'database-unavailable',
  ],
  [
    'a read-only SQLite file',
    new SQLite.SqliteError('attempt to write a readonly database', 'SQLITE_READONLY'),
    503,
    null,
    'database-unavailable',
  ],
  [
    'a corrupt SQLite file',
    new SQLite.SqliteError('database disk image is malformed', 'SQLITE_CORRUPT'),
    503,
    null,
    'database-unavailable',
  ],
  ['a query bug', pgError('42703', 'column "nmae" of relation "entities" does not exist'), 500, null, 'internal'],
];

describe('a database error thrown by any route', () => {
  for (const [what, err, status, retryAfter, code] of faults) {
    test(`${what}: ${status} ${code}${retryAfter ? ' with Retry-After' : ''}, no internals in the answer, all of them in the log`, async () => {
      const { app, lines } = throwing(err);
      const res = await app.request('/boom');
      assert.equal(res.status, status);
      assert.equal(res.headers.get('content-type'), PROBLEM_JSON);
      assert.equal(res.headers.get('retry-after'), retryAfter);
      const body = await res.text();
      assert.equal((JSON.parse(body) as { code: string }).code, code);
      assert.doesNotMatch(body, INTERNALS);
      const logged = lines.find((line) => line.msg === `request failed: ${code}`);
      assert.ok(logged, JSON.stringify(lines));
      assert.equal((logged.err as { message?: string }).message, err.message);
    });
  }
});

describe('refusals at capacity', () => {
  test('a burst of 1,000 refusals logs one line at once and one count per 10 s window, no stack, no access line each', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    // No slot and no queue: every write is refused, as when a client ignores Retry-After at capacity.
    const full = new Admission({ active: 0, queued: 0 });
    const { app, lines } = throwing(new Error('unused'));
    app.post('/write', (c) => full.run(async () => c.text('written')));
    const burst = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const res = await app.request('/write', { method: 'POST' });
        assert.equal(res.status, 429);
        assert.equal(res.headers.get('retry-after'), '1');
      }
    };
    await burst(1000);
    assert.equal(lines.length, 1, 'one line for the burst so far, not one (or two) per refusal');
    assert.deepEqual(
      { level: lines[0]?.level, msg: lines[0]?.msg, status: lines[0]?.status, count: lines[0]?.count },
      { level: 'warn', msg: 'request failed: overloaded', status: 429, count: 1 },
    );
    t.mock.timers.tick(10_000);
    assert.equal(lines.length, 2);
    assert.equal(lines[1]?.count, 999);
    assert.match(String(lines[1]?.msg), /^request failed: overloaded \(999 more in the last 10 s\)$/);
    await burst(5);
    t.mock.timers.tick(10_000);
    assert.equal(lines[2]?.count, 5);
    // A window without refusals ends the count; the next refusal is logged at once.
    t.mock.timers.tick(10_000);
    assert.equal(lines.length, 3);
    await burst(1);
    assert.equal(lines.length, 4);
    assert.equal(lines[3]?.count, 1);
    for (const line of lines) {
      assert.doesNotMatch(JSON.stringify(line), /"stack"|\.ts:\d+:\d+/, "no stack in a refusal's line");
      assert.equal((line.err as { code?: string }).code, 'overloaded');
    }
  });
});
