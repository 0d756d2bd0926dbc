// Registers the capabilities' catalog kinds (Flag, ...): validation reads them.
import '../capabilities.ts';
import { walkCatalog } from '../catalog/load.ts';
import type { Problem } from '../catalog/model.ts';
import { openCatalog } from '../catalog/open-catalog.ts';
import { resolveCatalog } from '../catalog/resolve.ts';
import { UsageError } from '../platform/errors.ts';
import { formatOption } from './args.ts';
import {
  CATALOG_OPTIONS,
  CATALOG_OPTIONS_HELP,
  catalogOverrides,
  catalogSpec,
  scanSummaryLine,
} from './catalog-options.ts';
import { defineCommand } from './command.ts';

const help = `Usage: atrium validate [DIR|FILE] [--catalog DIR|FILE]... [--app-config FILE]...
                       [--strict-urls] [--max-file-size SIZE] [--format text|json]

Reads a catalog the way \`atrium sync\` does and reports every problem with its
file, line, column, code, message and hint. Nothing is written.

  DIR|FILE                 a catalog root, as --catalog
${CATALOG_OPTIONS_HELP}
  --format FORMAT          text (default) or json: {"entities": N, "errors": [...],
                           "warnings": [...], "skipped": {...}}
  -h, --help               show this help

When a folder is scanned (no app-config.yaml, no catalog-info.yaml), documents of other
tools (any apiVersion not backstage.io/, scaffolder.backstage.io/ or atrium.dev/) and
template skeleton folders are left out, and one line says how many.

Exit status: 0 no errors (warnings allowed), 65 errors found, 64 bad usage,
78 configuration problem.
`;

function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.severity} ${p.code}: ${p.message}\n    hint: ${p.hint}\n`;
}

function toJson(p: Problem) {
  return {
    file: p.file,
    line: p.line,
    column: p.column,
    code: p.code,
    message: p.message,
    hint: p.hint,
    ...(p.entityRef ? { entityRef: p.entityRef } : {}),
  };
}

export const validateCommand = defineCommand({
  name: 'validate',
  help,
  options: { ...CATALOG_OPTIONS, format: { type: 'string', default: 'text' } },
  async run({ values, positionals, io, loadConfig }) {
    const format = formatOption(values.format);
    if (positionals.length > 1)
      throw new UsageError(
        'validate takes one catalog path',
        'Name more roots with --catalog DIR (repeatable); run `atrium validate --help`.',
      );
    const config = loadConfig(catalogOverrides(values, positionals));
    const named = positionals.length > 0 || values.catalog !== undefined;
    const { root, starts, walk: setup } = await openCatalog(catalogSpec(config, values['strict-urls'], io.cwd, named));
    const walk = await walkCatalog(root, starts, setup);
    const { claims, problems } = resolveCatalog(walk.files, walk.problems, new Map(), walk.excluded);
    const errors = problems.filter((p) => p.severity === 'error');
    const warnings = problems.filter((p) => p.severity === 'warning');
    if (format === 'json') {
      io.out(
        `${JSON.stringify({
          entities: claims.size,
          errors: errors.map(toJson),
          warnings: warnings.map(toJson),
          ...(walk.scan ? { skipped: walk.scan } : {}),
        })}\n`,
      );
    } else {
      for (const p of problems) io.out(formatProblem(p));
      io.out(scanSummaryLine(walk.scan));
      io.out(
        `${claims.size} entities in ${walk.files.length} files: ${errors.length} errors, ${warnings.length} warnings\n`,
      );
    }
    return errors.length > 0 ? 65 : 0;
  },
});
