import type { Problem } from './model.ts';
import type { Reference } from './relations.ts';

/**
 * What a walk of the catalog learns about each file, kept by the store between syncs so
 * the next sync can skip the files that did not change, and what resolving the catalog
 * decides from. Types only.
 */

/**
 * Size, modification and change times and inode of a file, as one string: when it is unchanged the
 * file is taken as unchanged without reading it (as make and git do). A replaced file or
 * a re-pointed symbolic link changes the inode.
 */
export type Stamp = string;

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
  /** As the kind's definition spells it (a core kind or a registered one). */
  kind?: string;
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
  /** The URL map the file was parsed under (its fingerprint; absent without one). */
  urls?: string;
  /** Documents of other tools left out because the file was found by scanning: count per apiVersion. */
  skipped?: Record<string, number>;
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
