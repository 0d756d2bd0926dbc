import { AtriumError } from '../platform/errors.ts';
import type { DoraDeployment, DoraIncident, DoraWarning, DoraWindow } from './model.ts';

/**
 * The one pass over deployment history that every DORA number comes from: which
 * production deployments finished in the window, which commits they were first to ship,
 * which failure episodes started in it and when each recovered, and what in the data looks
 * wrong. The report (dora.ts) and the weekly series (series.ts) both summarise these facts,
 * so the rules live here once.
 */

export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;
const MAX_EXAMPLES = 5;

export interface DoraFacts {
  window: DoraWindow;
  /**
   * Production deployments finishing in the window, in finishing order: `failed` by their
   * status, `incident` when they succeeded but an incident is linked to them (a change
   * failure all the same).
   */
  deployments: { finishedAt: number; failed: boolean; incident: boolean }[];
  /** One per commit first shipped to production in the window, in finishing order. */
  leadTimes: { finishedAt: number; ms: number }[];
  /**
   * Failure episodes whose first failure finished in the window. recoveredAt is the
   * finish of the next successful deployment of the same service and environment, or
   * null when none finished before the window's end.
   */
  episodes: { startedAt: number; recoveredAt: number | null; incident: boolean }[];
  warnings: DoraWarning[];
}

