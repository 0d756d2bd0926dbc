import type { ChangeInput, DeploymentInput, SwitchInput } from '../changes/model.ts';
import { chance, createRng, exponential, intBetween, pick, type Rng } from '../platform/prng.ts';

/**
 * Ninety days of believable deploy history for the demo organisation, as a pure function
 * of the services, their teams and an end time: the same inputs always give the same
 * history. Teams differ on purpose (some elite, some struggling) so the delivery pages
 * tell a story on first run.
 */

export type Profile = 'elite' | 'high' | 'medium' | 'struggling';

interface Shape {
  /** Mean production deployments per working day. */
  perDay: number;
  /** Hours from commit to production: [min, max]. */
  leadHours: [number, number];
  commits: [number, number];
  failureRate: number;
  /** Hours from a failure to the fix: [min, max]. */
  recoveryHours: [number, number];
}

const SHAPES: Record<Profile, Shape> = {
  elite: { perDay: 1.6, leadHours: [0.5, 8], commits: [1, 3], failureRate: 0.04, recoveryHours: [0.2, 0.9] },
  high: { perDay: 0.5, leadHours: [12, 96], commits: [2, 6], failureRate: 0.09, recoveryHours: [1, 12] },
  medium: { perDay: 0.2, leadHours: [72, 400], commits: [4, 12], failureRate: 0.14, recoveryHours: [20, 100] },
  struggling: { perDay: 0.08, leadHours: [300, 900], commits: [8, 25], failureRate: 0.35, recoveryHours: [48, 200] },
};

/** The demo's teams and how they deliver; any other team is `high`. */
const TEAM_PROFILES: Record<string, Profile> = {
  'group:default/checkout': 'elite',
  'group:default/streaming-platform': 'elite',
  'group:default/platform-core': 'high',
  'group:default/billing': 'high',
  'group:default/customer-identity': 'high',
  'group:default/tracking': 'medium',
  'group:default/dispatch-routing': 'medium',
  'group:default/driver-experience': 'struggling',
  'group:default/warehouse-systems': 'struggling',
};

export interface DemoService {
  ref: string;
  /** The owner's key, e.g. group:default/checkout. */
  owner: string | null;
}

export interface DemoHistory {
  deployments: DeploymentInput[];
  switches: SwitchInput[];
  changes: ChangeInput[];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A 32-bit seed from a name and a base seed (FNV-1a style), so each service or SLO draws its own sequence. */
export function hashSeed(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

const between = (rng: Rng, [min, max]: [number, number]) => min + rng() * (max - min);
const iso = (ms: number) => new Date(ms).toISOString();
const hex = (rng: Rng) => Array.from({ length: 40 }, () => '0123456789abcdef'[Math.floor(rng() * 16)]).join('');

const CONFIG_CHANGES = [
  'Raised the connection pool to 40',
  'Lowered the request timeout to 2 s',
  'Turned on response compression',
  'Rotated the database credentials',
  'Doubled the worker count for the sale',
  'Moved the cache TTL to 10 minutes',
];
const INFRA_CHANGES = [
  'Moved to the new Kubernetes node pool',
  'Upgraded PostgreSQL to 16.4',
  'Added a read replica',
  'Resized the queue cluster',
];

/** The history of one service: production and staging deployments, blue/green switches, some other changes. */
function serviceHistory(service: DemoService, profile: Profile, end: number, days: number, out: DemoHistory): void {
  const rng = createRng(hashSeed(service.ref, 7400));
  const shape = SHAPES[profile];
  const blueGreen = profile !== 'struggling' && chance(rng, 0.35);
  const strategy = blueGreen ? 'blue-green' : pick(rng, ['rolling', 'canary', 'rolling'] as const);
  let live: 'blue' | 'green' = 'blue';
  let version = [intBetween(rng, 1, 4), intBetween(rng, 0, 30), 0];
  let time = end - days * DAY + exponential(rng, shape.perDay / DAY);
  let broken = false;
  while (time < end - HOUR) {
    const weekday = new Date(time).getUTCDay();
    // Weekends are quiet: most work waits for Monday.
    if ((weekday === 0 || weekday === 6) && !broken && chance(rng, 0.85)) {
      time += DAY;
      continue;
    }
    version = broken
      ? [version[0] as number, version[1] as number, (version[2] as number) + 1]
      : chance(rng, 0.1)
        ? [(version[0] as number) + 1, 0, 0]
        : [version[0] as number, (version[1] as number) + 1, 0];
    const name = version.join('.');
    const leadMs = between(rng, shape.leadHours) * HOUR;
    const commits = Array.from({ length: intBetween(rng, shape.commits[0], shape.commits[1]) }, () => ({
      sha: hex(rng),
      committedAt: iso(time - leadMs * (0.3 + 0.7 * rng())),
    }));
    const duration = intBetween(rng, 3, 25) * 60_000;
    const failed = !broken && chance(rng, shape.failureRate);
    const slot: 'blue' | 'green' | undefined = blueGreen ? (live === 'blue' ? 'green' : 'blue') : undefined;
    out.deployments.push({
      service: service.ref,
      environment: 'staging',
      version: name,
      status: 'succeeded',
      startedAt: iso(time - 2 * HOUR - duration),
      finishedAt: iso(time - 2 * HOUR),
      commits,
      strategy: 'rolling',
      actor: 'ci',
    });
    out.deployments.push({
      service: service.ref,
      environment: 'production',
      version: name,
      status: failed ? pick(rng, ['failed', 'rolled_back'] as const) : 'succeeded',
      startedAt: iso(time - duration),
      finishedAt: iso(time),
      commits,
      strategy,
      ...(slot ? { slot } : {}),
      url: `https://ci.acme.example/${service.ref.split('/')[1]}/runs/${Math.floor(time / 60_000)}`,
      actor: pick(rng, ['ci', 'ci', 'ci', 'release-bot']),
    });
    if (slot && !failed) {
      live = slot;
      out.switches.push({
        service: service.ref,
        environment: 'production',
        slot,
        at: iso(time + intBetween(rng, 5, 30) * 60_000),
        actor: 'release-bot',
        reason: 'health checks green',
      });
    }
    if (failed) {
      broken = true;
      time += between(rng, shape.recoveryHours) * HOUR;
      continue;
    }
    broken = false;
    if (chance(rng, 0.06))
      out.changes.push({
        service: service.ref,
        kind: 'config',
        summary: pick(rng, CONFIG_CHANGES),
        at: iso(time + 3 * HOUR),
        environment: 'production',
        actor: 'ops',
      });
    if (chance(rng, 0.02))
      out.changes.push({
        service: service.ref,
        kind: pick(rng, ['infrastructure', 'migration'] as const),
        summary: pick(rng, INFRA_CHANGES),
        at: iso(time + 5 * HOUR),
        environment: 'production',
        actor: 'platform',
      });
    time += Math.max(HOUR, exponential(rng, shape.perDay / DAY));
  }
}

/**
 * The demo's deploy history up to `end`, over `days`. Pure and deterministic: the same
 * services, end and days give the same history.
 */
export function demoHistory(services: readonly DemoService[], end: Date, days = 90): DemoHistory {
  const out: DemoHistory = { deployments: [], switches: [], changes: [] };
  for (const service of [...services].sort((a, b) => (a.ref < b.ref ? -1 : 1))) {
    serviceHistory(service, profileOf(service.owner), end.getTime(), days, out);
  }
  return out;
}

/** How a team delivers in the demo. */
export function profileOf(owner: string | null): Profile {
  return (owner && TEAM_PROFILES[owner]) || 'high';
}
