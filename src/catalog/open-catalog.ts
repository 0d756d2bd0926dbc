import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { AtriumError } from '../platform/errors.ts';
import { readAppConfigs } from './app-config.ts';
import { CatalogRoot } from './files.ts';
import { findCheckout } from './git-checkout.ts';
import type { CatalogStart, WalkOptions } from './load.ts';
import type { Problem } from './model.ts';
import type { CheckoutMapping, PrefixMapping } from './repository-urls.ts';

/**
 * Opens what the user named as the catalog: folders (their app-config.yaml's
 * catalog.locations, else their catalog-info.yaml, else a scan of every YAML file),
 * descriptor files, and app-config files. The catalog root, the only folder Atrium reads,
 * is the nearest folder holding them all; the git checkouts around them and
 * `catalog.urlMappings` say which URLs are files inside it.
 */

export interface CatalogSpec {
  /** Folders or descriptor files; several are several roots. */
  paths: readonly string[];
  /** app-config files (`--app-config`), read in order: a later one's catalog settings win. */
  appConfigs?: readonly string[];
  maxFileBytes?: number;
  /** URL prefix -> folder (relative to `cwd`), which must lie inside the catalog root. */
  urlMappings?: Readonly<Record<string, string>>;
  /** Unmapped URLs are errors. */
  strictUrls?: boolean;
  cwd?: string;
}

export interface OpenedCatalog {
  root: CatalogRoot;
  starts: CatalogStart[];
  /** What the walk needs besides the starts: the rules, and the problems found opening the catalog. */
  walk: Pick<WalkOptions, 'allowed' | 'setupProblems'>;
}

/** Backstage's `yarn start` reads these two, in this order, from the repository's root. */
export const APP_CONFIG_FILES = ['app-config.yaml', 'app-config.local.yaml'];

/** `now` is the syncer's clock (milliseconds), which the root compares with files' mtimes. */
export async function openCatalog(
  spec: CatalogSpec | string,
  maxFileBytes?: number,
  now?: () => number,
): Promise<OpenedCatalog> {
  const {
    paths,
    appConfigs = [],
    urlMappings = {},
    strictUrls = false,
    cwd = process.cwd(),
  } = typeof spec === 'string' ? { paths: [spec] } : spec;
  const limit = typeof spec === 'string' ? maxFileBytes : spec.maxFileBytes;
  const named = await Promise.all(
    [...paths, ...appConfigs].map(async (path) => {
      const real = await realpath(resolve(cwd, path)).catch((err: NodeJS.ErrnoException) => {
        throw new AtriumError({
          category: 'user-fixable',
          code: 'catalog-not-found',
          message: `Catalog ${path} cannot be read: ${err.code ?? err.message}`,
          hint: 'Pass a directory holding app-config.yaml or catalog-info.yaml, or a descriptor file.',
        });
      });
      const isDir = (await stat(real)).isDirectory();
      return { path, real, isDir, folder: isDir ? real : dirname(real) };
    }),
  );
  const rootDir = commonFolder(named.map((n) => n.folder));
  if (named.length > 1 && dirname(rootDir) === rootDir)
    throw new AtriumError({
      category: 'user-fixable',
      code: 'catalog-roots-apart',
      message: `The catalog roots share no folder but ${rootDir}: ${named.map((n) => n.path).join(', ')}`,
      hint: 'Atrium reads one folder and what is below it: put the roots inside one folder (a checkout, or a folder of checkouts).',
    });

  const checkouts: CheckoutMapping[] = [];
  for (const folder of new Set([rootDir, ...named.map((n) => n.folder)])) {
    const checkout = await findCheckout(folder);
    if (checkout && !checkouts.some((c) => c.dir === checkout.dir)) checkouts.push(checkout);
  }
  const prefixes: PrefixMapping[] = [];
  for (const [prefix, folder] of Object.entries(urlMappings)) {
    const real = await realpath(resolve(cwd, folder)).catch(() => undefined);
    const rel = real === undefined ? undefined : relative(rootDir, real);
    if (rel === undefined || isOutside(rel))
      throw new AtriumError({
        category: 'operator-fixable',
        code: 'config-invalid',
        message: `catalog.urlMappings: ${prefix} maps to ${folder}, which ${real === undefined ? 'does not exist' : `is outside the catalog root ${rootDir}`}`,
        hint: 'Map URL prefixes to folders inside the catalog root (symbolic links are followed to check); widen the root if it must be elsewhere.',
      });
    prefixes.push({ prefix, dir: real as string });
  }
  const root = await CatalogRoot.open(rootDir, limit, { checkouts, prefixes, strict: strictUrls }, now);

  const starts: CatalogStart[] = [];
  const setupProblems: Problem[] = [];
  let allowed: Set<string> | undefined;
  const useAppConfigs = async (files: string[], required: boolean): Promise<boolean> => {
    const read = await readAppConfigs(root, files);
    if (!read.hasLocations && !required) return false;
    setupProblems.push(...read.problems);
    if (!read.hasLocations)
      setupProblems.push({
        severity: 'warning',
        code: 'app-config-no-locations',
        message: `${files.join(', ')} set no catalog.locations: there is nothing to read from them`,
        hint: 'Add catalog.locations (type file or url), or name the catalog with --catalog instead.',
        file: files[files.length - 1] as string,
        line: 1,
        column: 1,
      });
    starts.push(...read.starts);
    allowed = new Set([...(allowed ?? []), ...read.allowed]);
    return true;
  };

  for (const n of named.slice(0, paths.length)) {
    const rel = root.relativePath(n.real);
    if (!n.isDir) {
      starts.push({ kind: 'file', path: rel });
      continue;
    }
    const configs = [];
    for (const name of APP_CONFIG_FILES) if (await isFile(join(n.real, name))) configs.push(posix.join(rel, name));
    if (configs.length > 0 && (await useAppConfigs(configs, false))) continue;
    const rootFile = posix.join(rel, 'catalog-info.yaml');
    starts.push(
      (await isFile(root.absolutePath(rootFile)))
        ? { kind: 'file', path: rootFile }
        : { kind: 'scan', path: rel || '.' },
    );
  }
  if (appConfigs.length > 0)
    await useAppConfigs(
      named.slice(paths.length).map((n) => root.relativePath(n.real)),
      true,
    );
  return { root, starts, walk: { allowed, setupProblems } };
}

/** The deepest folder holding every one of `folders` (absolute, symlinks resolved). */
function commonFolder(folders: readonly string[]): string {
  let common = folders[0] ?? resolve('.');
  for (const folder of folders.slice(1)) {
    while (common !== dirname(common) && isOutside(relative(common, folder))) common = dirname(common);
  }
  return common;
}

/** A relative path that leaves its folder (`..`, `../x`, or another drive). */
function isOutside(rel: string): boolean {
  return rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** A short name for what was opened, for messages (`Atrium is serving …`). */
export function describeCatalog(spec: CatalogSpec): string {
  return [...spec.paths, ...(spec.appConfigs ?? []).map((f) => `${basename(f)} (app-config)`)].join(', ');
}
