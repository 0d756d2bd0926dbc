import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AtriumError } from '../platform/errors.ts';
import { chance, createRng, intBetween, shuffle } from '../platform/prng.ts';
import {
  compareDora,
  computeDora,
  previousWindow,
  type DoraDeployment,
  type DoraOptions,
  type DoraReport,
  type DoraWindow,
} from './report.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Monday 1 January 2024, 00:00 UTC. */
const T0 = Date.UTC(2024, 0, 1);
/** Four weeks. */
const WINDOW: DoraWindow = { from: T0, to: T0 + 28 * DAY };
const OPTIONS: DoraOptions = { productionEnvironments: ['production'] };
const TWO_PROD: DoraOptions = { productionEnvironments: ['production', 'prod-eu'] };
const CHECKOUT = 'component:default/checkout';
const PAYMENTS = 'component:default/payments';

/** A successful production deployment of checkout that took ten minutes, with no commits unless given. */
function dep(finishedAt: number, fields: Partial<DoraDeployment> = {}): DoraDeployment {
  return {
    service: CHECKOUT,
    environment: 'production',
    status: 'succeeded',
    startedAt: finishedAt - 10 * MIN,
    finishedAt,
    commits: [],
    ...fields,
  };
}
const commit = (sha: string, committedAt: number) => ({ sha, committedAt });
const dora = (deployments: DoraDeployment[], options: DoraOptions = OPTIONS, window: DoraWindow = WINDOW): DoraReport =>
  computeDora(deployments, window, options);
const codes = (r: DoraReport): string[] => r.warnings.map((w) => w.code);

describe('deployment frequency', () => {
  test('counts successful production deployments per week of the window', () => {
    // 6 successes over 4 weeks = 1.5 a week: high (at least 1, below 7). The 2 failures do not count.
    const r = dora([
      ...[1, 2, 3, 8, 9, 20].map((d) => dep(T0 + d * DAY)),
      dep(T0 + 4 * DAY, { status: 'failed' }),
      dep(T0 + 5 * DAY, { status: 'rolled_back' }),
    ]);
    assert.equal(r.deploymentFrequency.deployments, 6);
    assert.equal(r.deploymentFrequency.perWeek, 1.5);
    assert.equal(r.deploymentFrequency.tier, 'high');
  });

  test('a deployment finishing exactly at from counts; one finishing exactly at to does not', () => {
    // from − 1 ms: before; from: in; to − 1 ms: in; to: after (a caller should not pass it, and it is ignored if it does).
    const r = dora([dep(T0 - 1), dep(T0), dep(T0 + 28 * DAY - 1), dep(T0 + 28 * DAY)]);
    assert.equal(r.deploymentFrequency.deployments, 2);
    assert.equal(r.changeFailureRate.deployments, 2);
  });

  test('deployments to other environments are ignored', () => {
    const r = dora([
      dep(T0 + DAY),
      dep(T0 + DAY, { environment: 'staging' }),
      dep(T0 + 2 * DAY, { environment: 'staging', status: 'failed' }),
    ]);
    assert.equal(r.deploymentFrequency.deployments, 1);
    assert.equal(r.changeFailureRate.deployments, 1);
    assert.equal(r.changeFailureRate.rate, 0);
  });

  test('every configured production environment counts, matched exactly', () => {
    // production and prod-eu count; "Production" and "prod" are other environments.
    const r = dora(
      [
        dep(T0 + DAY),
        dep(T0 + 2 * DAY, { environment: 'prod-eu' }),
        dep(T0 + 3 * DAY, { environment: 'Production' }),
        dep(T0 + 4 * DAY, { environment: 'prod' }),
      ],
      TWO_PROD,
    );
    assert.equal(r.deploymentFrequency.deployments, 2);
  });

  test('deploy-days are distinct UTC calendar days of the finish, across midnight', () => {
    // Day 0 23:59:59.999 and day 1 00:00 are two days; a second one on day 1 adds none; one started on
    // day 2 at 23:50 and finished on day 3 at 00:10 counts on day 3; a failure on day 5 adds none.
    // 3 days over 4 weeks = 0.75 a week; 4 deployments over 4 weeks = 1 a week.
    const r = dora([
      dep(T0 + DAY - 1),
      dep(T0 + DAY),
      dep(T0 + DAY + 12 * HOUR),
      dep(T0 + 3 * DAY + 10 * MIN, { startedAt: T0 + 3 * DAY - 10 * MIN }),
      dep(T0 + 5 * DAY, { status: 'failed' }),
    ]);
    assert.equal(r.deploymentFrequency.deployDays, 3);
    assert.equal(r.deploymentFrequency.deployDaysPerWeek, 0.75);
    assert.equal(r.deploymentFrequency.perWeek, 1);
  });

  test('a window that is not whole weeks divides by its length in weeks', () => {
    // 5 deployments over 10 days = 5 / (10 / 7) = 3.5 a week: high.
    const r = dora(
      [1, 2, 3, 4, 5].map((d) => dep(T0 + d * DAY)),
      OPTIONS,
      { from: T0, to: T0 + 10 * DAY },
    );
    assert.equal(r.deploymentFrequency.perWeek, 3.5);
    assert.equal(r.deploymentFrequency.tier, 'high');
  });

  test('seven a week is elite; none is low, not unknown', () => {
    // 28 daily deployments over 4 weeks = 7 a week, exactly the elite boundary.
    assert.equal(dora(Array.from({ length: 28 }, (_, d) => dep(T0 + d * DAY))).deploymentFrequency.tier, 'elite');
    const none = dora([]);
    assert.equal(none.deploymentFrequency.perWeek, 0);
    assert.equal(none.deploymentFrequency.tier, 'low');
  });
});

