import type { EntityName } from '../platform/entity-ref.ts';
import type { DocumentSummary, LocationTarget, PlacedReference } from './file-summary.ts';
import type { Problem } from './model.ts';

/**
 * Keeps the document summaries a sync state holds between syncs (what resolving the catalog
 * decides from: keys, references, hashes) in as little memory as plain objects allow.
 *
 * At 50,000 entities a state holds about 250,000 references. Parsed from JSON (or sent by a
 * parse worker) each has its own target object, path array and strings: the same owner,
 * system or hub repeated thousands of times, about 150 MB in all. Here every string, target
 * and path is kept once and shared, and empty lists are one shared array, so what is held is
 * one small object per reference and per document (about 20 MB at 50,000 entities), which
 * resolution reads as it is: no decoding on the next sync.
 *
 * The shared parts are frozen: whoever reads a summary reads it only (resolution, the walk,
 * the store's writes), and a write through one would change every document sharing it.
 */
export class DocumentPool {
  private readonly strings = new Map<string, string>();
  private readonly targets = new Map<string, EntityName>();
  private readonly paths = new Map<string, PropertyKey[]>();
  /** Lists this pool made: compacting one again returns it as it is. */
  private readonly made = new WeakSet<readonly DocumentSummary[]>();

  /** The file's documents, equal to `documents`, built from shared parts. */
  compact(documents: readonly DocumentSummary[]): DocumentSummary[] {
    if (this.made.has(documents)) return documents as DocumentSummary[];
    const compact = documents.map((doc) => this.document(doc));
    this.made.add(compact);
    return compact;
  }

  /**
   * Distinct strings kept. The pool only grows (an entity renamed leaves its old name here),
   * so the state starts a new one when it has grown well past what the catalog needs.
   */
  get size(): number {
    return this.strings.size;
  }

  /** One copy of `text` for the whole state (entity keys, hashes and file paths recur across files and maps). */
  string(text: string): string {
    const kept = this.strings.get(text);
    if (kept !== undefined) return kept;
    this.strings.set(text, text);
    return text;
  }

  private document(doc: DocumentSummary): DocumentSummary {
    const compact: DocumentSummary = {
      line: doc.line,
      column: doc.column,
      valid: doc.valid,
      problems: list(doc.problems as Problem[]),
      references: list(doc.references.map((r) => this.reference(r))),
      targets: list(doc.targets as LocationTarget[]),
    };
    // Absent stays absent (not `undefined`): the summary is stored as JSON and compared as written.
    if (doc.key !== undefined) compact.key = this.string(doc.key);
    if (doc.ref !== undefined) compact.ref = this.string(doc.ref);
    if (doc.kind !== undefined) compact.kind = this.string(doc.kind);
    if (doc.contentHash !== undefined) compact.contentHash = this.string(doc.contentHash);
    return compact;
  }

  private reference(reference: PlacedReference): PlacedReference {
    return {
      relation: this.string(reference.relation),
      target: this.target(reference.target),
      path: this.path(reference.path),
      line: reference.line,
      column: reference.column,
    };
  }

  private target(target: EntityName): EntityName {
    const id = `${target.kind}\u0000${target.namespace}\u0000${target.name}`;
    let kept = this.targets.get(id);
    if (kept === undefined) {
      kept = Object.freeze({
        kind: this.string(target.kind),
        namespace: this.string(target.namespace),
        name: this.string(target.name),
      });
      this.targets.set(id, kept);
    }
    return kept;
  }

  private path(path: PropertyKey[]): PropertyKey[] {
    const id = JSON.stringify(path);
    let kept = this.paths.get(id);
    if (kept === undefined) {
      kept = Object.freeze(path.map((p) => (typeof p === 'string' ? this.string(p) : p))) as PropertyKey[];
      this.paths.set(id, kept);
    }
    return kept;
  }
}

const EMPTY: never[] = Object.freeze([]) as never[];

/** The one shared empty array for an empty list (most documents have no problems and no Location targets). */
function list<T>(items: T[]): T[] {
  return items.length === 0 ? EMPTY : items;
}
