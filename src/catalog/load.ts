import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { isKindAllowed, type AllowedKinds } from './catalog-rules.ts';
import type { Dependency, DocumentSummary, FileSummary, LocationTarget } from './file-summary.ts';
import { type CatalogRoot, MAX_FILES } from './files.ts';
import { expandTarget, isGlob, locationTargets, type TargetProblem } from './location-targets.ts';
import { entityName, formatRef, isSafeLinkUrl, isUrlLike, refKey, type Entity, type Problem } from './model.ts';
import { RUNBOOK_ANNOTATION } from './operational-links.ts';
import { parseYamlDocuments, type ParsedDocument } from './parse.ts';
import { dialectOf, kindDefinition, knownKind, type KindDialect } from './kinds.ts';
import { referencesOf, suspiciousReferences } from './relations.ts';
import { entityText, type EntityText } from './rows.ts';
import { documentKey } from './resolve.ts';
import { isCatalogApiVersion, isTemplateSkeletonPath, looksLikeAppConfig } from './scan-filter.ts';
import { validateEntity, type SchemaIssue } from './schema.ts';
import { substitute } from './substitute.ts';
import { suspectFile } from './suspect-file.ts';

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
  /** Their rows' costly columns, worked out where they were parsed, by the same key. */
  texts: Map<string, EntityText>;
  /** Paths of the files parsed in this walk (the rest were unchanged). */
  changed: Set<string>;
  /** Problems of the walk itself: targets missing, outside the root, cycles, kinds not allowed, files not reached. */
  problems: Problem[];
  /** Documents left out by the catalog's rules (`documentKey`); resolveCatalog skips them. */
  excluded: Set<string>;
  /** What scanning a folder left out; undefined when nothing was scanned. */
  scan?: ScanSummary;
}

/** What scanning left out: documents of other tools (per apiVersion) and files of template skeletons. */
export interface ScanSummary {
  documents: number;
  apiVersions: Record<string, number>;
  skeletonFiles: number;
}

/**
 * Where a walk starts: a root file, a folder to scan (every YAML file below it), or a
 * target named outside any file (a `catalog.locations` entry of an app-config).
 */
export type CatalogStart =
  | { kind: 'file'; path: string; allow?: AllowedKinds }
  | { kind: 'scan'; path: string }
  | {
      kind: 'target';
      target: LocationTarget;
      /** The (root-relative) file the target is relative to. */
      from: string;
      /** Where the target is written, for its problems. */
      file: string;
      allow?: AllowedKinds;
    };

export interface WalkOptions {
  previous?: ReadonlyMap<string, FileSummary>;
  /** How changed files are parsed; inline by default (a sync of many files uses a worker pool). */
  parser?: FileParser;
  /** Parse these files even when unchanged (their entities are needed again). */
  reparse?: ReadonlySet<string>;
  /** The kinds the catalog's rules allow everywhere (an app-config's `catalog.rules`); undefined allows all. */
  allowed?: AllowedKinds;
  /** Problems found while opening the catalog (its app-configs), reported with the walk's. */
  setupProblems?: readonly Problem[];
}

const YAML_FILE = /\.ya?ml$/i;

/** The key of an entity parsed from one particular file. */
export function parsedKey(file: string, key: string): string {
  return `${file}\u0000${key}`;
}

/**
 * Walks a catalog root from `start`: a root file, a list of starts, or (undefined) a scan
 * of the whole root. Once a root is known nothing else is read, and the catalog-info.yaml
 * files no Location reaches are reported; a scan leaves out other tools' documents and
 * template skeletons, and reports dot-folders that hold descriptors.
 */
