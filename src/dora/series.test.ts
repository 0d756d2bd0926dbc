import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AtriumError } from '../platform/errors.ts';
import { chance, createRng, intBetween, pick } from '../platform/prng.ts';
import { computeDora, type DoraDeployment, type DoraOptions, type DoraWindow } from './report.ts';
import { weeklySeries, type WeeklyBucket } from './series.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Monday 1 January 2024, 00:00 UTC. */
const T0 = Date.UTC(2024, 0, 1);
const OPTIONS: DoraOptions = { productionEnvironments: ['production'] };
const CHECKOUT = 'component:default/checkout';

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
const empty = (from: number, to: number, partial = false): WeeklyBucket => ({
  from,
  to,
  days: (to - from) / DAY,
  partial,
  successfulDeployments: 0,
  failedDeployments: 0,
  changeFailureRate: null,
  leadTimeMedianSeconds: null,
  leadTimeCommits: 0,
});

describe('weeklySeries', () => {
  test('buckets of seven days from the start, the last one shorter and marked partial', () => {
    // 17 days: [0, 7), [7, 14), [14, 17).
    const series = weeklySeries([], { from: T0, to: T0 + 17 * DAY }, OPTIONS);
    assert.deepEqual(series, [
      empty(T0, T0 + 7 * DAY),
      empty(T0 + 7 * DAY, T0 + 14 * DAY),
      empty(T0 + 14 * DAY, T0 + 17 * DAY, true),
    ]);
  });

  test('a window of whole weeks has no partial bucket', () => {
    const series = weeklySeries([], { from: T0, to: T0 + 14 * DAY }, OPTIONS);
    assert.deepEqual(
      series.map((b) => [b.days, b.partial]),
      [
        [7, false],
        [7, false],
      ],
    );
  });

  test('each bucket counts its own deployments, failure rate and first-shipped commits', () => {
    const history = [
      // Week 1: two successes (a after 2 h, b after 4 h) and a failure.
      dep(T0 + DAY, { commits: [commit('a', T0 + DAY - 2 * HOUR)] }),
      dep(T0 + 2 * DAY, { commits: [commit('b', T0 + 2 * DAY - 4 * HOUR)] }),
      dep(T0 + 3 * DAY, { status: 'failed' }),
      // Week 2: a is shipped again (not counted) with c after 1 h; a rollback, a failure, and a success 1 ms before the week ends.
      dep(T0 + 8 * DAY, { commits: [commit('a', T0 + DAY - 2 * HOUR), commit('c', T0 + 8 * DAY - HOUR)] }),
      dep(T0 + 9 * DAY, { status: 'rolled_back' }),
      dep(T0 + 10 * DAY, { status: 'failed' }),
      dep(T0 + 14 * DAY - 1),
      // Week 3 (3 days): a success exactly at its start with d after 6 h; staging is ignored; `to` itself is outside.
      dep(T0 + 14 * DAY, { commits: [commit('d', T0 + 14 * DAY - 6 * HOUR)] }),
      dep(T0 + 15 * DAY, { environment: 'staging', status: 'failed' }),
      dep(T0 + 17 * DAY),
    ];
    const series = weeklySeries(history, { from: T0, to: T0 + 17 * DAY }, OPTIONS);
    assert.deepEqual(series, [
      // 2 successes, 1 failure: 1/3; lead times 2 h and 4 h: median 3 h = 10,800 s.
      {
        ...empty(T0, T0 + 7 * DAY),
        successfulDeployments: 2,
        failedDeployments: 1,
        changeFailureRate: 1 / 3,
        leadTimeMedianSeconds: 10_800,
        leadTimeCommits: 2,
      },
      // 2 successes, 2 failures: 0.5; only c is new: 3,600 s.
      {
        ...empty(T0 + 7 * DAY, T0 + 14 * DAY),
        successfulDeployments: 2,
        failedDeployments: 2,
        changeFailureRate: 0.5,
        leadTimeMedianSeconds: 3600,
        leadTimeCommits: 1,
      },
      // 1 success: 0; d: 6 h = 21,600 s.
      {
        ...empty(T0 + 14 * DAY, T0 + 17 * DAY, true),
        successfulDeployments: 1,
        failedDeployments: 0,
        changeFailureRate: 0,
        leadTimeMedianSeconds: 21_600,
        leadTimeCommits: 1,
      },
    ]);
  });

  test('an invalid window is refused as computeDora refuses it', () => {
    assert.throws(
      () => weeklySeries([], { from: T0, to: T0 }, OPTIONS),
      (err: unknown) => err instanceof AtriumError && err.code === 'invalid-dora-window',
    );
  });

  describe('on generated history with redeploys and failures', () => {
    // 20 services, 3,000 deployments over 70 days (the window is the last 45); commits are drawn
    // from a small pool per service, so many are shipped more than once.
    const rng = createRng(99);
    const start = T0 - 25 * DAY;
    const history: DoraDeployment[] = Array.from({ length: 3000 }, () => {
      const service = `component:default/s${intBetween(rng, 0, 19)}`;
      const finishedAt = start + Math.floor(rng() * 70 * DAY);
      return dep(finishedAt, {
        service,
        environment: chance(rng, 0.85) ? 'production' : 'staging',
        status: pick(rng, ['succeeded', 'succeeded', 'succeeded', 'failed', 'rolled_back'] as const),
        commits: Array.from({ length: intBetween(rng, 0, 3) }, () =>
          commit(`c${intBetween(rng, 0, 150)}`, finishedAt - intBetween(rng, 1, 200) * HOUR),
        ),
      });
    });
    const window: DoraWindow = { from: T0, to: T0 + 45 * DAY };
    const series = weeklySeries(history, window, OPTIONS);

    test('the buckets add up to the whole window', () => {
      const whole = computeDora(history, window, OPTIONS);
      const sum = (f: (b: WeeklyBucket) => number) => series.reduce((s, b) => s + f(b), 0);
      assert.equal(series.length, 7);
      assert.equal(
        sum((b) => b.successfulDeployments),
        whole.deploymentFrequency.deployments,
      );
      assert.equal(
        sum((b) => b.failedDeployments),
        whole.changeFailureRate.failed,
      );
      assert.equal(
        sum((b) => b.leadTimeCommits),
        whole.leadTime.commits,
      );
      assert.ok(whole.leadTime.commits > 0 && whole.changeFailureRate.failed > 0);
    });

    test('each bucket is what computeDora says of that week alone', () => {
      for (const b of series) {
        const r = computeDora(history, { from: b.from, to: b.to }, OPTIONS);
        assert.deepEqual(
          [
            b.successfulDeployments,
            b.failedDeployments,
            b.changeFailureRate,
            b.leadTimeMedianSeconds,
            b.leadTimeCommits,
          ],
          [
            r.deploymentFrequency.deployments,
            r.changeFailureRate.failed,
            r.changeFailureRate.rate,
            r.leadTime.medianSeconds,
            r.leadTime.commits,
          ],
        );
      }
    });
  });
});
