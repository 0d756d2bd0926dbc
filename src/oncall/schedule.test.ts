import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Layer, type Override, type Rotation, upcoming, whoIsOnCall } from './schedule.ts';
import { DAY, HOUR, parseLocalDateTime } from './wall-clock.ts';

// Every expected instant below was worked out by hand from the zones' rules for 2025:
// Berlin goes forward on 30 March (01:00Z) and back on 26 October (01:00Z); New York
// forward on 9 March (07:00Z) and back on 2 November (06:00Z).
const t = (iso: string) => Date.parse(iso);
const local = (text: string) => parseLocalDateTime(text) as number;
const WEEKDAYS = [1, 2, 3, 4, 5];
const BUSINESS_HOURS = [{ days: WEEKDAYS, from: 9 * HOUR, to: 17 * HOUR }];

function layer(start: string, turn: number, participants: string[], extra: Partial<Layer> = {}): Layer {
  return { name: 'primary', start: local(start), turn, participants, restrictions: [], ...extra };
}
const rotation = (timeZone: string, ...layers: Layer[]): Rotation => ({ timeZone, layers });
/** Shifts as [user, from, until] in ISO, for readable comparisons. */
const brief = (r: Rotation, overrides: Override[], from: string, until: string) =>
  upcoming(r, overrides, t(from), t(until)).map((s) => [
    s.user,
    new Date(s.from).toISOString(),
    new Date(s.until).toISOString(),
  ]);

describe('daily handoffs across daylight saving (Europe/Berlin)', () => {
  const daily = rotation('Europe/Berlin', layer('2025-03-28T09:00', DAY, ['a', 'b', 'c']));

  it('keeps a 09:00 handoff at 09:00 on the spring-forward day: that turn is 23 hours', () => {
    assert.deepEqual(brief(daily, [], '2025-03-28T08:00:00Z', '2025-03-31T07:00:00Z'), [
      ['a', '2025-03-28T08:00:00.000Z', '2025-03-29T08:00:00.000Z'],
      ['b', '2025-03-29T08:00:00.000Z', '2025-03-30T07:00:00.000Z'],
      ['c', '2025-03-30T07:00:00.000Z', '2025-03-31T07:00:00.000Z'],
    ]);
  });

  it('answers who is on call either side of the handoff on the spring-forward day', () => {
    assert.deepEqual(whoIsOnCall(daily, [], t('2025-03-30T06:59:00Z')), {
      user: 'b',
      layer: 'primary',
      until: t('2025-03-30T07:00:00Z'),
      next: { user: 'c', from: t('2025-03-30T07:00:00Z') },
    });
    assert.equal(whoIsOnCall(daily, [], t('2025-03-30T07:00:00Z')).user, 'c');
  });

  it('keeps it at 09:00 when the clocks go back: that turn is 25 hours', () => {
    const autumn = rotation('Europe/Berlin', layer('2025-10-24T09:00', DAY, ['a', 'b']));
    assert.deepEqual(brief(autumn, [], '2025-10-25T07:00:00Z', '2025-10-27T08:00:00Z'), [
      ['b', '2025-10-25T07:00:00.000Z', '2025-10-26T08:00:00.000Z'],
      ['a', '2025-10-26T08:00:00.000Z', '2025-10-27T08:00:00.000Z'],
    ]);
  });

  it('hands a 12-hour turn over at 09:00 and 21:00 local, whatever the offset', () => {
    const halves = rotation('Europe/Berlin', layer('2025-03-29T21:00', 12 * HOUR, ['a', 'b']));
    assert.deepEqual(brief(halves, [], '2025-03-29T20:00:00Z', '2025-03-30T19:00:00Z'), [
      ['a', '2025-03-29T20:00:00.000Z', '2025-03-30T07:00:00.000Z'],
      ['b', '2025-03-30T07:00:00.000Z', '2025-03-30T19:00:00.000Z'],
    ]);
  });
});

