import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, dirname, posix } from 'node:path';
import picomatch from 'picomatch';
import { parse as parseYaml } from 'yaml';
import { AtriumError } from '../platform/errors.ts';
import { CatalogRoot, type Stamp } from './files.ts';
import {
  coreKind,
  entityName,
  formatRef,
  isSafeLinkUrl,
  isUrlLike,
  refKey,
  type CoreKind,
  type Entity,
  type Problem,
} from './model.ts';
import { RUNBOOK_ANNOTATION } from './operational-links.ts';
import { findExcessiveNesting } from '../platform/yaml-nesting.ts';
import { MAX_ALIASES, MAX_NESTING, parseYamlDocuments, type ParsedDocument } from './parse.ts';
import { referencesOf, type Reference } from './relations.ts';
import { validateEntity, type SchemaIssue } from './schema.ts';

/**
 * Reading a catalog root: which files a catalog reaches (roots, then Location targets and
 * globs), and what each file holds (entities, their references, their problems). A file
 * whose bytes and substituted files are unchanged since `previous` is not parsed again.
 */

/** A Location chain deeper than this is refused (a cycle the walk did not see, or a mistake). */
export const MAX_LOCATION_DEPTH = 32;
/** At most this many files per catalog. */
export const MAX_FILES = 200_000;
/** How many files the walk reads and parses ahead of the one it is visiting. */
const PREFETCH = 64;

export interface LocationTarget {
  target: string;
  optional: boolean;
  line: number;
  column: number;
}

/** A reference with where it was written, kept so dangling ones can be reported in place. */
export interface PlacedReference extends Reference {
  line: number;
  column: number;
}

export interface DocumentSummary {
  key?: string;
  ref?: string;
  kind?: CoreKind;
  line: number;
  column: number;
  /** The document is a valid entity. */
  valid: boolean;
  problems: Problem[];
  references: PlacedReference[];
  targets: LocationTarget[];
  /** Hash of the entity as stored (after substitution); changes when anything about it changes. */
  contentHash?: string;
}

/** What the store keeps about one file between syncs: enough to skip parsing it again. */
export interface FileSummary {
  path: string;
  hash: string | null;
  /** Size, mtime and inode when last read: unchanged means not even read again. */
  stamp?: Stamp | null;
  /** Some valid document is a Location with targets; false lets a walk skip the documents. */
  hasTargets?: boolean;
  /** The file could not be read or parsed: `documents` are its last good ones. */
  broken: boolean;
  problems: Problem[];
  /** Files pulled in by $text/$json/$yaml (and a runbook annotation), with their hashes and stamps when read. */
  dependencies: Dependency[];
  documents: DocumentSummary[];
}

export interface Dependency {
  path: string;
  hash: string | null;
  stamp?: Stamp | null;
}

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

function isGlob(target: string): boolean {
  return picomatch.scan(target).isGlob;
}

