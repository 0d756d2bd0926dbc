import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEMO_STORIES, demoSliHistory, type SliEvent } from './sli-history.ts';

const END = new Date('2026-03-02T02:14:30Z');
const MINUTE = 60_000;
const SLOS = Object.keys(DEMO_STORIES).map((key) => ({ key, objective: '99.9' }));
const history = demoSliHistory([...SLOS, { key: 'slo:default/unknown', objective: 99.5 }], END, 30);
const eventsOf = (key: string): SliEvent[] => history.find((h) => h.slo === key)?.events ?? [];

/** Burn rate over the last `minutes` before the end: error ratio ÷ (1 − 0.999), by hand. */
function burn(key: string, minutes: number, budget = 0.001): number {
  const from = Date.parse('2026-03-02T02:14:00Z') - minutes * MINUTE;
  const inWindow = eventsOf(key).filter((e) => Date.parse(e.at) >= from);
  const good = inWindow.reduce((n, e) => n + e.good, 0);
  const total = inWindow.reduce((n, e) => n + e.total, 0);
  return (1 - good / total) / budget;
}
/** Budget left over the whole history. */
function budgetLeft(key: string, budget = 0.001): number {
  const events = eventsOf(key);
  const good = events.reduce((n, e) => n + e.good, 0);
  const total = events.reduce((n, e) => n + e.total, 0);
  return 1 - (1 - good / total) / budget;
}

describe('demoSliHistory', () => {
  test('the same inputs give the same history; another seed another', () => {
    assert.deepEqual(demoSliHistory(SLOS, END, 30), history.slice(0, SLOS.length));
    assert.notDeepEqual(demoSliHistory(SLOS, END, 30, 18)[0]?.events, history[0]?.events);
  });

  test('hour buckets, then minute buckets for the last two days, ending at the minute, oldest first', () => {
    const events = eventsOf('slo:default/shipments-availability');
    // 28 days from 02:14 in hours: a cut first hour (02:14–03:00), 671 whole ones, a cut last one (02:00–02:14).
    assert.equal(events.length, 28 * 24 + 1 + 2 * 1440);
    assert.equal(events[0]?.at, '2026-01-31T02:14:00.000Z');
    assert.equal(events[1]?.at, '2026-01-31T03:00:00.000Z');
    assert.equal(events.at(-1)?.at, '2026-03-02T02:13:00.000Z');
    assert.equal(events[28 * 24]?.at, '2026-02-28T02:00:00.000Z');
    assert.equal(
      events[28 * 24]?.total !== undefined && (events[28 * 24]?.total ?? 0) < (events[28 * 24 - 1]?.total ?? 0),
      true,
      'the hour before the minutes is cut at 02:14',
    );
    assert.equal(events[28 * 24 + 1]?.at, '2026-02-28T02:14:00.000Z');
    const times = events.map((e) => Date.parse(e.at));
    assert.ok(times.every((t, i) => i === 0 || t > (times[i - 1] as number)));
  });

  test('every bucket is what the events API takes: whole counts, good within total, at least one event', () => {
    for (const { events } of history)
      for (const e of events) {
        assert.ok(Number.isInteger(e.good) && Number.isInteger(e.total), e.at);
        assert.ok(e.good >= 0 && e.good <= e.total && e.total >= 1, e.at);
      }
  });

  test('the shipment service burns its budget now: the 1h/5m page alert fires, the 6h/30m one not yet', () => {
    const key = 'slo:default/shipments-availability';
    assert.ok(burn(key, 60) > 14.4, `1h burn ${burn(key, 60)}`);
    assert.ok(burn(key, 5) > 14.4, `5m burn ${burn(key, 5)}`);
    assert.ok(burn(key, 360) < 6, `6h burn ${burn(key, 360)}`);
    const left = budgetLeft(key);
    assert.ok(left > 0.2 && left < 0.6, `budget left ${left}`);
  });

  test('every other SLO is healthy now, with budget left', () => {
    for (const { key } of SLOS.filter((s) => s.key !== 'slo:default/shipments-availability')) {
      assert.ok(burn(key, 60) < 1.5, `${key} 1h burn ${burn(key, 60)}`);
      assert.ok(budgetLeft(key) > 0.3, `${key} budget left ${budgetLeft(key)}`);
    }
    assert.ok(budgetLeft('slo:default/unknown', 0.005) > 0.5, 'an SLO without a story is healthy too');
  });

  test('a window shorter than two days is minutes only', () => {
    const [short] = demoSliHistory([{ key: 'slo:default/quotes-availability', objective: '99.9' }], END, 1);
    assert.equal(short?.events.length, 1440);
  });
});
