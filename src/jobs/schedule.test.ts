import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compileSchedule,
  MAX_SCHEDULE_LENGTH,
  nextTick,
  nextTicks,
  previousTick,
  scheduleInWords,
  scheduleProblem,
  ticksBetween,
} from './schedule.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const ticks = (expression: string, zone: string, from: string, count: number) =>
  nextTicks(compileSchedule(expression, zone), at(from), count).map(iso);

describe('scheduleProblem', () => {
  it('accepts five fields, six with seconds, L, W, #, names and nicknames', () => {
    for (const e of [
      '0 2 * * *',
      '*/15 * * * * *',
      '0 0 L * *',
      '0 0 LW * *',
      '0 0 15W * *',
      '0 9 * * 5#2',
      '0 9 * * 5L',
      '0 9 * * MON-FRI',
      '0 0 1 JAN *',
      '@daily',
      '@hourly',
    ])
      assert.equal(scheduleProblem(e), undefined, e);
  });

  it('refuses what is not a schedule, with a reason', () => {
    const cases: [string, RegExp][] = [
      ['', /neither 5 fields/],
      ['* * * *', /neither 5 fields/],
      ['0 0 0 * * * 2027', /neither 5 fields/],
      ['61 * * * *', /minute/i],
      ['0 25 * * *', /hour/i],
      ['0 0 * * 8', /dayOfWeek/],
      ['0 0 32 * *', /day/i],
      ['*/0 * * * *', /stepping/],
      ['0 0 30 2 *', /no time that exists/],
      ['* * * * * *', /more often than every 10 seconds/],
      ['*/5 * * * * *', /more often/],
      ['@reboot', /neither 5 fields/],
      ['0 0 * * 1#6', /nth weekday/],
      ['0 0 5W-10 * *', /W/],
      ['rm -rf / * * *', /illegal characters|neither/],
      ['0 0 * * *; curl evil', /neither 5 fields|illegal/],
      [`${'1,'.repeat(100)}1 * * * *`, /longer than/],
    ];
    for (const [e, reason] of cases) assert.match(scheduleProblem(e) ?? 'accepted', reason, e);
    assert.ok('x'.repeat(MAX_SCHEDULE_LENGTH + 1).length > MAX_SCHEDULE_LENGTH);
  });

  it('compileSchedule throws on a refused expression', () => {
    assert.throws(() => compileSchedule('0 0 30 2 *', 'UTC'), /Not a schedule/);
  });
});

describe('nextTick', () => {
  it('follows the expression in UTC: L, W, #, seconds', () => {
    assert.deepEqual(ticks('0 0 L * *', 'UTC', '2026-01-01T00:00:00Z', 3), [
      '2026-01-31T00:00:00.000Z',
      '2026-02-28T00:00:00.000Z',
      '2026-03-31T00:00:00.000Z',
    ]);
    // 15 Feb 2026 is a Sunday, 15 Mar too: the nearest weekday is the Monday after.
    assert.deepEqual(ticks('0 0 15W * *', 'UTC', '2026-01-01T00:00:00Z', 3), [
      '2026-01-15T00:00:00.000Z',
      '2026-02-16T00:00:00.000Z',
      '2026-03-16T00:00:00.000Z',
    ]);
    assert.deepEqual(ticks('0 9 * * 5#2', 'UTC', '2026-01-01T00:00:00Z', 2), [
      '2026-01-09T09:00:00.000Z',
      '2026-02-13T09:00:00.000Z',
    ]);
    assert.deepEqual(ticks('*/20 * * * * *', 'UTC', '2026-01-01T00:00:05Z', 3), [
      '2026-01-01T00:00:20.000Z',
      '2026-01-01T00:00:40.000Z',
      '2026-01-01T00:01:00.000Z',
    ]);
  });

  it('is strictly after its argument, also exactly on a tick', () => {
    const s = compileSchedule('0 2 * * *', 'Europe/Berlin');
    const first = nextTick(s, at('2026-06-01T00:00:00Z')) as number;
    assert.equal(iso(first), '2026-06-02T00:00:00.000Z');
    assert.equal(iso(nextTick(s, first) as number), '2026-06-03T00:00:00.000Z');
  });

  it('runs a fixed time in the zone: 02:00 Berlin is 01:00Z in winter, 00:00Z in summer', () => {
    assert.deepEqual(ticks('0 2 * * *', 'Europe/Berlin', '2026-01-10T12:00:00Z', 1), ['2026-01-11T01:00:00.000Z']);
    assert.deepEqual(ticks('0 2 * * *', 'Europe/Berlin', '2026-07-10T12:00:00Z', 1), ['2026-07-11T00:00:00.000Z']);
  });

  it('Europe/Berlin spring forward: a skipped time runs once, moved by the gap (02:30 → 03:30 CEST)', () => {
    assert.deepEqual(ticks('30 2 * * *', 'Europe/Berlin', '2026-03-27T12:00:00Z', 3), [
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:30:00.000Z', // 03:30 CEST: 02:30 did not exist
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
    ]);
  });

  it('Europe/Berlin fall back: a repeated time runs once, at its first occurrence', () => {
    assert.deepEqual(ticks('30 2 * * *', 'Europe/Berlin', '2026-10-23T12:00:00Z', 3), [
      '2026-10-24T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T00:30:00.000Z', // 02:30 CEST, the first of two
      '2026-10-26T01:30:00.000Z', // 02:30 CET
    ]);
  });

  it('America/New_York spring forward and fall back, by the same rule', () => {
    assert.deepEqual(ticks('30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z', 2), [
      '2026-03-08T07:30:00.000Z', // 03:30 EDT: 02:30 did not exist
      '2026-03-09T06:30:00.000Z',
    ]);
    assert.deepEqual(ticks('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', 2), [
      '2026-11-01T05:30:00.000Z', // 01:30 EDT, the first of two
      '2026-11-02T06:30:00.000Z', // 01:30 EST
    ]);
  });

  it('a schedule with every hour follows elapsed time: nothing in the gap, both passes of the repeated hour', () => {
    assert.deepEqual(ticks('*/30 * * * *', 'Europe/Berlin', '2026-03-28T23:45:00Z', 4), [
      '2026-03-29T00:00:00.000Z',
      '2026-03-29T00:30:00.000Z',
      '2026-03-29T01:00:00.000Z', // 03:00 CEST, right after 01:30 CET
      '2026-03-29T01:30:00.000Z',
    ]);
    assert.deepEqual(ticks('0 * * * *', 'America/New_York', '2026-11-01T04:30:00Z', 3), [
      '2026-11-01T05:00:00.000Z', // 01:00 EDT
      '2026-11-01T06:00:00.000Z', // 01:00 EST
      '2026-11-01T07:00:00.000Z', // 02:00 EST
    ]);
  });

  it('ticks keep increasing through every DST change of a year in both zones', () => {
    for (const zone of ['Europe/Berlin', 'America/New_York'])
      for (const e of ['*/30 * * * *', '30 2 * * *', '0 1-3 * * *']) {
        const s = compileSchedule(e, zone);
        for (const from of [
          '2026-03-07T00:00:00Z',
          '2026-03-28T00:00:00Z',
          '2026-10-24T00:00:00Z',
          '2026-10-31T00:00:00Z',
        ]) {
          const list = nextTicks(s, at(from), 60);
          for (let i = 1; i < list.length; i++)
            assert.ok((list[i] as number) > (list[i - 1] as number), `${zone} ${e} ${from}`);
        }
      }
  });

  it('answers undefined when the schedule has no more ticks', () => {
    assert.equal(nextTick(compileSchedule('0 0 1 1 *', 'UTC'), at('2999-06-01T00:00:00Z')), undefined);
  });
});

