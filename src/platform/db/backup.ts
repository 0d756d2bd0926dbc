import { execFile } from 'node:child_process';
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import SQLite from 'better-sqlite3';
import { AtriumError, UsageError } from '../errors.ts';
import { isPostgresUrl } from './connect.ts';

/**
 * Backups of the database Atrium writes to, and their restore. SQLite goes through
 * SQLite's online backup (a consistent copy while a server keeps writing); PostgreSQL
 * through its own tools, `pg_dump` and `pg_restore` (custom format), which must be on
 * PATH and of the server's major version. Either way the copy is checked before it is
 * reported made or used: a backup that cannot be restored is worse than none, because it
 * is trusted.
 */

export interface BackupReport {
  dialect: 'sqlite' | 'postgres';
  /** Where the backup was written or read. */
  file: string;
  bytes: number;
  /** The last schema migration the backup holds: what a server restored from it starts at. */
  migration: string;
}

/** Writes a backup of `database` (a SQLite path or a postgres:// URL) to `file`, which must not exist. */
export async function backupDatabase(database: string, file: string): Promise<BackupReport> {
  if (existsSync(file))
    throw new UsageError(`${file} already exists`, 'Give a new file name: a backup never overwrites another.');
  // Into a temporary name first: an interrupted or unusable backup never leaves a file that looks whole.
  const partial = join(dirname(file), `.${Date.now().toString(36)}-partial-backup`);
  try {
    const report = isPostgresUrl(database)
      ? await dumpPostgres(database, partial)
      : await copySqlite(database, partial);
    renameSync(partial, file);
    return { ...report, file };
  } finally {
    rmSync(partial, { force: true });
  }
}

async function dumpPostgres(database: string, partial: string): Promise<BackupReport> {
  const schema = searchPathSchema(database);
  await runTool(
    'pg_dump',
    [
      '--format=custom',
      '--no-owner',
      '--no-privileges',
      ...(schema ? [`--schema=${schema}`] : []),
      `--file=${partial}`,
      ...libpqTarget(database),
    ],
    database,
  );
  return {
    dialect: 'postgres',
    file: partial,
    bytes: statSync(partial).size,
    migration: await dumpedMigration(partial),
  };
}

async function copySqlite(database: string, partial: string): Promise<BackupReport> {
  if (!existsSync(database))
    throw new AtriumError({
      category: 'operator-fixable',
      code: 'database-missing',
      message: `There is no database at ${database}`,
      hint: 'Name the SQLite file a server uses with --database (default .atrium/atrium.db).',
    });
  const source = new SQLite(database, { readonly: true, fileMustExist: true });
  try {
    await source.backup(partial);
  } finally {
    source.close();
  }
  // The copy inherits WAL mode, whose -wal and -shm files would follow it around; one file is a backup.
  const copy = new SQLite(partial);
  copy.pragma('journal_mode = DELETE');
  copy.close();
  const migration = checkSqliteCopy(partial);
  return { dialect: 'sqlite', file: partial, bytes: statSync(partial).size, migration };
}

/**
 * Restores `file` into `database`. A SQLite file is replaced whole (with its write-ahead
 * log), so every server on it must be stopped first; an existing database is replaced only
 * with `replace`. On PostgreSQL the dump's objects are dropped and recreated in one
 * transaction: a failed restore leaves the database as it was.
 */
export async function restoreDatabase(file: string, database: string, replace: boolean): Promise<BackupReport> {
  if (!existsSync(file)) throw new UsageError(`There is no backup at ${file}`, 'Name a file `atrium backup` wrote.');
  if (isPostgresUrl(database)) {
    const migration = await dumpedMigration(file);
    await runTool(
      'pg_restore',
      [
        '--clean',
        '--if-exists',
        '--no-owner',
        '--no-privileges',
        '--single-transaction',
        '--exit-on-error',
        ...libpqTarget(database, '--dbname'),
        file,
      ],
      database,
    );
    return { dialect: 'postgres', file, bytes: statSync(file).size, migration };
  }
  const migration = checkSqliteCopy(file);
  if (existsSync(database) && !replace)
    throw new UsageError(`${database} already exists`, 'Stop every server that uses it, then restore with --replace.');
  const incoming = join(dirname(database), `.${Date.now().toString(36)}-restoring`);
  const source = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    await source.backup(incoming);
  } finally {
    source.close();
  }
  // The old database's write-ahead log belongs to the old file: left beside the new one,
  // SQLite would replay it into the restored database.
  for (const suffix of ['-wal', '-shm']) rmSync(`${database}${suffix}`, { force: true });
  renameSync(incoming, database);
  return { dialect: 'sqlite', file, bytes: statSync(file).size, migration };
}

