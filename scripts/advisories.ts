/**
 * The offline half of `npm run audit`: which packages a lockfile installs for production,
 * and which of them a committed advisory snapshot (security/advisories.json) says are
 * vulnerable. Pure: the script (audit.ts) reads the files and asks the network.
 *
 * Both files are input, not trusted: a lockfile or a snapshot that is not what it should
 * be is a finding of its own (a problem), never a silent pass.
 *
 * @example
 * const { findings, problems } = auditLockfile(JSON.parse(lock), JSON.parse(snapshot));
 */

export const SEVERITIES = ['low', 'moderate', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
/** `npm audit --audit-level=high`: these fail the check, the others are reported. */
export const FAILING: readonly Severity[] = ['high', 'critical'];

export interface Advisory {
  id: string;
  severity: Severity;
  /** npm's range syntax, as the registry's advisories give it: `<1.2.3`, `>=2.0.0 <2.1.4 || >=3.0.0 <3.0.2`. */
  vulnerable: string;
  title: string;
  url?: string;
}

export interface Snapshot {
  takenAt: string;
  advisories: Map<string, Advisory[]>;
}

export interface Finding {
  name: string;
  version: string;
  advisory: Advisory;
}

export interface AuditResult {
  /** Installed production packages the snapshot lists as vulnerable. */
  findings: Finding[];
  /** What made the check unreliable (a malformed lockfile entry or advisory): fails it too. */
  problems: string[];
  /** How many production packages were checked. */
  checked: number;
}

/** Names as npm allows them (scoped or not), bounded. */
const PACKAGE_NAME = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;
const VERSION = /^(\d{1,9})\.(\d{1,9})\.(\d{1,9})(?:-([0-9A-Za-z.-]{1,64}))?(?:\+[0-9A-Za-z.-]{1,64})?$/;
const COMPARATOR = /^(<=|>=|<|>|=)?v?(\d{1,9})(?:\.(\d{1,9}))?(?:\.(\d{1,9}))?(?:-([0-9A-Za-z.-]{1,64}))?$/;
const MAX_RANGE = 1024;
const MAX_ENTRIES = 100_000;

type Parsed = [number, number, number, string | undefined];

function parseVersion(text: string): Parsed | undefined {
  const m = VERSION.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4]] : undefined;
}

/** Semver precedence, prerelease identifiers included (numeric ones numerically). */
function compare(a: Parsed, b: Parsed): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] as number) < (b[i] as number) ? -1 : 1;
  if (a[3] === b[3]) return 0;
  if (a[3] === undefined) return 1;
  if (b[3] === undefined) return -1;
  const x = a[3].split('.');
  const y = b[3].split('.');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p === q) continue;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn) return Number(p) < Number(q) ? -1 : 1;
    if (pn !== qn) return pn ? -1 : 1;
    return p < q ? -1 : 1;
  }
  return 0;
}

/**
 * Whether `version` is in `range` (comparators joined by spaces, alternatives by `||`,
 * `*` for every version). Undefined when the range is not one this reads: the caller
 * reports it, since guessing either way is wrong. A prerelease matches as its precedence
 * says (stricter than npm, which would skip it: a snapshot check should over-report).
 */
