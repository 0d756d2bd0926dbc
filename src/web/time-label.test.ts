import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { absoluteTime, timeLabel, utcText } from './time-label.ts';

const NOW = Date.parse('2026-03-02T02:17:00Z');

describe('timeLabel', () => {
  test("today: the reader's time of day next to the relative time, UTC in the title", () => {
    assert.deepEqual(timeLabel('2026-03-02T02:14:00.000Z', NOW, { utc: false, timeZone: 'UTC' }), {
      text: '02:14 UTC · 3 minutes ago',
      title: '2026-03-02 02:14 UTC',
    });
    assert.deepEqual(timeLabel('2026-03-02T02:14:00.000Z', NOW, { utc: false, timeZone: 'Europe/Paris' }), {
      text: '03:14 · 3 minutes ago',
      title: '2026-03-02 02:14 UTC',
    });
  });

  test('the UTC setting wins over the zone', () => {
    assert.equal(
      timeLabel('2026-03-02T02:14:00Z', NOW, { utc: true, timeZone: 'America/New_York' })?.text,
      '02:14 UTC · 3 minutes ago',
    );
  });

  test('another day brings the date, another year the year; the day is the reader’s', () => {
    assert.equal(absoluteTime('2026-02-27T10:05:00Z', NOW, 'UTC'), '27 Feb, 10:05 UTC');
    assert.equal(absoluteTime('2025-12-31T23:30:00Z', NOW, 'UTC'), '31 Dec 2025, 23:30 UTC');
    // Now is 21:17 on 1 March in New York and 11:17 on 2 March in Tokyo: noon UTC on 1 March is today in one, yesterday in the other.
    assert.equal(absoluteTime('2026-03-01T12:00:00Z', NOW, 'America/New_York'), '07:00');
    assert.equal(absoluteTime('2026-03-01T12:00:00Z', NOW, 'Asia/Tokyo'), '1 Mar, 21:00');
    // Across a DST change: 8 March 2026 07:30 UTC is 03:30 EDT (the clocks went forward at 02:00).
    assert.equal(absoluteTime('2026-03-08T07:30:00Z', Date.parse('2026-03-08T08:00:00Z'), 'America/New_York'), '03:30');
  });

  test('a datetime that is not one is left alone', () => {
    assert.equal(timeLabel('yesterday', NOW, { utc: false }), undefined);
    assert.equal(utcText('<script>'), '');
  });
});
