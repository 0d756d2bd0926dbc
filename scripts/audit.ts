// `npm run audit`: the production dependencies against npm's advisories. Online, `npm audit
// --omit=dev` decides (high or critical fails); when the registry's advisory endpoint does
// not answer (no network, a mirror without it), the lockfile is checked against the
// committed snapshot security/advisories.json instead. Either way the output says which
// source it used. `--refresh` rebuilds the snapshot where the endpoint answers.
//
// Exit status: 0 nothing high or critical, 1 a high or critical advisory or a check that
// could not be trusted (a malformed lockfile or snapshot), 2 bad usage or --refresh failing.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { auditLockfile, fails, FAILING, productionPackages, SEVERITIES, type Severity } from './advisories.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LOCKFILE = `${ROOT}package-lock.json`;
const SNAPSHOT = `${ROOT}security/advisories.json`;
const BULK = 'https://registry.npmjs.org/-/npm/v1/security/advisories/bulk';
/** Long enough for a real answer, short enough that CI without a network does not wait. */
const TIMEOUT_MS = 20_000;

interface NpmAudit {
  metadata?: { vulnerabilities?: Partial<Record<Severity | 'info' | 'total', number>> };
}

/** `npm audit --omit=dev --json`'s counts, or why it did not answer. */
function npmAudit(): Promise<{ counts: Partial<Record<string, number>> } | { unavailable: string }> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['audit', '--omit=dev', '--json'],
      {
        cwd: ROOT,
        timeout: TIMEOUT_MS,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, npm_config_fetch_retries: '0' },
      },
      (error, stdout) => {
        let parsed: NpmAudit & { message?: string; statusCode?: number };
        try {
          parsed = JSON.parse(stdout) as typeof parsed;
        } catch {
          return resolve({
            unavailable: error?.killed ? `no answer in ${TIMEOUT_MS / 1000} s` : 'npm audit gave no JSON',
          });
        }
        // npm exits 1 when it finds something: that is an answer, not an outage.
        const counts = parsed.metadata?.vulnerabilities;
        if (counts) return resolve({ counts });
        resolve({ unavailable: (parsed.message ?? 'no advisory data').split('\n')[0]?.slice(0, 200) ?? '' });
      },
    );
  });
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    return { unreadable: (err as Error).message };
  }
}

async function refresh(): Promise<number> {
  const { packages, problems } = productionPackages(readJson(LOCKFILE));
  if (problems.length > 0) {
    console.error(`audit --refresh: ${problems.join('; ')}`);
    return 2;
  }
  const query: Record<string, string[]> = {};
  for (const { name, version } of packages) (query[name] ??= []).push(version);
  let body: unknown;
  try {
    const res = await fetch(BULK, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(query),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
    body = await res.json();
  } catch (err) {
    console.error(`audit --refresh: ${BULK} did not answer (${(err as Error).message}); the snapshot is unchanged`);
    return 2;
  }
  const advisories: Record<string, unknown[]> = {};
  for (const [name, list] of Object.entries(body as Record<string, unknown>))
    if (Array.isArray(list))
      advisories[name] = list.map((a: Record<string, unknown>) => ({
        id: String(a.github_advisory_id ?? a.id),
        title: String(a.title),
        severity: a.severity,
        vulnerable: a.vulnerable_versions,
        url: a.url,
      }));
  const previous = readJson(SNAPSHOT) as Record<string, unknown>;
  writeFileSync(
    SNAPSHOT,
    `${JSON.stringify({ ...previous, takenAt: new Date().toISOString().slice(0, 10), source: BULK, advisories }, null, 2)}\n`,
  );
  console.log(
    `audit --refresh: ${Object.keys(advisories).length} packages with advisories written to security/advisories.json`,
  );
  return 0;
}

async function main(args: string[]): Promise<number> {
  if (args.includes('--refresh')) return refresh();
  if (args.some((a) => a !== '--offline')) {
    console.error('Usage: npm run audit [-- --offline | --refresh]');
    return 2;
  }
  const online = args.includes('--offline') ? { unavailable: '--offline' } : await npmAudit();
  if ('counts' in online) {
    const counts = online.counts;
    const failing = FAILING.reduce((n, s) => n + (counts[s] ?? 0), 0);
    console.log(
      `audit (source: npm audit, online): ${SEVERITIES.map((s) => `${counts[s] ?? 0} ${s}`).join(', ')}${failing ? ' — run `npm audit --omit=dev` for details' : ''}`,
    );
    return failing > 0 ? 1 : 0;
  }
  const result = auditLockfile(readJson(LOCKFILE), readJson(SNAPSHOT));
  const snapshot = readJson(SNAPSHOT) as { takenAt?: unknown };
  console.log(
    `audit (source: security/advisories.json taken ${String(snapshot.takenAt ?? '?')}, offline: ${online.unavailable}): ${result.checked} production packages, ${result.findings.length} advisories`,
  );
  for (const f of result.findings)
    console.log(
      `  ${f.advisory.severity} ${f.name}@${f.version} ${f.advisory.id} ${f.advisory.title}${f.advisory.url ? ` ${f.advisory.url}` : ''}`,
    );
  for (const p of result.problems) console.log(`  problem: ${p}`);
  return fails(result) ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
