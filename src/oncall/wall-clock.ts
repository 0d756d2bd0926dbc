/**
 * Wall-clock time in an IANA time zone, with nothing but Intl (it runs in the browser too:
 * the portal's script computes who is on call from the same code). A *local* time is
 * written as epoch milliseconds of the same wall-clock reading in UTC, so local
 * arithmetic (add a day, the weekday) is plain arithmetic with no daylight saving in it;
 * only instantOf and localOf cross between local times and instants. Pure.
 */

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** Whether the runtime knows `timeZone` as an IANA zone (e.g. Europe/Berlin). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at `instant`, in milliseconds (east positive), read from Intl. */
function readOffset(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  return Date.UTC(year, month - 1, day, hour, minute, second) - Math.floor(instant / 1000) * 1000;
}

/**
 * Offsets change only on a quarter hour (every zone since the 1970s), so one reading per
 * quarter hour serves every instant in it; schedules ask about the same few handoffs
 * again and again, and Intl is the slow part.
 */
const QUARTER_HOUR = 15 * MINUTE;
const MAX_REMEMBERED = 20_000;
const offsets = new Map<string, number>();

function offsetAt(instant: number, timeZone: string): number {
  const key = `${timeZone} ${Math.floor(instant / QUARTER_HOUR)}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    if (offsets.size >= MAX_REMEMBERED) offsets.clear();
    offset = readOffset(Math.floor(instant / QUARTER_HOUR) * QUARTER_HOUR, timeZone);
    offsets.set(key, offset);
  }
  return offset;
}

/** The local time (see above) that `instant` reads as in `timeZone`. */
export function localOf(instant: number, timeZone: string): number {
  return instant + offsetAt(instant, timeZone);
}

/**
 * The instant a wall-clock reading happens in `timeZone`. A reading that happens twice
 * (the hour repeated when clocks go back) is its first occurrence; one that never
 * happens (the hour skipped when clocks go forward) is moved forward by the gap, so a
 * 02:30 handoff on the spring-forward night happens at 03:30, as a person would expect.
 * Zones change their offset at most once within a day either side, which holds for
 * every zone in the IANA database.
 */
export function instantOf(local: number, timeZone: string): number {
  const before = offsetAt(local - DAY, timeZone);
  const after = offsetAt(local + DAY, timeZone);
  const candidates = [local - before, local - after].filter((t) => localOf(t, timeZone) === local);
  return candidates.length > 0 ? Math.min(...candidates) : local - before;
}

/** Midnight of a local time's day. */
export function dayOf(local: number): number {
  return Math.floor(local / DAY) * DAY;
}

/** The ISO weekday of a local time: 1 Monday … 7 Sunday. */
export function weekdayOf(local: number): number {
  return ((new Date(local).getUTCDay() + 6) % 7) + 1;
}

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})$/;
const TIME_OF_DAY = /^(\d{2}):(\d{2})$/;

/** A local time written `YYYY-MM-DDTHH:MM`, or undefined when it is not a real date and time. */
export function parseLocalDateTime(text: string): number | undefined {
  const match = LOCAL_DATE_TIME.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [number, number, number, number, number];
  const local = Date.UTC(year, month - 1, day, hour, minute);
  const back = new Date(local);
  // Date.UTC rolls 2025-02-30 over into March: a date that does not come back is not a date.
  if (back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day || hour > 23 || minute > 59) return undefined;
  return local;
}

/** A time of day written `HH:MM` (`24:00` is the end of the day), in milliseconds after midnight; undefined otherwise. */
export function parseTimeOfDay(text: string): number | undefined {
  const match = TIME_OF_DAY.exec(text);
  if (!match) return undefined;
  const hour = Number(match[1]);
  const minute = Number(match[2]);
  if (minute > 59 || hour > 24 || (hour === 24 && minute !== 0)) return undefined;
  return hour * HOUR + minute * MINUTE;
}
