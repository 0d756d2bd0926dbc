// Registers the capabilities' catalog kinds (Flag, ...): validation reads them.
import '../capabilities.ts';
import { openCatalog, walkCatalog } from '../catalog/load.ts';
import type { Problem } from '../catalog/model.ts';
import { resolveCatalog } from '../catalog/resolve.ts';
import { UsageError } from '../platform/errors.ts';
import { byteSizeOption, formatOption } from './args.ts';
import { defineCommand } from './command.ts';

const help = `Usage: atrium validate [DIR|FILE] [--format text|json] [--max-file-size SIZE]

Reads a catalog the way \`atrium sync\` does and reports every problem with its
file, line, column, code, message and hint. Nothing is written.

  DIR|FILE         the catalog root: a directory with catalog-info.yaml (otherwise
                   every *.yaml below it), or one descriptor file.
                   Default: ATRIUM_CATALOG, atrium.yaml's catalog, or .
  --format FORMAT  text (default) or json: {"entities": N, "errors": [...], "warnings": [...]}
  --max-file-size SIZE  refuse catalog files larger than SIZE (default 16MiB; e.g. 32MiB)
  -h, --help       show this help

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
  options: { format: { type: 'string', default: 'text' }, 'max-file-size': { type: 'string' } },
  async run({ values, positionals, io, loadConfig }) {
    const format = formatOption(values.format);
    if (positionals.length > 1)
      throw new UsageError('validate takes one catalog path', 'Run `atrium validate --help`.');
    const config = loadConfig({ maxFileBytes: byteSizeOption('max-file-size', values['max-file-size']) });
    const { root, rootFile } = await openCatalog(positionals[0] ?? config.catalog, config.maxFileBytes);
    const walk = await walkCatalog(root, rootFile);
    const { claims, problems } = resolveCatalog(walk.files, walk.problems, new Map());
    const errors = problems.filter((p) => p.severity === 'error');
    const warnings = problems.filter((p) => p.severity === 'warning');
    if (format === 'json') {
      io.out(
        `${JSON.stringify({ entities: claims.size, errors: errors.map(toJson), warnings: warnings.map(toJson) })}\n`,
      );
    } else {
      for (const p of problems) io.out(formatProblem(p));
      io.out(
        `${claims.size} entities in ${walk.files.length} files: ${errors.length} errors, ${warnings.length} warnings\n`,
      );
    }
    return errors.length > 0 ? 65 : 0;
  },
});
