import { stat } from 'node:fs/promises';
import { posix } from 'node:path';
import picomatch from 'picomatch';
import { MAX_FILES, type CatalogRoot } from './files.ts';
import type { LocationTarget } from './file-summary.ts';
import { isUrlLike, type Entity } from './model.ts';
import type { ParsedDocument } from './parse.ts';
import { UNMAPPED_HINT } from './repository-urls.ts';

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

/** How a target's problems are reported; an error unless said otherwise. */
export type TargetProblem = (code: string, message: string, hint: string, severity?: 'error' | 'warning') => void;

/** The files a target names, in the order the root lists them; a target that reaches none is reported through `problem`. */
export async function expandTarget(
  root: CatalogRoot,
  from: string,
  target: LocationTarget,
  problem: TargetProblem,
): Promise<string[]> {
  if (isUrlLike(target.target)) {
    const mapped = root.mapUrl(target.target);
    if (mapped.kind === 'unmapped') {
      problem(
        'location-url-unsupported',
        `Location target ${target.target} is a URL that maps to no folder; it was not read`,
        UNMAPPED_HINT,
        root.urls.strict ? 'error' : 'warning',
      );
      return [];
    }
    if (mapped.kind === 'refused') {
      problem(mapped.issue.code, mapped.issue.message, mapped.issue.hint);
      return [];
    }
    if (mapped.warning) problem(mapped.warning.code, mapped.warning.message, mapped.warning.hint, 'warning');
    // The mapped path is root-relative: expand it as a target of a file at the root.
    return expandPath(root, '.', { ...target, target: mapped.path === '' ? '.' : mapped.path }, target.target, problem);
  }
  return expandPath(root, posix.dirname(from), target, target.target, problem);
}

async function expandPath(
  root: CatalogRoot,
  dir: string,
  target: LocationTarget,
  named: string,
  problem: TargetProblem,
): Promise<string[]> {
  const t = target.target;
  if (isGlob(t)) {
    const scan = picomatch.scan(t);
    const base = root.resolveInside(dir, scan.base || '.');
    const pattern = root.resolveInside(dir, t);
    if (base === undefined || pattern === undefined) {
      problem(
        'location-outside-root',
        `Location target ${named} is absolute or leaves the catalog root`,
        'Use a path relative to this file that stays inside the catalog root.',
      );
      return [];
    }
    const matches = picomatch(pattern === '' ? '.' : pattern, { dot: false });
    const found = (await root.list(base, MAX_FILES)).filter((f) => matches(f));
    if (found.length === 0 && !target.optional) {
      problem(
        'location-target-missing',
        `Location target ${named} matches no files`,
        'Fix the pattern, or add `presence: optional` if the files may legitimately be absent.',
      );
    }
    return found;
  }
  const resolved = root.resolveInside(dir, t);
  if (resolved === undefined) {
    problem(
      'location-outside-root',
      `Location target ${named} is absolute or leaves the catalog root`,
      'Use a path relative to this file that stays inside the catalog root.',
    );
    return [];
  }
  if (await root.isDirectory(resolved)) {
    problem(
      'location-target-directory',
      `Location target ${named} is a directory`,
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
        `Location target ${named} does not exist`,
        'Create the file or fix the path (relative to this Location file), or add `presence: optional` if it may legitimately be absent.',
      );
    }
    return [];
  }
  return [resolved];
}
