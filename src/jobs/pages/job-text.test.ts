import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { durationText, zonedText } from './job-text.ts';

describe('job texts', () => {
  it('durations read as a person says them', () => {
    assert.equal(durationText(850), '850 ms');
    assert.equal(durationText(12_000), '12 s');
    assert.equal(durationText(185_000), '3 min 5 s');
    assert.equal(durationText(180_000), '3 min');
    assert.equal(durationText(2 * 3_600_000 + 4 * 60_000), '2 h 4 min');
    assert.equal(durationText(-5), '0 ms');
  });
  it('times read in the job’s zone, with its abbreviation', () => {
    assert.match(zonedText(Date.parse('2026-03-29T01:30:00Z'), 'Europe/Berlin'), /29 Mar 2026, 03:30 (CEST|GMT\+2)/);
    assert.match(zonedText(Date.parse('2026-01-10T07:00:00Z'), 'America/New_York'), /10 Jan 2026, 02:00 (EST|GMT-5)/);
  });
});