describe('lead time for changes', () => {
  const at = T0 + 2 * DAY;

  test('an odd count: the median is the middle lead time, p90 the nearest rank', () => {
    // Lead times 1 h, 2 h, 10 h: median 2 h = 7,200 s; p90 is rank ceil(0.9 × 3) = 3: 10 h = 36,000 s. Elite (< 1 day).
    const r = dora([
      dep(at, { commits: [commit('a', at - HOUR), commit('b', at - 2 * HOUR), commit('c', at - 10 * HOUR)] }),
    ]);
    assert.deepEqual(r.leadTime, { commits: 3, medianSeconds: 7200, p90Seconds: 36_000, tier: 'elite' });
  });

  test('an even count: the median is the mean of the two middle lead times', () => {
    // 1 h, 2 h, 4 h, 10 h: median (2 h + 4 h) / 2 = 3 h = 10,800 s; p90 rank ceil(3.6) = 4: 10 h.
    const r = dora([dep(at, { commits: [1, 2, 4, 10].map((hours) => commit(`h${hours}`, at - hours * HOUR)) })]);
    assert.deepEqual(r.leadTime, { commits: 4, medianSeconds: 10_800, p90Seconds: 36_000, tier: 'elite' });
  });

  test('p90 of ten lead times is the 9th', () => {
    // 1 h … 10 h over two deployments: median 5.5 h = 19,800 s; p90 rank 9: 9 h = 32,400 s.
    const commits = Array.from({ length: 10 }, (_, i) => commit(`c${i}`, at - (i + 1) * HOUR));
    const r = dora([
      dep(at, { commits: commits.slice(0, 5) }),
      dep(at, { commits: commits.slice(5), startedAt: at - 5 * MIN }),
    ]);
    assert.equal(r.leadTime.medianSeconds, 19_800);
    assert.equal(r.leadTime.p90Seconds, 32_400);
  });

  test('a redeployed commit counts once, at its first successful production deployment', () => {
    // a (committed day 1) ships on day 2 and again on day 3 with b (committed day 2 12:00):
    // a = 1 day = 86,400 s, b = 12 h = 43,200 s; median (43,200 + 86,400) / 2 = 64,800 s.
    const r = dora([
      dep(T0 + 2 * DAY, { commits: [commit('a', T0 + DAY)] }),
      dep(T0 + 3 * DAY, { commits: [commit('a', T0 + DAY), commit('b', T0 + 2 * DAY + 12 * HOUR)] }),
    ]);
    assert.equal(r.leadTime.commits, 2);
    assert.equal(r.leadTime.medianSeconds, 64_800);
  });

  test('a commit first shipped before the window is not counted when it ships again inside it', () => {
    const r = dora([
      dep(T0 - DAY, { commits: [commit('a', T0 - 3 * DAY)] }),
      dep(T0 + DAY, { commits: [commit('a', T0 - 3 * DAY)] }),
    ]);
    assert.deepEqual(r.leadTime, { commits: 0, medianSeconds: null, p90Seconds: null, tier: null });
  });

  test('a commit in a failed deployment counts at the successful one after it', () => {
    // Committed day 1; failed at +1 h, succeeded at +5 h: 5 h = 18,000 s.
    for (const status of ['failed', 'rolled_back'] as const) {
      const r = dora([
        dep(T0 + DAY + HOUR, { status, commits: [commit('a', T0 + DAY)] }),
        dep(T0 + DAY + 5 * HOUR, { commits: [commit('a', T0 + DAY)] }),
      ]);
      assert.equal(r.leadTime.commits, 1, status);
      assert.equal(r.leadTime.medianSeconds, 18_000, status);
    }
  });

  test('shipping to a non-production environment first does not start the clock', () => {
    // Committed day 1; staging at +1 h; production at +10 h: 36,000 s.
    const r = dora([
      dep(T0 + DAY + HOUR, { environment: 'staging', commits: [commit('a', T0 + DAY)] }),
      dep(T0 + DAY + 10 * HOUR, { commits: [commit('a', T0 + DAY)] }),
    ]);
    assert.equal(r.leadTime.medianSeconds, 36_000);
  });

  test('the same sha in two services is two changes', () => {
    // A monorepo commit shipped by checkout after 1 h and by payments after 3 h: median 2 h.
    const r = dora([
      dep(T0 + DAY + HOUR, { commits: [commit('a', T0 + DAY)] }),
      dep(T0 + DAY + 3 * HOUR, { service: PAYMENTS, commits: [commit('a', T0 + DAY)] }),
    ]);
    assert.equal(r.leadTime.commits, 2);
    assert.equal(r.leadTime.medianSeconds, 7200);
  });

  test('first shipped to any production environment: prod-eu before the window rules out production inside it', () => {
    const r = dora(
      [
        dep(T0 - DAY, { environment: 'prod-eu', commits: [commit('a', T0 - 2 * DAY)] }),
        dep(T0 + DAY, { commits: [commit('a', T0 - 2 * DAY)] }),
      ],
      TWO_PROD,
    );
    assert.equal(r.leadTime.commits, 0);
  });

  test('lead time tiers from the median: exactly one day is high', () => {
    const r = dora([dep(at, { commits: [commit('a', at - DAY)] })]);
    assert.equal(r.leadTime.medianSeconds, 86_400);
    assert.equal(r.leadTime.tier, 'high');
  });
});

