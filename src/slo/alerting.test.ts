import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dedupKeyOf, evaluatePairs, type PairVerdict, type StoredAlert, sloAlertOf, transition } from './alerting.ts';
import { errorBudget } from './budget.ts';
import { formatExact } from './exact.ts';
import { type BurnWindow, DEFAULT_ALERT_PAIRS, type EventCounts } from './model.ts';

const budget = errorBudget('99.9');
/** `total` events of which `errors` failed. */
const counts = (errors: number, total: number): EventCounts => ({ good: total - errors, total });
const verdicts = (windows: Partial<Record<BurnWindow, EventCounts>>, hours = 720, minEvents = 100) =>
  evaluatePairs(DEFAULT_ALERT_PAIRS, windows, budget, hours, minEvents);
const firing = (v: PairVerdict[]) => v.filter((x) => x.firing).map((x) => `${x.pair.long}/${x.pair.short}`);

describe('evaluatePairs', () => {
  it('fires a pair only when both windows burn above its factor', () => {
    // 2 % errors: burn 20 over both page windows of the fast pair (factor 14.4).
    assert.deepEqual(firing(verdicts({ '1h': counts(200, 10_000), '5m': counts(20, 1000) })), ['1h/5m']);
    // The long window burns, the short one has recovered (1 error in 1,000: burn 1).
    assert.deepEqual(firing(verdicts({ '1h': counts(200, 10_000), '5m': counts(1, 1000) })), []);
    // The short window spikes, the long one does not.
    assert.deepEqual(firing(verdicts({ '1h': counts(100, 10_000), '5m': counts(100, 1000) })), []);
  });

  it('reports each pair with its exact factor', () => {
    assert.deepEqual(
      verdicts({}).map((v) => formatExact(v.factor)),
      ['14.4', '6', '3', '1'],
    );
    assert.deepEqual(
      verdicts({}, 672).map((v) => formatExact(v.factor)),
      ['13.44', '5.6', '2.8', '0.933333333333'],
    );
  });

  it('scales to 28 days: a burn of 14 pages over a 28-day window but not a 30-day one', () => {
    const burning14 = { '1h': counts(140, 10_000), '5m': counts(14, 1000) };
    assert.deepEqual(firing(verdicts(burning14, 720)), []);
    assert.deepEqual(firing(verdicts(burning14, 672)), ['1h/5m']);
  });

  it('fires every pair whose windows burn: a steady 2 % burn fires all four', () => {
    const all = { '5m': counts(20, 1000), '30m': counts(120, 6000), '1h': counts(200, 10_000) };
    const slow = { '2h': counts(400, 20_000), '6h': counts(1200, 60_000), '1d': counts(4800, 240_000) };
    assert.deepEqual(firing(verdicts({ ...all, ...slow, '3d': counts(14_400, 720_000) })), [
      '1h/5m',
      '6h/30m',
      '1d/2h',
      '3d/6h',
    ]);
  });

  it('keeps a quiet service from paging: fewer than minEvents in a window never fires', () => {
    // 3 requests, 1 error: burn 333, but only 3 events.
    assert.deepEqual(firing(verdicts({ '1h': counts(1, 3), '5m': counts(1, 3) })), []);
    assert.deepEqual(firing(verdicts({ '1h': counts(1, 3), '5m': counts(1, 3) }, 720, 3)), ['1h/5m']);
    assert.deepEqual(firing(verdicts({ '1h': counts(50, 100), '5m': counts(50, 99) })), [], 'one window short');
  });
});

describe('transition', () => {
  const at = (m: number) => `2025-03-15T12:${String(m).padStart(2, '0')}:00.000Z`;
  const burning = verdicts({ '1h': counts(200, 10_000), '5m': counts(20, 1000) });
  const calm = verdicts({ '1h': counts(0, 10_000), '5m': counts(0, 1000) });

  it('moves ok → firing → resolved → firing, changing once each', () => {
    const fired = transition('page', undefined, burning, at(0));
    assert.deepEqual(fired, {
      alert: { severity: 'page', state: 'firing', since: at(0), long: '1h', short: '5m', factor: '14.4' },
      changed: 'fired',
    });
    const still = transition('page', fired?.alert, burning, at(1));
    assert.deepEqual(still, { alert: fired?.alert, changed: undefined }, 'firing stays, since unchanged');
    const resolved = transition('page', still?.alert, calm, at(2));
    assert.equal(resolved?.changed, 'resolved');
    assert.equal(resolved?.alert.state, 'resolved');
    assert.equal(resolved?.alert.since, at(2));
    assert.deepEqual(transition('page', resolved?.alert, calm, at(3)), { alert: resolved?.alert, changed: undefined });
    const again = transition('page', resolved?.alert, burning, at(4));
    assert.equal(again?.changed, 'fired');
    assert.equal(again?.alert.since, at(4));
  });

  it('keeps no alert while calm, and leaves the ticket alone when only pages fire', () => {
    assert.equal(transition('page', undefined, calm, at(0)), undefined);
    assert.equal(transition('ticket', undefined, burning, at(0)), undefined);
  });

  it('holds the state when there is no verdict (no data, source down): an outage neither pages nor resolves', () => {
    const alert: StoredAlert = {
      severity: 'page',
      state: 'firing',
      since: at(0),
      long: '1h',
      short: '5m',
      factor: '14.4',
    };
    assert.deepEqual(transition('page', alert, undefined, at(5)), { alert, changed: undefined });
    assert.equal(transition('page', undefined, undefined, at(5)), undefined);
  });
});

describe('dedup keys and alerts as shown', () => {
  it('has one key per SLO and severity', () => {
    assert.equal(dedupKeyOf('slo:default/a', 'page'), 'atrium-slo/slo:default/a/page');
    assert.notEqual(dedupKeyOf('slo:default/a', 'page'), dedupKeyOf('slo:default/a', 'ticket'));
    const alert: StoredAlert = {
      severity: 'ticket',
      state: 'resolved',
      since: 't',
      long: '3d',
      short: '6h',
      factor: '1',
    };
    assert.deepEqual(sloAlertOf('slo:default/a', alert), { ...alert, dedupKey: 'atrium-slo/slo:default/a/ticket' });
  });
});
