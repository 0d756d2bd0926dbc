import { resolve } from 'node:path';
import { type BackupReport, backupDatabase, restoreDatabase } from '../platform/db/backup.ts';
import { isPostgresUrl } from '../platform/db/connect.ts';
import { UsageError } from '../platform/errors.ts';
import { formatOption } from './args.ts';
import { defineCommand } from './command.ts';

const backupHelp = `Usage: atrium backup --out FILE [--database PATH_OR_URL] [--format text|json]

Writes a backup of Atrium's database to FILE, which must not exist yet, and checks it
before saying it is made.

  SQLite (the embedded default): SQLite's online backup, consistent while a server
  keeps writing; the copy passes SQLite's integrity check and holds Atrium's schema.
  PostgreSQL: pg_dump in its custom format (the PostgreSQL client tools of the
  server's major version must be on PATH), the database's schema only when the URL
  selects one with options=-c search_path=NAME; its table of contents is checked.

  --out FILE               where to write the backup
  --database PATH_OR_URL   SQLite file or postgres:// URL
                           (default: ATRIUM_DATABASE, DATABASE_URL, or .atrium/atrium.db)
  --format FORMAT          text (default) or json
  -h, --help               show this help

Restore with \`atrium restore\`. docs/deploying.md has the schedule we recommend.

Exit status: 0 written and checked, 64 bad usage (FILE exists), 78 no database, a copy
that fails its check, or pg_dump missing or failing.
`;

const restoreHelp = `Usage: atrium restore --from FILE [--database PATH_OR_URL] [--replace] [--format text|json]

Restores a backup \`atrium backup\` wrote. The backup is checked first; nothing is
touched when it fails.

  SQLite: the database file is replaced whole (its write-ahead log removed with it).
  Stop every server that uses it first; an existing database is replaced only with
  --replace.
  PostgreSQL: pg_restore drops and recreates the dump's objects in one transaction,
  so a failed restore leaves the database as it was. Stop the replicas first.

  --from FILE              the backup
  --database PATH_OR_URL   SQLite file or postgres:// URL
                           (default: ATRIUM_DATABASE, DATABASE_URL, or .atrium/atrium.db)
  --replace                replace an existing SQLite database
  --format FORMAT          text (default) or json
  -h, --help               show this help

Exit status: 0 restored, 64 bad usage (no backup, or a database exists without
--replace), 78 a backup that fails its check, or pg_restore missing or failing.
`;

/** A SQLite path is the command's, relative to where it was run. */
function databaseTarget(database: string, cwd: string): string {
  return isPostgresUrl(database) ? database : resolve(cwd, database);
}

function reportText(verb: string, report: BackupReport, database: string): string {
  return `${verb} ${report.file} (${report.bytes} bytes, ${report.dialect}, schema up to ${report.migration}) ${verb === 'Wrote' ? 'from' : 'into'} ${database}\n`;
}

export const backupCommand = defineCommand({
  name: 'backup',
  help: backupHelp,
  options: { out: { type: 'string' }, database: { type: 'string' }, format: { type: 'string', default: 'text' } },
  async run({ values, io, loadConfig }) {
    const format = formatOption(values.format);
    if (!values.out) throw new UsageError('--out is required', 'Name the file to write: --out atrium-backup.db.');
    const database = databaseTarget(loadConfig({ database: values.database }).database, io.cwd);
    const report = await backupDatabase(database, resolve(io.cwd, values.out));
    io.out(format === 'json' ? `${JSON.stringify(report)}\n` : reportText('Wrote', report, database));
    return 0;
  },
});

export const restoreCommand = defineCommand({
  name: 'restore',
  help: restoreHelp,
  options: {
    from: { type: 'string' },
    database: { type: 'string' },
    replace: { type: 'boolean', default: false },
    format: { type: 'string', default: 'text' },
  },
  async run({ values, io, loadConfig }) {
    const format = formatOption(values.format);
    if (!values.from)
      throw new UsageError('--from is required', 'Name the backup to restore: --from atrium-backup.db.');
    const database = databaseTarget(loadConfig({ database: values.database }).database, io.cwd);
    const report = await restoreDatabase(resolve(io.cwd, values.from), database, values.replace === true);
    io.out(format === 'json' ? `${JSON.stringify(report)}\n` : reportText('Restored', report, database));
    return 0;
  },
});
