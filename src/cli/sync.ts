// Registers the capabilities' catalog kinds (Flag, ...): validation reads them.
import { externalRefs } from '../platform/external-refs.ts';
import '../capabilities.ts';
import { CatalogStore } from '../catalog/store.ts';
import { syncCatalog } from '../catalog/sync.ts';
import { UsageError } from '../platform/errors.ts';
import { createLogger } from '../platform/log.ts';
import { formatOption } from './args.ts';
import {
  CATALOG_OPTIONS,
  CATALOG_OPTIONS_HELP,
  catalogOverrides,
  catalogSpec,
  scanSummaryLine,
} from './catalog-options.ts';
import { defineCommand, withDatabase } from './command.ts';

const help = `Usage: atrium sync [--catalog DIR|FILE]... [--app-config FILE]... [--strict-urls]
                   [--max-file-size SIZE] [--database PATH_OR_URL] [--format text|json]

Loads a catalog into the store, incrementally: unchanged files are skipped, changed
ones re-applied, removed entities deleted. A file that has become invalid keeps its
last good entities (marked stale) until it is fixed.

${CATALOG_OPTIONS_HELP}
  --database PATH_OR_URL   SQLite file or postgres:// URL
                           (default: ATRIUM_DATABASE, DATABASE_URL, or .atrium/atrium.db)
  --format FORMAT          text (default) or json (the sync report as one object)
  -h, --help               show this help

Exit status: 0 synced with no errors, 65 synced but the catalog has errors,
64 bad usage, 75 database down or busy (retry), 78 configuration problem.
`;

export const syncCommand = defineCommand({
  name: 'sync',
  help,
  options: {
    ...CATALOG_OPTIONS,
    database: { type: 'string' },
    format: { type: 'string', default: 'text' },
    'max-file-size': { type: 'string' },
  },
  async run({ values, positionals, io, loadConfig }) {
    if (positionals.length > 0)
      throw new UsageError(`Unexpected argument "${positionals[0]}"`, 'Pass the catalog with --catalog DIR.');
    const format = formatOption(values.format);
    const config = loadConfig({ ...catalogOverrides(values), database: values.database });
    const logger = createLogger({ level: config.logLevel });
    return withDatabase(
      config,
      async (database) => {
        const report = await syncCatalog(new CatalogStore(database), {
          catalog: catalogSpec(config, values['strict-urls'], io.cwd, values.catalog !== undefined),
          maxFileBytes: config.maxFileBytes,
          externalRefs: externalRefs(config.externalRefs),
          logger,
        });
        if (format === 'json') {
          io.out(`${JSON.stringify(report)}\n`);
        } else {
          io.out(scanSummaryLine(report.skipped));
          io.out(
            `${report.entities} entities from ${report.files} files (${report.parsedFiles} parsed) into ${database.describe} in ${report.durationMs} ms: ` +
              `${report.upserted} written, ${report.deleted} deleted; ${report.errors} errors, ${report.warnings} warnings` +
              (report.errors + report.warnings > 0 ? ' (see `atrium validate` or /api/v1/problems)' : '') +
              '\n',
          );
        }
        return report.errors > 0 ? 65 : 0;
      },
      logger,
    );
  },
});
