import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyPlanAction, durationMs, nextMoveAt, planAt, type ReleasePlan } from './release-plan.ts';

const plan: ReleasePlan = {
  milestones: [
    { name: 'internal', strategies: [], after: '1d' },
    { name: '10%', strategies: [], after: '2h' },
    { name: '50%', strategies: [] },
    { name: '100%', strategies: [] },
  ],
};
const t = (iso: string) => new Date(iso);

describe('release plans', () => {
  it('reads set times in minutes, hours and days, and nothing else', () => {
    assert.deepEqual(
      [durationMs('30m'), durationMs('24h'), durationMs('7d'), durationMs('1w'), durationMs(''), durationMs(undefined)],
      [1_800_000, 86_400_000, 604_800_000, undefined, undefined, undefined],
    );
  });

  it('moves on by itself when the time of a milestone has passed, one at a time, and waits at one without a time', () => {
    const start = { milestone: 0, since: '2026-01-01T00:00:00.000Z', paused: false };
    assert.deepEqual(planAt(plan, start, t('2026-01-01T23:59:00Z')), start);
    assert.deepEqual(planAt(plan, start, t('2026-01-02T01:00:00Z')), {
      milestone: 1,
      since: '2026-01-02T00:00:00.000Z',
      paused: false,
    });
    assert.deepEqual(planAt(plan, start, t('2026-01-09T00:00:00Z')), {
      milestone: 2,
      since: '2026-01-02T02:00:00.000Z',
      paused: false,
    });
  });

  it('knows when the clock moves it on next, and that a paused plan or the last timed milestone never moves by itself', () => {
    const start = { milestone: 0, since: '2026-01-01T00:00:00.000Z', paused: false };
    assert.equal(nextMoveAt(plan, start, t('2026-01-01T12:00:00Z')), Date.parse('2026-01-02T00:00:00Z'));
    // Past the first set time, the next move is the second milestone's: 2 hours after the first move.
    assert.equal(nextMoveAt(plan, start, t('2026-01-02T01:00:00Z')), Date.parse('2026-01-02T02:00:00Z'));
    assert.equal(nextMoveAt(plan, start, t('2026-01-03T00:00:00Z')), undefined, 'the 50% milestone has no set time');
    assert.equal(nextMoveAt(plan, { ...start, paused: true }, t('2026-01-01T12:00:00Z')), undefined);
    assert.equal(
      nextMoveAt(plan, { milestone: 3, since: start.since, paused: false }, t('2026-01-01T12:00:00Z')),
      undefined,
    );
    const timedToTheEnd: ReleasePlan = {
      milestones: [
        { name: 'a', strategies: [], after: '1h' },
        { name: 'b', strategies: [], after: '1h' },
      ],
    };
    assert.equal(
      nextMoveAt(timedToTheEnd, { milestone: 1, since: start.since, paused: false }, t('2026-01-01T00:30:00Z')),
      undefined,
      'the last milestone has nowhere to go',
    );
  });

  it('a paused plan stays where it is', () => {
    const paused = { milestone: 0, since: '2026-01-01T00:00:00.000Z', paused: true };
    assert.deepEqual(planAt(plan, paused, t('2026-02-01T00:00:00Z')), paused);
  });

  it('start, advance, rollback, pause and resume, and what cannot be done', () => {
    const now = t('2026-01-01T00:00:00Z');
    const started = applyPlanAction(plan, undefined, 'start', now);
    assert.deepEqual(started, { milestone: 0, since: '2026-01-01T00:00:00.000Z', paused: false });
    assert.match((applyPlanAction(plan, undefined, 'advance', now) as { error: string }).error, /not started/);
    const advanced = applyPlanAction(plan, started as never, 'advance', t('2026-01-01T01:00:00Z'));
    assert.deepEqual(advanced, { milestone: 1, since: '2026-01-01T01:00:00.000Z', paused: false });
    assert.deepEqual(applyPlanAction(plan, advanced as never, 'rollback', t('2026-01-01T01:30:00Z')), {
      milestone: 0,
      since: '2026-01-01T01:30:00.000Z',
      paused: false,
    });
    assert.match(
      (applyPlanAction(plan, started as never, 'rollback', now) as { error: string }).error,
      /first milestone/,
    );
    assert.match(
      (
        applyPlanAction(plan, { milestone: 3, since: '2026-01-01T00:00:00.000Z', paused: false }, 'advance', now) as {
          error: string;
        }
      ).error,
      /last milestone/,
    );
    const paused = applyPlanAction(plan, started as never, 'pause', t('2026-01-01T12:00:00Z'));
    assert.deepEqual(paused, { milestone: 0, since: '2026-01-01T00:00:00.000Z', paused: true });
    assert.match((applyPlanAction(plan, paused as never, 'pause', now) as { error: string }).error, /already paused/);
    // Resuming restarts the set time's clock: a full day from the resume.
    const resumed = applyPlanAction(plan, paused as never, 'resume', t('2026-01-05T00:00:00Z'));
    assert.deepEqual(resumed, { milestone: 0, since: '2026-01-05T00:00:00.000Z', paused: false });
    assert.deepEqual(planAt(plan, resumed as never, t('2026-01-05T23:00:00Z')).milestone, 0);
    assert.match((applyPlanAction(plan, started as never, 'resume', now) as { error: string }).error, /not paused/);
  });
});