describe('change failure rate', () => {
  test('failed and rolled back over all production deployments in the window', () => {
    // 1 success, 1 failure, 2 rollbacks: 3 / 4 = 0.75, low.
    const r = dora([
      dep(T0 + DAY),
      dep(T0 + 2 * DAY, { status: 'failed' }),
      dep(T0 + 3 * DAY, { status: 'rolled_back' }),
      dep(T0 + 4 * DAY, { status: 'rolled_back' }),
    ]);
    assert.deepEqual(r.changeFailureRate, { deployments: 4, failed: 3, fromIncidents: 0, rate: 0.75, tier: 'low' });
  });

  test('one failure in twenty is 5%, elite; two is 10%, high', () => {
    const twenty = (failures: number) =>
      Array.from({ length: 20 }, (_, i) => dep(T0 + i * HOUR, { status: i < failures ? 'failed' : 'succeeded' }));
    assert.deepEqual(dora(twenty(1)).changeFailureRate, {
      deployments: 20,
      failed: 1,
      fromIncidents: 0,
      rate: 0.05,
      tier: 'elite',
    });
    assert.deepEqual(dora(twenty(2)).changeFailureRate, {
      deployments: 20,
      failed: 2,
      fromIncidents: 0,
      rate: 0.1,
      tier: 'high',
    });
  });

  test('is null, with no tier, when there are no production deployments', () => {
    assert.deepEqual(dora([dep(T0 + DAY, { environment: 'staging', status: 'failed' })]).changeFailureRate, {
      deployments: 0,
      failed: 0,
      fromIncidents: 0,
      rate: null,
      tier: null,
    });
  });
});