describe('previousTick', () => {
  it('is the last tick at or before its argument, however far back', () => {
    const daily = compileSchedule('0 2 * * *', 'Europe/Berlin');
    assert.equal(iso(previousTick(daily, at('2026-06-10T12:00:00Z')) as number), '2026-06-10T00:00:00.000Z');
    assert.equal(iso(previousTick(daily, at('2026-06-10T00:00:00Z')) as number), '2026-06-10T00:00:00.000Z');
    const yearly = compileSchedule('0 0 1 1 *', 'UTC');
    assert.equal(iso(previousTick(yearly, at('2026-12-30T00:00:00Z')) as number), '2026-01-01T00:00:00.000Z');
  });
});

describe('ticksBetween', () => {
  const s = compileSchedule('*/10 * * * *', 'UTC');
  it('lists the ticks in (after, until]', () => {
    assert.deepEqual(ticksBetween(s, at('2026-01-01T00:00:00Z'), at('2026-01-01T00:30:00Z'), 10).ticks.map(iso), [
      '2026-01-01T00:10:00.000Z',
      '2026-01-01T00:20:00.000Z',
      '2026-01-01T00:30:00.000Z',
    ]);
  });
  it('stops at the cap and says more remain', () => {
    const { ticks: list, more } = ticksBetween(s, at('2026-01-01T00:00:00Z'), at('2026-01-02T00:00:00Z'), 5);
    assert.equal(list.length, 5);
    assert.equal(more, true);
    assert.equal(ticksBetween(s, at('2026-01-01T00:00:00Z'), at('2026-01-01T00:50:00Z'), 5).more, false);
  });
});

describe('scheduleInWords', () => {
  it('says common schedules in short English', () => {
    const cases: [string, string][] = [
      ['0 2 * * *', 'at 02:00 every day'],
      ['*/5 * * * *', 'every 5 minutes'],
      ['* * * * *', 'every minute'],
      ['@hourly', 'every hour'],
      ['15 * * * *', 'at minute 15 of every hour'],
      ['*/15 * * * * *', 'every 15 seconds'],
      ['30 0 9 * * 1-5', 'at 09:00:30 on Monday through Friday'],
      ['0 0 L * *', 'at 00:00 on the last day of the month'],
      ['0 0 LW * *', 'at 00:00 on the last weekday of the month'],
      ['0 0 15W * *', 'at 00:00 on the weekday nearest day 15 of the month'],
      ['0 9 * * 5#2', 'at 09:00 on the second Friday of the month'],
      ['0 9 * * 1L', 'at 09:00 on the last Monday of the month'],
      ['0 9 1,15 * *', 'at 09:00 on day 1, 15 of the month'],
      ['0 9 1 * 1', 'at 09:00 on day 1 of the month or on Monday'],
      ['0 6 1 1,7 *', 'at 06:00 on day 1 of the month in January, July'],
      ['0 8-18/2 * * *', 'at minute 0, of hour every 2 from 8 through 18'],
    ];
    for (const [e, words] of cases) assert.equal(scheduleInWords(e), words, e);
  });
  it('says nothing for what is not a schedule', () => {
    assert.equal(scheduleInWords('nonsense'), undefined);
  });
});
