/**
 * Semantic versions for the SEMVER_* operators: parsing and precedence as semver.org 2.0.0
 * defines them, with the same acceptance as the `semver` package the Unleash Node SDK uses
 * (surrounding whitespace trimmed, an optional leading `v`, at most 256 characters, build
 * metadata ignored in comparisons).
 */

export interface Semver {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** Numeric identifiers as numbers, the rest as strings; empty for a release. */
  readonly prerelease: readonly (string | number)[];
}

const MAX_LENGTH = 256;
const NUMERIC = /^[0-9]+$/;
// Bounded by MAX_LENGTH before it runs, so the identifier alternation cannot backtrack far.
const FULL =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][a-zA-Z0-9-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][a-zA-Z0-9-]*))*))?(?:\+[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*)?$/;

/** The version `text` denotes, or undefined when it is not a valid semantic version. */
export function parseSemver(text: string): Semver | undefined {
  if (text.length > MAX_LENGTH) return undefined;
  const m = FULL.exec(text.trim());
  if (!m) return undefined;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const patch = Number(m[3]);
  if (major > Number.MAX_SAFE_INTEGER || minor > Number.MAX_SAFE_INTEGER || patch > Number.MAX_SAFE_INTEGER)
    return undefined;
  const prerelease =
    m[4] === undefined
      ? []
      : m[4].split('.').map((id) => {
          // A numeric identifier too large to be exact stays a string, as in the semver package.
          const n = NUMERIC.test(id) ? Number(id) : NaN;
          return n < Number.MAX_SAFE_INTEGER ? n : id;
        });
  return { major, minor, patch, prerelease };
}

function compareIdentifiers(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a === b ? 0 : a < b ? -1 : 1;
  const aNumeric = NUMERIC.test(String(a));
  const bNumeric = NUMERIC.test(String(b));
  if (aNumeric && bNumeric) {
    const x = Number(a);
    const y = Number(b);
    return x === y ? 0 : x < y ? -1 : 1;
  }
  if (aNumeric) return -1;
  if (bNumeric) return 1;
  return a === b ? 0 : String(a) < String(b) ? -1 : 1;
}

/** Precedence: negative when a < b, 0 when equal, positive when a > b. A prerelease sorts before its release. */
export function compareSemver(a: Semver, b: Semver): number {
  if (a.major !== b.major) return a.major < b.major ? -1 : 1;
  if (a.minor !== b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch !== b.patch) return a.patch < b.patch ? -1 : 1;
  const pa = a.prerelease;
  const pb = b.prerelease;
  if (pa.length === 0 || pb.length === 0) return pa.length === pb.length ? 0 : pa.length === 0 ? 1 : -1;
  for (let i = 0; ; i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? -1 : 1;
    if (x !== y) return compareIdentifiers(x, y);
  }
}