describe('America/New_York', () => {
  it('a daily 09:00 handoff moves from 14:00Z to 13:00Z on the spring-forward day', () => {
    const daily = rotation('America/New_York', layer('2025-03-08T09:00', DAY, ['a', 'b']));
    assert.deepEqual(brief(daily, [], '2025-03-08T14:00:00Z', '2025-03-10T13:00:00Z'), [
      ['a', '2025-03-08T14:00:00.000Z', '2025-03-09T13:00:00.000Z'],
      ['b', '2025-03-09T13:00:00.000Z', '2025-03-10T13:00:00.000Z'],
    ]);
  });

  it('a weekly Monday 09:00 handoff: 167 hours across spring forward, 169 across fall back', () => {
    const spring = rotation('America/New_York', layer('2025-03-03T09:00', 7 * DAY, ['a', 'b']));
    assert.deepEqual(brief(spring, [], '2025-03-03T14:00:00Z', '2025-03-17T13:00:00Z'), [
      ['a', '2025-03-03T14:00:00.000Z', '2025-03-10T13:00:00.000Z'],
      ['b', '2025-03-10T13:00:00.000Z', '2025-03-17T13:00:00.000Z'],
    ]);
    const fall = rotation('America/New_York', layer('2025-10-27T09:00', 7 * DAY, ['a', 'b']));
    const shifts = upcoming(fall, [], t('2025-10-27T13:00:00Z'), t('2025-11-10T14:00:00Z'));
    assert.deepEqual(
      shifts.map((s) => [s.user, (s.until - s.from) / HOUR]),
      [
        ['a', 169],
        ['b', 168],
      ],
    );
  });

  it('is mid-week on call for the right person, until the next Monday 09:00', () => {
    const weekly = rotation('America/New_York', layer('2025-03-03T09:00', 7 * DAY, ['a', 'b', 'c']));
    assert.deepEqual(whoIsOnCall(weekly, [], t('2025-03-19T03:00:00Z')), {
      user: 'c',
      layer: 'primary',
      until: t('2025-03-24T13:00:00Z'),
      next: { user: 'a', from: t('2025-03-24T13:00:00Z') },
    });
  });
});

describe('restrictions', () => {
  // Monday 2 June 2025; Berlin is at +02:00 all week.
  const business = rotation(
    'Europe/Berlin',
    layer('2025-06-02T09:00', DAY, ['a', 'b'], { restrictions: BUSINESS_HOURS }),
  );

  it('has the turn owner on call during business hours on weekdays only', () => {
    assert.deepEqual(brief(business, [], '2025-06-06T00:00:00Z', '2025-06-09T16:00:00Z'), [
      [null, '2025-06-06T00:00:00.000Z', '2025-06-06T07:00:00.000Z'],
      ['a', '2025-06-06T07:00:00.000Z', '2025-06-06T15:00:00.000Z'],
      [null, '2025-06-06T15:00:00.000Z', '2025-06-09T07:00:00.000Z'],
      ['b', '2025-06-09T07:00:00.000Z', '2025-06-09T15:00:00.000Z'],
      [null, '2025-06-09T15:00:00.000Z', '2025-06-09T16:00:00.000Z'],
    ]);
  });

  it('says nobody on Friday evening, and who comes on Monday morning', () => {
    assert.deepEqual(whoIsOnCall(business, [], t('2025-06-06T16:00:00Z')), {
      user: null,
      until: t('2025-06-09T07:00:00Z'),
      next: { user: 'b', from: t('2025-06-09T07:00:00Z') },
    });
  });

  it('a window whose end is before its start runs over midnight', () => {
    const nights = rotation(
      'UTC',
      layer('2025-01-01T00:00', DAY, ['a'], {
        restrictions: [{ days: [1, 2, 3, 4, 5, 6, 7], from: 18 * HOUR, to: 8 * HOUR }],
      }),
    );
    assert.equal(whoIsOnCall(nights, [], t('2025-01-02T07:59:00Z')).user, 'a');
    assert.equal(whoIsOnCall(nights, [], t('2025-01-02T08:00:00Z')).user, null);
    assert.equal(whoIsOnCall(nights, [], t('2025-01-02T18:00:00Z')).user, 'a');
  });

  it('a higher layer wins where it has someone; the lower one covers the rest', () => {
    const layered = rotation(
      'Europe/Berlin',
      layer('2025-06-02T09:00', 7 * DAY, ['a', 'b']),
      layer('2025-06-02T09:00', DAY, ['c'], { name: 'office', restrictions: BUSINESS_HOURS }),
    );
    assert.deepEqual(brief(layered, [], '2025-06-02T06:00:00Z', '2025-06-03T08:00:00Z'), [
      [null, '2025-06-02T06:00:00.000Z', '2025-06-02T07:00:00.000Z'],
      ['c', '2025-06-02T07:00:00.000Z', '2025-06-02T15:00:00.000Z'],
      ['a', '2025-06-02T15:00:00.000Z', '2025-06-03T07:00:00.000Z'],
      ['c', '2025-06-03T07:00:00.000Z', '2025-06-03T08:00:00.000Z'],
    ]);
    assert.deepEqual(whoIsOnCall(layered, [], t('2025-06-02T10:00:00Z')), {
      user: 'c',
      layer: 'office',
      until: t('2025-06-02T15:00:00Z'),
      next: { user: 'a', from: t('2025-06-02T15:00:00Z') },
    });
  });
});

