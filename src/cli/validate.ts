// Registers the capabilities' catalog kinds (Flag, ...): validation reads them.
import '../capabilities.ts';
import { walkCatalog } from '../catalog/load.ts';
import type { Problem } from '../catalog/model.ts';
import { openCatalog } from '../catalog/open-catalog.ts';
import { resolveCatalog, type MissingTarget } from '../catalog/resolve.ts';
import { UsageError } from '../platform/errors.ts';
import { externalRefs } from '../platform/external-refs.ts';
import { formatOption, integerOption } from './args.ts';
import {
  CATALOG_OPTIONS,
  CATALOG_OPTIONS_HELP,
  catalogOverrides,
  catalogSpec,
  scanSummaryLine,
} from './catalog-options.ts';
import { defineCommand } from './command.ts';

const help = `Usage: atrium validate [DIR|FILE] [--catalog DIR|FILE]... [--app-config FILE]...
                       [--strict-urls] [--max-file-size SIZE] [--format text|json] [--max-warnings N]

Reads a catalog the way \`atrium sync\` does and reports every problem with its
file, line, column, code, message and hint. Nothing is written. A missing entity
is one warning, listing every entity that refers to it; those catalog.externalRefs
names (atrium.yaml) are listed as external instead.

  DIR|FILE                 a catalog root, as --catalog
${CATALOG_OPTIONS_HELP}
  --format FORMAT          text (default) or json: {"entities": N, "errors": [...],
                           "warnings": [...], "external": [...], "skipped": {...}}
  --max-warnings N         fail (65) when there are more than N warnings (for CI)
  -h, --help               show this help

When a folder is scanned (no app-config.yaml, no catalog-info.yaml), documents of other
tools (any apiVersion not backstage.io/, scaffolder.backstage.io/ or atrium.dev/, except
the formats Atrium reads as its kinds: OpenSLO v1 and Sloth SLO files) and template
skeleton folders are left out, and one line says how many.

Exit status: 0 no errors (warnings allowed, up to --max-warnings), 65 errors found
or more warnings than --max-warnings, 64 bad usage, 78 configuration problem.
`;

function formatProblem(p: Problem): string {
  const referrers =
    p.referrers && p.referrers.length > 1
      ? `    referred to by: ${p.referrers.map((r) => `${r.entityRef} (${r.field}, ${r.file}:${r.line}:${r.column})`).join(', ')}\n`
      : '';
  return `${p.file}:${p.line}:${p.column}: ${p.severity} ${p.code}: ${p.message}\n${referrers}    hint: ${p.hint}\n`;
}

function formatExternal({ target, referrers }: MissingTarget): string {
  const n = referrers.length;
  return `external: ${target} (${n} ${n === 1 ? 'entity refers' : 'entities refer'} to it; catalog.externalRefs)\n`;
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
    ...(p.target ? { target: p.target, referrers: p.referrers, count: p.count } : {}),
  };
}

export const validateCommand = defineCommand({
  name: 'validate',
  help,
  options: { ...CATALOG_OPTIONS, format: { type: 'string', default: 'text' }, 'max-warnings': { type: 'string' } },
  async run({ values, positionals, io, loadConfig }) {
    const format = formatOption(values.format);
    const maxWarnings = integerOption('max-warnings', values['max-warnings'], 0, Number.MAX_SAFE_INTEGER);
    if (positionals.length > 1)
      throw new UsageError(
        'validate takes one catalog path',
        'Name more roots with --catalog DIR (repeatable); run `atrium validate --help`.',
      );
    const config = loadConfig(catalogOverrides(values, positionals));
    const named = positionals.length > 0 || values.catalog !== undefined;
    const { root, starts, walk: setup } = await openCatalog(catalogSpec(config, values['strict-urls'], io.cwd, named));
    const walk = await walkCatalog(root, starts, setup);
    const { claims, problems, external } = resolveCatalog(
      walk.files,
      walk.problems,
      new Map(),
      walk.excluded,
      externalRefs(config.externalRefs),
    );
    const errors = problems.filter((p) => p.severity === 'error');
    const warnings = problems.filter((p) => p.severity === 'warning');
    const tooManyWarnings = maxWarnings !== undefined && warnings.length > maxWarnings;
    if (format === 'json') {
      io.out(
        `${JSON.stringify({
          entities: claims.size,
          errors: errors.map(toJson),
          warnings: warnings.map(toJson),
          external: external.map(({ target, referrers }) => ({ target, referrers, count: referrers.length })),
          ...(walk.scan ? { skipped: walk.scan } : {}),
        })}\n`,
      );
    } else {
      for (const p of problems) io.out(formatProblem(p));
      for (const e of external) io.out(formatExternal(e));
      io.out(scanSummaryLine(walk.scan));
      io.out(
        `${claims.size} entities in ${walk.files.length} files: ${errors.length} errors, ${warnings.length} warnings${tooManyWarnings ? `, more than --max-warnings ${maxWarnings}` : ''}\n`,
      );
    }
    return errors.length > 0 || tooManyWarnings ? 65 : 0;
  },
});