/** Rejects a window no rate can be computed over (empty, inverted or not a number). */
export function checkWindow(window: DoraWindow): void {
  if (!Number.isFinite(window.from) || !Number.isFinite(window.to) || window.to <= window.from) {
    throw new AtriumError({
      category: 'user-fixable',
      code: 'invalid-dora-window',
      message: `The DORA window [${window.from}, ${window.to}) is empty or not a time range`,
      hint: 'Give a window whose end is later than its start, both as epoch milliseconds.',
      details: { from: window.from, to: window.to },
    });
  }
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const successRank = (d: DoraDeployment): number => (d.status === 'succeeded' ? 1 : 0);

/**
 * Finishing order. On a tie a failure comes before a success: a tool that records a
 * rollback and the redeploy that fixes it with one timestamp means "failed, then
 * recovered", not a success followed by an episode that stays open. Service and
 * environment last, so the order (and so the warning examples) never depends on the
 * order the store returned.
 */
function byFinish(a: DoraDeployment, b: DoraDeployment): number {
  return (
    a.finishedAt - b.finishedAt ||
    a.startedAt - b.startedAt ||
    successRank(a) - successRank(b) ||
    compareText(a.service, b.service) ||
    compareText(a.environment, b.environment)
  );
}

/** The store usually returns history in finishing order already; checking is O(n), sorting is not. */
function inOrder(list: readonly DoraDeployment[]): boolean {
  for (let i = 1; i < list.length; i++)
    if (byFinish(list[i - 1] as DoraDeployment, list[i] as DoraDeployment) > 0) return false;
  return true;
}

function iso(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

/** A count with its first few examples; the example text is only built for those kept. */
function tally() {
  const state = { count: 0, examples: [] as string[] };
  return {
    state,
    add(example: () => string): void {
      state.count++;
      if (state.examples.length < MAX_EXAMPLES) state.examples.push(example());
    },
  };
}

const plural = (count: number, one: string, many: string): string => `${count} ${count === 1 ? one : many}`;
const at = (d: DoraDeployment) => (): string => `${d.service} at ${iso(d.finishedAt)}`;

/**
 * Collects the facts of a window from history. `history` is every deployment of the
 * scope that finished before `window.to` (earlier history decides which commits were
 * already shipped); deployments finishing at or after `to` are ignored, so the same list
 * serves the previous window too. Only environments named in `productionEnvironments`
 * (exact match) count.
 */
export function collectDoraFacts(
  history: readonly DoraDeployment[],
  window: DoraWindow,
  productionEnvironments: readonly string[],
  incidents: readonly DoraIncident[] = [],
): DoraFacts {
  checkWindow(window);
  const { from, to } = window;
  const production = new Set(productionEnvironments);
  const relevant: DoraDeployment[] = [];
  const otherEnvironments = new Map<string, number>();
  for (const d of history) {
    // Written as a negation so a NaN finish, which no order could place, is dropped too.
    if (!(d.finishedAt < to)) continue;
    if (production.has(d.environment)) relevant.push(d);
    else if (d.finishedAt >= from)
      otherEnvironments.set(d.environment, (otherEnvironments.get(d.environment) ?? 0) + 1);
  }
  if (!inOrder(relevant)) relevant.sort(byFinish);

  const facts: DoraFacts = { window: { from, to }, deployments: [], leadTimes: [], episodes: [], warnings: [] };
  /** Per service, the commits already shipped to production: a commit counts once, at its first successful deployment. */
  const shipped = new Map<string, Set<string>>();
  /** Per service and environment, the finish of the first failure of the episode still open. */
  const failingSince = new Map<string, Map<string, number>>();
  const withoutCommits = tally();
  const backwards = tally();
  const commitAfterDeploy = tally();
  /** Per linked deployment (service and finish), when its incidents were resolved: null while one is open. */
  const linked = new Map<string, number | null>();
  for (const i of incidents) {
    const key = `${i.service}@${i.deployedAt}`;
    const known = linked.get(key);
    linked.set(key, known === null || i.resolvedAt === null ? null : Math.max(known ?? 0, i.resolvedAt));
  }

  for (const d of relevant) {
    const inWindow = d.finishedAt >= from;
    const failed = d.status !== 'succeeded';
    const key = `${d.service}@${d.finishedAt}`;
    // A failed deployment's own episode covers it already; an incident makes a success a failure.
    const incident = !failed && linked.has(key);
    if (inWindow) {
      facts.deployments.push({ finishedAt: d.finishedAt, failed, incident });
      if (incident) {
        const resolvedAt = linked.get(key) ?? null;
        facts.episodes.push({
          startedAt: d.finishedAt,
          recoveredAt: resolvedAt !== null && resolvedAt < to ? resolvedAt : null,
          incident: true,
        });
      }
      if (d.commits.length === 0) withoutCommits.add(at(d));
      if (d.finishedAt < d.startedAt) backwards.add(at(d));
    }

    let episodes = failingSince.get(d.service);
    const since = episodes?.get(d.environment);
    if (failed) {
      if (since === undefined) {
        if (!episodes) failingSince.set(d.service, (episodes = new Map()));
        episodes.set(d.environment, d.finishedAt);
      }
      continue;
    }
    if (since !== undefined) {
      episodes?.delete(d.environment);
      if (since >= from) facts.episodes.push({ startedAt: since, recoveredAt: d.finishedAt, incident: false });
    }

    let shas = shipped.get(d.service);
    if (!shas) shipped.set(d.service, (shas = new Set()));
    for (const commit of d.commits) {
      // add() and a size check is one hash lookup where has() then add() is two: this loop is the pass's hot spot.
      const known = shas.size;
      shas.add(commit.sha);
      if (shas.size === known || !inWindow) continue;
      if (commit.committedAt > d.finishedAt)
        commitAfterDeploy.add(() => `${d.service} ${commit.sha.slice(0, 12)} at ${iso(d.finishedAt)}`);
      else facts.leadTimes.push({ finishedAt: d.finishedAt, ms: d.finishedAt - commit.committedAt });
    }
  }
  for (const episodes of failingSince.values()) {
    for (const since of episodes.values())
      if (since >= from) facts.episodes.push({ startedAt: since, recoveredAt: null, incident: false });
  }

  const names = productionEnvironments.map((name) => `"${name}"`).join(', ');
  if (facts.deployments.length === 0) {
    facts.warnings.push({
      code: 'no-production-deployments',
      message:
        productionEnvironments.length === 0
          ? 'No production environments are configured, so no deployment counts towards these metrics.'
          : `No deployment to a production environment (${names}) finished in this window. Check that these are the environment names your deployment tool reports.`,
      count: 0,
      examples: [],
    });
    if (otherEnvironments.size > 0) {
      // Most used first: the likeliest candidate for a misnamed production environment.
      const seen = [...otherEnvironments].sort(([a, m], [b, n]) => n - m || compareText(a, b));
      const total = seen.reduce((sum, [, n]) => sum + n, 0);
      facts.warnings.push({
        code: 'non-production-only',
        message: `${plural(total, 'deployment', 'deployments')} in this window went only to environments not counted as production. If one of them is production, add its name to the production environments.`,
        count: total,
        examples: seen.slice(0, MAX_EXAMPLES).map(([name, n]) => `${name} (${plural(n, 'deployment', 'deployments')})`),
      });
    }
  }
  const add = (code: DoraWarning['code'], t: ReturnType<typeof tally>, message: (count: number) => string) => {
    if (t.state.count > 0)
      facts.warnings.push({ code, message: message(t.state.count), count: t.state.count, examples: t.state.examples });
  };
  add(
    'deploys-without-commits',
    withoutCommits,
    (n) =>
      `${plural(n, 'production deployment lists', 'production deployments list')} no commits, so lead time for changes cannot see what was shipped.`,
  );
  add(
    'finished-before-started',
    backwards,
    (n) =>
      `${plural(n, 'production deployment finished', 'production deployments finished')} before it started: a clock or the deployment tool's timestamps are wrong.`,
  );
  add(
    'commit-after-deploy',
    commitAfterDeploy,
    (n) =>
      `${plural(n, 'commit has a commit time', 'commits have a commit time')} later than the deployment that first shipped it (clock skew or rewritten history); lead time for changes leaves them out.`,
  );
  return facts;
}

/**
 * The facts of a part of the window, for a series: exactly the facts collectDoraFacts
 * would give for that part (the episodes' recoveries are absolute times, so a recovery
 * after the part's end reads as unrecovered), without the warnings, which belong to the
 * whole window. Outside the window there are no facts to slice, so that is a bug.
 */
export function sliceFacts(facts: DoraFacts, part: DoraWindow): DoraFacts {
  checkWindow(part);
  if (part.from < facts.window.from || part.to > facts.window.to) {
    throw new AtriumError({
      category: 'fatal',
      code: 'dora-slice-outside-window',
      message: `The part [${part.from}, ${part.to}) is not inside the window [${facts.window.from}, ${facts.window.to}) the facts were collected for`,
      hint: 'Collect the facts for a window that covers every part.',
    });
  }
  const inside = (t: number) => t >= part.from && t < part.to;
  return {
    window: { from: part.from, to: part.to },
    deployments: facts.deployments.filter((d) => inside(d.finishedAt)),
    leadTimes: facts.leadTimes.filter((l) => inside(l.finishedAt)),
    episodes: facts.episodes
      .filter((e) => inside(e.startedAt))
      .map((e) => ({
        startedAt: e.startedAt,
        recoveredAt: e.recoveredAt !== null && e.recoveredAt < part.to ? e.recoveredAt : null,
        incident: e.incident,
      })),
    warnings: [],
  };
}
