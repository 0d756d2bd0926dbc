import { stat } from 'node:fs/promises';
import { posix } from 'node:path';
import picomatch from 'picomatch';
import { MAX_FILES, type CatalogRoot } from './files.ts';
import type { LocationTarget } from './file-summary.ts';
import { isUrlLike, type Entity } from './model.ts';
import type { ParsedDocument } from './parse.ts';

/**
 * Location targets: where a Location entity points (a file, or a glob), with positions to
 * report problems at, and the files inside the catalog root each target reaches.
 */

export function locationTargets(entity: Entity, doc: ParsedDocument): LocationTarget[] {
  const spec = entity.spec ?? {};
  const optional = spec.presence === 'optional';
  const out: LocationTarget[] = [];
  if (typeof spec.target === 'string')
    out.push({ target: spec.target, optional, ...doc.positionOf(['spec', 'target']) });
  if (Array.isArray(spec.targets)) {
    spec.targets.forEach((t, i) => {
      if (typeof t === 'string') out.push({ target: t, optional, ...doc.positionOf(['spec', 'targets', i]) });
    });
  }
  return out;
}

export function isGlob(target: string): boolean {
  return picomatch.scan(target).isGlob;
}

/** The files a target names, in the order the root lists them; a target that reaches none is reported through `problem`. */
export async function expandTarget(
  root: CatalogRoot,
  from: string,
  target: LocationTarget,
  problem: (code: string, message: string, hint: string) => void,
): Promise<string[]> {
  const t = target.target;
  if (isUrlLike(t)) {
    problem(
      'location-url-unsupported',
      `Location target ${t} is a URL`,
      'Atrium reads only files inside the catalog root: check the repository out beside the catalog and use a relative path.',
    );
    return [];
  }
  const dir = posix.dirname(from);
  if (isGlob(t)) {
    const scan = picomatch.scan(t);
    const base = root.resolveInside(dir, scan.base || '.');
    const pattern = root.resolveInside(dir, t);
    if (base === undefined || pattern === undefined) {
      problem(
        'location-outside-root',
        `Location target ${t} is absolute or leaves the catalog root`,
        'Use a path relative to this file that stays inside the catalog root.',
      );
      return [];
    }
    const matches = picomatch(pattern === '' ? '.' : pattern, { dot: false });
    const found = (await root.list(base, MAX_FILES)).filter((f) => matches(f));
    if (found.length === 0 && !target.optional) {
      problem(
        'location-target-missing',
        `Location target ${t} matches no files`,
        'Fix the pattern, or add `presence: optional` if the files may legitimately be absent.',
      );
    }
    return found;
  }
  const resolved = root.resolveInside(dir, t);
  if (resolved === undefined) {
    problem(
      'location-outside-root',
      `Location target ${t} is absolute or leaves the catalog root`,
      'Use a path relative to this file that stays inside the catalog root.',
    );
    return [];
  }
  if (await root.isDirectory(resolved)) {
    problem(
      'location-target-directory',
      `Location target ${t} is a directory`,
      `Name the file, e.g. ${posix.join(t, 'catalog-info.yaml')}, or a glob such as ${posix.join(t, '*.yaml')}.`,
    );
    return [];
  }
  // A missing target is reported where the Location names it (or not at all when optional), like a glob that matches nothing.
  const missing = await stat(root.absolutePath(resolved)).then(
    () => false,
    (err: NodeJS.ErrnoException) => err.code === 'ENOENT' || err.code === 'ENOTDIR',
  );
  if (missing) {
    if (!target.optional) {
      problem(
        'location-target-missing',
        `Location target ${t} does not exist`,
        'Create the file or fix the path (relative to this Location file), or add `presence: optional` if it may legitimately be absent.',
      );
    }
    return [];
  }
  return [resolved];
}