describe('failed-deployment recovery time', () => {
  const day1 = T0 + DAY;

  test('consecutive failures are one episode, from the first failure to the next success', () => {
    // Failed at 0, rolled back at +20 min, succeeded at +50 min: one episode of 3,000 s, elite.
    const r = dora([
      dep(day1, { status: 'failed' }),
      dep(day1 + 20 * MIN, { status: 'rolled_back' }),
      dep(day1 + 50 * MIN),
    ]);
    assert.deepEqual(r.recoveryTime, {
      recovered: 1,
      unrecovered: 0,
      fromIncidents: 0,
      medianSeconds: 3000,
      tier: 'elite',
    });
  });

  test('the median of two episodes is their mean; exactly an hour is high', () => {
    // 30 min = 1,800 s and 90 min = 5,400 s: median 3,600 s, which is not below one hour.
    const r = dora([
      dep(day1, { status: 'failed' }),
      dep(day1 + 30 * MIN),
      dep(day1 + DAY, { status: 'failed' }),
      dep(day1 + DAY + 90 * MIN),
    ]);
    assert.deepEqual(r.recoveryTime, {
      recovered: 2,
      unrecovered: 0,
      fromIncidents: 0,
      medianSeconds: 3600,
      tier: 'high',
    });
  });

  test('the median of three episodes is the middle one', () => {
    // 600 s, 1,800 s, 5,400 s: median 1,800 s.
    const r = dora([
      dep(day1, { status: 'failed' }),
      dep(day1 + 30 * MIN),
      dep(day1 + DAY, { status: 'failed' }),
      dep(day1 + DAY + 90 * MIN),
      dep(day1 + 2 * DAY, { status: 'failed' }),
      dep(day1 + 2 * DAY + 10 * MIN),
    ]);
    assert.equal(r.recoveryTime.medianSeconds, 1800);
  });

  test('a failure with no success before the window ends is unrecovered and left out of the median', () => {
    // The success exactly at `to` is outside the window and ignored.
    const r = dora([
      dep(day1, { status: 'failed' }),
      dep(day1 + HOUR),
      dep(T0 + 27 * DAY, { status: 'failed' }),
      dep(T0 + 28 * DAY),
    ]);
    assert.deepEqual(r.recoveryTime, {
      recovered: 1,
      unrecovered: 1,
      fromIncidents: 0,
      medianSeconds: 3600,
      tier: 'high',
    });
    assert.deepEqual(dora([dep(day1, { status: 'rolled_back' })]).recoveryTime, {
      recovered: 0,
      unrecovered: 1,
      fromIncidents: 0,
      medianSeconds: null,
      tier: null,
    });
  });

  test('recovery is per service and environment: another environment or service succeeding does not end the episode', () => {
    // production fails at 0; prod-eu and payments succeed at +10 min; production succeeds at +2 h: 7,200 s.
    const r = dora(
      [
        dep(day1, { status: 'failed' }),
        dep(day1 + 10 * MIN, { environment: 'prod-eu' }),
        dep(day1 + 10 * MIN, { service: PAYMENTS }),
        dep(day1 + 2 * HOUR),
      ],
      TWO_PROD,
    );
    assert.deepEqual(r.recoveryTime, {
      recovered: 1,
      unrecovered: 0,
      fromIncidents: 0,
      medianSeconds: 7200,
      tier: 'high',
    });
  });

  test('episodes in two production environments are measured separately', () => {
    // production: fails at 0, recovers at +30 min (1,800 s); prod-eu: fails at +5 min, recovers at +2 h 5 min (7,200 s).
    const r = dora(
      [
        dep(day1, { status: 'failed' }),
        dep(day1 + 5 * MIN, { environment: 'prod-eu', status: 'failed' }),
        dep(day1 + 30 * MIN),
        dep(day1 + 125 * MIN, { environment: 'prod-eu' }),
      ],
      TWO_PROD,
    );
    assert.deepEqual(r.recoveryTime, {
      recovered: 2,
      unrecovered: 0,
      fromIncidents: 0,
      medianSeconds: 4500,
      tier: 'high',
    });
  });

  test('an episode whose first failure is before the window is not counted, even if it continues into it', () => {
    const r = dora([dep(T0 - HOUR, { status: 'failed' }), dep(T0 + HOUR, { status: 'failed' }), dep(T0 + 2 * HOUR)]);
    assert.deepEqual(r.recoveryTime, {
      recovered: 0,
      unrecovered: 0,
      fromIncidents: 0,
      medianSeconds: null,
      tier: null,
    });
    // The failure inside the window still counts towards the failure rate: 1 of 2.
    assert.equal(r.changeFailureRate.rate, 0.5);
  });

  test('failures outside production are not episodes', () => {
    assert.deepEqual(dora([dep(day1, { environment: 'staging', status: 'failed' })]).recoveryTime, {
      recovered: 0,
      unrecovered: 0,
      fromIncidents: 0,
      medianSeconds: null,
      tier: null,
    });
  });

  test('a failure and its fix recorded with the same finish read as a recovery of zero', () => {
    const r = dora([dep(day1, { startedAt: day1 - MIN }), dep(day1, { status: 'rolled_back', startedAt: day1 - MIN })]);
    assert.deepEqual(r.recoveryTime, {
      recovered: 1,
      unrecovered: 0,
      fromIncidents: 0,
      medianSeconds: 0,
      tier: 'elite',
    });
  });
});

