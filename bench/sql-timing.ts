/**
 * A diagnostic preload: times every SQL statement a process runs, through better-sqlite3
 * (prepare, run, all, get, iterate) and pg (Client.query), grouped by statement shape, and
 * writes the totals as JSON to $ATRIUM_BENCH_SQL_FILE when the process exits. It touches no
 * product code, only the two drivers' prototypes.
 *
 *   node --import tsx --import ./bench/sql-timing.ts bin/atrium.js sync ...
 *
 * catalog-bench.ts adds it to the sync children when run with --profile DIR.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface SqlTiming {
  /** Normalised statement (value lists collapsed), with the operation: prepare/run/all/get/iterate/query. */
  statement: string;
  calls: number;
  totalMs: number;
}

/** Collapses placeholder lists so the 200-row and the 37-row insert count as one shape. */
export function normalizeSql(sql: string): string {
  return sql
    .replace(/\s+/g, ' ')
    .replace(/\$\d+/g, '?')
    .replace(/\?(\s*,\s*\?)+/g, '?,…')
    .replace(/(\([^()]*\))(\s*,\s*\([^()]*\))+/g, '$1,…')
    .replace(/(\('[^']*'\)|'[^']*')/g, "'…'")
    .slice(0, 160);
}

type Fn = (this: unknown, ...args: unknown[]) => unknown;

function install(): void {
  const file = process.env.ATRIUM_BENCH_SQL_FILE;
  if (!file) return;
  const totals = new Map<string, SqlTiming>();
  const record = (op: string, sql: unknown, ms: number) => {
    const statement = `${op} ${typeof sql === 'string' ? normalizeSql(sql) : '(unknown)'}`;
    const t = totals.get(statement) ?? { statement, calls: 0, totalMs: 0 };
    t.calls++;
    t.totalMs += ms;
    totals.set(statement, t);
  };
  const require = createRequire(`${process.cwd()}/`);
  const requireFromRepo = createRequire(new URL('../package.json', import.meta.url));
  const load = (name: string): unknown => {
    try {
      return requireFromRepo(name);
    } catch {
      return require(name);
    }
  };

  try {
    const Database = load('better-sqlite3') as {
      new (file: string): { prepare(sql: string): object; close(): void };
      prototype: Record<string, unknown>;
    };
    const probe = new Database(':memory:');
    const statementProto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, unknown>;
    probe.close();
    for (const op of ['run', 'all', 'get', 'iterate']) {
      const original = statementProto[op] as Fn | undefined;
      if (typeof original !== 'function') continue;
      statementProto[op] = function (this: { source?: string }, ...args: unknown[]) {
        const started = performance.now();
        try {
          return original.apply(this, args);
        } finally {
          record(op, this.source, performance.now() - started);
        }
      };
    }
    const prepare = Database.prototype.prepare as Fn | undefined;
    if (typeof prepare === 'function') {
      Database.prototype.prepare = function (this: unknown, ...args: unknown[]) {
        const started = performance.now();
        try {
          return prepare.apply(this, args);
        } finally {
          record('prepare', args[0], performance.now() - started);
        }
      };
    }
  } catch {
    // better-sqlite3 not installed here: nothing to time.
  }

  try {
    const pg = load('pg') as { Client: { prototype: Record<string, unknown> } };
    const query = pg.Client.prototype.query as Fn | undefined;
    if (typeof query === 'function') {
      pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
        const started = performance.now();
        const first = args[0];
        const sql =
          typeof first === 'string'
            ? first
            : typeof first === 'object' && first !== null
              ? (first as { text?: unknown }).text
              : undefined;
        const result = query.apply(this, args);
        if (result && typeof (result as Promise<unknown>).then === 'function') {
          const done = () => record('query', sql, performance.now() - started);
          (result as Promise<unknown>).then(done, done);
        }
        return result;
      };
    }
  } catch {
    // pg not installed here.
  }

  process.on('exit', () => {
    const rows = [...totals.values()].sort((a, b) => b.totalMs - a.totalMs);
    writeFileSync(file, JSON.stringify(rows));
  });
}

install();
