import type { FileSummary, PlacedReference } from './file-summary.ts';
import { formatRef, type Problem } from './model.ts';
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
}

/** Names one document of a file, for the walk to leave it out (a kind the catalog's rules do not allow). */
export function documentKey(file: string, index: number): string {
  return `${file}\u0000#${index}`;
}

export function resolveCatalog(
  files: readonly FileSummary[],
  walkProblems: readonly Problem[],
  stored: ReadonlyMap<string, StoredEntity>,
  /** Documents left out (by `documentKey`): neither their entities nor their problems count. */
  excluded: ReadonlySet<string> = new Set(),
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

  const existing = new Set(claims.keys());
  for (const claim of claims.values()) {
    for (const reference of danglingReferences(claim.references, existing)) {
      // The field, without the index in its list: spec.dependsOn, spec.layers.0.participants.
      const path = reference.path;
      const field = (typeof path.at(-1) === 'number' ? path.slice(0, -1) : path).join('.');
      problems.push({
        severity: 'warning',
        code: 'dangling-reference',
        message: `${field} refers to ${formatRef(reference.target)}, which is not in the catalog`,
        hint: 'Add that entity to the catalog or correct the reference; the relation is kept but leads nowhere until then.',
        file: claim.file,
        line: reference.line,
        column: reference.column,
        entityRef: claim.ref,
      });
    }
  }
  problems.sort(compareProblems);
  return { claims, problems };
}

export function compareProblems(a: Problem, b: Problem): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}