describe('data-quality warnings', () => {
  test('clean data has none', () => {
    assert.deepEqual(dora([dep(T0 + DAY, { commits: [commit('a', T0)] })]).warnings, []);
  });

  test('production deployments without commits, with the first five as examples in time order', () => {
    // Seven deployments on days 1..7 without commits, one with: count 7, examples days 1..5.
    const r = dora([
      ...[7, 3, 1, 5, 2, 6, 4].map((d) => dep(T0 + d * DAY)),
      dep(T0 + 8 * DAY, { commits: [commit('a', T0)] }),
    ]);
    assert.deepEqual(r.warnings, [
      {
        code: 'deploys-without-commits',
        message: '7 production deployments list no commits, so lead time for changes cannot see what was shipped.',
        count: 7,
        examples: [2, 3, 4, 5, 6].map((d) => `${CHECKOUT} at 2024-01-0${d}T00:00:00.000Z`),
      },
    ]);
  });

  test('a deployment that finished before it started', () => {
    const r = dora([dep(T0 + DAY, { startedAt: T0 + DAY + 1, commits: [commit('a', T0)] })]);
    assert.equal(r.warnings.length, 1);
    assert.equal(r.warnings[0]?.code, 'finished-before-started');
    assert.equal(r.warnings[0]?.count, 1);
    assert.deepEqual(r.warnings[0]?.examples, [`${CHECKOUT} at 2024-01-02T00:00:00.000Z`]);
  });

  test('a commit newer than the deployment that first shipped it is warned about and left out of lead time', () => {
    // 'skewed' is committed an hour after it shipped (and again later: still not counted); 'fine' has a 1 h lead time.
    const skewed = commit('abcdef0123456789', T0 + DAY + HOUR);
    const r = dora([
      dep(T0 + DAY, { commits: [skewed, commit('fine', T0 + DAY - HOUR)] }),
      dep(T0 + 2 * DAY, { commits: [skewed] }),
    ]);
    assert.deepEqual(r.leadTime, { commits: 1, medianSeconds: 3600, p90Seconds: 3600, tier: 'elite' });
    assert.deepEqual(codes(r), ['commit-after-deploy']);
    assert.equal(r.warnings[0]?.count, 1);
    assert.deepEqual(r.warnings[0]?.examples, [`${CHECKOUT} abcdef012345 at 2024-01-02T00:00:00.000Z`]);
  });

  test('no production deployments names the configured environments, and lists the environments that were deployed to', () => {
    const r = dora(
      [
        dep(T0 + DAY, { environment: 'staging' }),
        dep(T0 + 2 * DAY, { environment: 'qa' }),
        dep(T0 + 3 * DAY, { environment: 'staging' }),
        dep(T0 + 4 * DAY, { environment: 'staging' }),
        dep(T0 - DAY, { environment: 'prod', commits: [commit('a', T0 - 2 * DAY)] }),
      ],
      TWO_PROD,
    );
    assert.deepEqual(codes(r), ['no-production-deployments', 'non-production-only']);
    const [none, only] = r.warnings;
    assert.match(none?.message ?? '', /"production", "prod-eu"/);
    assert.equal(none?.count, 0);
    // The deployment to "prod" before the window is not in it.
    assert.equal(only?.count, 4);
    assert.deepEqual(only?.examples, ['staging (3 deployments)', 'qa (1 deployment)']);
  });

  test('empty input: zero deployments, unknown rates, and the one warning that says so', () => {
    const r = dora([]);
    assert.deepEqual(r, {
      window: WINDOW,
      tierYear: 2023,
      deploymentFrequency: { deployments: 0, perWeek: 0, deployDays: 0, deployDaysPerWeek: 0, tier: 'low' },
      leadTime: { commits: 0, medianSeconds: null, p90Seconds: null, tier: null },
      changeFailureRate: { deployments: 0, failed: 0, fromIncidents: 0, rate: null, tier: null },
      recoveryTime: { recovered: 0, unrecovered: 0, fromIncidents: 0, medianSeconds: null, tier: null },
      warnings: [
        {
          code: 'no-production-deployments',
          message:
            'No deployment to a production environment ("production") finished in this window. Check that these are the environment names your deployment tool reports.',
          count: 0,
          examples: [],
        },
      ],
    });
  });

  test('no configured production environment says exactly that', () => {
    const r = dora([dep(T0 + DAY)], { productionEnvironments: [] });
    assert.match(r.warnings[0]?.message ?? '', /No production environments are configured/);
  });
});

