/** How often a subject's cards render afresh with nothing moved here: what another replica recorded shows within this. */
export const SHOWN_REFRESH_MS = 60_000;

/**
 * Versions of what each subject's cards show (a check's page, a service's Checks or Jobs
 * card), for the portal's page cache: a key's version moves when this process recorded
 * something its cards show (`moved`), and once every `refreshMs` for what it cannot see
 * here (another replica's writes, data that only ages). Each key's refresh falls at its own
 * moment of the interval (a hash of the key), so the pages of ten thousand subjects do not
 * all render afresh in the same second.
 */
export class ShownVersions {
  private readonly moves = new Map<string, number>();
  private count = 0;
  /** Each known key's moment in the interval; computed when keys are set, since `version` runs on the page cache's fast path. */
  private phases: ReadonlyMap<string, number> = new Map();

  constructor(
    /** The clock, in milliseconds. */
    private readonly now: () => number,
    readonly refreshMs: number,
  ) {}

  /** The keys whose refreshes are spread (the subjects read from the catalog); any other key refreshes at the interval's start. */
  setKeys(keys: Iterable<string>): void {
    const phases = new Map<string, number>();
    for (const key of keys) phases.set(key, phaseOf(key, this.refreshMs));
    this.phases = phases;
  }

  /** The version of `key`'s cards: its last move here and its refresh. */
  version(key: string): string {
    const phase = this.phases.get(key) ?? 0;
    return `${this.moves.get(key) ?? 0}.${Math.floor((this.now() + phase) / this.refreshMs)}`;
  }

  /**
   * Moves whenever a version moved here. Not with a refresh: a render that straddles its
   * page's refresh is kept under the new key, one refresh late at worst.
   */
  moment(): string {
    return String(this.count);
  }

  /** What `keys` show moved here. */
  moved(...keys: string[]): void {
    this.count++;
    for (const key of keys) this.moves.set(key, this.count);
  }
}

/** FNV-1a of the key, within the interval: the same moment for a key on every replica. */
function phaseOf(key: string, intervalMs: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % intervalMs;
}
