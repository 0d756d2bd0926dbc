import { externalRefs } from '../platform/external-refs.ts';
import { CAPABILITIES_MODULE, entitySections } from '../capabilities.ts';
import { CatalogStore } from '../catalog/store.ts';
import { openCatalog } from '../catalog/open-catalog.ts';
import { syncCatalog } from '../catalog/sync.ts';
import { UsageError } from '../platform/errors.ts';
import { createLogger } from '../platform/log.ts';
import { exportSite } from '../portal/export.ts';
import { normaliseBasePath } from '../web/site.ts';
import { formatOption } from './args.ts';
import { CATALOG_OPTIONS, CATALOG_OPTIONS_HELP, catalogOverrides, catalogSpec } from './catalog-options.ts';
import { defineCommand, withDatabase } from './command.ts';

const help = `Usage: atrium build --out DIR [--catalog DIR|FILE]... [--app-config FILE]... [--strict-urls]
                    [--max-file-size SIZE] [--database PATH_OR_URL] [--base-path PATH] [--format text|json]

Renders the whole portal as static files: every page, the assets, the search index
and the offline service worker. Serve the folder with any static file server under
the base path. The catalog is synced into the database first; with --database and no
--catalog, what the database holds is rendered as is (docs and runbooks need the
catalog's files, so they are left out then).

  --out DIR                where to write; must be new, empty, or an earlier export
                           (an earlier export is replaced)
${CATALOG_OPTIONS_HELP}
  --database PATH_OR_URL   SQLite file or postgres:// URL
  --max-file-size SIZE     refuse catalog files larger than SIZE (default 16MiB; e.g. 32MiB)
                           (default: ATRIUM_DATABASE, DATABASE_URL, or .atrium/atrium.db)
  --base-path PATH         the URL path the site will live under, e.g. /portal/
                           (default: /)
  --format FORMAT          text (default) or json (the build report as one object)
  -h, --help               show this help

Large sites render on worker threads (one per core, up to 4). Progress is shown on
stderr when it is a terminal.

Exit status: 0 built, 64 bad usage, 65 the output folder is not Atrium's or the
catalog cannot be read, 75 database down (retry), 78 configuration problem.
`;

export const buildCommand = defineCommand({
  name: 'build',
  help,
  options: {
    out: { type: 'string' },
    ...CATALOG_OPTIONS,
    database: { type: 'string' },
    'base-path': { type: 'string', default: '/' },
    format: { type: 'string', default: 'text' },
    'max-file-size': { type: 'string' },
  },
  async run({ values, positionals, io, loadConfig }) {
    if (positionals.length > 0)
      throw new UsageError(`Unexpected argument "${positionals[0]}"`, 'Pass the output folder with --out DIR.');
    const out = values.out;
    if (!out) throw new UsageError('--out is required', 'For example: atrium build --out site/');
    const format = formatOption(values.format);
    let basePath: string;
    try {
      basePath = normaliseBasePath(values['base-path'] ?? '/');
    } catch (err) {
      throw new UsageError((err as Error).message, 'For example --base-path /portal/');
    }
    const renderOnly =
      values.catalog === undefined && values['app-config'] === undefined && values.database !== undefined;
    const config = loadConfig({ ...catalogOverrides(values), database: values.database });
    const spec = catalogSpec(config, values['strict-urls'], io.cwd, values.catalog !== undefined);
    const logger = createLogger({ level: config.logLevel });
    const progress = io.isTTY ?? false;
    return withDatabase(
      config,
      async (database) => {
        const store = new CatalogStore(database);
        let catalogDir: string | undefined;
        if (!renderOnly) {
          const report = await syncCatalog(store, {
            catalog: spec,
            maxFileBytes: config.maxFileBytes,
            externalRefs: externalRefs(config.externalRefs),
            logger,
          });
          if (format === 'text')
            io.err(`Synced ${report.entities} entities (${report.errors} errors, ${report.warnings} warnings)\n`);
          catalogDir = (await openCatalog(spec)).root.dir;
        }
        let last = 0;
        const report = await exportSite({
          store,
          catalogDir,
          maxFileBytes: config.maxFileBytes,
          externalRefs: config.externalRefs,
          out,
          basePath,
          sections: entitySections,
          sectionsModule: CAPABILITIES_MODULE,
          onProgress: progress
            ? (done, known) => {
                const now = performance.now();
                if (now - last < 100 && done < known) return;
                last = now;
                io.err(`\rRendering pages: ${done}/${known}`);
              }
            : undefined,
        });
        if (progress) io.err('\n');
        if (format === 'json') io.out(`${JSON.stringify({ ...report, out, basePath })}\n`);
        else
          io.out(
            `Built ${report.pages} pages (${report.files} files, ${(report.bytes / 1e6).toFixed(1)} MB) into ${out} for ${basePath} in ${report.durationMs} ms (${Math.round((report.pages / report.durationMs) * 1000)} pages/s${report.workers ? ` on ${report.workers} threads` : ''})\n`,
          );
        return 0;
      },
      logger,
    );
  },
});