async function expandTarget(
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
  const kind = typeof value?.kind === 'string' ? coreKind(value.kind) : undefined;
  if (kind && typeof value?.metadata?.name === 'string') {
    const namespace = typeof value.metadata.namespace === 'string' ? value.metadata.namespace : 'default';
    const name = { kind, namespace, name: value.metadata.name };
    summary.key = refKey(name);
    summary.ref = formatRef(name);
    summary.kind = kind;
  }

  for (const issue of substituted.issues) report(issue.issue, issue.severity, summary.ref);
  const { entity, issues } = validateEntity(substituted.value);
  for (const issue of issues) report(issue, 'error', summary.ref);
  if (!entity || !kind || substituted.issues.some((i) => i.severity === 'error')) return summary;

  const refs = referencesOf(kind, entity);
  for (const issue of refs.issues) report(issue, 'error', summary.ref);
  if (refs.issues.length > 0) return summary;

  summary.valid = true;
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

function locationTargets(entity: Entity, doc: ParsedDocument): LocationTarget[] {
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

interface SubstitutionIssue {
  issue: SchemaIssue;
  severity: Problem['severity'];
}

const SUPPORTED = new Set(['$text', '$json', '$yaml']);
/** `$` keys of JSON Schema and OpenAPI documents written inline: data, never placeholders. */
const SCHEMA_KEYWORDS = new Set([
  '$ref',
  '$schema',
  '$id',
  '$comment',
  '$defs',
  '$anchor',
  '$dynamicRef',
  '$dynamicAnchor',
  '$vocabulary',
]);

/**
 * Replaces `{$text: path}`, `{$json: path}` and `{$yaml: path}` with the file's content,
 * read relative to the descriptor and never from outside the root. Other placeholders
 * (such as `$openapi`) and URLs are left as a readable note, with a warning.
 */
async function substitute(
  root: CatalogRoot,
  file: string,
  value: unknown,
  path: PropertyKey[],
  dependencies: Map<string, Dependency>,
): Promise<{ value: unknown; issues: SubstitutionIssue[] }> {
  if (Array.isArray(value)) {
    const issues: SubstitutionIssue[] = [];
    const out: unknown[] = [];
    for (const [i, item] of value.entries()) {
      const r = await substitute(root, file, item, [...path, i], dependencies);
      out.push(r.value);
      issues.push(...r.issues);
    }
    return { value: out, issues };
  }
  if (typeof value !== 'object' || value === null) return { value, issues: [] };
  const entries = Object.entries(value);
  const [first] = entries;
  if (entries.length === 1 && first && first[0].startsWith('$') && !SCHEMA_KEYWORDS.has(first[0])) {
    return resolvePlaceholder(root, file, first[0], first[1], [...path, first[0]], dependencies);
  }
  // Like Backstage, an object that mixes `$` keys with others is data, not a placeholder: leave it whole.
  if (entries.some(([key]) => key.startsWith('$'))) return { value, issues: [] };
  const issues: SubstitutionIssue[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    const r = await substitute(root, file, item, [...path, key], dependencies);
    // defineProperty, not assignment: a `__proto__` key in a descriptor is data, never a prototype.
    Object.defineProperty(out, key, { value: r.value, enumerable: true, writable: true, configurable: true });
    issues.push(...r.issues);
  }
  return { value: out, issues };
}

async function resolvePlaceholder(
  root: CatalogRoot,
  file: string,
  placeholder: string,
  target: unknown,
  path: PropertyKey[],
  dependencies: Map<string, Dependency>,
): Promise<{ value: unknown; issues: SubstitutionIssue[] }> {
  const note = `${placeholder}: ${typeof target === 'string' ? target : JSON.stringify(target)}`;
  const error = (code: string, message: string, hint: string) => ({
    value: note,
    issues: [{ issue: { path, code, message, hint }, severity: 'error' as const }],
  });
  const warning = (code: string, message: string, hint: string) => ({
    value: note,
    issues: [{ issue: { path, code, message, hint }, severity: 'warning' as const }],
  });

  if (!SUPPORTED.has(placeholder)) {
    return warning(
      'substitution-unsupported',
      `Placeholder ${placeholder} is not supported; the value is kept as a note`,
      'Atrium substitutes $text, $json and $yaml. Use `$text: ./file` to embed the document.',
    );
  }
  if (typeof target !== 'string' || target.length === 0) {
    return error(
      'substitution-invalid',
      `${placeholder} needs a file path`,
      `Write \`${placeholder}: ./relative/path\`.`,
    );
  }
  if (isUrlLike(target)) {
    return warning(
      'substitution-url-unsupported',
      `${placeholder} points at a URL (${target}); Atrium does not fetch URLs`,
      'Keep the file beside the descriptor and use a relative path.',
    );
  }
  const resolved = root.resolveInside(posix.dirname(file), target);
  if (resolved === undefined) {
    return error(
      'substitution-outside-root',
      `${placeholder} path ${target} is absolute or leaves the catalog root`,
      'Use a path relative to this file that stays inside the catalog root.',
    );
  }
  const read = await root.readShared(resolved);
  dependencies.set(resolved, { path: resolved, hash: read.hash, stamp: read.stamp });
  if (!read.ok)
    return error(
      read.failure.code === 'file-missing' ? 'substitution-missing' : read.failure.code,
      read.failure.message,
      read.failure.hint,
    );
  if (placeholder === '$text') return { value: read.text, issues: [] };
  try {
    // JSON is YAML's flow syntax: the same guard bounds its nesting.
    if (findExcessiveNesting(read.text, MAX_NESTING) !== undefined)
      throw new Error(`nesting deeper than ${MAX_NESTING} levels`);
    if (placeholder === '$json') return { value: JSON.parse(read.text), issues: [] };
    return { value: parseYaml(read.text, { maxAliasCount: MAX_ALIASES, uniqueKeys: true }), issues: [] };
  } catch (err) {
    return error(
      'substitution-parse',
      `${resolved} could not be parsed for ${placeholder}: ${(err as Error).message.split('\n')[0]}`,
      `Fix the ${placeholder === '$json' ? 'JSON' : 'YAML'} in ${resolved}.`,
    );
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
