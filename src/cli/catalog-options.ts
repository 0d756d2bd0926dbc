import type { ScanSummary } from '../catalog/load.ts';
import type { CatalogSpec } from '../catalog/open-catalog.ts';
import type { Config } from '../platform/config.ts';
import { byteSizeOption } from './args.ts';

/**
 * The options that name a catalog, shared by validate, sync, serve and build: roots
 * (`--catalog`, repeatable), Backstage app-configs (`--app-config`, repeatable, later
 * ones override earlier ones), `--strict-urls` and `--max-file-size`.
 */
export const CATALOG_OPTIONS = {
  catalog: { type: 'string', multiple: true },
  'app-config': { type: 'string', multiple: true },
  'strict-urls': { type: 'boolean' },
  'max-file-size': { type: 'string' },
} as const;

/** The help lines for CATALOG_OPTIONS, aligned with the commands' other options. */
export const CATALOG_OPTIONS_HELP = `  --catalog DIR|FILE       a catalog root, repeatable: a folder with app-config.yaml
                           (its catalog.locations), else catalog-info.yaml, else every
                           catalog YAML below it; or a descriptor file
                           (default: ATRIUM_CATALOG, atrium.yaml's catalog, or .)
  --app-config FILE        a Backstage app-config whose catalog.locations and
                           catalog.rules are the roots; repeatable, later files win
  --strict-urls            URLs that map to no folder are errors, not warnings
  --max-file-size SIZE     refuse catalog files larger than SIZE (default 16MiB; e.g. 32MiB)`;

interface CatalogValues {
  catalog?: string[];
  'app-config'?: string[];
  'max-file-size'?: string;
}

/** The configuration overrides the options make. */
export function catalogOverrides(values: CatalogValues, extraRoots: readonly string[] = []): Partial<Config> {
  const roots = [...extraRoots, ...(values.catalog ?? [])];
  return {
    ...(roots.length > 0 ? { catalog: roots[0], catalogPaths: roots } : {}),
    ...(values['app-config'] ? { appConfigs: values['app-config'] } : {}),
    maxFileBytes: byteSizeOption('max-file-size', values['max-file-size']),
  };
}

/**
 * What to open as the catalog. With app-configs named and no root, the app-configs alone
 * are the roots (the default `.` is not added).
 */
export function catalogSpec(
  config: Config,
  strictUrls: boolean | undefined,
  cwd: string,
  namedRoots: boolean,
): CatalogSpec {
  return {
    paths: config.appConfigs.length > 0 && !namedRoots ? [] : config.catalogPaths,
    appConfigs: config.appConfigs,
    maxFileBytes: config.maxFileBytes,
    urlMappings: config.urlMappings,
    strictUrls: strictUrls ?? config.strictUrls,
    cwd,
  };
}

/** The scan summary line, or nothing when nothing was left out. */
export function scanSummaryLine(scan: ScanSummary | undefined): string {
  if (!scan || scan.documents + scan.skeletonFiles === 0) return '';
  const versions = Object.entries(scan.apiVersions)
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
    .map(([apiVersion, count]) => `${apiVersion}: ${count}`);
  const shown = versions.length > 5 ? [...versions.slice(0, 5), `${versions.length - 5} more`] : versions;
  const parts = [
    ...(scan.documents > 0 ? [`${scan.documents} documents of other tools (${shown.join(', ')})`] : []),
    ...(scan.skeletonFiles > 0 ? [`${scan.skeletonFiles} files in template skeletons`] : []),
  ];
  return `Scanning left out ${parts.join(' and ')}; name the catalog's root to read only what its Locations name\n`;
}
