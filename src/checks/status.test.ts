import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LocationState, RunStatus } from './model.ts';
import {
  alertAction,
  checkOffset,
  dueRound,
  maintenanceAt,
  nextLocationState,
  overallStatus,
  parseRoundKey,
  pendingLocation,
  retryDelayMs,
  retryKey,
  retryLocation,
  roundKey,
  roundStart,
  runStatus,
} from './status.ts';

const thresholds = (failure: number, success: number) => ({ failure, success });
/** Runs one second apart from a pending location; answers each state's status. */
function walk(runs: RunStatus[], t = thresholds(1, 1)): string[] {
  let state = pendingLocation('eu');
  return runs.map((status, i) => {
    state = nextLocationState(
      state,
      { status, at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), reason: `r${i}` },
      t,
    );
    return state.status;
  });
}

describe('runStatus', () => {
  const check = { degradedMs: 300, maxMs: 2000 };
  it('success is passing, degraded above degradedResponseTime, failing above maxResponseTime', () => {
    assert.equal(runStatus({ outcome: 'success', responseTimeMs: 100 }, check), 'passing');
    assert.equal(runStatus({ outcome: 'success', responseTimeMs: 300 }, check), 'passing');
    assert.equal(runStatus({ outcome: 'success', responseTimeMs: 301 }, check), 'degraded');
    assert.equal(runStatus({ outcome: 'success', responseTimeMs: 2000 }, check), 'degraded');
    assert.equal(runStatus({ outcome: 'success', responseTimeMs: 2001 }, check), 'failing');
    assert.equal(runStatus({ outcome: 'success' }, check), 'passing');
    assert.equal(runStatus({ outcome: 'success', responseTimeMs: 99_999 }, {}), 'passing');
  });
  it('failure, error, missed and cancelled are failing whatever the time', () => {
    for (const outcome of ['failure', 'error', 'missed', 'cancelled'] as const)
      assert.equal(runStatus({ outcome, responseTimeMs: 1 }, check), 'failing');
  });
});

describe('nextLocationState', () => {
  it('with thresholds of one, follows each run', () => {
    assert.deepEqual(walk(['passing', 'degraded', 'failing', 'passing']), [
      'passing',
      'degraded',
      'failing',
      'passing',
    ]);
  });
  it('turns failing only after `failure` failing runs in a row', () => {
    assert.deepEqual(walk(['passing', 'failing', 'failing', 'failing'], thresholds(3, 1)), [
      'passing',
      'passing',
      'passing',
      'failing',
    ]);
    assert.deepEqual(walk(['passing', 'failing', 'passing', 'failing', 'failing'], thresholds(3, 1)), [
      'passing',
      'passing',
      'passing',
      'passing',
      'passing',
    ]);
  });
  it('stays pending while failures stay below the threshold from no data', () => {
    assert.deepEqual(walk(['failing', 'failing'], thresholds(3, 1)), ['pending', 'pending']);
  });
  it('recovers only after `success` good runs in a row; a degraded run counts as good', () => {
    assert.deepEqual(walk(['failing', 'passing', 'failing', 'passing', 'degraded'], thresholds(1, 2)), [
      'failing',
      'failing',
      'failing',
      'failing',
      'degraded',
    ]);
  });
  it('keeps the last failure and its reason after recovering', () => {
    let s = pendingLocation('eu');
    s = nextLocationState(
      s,
      { status: 'failing', at: '2026-01-01T00:00:00.000Z', reason: 'status 503 ≠ 200' },
      thresholds(1, 1),
    );
    s = nextLocationState(s, { status: 'passing', at: '2026-01-01T00:01:00.000Z' }, thresholds(1, 1));
    assert.deepEqual(s, {
      location: 'eu',
      status: 'passing',
      consecutiveFailures: 0,
      consecutiveSuccesses: 1,
      lastRunAt: '2026-01-01T00:01:00.000Z',
      lastRunStatus: 'passing',
      lastFailureAt: '2026-01-01T00:00:00.000Z',
      lastFailureReason: 'status 503 ≠ 200',
    });
  });
  it('a run older than the last one (a late report) does not move the state', () => {
    const s = nextLocationState(
      pendingLocation('eu'),
      { status: 'passing', at: '2026-01-01T00:01:00.000Z' },
      thresholds(1, 1),
    );
    assert.equal(nextLocationState(s, { status: 'failing', at: '2026-01-01T00:00:00.000Z' }, thresholds(1, 1)), s);
  });
});

describe('overallStatus (k of n)', () => {
  const of = (...statuses: LocationState['status'][]) => statuses.map((status) => ({ status }));
  it('pending without data, passing when all pass', () => {
    assert.equal(overallStatus([], 1), 'pending');
    assert.equal(overallStatus(of('pending', 'pending'), 1), 'pending');
    assert.equal(overallStatus(of('pending', 'passing'), 1), 'passing');
    assert.equal(overallStatus(of('passing', 'passing'), 1), 'passing');
  });
  it('failing when at least k locations fail; degraded below k', () => {
    const five = (failing: number) => of(...Array.from({ length: 5 }, (_, i) => (i < failing ? 'failing' : 'passing')));
    assert.equal(overallStatus(five(2), 3), 'degraded');
    assert.equal(overallStatus(five(3), 3), 'failing');
    assert.equal(overallStatus(five(5), 3), 'failing');
    assert.equal(overallStatus(five(1), 1), 'failing');
    assert.equal(overallStatus(five(0), 3), 'passing');
  });
  it('degraded when a location is degraded', () => {
    assert.equal(overallStatus(of('passing', 'degraded'), 1), 'degraded');
  });
  it('k beyond the number of locations means all of them', () => {
    assert.equal(overallStatus(of('failing', 'failing'), 12), 'failing');
    assert.equal(overallStatus(of('failing', 'passing'), 12), 'degraded');
    assert.equal(overallStatus(of('failing'), 0), 'failing');
  });
});