export function inRange(version: string, range: string): boolean | undefined {
  const v = parseVersion(version);
  if (!v || range.length > MAX_RANGE) return undefined;
  const alternatives = range.split('||').map((a) => a.trim());
  let any = false;
  for (const alternative of alternatives) {
    if (alternative === '*' || alternative === '') {
      if (alternative === '') return undefined;
      any = true;
      continue;
    }
    let all = true;
    for (const part of alternative.split(/\s+/)) {
      const m = COMPARATOR.exec(part);
      // `=1.2` would mean every 1.2.x: only full versions are exact.
      if (!m || ((m[1] ?? '=') === '=' && m[4] === undefined)) return undefined;
      const bound: Parsed = [Number(m[2]), Number(m[3] ?? 0), Number(m[4] ?? 0), m[5]];
      const c = compare(v, bound);
      const op = m[1] ?? '=';
      const holds = op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : op === '>=' ? c >= 0 : c === 0;
      if (!holds) all = false;
    }
    if (all) any = true;
  }
  return any;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The snapshot, checked; its problems instead when it is not one. */
export function parseSnapshot(raw: unknown): { snapshot?: Snapshot; problems: string[] } {
  if (!isRecord(raw)) return { problems: ['the advisory snapshot is not a JSON object'] };
  const problems: string[] = [];
  const takenAt = typeof raw.takenAt === 'string' && /^\d{4}-\d{2}-\d{2}/.test(raw.takenAt) ? raw.takenAt : undefined;
  if (!takenAt) problems.push('the advisory snapshot has no takenAt date (YYYY-MM-DD)');
  if (!isRecord(raw.advisories)) return { problems: [...problems, 'the advisory snapshot has no advisories object'] };
  const advisories = new Map<string, Advisory[]>();
  const entries = Object.entries(raw.advisories);
  if (entries.length > MAX_ENTRIES) return { problems: [...problems, 'the advisory snapshot is too large'] };
  for (const [name, list] of entries) {
    if (!PACKAGE_NAME.test(name) || !Array.isArray(list)) {
      problems.push(`advisories: ${JSON.stringify(name.slice(0, 100))} is not a package name with a list`);
      continue;
    }
    const kept: Advisory[] = [];
    list.forEach((a, i) => {
      const ok =
        isRecord(a) &&
        typeof a.id === 'string' &&
        typeof a.title === 'string' &&
        typeof a.vulnerable === 'string' &&
        (SEVERITIES as readonly unknown[]).includes(a.severity) &&
        inRange('0.0.0', a.vulnerable) !== undefined;
      if (!ok)
        problems.push(
          `advisories.${name}[${i}]: needs id, title, severity (${SEVERITIES.join(', ')}) and a readable vulnerable range`,
        );
      else
        kept.push({
          id: a.id as string,
          title: a.title as string,
          severity: a.severity as Severity,
          vulnerable: a.vulnerable as string,
          ...(typeof a.url === 'string' ? { url: a.url } : {}),
        });
    });
    advisories.set(name, kept);
  }
  return { snapshot: takenAt ? { takenAt, advisories } : undefined, problems };
}

/** The packages a lockfile (v2 or v3) installs for production: `npm audit --omit=dev`'s set. */
export function productionPackages(raw: unknown): {
  packages: { name: string; version: string }[];
  problems: string[];
} {
  if (!isRecord(raw) || !isRecord(raw.packages))
    return { packages: [], problems: ['package-lock.json has no packages object (lockfileVersion 2 or 3 is needed)'] };
  const packages: { name: string; version: string }[] = [];
  const problems: string[] = [];
  for (const [path, entry] of Object.entries(raw.packages)) {
    if (path === '' || !isRecord(entry) || entry.dev === true || entry.link === true) continue;
    const at = path.lastIndexOf('node_modules/');
    const name = typeof entry.name === 'string' ? entry.name : at === -1 ? '' : path.slice(at + 'node_modules/'.length);
    const version = entry.version;
    if (!PACKAGE_NAME.test(name) || typeof version !== 'string' || !parseVersion(version)) {
      problems.push(`package-lock.json: ${JSON.stringify(path.slice(0, 200))} has no readable name and version`);
      continue;
    }
    packages.push({ name, version });
  }
  return { packages, problems };
}

/** The lockfile's production packages against the snapshot. */
export function auditLockfile(lockfile: unknown, snapshot: unknown): AuditResult {
  const installed = productionPackages(lockfile);
  const parsed = parseSnapshot(snapshot);
  const findings: Finding[] = [];
  for (const { name, version } of installed.packages)
    for (const advisory of parsed.snapshot?.advisories.get(name) ?? [])
      if (inRange(version, advisory.vulnerable)) findings.push({ name, version, advisory });
  return { findings, problems: [...parsed.problems, ...installed.problems], checked: installed.packages.length };
}

/** Whether the check fails: a high or critical finding, or anything that made it unreliable. */
export function fails(result: AuditResult): boolean {
  return result.problems.length > 0 || result.findings.some((f) => FAILING.includes(f.advisory.severity));
}
