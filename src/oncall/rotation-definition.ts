import type { Layer, Restriction, Rotation } from './schedule.ts';
import { DAY, HOUR, isTimeZone, parseLocalDateTime, parseTimeOfDay } from './wall-clock.ts';

/**
 * On-call rotations as code: the catalog's `Rotation` kind (`apiVersion: atrium.dev/v1`),
 * owned by a team, and how its spec becomes a schedule (schedule.ts). Pure.
 *
 * @example
 * // spec: { owner: group:checkout, level: 1, timeZone: Europe/Berlin,
 * //         layers: [{ name: weekly, start: '2025-01-06T09:00', turn: weekly,
 * //                    participants: [user:ana, user:ben] }] }
 * rotationOf(spec); // { timeZone: 'Europe/Berlin', layers: [{ turn: 7 days, start: 2025-01-06 09:00 local, ... }] }
 */

export const ROTATION_API_VERSION = 'atrium.dev/v1';
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
/** `daily`, `weekly`, or a count of hours, days or weeks (`12h`, `3d`, `2w`). */
export const TURN = /^(daily|weekly|[1-9]\d{0,2}[hdw])$/;
export const MAX_LAYERS = 10;
export const MAX_PARTICIPANTS = 100;
export const MAX_LEVEL = 9;
/** The longest turn: a quarter of a year is already more than any team rotates by. */
const MAX_TURN = 13 * 7 * DAY;

export interface RestrictionSpec {
  /** The weekdays a window starts on (all, when left out). */
  days?: Weekday[];
  /** `HH:MM` local; a `to` at or before `from` ends the next day. */
  from: string;
  to: string;
}

export interface LayerSpec {
  name?: string;
  /** `YYYY-MM-DDTHH:MM` in the rotation's time zone: the first handoff, which fixes the handoff's time (and weekday). */
  start: string;
  end?: string;
  turn: string;
  participants: string[];
  restrictions?: RestrictionSpec[];
}

/** A Rotation's spec as written (after the catalog's schema has checked its shape). */
export interface RotationSpec {
  owner: string;
  /** Its place in the owner's escalation chain: 1 is paged first. */
  level?: number;
  timeZone: string;
  layers: LayerSpec[];
}

export interface RotationSpecIssue {
  path: (string | number)[];
  code: string;
  message: string;
  hint: string;
}

const UNITS: Record<string, number> = { h: HOUR, d: DAY, w: 7 * DAY };

/** A turn's length in local milliseconds. */
export function turnLength(turn: string): number {
  if (turn === 'daily') return DAY;
  if (turn === 'weekly') return 7 * DAY;
  return Number(turn.slice(0, -1)) * (UNITS[turn.slice(-1)] ?? DAY);
}

/** What the schema cannot say: a real zone, real dates and times, an end after the start, turns of sane length. */
export function rotationSpecIssues(spec: RotationSpec): RotationSpecIssue[] {
  const issues: RotationSpecIssue[] = [];
  if (!isTimeZone(spec.timeZone))
    issues.push({
      path: ['timeZone'],
      code: 'unknown-time-zone',
      message: `"${spec.timeZone}" is not an IANA time zone`,
      hint: 'Write the zone the team hands over in, e.g. Europe/Berlin, America/New_York or UTC.',
    });
  spec.layers.forEach((layer, i) => {
    const start = parseLocalDateTime(layer.start);
    if (start === undefined)
      issues.push({
        path: ['layers', i, 'start'],
        code: 'invalid-local-time',
        message: `"${layer.start}" is not a date and time`,
        hint: "Write the first handoff as YYYY-MM-DDTHH:MM in the rotation's time zone, e.g. 2025-01-06T09:00 (quoted).",
      });
    if (layer.end !== undefined) {
      const end = parseLocalDateTime(layer.end);
      if (end === undefined || (start !== undefined && end <= start))
        issues.push({
          path: ['layers', i, 'end'],
          code: 'invalid-local-time',
          message: `"${layer.end}" is not a date and time after the layer's start`,
          hint: 'Write when the layer stops as YYYY-MM-DDTHH:MM, after its start; leave it out to go on.',
        });
    }
    if (turnLength(layer.turn) > MAX_TURN)
      issues.push({
        path: ['layers', i, 'turn'],
        code: 'turn-too-long',
        message: `A turn of ${layer.turn} is longer than 13 weeks`,
        hint: 'Use daily, weekly or a count of hours, days or weeks up to 13w.',
      });
    (layer.restrictions ?? []).forEach((r, j) => {
      for (const field of ['from', 'to'] as const) {
        if (parseTimeOfDay(r[field]) === undefined)
          issues.push({
            path: ['layers', i, 'restrictions', j, field],
            code: 'invalid-time-of-day',
            message: `"${r[field]}" is not a time of day`,
            hint: 'Write HH:MM on a 24-hour clock, e.g. 09:00 or 17:30 (quoted).',
          });
      }
    });
  });
  return issues;
}

function restrictionOf(r: RestrictionSpec): Restriction {
  const days = r.days ?? WEEKDAYS;
  return {
    days: days.map((d) => WEEKDAYS.indexOf(d) + 1),
    from: parseTimeOfDay(r.from) ?? 0,
    to: parseTimeOfDay(r.to) ?? 0,
  };
}

/**
 * A stored Rotation's spec as a schedule (the catalog stores only specs its checks
 * passed). `participant` turns a reference as written into the form answers carry (an
 * entity key), so overrides and layers name people alike.
 */
export function rotationOf(spec: RotationSpec, participant: (ref: string) => string): Rotation {
  return {
    timeZone: spec.timeZone,
    layers: spec.layers.map(
      (layer, i): Layer => ({
        name: layer.name ?? `layer ${i + 1}`,
        start: parseLocalDateTime(layer.start) ?? 0,
        ...(layer.end !== undefined && { end: parseLocalDateTime(layer.end) ?? 0 }),
        turn: turnLength(layer.turn),
        participants: layer.participants.map(participant),
        restrictions: (layer.restrictions ?? []).map(restrictionOf),
      }),
    ),
  };
}