/** Checks a SQLite copy as a server would need it and answers its last migration. */
function checkSqliteCopy(path: string): string {
  const copy = new SQLite(path, { readonly: true, fileMustExist: true });
  try {
    const integrity = copy.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw notABackup(path, `SQLite's integrity check says: ${String(integrity)}`);
    const row = copy
      .prepare("select name from sqlite_master where type = 'table' and name = 'atrium_migrations'")
      .get();
    if (!row) throw notABackup(path, 'it has no atrium_migrations table');
    const last = copy.prepare('select max(name) as name from atrium_migrations').get() as { name: string | null };
    if (!last.name) throw notABackup(path, 'no migration was ever applied to it');
    return last.name;
  } catch (err) {
    if (err instanceof AtriumError) throw err;
    throw notABackup(path, (err as Error).message);
  } finally {
    copy.close();
  }
}

/** The last migration a dump holds, read from its atrium_migrations rows (pg_restore prints them as COPY data). */
async function dumpedMigration(file: string): Promise<string> {
  const listing = await runTool('pg_restore', ['--list', file]);
  if (!/ TABLE DATA \S+ atrium_migrations /.test(listing))
    throw notABackup(file, 'it holds no atrium_migrations table');
  const data = await runTool('pg_restore', ['--data-only', '--table=atrium_migrations', '--file=-', file]);
  const names = data
    .slice(data.indexOf('FROM stdin;'))
    .split('\n')
    .slice(1)
    .filter((line) => /^\d{4}_\S*\t/.test(line))
    .map((line) => line.slice(0, line.indexOf('\t')))
    .sort();
  const last = names.at(-1);
  if (!last) throw notABackup(file, 'no migration was ever applied to it');
  return last;
}

function notABackup(path: string, why: string): AtriumError {
  return new AtriumError({
    category: 'operator-fixable',
    code: 'backup-unusable',
    message: `${path} is not a usable Atrium database: ${why}`,
    hint: 'Use another backup: `atrium backup` checks each one it writes the same way.',
  });
}

/** The schema a test or a tenant selects with `options=-c search_path=…`: the only one dumped. */
function searchPathSchema(url: string): string | undefined {
  const options = new URL(url).searchParams.get('options');
  return options?.match(/-c\s*search_path=([A-Za-z0-9_]+)/)?.[1];
}

/**
 * The URL as the tools' argument, without its password: arguments are visible to every
 * user of the machine (`ps`), so the password goes to them as PGPASSWORD instead.
 */
function libpqTarget(url: string, flag?: string): string[] {
  const target = new URL(url);
  target.password = '';
  // URLSearchParams writes a space as `+`, which libpq does not read back as one.
  target.search = [...target.searchParams]
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join('&');
  return flag ? [`${flag}=${target.toString()}`] : [target.toString()];
}

/** Runs a PostgreSQL tool; with `url`, its password (if any) is handed over in the environment. */
function runTool(tool: string, args: string[], url?: string): Promise<string> {
  const password = url ? decodeURIComponent(new URL(url).password) : '';
  const env = password ? { ...process.env, PGPASSWORD: password } : process.env;
  return new Promise((resolve, reject) => {
    execFile(tool, args, { maxBuffer: 64 * 1024 * 1024, env }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      reject(
        new AtriumError({
          category: 'operator-fixable',
          code: missing ? 'tool-missing' : 'tool-failed',
          message: missing
            ? `${tool} is not on PATH`
            : `${tool} failed: ${stderr.trim().split('\n').slice(-3).join(' ') || err.message}`,
          hint: missing
            ? `Install PostgreSQL's client tools of the server's major version (Debian: postgresql-client).`
            : `Check that the database is reachable and that ${tool}'s major version is the server's.`,
        }),
      );
    });
  });
}
