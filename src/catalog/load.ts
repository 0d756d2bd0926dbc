import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, dirname, posix } from 'node:path';
import { AtriumError } from '../platform/errors.ts';
import type { Dependency, DocumentSummary, FileSummary } from './file-summary.ts';
import { CatalogRoot, MAX_FILES } from './files.ts';
import { expandTarget, isGlob, locationTargets } from './location-targets.ts';
import { entityName, formatRef, isSafeLinkUrl, isUrlLike, refKey, type Entity, type Problem } from './model.ts';
import { RUNBOOK_ANNOTATION } from './operational-links.ts';
import { parseYamlDocuments, type ParsedDocument } from './parse.ts';
import { knownKind } from './kinds.ts';
import { referencesOf, suspiciousReferences } from './relations.ts';
import { validateEntity, type SchemaIssue } from './schema.ts';
import { substitute } from './substitute.ts';

/**
 * Reading a catalog root: which files a catalog reaches (roots, then Location targets and
 * globs), and what each file holds (entities, their references, their problems). A file
 * whose bytes and substituted files are unchanged since `previous` is not parsed again.
 * What it learns of each file is a FileSummary (file-summary.ts); Location targets are
 * expanded by location-targets.ts and `$text`/`$json`/`$yaml` by substitute.ts.
 */

/** A Location chain deeper than this is refused (a cycle the walk did not see, or a mistake). */
export const MAX_LOCATION_DEPTH = 32;
/** How many files the walk reads and parses ahead of the one it is visiting. */
const PREFETCH = 64;

export interface WalkResult {
  root: CatalogRoot;
  /** Every file reached, in walk order (the order that decides duplicate entities). */
  files: FileSummary[];
  /** Entities of the files parsed in this walk, by `parsedKey(file, key)`. */
  parsed: Map<string, Entity>;
  /** Paths of the files parsed in this walk (the rest were unchanged). */
  changed: Set<string>;
  /** Problems of the walk itself: targets missing, outside the root, cycles. */
  problems: Problem[];
}

export interface WalkOptions {
  previous?: ReadonlyMap<string, FileSummary>;
  /** How changed files are parsed; inline by default (a sync of many files uses a worker pool). */
  parser?: FileParser;
  /** Parse these files even when unchanged (their entities are needed again). */
  reparse?: ReadonlySet<string>;
}

const YAML_FILE = /\.ya?ml$/i;

/** The key of an entity parsed from one particular file. */
export function parsedKey(file: string, key: string): string {
  return `${file}\u0000${key}`;
}

/**
 * Walks a catalog root. `rootPath` is a file, or a directory whose `catalog-info.yaml` is
 * the root; a directory without one makes every YAML file below it a root.
 */
