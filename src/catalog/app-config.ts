import { posix } from 'node:path';
import { allowedKinds, BACKSTAGE_DEFAULT_ALLOW } from './catalog-rules.ts';
import type { LocationTarget } from './file-summary.ts';
import type { CatalogRoot } from './files.ts';
import type { CatalogStart } from './load.ts';
import type { Problem } from './model.ts';
import { parseYamlDocuments, type ParsedDocument } from './parse.ts';

/**
 * A Backstage app-config as a catalog's roots: `catalog.locations` (`file` and `url`
 * targets, each with its own `rules`) and `catalog.rules`. Several files are read in
 * order and a later one's `catalog.locations` or `catalog.rules` replaces an earlier
 * one's, as Backstage merges `--config` files (lists are replaced, not appended).
 */

export interface AppConfigRoots {
  starts: CatalogStart[];
  /** The kinds `catalog.rules` allows everywhere (Backstage's default when there are none), in lower case. */
  allowed: Set<string>;
  problems: Problem[];
  /** Some file sets `catalog.locations`. */
  hasLocations: boolean;
}

/** Where Backstage's backend runs (`yarn start`), which its `file` targets are usually relative to. */
export const BACKEND_FOLDER = 'packages/backend';

/** Reads root-relative app-config files, in order. */
export async function readAppConfigs(root: CatalogRoot, files: readonly string[]): Promise<AppConfigRoots> {
  const problems: Problem[] = [];
  let locations: { file: string; doc: ParsedDocument; value: unknown } | undefined;
  let rules: { value: unknown } | undefined;
  for (const file of files) {
    const read = await root.read(file);
    if (!read.ok) {
      problems.push({ severity: 'error', ...read.failure, file, line: 1, column: 1 });
      continue;
    }
    const parsed = parseYamlDocuments(read.text, file);
    problems.push(...parsed.problems);
    const doc = parsed.documents[0];
    const catalog = (doc?.value as { catalog?: unknown } | null | undefined)?.catalog;
    if (doc === undefined || typeof catalog !== 'object' || catalog === null) continue;
    if ('locations' in catalog) locations = { file, doc, value: catalog.locations };
    if ('rules' in catalog) rules = { value: catalog.rules };
  }
  const allowed = rules ? allowedKinds(rules.value) : new Set(BACKSTAGE_DEFAULT_ALLOW.map((k) => k.toLowerCase()));
  if (!locations) return { starts: [], allowed, problems, hasLocations: false };
  const { file, doc } = locations;
  const entries = Array.isArray(locations.value) ? locations.value : [];
  const starts: CatalogStart[] = [];
  for (const [i, entry] of entries.entries()) {
    const at = doc.positionOf(['catalog', 'locations', i, 'target']);
    const warn = (code: string, message: string, hint: string) =>
      problems.push({ severity: 'warning', code, message, hint, file, ...at });
    const { type, target } = (typeof entry === 'object' && entry !== null ? entry : {}) as {
      type?: unknown;
      target?: unknown;
      rules?: unknown;
    };
    if (typeof target !== 'string' || target === '') {
      warn(
        'app-config-location-invalid',
        `catalog.locations[${i}] has no target`,
        'Each location needs `type: file` or `type: url` and a `target`.',
      );
      continue;
    }
    if (type !== 'file' && type !== 'url') {
      warn(
        'location-type-unsupported',
        `catalog.locations[${i}] is of type ${JSON.stringify(type)}, read by a Backstage provider or plugin; Atrium reads only file and url locations`,
        'Entities from providers (GitHub or LDAP organisations, discovery) are not in these files: leave it, or list their files as file locations.',
      );
      continue;
    }
    const local = (entry as { rules?: unknown }).rules;
    const location: LocationTarget = { target, optional: false, ...at };
    const from = type === 'file' ? await fileTargetBase(root, file, target) : file;
    starts.push({
      kind: 'target',
      target: location,
      from,
      file,
      allow: local === undefined ? undefined : allowedKinds(local),
    });
  }
  return { starts, allowed, problems, hasLocations: true };
}

/**
 * The file a `file` target is relative to. Backstage resolves it against the backend's
 * working directory, usually packages/backend (hence `../../catalog-info.yaml`); a
 * target that exists relative to the app-config's folder is taken from there first.
 */
async function fileTargetBase(root: CatalogRoot, configFile: string, target: string): Promise<string> {
  const here = configFile;
  const backend = posix.join(posix.dirname(configFile), BACKEND_FOLDER, posix.basename(configFile));
  const exists = async (from: string) => {
    const base = target.replace(/[*?[{].*$/s, '') || '.';
    const resolved = root.resolveInside(posix.dirname(from), base);
    return resolved !== undefined && (await root.stamp(resolved)) !== null;
  };
  if (await exists(here)) return here;
  if (await exists(backend)) return backend;
  return here;
}
