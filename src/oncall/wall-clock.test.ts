import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { instantOf, isTimeZone, localOf, parseLocalDateTime, parseTimeOfDay, weekdayOf } from './wall-clock.ts';

const local = (text: string) => parseLocalDateTime(text) as number;
const iso = (ms: number) => new Date(ms).toISOString();

describe('instantOf', () => {
  it('converts ordinary readings with the offset of the day', () => {
    assert.equal(iso(instantOf(local('2025-01-15T09:00'), 'Europe/Berlin')), '2025-01-15T08:00:00.000Z');
    assert.equal(iso(instantOf(local('2025-07-15T09:00'), 'Europe/Berlin')), '2025-07-15T07:00:00.000Z');
    assert.equal(iso(instantOf(local('2025-07-15T09:00'), 'America/New_York')), '2025-07-15T13:00:00.000Z');
    assert.equal(iso(instantOf(local('2025-07-15T09:00'), 'Asia/Kolkata')), '2025-07-15T03:30:00.000Z');
  });

  it('moves a reading in the skipped hour forward by the gap', () => {
    assert.equal(iso(instantOf(local('2025-03-30T02:30'), 'Europe/Berlin')), '2025-03-30T01:30:00.000Z');
    assert.equal(iso(instantOf(local('2025-03-09T02:30'), 'America/New_York')), '2025-03-09T07:30:00.000Z');
  });

  it('takes the first of a reading that happens twice', () => {
    assert.equal(iso(instantOf(local('2025-10-26T02:30'), 'Europe/Berlin')), '2025-10-26T00:30:00.000Z');
    assert.equal(iso(instantOf(local('2025-11-02T01:30'), 'America/New_York')), '2025-11-02T05:30:00.000Z');
  });

  it('localOf reads both occurrences of the repeated hour alike', () => {
    assert.equal(localOf(Date.parse('2025-10-26T00:30:00Z'), 'Europe/Berlin'), local('2025-10-26T02:30'));
    assert.equal(localOf(Date.parse('2025-10-26T01:30:00Z'), 'Europe/Berlin'), local('2025-10-26T02:30'));
  });
});

describe('parsing', () => {
  it('reads local date-times and refuses dates that do not exist', () => {
    assert.equal(parseLocalDateTime('2025-02-28T23:59'), Date.UTC(2025, 1, 28, 23, 59));
    for (const bad of [
      '2025-02-30T09:00',
      '2025-01-01T24:00',
      '2025-01-01T09:60',
      '2025-01-01',
      '09:00',
      '2025-01-01T09:00Z',
    ])
      assert.equal(parseLocalDateTime(bad), undefined, bad);
  });

  it('reads times of day up to 24:00', () => {
    assert.equal(parseTimeOfDay('09:30'), 9.5 * 3_600_000);
    assert.equal(parseTimeOfDay('24:00'), 24 * 3_600_000);
    for (const bad of ['9:00', '24:01', '12:60', 'noon']) assert.equal(parseTimeOfDay(bad), undefined, bad);
  });

  it('knows IANA zones and weekdays', () => {
    assert.equal(isTimeZone('Europe/Berlin'), true);
    assert.equal(isTimeZone('Mars/Olympus_Mons'), false);
    assert.equal(weekdayOf(local('2025-06-02T09:00')), 1);
    assert.equal(weekdayOf(local('2025-06-08T09:00')), 7);
  });
});
