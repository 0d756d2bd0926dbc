import { dateOfDay, dayNumber } from './action-items.ts';
import type { ActionStatus } from './model.ts';
import { DAY, dayOf, isTimeZone, localOf } from '../oncall/wall-clock.ts';

/**
 * Sprints as the organisation runs them (atrium.yaml's `postmortems.sprint`): a length in
 * days and an anchor date one sprint starts on, in the organisation's time zone. Which
 * sprint an instant falls in, and when an action item of a post-mortem is overdue and is
 * escalated: once it is not done two sprints after the sprint of publication, once in each
 * sprint after that. Pure.
 */

export interface SprintSettings {
  lengthDays: number;
  /** A day a sprint starts on, `YYYY-MM-DD`; sprints run back and forth from it. */
  anchor: string;
  /** The IANA zone whose midnight starts a sprint. */
  timeZone: string;
}

/** Two weeks from a Monday, in UTC, unless atrium.yaml says otherwise. */
export const DEFAULT_SPRINT: SprintSettings = { lengthDays: 14, anchor: '2026-01-05', timeZone: 'UTC' };

/**
 * The sprint of publication and the one after it are the item's time: from the start of
 * the second sprint after publication it is overdue. So an item always gets at least one
 * whole sprint, and at most two, whatever day of its sprint the post-mortem was published.
 */
export const ESCALATE_AFTER_SPRINTS = 2;

/** What is wrong with sprint settings (for config errors), or undefined. */
export function sprintSettingsProblem(settings: SprintSettings): string | undefined {
  if (!Number.isInteger(settings.lengthDays) || settings.lengthDays < 1 || settings.lengthDays > 366)
    return 'lengthDays: a whole number of days from 1 to 366';
  if (dayNumber(settings.anchor) === undefined) return 'anchor: a calendar date, YYYY-MM-DD';
  if (!isTimeZone(settings.timeZone)) return 'timeZone: an IANA time zone such as Europe/Berlin';
  return undefined;
}

/** The calendar day (days since 1970-01-01) that `instant` reads as in the zone. */
export function localDayOf(instant: Date, timeZone: string): number {
  return dayOf(localOf(instant.getTime(), timeZone)) / DAY;
}

/** The sprint `instant` falls in: 0 is the one starting on the anchor, earlier ones are negative. */
export function sprintOf(instant: Date, settings: SprintSettings): number {
  const anchor = dayNumber(settings.anchor) ?? 0;
  return Math.floor((localDayOf(instant, settings.timeZone) - anchor) / settings.lengthDays);
}

/** The first day of a sprint, `YYYY-MM-DD`. */
export function sprintStart(sprint: number, settings: SprintSettings): string {
  return dateOfDay((dayNumber(settings.anchor) ?? 0) + sprint * settings.lengthDays);
}

/** The first sprint in which an item of a post-mortem published at `publishedAt` is overdue. */
export function overdueSprint(publishedAt: Date, settings: SprintSettings): number {
  return sprintOf(publishedAt, settings) + ESCALATE_AFTER_SPRINTS;
}

/** The day an item of a post-mortem published at `publishedAt` becomes overdue, `YYYY-MM-DD`. */
export function overdueFrom(publishedAt: Date, settings: SprintSettings): string {
  return sprintStart(overdueSprint(publishedAt, settings), settings);
}

/** Whether an item is overdue at `now`: still open two sprints after its post-mortem's publication. */
export function isOverdue(
  status: ActionStatus,
  publishedAt: Date | undefined,
  now: Date,
  settings: SprintSettings,
): boolean {
  return (
    status === 'open' && publishedAt !== undefined && sprintOf(now, settings) >= overdueSprint(publishedAt, settings)
  );
}

/**
 * The sprint an open, overdue item is to be escalated in at `now` (the current one), or
 * undefined when it is not overdue. Whether that sprint's escalation already happened is
 * the database's to say: it holds one row per item and sprint.
 */
export function escalationSprint(
  status: ActionStatus,
  publishedAt: Date | undefined,
  now: Date,
  settings: SprintSettings,
): number | undefined {
  return isOverdue(status, publishedAt, now, settings) ? sprintOf(now, settings) : undefined;
}
