/**
 * The fault benchmark's verdict on a run of writes: what the clients were told (the
 * Idempotency-Keys that got a 2xx) against what the database holds (rows per key). Pure,
 * so the counting itself is tested (test/write-tally.test.ts).
 */

export interface WriteTally {
  /** Distinct keys the clients sent (every logical write has one key, however many attempts). */
  sent: number;
  /** Distinct keys answered 2xx at least once (a replayed answer counts as the same write). */
  acknowledged: number;
  /** Acknowledged, but not in the database: the guarantee broken. */
  lost: number;
  /** Keys stored more than once, acknowledged or not: the guarantee broken. */
  duplicated: number;
  /** Stored keys no client sent: a stray writer, or the benchmark counting the wrong rows. */
  unexpected: number;
  /** Sent, never acknowledged (the client gave up or was refused), yet stored once: committed, its answer lost. Allowed. */
  storedUnacknowledged: number;
  /** Up to five keys of each failure, to look up in the log. */
  examples: { lost: string[]; duplicated: string[]; unexpected: string[] };
}

const EXAMPLES = 5;

export function tallyWrites(
  sent: Iterable<string>,
  acknowledged: Iterable<string>,
  stored: ReadonlyMap<string, number>,
): WriteTally {
  const acked = new Set(acknowledged);
  // An acknowledged key was sent, whatever the caller's list says.
  const keys = new Set([...sent, ...acked]);
  const lost: string[] = [];
  const duplicated: string[] = [];
  const unexpected: string[] = [];
  let storedUnacknowledged = 0;
  for (const key of keys) {
    const rows = stored.get(key) ?? 0;
    if (acked.has(key) && rows === 0) lost.push(key);
    if (!acked.has(key) && rows > 0) storedUnacknowledged++;
    if (rows > 1) duplicated.push(key);
  }
  for (const [key, rows] of stored) {
    if (keys.has(key) || rows === 0) continue;
    unexpected.push(key);
    if (rows > 1) duplicated.push(key);
  }
  return {
    sent: keys.size,
    acknowledged: acked.size,
    lost: lost.length,
    duplicated: duplicated.length,
    unexpected: unexpected.length,
    storedUnacknowledged,
    examples: {
      lost: lost.slice(0, EXAMPLES),
      duplicated: duplicated.slice(0, EXAMPLES),
      unexpected: unexpected.slice(0, EXAMPLES),
    },
  };
}
