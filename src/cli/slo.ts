// Registers the capabilities' catalog kinds (SLO and its dialects): the walk reads them.
import '../capabilities.ts';
import { renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { walkCatalog } from '../catalog/load.ts';
import { type Entity, entityName, refKey } from '../catalog/model.ts';
import { parseEntityRef } from '../platform/entity-ref.ts';
import { openCatalog } from '../catalog/open-catalog.ts';
import { resolveCatalog } from '../catalog/resolve.ts';
import type { Config } from '../platform/config.ts';
import { AtriumError, UsageError } from '../platform/errors.ts';
import { externalRefs } from '../platform/external-refs.ts';
import type { SloDefinition } from '../slo/model.ts';
import { openSloDocuments } from '../slo/openslo-export.ts';
import { sloDefinition } from '../slo/slo-definition.ts';
import { rulesDocument } from '../slo/rules.ts';
import { slothDocuments } from '../slo/sloth-export.ts';
import { CATALOG_OPTIONS, CATALOG_OPTIONS_HELP, catalogOverrides, catalogSpec } from './catalog-options.ts';
import { defineCommand } from './command.ts';
import type { CommandIO } from './io.ts';

const help = `Usage: atrium slo export --format openslo|sloth [--catalog DIR|FILE]... [--out FILE]
       atrium slo rules [--catalog DIR|FILE]... [--out FILE]

Reads the catalog's SLOs (kind SLO, and OpenSLO v1 or Sloth files placed in the
catalog) and writes them in another form. Nothing is sent anywhere.

export   the SLOs as OpenSLO v1 documents (--format openslo: one SLO each, its SLI
         inline) or Sloth prometheus/v1 files (--format sloth: one per service).
         SLOs measured by pushed events or checks have no such form and are listed
         on stderr.
rules    Prometheus recording and alerting rules for the SLOs measured with PromQL
         (ratio and latency), with Sloth's names (slo:sli_error:ratio_rate5m, …,
         slo:error_budget:ratio, slo:period_error_budget_remaining:ratio) and exact
         burn-rate thresholds; check them with \`promtool check rules FILE\`.

${CATALOG_OPTIONS_HELP}
  --format FORMAT          export only: openslo or sloth
  --out FILE               write here (replaced whole, never half-written);
                           default: standard output
  -h, --help               show this help

Exit status: 0 written, 64 bad usage, 65 the catalog has no SLO to write or an SLO
file has errors (listed on stderr), 78 configuration problem.
`;

/** The catalog's SLOs as definitions, and the errors of the files they come from. */
async function catalogSlos(
  config: Config,
  strictUrls: boolean | undefined,
  named: boolean,
  io: CommandIO,
): Promise<{ slos: SloDefinition[]; errors: string[] }> {
  const { root, starts, walk: setup } = await openCatalog(catalogSpec(config, strictUrls, io.cwd, named));
  const walk = await walkCatalog(root, starts, setup);
  const { problems } = resolveCatalog(
    walk.files,
    walk.problems,
    new Map(),
    walk.excluded,
    externalRefs(config.externalRefs),
  );
  const entities = new Map<string, Entity>();
  for (const entity of walk.parsed.values()) {
    const key = refKey(entityName(entity));
    if (!entities.has(key)) entities.set(key, entity);
  }
  // Only the problems of files that declare SLOs stop a write: the rest of the catalog is validate's business.
  const sloFiles = new Set(walk.files.filter((f) => f.documents.some((d) => d.kind === 'SLO')).map((f) => f.path));
  const errors = problems
    .filter(
      (p) =>
        p.severity === 'error' &&
        (sloFiles.has(p.file) || /^(openslo|sloth|slo|yaml)-|^file-unprocessable$/.test(p.code)),
    )
    .map((p) => `${p.file}:${p.line}:${p.column}: error ${p.code}: ${p.message}`);
  // sloDefinition reads valid specs only: with an error, nothing is made.
  if (errors.length > 0) return { slos: [], errors };
  /** The service's owner as a key (an SLO naming no owner has its service's). */
  const ownerOf = (serviceKey: string) => {
    const service = entities.get(serviceKey);
    const owner = service?.spec?.owner;
    if (typeof owner !== 'string') return undefined;
    return refKey(
      parseEntityRef(owner, { defaultKind: 'Group', defaultNamespace: service?.metadata.namespace ?? 'default' }),
    );
  };
  const slos = [...entities.values()]
    .filter((e) => e.kind === 'SLO')
    .map((e) => {
      const namespace = e.metadata.namespace ?? 'default';
      const service = refKey(
        parseEntityRef(String(e.spec?.service), { defaultKind: 'Component', defaultNamespace: namespace }),
      );
      return sloDefinition(e, ownerOf(service));
    })
    .sort((a, b) => a.key.localeCompare(b.key));
  return { slos, errors };
}

/** Writes beside the target, then renames: a reader never sees half a file. */
function writeOutput(text: string, out: string | undefined, io: CommandIO): void {
  if (out === undefined) {
    io.out(text);
    return;
  }
  const target = resolve(io.cwd, out);
  const temporary = `${target}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, target);
  } catch (err) {
    throw new AtriumError({
      category: 'user-fixable',
      code: 'output-unwritable',
      message: `${out} cannot be written: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      hint: 'Name a file in a folder that exists and is writable.',
    });
  }
}

const yaml = (value: unknown) => stringify(value, { lineWidth: 0 });

export const sloCommand = defineCommand({
  name: 'slo',
  help,
  options: { ...CATALOG_OPTIONS, format: { type: 'string' }, out: { type: 'string' } },
  async run({ values, positionals, io, loadConfig }) {
    const [action, ...rest] = positionals;
    if ((action !== 'export' && action !== 'rules') || rest.length > 0)
      throw new UsageError(
        `atrium slo needs export or rules${action ? `, not "${[action, ...rest].join(' ')}"` : ''}`,
        'Run `atrium slo --help`.',
      );
    const format = values.format;
    if (action === 'export' && format !== 'openslo' && format !== 'sloth')
      throw new UsageError(
        `--format must be openslo or sloth, not ${JSON.stringify(format ?? '')}`,
        'For example --format openslo.',
      );
    if (action === 'rules' && format !== undefined)
      throw new UsageError('--format is for export only', 'Rules are always a Prometheus rules file.');
    const config = loadConfig(catalogOverrides(values));
    const { slos, errors } = await catalogSlos(config, values['strict-urls'], values.catalog !== undefined, io);
    for (const line of errors) io.err(`${line}\n`);
    if (errors.length > 0) {
      io.err(`${errors.length} errors in SLO files: nothing written (atrium validate shows their hints)\n`);
      return 65;
    }
    if (slos.length === 0) {
      io.err('The catalog declares no SLO: nothing written\n');
      return 65;
    }
    if (action === 'rules') {
      const document = rulesDocument(slos);
      if (document.groups.length === 0) {
        io.err('No SLO is measured with PromQL (ratio or latency): nothing written\n');
        return 65;
      }
      writeOutput(yaml(document), values.out, io);
      io.err(`${document.groups.length} rule groups for ${slos.length} SLOs\n`);
      return 0;
    }
    const exported = format === 'openslo' ? { notes: [], ...openSloDocuments(slos) } : slothDocuments(slos);
    for (const key of exported.skipped)
      io.err(`${key}: measured by pushed events or checks; it has no ${format} form\n`);
    for (const note of exported.notes) io.err(`${note}\n`);
    if (exported.documents.length === 0) return 65;
    writeOutput(exported.documents.map(yaml).join('---\n'), values.out, io);
    return 0;
  },
});