describe('computeDora', () => {
  test('the order deployments arrive in changes nothing, warnings included', () => {
    const history = [
      dep(T0 - DAY, { commits: [commit('a', T0 - 2 * DAY)] }),
      dep(T0 + DAY, { status: 'failed', commits: [commit('b', T0)] }),
      dep(T0 + DAY + HOUR, { commits: [commit('b', T0)] }),
      dep(T0 + DAY + HOUR, { service: PAYMENTS }),
      dep(T0 + 2 * DAY, { startedAt: T0 + 3 * DAY }),
      dep(T0 + 3 * DAY, { environment: 'staging' }),
    ];
    const expected = dora(history);
    assert.deepEqual(dora([...history].reverse()), expected);
    assert.deepEqual(dora(shuffle(createRng(7), [...history])), expected);
  });

  test('the report survives a JSON round trip unchanged', () => {
    const r = dora([dep(T0 + DAY, { commits: [commit('a', T0)] }), dep(T0 + 2 * DAY, { status: 'failed' })]);
    assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
  });

  test('an empty or inverted window is refused', () => {
    for (const window of [
      { from: T0, to: T0 },
      { from: T0, to: T0 - 1 },
      { from: Number.NaN, to: T0 },
    ]) {
      assert.throws(
        () => computeDora([], window, OPTIONS),
        (err: unknown) => err instanceof AtriumError && err.code === 'invalid-dora-window',
      );
    }
  });

  test('an unknown tier year is refused', () => {
    assert.throws(
      () => computeDora([], WINDOW, { ...OPTIONS, tierYear: 2001 }),
      (err: unknown) => err instanceof AtriumError && err.code === 'unknown-dora-tier-year',
    );
  });
});

describe('previousWindow', () => {
  test('is the window of the same length just before', () => {
    assert.deepEqual(previousWindow(WINDOW), { from: T0 - 28 * DAY, to: T0 });
  });

  test('the same history serves it: deployments from the current window are ignored', () => {
    // Before: 2 deployments, one failed. Current window: 1 success that must not leak in.
    const history = [dep(T0 - 10 * DAY, { status: 'failed' }), dep(T0 - 5 * DAY), dep(T0 + DAY)];
    const r = computeDora(history, previousWindow(WINDOW), OPTIONS);
    assert.equal(r.changeFailureRate.deployments, 2);
    assert.equal(r.changeFailureRate.rate, 0.5);
  });
});

