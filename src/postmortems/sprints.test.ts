import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_SPRINT,
  escalationSprint,
  isOverdue,
  localDayOf,
  overdueFrom,
  sprintOf,
  sprintSettingsProblem,
  sprintStart,
} from './sprints.ts';

const utc = DEFAULT_SPRINT; // 14 days from Monday 2026-01-05, UTC
const berlin = { ...utc, timeZone: 'Europe/Berlin' };
const at = (iso: string) => new Date(iso);

describe('sprintOf and sprintStart', () => {
  it('number sprints from the anchor, both ways', () => {
    assert.equal(sprintOf(at('2026-01-05T00:00:00Z'), utc), 0);
    assert.equal(sprintOf(at('2026-01-18T23:59:59.999Z'), utc), 0);
    assert.equal(sprintOf(at('2026-01-19T00:00:00Z'), utc), 1);
    assert.equal(sprintOf(at('2026-01-04T23:59:59Z'), utc), -1);
    assert.equal(sprintOf(at('2025-12-22T00:00:00Z'), utc), -1);
    assert.equal(sprintOf(at('2025-12-21T23:00:00Z'), utc), -2);
    assert.equal(sprintStart(0, utc), '2026-01-05');
    assert.equal(sprintStart(1, utc), '2026-01-19');
    assert.equal(sprintStart(-1, utc), '2025-12-22');
  });

  it('start a sprint at the organisation’s midnight, not UTC’s', () => {
    // 23:30 UTC on Sunday is 00:30 on Monday in Berlin (winter, UTC+1).
    assert.equal(sprintOf(at('2026-01-18T23:30:00Z'), utc), 0);
    assert.equal(sprintOf(at('2026-01-18T23:30:00Z'), berlin), 1);
    // Summer time (UTC+2): 22:30 UTC Sunday is already Monday in Berlin.
    const summer = { ...berlin, anchor: '2026-06-01' };
    assert.equal(sprintOf(at('2026-06-14T22:30:00Z'), summer), 1);
    assert.equal(sprintOf(at('2026-06-14T21:30:00Z'), summer), 0);
    const la = { ...utc, timeZone: 'America/Los_Angeles' };
    assert.equal(sprintOf(at('2026-01-19T07:59:00Z'), la), 0, 'still Sunday in Los Angeles');
    assert.equal(sprintOf(at('2026-01-19T08:00:00Z'), la), 1);
  });

  it('keep sprints a fixed number of days across a daylight-saving change', () => {
    // Berlin moves to summer time on 2026-03-29; the sprint from 2026-03-16 still ends after 14 local days.
    assert.equal(sprintOf(at('2026-03-29T21:59:00Z'), berlin), 5, 'Sunday 23:59 local');
    assert.equal(sprintOf(at('2026-03-29T22:00:00Z'), berlin), 6, 'Monday 00:00 local');
    assert.equal(sprintStart(6, berlin), '2026-03-30');
  });

  it('count leap days as days', () => {
    const leap = { lengthDays: 14, anchor: '2028-02-21', timeZone: 'UTC' };
    assert.equal(sprintStart(1, leap), '2028-03-06', 'Feb 21 + 14 days crosses Feb 29');
    assert.equal(sprintOf(at('2028-02-29T12:00:00Z'), leap), 0);
    assert.equal(sprintOf(at('2028-03-05T23:59:59Z'), leap), 0);
    assert.equal(sprintOf(at('2028-03-06T00:00:00Z'), leap), 1);
    const plain = { ...leap, anchor: '2027-02-22' };
    assert.equal(sprintStart(1, plain), '2027-03-08');
  });

  it('take other lengths', () => {
    const week = { ...utc, lengthDays: 7 };
    assert.equal(sprintOf(at('2026-01-12T00:00:00Z'), week), 1);
    assert.equal(sprintOf(at('2026-02-02T00:00:00Z'), week), 4);
  });
});

describe('localDayOf', () => {
  it('reads the calendar day in the zone', () => {
    assert.equal(localDayOf(at('2026-01-01T23:30:00Z'), 'UTC'), localDayOf(at('2026-01-01T00:00:00Z'), 'UTC'));
    assert.equal(localDayOf(at('2026-01-01T23:30:00Z'), 'Asia/Tokyo'), localDayOf(at('2026-01-02T12:00:00Z'), 'UTC'));
  });
});

describe('overdue and escalation', () => {
  const published = at('2026-01-07T10:00:00Z'); // Wednesday of sprint 0

  it('is overdue from the start of the second sprint after publication', () => {
    assert.equal(overdueFrom(published, utc), '2026-02-02');
    assert.equal(isOverdue('open', published, at('2026-02-01T23:59:59Z'), utc), false);
    assert.equal(isOverdue('open', published, at('2026-02-02T00:00:00Z'), utc), true);
    // Published on the sprint's last day, it still gets one whole sprint.
    assert.equal(overdueFrom(at('2026-01-18T20:00:00Z'), utc), '2026-02-02');
    // Published on its first day, two whole sprints.
    assert.equal(overdueFrom(at('2026-01-19T00:00:00Z'), utc), '2026-02-16');
  });

  it('is never overdue when done, deprioritised or not yet published', () => {
    const later = at('2026-06-01T00:00:00Z');
    assert.equal(isOverdue('done', published, later, utc), false);
    assert.equal(isOverdue('deprioritised', published, later, utc), false);
    assert.equal(isOverdue('open', undefined, later, utc), false);
  });

  it('is escalated in each sprint it stays overdue, named by the current sprint', () => {
    assert.equal(escalationSprint('open', published, at('2026-01-30T00:00:00Z'), utc), undefined);
    assert.equal(escalationSprint('open', published, at('2026-02-02T00:00:00Z'), utc), 2);
    assert.equal(escalationSprint('open', published, at('2026-02-15T23:00:00Z'), utc), 2);
    assert.equal(escalationSprint('open', published, at('2026-02-16T00:00:00Z'), utc), 3);
    assert.equal(escalationSprint('done', published, at('2026-02-16T00:00:00Z'), utc), undefined);
  });

  it('judges publication and now in the organisation’s zone', () => {
    // Published Sunday 23:30 UTC = Monday 00:30 in Berlin: sprint 1 there, sprint 0 in UTC.
    const late = at('2026-01-18T23:30:00Z');
    assert.equal(overdueFrom(late, utc), '2026-02-02');
    assert.equal(overdueFrom(late, berlin), '2026-02-16');
  });
});

describe('sprintSettingsProblem', () => {
  it('accepts sensible settings and names what is wrong otherwise', () => {
    assert.equal(sprintSettingsProblem(utc), undefined);
    assert.match(sprintSettingsProblem({ ...utc, lengthDays: 0 }) ?? '', /lengthDays/);
    assert.match(sprintSettingsProblem({ ...utc, lengthDays: 1.5 }) ?? '', /lengthDays/);
    assert.match(sprintSettingsProblem({ ...utc, anchor: '2026-02-30' }) ?? '', /anchor/);
    assert.match(sprintSettingsProblem({ ...utc, timeZone: 'Mars/Olympus' }) ?? '', /timeZone/);
  });
});