export async function walkCatalog(
  catalogRoot: CatalogRoot,
  rootFile: string | undefined,
  options: WalkOptions = {},
): Promise<WalkResult> {
  const root = catalogRoot.forWalk();
  const result: WalkResult = { root, files: [], parsed: new Map(), changed: new Set(), problems: [] };
  const visited = new Set<string>();
  const starts =
    rootFile !== undefined ? [rootFile] : (await root.list('.', MAX_FILES)).filter((f) => YAML_FILE.test(f));
  // Files found by scanning a directory may be any YAML (OpenAPI documents, CI config):
  // their documents without apiVersion and kind are not descriptors and are skipped.
  const discovered = new Set(rootFile !== undefined ? [] : starts);

  // Files are read and parsed ahead of the (ordered) visit, a bounded window at a time, so
  // a parser pool works on many while the walk keeps its deterministic order.
  const loads = new Map<string, Promise<FileSummary>>();
  const load = (path: string): Promise<FileSummary> => {
    let pending = loads.get(path);
    if (!pending) {
      pending = loadFile(root, path, options, result, discovered.has(path));
      pending.catch(() => undefined); // awaited (and reported) by visit
      loads.set(path, pending);
    }
    return pending;
  };

  /** Visits `paths` in order, loading up to PREFETCH of them ahead. */
  const visitAll = async (
    paths: readonly string[],
    chain: readonly string[],
    skip: (next: string) => boolean,
  ): Promise<void> => {
    for (let i = 0; i < paths.length; i++) {
      for (const ahead of paths.slice(i, i + PREFETCH)) {
        if (!visited.has(ahead) && !chain.includes(ahead) && visited.size + loads.size < MAX_FILES) void load(ahead);
      }
      const next = paths[i] as string;
      if (!skip(next)) await visit(next, chain);
    }
  };

  const visit = async (path: string, ancestors: readonly string[]): Promise<void> => {
    if (visited.has(path)) return;
    if (visited.size >= MAX_FILES) {
      if (!result.problems.some((p) => p.code === 'too-many-files')) {
        result.problems.push({
          severity: 'error',
          code: 'too-many-files',
          message: `The catalog reaches more than ${MAX_FILES} files; the rest were not read`,
          hint: 'Point Atrium at a narrower root, or split the catalog.',
          file: path,
          line: 1,
          column: 1,
        });
      }
      return;
    }
    visited.add(path);
    const summary = await load(path);
    result.files.push(summary);
    const chain = [...ancestors, path];
    for (const doc of summary.hasTargets === false ? [] : summary.documents) {
      if (!doc.valid) continue;
      for (const target of doc.targets) {
        const problem = (code: string, message: string, hint: string): void => {
          result.problems.push({
            severity: 'error',
            code,
            message,
            hint,
            file: path,
            line: target.line,
            column: target.column,
            entityRef: doc.ref,
          });
        };
        if (chain.length > MAX_LOCATION_DEPTH) {
          problem(
            'location-too-deep',
            `Location chain is deeper than ${MAX_LOCATION_DEPTH} files`,
            'Flatten the Location tree: point the root at the files directly.',
          );
          continue;
        }
        await visitAll(await expandTarget(root, path, target, problem), chain, (next) => {
          if (!chain.includes(next)) return false;
          // A glob that matches its own file (`./*.yaml`) is natural; naming an ancestor is a cycle.
          if (!isGlob(target.target)) {
            problem(
              'location-cycle',
              `Location target ${target.target} leads back to ${next}, which is already being read`,
              'Remove the target: Locations must form a tree.',
            );
          }
          return true;
        });
      }
    }
  };
  await visitAll(starts, [], () => false);
  return result;
}

async function loadFile(
  root: CatalogRoot,
  path: string,
  options: WalkOptions,
  result: WalkResult,
  discovered: boolean,
): Promise<FileSummary> {
  const previous = options.previous?.get(path);
  const reusable = previous !== undefined && !options.reparse?.has(path);
  if (
    reusable &&
    previous.stamp &&
    (await root.stamp(path)) === previous.stamp &&
    (await dependenciesUnchanged(root, previous))
  ) {
    return previous;
  }
  const read = await root.read(path);
  if (reusable && read.hash !== null && read.hash === previous.hash && (await dependenciesUnchanged(root, previous))) {
    // Same bytes, new stamp (touched, checked out again): keep the summary, remember the stamp.
    return read.stamp === previous.stamp ? previous : { ...previous, stamp: read.stamp };
  }
  if (!read.ok) {
    const { failure } = read;
    const missing = failure.code === 'file-missing';
    return {
      path,
      hash: read.hash,
      stamp: read.stamp,
      // A missing file has simply gone: its entities go with it. Any other failure keeps the last good ones.
      broken: !missing,
      problems: [
        {
          severity: 'error',
          code: failure.code,
          message: failure.message,
          hint: failure.hint,
          file: path,
          line: 1,
          column: 1,
        },
      ],
      dependencies: missing ? [] : (previous?.dependencies ?? []),
      documents: missing ? [] : (previous?.documents ?? []),
    };
  }
  result.changed.add(path);
  const parse = await (options.parser ?? parseFile)(root, { path, text: read.text, discovered });
  if (parse.broken) {
    return {
      path,
      hash: read.hash,
      stamp: read.stamp,
      broken: true,
      problems: parse.problems,
      dependencies: previous?.dependencies ?? [],
      documents: previous?.documents ?? [],
    };
  }
  for (const [key, entity] of parse.entities) result.parsed.set(parsedKey(path, key), entity);
  const hasTargets = parse.documents.some((d) => d.valid && d.targets.length > 0);
  return {
    path,
    hash: read.hash,
    stamp: read.stamp,
    hasTargets,
    broken: false,
    problems: parse.problems,
    dependencies: parse.dependencies,
    documents: parse.documents,
  };
}