describe('maintenance and alerts', () => {
  const windows = [{ start: 1000, end: 2000, reason: 'upgrade' }];
  it('a window holds from its start to just before its end', () => {
    assert.equal(maintenanceAt(windows, 999), undefined);
    assert.equal(maintenanceAt(windows, 1000)?.reason, 'upgrade');
    assert.equal(maintenanceAt(windows, 1999)?.reason, 'upgrade');
    assert.equal(maintenanceAt(windows, 2000), undefined);
    assert.equal(maintenanceAt([], 1500), undefined);
  });
  it('triggers once on failing outside a window, resolves when no longer failing', () => {
    assert.equal(alertAction('failing', false, false), 'trigger');
    assert.equal(alertAction('failing', true, false), undefined);
    assert.equal(alertAction('failing', false, true), undefined, 'held back in maintenance');
    assert.equal(alertAction('degraded', true, false), 'resolve');
    assert.equal(alertAction('passing', true, true), 'resolve', 'a recovery in maintenance still resolves');
    assert.equal(alertAction('passing', false, false), undefined);
    assert.equal(alertAction('pending', false, false), undefined);
  });
});

describe('rounds and retries', () => {
  it('rounds are aligned to the interval: every replica computes the same start and key', () => {
    assert.equal(roundStart(95_000, 30_000), 90_000);
    assert.equal(roundStart(90_000, 30_000), 90_000);
    const key = roundKey('check:default/x', 'eu-west-1', 90_000);
    assert.equal(key, 'check:default/x@eu-west-1@90000');
    assert.deepEqual(parseRoundKey(key), {
      check: 'check:default/x',
      location: 'eu-west-1',
      roundMs: 90_000,
      retry: 0,
    });
    assert.equal(retryKey(key, 2), 'check:default/x@eu-west-1@90000#retry2');
    assert.deepEqual(parseRoundKey(retryKey(key, 2)), {
      check: 'check:default/x',
      location: 'eu-west-1',
      roundMs: 90_000,
      retry: 2,
    });
    assert.equal(parseRoundKey(`${key}#retry`), undefined);
    assert.equal(parseRoundKey('job:default/x@1'), undefined);
    assert.equal(parseRoundKey('check:default/x@a@b@1'), undefined);
  });
  it('a check runs at a fixed offset within its interval: stable, within [0, interval), spread across checks', () => {
    const key = 'check:default/shipments-health';
    assert.equal(
      checkOffset(key, 60_000),
      checkOffset(key, 60_000),
      'the same on every call (every replica, every restart)',
    );
    for (const interval of [1, 1000, 30_000, 60_000, 3_600_000, 86_400_000]) {
      const offset = checkOffset(key, interval);
      assert.ok(Number.isInteger(offset) && offset >= 0 && offset < interval, `${offset} in [0, ${interval})`);
    }
    assert.equal(checkOffset(key, 1), 0);
    // A thousand checks at one minute land all over it: every six-second tenth of the minute holds some.
    const tenths = new Set(
      Array.from({ length: 1000 }, (_, i) => Math.floor(checkOffset(`check:default/c-${i}`, 60_000) / 6000)),
    );
    assert.equal(tenths.size, 10);
    assert.notEqual(checkOffset('check:default/a', 60_000), checkOffset('check:default/b', 60_000));
    // Hostile and odd keys hash like any other.
    for (const odd of ['', '\u0000', 'ü'.repeat(10_000), 'check:x/__proto__'])
      assert.ok(checkOffset(odd, 60_000) < 60_000);
  });
  it('a round is due at its interval boundary plus the offset; its key keeps the boundary', () => {
    // Offset 17 s in a 60 s interval: the round of 120 s is due at 137 s.
    assert.deepEqual(dueRound(137_000, 60_000, 17_000), { roundMs: 120_000, dueMs: 137_000 });
    assert.deepEqual(dueRound(136_999, 60_000, 17_000), { roundMs: 60_000, dueMs: 77_000 });
    assert.deepEqual(dueRound(196_999, 60_000, 17_000), { roundMs: 120_000, dueMs: 137_000 });
    assert.deepEqual(dueRound(197_000, 60_000, 17_000), { roundMs: 180_000, dueMs: 197_000 });
    assert.deepEqual(dueRound(120_000, 60_000, 0), { roundMs: 120_000, dueMs: 120_000 }, 'offset 0: as before');
  });
  it('a retry elsewhere goes to the other locations in turn', () => {
    assert.equal(retryLocation(['a', 'b', 'c'], 'b', 1), 'a');
    assert.equal(retryLocation(['a', 'b', 'c'], 'b', 2), 'c');
    assert.equal(retryLocation(['a', 'b', 'c'], 'b', 3), 'a');
    assert.equal(retryLocation(['a'], 'a', 1), undefined);
  });
  it('fixed waits the delay each time, linear n times it', () => {
    assert.equal(retryDelayMs({ strategy: 'fixed', count: 3, delayMs: 500, sameLocation: true }, 3), 500);
    assert.equal(retryDelayMs({ strategy: 'linear', count: 3, delayMs: 500, sameLocation: true }, 3), 1500);
  });
});