describe('overrides', () => {
  const daily = rotation('UTC', layer('2025-01-01T00:00', DAY, ['a', 'b']));
  const x: Override = { id: '1', user: 'x', from: t('2025-01-01T06:00:00Z'), until: t('2025-01-01T18:00:00Z') };
  const y: Override = { id: '2', user: 'y', from: t('2025-01-01T12:00:00Z'), until: t('2025-01-02T03:00:00Z') };

  it('puts the override person on call; of overlapping overrides the newest wins', () => {
    assert.deepEqual(brief(daily, [x, y], '2025-01-01T00:00:00Z', '2025-01-02T06:00:00Z'), [
      ['a', '2025-01-01T00:00:00.000Z', '2025-01-01T06:00:00.000Z'],
      ['x', '2025-01-01T06:00:00.000Z', '2025-01-01T12:00:00.000Z'],
      ['y', '2025-01-01T12:00:00.000Z', '2025-01-02T03:00:00.000Z'],
      ['b', '2025-01-02T03:00:00.000Z', '2025-01-02T06:00:00.000Z'],
    ]);
  });

  it('reports the override in force and when it ends', () => {
    assert.deepEqual(whoIsOnCall(daily, [x, y], t('2025-01-01T13:00:00Z')), {
      user: 'y',
      override: '2',
      until: t('2025-01-02T03:00:00Z'),
      next: { user: 'b', from: t('2025-01-02T03:00:00Z') },
    });
  });

  it('covers a rotation with nobody, and an override longer than the usual look-ahead', () => {
    const long: Override = { id: '3', user: 'z', from: t('2025-01-01T00:00:00Z'), until: t('2025-03-01T00:00:00Z') };
    assert.deepEqual(whoIsOnCall(rotation('UTC'), [long], t('2025-01-05T00:00:00Z')), {
      user: 'z',
      override: '3',
      until: t('2025-03-01T00:00:00Z'),
    });
  });
});

describe('edge cases', () => {
  it('an empty rotation (no layers, or no participants) has nobody, no handoff and nobody next', () => {
    for (const empty of [rotation('UTC'), rotation('UTC', layer('2025-01-01T00:00', DAY, []))]) {
      assert.deepEqual(whoIsOnCall(empty, [], t('2025-01-05T00:00:00Z')), { user: null });
      assert.deepEqual(brief(empty, [], '2025-01-05T00:00:00Z', '2025-01-06T00:00:00Z'), [
        [null, '2025-01-05T00:00:00.000Z', '2025-01-06T00:00:00.000Z'],
      ]);
    }
  });

  it('one participant is on call with no handoff ahead', () => {
    assert.deepEqual(
      whoIsOnCall(rotation('UTC', layer('2025-01-01T00:00', DAY, ['a'])), [], t('2025-02-01T00:00:00Z')),
      {
        user: 'a',
        layer: 'primary',
      },
    );
  });

  it('nobody before a layer starts; an empty or inverted range has no shifts', () => {
    const daily = rotation('UTC', layer('2025-01-10T09:00', DAY, ['a', 'b']));
    assert.deepEqual(whoIsOnCall(daily, [], t('2025-01-01T00:00:00Z')), {
      user: null,
      until: t('2025-01-10T09:00:00Z'),
      next: { user: 'a', from: t('2025-01-10T09:00:00Z') },
    });
    assert.deepEqual(upcoming(daily, [], t('2025-01-02T00:00:00Z'), t('2025-01-01T00:00:00Z')), []);
  });

  it('a participant list change is a layer that ends and one that starts: the past keeps its order', () => {
    const changed = rotation(
      'UTC',
      layer('2025-01-01T09:00', DAY, ['a', 'b'], { end: local('2025-01-10T09:00') }),
      layer('2025-01-10T09:00', DAY, ['c', 'a', 'b']),
    );
    assert.deepEqual(brief(changed, [], '2025-01-08T09:00:00Z', '2025-01-13T09:00:00Z'), [
      ['b', '2025-01-08T09:00:00.000Z', '2025-01-09T09:00:00.000Z'],
      ['a', '2025-01-09T09:00:00.000Z', '2025-01-10T09:00:00.000Z'],
      ['c', '2025-01-10T09:00:00.000Z', '2025-01-11T09:00:00.000Z'],
      ['a', '2025-01-11T09:00:00.000Z', '2025-01-12T09:00:00.000Z'],
      ['b', '2025-01-12T09:00:00.000Z', '2025-01-13T09:00:00.000Z'],
    ]);
  });

  it('computes 90 days of hourly turns without losing a handoff', () => {
    const hourly = rotation('Europe/Berlin', layer('2025-03-01T00:00', HOUR, ['a', 'b']));
    const shifts = upcoming(hourly, [], t('2025-03-01T00:00:00Z'), t('2025-05-30T00:00:00Z'));
    // 90 days of hours; on 30 March the local 02:00 turn never happens (it starts and
    // ends at 03:00), so whoever had 01:00 has 03:00 too: one shift of two hours.
    assert.equal(shifts.length, 90 * 24 - 1);
    assert.ok(shifts.every((s, i) => i === 0 || s.from === shifts[i - 1]?.until));
  });
});