/** One file's text to parse: what a parser (inline or on a worker thread) is given. */
export interface ParseJob {
  path: string;
  text: string;
  /** Found by scanning a directory: documents that are not descriptors are skipped. */
  discovered: boolean;
}

/** What parsing one file's text yields. */
export interface FileParse {
  broken: boolean;
  problems: Problem[];
  documents: DocumentSummary[];
  dependencies: Dependency[];
  /** The valid entities by key, the first definition in the file for each key. */
  entities: [string, Entity][];
}

export type FileParser = (root: CatalogRoot, job: ParseJob) => Promise<FileParse>;

/**
 * Parses, substitutes and validates one file's text: the CPU-heavy part of a walk, which
 * a pool of worker threads can run in parallel (see parse-pool.ts).
 */
export async function parseFile(root: CatalogRoot, job: ParseJob): Promise<FileParse> {
  try {
    return await parseFileUnguarded(root, job);
  } catch (err) {
    // Whatever one file does, it must not stop the rest of the catalog: it becomes a problem of its own.
    const problem: Problem = {
      severity: 'error',
      code: 'file-unprocessable',
      message: `${job.path} could not be processed: ${err instanceof Error ? err.message : String(err)}`,
      hint: 'Simplify the file (its structure or what it substitutes); if it looks ordinary, report this as a bug in Atrium.',
      file: job.path,
      line: 1,
      column: 1,
    };
    return { broken: true, problems: [problem], documents: [], dependencies: [], entities: [] };
  }
}

async function parseFileUnguarded(root: CatalogRoot, job: ParseJob): Promise<FileParse> {
  const parsed = parseYamlDocuments(job.text, job.path);
  if (parsed.broken) return { broken: true, problems: parsed.problems, documents: [], dependencies: [], entities: [] };
  const dependencies = new Map<string, Dependency>();
  const entities = new Map<string, Entity>();
  const documents: DocumentSummary[] = [];
  for (const doc of parsed.documents) {
    // An empty document (a lone or trailing `---`) holds nothing; Backstage skips it too.
    if (doc.value === null || doc.value === undefined) continue;
    if (job.discovered && !looksLikeDescriptor(doc.value)) continue;
    documents.push(await loadDocument(root, job.path, doc, dependencies, entities));
  }
  return {
    broken: false,
    problems: parsed.problems,
    documents,
    dependencies: [...dependencies.values()],
    entities: [...entities],
  };
}

function looksLikeDescriptor(value: unknown): boolean {
  return typeof value === 'object' && value !== null && ('apiVersion' in value || 'kind' in value);
}

async function dependenciesUnchanged(root: CatalogRoot, summary: FileSummary): Promise<boolean> {
  for (const dep of summary.dependencies) {
    if (dep.stamp && (await root.stamp(dep.path)) === dep.stamp) continue;
    const read = await root.readShared(dep.path);
    if (read.hash !== dep.hash) return false;
  }
  return true;
}

