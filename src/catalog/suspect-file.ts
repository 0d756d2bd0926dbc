import type { DocumentSummary } from './file-summary.ts';

/**
 * Whether a file that parsed may still not be the file its author meant: emptied, or cut
 * short by a save caught half-way (editors truncate then write; a copy may stop anywhere).
 * Removing an entity needs a file that says so, so a suspect file is treated like an
 * unreadable one: its last good entities stay, stale, until it looks whole again.
 *
 * The rule, as the user guide states it (section 6.2):
 * - empty or whitespace-only: suspect when something names the file (the root, a
 *   Location) or it held documents last time; a file found by scanning a directory that
 *   never held a descriptor is simply not a descriptor;
 * - truncated: it lost an entity its last good version had, and it does not end as a
 *   whole file does — it ends without a line break, or right after a `---` separator, or
 *   its last document is not a valid entity.
 * A cut exactly at the end of a document, before the next separator, leaves a whole
 * file: that is indistinguishable from deleting the rest, and is taken as such.
 */

export interface Suspicion {
  code: 'file-empty' | 'file-truncated';
  message: string;
  hint: string;
}

export function suspectFile(
  path: string,
  text: string,
  documents: readonly DocumentSummary[],
  before: readonly DocumentSummary[],
  named: boolean,
): Suspicion | undefined {
  if (text.trim() === '') {
    if (!named && before.length === 0) return undefined;
    return {
      code: 'file-empty',
      message: `${path} is empty`,
      hint:
        before.length > 0
          ? 'Its entities are kept (stale) in case a save is under way. To remove them, delete the file or its documents, or stop naming it.'
          : 'Write the descriptor, or stop naming this file.',
    };
  }
  const now = new Set(documents.flatMap((d) => (d.key ? [d.key] : [])));
  const lost = before.flatMap((d) => (d.key && d.ref && !now.has(d.key) ? [d.ref] : []));
  if (lost.length === 0) return undefined;
  const last = documents.at(-1);
  // A file left with only comments ends whole too: the cut (if any) fell at a line end, as an edit would.
  const endsWhole = /\n$/.test(text) && !endsWithSeparator(text) && (last === undefined || last.valid);
  if (endsWhole) return undefined;
  return {
    code: 'file-truncated',
    message: `${path} looks cut short: it no longer holds ${lost.join(', ')} and does not end as a whole file does`,
    hint: 'Its entities are kept (stale) in case a save is under way. To remove a document, remove it with its `---` separator and end the file with a line break.',
  };
}

/** The last line that is not blank is a document separator (`---`, perhaps with a comment). */
function endsWithSeparator(text: string): boolean {
  const lines = text.trimEnd().split('\n');
  return /^---\s*(#.*)?$/.test((lines.at(-1) ?? '').trimEnd());
}