describe('compareDora', () => {
  const base = dora([]);
  const report = (perWeek: number, lead: number | null, rate: number | null, recovery: number | null): DoraReport => ({
    ...base,
    deploymentFrequency: { ...base.deploymentFrequency, perWeek },
    leadTime: { ...base.leadTime, medianSeconds: lead },
    changeFailureRate: { ...base.changeFailureRate, rate },
    recoveryTime: { ...base.recoveryTime, medianSeconds: recovery },
  });

  test('more deployments is better; longer lead time, more failures and slower recovery are worse', () => {
    assert.deepEqual(compareDora(report(4, 7200, 0.2, 7200), report(2, 3600, 0.1, 3600)), {
      deploymentFrequency: { direction: 'better', delta: 2 },
      leadTime: { direction: 'worse', delta: 3600 },
      changeFailureRate: { direction: 'worse', delta: 0.1 },
      recoveryTime: { direction: 'worse', delta: 3600 },
    });
    assert.deepEqual(compareDora(report(2, 3600, 0.1, 3600), report(4, 7200, 0.2, 7200)), {
      deploymentFrequency: { direction: 'worse', delta: -2 },
      leadTime: { direction: 'better', delta: -3600 },
      changeFailureRate: { direction: 'better', delta: -0.1 },
      recoveryTime: { direction: 'better', delta: -3600 },
    });
  });

  test('a change within 5% of the larger value is the same', () => {
    // 105 vs 100: |5| ≤ 0.05 × 105 = 5.25, same. 106 vs 100: 6 > 5.3, not.
    assert.equal(
      compareDora(report(105, 105, null, null), report(100, 100, null, null)).deploymentFrequency.direction,
      'same',
    );
    assert.equal(compareDora(report(105, 105, null, null), report(100, 100, null, null)).leadTime.direction, 'same');
    assert.equal(
      compareDora(report(106, 106, null, null), report(100, 100, null, null)).deploymentFrequency.direction,
      'better',
    );
    assert.equal(compareDora(report(106, 106, null, null), report(100, 100, null, null)).leadTime.direction, 'worse');
  });

  test('zero against zero is the same; no value on either side is unknown', () => {
    const c = compareDora(report(0, 0, null, 600), report(0, null, 0.1, null));
    assert.deepEqual(c, {
      deploymentFrequency: { direction: 'same', delta: 0 },
      leadTime: { direction: 'unknown', delta: null },
      changeFailureRate: { direction: 'unknown', delta: null },
      recoveryTime: { direction: 'unknown', delta: null },
    });
  });

  test('from a zero failure rate, any failure is worse', () => {
    assert.equal(
      compareDora(report(1, null, 0.01, null), report(1, null, 0, null)).changeFailureRate.direction,
      'worse',
    );
  });
});

describe('a team of 200 services over 180 days (50,000 deployments)', () => {
  // Each commit sha is unique and committed before its deployment, so every commit of a
  // successful production deployment in the window is first shipped there.
  const rng = createRng(2024);
  const from = T0 - 90 * DAY;
  const history: DoraDeployment[] = [];
  for (let s = 0; s < 200; s++) {
    for (let k = 0; k < 250; k++) {
      const finishedAt = from + Math.floor(rng() * 180 * DAY);
      const roll = rng();
      history.push({
        service: `component:default/service-${s}`,
        environment: chance(rng, 0.8) ? 'production' : 'staging',
        status: roll < 0.85 ? 'succeeded' : roll < 0.95 ? 'failed' : 'rolled_back',
        startedAt: finishedAt - intBetween(rng, 1, 30) * MIN,
        finishedAt,
        commits: [0, 1, 2].map((j) => commit(`${s}-${k}-${j}`, finishedAt - intBetween(rng, 1, 72) * HOUR)),
      });
    }
  }
  const window: DoraWindow = { from: T0, to: T0 + 90 * DAY };

  for (const [name, w] of [
    ['current window', window],
    ['previous window', previousWindow(window)],
  ] as const) {
    test(`the ${name}'s counts agree with a direct count`, () => {
      const r = computeDora(history, w, OPTIONS);
      const inWindow = history.filter(
        (d) => d.environment === 'production' && d.finishedAt >= w.from && d.finishedAt < w.to,
      );
      const succeeded = inWindow.filter((d) => d.status === 'succeeded');
      assert.equal(history.length, 50_000);
      assert.equal(r.changeFailureRate.deployments, inWindow.length);
      assert.equal(r.changeFailureRate.failed, inWindow.length - succeeded.length);
      assert.equal(r.deploymentFrequency.deployments, succeeded.length);
      assert.equal(r.leadTime.commits, 3 * succeeded.length);
      // Lead times are 1..72 hours by construction.
      assert.ok((r.leadTime.medianSeconds ?? 0) >= 3600 && (r.leadTime.p90Seconds ?? Infinity) <= 72 * 3600);
      assert.ok((r.leadTime.medianSeconds ?? 0) <= (r.leadTime.p90Seconds ?? 0));
      assert.deepEqual(r.warnings, []);
    });
  }
});