async function loadDocument(
  root: CatalogRoot,
  file: string,
  doc: ParsedDocument,
  dependencies: Map<string, Dependency>,
  parsed: Map<string, Entity>,
): Promise<DocumentSummary> {
  const problems: Problem[] = [];
  const report = (issue: SchemaIssue, severity: Problem['severity'], entityRef?: string) =>
    problems.push({
      severity,
      code: issue.code,
      message: issue.message,
      hint: issue.hint,
      file,
      ...doc.positionOf(issue.path),
      entityRef,
    });

  const summary: DocumentSummary = { ...doc.position, valid: false, problems, references: [], targets: [] };
  const substituted = await substitute(root, file, doc.value, [], dependencies);
  // Identify the entity (after substitution, as it is stored) even when it is invalid, so
  // problems attach to it and its last good version can stay.
  const value = substituted.value as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
  const kind = typeof value?.kind === 'string' ? knownKind(value.kind) : undefined;
  if (kind && typeof value?.metadata?.name === 'string') {
    const namespace = typeof value.metadata.namespace === 'string' ? value.metadata.namespace : 'default';
    const name = { kind, namespace, name: value.metadata.name };
    summary.key = refKey(name);
    summary.ref = formatRef(name);
    summary.kind = kind;
  }

  for (const issue of substituted.issues) report(issue.issue, issue.severity, summary.ref);
  const { entity, issues } = validateEntity(substituted.value);
  for (const issue of issues) report(issue, issue.severity ?? 'error', summary.ref);
  if (!entity || !kind || substituted.issues.some((i) => i.severity === 'error')) return summary;

  const refs = referencesOf(kind, entity);
  for (const issue of refs.issues) report(issue, 'error', summary.ref);
  if (refs.issues.length > 0) return summary;

  summary.valid = true;
  for (const issue of suspiciousReferences(refs.references)) report(issue, 'warning', summary.ref);
  await checkRunbook(root, file, entity, dependencies, (issue) => report(issue, 'warning', summary.ref));
  (entity.metadata.links ?? []).forEach((link, i) => {
    if (isSafeLinkUrl(link.url)) return;
    report(
      {
        path: ['metadata', 'links', i, 'url'],
        code: 'unsafe-link',
        message: `Link ${JSON.stringify(link.url)} is not an http, https or mailto URL; Atrium will not offer it as a link`,
        hint: 'Use an https:// (or mailto:) URL.',
      },
      'warning',
      summary.ref,
    );
  });
  summary.references = refs.references.map((r) => ({ ...r, ...doc.positionOf(r.path) }));
  if (kind === 'Location') summary.targets = locationTargets(entity, doc);
  summary.contentHash = createHash('sha1').update(JSON.stringify(entity)).digest('hex');
  // Within one file the first document wins, as resolveCatalog decides.
  const key = refKey(entityName(entity));
  if (!parsed.has(key)) parsed.set(key, entity);
  return summary;
}

/**
 * A runbook named by annotation should exist: the incident is the wrong time to find out
 * it does not. Its hash is a dependency, so creating the file clears the warning.
 */
async function checkRunbook(
  root: CatalogRoot,
  file: string,
  entity: Entity,
  dependencies: Map<string, Dependency>,
  warn: (issue: SchemaIssue) => void,
): Promise<void> {
  const value = entity.metadata.annotations?.[RUNBOOK_ANNOTATION];
  if (value === undefined || isUrlLike(value)) return;
  const path = ['metadata', 'annotations', RUNBOOK_ANNOTATION];
  const resolved = root.resolveInside(posix.dirname(file), value);
  if (resolved === undefined) {
    warn({
      path,
      code: 'runbook-outside-root',
      message: `Runbook ${value} is absolute or leaves the catalog root`,
      hint: 'Keep the runbook beside the descriptor and name it with a relative path, e.g. ./docs/runbook.md.',
    });
    return;
  }
  const read = await root.readShared(resolved);
  dependencies.set(resolved, { path: resolved, hash: read.hash, stamp: read.stamp });
  if (!read.ok) {
    const missing = read.failure.code === 'file-missing';
    warn({
      path,
      code: missing ? 'runbook-missing' : 'runbook-unreadable',
      message: missing
        ? `Runbook ${value} does not exist (looked for ${resolved})`
        : `Runbook ${value}: ${read.failure.message}`,
      hint: missing ? 'Write the runbook there, or fix the path (relative to this descriptor).' : read.failure.hint,
    });
  }
}

/**
 * Opens what the user named as the catalog: a descriptor file (its directory is the
 * root), or a directory whose `catalog-info.yaml` is the root file (without one, every
 * YAML file below it is a root).
 */
export async function openCatalog(
  path: string,
  maxFileBytes?: number,
): Promise<{ root: CatalogRoot; rootFile?: string }> {
  const isDir = await stat(path).then(
    (s) => s.isDirectory(),
    (err: NodeJS.ErrnoException) => {
      throw new AtriumError({
        category: 'user-fixable',
        code: 'catalog-not-found',
        message: `Catalog ${path} cannot be read: ${err.code ?? err.message}`,
        hint: 'Pass a directory holding catalog-info.yaml, or a descriptor file.',
      });
    },
  );
  if (!isDir) {
    const root = await CatalogRoot.open(dirname(path), maxFileBytes);
    return { root, rootFile: basename(path) };
  }
  const root = await CatalogRoot.open(path, maxFileBytes);
  const hasRootFile = await stat(root.absolutePath('catalog-info.yaml')).then(
    (s) => s.isFile(),
    () => false,
  );
  return { root, rootFile: hasRootFile ? 'catalog-info.yaml' : undefined };
}
