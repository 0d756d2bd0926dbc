import type { ExternalRefs } from '../platform/external-refs.ts';
import type { FileSummary, PlacedReference } from './file-summary.ts';
import { formatRef, refKey, type Problem, type Referrer } from './model.ts';
import { danglingReferences } from './relations.ts';

/**
 * Decides which document provides each entity, given every file a walk reached: the
 * first valid claim in walk order wins and later ones are duplicates; a document that is
 * now invalid (or a file that is now unreadable) keeps its last good entity, marked stale.
 * Then finds references that point at nothing. Pure: the caller supplies what is stored.
 */

export interface Claim {
  key: string;
  ref: string;
  kind: string;
  file: string;
  line: number;
  column: number;
  /** The stored version is kept because the current one is invalid or unreadable. */
  stale: boolean;
  contentHash?: string;
  references: PlacedReference[];
}

/** What the store holds for an entity: which file it came from. */
export interface StoredEntity {
  file: string;
  contentHash: string;
}

export interface Resolution {
  claims: Map<string, Claim>;
  problems: Problem[];
  /** Missing entities that catalog.externalRefs says live elsewhere: no problem, but worth listing. */
  external: MissingTarget[];
}

/** Names one document of a file, for the walk to leave it out (a kind the catalog's rules do not allow). */
export function documentKey(file: string, index: number): string {
  return `${file}\u0000#${index}`;
}

/** An entity that is not in the catalog, and every entity that refers to it. */
export interface MissingTarget {
  target: string;
  referrers: Referrer[];
}

const NO_EXTERNAL_REFS: ExternalRefs = { matches: () => false };

export function resolveCatalog(
  files: readonly FileSummary[],
  walkProblems: readonly Problem[],
  stored: ReadonlyMap<string, StoredEntity>,
  /** Documents left out (by `documentKey`): neither their entities nor their problems count. */
  excluded: ReadonlySet<string> = new Set(),
  externalRefs: ExternalRefs = NO_EXTERNAL_REFS,
): Resolution {
  const claims = new Map<string, Claim>();
  const problems: Problem[] = [...walkProblems];

  for (const file of files) {
    problems.push(...file.problems);
    for (const [index, doc] of file.documents.entries()) {
      if (excluded.size > 0 && excluded.has(documentKey(file.path, index))) continue;
      if (!file.broken) problems.push(...doc.problems);
      if (!doc.key || !doc.ref || !doc.kind) continue;
      const previous = stored.get(doc.key);
      const keepsLastGood = file.broken || !doc.valid;
      if (keepsLastGood && previous?.file !== file.path) continue;
      const existing = claims.get(doc.key);
      // A stale last-good copy is no valid claim: a valid definition later in the walk replaces it.
      if (existing && !(existing.stale && !keepsLastGood)) {
        if (doc.valid && !file.broken) {
          problems.push({
            severity: 'error',
            code: 'duplicate-entity',
            message: `${doc.ref} is already defined in ${existing.file}:${existing.line}`,
            hint: 'Names are unique per kind and namespace, ignoring case: rename one of them or delete the copy.',
            file: file.path,
            line: doc.line,
            column: doc.column,
            entityRef: doc.ref,
          });
        }
        continue;
      }
      claims.set(doc.key, {
        key: doc.key,
        ref: doc.ref,
        kind: doc.kind,
        file: file.path,
        line: doc.line,
        column: doc.column,
        stale: keepsLastGood,
        contentHash: keepsLastGood ? previous?.contentHash : doc.contentHash,
        references: keepsLastGood ? [] : doc.references,
      });
    }
  }

  const missing = missingTargets(claims);
  const external = missing.filter((m) => externalRefs.matches(m.target));
  for (const m of missing) if (!externalRefs.matches(m.target)) problems.push(danglingProblem(m));
  problems.sort(compareProblems);
  return { claims, problems, external };
}

/**
 * The targets no claim provides, each with the entities that refer to it in file order
 * (an entity once, at its first reference): a directory's group named by 33 owners is one
 * finding, not 33.
 */
function missingTargets(claims: ReadonlyMap<string, Claim>): MissingTarget[] {
  const existing = new Set(claims.keys());
  const byTarget = new Map<string, MissingTarget>();
  for (const claim of claims.values()) {
    for (const reference of danglingReferences(claim.references, existing)) {
      // The field, without the index in its list: spec.dependsOn, spec.layers.0.participants.
      const path = reference.path;
      const key = refKey(reference.target);
      let found = byTarget.get(key);
      if (!found) byTarget.set(key, (found = { target: formatRef(reference.target), referrers: [] }));
      found.referrers.push({
        entityRef: claim.ref,
        field: (typeof path.at(-1) === 'number' ? path.slice(0, -1) : path).join('.'),
        file: claim.file,
        line: reference.line,
        column: reference.column,
      });
    }
  }
  const missing = [...byTarget.values()];
  for (const m of missing) {
    m.referrers.sort(compareProblems);
    const seen = new Set<string>();
    m.referrers = m.referrers.filter((r) => !seen.has(r.entityRef) && seen.add(r.entityRef));
  }
  return missing.sort((a, b) => compareProblems(a.referrers[0] as Referrer, b.referrers[0] as Referrer));
}

function danglingProblem({ target, referrers }: MissingTarget): Problem {
  const first = referrers[0] as Referrer;
  return {
    severity: 'warning',
    code: 'dangling-reference',
    message:
      referrers.length === 1
        ? `${first.field} refers to ${target}, which is not in the catalog`
        : `${target} is not in the catalog; ${referrers.length} entities refer to it`,
    hint: 'Add that entity to the catalog or correct the reference; if it lives elsewhere (groups and users from a directory), list it in catalog.externalRefs. The relation is kept but leads nowhere until then.',
    file: first.file,
    line: first.line,
    column: first.column,
    entityRef: first.entityRef,
    target,
    referrers,
    count: referrers.length,
  };
}

/** File order: by file, line, column, then code (a referrer has none). */
export function compareProblems(
  a: Pick<Problem, 'file' | 'line' | 'column'> & { code?: string },
  b: Pick<Problem, 'file' | 'line' | 'column'> & { code?: string },
): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  const ac = a.code ?? '';
  const bc = b.code ?? '';
  return a.line - b.line || a.column - b.column || (ac < bc ? -1 : ac > bc ? 1 : 0);
}