export async function walkCatalog(
  catalogRoot: CatalogRoot,
  start: string | readonly CatalogStart[] | undefined,
  options: WalkOptions = {},
): Promise<WalkResult> {
  const root = catalogRoot.forWalk();
  const result: WalkResult = {
    root,
    files: [],
    parsed: new Map(),
    texts: new Map(),
    changed: new Set(),
    problems: [...(options.setupProblems ?? [])],
    excluded: new Set(),
  };
  const starts: readonly CatalogStart[] =
    typeof start === 'string' ? [{ kind: 'file', path: start }] : (start ?? [{ kind: 'scan', path: '.' }]);
  const visited = new Set<string>();
  // Files found by scanning a directory may be any YAML (OpenAPI documents, CI config,
  // Kubernetes manifests): only their catalog documents are read.
  const discovered = new Set<string>();

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
    allow: AllowedKinds,
    skip: (next: string) => boolean,
  ): Promise<void> => {
    for (let i = 0; i < paths.length; i++) {
      for (const ahead of paths.slice(i, i + PREFETCH)) {
        if (!visited.has(ahead) && !chain.includes(ahead) && visited.size + loads.size < MAX_FILES) void load(ahead);
      }
      const next = paths[i] as string;
      if (!skip(next)) await visit(next, chain, allow);
    }
  };

  const visit = async (path: string, ancestors: readonly string[], allow: AllowedKinds): Promise<void> => {
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
    if (result.scan && discovered.has(path)) {
      for (const [apiVersion, count] of Object.entries(summary.skipped ?? {})) {
        result.scan.documents += count;
        result.scan.apiVersions[apiVersion] = (result.scan.apiVersions[apiVersion] ?? 0) + count;
      }
    }
    const chain = [...ancestors, path];
    // With rules, every document is looked at (to leave out the kinds they do not allow); without, only Locations.
    const documents = options.allowed === undefined && summary.hasTargets === false ? [] : summary.documents;
    for (const [index, doc] of documents.entries()) {
      if (doc.kind !== undefined && !isKindAllowed(options.allowed, allow, doc.kind)) {
        result.excluded.add(documentKey(path, index));
        result.problems.push({
          severity: 'warning',
          code: 'kind-not-allowed',
          message: `${doc.ref ?? doc.kind} was left out: the catalog's rules do not allow the kind ${doc.kind} here`,
          hint: `Allow it in app-config.yaml: under catalog.rules (everywhere) or under this location's rules, e.g. \`rules: [{allow: [${doc.kind}]}]\`.`,
          file: path,
          line: doc.line,
          column: doc.column,
          entityRef: doc.ref,
        });
        continue;
      }
      if (!doc.valid) continue;
      for (const target of doc.targets) {
        const problem = problemAt(path, target, doc.ref);
        if (chain.length > MAX_LOCATION_DEPTH) {
          problem(
            'location-too-deep',
            `Location chain is deeper than ${MAX_LOCATION_DEPTH} files`,
            'Flatten the Location tree: point the root at the files directly.',
          );
          continue;
        }
        await visitAll(await expandTarget(root, path, target, problem), chain, allow, (next) => {
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

  const problemAt =
    (file: string, at: { line: number; column: number }, entityRef?: string): TargetProblem =>
    (code, message, hint, severity = 'error') =>
      result.problems.push({ severity, code, message, hint, file, line: at.line, column: at.column, entityRef });

  for (const begin of starts) {
    if (begin.kind === 'file') await visitAll([begin.path], [], begin.allow, () => false);
    else if (begin.kind === 'target') {
      const paths = await expandTarget(root, begin.from, begin.target, problemAt(begin.file, begin.target));
      await visitAll(paths, [], begin.allow, () => false);
    } else {
      result.scan ??= { documents: 0, apiVersions: {}, skeletonFiles: 0 };
      const files = await scanFolder(root, begin.path, result.scan, result.problems);
      for (const file of files) discovered.add(file);
      await visitAll(files, [], undefined, () => false);
    }
  }
  if (!starts.some((s) => s.kind === 'scan')) result.problems.push(...(await unreachedCatalogFiles(root, visited)));
  return result;
}

/** The YAML files below `dir` a scan reads: not in template skeletons; dot-folders holding descriptors reported. */
async function scanFolder(root: CatalogRoot, dir: string, scan: ScanSummary, problems: Problem[]): Promise<string[]> {
  const dotFolders: string[] = [];
  const files: string[] = [];
  for (const file of await root.list(dir, MAX_FILES, (folder) => dotFolders.push(folder))) {
    if (!YAML_FILE.test(file)) continue;
    if (isTemplateSkeletonPath(file)) scan.skeletonFiles++;
    else files.push(file);
  }
  for (const folder of dotFolders) {
    if (posix.basename(folder) === '.git') continue;
    const descriptors: string[] = [];
    for (const file of (await root.list(folder, MAX_DOT_FOLDER_FILES)).filter((f) => YAML_FILE.test(f))) {
      const read = await root.read(file);
      if (read.ok && CATALOG_API_VERSION_LINE.test(read.text)) descriptors.push(file);
    }
    const [first] = descriptors;
    if (first === undefined) continue;
    problems.push({
      severity: 'warning',
      code: 'catalog-in-dot-folder',
      message: `${folder}/ holds ${descriptors.length} catalog file(s) (such as ${first}), which a scan does not read: folders whose names start with a dot are skipped`,
      hint: `The catalog seems to live in ${folder}/ — pass it as the root (\`atrium validate ${folder}\`), or name its files from a Location.`,
      file: first,
      line: 1,
      column: 1,
    });
  }
  return files;
}

/** At most this many files of one dot-folder are looked at for descriptors. */
const MAX_DOT_FOLDER_FILES = 200;
const CATALOG_API_VERSION_LINE = /^apiVersion:\s*["']?(backstage\.io|scaffolder\.backstage\.io|atrium\.dev)\//m;
const CATALOG_INFO = /(^|\/)catalog-info\.ya?ml$/i;

/** The catalog-info.yaml files below the root that no start and no Location reached (not in skeletons). */
async function unreachedCatalogFiles(root: CatalogRoot, visited: ReadonlySet<string>): Promise<Problem[]> {
  const unreached = (await root.list('.', MAX_FILES)).filter(
    (file) => CATALOG_INFO.test(file) && !visited.has(file) && !isTemplateSkeletonPath(file),
  );
  return unreached.map((file) => ({
    severity: 'warning',
    code: 'catalog-file-unreached',
    message: `${file} is not reached by any Location from the catalog's roots, so it was not read`,
    hint: 'Once a root is known Atrium reads only what Locations name (as Backstage does): add it as a target of a Location or of catalog.locations in app-config.yaml, or pass it as another --catalog root.',
    file,
    line: 1,
    column: 1,
  }));
}

async function loadFile(
  root: CatalogRoot,
  path: string,
  options: WalkOptions,
  result: WalkResult,
  discovered: boolean,
): Promise<FileSummary> {
  const previous = options.previous?.get(path);
  // A file parsed under another URL map (or found another way) may read differently now.
  const reusable =
    previous !== undefined &&
    !options.reparse?.has(path) &&
    previous.urls === root.urlsFingerprint &&
    (previous.skipped !== undefined) === discovered;
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
  const suspicion = suspectFile(path, read.text, parse.documents, previous?.documents ?? [], !discovered);
  if (suspicion) {
    // Parsed, but maybe caught half-way through a save: it cannot say its entities are gone.
    return {
      path,
      hash: read.hash,
      stamp: read.stamp,
      broken: true,
      problems: [{ severity: 'error', ...suspicion, file: path, line: 1, column: 1 }],
      dependencies: previous?.dependencies ?? [],
      documents: previous?.documents ?? [],
    };
  }
  for (const [key, entity, text] of parse.entities) {
    result.parsed.set(parsedKey(path, key), entity);
    result.texts.set(parsedKey(path, key), text);
  }
  const documents = parse.untranslated
    ? [...parse.documents, ...untranslatedClaims(parse.documents, previous?.documents ?? [])]
    : parse.documents;
  const hasTargets = parse.documents.some((d) => d.valid && d.targets.length > 0);
  return {
    path,
    hash: read.hash,
    stamp: read.stamp,
    ...(root.urlsFingerprint === undefined ? {} : { urls: root.urlsFingerprint }),
    ...(discovered ? { skipped: parse.skipped } : {}),
    hasTargets,
    broken: false,
    problems: parse.problems,
    dependencies: parse.dependencies,
    documents,
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
  /** The valid entities by key, the first definition in the file for each key, with their rows' costly columns. */
  entities: [string, Entity, EntityText][];
  /** Documents of a discovered file left out for their apiVersion, counted per apiVersion. */
  skipped: Record<string, number>;
  /**
   * A document in a kind's dialect (OpenSLO, Sloth) could not be translated, wholly or in
   * part: what it made last time cannot be told from what it no longer makes (see
   * `untranslatedClaims`).
   */
  untranslated?: true;
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
    return { broken: true, problems: [problem], documents: [], dependencies: [], entities: [], skipped: {} };
  }
}

async function parseFileUnguarded(root: CatalogRoot, job: ParseJob): Promise<FileParse> {
  const parsed = parseYamlDocuments(job.text, job.path);
  if (parsed.broken)
    return { broken: true, problems: parsed.problems, documents: [], dependencies: [], entities: [], skipped: {} };
  const dependencies = new Map<string, Dependency>();
  const entities = new Map<string, [Entity, EntityText]>();
  const documents: DocumentSummary[] = [];
  const problems = [...parsed.problems];
  const skipped: Record<string, number> = {};
  const { translated, failed } = translateDialects(parsed.documents, job.path, problems);
  for (const doc of parsed.documents) {
    // An empty document (a lone or trailing `---`) holds nothing; Backstage skips it too.
    if (doc.value === null || doc.value === undefined) continue;
    const fromDialect = translated.get(doc);
    if (fromDialect) {
      for (const made of fromDialect) documents.push(await loadDocument(root, job.path, made, dependencies, entities));
      continue;
    }
    if (job.discovered) {
      if (!looksLikeDescriptor(doc.value)) continue;
      const { apiVersion } = doc.value as { apiVersion?: unknown };
      if (typeof apiVersion === 'string' && apiVersion !== '' && !isCatalogApiVersion(apiVersion)) {
        skipped[apiVersion] = (skipped[apiVersion] ?? 0) + 1;
        continue;
      }
    } else if (looksLikeAppConfig(doc.value)) {
      problems.push({
        severity: 'error',
        code: 'app-config-not-descriptor',
        message: `${job.path} is a Backstage app-config (top-level app, backend or catalog keys), not a catalog descriptor`,
        hint: 'Pass the folder that holds it (`atrium validate DIR`) or `--app-config FILE`: Atrium then reads its catalog.locations and catalog.rules.',
        file: job.path,
        ...doc.position,
      });
      continue;
    }
    documents.push(await loadDocument(root, job.path, doc, dependencies, entities));
  }
  return {
    broken: false,
    problems,
    documents,
    dependencies: [...dependencies.values()],
    entities: [...entities].map(([key, [entity, text]]) => [key, entity, text]),
    skipped,
    ...(failed ? { untranslated: true } : {}),
  };
}

/**
 * The documents of a file written in a registered kind's dialect (OpenSLO, Sloth), each
 * with the kind's documents made from it (none for a document other ones refer to, such
 * as an OpenSLO SLI), positioned at what the user wrote; the dialect's issues become
 * problems. Translated per dialect and file, since such documents refer to each other.
 * `failed`: a dialect reported an error, which leaves out what it could not read.
 */
function translateDialects(
  parsed: readonly ParsedDocument[],
  file: string,
  problems: Problem[],
): { translated: Map<ParsedDocument, ParsedDocument[]>; failed: boolean } {
  const byDialect = new Map<KindDialect, ParsedDocument[]>();
  for (const doc of parsed) {
    const dialect = doc.value === null || doc.value === undefined ? undefined : dialectOf(doc.value);
    if (dialect) byDialect.set(dialect, [...(byDialect.get(dialect) ?? []), doc]);
  }
  const made = new Map<ParsedDocument, ParsedDocument[]>();
  let failed = false;
  for (const [dialect, docs] of byDialect) {
    for (const doc of docs) made.set(doc, []);
    const translation = dialect.translate(docs.map((d) => d.value));
    for (const issue of translation.issues) {
      const source = docs[issue.source];
      if (!source) continue;
      if (issue.severity === 'error') failed = true;
      problems.push({
        severity: issue.severity,
        code: issue.code,
        message: `${dialect.name}: ${issue.message}`,
        hint: issue.hint,
        file,
        ...source.positionOf(issue.path),
      });
    }
    for (const document of translation.documents) {
      const source = docs[document.source];
      if (!source) continue;
      made.get(source)?.push({
        value: document.value,
        position: source.position,
        positionOf: (path) => source.positionOf(document.origin(path)),
      });
    }
  }
  return { translated: made, failed };
}

/**
 * What a file whose dialect documents did not all translate still claims: each entity of
 * a dialect-read kind it held last time and holds no longer, as an invalid document, so
 * its last good version stays, stale (as for an invalid document of any kind), with the
 * dialect's error at its line as the file's problem. A translation that failed cannot say
 * which entities it would have made; a file that translates again claims only what it makes.
 */
function untranslatedClaims(
  documents: readonly DocumentSummary[],
  before: readonly DocumentSummary[],
): DocumentSummary[] {
  const now = new Set(documents.flatMap((d) => (d.key ? [d.key] : [])));
  return before.flatMap(({ key, ref, kind, line, column }) =>
    key && ref && kind && !now.has(key) && (kindDefinition(kind)?.dialects?.length ?? 0) > 0
      ? [{ key, ref, kind, line, column, valid: false, problems: [], references: [], targets: [] }]
      : [],
  );
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
  parsed: Map<string, [Entity, EntityText]>,
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
  const text = entityText(entity);
  summary.contentHash = createHash('sha1').update(text.body).digest('hex');
  // Within one file the first document wins, as resolveCatalog decides.
  const key = refKey(entityName(entity));
  if (!parsed.has(key)) parsed.set(key, [entity, text]);
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