describe('incidents linked to deployments', () => {
  const history = [
    dep(T0 + DAY),
    dep(T0 + 2 * DAY),
    dep(T0 + 3 * DAY, { status: 'failed' }),
    dep(T0 + 3 * DAY + HOUR),
    dep(T0 + 4 * DAY, { service: PAYMENTS }),
  ];
  const withIncidents = (incidents: DoraOptions['incidents']) => dora(history, { ...OPTIONS, incidents });

  test('a successful deployment an incident is linked to is a change failure, still deployed; its recovery runs to the resolution', () => {
    const before = dora(history);
    assert.deepEqual(before.changeFailureRate, { deployments: 5, failed: 1, fromIncidents: 0, rate: 0.2, tier: 'low' });
    const r = withIncidents([{ service: CHECKOUT, deployedAt: T0 + 2 * DAY, resolvedAt: T0 + 2 * DAY + 2 * HOUR }]);
    assert.deepEqual(r.changeFailureRate, { deployments: 5, failed: 2, fromIncidents: 1, rate: 0.4, tier: 'low' });
    assert.equal(r.deploymentFrequency.deployments, 4, 'frequency counts what was deployed');
    assert.deepEqual(r.recoveryTime, {
      recovered: 2,
      unrecovered: 0,
      fromIncidents: 1,
      medianSeconds: 5400,
      tier: 'high',
    });
  });

  test('several incidents on one deployment count it once, recovered when the last is; an open one leaves it unrecovered', () => {
    const twice = withIncidents([
      { service: CHECKOUT, deployedAt: T0 + DAY, resolvedAt: T0 + DAY + HOUR },
      { service: CHECKOUT, deployedAt: T0 + DAY, resolvedAt: T0 + DAY + 3 * HOUR },
    ]);
    assert.equal(twice.changeFailureRate.fromIncidents, 1);
    assert.equal(twice.recoveryTime.medianSeconds, (HOUR + 3 * HOUR) / 2 / 1000);
    const open = withIncidents([
      { service: CHECKOUT, deployedAt: T0 + DAY, resolvedAt: T0 + DAY + HOUR },
      { service: CHECKOUT, deployedAt: T0 + DAY, resolvedAt: null },
    ]);
    assert.deepEqual([open.recoveryTime.recovered, open.recoveryTime.unrecovered], [1, 1]);
  });

  test('an incident on a failed deployment, on another service’s deployment time, or on no deployment at all changes nothing', () => {
    const same = dora(history);
    for (const incident of [
      { service: CHECKOUT, deployedAt: T0 + 3 * DAY, resolvedAt: T0 + 3 * DAY + HOUR },
      { service: PAYMENTS, deployedAt: T0 + DAY, resolvedAt: T0 + DAY + HOUR },
      { service: CHECKOUT, deployedAt: T0 + 5 * DAY, resolvedAt: null },
    ])
      assert.deepEqual(withIncidents([incident]), same, JSON.stringify(incident));
  });

  test('a resolution after the window’s end reads as unrecovered in that window', () => {
    const r = withIncidents([{ service: PAYMENTS, deployedAt: T0 + 4 * DAY, resolvedAt: T0 + 40 * DAY }]);
    assert.deepEqual([r.recoveryTime.recovered, r.recoveryTime.unrecovered, r.recoveryTime.fromIncidents], [1, 1, 1]);
  });
});
